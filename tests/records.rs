//! Record-level datasets read by Polars' lazy scanners: the same derived numbers from CSV
//! and from Parquet, checked against counts made here by hand from the rows; a bad cell in
//! a large file is still reported with its line and column. The data is synthetic and
//! written to a temporary directory.

use std::collections::BTreeMap;
use std::path::Path;

use blockchain_report::data::records::{self, Dataset, Format};

/// The synthetic CSV's rows as (province, field, year), read with the csv crate.
fn rows(csv: &Path) -> Vec<(String, String, i64)> {
    let mut reader = csv::Reader::from_path(csv).unwrap();
    reader.records().map(|r| r.unwrap()).map(|r| (r[1].to_string(), r[2].to_string(), r[3].parse().unwrap())).collect()
}

#[test]
fn csv_and_parquet_give_the_derived_numbers_counted_by_hand() {
    let dir = tempfile::tempdir().unwrap();
    records::synthetic::write(dir.path(), "reg-csv", 20_000, Format::Csv).unwrap();
    records::synthetic::write(dir.path(), "reg-parquet", 20_000, Format::Parquet).unwrap();
    let yaml = std::fs::read_to_string(dir.path().join("reg-csv.yaml")).unwrap();
    assert!(yaml.contains("SYNTHETIC") && yaml.contains("kind: synthetic"), "synthetic data says so");

    let by_hand = rows(&dir.path().join("reg-csv.csv"));
    let mut provinces: BTreeMap<String, u64> = BTreeMap::new();
    let mut years: BTreeMap<i64, u64> = BTreeMap::new();
    for (p, _, y) in &by_hand {
        *provinces.entry(p.clone()).or_default() += 1;
        *years.entry(*y).or_default() += 1;
    }

    for (id, loaded) in [("reg-csv", false), ("reg-parquet", false), ("reg-csv", true), ("reg-parquet", true)] {
        let mut data = Dataset::open(&dir.path().join(format!("{id}.yaml"))).unwrap();
        if loaded {
            // Counted once by (province, year, field): the same numbers.
            data = data.tally(&["province", "year", "field"]).unwrap();
        }
        data.validate().unwrap();
        let counts = data.run(|lf| records::count_by(lf, "province")).unwrap();
        assert_eq!(counts.iter().map(|(_, n)| n).sum::<u64>(), 20_000, "{id}");
        assert_eq!(counts.iter().cloned().collect::<BTreeMap<_, _>>(), provinces, "{id}");
        assert!(counts.windows(2).all(|w| w[0].1 >= w[1].1), "most first");

        let share = data.run(|lf| records::share(lf, "province", "广东")).unwrap().unwrap();
        assert!((share - provinces["广东"] as f64 / 200.0).abs() < 1e-9, "{id}: {share}");
        assert_eq!(data.run(|lf| records::share(lf, "province", "不存在")).unwrap(), Some(0.0));

        let growth = data.run(|lf| records::growth_by_year(lf, "year")).unwrap();
        assert_eq!(growth.iter().map(|g| (g.year, g.count)).collect::<BTreeMap<_, _>>(), years, "{id}");
        let y2023 = growth.iter().find(|g| g.year == 2023).unwrap();
        let expected = (years[&2023] as f64 - years[&2022] as f64) / years[&2022] as f64 * 100.0;
        assert!((y2023.growth_pct.unwrap() - expected).abs() < 1e-9);
        assert_eq!(growth[0].growth_pct, None, "the first year has no previous year");

        let ranks = data.run(|lf| records::ranks(lf, "field")).unwrap();
        assert_eq!(ranks[0].rank, 1);
        assert!(ranks.windows(2).all(|w| (w[0].count == w[1].count) == (w[0].rank == w[1].rank)), "ties share a rank");
    }
}

#[test]
fn a_missing_year_gives_no_growth() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("r.csv"), "year\n2019\n2019\n2021\n2022\n2022\n2022\n").unwrap();
    std::fs::write(
        dir.path().join("r.yaml"),
        "id: r\ntitle: t\nformat: csv\npath: r.csv\ncolumns:\n- {name: year, title: 年份, type: integer}\nprovenance: {kind: synthetic, where: test}\n",
    )
    .unwrap();
    let data = Dataset::open(&dir.path().join("r.yaml")).unwrap();
    let growth = data.run(|lf| records::growth_by_year(lf, "year")).unwrap();
    let got: Vec<(i64, u64, Option<f64>)> = growth.iter().map(|g| (g.year, g.count, g.growth_pct)).collect();
    assert_eq!(got, [(2019, 2, None), (2021, 1, None), (2022, 3, Some(200.0))]);
}

#[test]
fn a_bad_cell_deep_in_a_large_file_is_reported_with_its_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    records::synthetic::write(dir.path(), "reg", 200_000, Format::Csv).unwrap();
    let csv = dir.path().join("reg.csv");
    let text = std::fs::read_to_string(&csv).unwrap();
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    // Line 150001 (row 150000): the year written with a unit.
    let fields: Vec<&str> = lines[150_000].split(',').collect();
    let bad = format!("{},{},{},{}年,{}", fields[0], fields[1], fields[2], fields[3], fields[4]);
    lines[150_000] = bad;
    std::fs::write(&csv, lines.join("\n") + "\n").unwrap();

    let data = Dataset::open(&dir.path().join("reg.yaml")).unwrap();
    let err = data.run(|lf| records::growth_by_year(lf, "year")).unwrap_err().to_string();
    assert!(err.contains("reg.csv:150001:"), "{err}");
    assert!(err.contains("(column `year`)"), "{err}");
    assert!(err.contains("年` is not a valid integer"), "{err}");
    assert!(err.contains("hint: write a whole number"), "{err}");
    assert!(!err.contains("FAILED HERE"), "no query plan: {err}");
}

#[test]
fn a_declared_column_missing_from_the_file_is_named_with_the_nearest() {
    let dir = tempfile::tempdir().unwrap();
    records::synthetic::write(dir.path(), "reg", 10, Format::Csv).unwrap();
    let yaml = dir.path().join("reg.yaml");
    let text = std::fs::read_to_string(&yaml).unwrap().replace("name: province", "name: provinse");
    std::fs::write(&yaml, text).unwrap();
    let err = Dataset::open(&yaml).unwrap().scan().map(|_| ()).unwrap_err().to_string();
    assert!(err.contains("column `provinse`") && err.contains("`province`"), "{err}");
}

//! Record-level datasets (`data/records/<id>.yaml`), read by Polars' lazy scanners and named
//! by derived numbers like tables: the same numbers from CSV and from Parquet, checked
//! against counts made here by hand; a bad cell deep in a large file is reported with its
//! line and column. The data is synthetic, added to a scratch copy of the mini report.

mod common;
use common::*;

use std::collections::BTreeMap;
use std::path::Path;

use blockchain_report::build::Project;
use blockchain_report::data::records::{Format, synthetic};

/// One synthetic record: province, field, year, capital.
type Record = (String, String, i64, f64);

/// The synthetic CSV's rows, read with the csv crate.
fn rows(csv: &Path) -> Vec<Record> {
    let mut reader = csv::Reader::from_path(csv).unwrap();
    reader
        .records()
        .map(|r| r.unwrap())
        .map(|r| (r[1].to_string(), r[2].to_string(), r[3].parse().unwrap(), r[4].parse().unwrap()))
        .collect()
}

fn numbers(dir: &Path) -> BTreeMap<String, f64> {
    let (_, facts) = Project::open(&dir.join("report.yaml")).unwrap().load().unwrap();
    facts.numbers.iter().filter(|n| n.name.starts_with("reg_")).map(|n| (n.name.clone(), n.value)).collect()
}

fn load_error(dir: &Path) -> String {
    match Project::open(&dir.join("report.yaml")).unwrap().load() {
        Ok(_) => panic!("the data should not load"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn derived_numbers_over_csv_and_parquet_records_agree_with_counts_by_hand() {
    let csv = mini();
    synthetic::add_to_project(&csv.path().join("data"), 20_000, Format::Csv).unwrap();
    let parquet = mini();
    synthetic::add_to_project(&parquet.path().join("data"), 20_000, Format::Parquet).unwrap();
    let yaml = read(csv.path(), "data/records/reg.yaml");
    assert!(yaml.contains("SYNTHETIC") && yaml.contains("kind: synthetic"), "synthetic data says so");

    let by_hand = rows(&csv.path().join("data/records/reg.csv"));
    let count = |keep: &dyn Fn(&Record) -> bool| by_hand.iter().filter(|r| keep(r)).count() as f64;
    let guangdong = count(&|r| r.0 == "广东");
    let (y2023, y2022) = (count(&|r| r.2 == 2023), count(&|r| r.2 == 2022));
    let mut fields: BTreeMap<&str, usize> = BTreeMap::new();
    for r in &by_hand {
        *fields.entry(r.1.as_str()).or_default() += 1;
    }
    let finance = fields["金融"];
    let mut distinct_counts: Vec<usize> = fields.values().copied().filter(|&n| n > finance).collect();
    distinct_counts.sort();
    distinct_counts.dedup();
    let capital: f64 = by_hand.iter().filter(|r| r.0 == "广东").map(|r| r.3).sum();

    for dir in [csv.path(), parquet.path()] {
        let n = numbers(dir);
        assert_eq!(n["reg_total"], 20_000.0);
        assert_eq!(n["reg_guangdong"], guangdong);
        assert!((n["reg_guangdong_share"] - guangdong / 200.0).abs() < 1e-9, "{}", n["reg_guangdong_share"]);
        assert_eq!((n["reg_2023"], n["reg_2022"]), (y2023, y2022));
        assert!((n["reg_growth_2023"] - (y2023 - y2022) / y2022 * 100.0).abs() < 1e-9);
        assert_eq!(n["reg_finance_rank"], distinct_counts.len() as f64 + 1.0, "dense rank by count");
        assert!((n["reg_capital_guangdong"] - capital).abs() < 1e-3 * capital.max(1.0), "{} vs {capital}", n["reg_capital_guangdong"]);
        assert_eq!(n["reg_fields"], fields.len() as f64);
    }
}

#[test]
fn a_changed_record_changes_the_numbers_over_it() {
    let dir = mini();
    synthetic::add_to_project(&dir.path().join("data"), 1_000, Format::Csv).unwrap();
    let before = numbers(dir.path());
    let csv = dir.path().join("data/records/reg.csv");
    let text = std::fs::read_to_string(&csv).unwrap();
    // One more record in 广东, founded in 2023.
    std::fs::write(&csv, format!("{text}1001,广东,金融,2023,10.00\n")).unwrap();
    let after = numbers(dir.path());
    assert_eq!(after["reg_total"], before["reg_total"] + 1.0);
    assert_eq!(after["reg_guangdong"], before["reg_guangdong"] + 1.0);
    assert_eq!(after["reg_2023"], before["reg_2023"] + 1.0);
    assert_ne!(after["reg_guangdong_share"], before["reg_guangdong_share"]);
    assert!((after["reg_capital_guangdong"] - before["reg_capital_guangdong"] - 10.0).abs() < 1e-6);
}

#[test]
fn a_bad_cell_deep_in_a_large_file_is_reported_with_its_line_and_column() {
    let dir = mini();
    synthetic::add_to_project(&dir.path().join("data"), 200_000, Format::Csv).unwrap();
    let csv = dir.path().join("data/records/reg.csv");
    let text = std::fs::read_to_string(&csv).unwrap();
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    // Line 150001 (row 150000): the year written with a unit.
    let fields: Vec<&str> = lines[150_000].split(',').collect();
    lines[150_000] = format!("{},{},{},{}年,{}", fields[0], fields[1], fields[2], fields[3], fields[4]);
    std::fs::write(&csv, lines.join("\n") + "\n").unwrap();

    let err = load_error(dir.path());
    assert!(err.contains("reg.csv:150001:"), "{err}");
    assert!(err.contains("(column `year`)"), "{err}");
    assert!(err.contains("年` is not a valid integer"), "{err}");
    assert!(err.contains("hint: write a whole number"), "{err}");
    assert!(!err.contains("FAILED HERE"), "no query plan: {err}");
}

#[test]
fn a_declared_column_missing_from_the_file_is_named_with_the_nearest() {
    let dir = mini();
    synthetic::add_to_project(&dir.path().join("data"), 10, Format::Csv).unwrap();
    edit(dir.path(), "data/records/reg.csv", "id,province,", "id,provinse,");
    let err = load_error(dir.path());
    assert!(err.contains("column `province` declared in") && err.contains("reg.csv:1"), "{err}");
    assert!(err.contains("the file has `provinse`"), "{err}");
}

#[test]
fn value_of_a_record_dataset_is_refused_with_a_hint() {
    let dir = mini();
    synthetic::add_to_project(&dir.path().join("data"), 10, Format::Csv).unwrap();
    std::fs::write(dir.path().join("data/derived/one.yaml"), "reg_one:\n  formula: value(reg, capital, id = 1)\n  unit: 万元\n").unwrap();
    let err = load_error(dir.path());
    assert!(err.contains("value() reads one row of a table; `reg` is a record dataset"), "{err}");
}

#[test]
fn a_figure_series_counts_records_by_a_column() {
    let dir = mini();
    synthetic::add_to_project(&dir.path().join("data"), 5_000, Format::Parquet).unwrap();
    let by_hand = {
        let csv = mini();
        synthetic::add_to_project(&csv.path().join("data"), 5_000, Format::Csv).unwrap();
        let mut fields: BTreeMap<String, usize> = BTreeMap::new();
        for r in rows(&csv.path().join("data/records/reg.csv")) {
            *fields.entry(r.1).or_default() += 1;
        }
        fields
    };
    edit(
        dir.path(),
        "data/figures/shares.yaml",
        "unit: \"%\"\ndata: shares.csv",
        "unit: 家\nseries:\n- name: 企业数\n  formula: count(reg) by field\n  explain: 合成名录按领域计数",
    );
    std::fs::remove_file(dir.path().join("data/figures/shares.csv")).unwrap();
    build(dir.path()).unwrap();
    let drawn = read(dir.path(), "output/2023/data/figures/shares.csv");
    for (field, n) in &by_hand {
        assert!(drawn.lines().any(|l| l.contains(&format!(",{field},{n},"))), "{field} {n} not drawn:\n{drawn}");
    }
}

#[test]
fn a_record_missing_a_required_value_is_reported_with_its_line() {
    let dir = mini();
    synthetic::add_to_project(&dir.path().join("data"), 1_000, Format::Csv).unwrap();
    let csv = dir.path().join("data/records/reg.csv");
    let text = std::fs::read_to_string(&csv).unwrap();
    // Line 502: no province (a silent null would count as nowhere).
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    let fields: Vec<&str> = lines[501].split(',').collect();
    lines[501] = format!("{},,{},{},{}", fields[0], fields[2], fields[3], fields[4]);
    std::fs::write(&csv, lines.join("\n") + "\n").unwrap();
    let err = load_error(dir.path());
    assert!(err.contains("reg.csv:502:") && err.contains("(column `province`)"), "{err}");
    assert!(err.contains("empty cell in a column that may not be empty"), "{err}");
}

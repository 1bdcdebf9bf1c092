//! The real report as a series: the 2023 edition and a made-up 2024 edition (TEST DATA,
//! tests/series/2024/README.md). The 2024 edition computes its year-over-year figures from
//! both years' data; adding it leaves the 2023 edition byte for byte as committed; a later
//! edition's corrections show as revisions of the earlier one; and a planted change moves
//! exactly what depends on it in each edition.

mod common;
use common::series::real_with_2024;
use common::*;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use blockchain_report::build::{self, Options, Project, Targets};
use blockchain_report::model::NumberKind;

fn build_edition(dir: &Path, year: i32) {
    let project = Project::open_edition(&dir.join("report.yaml"), Some(year)).unwrap();
    let options = Options { targets: Targets { md: true, html: true, pdf: false, docx: false }, ..Default::default() };
    build::build(&project, options).unwrap_or_else(|e| panic!("the {year} edition: {e}"));
}

/// Every number of an edition with a value in its year.
fn numbers(dir: &Path, year: i32) -> BTreeMap<String, f64> {
    let (_, facts) = Project::open_edition(&dir.join("report.yaml"), Some(year)).unwrap().load().unwrap();
    facts.numbers.iter().filter(|n| n.value.is_finite()).map(|n| (n.name.clone(), n.value)).collect()
}

fn changed(before: &BTreeMap<String, f64>, after: &BTreeMap<String, f64>) -> BTreeSet<String> {
    let names: BTreeSet<&String> = before.keys().chain(after.keys()).collect();
    names.into_iter().filter(|n| before.get(*n).map(|v| v.to_bits()) != after.get(*n).map(|v| v.to_bits())).cloned().collect()
}

#[test]
fn adding_the_2024_edition_leaves_the_2023_edition_as_committed() {
    let dir = real_with_2024();
    let project = Project::open_edition(&dir.path().join("report.yaml"), Some(2023)).unwrap();
    build::build(&project, Default::default()).unwrap();
    let (built, committed) = (tree(&dir.path().join("output/2023")), tree(&repo().join("output/2023")));
    let differ: Vec<_> = built.keys().chain(committed.keys()).filter(|k| built.get(*k) != committed.get(*k)).collect();
    assert!(differ.is_empty(), "files that differ from the committed output/2023: {differ:?}");
}

#[test]
fn the_2024_edition_computes_its_year_over_year_figures_from_both_years() {
    let dir = real_with_2024();
    build_edition(dir.path(), 2024);
    let report = read(dir.path(), "output/2024/report.md");
    for sentence in [
        // 5 policies dated 2024 against the 2023 edition's 18: (5 − 18) ÷ 18.
        "2024 年国家及部委发布区块链相关政策 5 项，同比下降72.22%，2023 年为 18 项。",
        // An undated register: 2 rows brought by the 2024 edition, 5 by the 2023 one.
        "2024 年新增区块链地方标准 2 项，2023 年为 5 项，两年之差为 -3 项。",
        // The corrected 2023 scale (61, not the 60 printed in 2023): (66 − 61) ÷ 61.
        "2024 年全国区块链产业规模约 66亿元，同比增长8.2%（2023 年约 61亿元）；全年投融资 40 笔，同比增长11.11%。",
        // 32 funds to 2023, one of 2023 reported late, 2 founded in 2024: 35 ÷ 33 − 1, and
        // (35 ÷ 12)^(1/5) − 1 since the 12 of 2019.
        "截至 2024 年底，区块链产业基金累计 35 个，同比增长6.06%，2019 年底以来年复合增长率为 23.87%；2024 年新增基金 2 个，2023 年为 6 个，两年之差为 -4 个。",
        "截至 2024 年底，全国共有区块链产业园区 58 家，其中 2024 年新增 2 家，累计数增长率为 3.57%",
        // The charts of a register run to the edition's year, and so do their captions.
        "**图 2-1 2017-2024 年区块链产业基金规模和数量分布**",
        "**图 2-2 2015 年-2024 年我国各地域区块链产业园成立时间分布**",
        // 表 1-1 of the 2024 edition is the policies dated 2024, a view, not a copy.
        "| 测试部委甲 | 2024.1 | 《测试政策一（测试数据）》 |",
    ] {
        assert!(report.contains(sentence), "the 2024 edition lacks {sentence:?}");
    }
    assert!(!report.contains("国家广播电视总局"), "表 1-1 of 2024 holds no policy of 2023");
    let drawn = read(dir.path(), "output/2024/data/figures/industry-funds-by-year.csv");
    assert!(drawn.contains("基金数量（个）,2024,2,"), "{drawn}");
    // Nothing of the 2024 wording's year-over-year figures is typed: each is derived.
    let (_, facts) = Project::open_edition(&dir.path().join("report.yaml"), Some(2024)).unwrap().load().unwrap();
    for name in [
        "national_policies_growth",
        "industry_scale_growth",
        "financing_deals_growth",
        "funds_total_growth",
        "funds_cagr_since_2019",
        "parks_growth",
        "parks_cagr_since_2019",
        "local_standards_change",
        "funds_new_change",
    ] {
        assert_eq!(facts.number(name).map(|n| n.kind), Some(NumberKind::Derived), "{name}");
    }
}

#[test]
fn later_corrections_are_revisions_of_the_2023_edition() {
    let dir = real_with_2024();
    let project = Project::open_edition(&dir.path().join("report.yaml"), Some(2023)).unwrap();
    let revisions = blockchain_report::revisions::of_edition(&project.catalog().unwrap(), 2023, &[2024]).unwrap();
    let seen: BTreeMap<&str, (&str, &str, i32)> =
        revisions.iter().map(|r| (r.name.as_str(), (r.printed.as_str(), r.now.as_str(), r.by))).collect();
    // The corrected primary, and the late-reported fund in every number and table it counts in.
    assert_eq!(seen.get("industry_scale"), Some(&("约60亿元", "61亿元", 2024)), "{revisions:#?}");
    assert_eq!(seen.get("funds_new"), Some(&("5个", "6个", 2024)));
    assert_eq!(seen.get("funds_total"), Some(&("32个", "33个", 2024)));
    assert_eq!(seen.get("new-funds-2023"), Some(&("5 行", "6 行", 2024)));
    assert!(!seen.contains_key("national_policies"), "2024's policies are not 2023's");
    // The 2024 edition's audit tells readers (修订说明).
    build_edition(dir.path(), 2024);
    let audit = read(dir.path(), "output/2024/audit.md");
    assert!(audit.contains("## 修订说明") && audit.contains("| 2023 年版 | industry\\_scale | 约60亿元 | 61亿元 |"), "{audit}");
    // The 2023 edition itself still prints what it printed.
    build_edition(dir.path(), 2023);
    assert!(read(dir.path(), "output/2023/report.md").contains("产业基金 32 个"));
}

/// A planted change: what moves in each edition, and nothing else.
struct Plant {
    file: &'static str,
    from: &'static str,
    to: &'static str,
    /// The numbers that must change in the 2023 and in the 2024 edition.
    in_2023: &'static [&'static str],
    in_2024: &'static [&'static str],
}

fn plant(p: Plant) {
    let dir = real_with_2024();
    let before = [numbers(dir.path(), 2023), numbers(dir.path(), 2024)];
    build_edition(dir.path(), 2023);
    build_edition(dir.path(), 2024);
    let html_before = [read(dir.path(), "output/2023/report.html"), read(dir.path(), "output/2024/report.html")];
    edit(dir.path(), p.file, p.from, p.to);
    let after = [numbers(dir.path(), 2023), numbers(dir.path(), 2024)];
    build_edition(dir.path(), 2023);
    build_edition(dir.path(), 2024);
    for (i, (year, expected)) in [(2023, p.in_2023), (2024, p.in_2024)].into_iter().enumerate() {
        let moved = changed(&before[i], &after[i]);
        let expected: BTreeSet<String> = expected.iter().map(|s| s.to_string()).collect();
        assert_eq!(moved, expected, "numbers of the {year} edition that moved");
        // The paragraphs that changed are exactly those that print a number that moved.
        let html = read(dir.path(), &format!("output/{year}/report.html"));
        let prose = |h: &str| h.lines().filter(|l| l.starts_with("<p>")).map(String::from).collect::<Vec<_>>();
        let (old, new) = (prose(&html_before[i]), prose(&html));
        assert_eq!(old.len(), new.len(), "{year}: the same paragraphs");
        for (o, n) in old.iter().zip(&new) {
            let prints_a_moved_number = expected.iter().any(|name| o.contains(&format!("data-name=\"{name}\"")));
            assert_eq!(
                o != n,
                prints_a_moved_number,
                "{year}: paragraph changed = {}, prints a moved number = {prints_a_moved_number}:\n{o}\n{n}",
                o != n
            );
        }
    }
}

#[test]
fn a_changed_2023_row_moves_the_2023_count_and_the_2024_growth() {
    plant(Plant {
        file: "data/tables/national-policies.csv",
        // The row as the test series writes it back, with its empty `edition` cell.
        from: "国家广播电视总局,2023-01,《全国广播电视和网络视听“十四五”人才发展规划》,\n",
        to: "",
        in_2023: &["national_policies", "policies_new"],
        in_2024: &["national_policies_growth"],
    });
}

#[test]
fn a_changed_2024_row_moves_only_the_2024_edition() {
    plant(Plant {
        file: "data/tables/industry-funds.csv",
        from: "测试基金乙（测试数据）,2024-08",
        to: "测试基金乙（测试数据）,2023-08",
        in_2023: &[],
        // In the 2024 edition the fund now counts in 2023: one more to 2023, one fewer new in 2024.
        in_2024: &["funds_new", "funds_new_change", "funds_new_last_year", "funds_total_growth"],
    });
}

#[test]
fn a_primary_changed_in_2023_moves_the_2023_sentence_and_the_2024_growth() {
    plant(Plant {
        file: "data/stated/ch1.csv",
        from: "financing_deals,2023,36,",
        to: "financing_deals,2023,30,",
        in_2023: &["financing_deals"],
        in_2024: &["financing_deals_growth"],
    });
}

#[test]
fn a_primary_changed_in_2024_moves_only_the_2024_edition() {
    plant(Plant {
        file: "data/stated/ch1.csv",
        from: "financing_deals,2024,40,",
        to: "financing_deals,2024,44,",
        in_2023: &[],
        in_2024: &["financing_deals", "financing_deals_growth"],
    });
}

/// `new-edition 2025` on the test series: the checklist names what to supply; each build
/// then names one missing value with where to give it; once the test (as TEST DATA) has
/// supplied each, the 2025 edition builds, and 2024 reads as before.
#[test]
fn new_edition_2025_names_each_missing_value_until_it_builds() {
    let dir = real_with_2024();
    let bin = env!("CARGO_BIN_EXE_blockchain-report");
    let run =
        |args: &[&str]| std::process::Command::new(bin).args(args).arg("--config").arg(dir.path().join("report.yaml")).output().unwrap();
    build_edition(dir.path(), 2024);
    let before = read(dir.path(), "output/2024/report.md");

    let started = run(&["new-edition", "2025"]);
    let checklist = String::from_utf8_lossy(&started.stdout).to_string();
    assert!(started.status.success(), "{checklist}{}", String::from_utf8_lossy(&started.stderr));
    assert!(checklist.contains("templates/chapters/01.md:6"), "a sentence comparing with the year before: {checklist}");

    // TEST DATA, as the analyst supplies it: the 2024 test rows once more, dated 2025 and
    // renamed, and each register that has them collected for 2025. The primaries come
    // one at a time below, as each build names the next.
    let rows = repo().join("tests/series/2024/rows");
    for rel in [
        "data/tables/national-policies.csv",
        "data/tables/industry-funds.csv",
        "data/tables/industry-parks.csv",
        "data/tables/local-standards.csv",
    ] {
        let text = std::fs::read_to_string(rows.join(rel)).unwrap();
        let mut lines = text.lines();
        let header = lines.next().unwrap();
        let dated: Vec<String> =
            lines.filter(|l| l.contains("2024")).map(|l| l.replace("2024", "2025").replace("测试数据", "测试数据 2025")).collect();
        let extra = dir.path().join("rows-2025.csv");
        std::fs::write(&extra, format!("{header}\n{}\n", dated.join("\n"))).unwrap();
        common::series::append_rows(&dir.path().join(rel), &extra);
        let yaml = dir.path().join(rel.replace(".csv", ".yaml"));
        let text = std::fs::read_to_string(&yaml).unwrap();
        std::fs::write(&yaml, format!("{}\n  - {{edition: 2025}}\n", text.trim_end())).unwrap();
    }

    let mut messages = Vec::new();
    for _ in 0..60 {
        let built = run(&["build", "--edition", "2025", "--to", "md"]);
        if built.status.success() {
            break;
        }
        let stderr = String::from_utf8_lossy(&built.stderr).to_string();
        assert!(!messages.contains(&stderr), "supplying a value moves the build on: {stderr}");
        messages.push(stderr.clone());
        // TEST DATA: the missing number's 2024 row, again for 2025, brought by 2025.
        let name = stderr.split('`').nth(1).unwrap_or_else(|| panic!("the message names the number: {stderr}")).to_string();
        assert!(stderr.contains("has no value for 2025") && stderr.contains("hint"), "one clear message with a hint: {stderr}");
        let mut supplied = false;
        for entry in std::fs::read_dir(dir.path().join("data/stated")).unwrap() {
            let path = entry.unwrap().path();
            let text = std::fs::read_to_string(&path).unwrap();
            if let Some(row) = text.lines().find(|l| l.starts_with(&format!("{name},2024,"))) {
                let mut cells: Vec<String> = row.split(',').map(String::from).collect();
                cells[1] = "2025".into();
                *cells.last_mut().unwrap() = "2025".into();
                std::fs::write(&path, format!("{}\n{}\n", text.trim_end(), cells.join(","))).unwrap();
                supplied = true;
                break;
            }
        }
        assert!(supplied, "{name} has a 2024 row to copy: {stderr}");
    }
    assert!(!messages.is_empty(), "a 2025 edition copied from 2024 lacks values");
    let built = run(&["build", "--edition", "2025", "--to", "md"]);
    assert!(built.status.success(), "{}", String::from_utf8_lossy(&built.stderr));
    assert!(read(dir.path(), "output/2025/report.md").contains("2025"));
    build_edition(dir.path(), 2024);
    assert_eq!(read(dir.path(), "output/2024/report.md"), before, "the 2024 edition reads as before");

    // Regression: a register collected for 2025 without rows gave a rank over it
    // `"上海市" is not a value … did you mean "上海市"?`; it now says the year has no rows.
    let yaml = dir.path().join("data/tables/metaverse-policies.yaml");
    let text = std::fs::read_to_string(&yaml).unwrap();
    std::fs::write(&yaml, format!("{}\n  - {{edition: 2025}}\n", text.trim_end())).unwrap();
    let stderr = String::from_utf8_lossy(&run(&["build", "--edition", "2025", "--to", "md"]).stderr).to_string();
    assert!(stderr.contains("\"上海市\" has no rows in `metaverse-policies` that rank(") && !stderr.contains("did you mean"), "{stderr}");
    assert!(stderr.contains("data/derived/ch1.yaml:") && stderr.contains("hint: add the year's rows"), "{stderr}");
}

//! Derived numbers on copies of the real data: a changed input changes every sentence, chart
//! and audit finding that depends on it, and nothing else; the corrected edition; errors in
//! formulas.

mod common;
use common::*;

use std::collections::BTreeMap;
use std::path::Path;

use blockchain_report::audit::Severity;
use blockchain_report::build::{self, Options, Project};
use blockchain_report::edition::Edition;

/// Lines of `new` not in `old`, and of `old` not in `new` (as multisets).
fn changed_lines(old: &str, new: &str) -> (Vec<String>, Vec<String>) {
    let count = |text: &str| {
        let mut m: BTreeMap<String, i32> = BTreeMap::new();
        for l in text.lines() {
            *m.entry(l.to_string()).or_default() += 1;
        }
        m
    };
    let (a, b) = (count(old), count(new));
    let diff = |x: &BTreeMap<String, i32>, y: &BTreeMap<String, i32>| -> Vec<String> {
        x.iter().filter(|(l, n)| **n > *y.get(*l).unwrap_or(&0)).map(|(l, _)| l.clone()).collect()
    };
    (diff(&b, &a), diff(&a, &b))
}

/// The files under output/ whose bytes differ between two builds.
fn changed_files(old: &Path, new: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![old.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
                continue;
            }
            let rel = p.strip_prefix(old).unwrap();
            if std::fs::read(&p).ok() != std::fs::read(new.join(rel)).ok() {
                out.push(rel.to_string_lossy().to_string());
            }
        }
    }
    out.sort();
    out
}

fn finding<'a>(summary: &'a build::Summary, id: &str) -> &'a blockchain_report::audit::Finding {
    summary.audit.findings.iter().find(|f| f.id == id).unwrap_or_else(|| panic!("no finding {id}"))
}

/// Removing a table row: the count in the sentence, the sum that uses it, the table, and
/// the audit follow; no other sentence changes.
#[test]
fn removing_a_table_row_changes_its_count_everywhere_and_nothing_else() {
    let dir = real();
    let csv = dir.path().join("data/tables/national-policies.csv");
    let text = std::fs::read_to_string(&csv).unwrap();
    let last = text.trim_end().lines().last().unwrap().to_string();
    std::fs::write(&csv, text.replace(&format!("{last}\n"), "")).unwrap();
    let summary = build(dir.path()).unwrap();

    let (added, removed) = changed_lines(&read(&repo(), "output/2023/report.md"), &read(dir.path(), "output/2023/report.md"));
    assert_eq!(added.len(), 1, "only the sentence changes: {added:#?}");
    assert!(added[0].contains("其中 2023 年新增 78 项") && added[0].contains("政策数量为 17 项"), "{}", added[0]);
    assert_eq!(removed.len(), 2, "the sentence and the table row: {removed:#?}");
    assert!(removed.iter().any(|l| l.starts_with('|')), "{removed:#?}");

    let f = finding(&summary, "national_policies");
    assert_eq!((f.severity, f.recomputed.as_str()), (Severity::Contradiction, "17项"));
    assert_eq!(finding(&summary, "policies_new").severity, Severity::Contradiction, "18 + 61 was the printed 79");
    let files = changed_files(&repo().join("output/2023"), &dir.path().join("output/2023"));
    assert_eq!(
        files,
        [
            "audit.json",
            "audit.md",
            "data/tables/national-policies.csv",
            "figures.json",
            "report-standalone.html",
            "report.docx",
            "report.html",
            "report.md",
            "report.pdf"
        ]
    );
}

/// Changing a table value: the fund total in the text, its chart and its audit finding.
#[test]
fn changing_a_table_value_changes_the_total_its_chart_and_its_check() {
    let dir = real();
    edit(dir.path(), "data/tables/industry-funds.csv", "苏州区块链引导基金,2017-12,10,", "苏州区块链引导基金,2017-12,20,");
    let summary = build(dir.path()).unwrap();
    let (added, _) = changed_lines(&read(&repo(), "output/2023/report.md"), &read(dir.path(), "output/2023/report.md"));
    assert!(added.iter().any(|l| l.contains("累计规模超 915亿元")), "{added:#?}");
    assert!(added.iter().all(|l| l.contains("915") || l.contains("苏州区块链引导基金")), "nothing else: {added:#?}");
    let files = changed_files(&repo().join("output/2023"), &dir.path().join("output/2023"));
    for f in ["charts/industry-funds-by-year.svg", "data/figures/industry-funds-by-year.csv"] {
        assert!(files.contains(&f.to_string()), "{f} changes: {files:?}");
    }
    assert!(files.iter().filter(|f| f.starts_with("charts/")).all(|f| f.contains("industry-funds-by-year")), "{files:?}");
    let f = finding(&summary, "funds_scale_total");
    assert_eq!((f.severity, f.recomputed.as_str()), (Severity::Agrees, "915亿元"), "超905 holds for 915");
}

/// Changing a table so that a rank changes: the rank's audit finding follows.
#[test]
fn changing_a_table_changes_a_rank() {
    let dir = real();
    let csv = dir.path().join("data/tables/industry-parks.csv");
    let mut text = std::fs::read_to_string(&csv).unwrap();
    text.push_str("华北地区,北京,北京,2023-06,测试园甲,政府\n华北地区,北京,北京,2023-07,测试园乙,政府\n");
    std::fs::write(&csv, text).unwrap();
    let summary = build(dir.path()).unwrap();
    let f = finding(&summary, "parks_city_rank_beijing");
    assert_eq!((f.severity, f.recomputed.as_str()), (Severity::Contradiction, "2位"), "北京 moves up to second");
    assert!(f.message.contains("与广州并列"), "{}", f.message);
    let (added, _) = changed_lines(&read(&repo(), "output/2023/report.md"), &read(dir.path(), "output/2023/report.md"));
    assert!(added.iter().any(|l| l.contains("成立 58 家区块链产业园区")), "the park count follows: {added:#?}");
}

/// A stated primary: the shares computed from it follow (the shares are not typed).
#[test]
fn changing_a_primary_changes_the_shares_computed_from_it() {
    let dir = real();
    edit(dir.path(), "data/stated/ch4.csv", "judicial_apps,2023,67,", "judicial_apps,2023,70,");
    let summary = build(dir.path()).unwrap();
    let report = read(dir.path(), "output/2023/report.md");
    assert!(report.contains("2023年落地70项，同比增长34.53%，占2023年区块链应用落地项目总数的15.56%"), "70 / 450");
    assert_eq!(finding(&summary, "judicial_apps_share").severity, Severity::Contradiction);
    // 图 4-4's remainder: 70 − 18 − 13 − 10 − 6; 图 1-17's: 450 − 245 − 70 − 44 − 41 − 34 − 14.
    assert!(read(dir.path(), "output/2023/data/figures/judicial-apps-by-region.csv").contains(",其他,23,"));
    assert!(read(dir.path(), "output/2023/data/figures/application-fields.csv").contains(",其他,2,"));
}

/// The corrected edition prints the computed value with the published one in a note, at
/// exactly the reviewed contradictions the text prints.
#[test]
fn the_corrected_edition_differs_exactly_at_the_acknowledged_contradictions() {
    let dir = real();
    let project = Project::open(&dir.path().join("report.yaml")).unwrap();
    let summary = build::build(&project, Options { edition: Edition::Corrected, ..Default::default() }).unwrap();
    let corrected = read(dir.path(), "output/2023/report.md");
    let published = read(&repo(), "output/2023/report.md");
    let notes = corrected.matches("（原文：").count();
    assert_eq!(notes, summary.numbers.corrected, "one note per corrected number");
    assert!(notes >= 8, "{notes}");
    // Every note is at a reviewed contradiction; removing the notes and the computed values
    // gives back the published text.
    let (added, removed) = changed_lines(&published, &corrected);
    assert_eq!(added.len(), removed.len());
    for line in &added {
        assert!(line.contains("（原文："), "{line}");
    }
    assert!(corrected.contains("2023 年增长率为 7.7%（原文：7.8%）"));
    assert!(corrected.contains("其中 3（原文：2） 项为现行标准，其余 5（原文：6） 项即将实施"));
}

/// A reviewed contradiction whose computed value changes is open again in `check --strict`.
#[test]
fn an_input_change_reopens_a_reviewed_contradiction() {
    let dir = real();
    let csv = dir.path().join("data/tables/industry-parks.csv");
    let mut text = std::fs::read_to_string(&csv).unwrap();
    text.push_str("华东地区,山东,济南,2023-06,测试园丙,政府\n");
    std::fs::write(&csv, text).unwrap();
    let summary = build(dir.path()).unwrap();
    let f = finding(&summary, "parks_growth");
    assert_eq!(f.acknowledged, None, "reviewed at 7.6923%, now 5 ÷ 52");
    assert!(f.message.contains("复核时计算值为 7.6923%"), "{}", f.message);
    assert!(summary.audit.open_contradictions().any(|f| f.id == "parks_growth"));
}

/// The build counts the numbers of the prose by kind.
#[test]
fn the_build_counts_computed_and_primary_numbers() {
    let summary = build(real().path()).unwrap();
    let n = summary.numbers;
    assert!(n.computed >= 50 && n.primary >= 100, "{n:?}");
    assert_eq!(n.corrected, 0);
    assert!(n.as_published >= 8, "{n:?}");
}

// Errors in formulas, on the fixture report.

fn formula_error(from: &str, to: &str) -> String {
    let dir = mini();
    edit(dir.path(), "data/derived/ch1.yaml", from, to);
    build_error(dir.path())
}

#[test]
fn a_cycle_between_derived_numbers_names_it() {
    let err = formula_error("formula: count(industry-parks, year(founded) <= y)", "formula: parks_over");
    assert!(err.contains("cycle: parks_total → parks_over → parks_total"), "{err}");
    assert!(err.contains("data/derived/ch1.yaml:7:1") && err.contains("hint:"), "{err}");
    let err = formula_error("formula: parks_total\n", "formula: parks_over + 1\n");
    assert!(err.contains("cycle: parks_over → parks_over"), "{err}");
}

#[test]
fn an_unknown_input_suggests_the_nearest_name() {
    let err = formula_error("formula: apps_assets + apps_other", "formula: apps_asets + apps_other");
    assert!(err.contains("`apps` reads `apps_asets`, which is not a number"), "{err}");
    assert!(err.contains("ch1.yaml:31:12") && err.contains("did you mean `apps_assets`?"), "{err}");
    let err = formula_error("formula: count(policies, year(published) = y)", "formula: count(policy)");
    assert!(err.contains("`policies`: the table `policy` does not exist") && err.contains("did you mean `policies`?"), "{err}");
    let err = formula_error(r#"lead ~ "政府""#, r#"leed ~ "政府""#);
    assert!(err.contains("table `industry-parks` has no column `leed`") && err.contains("did you mean `lead`?"), "{err}");
}

#[test]
fn a_unit_mismatch_is_an_error() {
    let err = formula_error("formula: apps_assets + apps_other", "formula: apps_assets + scale");
    assert!(err.contains("mixes 个 and 亿元"), "{err}");
    let err = formula_error("  unit: 个\n  explain: 各类应用之和", "  unit: '%'\n  explain: 各类应用之和");
    assert!(err.contains("declared in % but its formula gives 个"), "{err}");
}

#[test]
fn a_division_by_zero_is_an_error() {
    let err = formula_error(
        r#"share(count(industry-parks, lead ~ "政府", year(founded) <= y), parks_total)"#,
        r#"share(parks_total, parks_total - parks_total)"#,
    );
    assert!(err.contains("`parks_gov_share` is not a number in 2023: its formula divides by zero"), "{err}");
    assert!(err.contains("parks_total = 3"), "{err}");
}

#[test]
fn a_syntax_error_points_at_the_character() {
    let err = formula_error("formula: apps_assets + apps_other", "formula: apps_assets + + ");
    assert!(err.contains("ch1.yaml:31:26") && err.contains("unexpected `+`"), "{err}");
    let err = formula_error("formula: apps_assets + apps_other", "formula: shar(apps_assets, apps_other)");
    assert!(err.contains("unknown function `shar`") && err.contains("did you mean `share`?"), "{err}");
}

//! Whole builds: what the report says for a small fixture (a reviewed snapshot), a changed
//! value flowing into every output that uses it, and byte-identical rebuilds.

mod common;
use common::*;

use std::collections::BTreeMap;
use std::path::Path;

#[test]
fn fixture_report_snapshot() {
    let dir = mini();
    build(dir.path()).unwrap();
    assert_snapshot("mini-report.md", &read(dir.path(), "output/2023/report.md"));
    assert_snapshot("mini-scale.csv", &read(dir.path(), "output/2023/data/figures/scale.csv"));
}

#[test]
fn data_values_are_escaped_in_markdown_and_html() {
    let dir = mini();
    build(dir.path()).unwrap();
    let html = read(dir.path(), "output/2023/report.html");
    assert!(html.contains("《关于&lt;数据&gt;资产*管理*的意见》"), "{html}");
    assert!(!html.contains("<数据>"));
    assert!(html.contains("<html lang=\"zh-CN\">"));
}

#[test]
fn changing_one_stated_value_changes_the_chart_its_csv_and_the_derived_points() {
    let dir = real();
    build(dir.path()).unwrap();
    let csv_before = read(dir.path(), "output/2023/data/figures/industry-scale.csv");
    assert!(csv_before.contains(",2023,60,约,stated,"), "{csv_before}");
    edit(dir.path(), "data/stated/ch1.csv", "industry_scale,2023,60,", "industry_scale,2023,61,");
    build(dir.path()).unwrap();
    let csv = read(dir.path(), "output/2023/data/figures/industry-scale.csv");
    assert!(csv.contains(",2023,61,约,stated,"), "{csv}");
    // The derived 2022 value follows: 61 / (1 − 0.117) = 69.08…
    assert!(csv.contains(",2022,69.082673,"), "{csv}");
    let svg = read(dir.path(), "output/2023/charts/industry-scale.svg");
    assert!(svg.contains("约61") && svg.contains("69.08"), "the chart shows the new values");
    let report = read(dir.path(), "output/2023/report.md");
    assert!(report.contains("2022：69.08亿元（派生值）；2023：约61亿元"), "alt text follows the data");
}

#[test]
fn changing_one_table_cell_changes_the_report_and_the_metrics() {
    let dir = real();
    edit(dir.path(), "data/tables/industry-parks.csv", "华东地区,江苏,南京,2016-04,", "华东地区,江苏,南京,2023-04,");
    build(dir.path()).unwrap();
    let report = read(dir.path(), "output/2023/report.md");
    assert!(report.contains("| 江苏 | 南京 | 2023.04 |"), "the appendix table shows the new date");
    let drawn = read(dir.path(), "output/2023/data/figures/industry-parks-by-year.csv");
    assert!(drawn.contains("华东地区,2023,4,"), "the parks chart counts it in 2023: {drawn}");
}

/// One stated number feeds a sentence, a chart, a derived remainder in another chart and
/// the audit: all of them follow a change.
#[test]
fn changing_one_stated_value_changes_every_sentence_chart_and_check_that_uses_it() {
    let dir = real();
    edit(dir.path(), "data/stated/ch1.csv", "app_cases,2023,450,", "app_cases,2023,460,");
    let summary = build(dir.path()).unwrap();
    let report = read(dir.path(), "output/2023/report.md");
    assert!(report.contains("新增区块链应用案例460个，同比增速34.3%"), "the sentence");
    let fields = read(dir.path(), "output/2023/data/figures/application-fields.csv");
    assert!(fields.contains(",其他,15,,derived,"), "the remainder of 图 1-17 is 460 − 445: {fields}");
    let cases = read(dir.path(), "output/2023/charts/application-cases.svg");
    assert!(cases.contains("460"), "图 1-16 draws it");
    // The shares printed beside it are computed: 245 / 460, 44 / 460 …
    assert!(report.contains("占2023年区块链应用落地项目总数的53.26%"), "the digital-asset share follows");
    assert!(report.contains("占2023年区块链创新应用落地项目总数的9.57%"), "the e-government share follows");
    let share = summary.audit.findings.iter().find(|f| f.id == "digital_asset_apps_share").unwrap();
    assert_eq!(share.severity, blockchain_report::audit::Severity::Contradiction, "245 / 460 is no longer the printed 54.44%");
}

fn hashes(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.insert(p.strip_prefix(dir).unwrap().display().to_string(), std::fs::read(&p).unwrap());
            }
        }
    }
    out
}

#[test]
fn two_builds_are_byte_identical() {
    let dir = real();
    build(dir.path()).unwrap();
    let first = hashes(&dir.path().join("output/2023"));
    build(dir.path()).unwrap();
    let second = hashes(&dir.path().join("output/2023"));
    assert_eq!(first.keys().collect::<Vec<_>>(), second.keys().collect::<Vec<_>>());
    for (name, bytes) in &first {
        assert!(bytes == &second[name], "{name} differs between two builds");
    }
}

/// output/ is committed so that every data or template change shows up as a reviewable
/// diff; this fails when it is stale.
#[test]
fn committed_output_is_what_a_fresh_build_writes() {
    let dir = real();
    build(dir.path()).unwrap();
    let fresh = hashes(&dir.path().join("output/2023"));
    let committed = hashes(&repo().join("output/2023"));
    let stale: Vec<&String> =
        fresh.keys().filter(|k| committed.get(*k) != fresh.get(*k)).chain(committed.keys().filter(|k| !fresh.contains_key(*k))).collect();
    assert!(
        stale.is_empty(),
        "output/2023/ is stale ({} files differ, e.g. {:?}): run `cargo run --release -- build` and commit output/",
        stale.len(),
        stale.iter().take(5).collect::<Vec<_>>()
    );
}

/// Next year's edition in the same project: `new-edition 2024` starts it from 2023, a
/// 2024 value and a 2024 row are added (test data), its growth is computed from both years,
/// the 2023 edition still builds as before, and `diff 2023 2024` compares the two editions.
#[test]
fn next_edition_in_the_series_computes_its_growth_from_both_years() {
    let dir = mini();
    let bin = env!("CARGO_BIN_EXE_blockchain-report");
    let run =
        |args: &[&str]| std::process::Command::new(bin).args(args).arg("--config").arg(dir.path().join("report.yaml")).output().unwrap();
    build(dir.path()).unwrap();
    let before = read(dir.path(), "output/2023/report.md");

    let refused = run(&["new-edition", "2026"]);
    assert_eq!(refused.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("2026 does not follow the latest edition, 2023"));
    assert!(!dir.path().join("editions/2026").exists(), "a refused new-edition writes nothing");

    let started = run(&["new-edition", "2024"]);
    let checklist = String::from_utf8_lossy(&started.stdout).to_string();
    assert!(started.status.success(), "{checklist}{}", String::from_utf8_lossy(&started.stderr));
    assert!(checklist.contains("scale  data/stated/ch1.csv:2"), "a primary without a 2024 value: {checklist}");
    assert!(checklist.contains("policies  data/tables/policies.yaml"), "a register not collected for 2024: {checklist}");
    assert!(checklist.contains("chapters/01.md:6"), "a sentence comparing with the previous year: {checklist}");
    let missing = run(&["build", "--edition", "2024"]);
    assert!(
        String::from_utf8_lossy(&missing.stderr).contains("`scale` has no value for 2024"),
        "{}",
        String::from_utf8_lossy(&missing.stderr)
    );

    // Test data: the 2024 value, a 2024 policy, the register collected for 2024.
    let append = |rel: &str, text: &str| {
        let path = dir.path().join(rel);
        let old = std::fs::read_to_string(&path).unwrap();
        std::fs::write(&path, old + text).unwrap();
    };
    append(
        "data/stated/ch1.csv",
        "scale,2024,66,亿元,约,一（一）,测试数据：2024年测试规模约66亿元,2024\nscale_yoy,2024,10,%,,一（一）,测试数据,2024\nshare_assets,2024,50,%,,一（一）,测试数据,2024\n",
    );
    append("data/tables/policies.csv", "国家数据局,2024-12,,《测试数据：2024 年新增政策》,2024\n");
    append("data/tables/policies.yaml", "  - {edition: 2024}\n");
    edit(dir.path(), "editions/2024/templates/chapters/01.md", "同比{{ n.scale_yoy | change }}", "同比{{ n.scale_growth | change }}");
    let built = run(&["build", "--edition", "2024", "--to", "md"]);
    assert!(built.status.success(), "{}", String::from_utf8_lossy(&built.stderr));
    let report = read(dir.path(), "output/2024/report.md");
    assert!(report.contains("2024 年测试规模约 66亿元，同比增长10%"), "growth from the 2023 and 2024 rows: {report}");
    build(dir.path()).unwrap_or_else(|e| panic!("{e}"));
    let project = blockchain_report::build::Project::open_edition(&dir.path().join("report.yaml"), Some(2023)).unwrap();
    blockchain_report::build::build(&project, Default::default()).unwrap();
    assert_eq!(read(dir.path(), "output/2023/report.md"), before, "the 2023 edition reads the data as it was known in 2023");

    let diff = run(&["diff", "2023", "2024", "--format", "json", "--fail-on", "changed"]);
    assert_eq!(diff.status.code(), Some(1), "{}", String::from_utf8_lossy(&diff.stderr));
    let json: serde_json::Value = serde_json::from_slice(&diff.stdout).unwrap();
    let items: Vec<String> = json["items"].as_array().unwrap().iter().map(|i| i["id"].as_str().unwrap_or_default().to_string()).collect();
    assert!(items.contains(&"policies".to_string()), "{json:#}");
}

/// Git revisions are exported and built with the current pipeline.
#[test]
fn diff_of_a_git_revision_against_itself_reports_no_changes() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_blockchain-report"))
        .current_dir(repo())
        .args(["diff", "HEAD", "HEAD", "--fail-on", "changed"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(String::from_utf8_lossy(&out.stdout), "no changes\n");
}

/// A figure whose drawing changed while its values did not is reported as such.
#[test]
fn diff_reports_an_image_change_without_a_data_change() {
    let dir = mini();
    build(dir.path()).unwrap();
    let before = tempfile::tempdir().unwrap();
    copy_dir(&dir.path().join("output/2023"), before.path());
    edit(dir.path(), "data/figures/shares.yaml", "source_note: 测试研究院整理", "source_note: 测试研究院整理（修订）");
    build(dir.path()).unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_blockchain-report"))
        .args(["diff"])
        .arg(before.path())
        .arg(dir.path().join("output/2023"))
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("figure 图 1-2 shares — 2023 年测试领域分布 [image changed, data unchanged]"), "{text}");
    assert!(text.contains("1 items changed"), "{text}");
}

/// Regression: `build | head -1` closed stdout before the summary was printed, and the CLI
/// panicked ("failed printing to stdout: Broken pipe").
#[test]
fn a_closed_stdout_does_not_fail_the_build() {
    let dir = common::mini();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_blockchain-report"))
        .args(["build", "--config"])
        .arg(dir.path().join("report.yaml"))
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take()); // the reader is gone before the build prints anything
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success() && !stderr.contains("panicked"), "{stderr}");
    assert!(dir.path().join("output/2023/report.pdf").is_file());
}

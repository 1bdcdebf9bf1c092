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
    assert_snapshot("mini-report.md", &read(dir.path(), "output/report.md"));
    assert_snapshot("mini-scale.csv", &read(dir.path(), "output/data/figures/scale.csv"));
}

#[test]
fn data_values_are_escaped_in_markdown_and_html() {
    let dir = mini();
    build(dir.path()).unwrap();
    let html = read(dir.path(), "output/report.html");
    assert!(html.contains("《关于&lt;数据&gt;资产*管理*的意见》"), "{html}");
    assert!(!html.contains("<数据>"));
    assert!(html.contains("<html lang=\"zh-CN\">"));
}

#[test]
fn changing_one_stated_value_changes_the_chart_its_csv_and_the_derived_points() {
    let dir = real();
    build(dir.path()).unwrap();
    let csv_before = read(dir.path(), "output/data/figures/industry-scale.csv");
    assert!(csv_before.contains(",2023,60,约,stated,"), "{csv_before}");
    edit(dir.path(), "data/stated/ch1.csv", "industry_scale,2023,60,", "industry_scale,2023,61,");
    build(dir.path()).unwrap();
    let csv = read(dir.path(), "output/data/figures/industry-scale.csv");
    assert!(csv.contains(",2023,61,约,stated,"), "{csv}");
    // The derived 2022 value follows: 61 / (1 − 0.117) = 69.08…
    assert!(csv.contains(",2022,69.082673,"), "{csv}");
    let svg = read(dir.path(), "output/charts/industry-scale.svg");
    assert!(svg.contains("约61") && svg.contains("69.08"), "the chart shows the new values");
    let report = read(dir.path(), "output/report.md");
    assert!(report.contains("2022：69.08亿元（派生值）；2023：约61亿元"), "alt text follows the data");
}

#[test]
fn changing_one_table_cell_changes_the_report_and_the_metrics() {
    let dir = real();
    edit(dir.path(), "data/tables/industry-parks.csv", "华东地区,江苏,南京,2016-04,", "华东地区,江苏,南京,2023-04,");
    build(dir.path()).unwrap();
    let report = read(dir.path(), "output/report.md");
    assert!(report.contains("| 江苏 | 南京 | 2023.04 |"), "the appendix table shows the new date");
    let drawn = read(dir.path(), "output/data/figures/industry-parks-by-year.csv");
    assert!(drawn.contains("华东地区,2023,4,"), "the parks chart counts it in 2023: {drawn}");
}

/// One stated number feeds a sentence, a chart, a derived remainder in another chart and
/// the audit: all of them follow a change.
#[test]
fn changing_one_stated_value_changes_every_sentence_chart_and_check_that_uses_it() {
    let dir = real();
    edit(dir.path(), "data/stated/ch1.csv", "app_cases,2023,450,", "app_cases,2023,460,");
    let summary = build(dir.path()).unwrap();
    let report = read(dir.path(), "output/report.md");
    assert!(report.contains("新增区块链应用案例460个，同比增速34.3%"), "the sentence");
    let fields = read(dir.path(), "output/data/figures/application-fields.csv");
    assert!(fields.contains(",其他,15,,derived,"), "the remainder of 图 1-17 is 460 − 445: {fields}");
    let cases = read(dir.path(), "output/charts/application-cases.svg");
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
    let first = hashes(&dir.path().join("output"));
    build(dir.path()).unwrap();
    let second = hashes(&dir.path().join("output"));
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
    let fresh = hashes(&dir.path().join("output"));
    let committed = hashes(&repo().join("output"));
    let stale: Vec<&String> =
        fresh.keys().filter(|k| committed.get(*k) != fresh.get(*k)).chain(committed.keys().filter(|k| !fresh.contains_key(*k))).collect();
    assert!(
        stale.is_empty(),
        "output/ is stale ({} files differ, e.g. {:?}): run `cargo run --release -- build` and commit output/",
        stale.len(),
        stale.iter().take(5).collect::<Vec<_>>()
    );
}

/// Next year's edition: the 2024 fixture is the mini report one year on, with planted test
/// data; its wording takes the year from report.yaml, and `diff` reports exactly the plants.
#[test]
fn next_edition_builds_and_diff_reports_exactly_the_planted_changes() {
    let old = mini();
    let new = fixture("edition-2024");
    build(old.path()).unwrap();
    build(new.path()).unwrap();
    let report = read(new.path(), "output/report.md");
    assert!(report.contains("2024 年测试规模约 66亿元，2023 年约 60亿元"), "year-dependent wording comes from the edition");
    assert!(report.contains("二零二五年五月"));

    let bin = env!("CARGO_BIN_EXE_blockchain-report");
    let out = std::process::Command::new(bin)
        .args(["diff", "--format", "json", "--fail-on", "changed"])
        .arg(old.path().join("output"))
        .arg(new.path().join("output"))
        .arg("--config")
        .arg(old.path().join("report.yaml"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "--fail-on changed exits 1");
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let items: Vec<String> = json["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| format!("{} {}", i["kind"].as_str().unwrap(), i["id"].as_str().unwrap()))
        .collect();
    assert_eq!(items, ["figure scale", "figure shares", "table policies", "prose numbers"], "{json:#}");
    let changes = |i: usize| -> Vec<String> {
        json["items"][i]["changes"].as_array().unwrap().iter().map(|c| c["what"].as_str().unwrap().to_string()).collect()
    };
    assert_eq!(changes(0), ["2020", "2024", "caption"]);
    assert_eq!(changes(1), ["其他", "数字资产"]);
    assert_eq!(changes(2), ["row 国家数据局 / 《测试数据：2024 年新增政策》"]);
    // The 2024 edition's numbers are its year's: the 2023-only primaries have no 2024 value,
    // and the growth rates are computed from both years.
    let numbers = [
        "n.apps",
        "n.apps_assets",
        "n.apps_other",
        "n.apps_previous",
        "n.apps_yoy",
        "n.parks_growth",
        "n.parks_new",
        "n.policies",
        "n.scale",
        "n.scale_growth",
        "n.scale_previous",
        "n.scale_yoy",
        "n.share_assets",
        "n.shares_other",
    ];
    assert_eq!(changes(3), numbers);
    let delta = json["items"][1]["changes"][1]["delta"].as_str().unwrap();
    assert_eq!(delta, "-4.44 pp", "percentages change in percentage points");
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
    copy_dir(&dir.path().join("output"), before.path());
    edit(dir.path(), "data/figures/shares.yaml", "source_note: 测试研究院整理", "source_note: 测试研究院整理（修订）");
    build(dir.path()).unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_blockchain-report"))
        .args(["diff"])
        .arg(before.path())
        .arg(dir.path().join("output"))
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
    assert!(dir.path().join("output/report.pdf").is_file());
}

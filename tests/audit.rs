//! `check`: a fixture where every claim agrees, and one planted contradiction of each kind.

mod common;
use common::*;

use blockchain_report::audit::{self, Audit, Severity};
use blockchain_report::build::Project;

fn audit(dir: &std::path::Path) -> Audit {
    let project = Project::open(&dir.join("report.yaml")).unwrap();
    let (catalog, facts) = project.load().unwrap();
    audit::run(&catalog, &facts).unwrap()
}

fn contradiction(a: &Audit, id: &str) -> bool {
    a.findings.iter().any(|f| f.id == id && f.severity == Severity::Contradiction)
}

#[test]
fn every_claim_of_the_fixture_agrees() {
    let dir = mini();
    let a = audit(dir.path());
    let bad: Vec<_> = a.findings.iter().filter(|f| f.severity != Severity::Agrees).map(|f| (&f.id, &f.message)).collect();
    assert!(bad.is_empty(), "{bad:?}");
    // Eight printed derived numbers, one whole-count check, one caption, two group totals.
    assert_eq!(a.findings.len(), 12, "{:?}", a.findings.iter().map(|f| &f.id).collect::<Vec<_>>());
    assert!(a.unchecked.iter().any(|(k, _)| k == "scale"), "primaries are listed as unchecked");
}

fn planted(file: &str, from: &str, to: &str, id: &str) {
    let dir = mini();
    edit(dir.path(), file, from, to);
    let a = audit(dir.path());
    assert!(contradiction(&a, id), "{id} not found: {}", audit::terminal(&a));
    let f = a.findings.iter().find(|f| f.id == id).unwrap();
    assert!(!f.quote.is_empty() && !f.location.is_empty() && !f.inputs.is_empty(), "{f:?}");
}

#[test]
fn planted_count() {
    planted("editions/2023/printed.yaml", "policies: {value: 2, where", "policies: {value: 3, where", "policies");
}

#[test]
fn planted_total() {
    planted("editions/2023/printed.yaml", "apps: {value: 450,", "apps: {value: 455,", "apps");
}

#[test]
fn planted_share() {
    planted("editions/2023/printed.yaml", "parks_gov_share: {value: 66.67,", "parks_gov_share: {value: 70,", "parks_gov_share");
}

#[test]
fn planted_growth_without_a_whole_previous_value() {
    planted("data/stated/ch1.csv", "apps_yoy,2023,34.3,", "apps_yoy,2023,34.2,", "apps_previous");
}

#[test]
fn planted_growth_against_the_table() {
    planted("editions/2023/printed.yaml", "parks_growth: {value: 50,", "parks_growth: {value: 40,", "parks_growth");
}

#[test]
fn planted_rank() {
    planted("data/tables/industry-parks.csv", "华东地区,浙江,杭州,2022-05", "华北地区,北京,北京,2022-05", "parks_hangzhou_rank");
}

#[test]
fn planted_date() {
    planted("data/tables/policies.csv", "国家发改委,2023-11", "国家发改委,2023-10", "carbon_policy_month");
}

#[test]
fn qualifier_over_an_exact_value_is_minor() {
    let dir = mini();
    edit(dir.path(), "editions/2023/printed.yaml", "{value: 2, qualifier: 超", "{value: 3, qualifier: 超");
    let a = audit(dir.path());
    let f = a.findings.iter().find(|f| f.id == "parks_over").unwrap();
    assert_eq!(f.severity, Severity::Minor, "超3 for exactly 3");
}

#[test]
fn planted_qualifier() {
    planted("editions/2023/printed.yaml", "{value: 2, qualifier: 超", "{value: 4, qualifier: 超", "parks_over");
}

#[test]
fn planted_caption_year_range() {
    planted("data/figures/scale.yaml", "caption: 2020 年—2023 年", "caption: 2019 年—2023 年", "caption-years-scale");
}

#[test]
fn planted_group_total() {
    planted("data/tables/industry-parks.yaml", "华东地区: 2", "华东地区: 3", "group-total-industry-parks-华东地区");
}

#[test]
fn planted_duplicate() {
    planted("data/tables/industry-parks.csv", "杭州乙园,政府", "杭州甲园,政府", "duplicate-industry-parks-杭州甲园");
}

#[test]
fn strict_check_fails_on_unacknowledged_and_passes_on_acknowledged() {
    let dir = mini();
    edit(dir.path(), "editions/2023/printed.yaml", "policies: {value: 2, where", "policies: {value: 3, where");
    let bin = env!("CARGO_BIN_EXE_blockchain-report");
    let config = dir.path().join("report.yaml");
    let run = || std::process::Command::new(bin).args(["check", "--strict", "--config"]).arg(&config).output().unwrap();
    let out = run();
    assert!(!out.status.success());
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("contradiction: policies") && stdout.contains("正文为 3，按数据重算为 2"), "{stdout}");
    assert!(dir.path().join("output/2023/audit.md").exists() && dir.path().join("output/2023/audit.json").exists());
    std::fs::write(dir.path().join("editions/2023/audit-acknowledged.yaml"), "- {claim: policies, reason: 已核实, computed: 2项}\n")
        .unwrap();
    assert!(run().status.success());
}

#[test]
fn a_sole_first_that_the_data_ties_is_minor() {
    let dir = mini();
    let csv = dir.path().join("data/tables/industry-parks.csv");
    let text = std::fs::read_to_string(&csv).unwrap();
    std::fs::write(&csv, format!("{text}华北地区,北京,北京,2023-06,北京丁园,政府\n")).unwrap();
    let a = audit(dir.path());
    let f = a.findings.iter().find(|f| f.id == "parks_hangzhou_rank").unwrap();
    assert_eq!(f.severity, Severity::Minor, "{}", f.message);
    assert!(f.message.contains("与北京并列"), "{}", f.message);
}

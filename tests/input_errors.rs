//! Bad input gives one clear message naming the file, line and column, with a hint, and a
//! failed build leaves the previous output intact.

mod common;
use common::*;

const CSV: &str = "data/tables/policies.csv";
const YAML: &str = "data/tables/policies.yaml";

#[test]
fn wrong_type_names_file_line_and_column() {
    let dir = mini();
    edit(dir.path(), CSV, "2023-11", "2023.11");
    let err = build_error(dir.path());
    assert!(err.contains("`2023.11` is not a valid month"), "{err}");
    assert!(err.contains("policies.csv:2:7 (column `published`)"), "{err}");
    assert!(err.contains("hint: write months as YYYY-MM"), "{err}");
}

#[test]
fn number_with_unit_is_rejected_with_a_hint() {
    let dir = mini();
    edit(dir.path(), CSV, ",10,", ",10亿元,");
    let err = build_error(dir.path());
    assert!(err.contains("`10亿元` is not a valid number") && err.contains(":2:15"), "{err}");
    assert!(err.contains("without 亿/万"), "{err}");
}

#[test]
fn missing_column() {
    let dir = mini();
    std::fs::write(dir.path().join(CSV), "issuer,published,policy\n国家发改委,2023-11,《意见》\n").unwrap();
    let err = build_error(dir.path());
    assert!(err.contains("missing column `scale_yi`") && err.contains("policies.csv:1"), "{err}");
}

#[test]
fn unknown_column_suggests_the_nearest_name() {
    let dir = mini();
    edit(dir.path(), CSV, "issuer,published,scale_yi,policy", "issuer,publishd,scale_yi,policy");
    let err = build_error(dir.path());
    assert!(err.contains("unknown column `publishd`") && err.contains("policies.csv:1:8"), "{err}");
    assert!(err.contains("did you mean `published`?"), "{err}");
}

#[test]
fn duplicate_key_names_both_lines() {
    let dir = mini();
    let text = read(dir.path(), CSV);
    let first = text.lines().nth(1).unwrap().to_string();
    std::fs::write(dir.path().join(CSV), format!("{text}{first}\n")).unwrap();
    let err = build_error(dir.path());
    assert!(err.contains("duplicate key (issuer, policy, edition)") && err.contains("policies.csv:4"), "{err}");
    assert!(err.contains("line 2 has the same key"), "{err}");
}

#[test]
fn empty_file() {
    let dir = mini();
    std::fs::write(dir.path().join(CSV), "").unwrap();
    let err = build_error(dir.path());
    assert!(err.contains("file is empty") && err.contains("issuer,published,scale_yi,policy"), "{err}");
}

#[test]
fn file_that_is_not_utf8() {
    let dir = mini();
    let mut bytes = read(dir.path(), CSV).into_bytes();
    bytes.extend_from_slice(b"\xd5\xfe\xb8\xae,2023-01,,x\n"); // GBK, not UTF-8
    std::fs::write(dir.path().join(CSV), bytes).unwrap();
    let err = build_error(dir.path());
    assert!(err.contains("not valid UTF-8") && err.contains("policies.csv:4:1"), "{err}");
}

#[test]
fn row_with_an_unquoted_comma() {
    let dir = mini();
    edit(dir.path(), CSV, "\"财政部, 税务总局\"", "财政部, 税务总局");
    let err = build_error(dir.path());
    assert!(err.contains("row has 6 fields, the header has 5") && err.contains("policies.csv:3"), "{err}");
    assert!(err.contains("must be quoted"), "{err}");
}

#[test]
fn empty_cell_in_a_required_column() {
    let dir = mini();
    edit(dir.path(), CSV, "国家发改委,", ",");
    let err = build_error(dir.path());
    assert!(err.contains("empty cell") && err.contains("policies.csv:2:1 (column `issuer`)"), "{err}");
}

#[test]
fn unknown_yaml_key_with_location() {
    let dir = mini();
    edit(dir.path(), YAML, "source_note:", "source_nte:");
    let err = build_error(dir.path());
    assert!(err.contains("unknown field `source_nte`") && err.contains("policies.yaml:6:1"), "{err}");
}

#[test]
fn wrong_yaml_type_in_report_yaml() {
    let dir = mini();
    edit(dir.path(), "editions/2023/report.yaml", "year: 2023", "year: 二〇二三");
    let err = build_error(dir.path());
    assert!(err.contains("edition.year: invalid type") && err.contains("editions/2023/report.yaml:4:9"), "{err}");
}

#[test]
fn figure_reference_to_an_unknown_stated_key() {
    let dir = mini();
    edit(dir.path(), "data/figures/scale.csv", "stated,scale", "stated,scael");
    let err = build_error(dir.path());
    assert!(err.contains("`scael` is not a number of data/stated/ or data/derived/") && err.contains("scale.csv:5"), "{err}");
    assert!(err.contains("did you mean `scale`?"), "{err}");
}

#[test]
fn unknown_template_variable_names_the_template() {
    let dir = mini();
    edit(dir.path(), "templates/partials/table.md", "{{ t.node }}", "{{ t.nod }}");
    let err = build_error(dir.path());
    assert!(err.contains("partials/table.md:2:"), "{err}");
    assert!(err.contains("`nod` is not defined") && err.contains("Available fields"), "{err}");
}

#[test]
fn unknown_stated_key_in_a_template() {
    let dir = mini();
    edit(dir.path(), "editions/2023/templates/chapters/01.md", "n.scale |", "n.scael |");
    let err = build_error(dir.path());
    assert!(err.contains("`n.scael` is not defined") && err.contains("chapters/01.md:6:"), "{err}");
    assert!(err.contains("did you mean `n.scale`?"), "{err}");
}

#[test]
fn unknown_table_id_suggests_the_nearest() {
    let dir = mini();
    edit(dir.path(), "editions/2023/templates/chapters/01.md", "table(id=\"policies\")", "table(id=\"policy\")");
    let err = build_error(dir.path());
    assert!(err.contains("unknown table `policy`") && err.contains("did you mean `policies`?"), "{err}");
    assert!(err.contains("chapters/01.md:8:"), "{err}");
}

#[test]
fn a_table_placed_twice_fails() {
    let dir = mini();
    let path = dir.path().join("editions/2023/templates/chapters/01.md");
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, format!("{text}\n{{% set t = table(id=\"policies\") %}}\n")).unwrap();
    let err = build_error(dir.path());
    assert!(err.contains("`policies` is placed twice"), "{err}");
}

#[test]
fn a_reference_to_something_never_placed_fails() {
    let dir = mini();
    edit(
        dir.path(),
        "editions/2023/templates/chapters/01.md",
        "{% set f = figure(id=\"scale\") %}{% include \"partials/figure.md\" %}",
        "",
    );
    let err = build_error(dir.path());
    assert!(err.contains("`scale` is referenced but never placed"), "{err}");
}

#[test]
fn failed_build_leaves_previous_output_intact() {
    let dir = mini();
    build(dir.path()).unwrap();
    let before = read(dir.path(), "output/2023/report.md");
    edit(dir.path(), CSV, "2023-11", "2023-13");
    build_error(dir.path());
    assert_eq!(read(dir.path(), "output/2023/report.md"), before);
    assert!(!dir.path().join("output/.2023.new").exists() || dir.path().join("output/2023/report.md").exists());
}

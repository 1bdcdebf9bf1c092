//! The real 2023-2024 data: every table and figure loads with its schema, each repair of
//! the PDF extraction holds, and every metric matches values worked out by hand from the
//! document.

mod common;

use blockchain_report::build::Project;
use blockchain_report::catalog::Catalog;
use blockchain_report::data;
use blockchain_report::model::{Cell, Facts, Status};

fn load() -> (Catalog, Facts) {
    Project::open(&common::repo().join("report.yaml")).unwrap().load().unwrap()
}

fn metric(facts: &Facts, name: &str) -> f64 {
    facts.number(name).unwrap_or_else(|| panic!("no number {name}")).value
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-6
}

fn cell<'a>(facts: &'a Facts, table: &str, row: usize, column: &str) -> &'a Cell {
    let t = facts.table(table).unwrap();
    let c = t.columns.iter().position(|c| c == column).unwrap();
    &t.rows[row - 1][c]
}

fn text(facts: &Facts, table: &str, row: usize, column: &str) -> String {
    match cell(facts, table, row, column) {
        Cell::Text(s) => s.clone(),
        other => panic!("{table} row {row} {column}: {other:?}"),
    }
}

#[test]
fn all_26_tables_and_39_figures_load() {
    let (catalog, facts) = load();
    assert_eq!(facts.tables.len(), 26);
    assert_eq!(facts.figures.len(), 39);
    let mut printed: Vec<&str> = catalog.tables.iter().map(|(_, m)| m.printed_number.as_str()).collect();
    printed.sort();
    printed.dedup();
    assert_eq!(printed.len(), 26, "each printed table once");
    let mut figures: Vec<&str> = catalog.figures.iter().map(|(_, m)| m.printed_number.as_str()).collect();
    figures.sort();
    figures.dedup();
    assert_eq!(figures.len(), 39, "each printed figure once");
}

#[test]
fn row_counts_match_the_printed_tables() {
    let (_, facts) = load();
    for (id, rows) in [
        ("national-policies", 18),
        ("national-standards", 8),
        ("national-standard-plans", 12),
        ("local-standards-2023", 5),
        ("industry-standards", 15),
        ("new-vocational-programmes", 31),
        ("research-centres", 24),
        ("city-infrastructure", 18),
        ("metaverse-alliances", 38),
        ("cryptography-standards-2023", 25),
        ("metaverse-policies", 24),
        ("group-standards", 78),
        ("industry-funds", 32),
        ("industry-parks", 56),
        ("industry-alliances", 69),
    ] {
        assert_eq!(facts.table(id).unwrap().rows.len(), rows, "{id}");
    }
}

#[test]
fn every_value_has_provenance() {
    let (catalog, facts) = load();
    for (_, meta) in &catalog.tables {
        assert_eq!(meta.provenance.kind, "stated", "{}", meta.id);
        assert!(!meta.provenance.location.is_empty(), "{}", meta.id);
    }
    for figure in &facts.figures {
        for p in &figure.points {
            assert!(!p.provenance.sentence().is_empty(), "{} {} has no provenance", figure.id, p.category);
            assert_eq!(
                p.value.is_none(),
                p.status == Status::Missing,
                "{} {}: a missing value is exactly an unknown one",
                figure.id,
                p.category
            );
        }
    }
}

// Repairs of the PDF extraction, one test each.

#[test]
fn repair_and_extracted_for_yu() {
    let (_, facts) = load();
    assert_eq!(text(&facts, "industry-standards", 15, "name"), "区块链溯源应用技术要求与测试方法");
    assert!(text(&facts, "industry-alliances", 5, "summary").contains("金融风险与监管问题"));
}

#[test]
fn repair_line_wrap_spaces_inside_cells() {
    let (_, facts) = load();
    assert_eq!(text(&facts, "local-standards-2023", 5, "code"), "DB4403/T396—2023");
    assert_eq!(text(&facts, "local-standards-2023", 1, "name"), "畜禽产品质量安全追溯第3部分：区块链技术应用规程");
    assert_eq!(text(&facts, "group-standards", 31, "name"), "基于区块链的新能源汽车产品追溯平台规范");
}

#[test]
fn repair_blank_cells_inherit_the_value_above() {
    let (_, facts) = load();
    let parks = facts.table("industry-parks").unwrap();
    assert!(parks.rows.iter().all(|r| !matches!(r[0], Cell::Missing) && !matches!(r[2], Cell::Missing)));
    assert_eq!(text(&facts, "industry-parks", 2, "city"), "青岛");
    assert_eq!(text(&facts, "regional-infrastructure", 5, "category"), "区域级");
    assert_eq!(text(&facts, "metaverse-web3-parks", 8, "city"), "郑州");
}

#[test]
fn repair_rows_continued_across_page_breaks() {
    let (_, facts) = load();
    assert!(text(&facts, "city-infrastructure", 15, "strengths").ends_with("打造业务“跨域通办”新模式"));
    assert!(text(&facts, "industry-funds", 24, "goal").ends_with("资金支持，高效促进科研成果转化。"));
    assert!(text(&facts, "new-funds-2023", 4, "goal").ends_with("加速多行业多场景应用落地为主线。"));
}

#[test]
fn repair_region_header_counts_are_split_off() {
    let (catalog, facts) = load();
    assert_eq!(text(&facts, "industry-parks", 1, "region"), "华东地区");
    let totals = catalog.table("industry-parks").unwrap().group_totals.as_ref().unwrap();
    assert_eq!(totals.printed.get("华东地区"), Some(&25));
}

#[test]
fn repair_mixed_units_and_dates() {
    let (_, facts) = load();
    // bare "100" in a column of 亿元; "25 亿"; "2023.1" and "2016年1月" as months.
    assert_eq!(cell(&facts, "industry-funds", 20, "scale_yi"), &Cell::Number(100.0));
    assert_eq!(cell(&facts, "new-funds-2023", 3, "scale_yi"), &Cell::Number(25.0));
    assert_eq!(cell(&facts, "industry-funds", 10, "scale_yi"), &Cell::Number(50.0));
    assert_eq!(cell(&facts, "national-policies", 1, "published"), &Cell::Month(2023, 1));
    assert_eq!(cell(&facts, "industry-alliances", 1, "founded"), &Cell::Month(2016, 1));
    assert_eq!(cell(&facts, "metaverse-alliances", 29, "founded"), &Cell::Date(2023, 3, 22));
}

#[test]
fn printed_duplicates_are_kept_for_the_audit() {
    let (_, facts) = load();
    let alliances = facts.table("metaverse-alliances").unwrap();
    let hangzhou = alliances.rows.iter().filter(|r| r.contains(&Cell::Text("杭州元宇宙联盟".into()))).count();
    assert_eq!(hangzhou, 2);
}

// Metrics, against values worked out by hand from the document.

#[test]
fn fund_metrics() {
    let (_, facts) = load();
    assert_eq!(metric(&facts, "funds_total"), 32.0); // 截至 2023 年底 … 产业基金 32 个
    assert_eq!(metric(&facts, "funds_scale_total"), 905.0); // 累计规模超 905 亿元: 24 disclosed
    assert_eq!(metric(&facts, "funds_new"), 5.0); // 2023 年新增基金数量 5 个
    assert_eq!(metric(&facts, "funds_new_scale"), 136.5); // 10 + 25 + 1.5 + 100: 超 136 亿元
    assert_eq!(metric(&facts, "funds_new_last_year"), 6.0); // the text says 与 2022 年相同 (5)
}

#[test]
fn park_metrics() {
    let (_, facts) = load();
    assert_eq!(metric(&facts, "parks_total"), 56.0);
    assert_eq!(metric(&facts, "parks_new"), 4.0);
    assert!(close(metric(&facts, "parks_growth"), 4.0 / 52.0 * 100.0)); // 7.69, the text says 7.8%
    assert!(close(metric(&facts, "parks_east_china_share"), 25.0 / 56.0 * 100.0)); // 44.6 ≈ 45%
    assert_eq!(metric(&facts, "parks_provinces"), 21.0);
    assert_eq!(metric(&facts, "parks_cities"), 31.0); // the text says 32 个城市
    assert!(close(metric(&facts, "parks_gov_led_share"), 46.0 / 56.0 * 100.0)); // 82%
    assert!(close(metric(&facts, "parks_enterprise_led_share"), 30.0 / 56.0 * 100.0)); // the text says 65%
    assert!(close(metric(&facts, "parks_gov_and_enterprise_led_share"), 20.0 / 56.0 * 100.0)); // 36%
}

#[test]
fn park_cagr_and_cumulative_counts() {
    let (_, facts) = load();
    // Cumulative at end of 2019: 1 + 3 + 17 + 18 + 5 = 44; at end of 2023: 56.
    let expected = ((56.0_f64 / 44.0).powf(0.25) - 1.0) * 100.0;
    assert!(close(metric(&facts, "parks_cagr_since_2019"), expected));
    assert!((metric(&facts, "parks_cagr_since_2019") - 6.2145).abs() < 1e-4);
    let parks = facts.number("parks_total").unwrap();
    assert_eq!((parks.years[&2019], parks.years[&2022], parks.years[&2023]), (44.0, 52.0, 56.0));
}

#[test]
fn rankings_share_ranks_on_ties() {
    let (_, facts) = load();
    // 杭州 and 上海 have the most parks (6 each), 广州 is second (5), 北京 next.
    assert_eq!(metric(&facts, "parks_city_rank_hangzhou"), 1.0);
    assert_eq!(metric(&facts, "parks_city_rank_shanghai"), 1.0);
    assert_eq!(metric(&facts, "parks_city_rank_guangzhou"), 2.0);
    assert_eq!(metric(&facts, "parks_city_rank_beijing"), 3.0);
    assert_eq!(facts.number("parks_city_rank_beijing").unwrap().ties, ["宁波"]);
    // 附表 1: 上海 4 and 山东 4 tie first; 四川, 江苏 3.
    let shanghai = facts.number("metaverse_policies_shanghai_rank").unwrap();
    assert_eq!((shanghai.value, shanghai.ties.as_slice()), (1.0, ["山东省".to_string()].as_slice()));
    assert_eq!(metric(&facts, "metaverse_policies_shandong"), 4.0); // the text says 3
    assert_eq!(metric(&facts, "metaverse_policies_sichuan"), 3.0);
}

#[test]
fn standards_and_table_counts() {
    let (_, facts) = load();
    assert_eq!(metric(&facts, "standards_total"), 118.0); // 12 + 8 + 15 + 5 + 78
    assert_eq!(metric(&facts, "national_policies"), 18.0);
    assert_eq!(metric(&facts, "group_standards"), 78.0);
}

#[test]
fn year_over_year_growth_skips_missing_years() {
    let rates = data::yoy(&[(2020, Some(50.0)), (2021, Some(65.0)), (2022, None), (2023, Some(60.0))]).unwrap();
    assert_eq!(rates[0], (2020, None));
    assert!(close(rates[1].1.unwrap(), 30.0));
    assert_eq!(rates[2], (2022, None));
    assert_eq!(rates[3], (2023, None), "no growth over a missing year");
    // A year absent from the series (not just unknown) gives no growth either.
    let gap = data::yoy(&[(2019, Some(10.0)), (2021, Some(20.0))]).unwrap();
    assert_eq!(gap[1], (2021, None));
}

// Figure derivations.

fn point(facts: &Facts, figure: &str, category: &str) -> (Option<f64>, Status) {
    let f = facts.figure(figure).unwrap();
    let p = f
        .points
        .iter()
        .find(|p| p.category == category && !p.series.contains("增长率"))
        .unwrap_or_else(|| panic!("{figure} has no {category}"));
    (p.value, p.status)
}

#[test]
fn derived_previous_year_from_stated_growth() {
    let (_, facts) = load();
    let (v, status) = point(&facts, "industry-scale", "2022");
    assert_eq!(status, Status::Derived);
    assert!(close(v.unwrap(), 60.0 / (1.0 - 0.117)), "{v:?}"); // 67.95
    assert_eq!(point(&facts, "industry-scale", "2023"), (Some(60.0), Status::Stated));
    assert_eq!(point(&facts, "industry-scale", "2021").1, Status::External);
}

#[test]
fn derived_remainder_of_a_stated_total() {
    let (_, facts) = load();
    let f = facts.figure("application-fields").unwrap();
    let other = f.points.iter().find(|p| p.status == Status::Derived).unwrap();
    assert!(close(other.value.unwrap(), 450.0 - (245.0 + 67.0 + 44.0 + 41.0 + 34.0 + 14.0)), "{other:?}"); // 5
}

#[test]
fn metric_figures_come_from_the_tables() {
    let (_, facts) = load();
    let f = facts.figure("metaverse-policies-by-region").unwrap();
    let shanghai = f.points.iter().find(|p| p.category == "上海市").unwrap();
    assert_eq!((shanghai.value, shanghai.status), (Some(4.0), Status::Derived));
    let total: f64 = f.points.iter().filter_map(|p| p.value).sum();
    assert_eq!(total, 24.0);
}

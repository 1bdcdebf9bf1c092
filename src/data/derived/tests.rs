//! Unit inference on the formulas of the real report (data/derived/*.yaml), read against the
//! real catalog: the units a formula gives, and the mixtures it refuses.

use super::*;

/// The real series' catalog, with the 2023 edition's views: a sum takes the unit its
/// column declares.
fn real_catalog() -> Catalog {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    crate::build::Project::open_edition(&root.join("report.yaml"), Some(2023)).unwrap().catalog().unwrap()
}

fn unit(formula: &str, units: &[(&str, &str)]) -> std::result::Result<Option<String>, String> {
    let units = units.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    let f = formula::parse(formula).unwrap_or_else(|e| panic!("{formula}: {e:?}"));
    unit_of(&f, &units, &real_catalog()).map_err(|(message, _)| message)
}

fn is(u: &str) -> std::result::Result<Option<String>, String> {
    Ok(Some(u.into()))
}

#[test]
fn shares_growth_and_cagr_are_percent() {
    // A share of counts in different measure words (项 of 个) compares counts.
    assert_eq!(unit("share(gov_apps, app_cases)", &[("gov_apps", "项"), ("app_cases", "个")]), is("%"));
    assert_eq!(unit("share(parks_east_china, parks_total)", &[("parks_east_china", "家"), ("parks_total", "家")]), is("%"));
    assert_eq!(unit("growth(parks_total, parks_total[y - 1])", &[("parks_total", "家")]), is("%"));
    assert_eq!(unit("cagr(parks_total[2019], parks_total, y - 2019)", &[("parks_total", "家")]), is("%"));
    assert_eq!(unit("100 - local_policies_top3_share", &[("local_policies_top3_share", "%")]), is("%"));
    assert_eq!(
        unit("share(count(energy-low-carbon-cases, region = \"云南省\", added = y), energy_apps)", &[("energy_apps", "个")]),
        is("%")
    );
}

#[test]
fn sums_and_differences_keep_the_unit() {
    assert_eq!(unit("national_policies + local_policies", &[("national_policies", "项"), ("local_policies", "项")]), is("项"));
    assert_eq!(unit("gov_apps - gov_apps_jiangsu - gov_apps_beijing", &[("gov_apps", "项"), ("gov_apps_jiangsu", "项")]), is("项"));
    assert_eq!(unit("funds_new[y - 1]", &[("funds_new", "个")]), is("个"));
    assert_eq!(unit("previous(judicial_apps, judicial_apps_yoy)", &[("judicial_apps", "项"), ("judicial_apps_yoy", "%")]), is("项"));
    // A table's column declares its unit: 附表 3's fund sizes are in 亿元.
    assert_eq!(unit("sum(industry-funds, scale_yi, year(founded) <= y)", &[]), is("亿元"));
    assert_eq!(unit(r#"rank(industry-parks, city, "杭州", year(founded) <= y)"#, &[]), is("位"));
    // A count has the unit of whatever it counts: any measure word.
    assert_eq!(unit("count(industry-funds, year(founded) = y)", &[]), Ok(None));
    assert_eq!(unit("distinct(industry-parks, city, year(founded) <= y)", &[]), Ok(None));
}

#[test]
fn products_and_quotients() {
    let a = [("a", "亿元"), ("b", "项")];
    assert_eq!(unit("a * 2", &a), is("亿元"));
    assert_eq!(unit("2 * a", &a), is("亿元"));
    assert_eq!(unit("a / 2", &a), is("亿元"));
    assert_eq!(unit("2 / a", &a), Ok(None));
    assert_eq!(unit("a / b", &a), Ok(None));
    // 亿吨 × 元/吨: a new unit the formula cannot know; the declared 亿元 stands unchecked.
    assert_eq!(
        unit("yunnan_co2_reduction * carbon_quota_avg_price", &[("yunnan_co2_reduction", "亿吨"), ("carbon_quota_avg_price", "元/吨")]),
        Ok(None)
    );
}

#[test]
fn mixed_units_are_refused() {
    assert_eq!(unit("a + b", &[("a", "亿元"), ("b", "个")]), Err("the formula mixes 亿元 and 个".into()));
    // 万元 and 亿元 are different units: nothing converts between them.
    assert_eq!(unit("a - b", &[("a", "亿元"), ("b", "万元")]), Err("the formula mixes 亿元 and 万元".into()));
    assert_eq!(unit("share(a, b)", &[("a", "亿元"), ("b", "%")]), Err("a share or growth mixes 亿元 and %".into()));
    assert_eq!(unit("mean(a, b)", &[("a", "家"), ("b", "%")]), Err("mean/min/max mixes 家 and %".into()));
    assert_eq!(unit("previous(a, b)", &[("a", "项"), ("b", "项")]), Err("previous() needs a growth rate in %, not 项".into()));
    assert_eq!(unit("sum(industry-funds, scale_yi) + funds_total", &[("funds_total", "个")]), Err("the formula mixes 亿元 and 个".into()));
}

#[test]
fn measure_words_of_counts_are_one_unit() {
    assert!(same_unit("项", "个") && same_unit("家", "所") && same_unit("部门", "种"));
    assert!(same_unit("亿元", "亿元"));
    assert!(!same_unit("亿元", "万元") && !same_unit("%", "项") && !same_unit("位", "个"));
}

#[test]
fn every_real_formula_gives_its_declared_unit_or_none() {
    let catalog = real_catalog();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let defs = read_definitions(&root.join("data/derived")).unwrap();
    let units: BTreeMap<String, String> = defs.iter().map(|d| (d.name.clone(), d.def.unit.clone())).collect();
    let mut stated = BTreeMap::new();
    for d in &defs {
        if let Some(found) = unit_of(&d.formula, &units, &catalog).unwrap_or_else(|(m, _)| panic!("{}: {m}", d.name)) {
            assert!(same_unit(&found, &d.def.unit), "{}: declared {}, the formula gives {found}", d.name, d.def.unit);
            *stated.entry(found).or_insert(0) += 1;
        }
    }
    // The report's formulas give percentages, counts, 亿元 and ranks.
    for u in ["%", "亿元", "位", "项"] {
        assert!(stated.contains_key(u), "no formula of the report gives {u}: {stated:?}");
    }
}

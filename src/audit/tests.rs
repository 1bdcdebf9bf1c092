//! The audit's comparisons on the cases the 2023 report meets: each printed value of
//! `editions/2023/printed.yaml` with the value the data computes (as `output/2023/audit.json`
//! records them), and every qualifier the audit reads.

use super::*;
use crate::edition::{Edition, shown, toward_qualifier};
use crate::model::{Claim, Number, NumberKind, Printed};

fn printed(value: f64, qualifier: &str) -> Printed {
    Printed {
        value,
        qualifier: (!qualifier.is_empty()).then(|| qualifier.to_string()),
        location: "一（一）".into(),
        quote: String::new(),
        sole: false,
    }
}

fn verdict(value: f64, qualifier: &str, computed: f64) -> Severity {
    compare(&printed(value, qualifier), computed).0
}

/// A derived number as the data stage hands it over.
fn derived(name: &str, formula: &str, unit: &str, value: f64, printed: Option<Printed>) -> Number {
    Number {
        name: name.into(),
        kind: NumberKind::Derived,
        value,
        years: [(2023, value)].into(),
        edition: None,
        unit: unit.into(),
        printed,
        formula: Some(formula.into()),
        worked: Default::default(),
        inputs: Vec::new(),
        explain: None,
        digits: 0,
        whole: false,
        ties: Vec::new(),
        defined: "data/derived/ch1.yaml:1".into(),
    }
}

/// The audit of these numbers, with an edition directory holding `acknowledged` (YAML).
fn audit(mut numbers: Vec<Number>, acknowledged: &str) -> Audit {
    let edition_dir = tempfile::tempdir().unwrap();
    if !acknowledged.is_empty() {
        std::fs::write(edition_dir.path().join("audit-acknowledged.yaml"), acknowledged).unwrap();
    }
    let catalog = Catalog {
        root: edition_dir.path().to_path_buf(),
        edition_dir: edition_dir.path().to_path_buf(),
        datasets: Vec::new(),
        tables: Vec::new(),
        views: Vec::new(),
        figures: Vec::new(),
        records: Vec::new(),
    };
    numbers.sort_by(|a, b| a.name.cmp(&b.name));
    run(&catalog, &Facts { edition: 2023, tables: Vec::new(), figures: Vec::new(), numbers }).unwrap()
}

fn finding<'a>(audit: &'a Audit, id: &str) -> &'a Finding {
    audit.findings.iter().find(|f| f.id == id).unwrap_or_else(|| panic!("no finding {id}"))
}

#[test]
fn the_printed_precision_is_the_printed_decimals() {
    for (value, digits) in [(34.3, 1), (14.89, 2), (56.0, 0), (7.8, 1), (0.0, 0), (202312.0, 0), (87.5, 1), (9.78, 2)] {
        assert_eq!(decimals(value), digits, "{value}");
    }
}

/// Without a qualifier the data must round (四舍五入) to the printed value at its precision.
#[test]
fn a_plain_value_agrees_when_the_data_rounds_to_it() {
    let agree = [
        ("judicial_apps_share_rounded", 15.0, 67.0 / 450.0 * 100.0),
        ("gov_apps_share_rounded", 10.0, 44.0 / 450.0 * 100.0),
        ("finance_apps_share_rounded", 9.0, 41.0 / 450.0 * 100.0),
        ("digital_asset_apps_share_rounded", 54.0, 245.0 / 450.0 * 100.0),
        ("parks_east_china_share", 45.0, 25.0 / 56.0 * 100.0),
        ("parks_gov_and_enterprise_led_share", 36.0, 20.0 / 56.0 * 100.0),
        ("parks_gov_led_share", 82.0, 46.0 / 56.0 * 100.0),
        ("gov_apps_share", 9.78, 44.0 / 450.0 * 100.0),
        ("finance_apps_share", 9.11, 41.0 / 450.0 * 100.0),
        ("judicial_apps_share", 14.89, 67.0 / 450.0 * 100.0),
        ("digital_asset_apps_share", 54.44, 245.0 / 450.0 * 100.0),
        ("energy_apps_share", 3.11, 14.0 / 450.0 * 100.0),
        ("livelihood_apps_share", 7.56, 34.0 / 450.0 * 100.0),
        ("digital_collectible_apps_share", 84.9, 208.0 / 245.0 * 100.0),
        ("parks_enterprise_led_share_sw_nw_ne", 0.0, 0.0),
        ("policies_new", 79.0, 18.0 + 61.0),
    ];
    for (name, value, computed) in agree {
        assert_eq!(verdict(value, "", computed), Severity::Agrees, "{name}: {value} vs {computed}");
    }
    let (_, message) = compare(&printed(15.0, ""), 67.0 / 450.0 * 100.0);
    assert_eq!(message, "数据 14.89 四舍五入后即为所述的 15");
}

#[test]
fn a_plain_value_the_data_does_not_round_to_is_a_contradiction() {
    let contradictions = [
        ("parks_growth", 7.8, (56.0 - 52.0) / 52.0 * 100.0),
        ("parks_enterprise_led_share", 65.0, 30.0 / 56.0 * 100.0),
        ("energy_apps_yunnan_share", 33.0, 5.0 / 14.0 * 100.0),
        ("metaverse_policies_shandong", 3.0, 4.0),
        ("parks_cities", 32.0, 31.0),
        ("metaverse_alliances_new", 38.0, 10.0),
    ];
    for (name, value, computed) in contradictions {
        assert_eq!(verdict(value, "", computed), Severity::Contradiction, "{name}: {value} vs {computed}");
    }
    let (_, message) = compare(&printed(7.8, ""), 4.0 / 52.0 * 100.0);
    assert_eq!(message, "正文为 7.8，按数据重算为 7.692");
}

/// 四舍五入, not banker's rounding, and on the decimal digits a reader sees.
#[test]
fn rounding_is_half_away_from_zero_at_the_printed_precision() {
    assert_eq!(verdict(7.7, "", 7.65), Severity::Agrees);
    assert_eq!(verdict(7.6, "", 7.65), Severity::Contradiction);
    assert_eq!(verdict(1.01, "", 1.005), Severity::Agrees);
    assert_eq!(verdict(2.0, "", 2.5), Severity::Contradiction);
    assert_eq!(verdict(3.0, "", 2.5), Severity::Agrees);
    // A printed whole number compares whole: 9.5 rounds up, 9.4999 does not.
    assert_eq!(verdict(10.0, "", 9.5), Severity::Agrees);
    assert_eq!(verdict(10.0, "", 9.4999), Severity::Contradiction);
}

/// 超 (and 余, 多, 以上, 超过): the data must be above the printed value; exactly it, or a
/// value that only rounds to it, is a minor finding.
#[test]
fn more_than_needs_the_data_above_the_printed_value() {
    // The report's cases.
    assert_eq!(verdict(136.0, "超", 136.5), Severity::Agrees, "funds_new_scale");
    assert_eq!(verdict(10.0, "超", 25.0 / 238.0 * 100.0), Severity::Agrees, "enterprises_new_leading_share");
    assert_eq!(
        compare(&printed(118.0, "超"), 12.0 + 8.0 + 15.0 + 5.0 + 78.0),
        (Severity::Minor, "正文称“超118”，数据恰为 118，并未超过".into())
    );
    assert_eq!(verdict(905.0, "超", 905.0), Severity::Minor, "funds_scale_total");
    // Below the printed value.
    assert_eq!(verdict(905.0, "超", 904.6), Severity::Minor, "rounds to 905");
    assert_eq!(compare(&printed(905.0, "超"), 900.0), (Severity::Contradiction, "正文称“超905”，数据只有 900".into()));
    for q in ["余", "多", "以上", "超过", "超…余"] {
        assert_eq!(verdict(100.0, q, 101.0), Severity::Agrees, "{q}");
        assert_eq!(verdict(100.0, q, 100.0), Severity::Minor, "{q}");
        assert_eq!(verdict(100.0, q, 98.0), Severity::Contradiction, "{q}");
    }
}

/// 约 and 左右: within 5 %, or rounding to the printed value.
#[test]
fn about_allows_five_percent() {
    assert_eq!(verdict(27.8, "约", 260.0 / 956.0 * 100.0), Severity::Agrees, "filings_nft_metaverse_share_check");
    assert_eq!(verdict(87.5, "约", 1.75 * 50.0), Severity::Agrees, "yunnan_carbon_reduction_value");
    for q in ["约", "左右"] {
        assert_eq!(verdict(100.0, q, 95.0), Severity::Agrees, "{q}");
        assert_eq!(verdict(100.0, q, 105.0), Severity::Agrees, "{q}");
        assert_eq!(verdict(100.0, q, 94.0), Severity::Contradiction, "{q}");
        assert_eq!(verdict(100.0, q, 106.0), Severity::Contradiction, "{q}");
    }
    let (_, message) = compare(&printed(100.0, "约"), 90.0);
    assert_eq!(message, "“约100”与数据 90 相差 10%");
}

/// 近: at most the printed value, and within 10 % of it.
#[test]
fn nearly_needs_the_data_just_below() {
    assert_eq!(verdict(100.0, "近", 95.0), Severity::Agrees);
    assert_eq!(verdict(100.0, "近", 100.0), Severity::Agrees);
    assert_eq!(verdict(100.0, "近", 90.0), Severity::Agrees);
    assert_eq!(verdict(100.0, "近", 89.0), Severity::Contradiction);
    assert_eq!(verdict(100.0, "近", 101.0), Severity::Contradiction);
}

/// A previous year implied by a printed growth rate must be reachable by a whole count.
#[test]
fn a_growth_rate_needs_a_whole_previous_count() {
    // app_cases_previous: 450 apps, +34.3 %: 335 gives 34.33 %, 34.3 at the printed precision.
    assert!(growth_has_whole_previous(450.0, 34.3).0);
    // filings_previous: 956 filings, +35 %: 708 gives 35.03 %.
    assert!(growth_has_whole_previous(956.0, 35.0).0);
    // judicial_apps_previous: 67, +34.53 %: 49 gives 36.73 %, 50 gives 34.00 %.
    let (ok, implied) = growth_has_whole_previous(67.0, 34.53);
    assert!(!ok);
    assert_eq!(numfmt::number(implied, 3), "49.803");
}

#[test]
fn counts_must_be_whole() {
    let facts = Facts { edition: 2023, tables: Vec::new(), figures: Vec::new(), numbers: Vec::new() };
    let mut n = derived("parks_total", "count(industry-parks, year(founded) <= y)", "家", 56.0, None);
    assert_eq!(whole(&n, &facts), (true, "数量为整数".into()));
    n.value = 49.803;
    assert_eq!(whole(&n, &facts), (false, "数量应为整数，计算得 49.803".into()));
}

#[test]
fn the_kind_of_claim_comes_from_the_formula() {
    let kind = |formula: &str, unit: &str| kind_of(&derived("x", formula, unit, 1.0, None));
    assert_eq!(kind("count(industry-parks, year(founded) <= y)", "家"), "count");
    assert_eq!(kind("distinct(industry-parks, city, year(founded) <= y)", "个"), "count");
    assert_eq!(kind(r#"rank(industry-parks, city, "杭州", year(founded) <= y)"#, "位"), "rank");
    assert_eq!(kind("share(gov_apps, app_cases)", "%"), "share");
    assert_eq!(kind("growth(parks_total, parks_total[y - 1])", "%"), "growth");
    assert_eq!(kind("previous(judicial_apps, judicial_apps_yoy)", "项"), "growth");
    assert_eq!(kind("100 - local_policies_top3_share", "%"), "share");
    assert_eq!(kind("sum(industry-funds, scale_yi, year(founded) <= y)", "亿元"), "total");
    assert_eq!(kind(r#"value(digital-asset-regulation-policies, published, policy = "x")"#, "年月"), "date");
}

/// Values with their units, as the audit shows them: amounts in 亿元 or 万元, months.
#[test]
fn values_show_with_their_unit() {
    assert_eq!(with_unit(905.0, "亿元"), "905亿元");
    assert_eq!(with_unit(136.5, "亿元"), "136.5亿元");
    assert_eq!(with_unit(1.75 * 50.0, "亿元"), "87.5亿元");
    assert_eq!(with_unit(3000.0, "万元"), "3000万元");
    assert_eq!(with_unit(4.0 / 52.0 * 100.0, "%"), "7.6923%");
    assert_eq!(with_unit(49.80306, "项"), "49.8031项");
    assert_eq!(with_unit(202308.0, "年月"), "2023-08");
    assert_eq!(with_unit(202312.0, "年月"), "2023-12");
    assert_eq!(printed_text(&printed(905.0, "超"), "亿元"), "超905亿元");
}

#[test]
fn a_date_is_compared_exactly() {
    let audit = audit(
        vec![derived("finance_ministry_data_asset_guideline_month", "value(t, published)", "年月", 202308.0, Some(printed(202312.0, "")))],
        "",
    );
    let f = finding(&audit, "finance_ministry_data_asset_guideline_month");
    assert_eq!((f.kind.as_str(), f.severity), ("date", Severity::Contradiction));
    assert_eq!(f.message, "正文所述为 2023-12，数据表中为 2023-08");
}

/// Ranks are dense (ties share one); a rank the text gives to one item alone ("居首") that the
/// data ties with others is a minor finding.
#[test]
fn ranks_and_ties() {
    let rank = |name: &str, value: f64, printed_rank: f64, sole: bool, ties: &[&str]| {
        let mut p = printed(printed_rank, "");
        p.sole = sole;
        let mut n = derived(name, r#"rank(industry-parks, city, "x", year(founded) <= y)"#, "位", value, Some(p));
        n.ties = ties.iter().map(|t| t.to_string()).collect();
        n
    };
    let audit = audit(
        vec![
            rank("metaverse_policies_shanghai_rank", 1.0, 1.0, true, &["山东省"]),
            rank("parks_city_rank_beijing", 3.0, 3.0, true, &["宁波"]),
            rank("parks_city_rank_hangzhou", 1.0, 1.0, false, &["上海"]),
            rank("parks_city_rank_guangzhou", 2.0, 2.0, false, &[]),
            rank("wrong_rank", 3.0, 2.0, false, &["宁波"]),
        ],
        "",
    );
    let seen = |id: &str| {
        let f = finding(&audit, id);
        (f.kind.as_str(), f.severity, f.message.as_str())
    };
    assert_eq!(
        seen("metaverse_policies_shanghai_rank"),
        ("rank", Severity::Minor, "名次一致：第 1 位，但正文只提此一项，数据中与山东省并列")
    );
    assert_eq!(seen("parks_city_rank_beijing"), ("rank", Severity::Minor, "名次一致：第 3 位，但正文只提此一项，数据中与宁波并列"));
    assert_eq!(seen("parks_city_rank_hangzhou"), ("rank", Severity::Agrees, "名次一致：第 1 位，与上海并列"));
    assert_eq!(seen("parks_city_rank_guangzhou"), ("rank", Severity::Agrees, "名次一致：第 2 位"));
    assert_eq!(seen("wrong_rank"), ("rank", Severity::Contradiction, "正文为第 2 位，数据为第 3 位，与宁波并列"));
}

/// A reviewed contradiction stays reviewed while the data computes what the review saw.
#[test]
fn a_review_holds_until_the_computed_value_changes() {
    let growth = |value: f64| derived("parks_growth", "growth(parks_total, parks_total[y - 1])", "%", value, Some(printed(7.8, "")));
    let reviewed = "- {claim: parks_growth, print: as_published, computed: \"7.6923%\", reason: 4 ÷ 52 = 7.69%，正文写 7.8%}\n";
    let same = audit(vec![growth(4.0 / 52.0 * 100.0)], reviewed);
    let f = finding(&same, "parks_growth");
    assert_eq!(
        (f.severity, f.acknowledged.as_deref(), f.print),
        (Severity::Contradiction, Some("4 ÷ 52 = 7.69%，正文写 7.8%"), Some(Print::AsPublished))
    );
    assert_eq!(same.open_contradictions().count(), 0);
    let changed = audit(vec![growth(5.0 / 52.0 * 100.0)], reviewed);
    let f = finding(&changed, "parks_growth");
    assert!(f.acknowledged.is_none());
    assert!(f.message.ends_with("（复核时计算值为 7.6923%，现为 9.6154%，需重新复核）"), "{}", f.message);
    assert_eq!(changed.open_contradictions().count(), 1);
}

/// What each edition prints: rounded in the direction of the qualifier; a reviewed
/// contradiction as published, or computed with the published value beside it.
#[test]
fn what_the_editions_print() {
    let mut scale =
        derived("funds_new_scale", "sum(industry-funds, scale_yi, year(founded) = y)", "亿元", 136.5, Some(printed(136.0, "超")));
    scale.digits = 0;
    let mut share = derived("enterprises_new_leading_share", "share(a, b)", "%", 25.0 / 238.0 * 100.0, Some(printed(10.0, "超")));
    share.digits = 0;
    let mut carbon = derived("yunnan_carbon_reduction_value", "a * b", "亿元", 1.75 * 50.0, Some(printed(87.5, "约")));
    carbon.digits = 1;
    let mut growth = derived("parks_growth", "growth(parks_total, parks_total[y - 1])", "%", 4.0 / 52.0 * 100.0, Some(printed(7.8, "")));
    growth.digits = 1;
    let numbers = vec![scale, share, carbon, growth];
    let reviewed = "- {claim: parks_growth, print: as_published, computed: \"7.6923%\", reason: 正文写 7.8%}\n";
    let audited = audit(numbers.clone(), reviewed);
    let mut sorted = numbers;
    sorted.sort_by(|a, b| a.name.cmp(&b.name));
    let facts = Facts { edition: 2023, tables: Vec::new(), figures: Vec::new(), numbers: sorted };
    let published = shown(&facts, &audited, Edition::Published);
    assert_eq!(published["funds_new_scale"].value, 136.0, "超 136 floors 136.5");
    assert_eq!(published["enterprises_new_leading_share"].value, 10.0, "超 10 floors 10.5");
    assert_eq!(published["yunnan_carbon_reduction_value"].value, 87.5);
    let g = &published["parks_growth"];
    assert_eq!((g.value, g.digits, g.as_published, g.correction.is_none()), (7.8, 1, true, true));
    let corrected = shown(&facts, &audited, Edition::Corrected);
    let g = &corrected["parks_growth"];
    assert_eq!((g.value, g.as_published), (4.0 / 52.0 * 100.0, false));
    assert_eq!(g.correction.as_ref().map(|p| p.value), Some(7.8));
    assert_eq!(corrected["funds_new_scale"].value, 136.0);
}

#[test]
fn rounding_toward_the_qualifier() {
    let toward = |v: f64, digits: usize, q: &str| toward_qualifier(v, digits, &printed(0.0, q));
    assert_eq!(toward(905.0, 0, "超"), 905.0);
    assert_eq!(toward(136.5, 0, "超"), 136.0);
    assert_eq!(toward(136.59, 1, "余"), 136.5);
    assert_eq!(toward(95.3, 0, "近"), 96.0);
    assert_eq!(toward(27.1967, 1, "约"), 27.1967, "约 leaves rounding to the filters");
    // A hair off a whole number by binary arithmetic is that number, not the next one.
    assert_eq!(toward(0.29 * 100.0, 0, "超"), 29.0);
    assert_eq!(toward(0.1 * 3.0, 1, "近"), 0.3);
}

/// Regression: 突破 and + (more than, both in data/stated/) were read as no qualifier, so
/// 突破 100 against 100.5 was a contradiction and the edition printed 突破 101 for 100.5; an
/// unknown qualifier (不足, less than) was silently exact. Now each qualifier has one meaning
/// and printed.yaml refuses one the audit does not know.
#[test]
fn every_qualifier_has_one_meaning() {
    for q in ["突破", "+"] {
        assert_eq!(verdict(100.0, q, 100.5), Severity::Agrees, "{q}");
        assert_eq!(toward_qualifier(100.5, 0, &printed(100.0, q)), 100.0, "{q}");
    }
    assert_eq!(Claim::of(None), Some(Claim::Exact));
    assert_eq!(Claim::of(Some("不足")), None);
    assert_eq!(Claim::of(Some("超…余")), Some(Claim::MoreThan));
    assert_eq!(Claim::of(Some("左右")), Some(Claim::About));
}

/// Every qualifier the report prints, in data/stated/ and the edition's printed.yaml, is one
/// the audit knows.
#[test]
fn the_reports_qualifiers_are_all_known() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut seen = std::collections::BTreeSet::new();
    for entry in std::fs::read_dir(root.join("data/stated")).unwrap().flatten() {
        let mut reader = csv::Reader::from_path(entry.path()).unwrap();
        let at = reader.headers().unwrap().iter().position(|h| h == "qualifier").expect("a qualifier column");
        for row in reader.records() {
            seen.insert(row.unwrap()[at].to_string());
        }
    }
    let printed: serde_yaml::Mapping =
        serde_yaml::from_str(&std::fs::read_to_string(root.join("editions/2023/printed.yaml")).unwrap()).unwrap();
    for (_, p) in printed {
        if let Some(q) = p.get("qualifier").and_then(|q| q.as_str()) {
            seen.insert(q.to_string());
        }
    }
    for q in &seen {
        assert!(Claim::of(Some(q)).is_some(), "the audit does not know the qualifier {q:?}");
    }
    for q in ["超", "约", "余", "多", "以上", "近", "突破", "+", "左右"] {
        assert!(seen.contains(q), "the report no longer prints {q}: {seen:?}");
    }
}

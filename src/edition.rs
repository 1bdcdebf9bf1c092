//! What an edition prints for each number: as published or corrected (`build --corrected`),
//! at which precision, and the one sentence that tells a reader where the number comes from.
//! Render, the manifest and `vars` use it; it reads the audit's findings, and the audit
//! knows nothing of it.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::audit::{Audit, Print, Severity};
use crate::data::decimals;
use crate::model::{Claim, Facts, Number, NumberKind, Printed};
use crate::numfmt;

/// Which edition a build prints.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Edition {
    /// The reproduction: reviewed contradictions print as the editor chose (for 2023, as
    /// published).
    #[default]
    Published,
    /// The errata edition: every number prints its computed value, and each reviewed
    /// contradiction carries the published value in a note.
    Corrected,
}

/// What an edition prints for one number.
#[derive(Debug, Clone, PartialEq)]
pub struct Shown {
    pub value: f64,
    pub digits: usize,
    /// Printed as published although the data computes something else.
    pub as_published: bool,
    /// The corrected edition prints the computed value; this is what was published.
    pub correction: Option<Printed>,
}

/// What the edition prints for every number: a primary its stated value; a derived number
/// its computed value, rounded at the printed precision in the direction of the printed
/// qualifier (超 905 floors, 近 ceils), unless the edition keeps a reviewed contradiction as
/// published.
pub fn shown(facts: &Facts, audit: &Audit, edition: Edition) -> BTreeMap<String, Shown> {
    facts
        .numbers
        .iter()
        .map(|n| {
            let reviewed =
                audit.findings.iter().find(|f| f.id == n.name && f.severity == Severity::Contradiction && f.acknowledged.is_some());
            let printed = n.printed.as_ref().filter(|_| n.kind == NumberKind::Derived);
            let shown = match (reviewed, printed) {
                (Some(f), Some(p)) if edition == Edition::Published && f.print == Some(Print::AsPublished) => {
                    Shown { value: p.value, digits: decimals(p.value), as_published: true, correction: None }
                }
                (Some(_), Some(p)) if edition == Edition::Corrected => Shown {
                    value: toward_qualifier(n.value, n.digits, p),
                    digits: n.digits,
                    as_published: false,
                    correction: Some(p.clone()),
                },
                (_, Some(p)) => {
                    Shown { value: toward_qualifier(n.value, n.digits, p), digits: n.digits, as_published: false, correction: None }
                }
                _ => Shown { value: n.value, digits: n.digits, as_published: false, correction: None },
            };
            (n.name.clone(), shown)
        })
        .collect()
}

/// Rounds the way the printed qualifier reads: more than (超, 余, 多, 以上, 突破, +) floors,
/// 近 (nearly) ceils; otherwise the filters round half away from zero when showing.
pub(crate) fn toward_qualifier(v: f64, digits: usize, p: &Printed) -> f64 {
    let scale = 10f64.powi(digits as i32);
    let snapped = numfmt::round_half_away(v * scale, 6);
    match p.claim() {
        Claim::MoreThan => snapped.floor() / scale,
        Claim::Nearly => snapped.ceil() / scale,
        Claim::Exact | Claim::About => v,
    }
}

/// A number the templates can use, with its provenance, as `vars` lists it.
#[derive(Debug, Clone, Serialize)]
pub struct Var {
    /// What this edition prints (the computed value, or the published one for a reviewed
    /// contradiction kept as published).
    pub value: f64,
    pub unit: String,
    pub qualifier: String,
    pub kind: NumberKind,
    /// A derived number's formula and what it reads.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub formula: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub inputs: Vec<String>,
    /// The computed value, unrounded (for a primary, the stated value).
    pub computed: f64,
    /// What the published document prints, where a derived number is printed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub printed: Option<String>,
    /// Printed as published despite a reviewed contradiction.
    pub as_published: bool,
    /// Where it is typed or defined.
    pub defined: String,
    /// One line for a reader: where it is stated, or how it is computed and from what.
    pub provenance: String,
}

/// Every number the templates can use, by the name a template writes after `n.`, with what
/// this edition (`year`) prints for it.
pub fn variables(facts: &Facts, shown: &BTreeMap<String, Shown>, year: i32) -> BTreeMap<String, Var> {
    facts
        .numbers
        .iter()
        .map(|n| {
            let show = shown.get(&n.name);
            let as_published = show.is_some_and(|s| s.as_published);
            let var = Var {
                value: show.map_or(n.value, |s| s.value),
                unit: n.unit.clone(),
                qualifier: n.printed.as_ref().and_then(|p| p.qualifier.clone()).unwrap_or_default(),
                kind: n.kind,
                formula: n.formula.clone(),
                inputs: n.inputs.clone(),
                computed: n.value,
                printed: n.printed.as_ref().map(|p| format!("{}{}", p.qualifier.as_deref().unwrap_or(""), numfmt::number(p.value, 4))),
                as_published,
                defined: n.defined.clone(),
                provenance: provenance(n, year, year, as_published),
            };
            (n.name.clone(), var)
        })
        .collect()
}

/// The edition that brought a number's value in `year`: a primary's recorded edition (known
/// for the year of its printed row only); a derived number is computed by the edition built.
pub fn brought_by(n: &Number, year: i32, edition: i32) -> Option<i32> {
    match n.kind {
        NumberKind::Derived => Some(edition),
        NumberKind::Primary if Some(year) == printed_year(n, edition) => n.edition,
        NumberKind::Primary => None,
    }
}

/// The year of a primary's printed row: the edition's year, else its latest year.
fn printed_year(n: &Number, edition: i32) -> Option<i32> {
    if n.years.contains_key(&edition) { Some(edition) } else { n.years.keys().max().copied() }
}

/// What a reader is told a number is: quoted from the report (a primary in the year of its
/// printed row), a value the data records (a primary of another year) or computed.
pub fn label(n: &Number, year: i32, edition: i32) -> &'static str {
    match (&n.formula, &n.printed) {
        (Some(_), _) => "计算值",
        (None, Some(_)) if Some(year) == printed_year(n, edition) => "报告原文",
        (None, _) => "录入值",
    }
}

/// A number's provenance in its parts: the web popover says the label once and links the
/// data files; [`Told::sentence`] joins them into the one sentence (Word comments, `vars`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Told {
    /// 报告原文, 录入值 or 计算值 ([`label`]).
    pub label: &'static str,
    /// What follows the label: where it is stated, or the formula worked out.
    pub detail: String,
    /// The data files the number reads (`data/tables/…csv`), as the repository names them.
    pub data: Vec<String>,
    /// A note that it prints as published, then its year and the edition that brought it.
    pub rest: String,
}

impl Told {
    /// The provenance sentence, the one place it is written.
    pub fn sentence(&self) -> String {
        let data = if self.data.is_empty() { String::new() } else { format!("。数据：{}", self.data.join("、")) };
        format!("{}{}{data}{}", self.label, self.detail, self.rest)
    }
}

/// The provenance sentence: where the number is stated, or how it is computed and from
/// what; then its year and the edition that brought its value. `edition` is the year of
/// the edition built; `year` the value's (`at[YEAR].NAME`).
pub fn provenance(n: &Number, year: i32, edition: i32, as_published: bool) -> String {
    told(n, year, edition, as_published).sentence()
}

/// The provenance of a number in its parts (see [`Told`]).
pub fn told(n: &Number, year: i32, edition: i32, as_published: bool) -> Told {
    let own_year = year == edition;
    let label = label(n, year, edition);
    let mut data = Vec::new();
    let mut rest = String::new();
    let detail = match (&n.formula, &n.printed) {
        (None, Some(p)) if label == "报告原文" => format!("（{}）：{}", p.location, p.quote),
        (None, _) => format!("（{}）", n.defined),
        (Some(f), _) => {
            let mut text = String::new();
            if let Some(e) = &n.explain {
                text.push_str(&format!("（{e}）"));
            }
            match n.years.get(&year) {
                Some(v) if own_year => {
                    let worked = n.worked.as_deref().unwrap_or(f);
                    text.push_str(&format!("：{worked} = {}", numfmt::number(*v, 4)));
                    if worked != f {
                        text.push_str(&format!("。公式：{f}"));
                    }
                }
                Some(v) => text.push_str(&format!("：{f} = {}", numfmt::number(*v, 4))),
                None => text.push_str(&format!("：{f}")),
            }
            data = n.inputs.iter().filter(|i| i.starts_with("data/")).cloned().collect();
            if own_year && as_published && let Some(p) = &n.printed {
                rest.push_str(&format!("。此处按原文印作 {}，与计算值不符（见 audit.md）", numfmt::number(p.value, 4)));
            }
            text
        }
    };
    match (n.kind, brought_by(n, year, edition)) {
        (NumberKind::Primary, Some(e)) => rest.push_str(&format!("。{year} 年数值，{e} 年版数据")),
        (NumberKind::Primary, None) => rest.push_str(&format!("。{year} 年数值")),
        (NumberKind::Derived, _) => rest.push_str(&format!("。{year} 年数值，{edition} 年版计算")),
    }
    Told { label, detail, data, rest }
}

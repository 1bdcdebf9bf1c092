//! What an edition prints for each number: as published or corrected (`build --corrected`),
//! and at which precision (its provenance is worded in `model::provenance`). Render, the
//! manifest and `vars` use it; it reads the audit's findings, and the audit knows nothing
//! of it.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::audit::{Audit, Print, Severity};
use crate::data::decimals;
use crate::model::provenance::told;
use crate::model::{Claim, Facts, NumberKind, Printed};
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
                provenance: told(n, year, year, as_published).sentence(),
            };
            (n.name.clone(), var)
        })
        .collect()
}

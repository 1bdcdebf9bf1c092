//! The one place a reader's provenance is worded: for a number (quoted from the report,
//! recorded in the data, or computed; in which year; brought by which edition) and for a
//! chart's points (the same, or a series aggregate, a growth rate, an external source, a
//! value the report does not give). Prose popovers, chart marks and notes, `vars`, the
//! manifest and Word comments all print these parts; none words its own.

use serde::Serialize;

use super::{Number, NumberKind, Printed};
use crate::numfmt;

/// A provenance in its parts, so that each writer can print it in its own way (the web
/// popover says the label once and links the data files) without rewording it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Told {
    /// 报告原文, 录入值, 派生值 or 外部来源 ([`label`]); empty for a value that is missing.
    pub label: &'static str,
    /// What follows the label: where it is stated, or the formula worked out with its value.
    pub detail: String,
    /// The formula as written, where the worked one differs from it.
    pub formula: Option<String>,
    /// The data files the number reads (`data/tables/…csv`), as the repository names them.
    pub data: Vec<String>,
    /// A note that it prints as published, then its year and the edition that brought it.
    pub rest: String,
}

impl Told {
    /// The short form under a figure, whose caption already says the years.
    pub fn note(&self) -> String {
        format!("{}{}", self.label, self.detail)
    }

    /// The whole sentence, as plain text.
    pub fn sentence(&self) -> String {
        self.compose(|label| label.to_string(), |text| text.to_string(), |file| file.to_string())
    }

    /// The whole sentence, each part passed through its writer's function: the label, the
    /// text around it (escaped by an HTML writer) and each data file (linked where it can be).
    pub fn compose(&self, label: impl Fn(&str) -> String, text: impl Fn(&str) -> String, file: impl Fn(&str) -> String) -> String {
        let mut s = label(self.label);
        s.push_str(&text(&self.detail));
        if let Some(f) = &self.formula {
            s.push_str(&text(&format!("。公式：{f}")));
        }
        if !self.data.is_empty() {
            s.push_str(&text("。数据："));
            s.push_str(&self.data.iter().map(|f| file(f)).collect::<Vec<_>>().join(&text("、")));
        }
        s.push_str(&text(&self.rest));
        s
    }

    /// A chart's value computed by a rule of its own (a series aggregate, a growth rate).
    pub fn computed(how: &str, explain: Option<&str>) -> Told {
        let explain = explain.map(|e| format!("（{e}）")).unwrap_or_default();
        Told { label: DERIVED, detail: format!("：{how}{explain}"), ..Told::default() }
    }

    /// The same, adding where the report prints the value (a computed value that agrees
    /// with the report, drawn as stated).
    pub fn quoting(mut self, p: &Printed) -> Told {
        self.rest.push_str(&format!("。报告原文（{}）：{}", p.location, p.quote));
        self
    }

    /// A chart's value from a source outside the report.
    pub fn external(confidence: Option<&str>, source: &str, url: Option<&str>) -> Told {
        let url = url.map(|u| format!(" {u}")).unwrap_or_default();
        Told {
            label: "外部来源", detail: format!("（可信度 {}）：{source}{url}", confidence.unwrap_or("未注明")), ..Told::default()
        }
    }

    /// A value that is not known, and why.
    pub fn missing(why: String) -> Told {
        Told { detail: why, ..Told::default() }
    }
}

impl Serialize for Told {
    /// As the one sentence (the manifest and the figures' JSON).
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.sentence())
    }
}

const DERIVED: &str = "派生值";

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
pub fn printed_year(n: &Number, edition: i32) -> Option<i32> {
    if n.years.contains_key(&edition) { Some(edition) } else { n.years.keys().max().copied() }
}

/// What a reader is told a number is: quoted from the report (a primary in the year of its
/// printed row), a value the data records (a primary of another year) or computed.
pub fn label(n: &Number, year: i32, edition: i32) -> &'static str {
    match (&n.formula, &n.printed) {
        (Some(_), _) => DERIVED,
        (None, Some(_)) if Some(year) == printed_year(n, edition) => "报告原文",
        (None, _) => "录入值",
    }
}

/// The provenance of a number's value in `year`, in the edition of year `edition`: where it
/// is stated, or its formula worked out in that year and what it reads; then the year and
/// the edition that brought the value. `as_published`: the edition prints the report's
/// value although it disagrees with the computation.
pub fn told(n: &Number, year: i32, edition: i32, as_published: bool) -> Told {
    let Some(&value) = n.years.get(&year) else {
        return Told::missing(format!("{} 在 {year} 年没有值（定义见 {}）", n.name, n.defined));
    };
    let label = label(n, year, edition);
    let mut told = Told { label, ..Told::default() };
    match (&n.formula, &n.printed) {
        (None, Some(p)) if label == "报告原文" => told.detail = format!("（{}）：{}", p.location, p.quote),
        (None, _) => told.detail = format!("（{}）", n.defined),
        (Some(f), _) => {
            let explain = n.explained(year).map(|e| format!("（{e}）")).unwrap_or_default();
            let worked = n.worked.get(&year).unwrap_or(f);
            told.detail = format!("：{worked} = {}{explain}", numfmt::number(value, 4));
            told.formula = (worked != f).then(|| f.clone());
            told.data = n.inputs.iter().filter(|i| i.starts_with("data/")).cloned().collect();
            if year == edition
                && as_published
                && let Some(p) = &n.printed
            {
                told.rest.push_str(&format!("。此处按原文印作 {}，与计算值不符（见 audit.md）", numfmt::number(p.value, 4)));
            }
        }
    }
    match (n.kind, brought_by(n, year, edition)) {
        (NumberKind::Primary, Some(e)) => told.rest.push_str(&format!("。{year} 年数值，{e} 年版数据")),
        (NumberKind::Primary, None) => told.rest.push_str(&format!("。{year} 年数值")),
        (NumberKind::Derived, _) => told.rest.push_str(&format!("。{year} 年数值，{edition} 年版计算")),
    }
    told
}

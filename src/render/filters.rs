//! The number filters (`{{ n.NAME | pct }}`): each formats the value the edition prints and,
//! for a named number, keeps it as a typed [`NumberSpan`] and prints its token; the
//! document builder puts the span where the token stands.

use std::collections::BTreeMap;

use serde::Serialize;
use tera::{Kwargs, State, Tera};

use super::Shared;
use crate::document::NumberSpan;
use crate::document::build::{Placed, Token};
use crate::edition::Shown;
use crate::model::{Facts, Number, NumberKind};
use crate::numfmt;
use crate::text::chinese_number;

/// What a template sees for `n.NAME` and `at[YEAR].NAME`.
#[derive(Serialize)]
pub struct NamedNumber {
    value: f64,
    name: String,
    /// `NAME`, or `NAME[YEAR]` for another year: the span's provenance key.
    id: String,
    year: i32,
    kind: NumberKind,
    edition: Option<i32>,
    /// A derived number's printed precision; a primary shows as typed.
    digits: Option<usize>,
    published: Option<f64>,
    published_digits: usize,
    /// Why the number cannot be printed: it has no value in the year asked for.
    #[serde(skip_serializing_if = "Option::is_none")]
    missing: Option<String>,
}

impl NamedNumber {
    /// `n.NAME`: what the edition prints for it in its own year.
    pub fn own(num: &Number, shown: Option<&Shown>, edition: i32) -> NamedNumber {
        let published = shown.and_then(|s| s.correction.as_ref());
        NamedNumber {
            value: shown.map_or(num.value, |s| s.value),
            name: num.name.clone(),
            id: num.name.clone(),
            year: edition,
            kind: num.kind,
            edition: crate::model::provenance::brought_by(num, edition, edition),
            digits: (num.kind == NumberKind::Derived).then(|| shown.map_or(num.digits, |s| s.digits)),
            published: published.map(|p| p.value),
            published_digits: published.map_or(0, |p| crate::data::decimals(p.value)),
            missing: missing(num, edition),
        }
    }

    /// `at[YEAR].NAME`: a number in another year of the series, as computed (an edition's
    /// audit and corrections concern its own year).
    pub fn at(num: &Number, year: i32, value: f64, edition: i32) -> NamedNumber {
        NamedNumber {
            value,
            name: num.name.clone(),
            id: format!("{}[{year}]", num.name),
            year,
            kind: num.kind,
            edition: crate::model::provenance::brought_by(num, year, edition),
            digits: (num.kind == NumberKind::Derived).then_some(num.digits),
            published: None,
            published_digits: 0,
            missing: None,
        }
    }
}

fn missing(num: &Number, year: i32) -> Option<String> {
    (!num.years.contains_key(&year)).then(|| {
        let known: Vec<String> = num.years.keys().map(i32::to_string).collect();
        format!(
            "`{}` has no value for {year} (defined at {}; it has values for {})",
            num.name,
            num.defined,
            if known.is_empty() { "no year".to_string() } else { known.join(", ") }
        )
    })
}

/// `n` and `at` as the templates see them.
pub type Own<'a> = (BTreeMap<&'a str, NamedNumber>, BTreeMap<i32, BTreeMap<&'a str, NamedNumber>>);

/// Every `n.NAME` and `at[YEAR].NAME` the templates can use.
pub fn named<'a>(facts: &'a Facts, shown: &BTreeMap<String, Shown>, edition: i32) -> Own<'a> {
    let own = facts.numbers.iter().map(|n| (n.name.as_str(), NamedNumber::own(n, shown.get(&n.name), edition))).collect();
    let mut at: BTreeMap<i32, BTreeMap<&str, NamedNumber>> = BTreeMap::new();
    for num in &facts.numbers {
        for (&year, &value) in &num.years {
            at.entry(year).or_default().insert(num.name.as_str(), NamedNumber::at(num, year, value, edition));
        }
    }
    (own, at)
}

/// A number as a filter receives it: its value and, for a named number, its span (without
/// the text), default decimals and, in the corrected edition, the published value.
struct Arg {
    value: f64,
    span: Option<NumberSpan>,
    digits: Option<usize>,
    published: Option<(f64, usize)>,
}

/// An undefined number is a name missing from data/.
fn number_arg(v: &tera::Value) -> tera::TeraResult<Arg> {
    if v.is_undefined() {
        return Err(tera::Error::message(
            "this number is not defined: no data/stated/*.csv key or data/derived/*.yaml name has that name (`blockchain-report vars` lists them)",
        ));
    }
    let number = |v: &tera::Value| v.as_f64().ok_or_else(|| tera::Error::message(format!("expected a number, got `{v}`")));
    if let Some(missing) = v.get_from_path("missing").and_then(|m| m.as_str().map(str::to_string)) {
        return Err(tera::Error::message(missing));
    }
    let text = |key: &str| v.get_from_path(key).and_then(|x| x.as_str().map(str::to_string));
    if let (Some(value), Some(name), Some(id)) = (v.get_from_path("value"), text("name"), text("id")) {
        let published = match (v.get_from_path("published"), v.get_from_path("published_digits")) {
            (Some(p), Some(d)) if !p.is_none() => Some((number(p)?, d.as_i64().unwrap_or(0) as usize)),
            _ => None,
        };
        let kind = if text("kind").as_deref() == Some("primary") { NumberKind::Primary } else { NumberKind::Derived };
        let span = NumberSpan {
            shown: String::new(),
            kind,
            name,
            year: v.get_from_path("year").and_then(|y| y.as_i64()).unwrap_or(0) as i32,
            edition: v.get_from_path("edition").and_then(|e| e.as_i64()).map(|e| e as i32),
            id,
        };
        return Ok(Arg {
            value: number(value)?,
            span: Some(span),
            digits: v.get_from_path("digits").and_then(|d| d.as_i64()).map(|d| d as usize),
            published,
        });
    }
    Ok(Arg { value: number(v)?, span: None, digits: None, published: None })
}

/// `digits=` when the template gives it, else the number's own, else 4.
fn digits(kwargs: &Kwargs, own: Option<usize>) -> tera::TeraResult<usize> {
    Ok(kwargs.get::<i64>("digits")?.map_or(own.unwrap_or(4), |d| d.clamp(0, 8) as usize))
}

/// A number's text, with the published value in a note where the corrected edition
/// replaced it; a named number becomes a span and prints its token.
fn shown(placed: &Shared<Placed>, arg: Arg, text: String, show: impl Fn(f64, usize) -> String) -> tera::TeraResult<String> {
    let text = match arg.published {
        Some((p, d)) => format!("{text}（原文：{}）", show(p, d)),
        None => text,
    };
    match arg.span {
        Some(mut span) => {
            span.shown = text.clone();
            let mut placed = placed.lock().map_err(|_| tera::Error::message("placement lock poisoned"))?;
            placed.numbers.push(span);
            Ok(Token::number(placed.numbers.len() - 1, &text))
        }
        None => Ok(text),
    }
}

pub fn register(tera: &mut Tera, placed: &Shared<Placed>) {
    fn filter(tera: &mut Tera, placed: &Shared<Placed>, name: &'static str, show: fn(f64, usize) -> String) {
        let placed = placed.clone();
        tera.register_filter(name, move |v: &tera::Value, k: Kwargs, _: &State| -> tera::TeraResult<String> {
            let arg = number_arg(v)?;
            let d = digits(&k, arg.digits)?;
            let text = show(arg.value, d);
            shown(&placed, arg, text, show)
        });
    }
    filter(tera, placed, "num", numfmt::number);
    filter(tera, placed, "pct", |v, d| format!("{}%", numfmt::number(v, d)));
    filter(tera, placed, "change", |v, d| format!("{}{}%", if v < 0.0 { "下降" } else { "增长" }, numfmt::number(v.abs(), d)));
    filter(tera, placed, "pp", |v, d| format!("{}个百分点", numfmt::number(v, d)));
    filter(tera, placed, "yi", |v, d| format!("{}亿元", numfmt::number(v, d)));
    filter(tera, placed, "wan", |v, d| format!("{}万", numfmt::number(v / 10000.0, d)));
    filter(tera, placed, "cn", |v, _| chinese_number(v.round() as i64));
    let fixed = placed.clone();
    tera.register_filter("fixed", move |v: &tera::Value, k: Kwargs, _: &State| -> tera::TeraResult<String> {
        let arg = number_arg(v)?;
        let d = k.get::<i64>("digits")?.unwrap_or(2).clamp(0, 8) as usize;
        let text = numfmt::fixed(arg.value, d);
        shown(&fixed, arg, text, numfmt::fixed)
    });
}

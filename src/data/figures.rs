//! Resolves each figure's points: stated values from the registry, external values with their
//! source, derived values computed here, and metric figures from the tables.

use std::path::Path;

use polars::prelude::*;

use super::{Frames, csv_in, metrics, polars_error, spec};
use crate::catalog::{ColumnType, Derivation, FigureMeta, Formula};
use crate::error::{InputError, Result};
use crate::model::{FigureData, Point, Stated, Status};

fn point_columns() -> Vec<crate::catalog::ColumnSpec> {
    vec![
        spec("series", ColumnType::String, true),
        spec("category", ColumnType::String, false),
        spec("value", ColumnType::Number, true),
        spec("status", ColumnType::String, false),
        spec("ref", ColumnType::String, true),
    ]
}

pub fn resolve(yaml: &Path, meta: &FigureMeta, frames: &Frames, stated: &[Stated]) -> Result<FigureData> {
    let mut points = if let Some(name) = &meta.metric {
        metrics::figure_points(name, frames)?.ok_or_else(|| {
            let names = [
                "metaverse_policies_by_province",
                "standards_by_kind",
                "funds_by_year",
                "parks_by_region_and_year",
                "parks_by_region_and_lead",
            ];
            let hint = match super::nearest(name, names.into_iter()) {
                Some(n) => format!("did you mean `{n}`?"),
                None => format!("known metrics: {}", names.join(", ")),
            };
            InputError::new(yaml, format!("unknown metric `{name}`")).field("metric").hint(hint)
        })?
    } else if let Some(file) = &meta.data {
        let csv = yaml.with_file_name(file);
        if let Some(data_dir) = yaml.parent().and_then(Path::parent) {
            crate::catalog::check_inside(data_dir, &csv)?;
        }
        let df = csv_in::read(&csv, &point_columns(), &["series".to_string(), "category".to_string()])?;
        listed_points(&csv, meta, &df, stated)?
    } else {
        // The layer diagram: each layer's share, where the text states one.
        let mut points = Vec::new();
        for layer in &meta.layers {
            if let Some(key) = &layer.share {
                let s = lookup(yaml, 0, stated, key)?;
                points.push(Point {
                    series: String::new(),
                    category: layer.name.clone(),
                    value: Some(s.value),
                    status: Status::Stated,
                    qualifier: s.qualifier.clone(),
                    unit: Some(s.unit.clone()),
                    provenance: format!("报告原文（{}）：{}", s.location, s.quote),
                });
            }
        }
        points
    };
    // A yearly bar_line figure whose CSV lists only the values gets its growth line here;
    // one that lists a second series already has its line.
    let series: std::collections::BTreeSet<&str> = points.iter().map(|p| p.series.as_str()).collect();
    if meta.chart == "bar_line" && meta.metric.is_none() && series.len() == 1 {
        add_growth(yaml, &mut points)?;
    }
    Ok(FigureData { id: meta.id.clone(), unit: meta.unit.clone(), points })
}

fn lookup<'a>(csv: &Path, line: usize, stated: &'a [Stated], key: &str) -> Result<&'a Stated> {
    stated.iter().find(|s| s.key == key).ok_or_else(|| {
        let mut err = InputError::new(csv, format!("`{key}` is not a key of data/stated/")).line(line).field("ref");
        if let Some(n) = super::nearest(key, stated.iter().map(|s| s.key.as_str())) {
            err = err.hint(format!("did you mean `{n}`?"));
        } else {
            err = err.hint("add the stated number to data/stated/, with where it is printed");
        }
        err.into()
    })
}

fn listed_points(csv: &Path, meta: &FigureMeta, df: &DataFrame, stated: &[Stated]) -> Result<Vec<Point>> {
    let series = super::strings(df, "series");
    let categories = super::strings(df, "category");
    let values = super::floats(df, "value");
    let statuses = super::strings(df, "status");
    let refs = super::strings(df, "ref");
    let mut points = Vec::with_capacity(df.height());
    let mut derived = Vec::new();
    for i in 0..df.height() {
        let line = i + 2;
        let reference = refs[i].clone().unwrap_or_default();
        let located = |msg: String| InputError::new(csv, msg).line(line);
        let status = match statuses[i].as_deref().unwrap_or("") {
            "stated" => Status::Stated,
            "external" => Status::External,
            "derived" => Status::Derived,
            "missing" => Status::Missing,
            other => {
                return Err(located(format!("unknown status `{other}`"))
                    .field("status")
                    .hint("one of: stated, external, derived, missing")
                    .into());
            }
        };
        let mut p = Point {
            series: series[i].clone().unwrap_or_default(),
            category: categories[i].clone().unwrap_or_default(),
            value: None,
            status,
            qualifier: None,
            unit: None,
            provenance: String::new(),
        };
        match status {
            Status::Stated => {
                let s = lookup(csv, line, stated, &reference)?;
                p.value = Some(s.value);
                p.qualifier = s.qualifier.clone();
                p.unit = Some(s.unit.clone());
                p.provenance = format!("报告原文（{}）：{}", s.location, s.quote);
            }
            Status::External => {
                let v = values[i].ok_or_else(|| {
                    located("an external point needs a value".into())
                        .field("value")
                        .hint("write the sourced number, or use status `missing`")
                })?;
                let src = meta
                    .sources
                    .get(&reference)
                    .ok_or_else(|| located(format!("source `{reference}` is not defined in the YAML `sources`")).field("ref"))?;
                p.value = Some(v);
                p.provenance = format!(
                    "外部来源（可信度 {}）：{}{}",
                    src.confidence.as_deref().unwrap_or("未注明"),
                    src.source,
                    src.url.as_deref().map(|u| format!(" {u}")).unwrap_or_default()
                );
            }
            Status::Derived => {
                let d = meta
                    .derivations
                    .get(&reference)
                    .ok_or_else(|| located(format!("derivation `{reference}` is not defined in the YAML `derivations`")).field("ref"))?;
                derived.push((points.len(), line, d.clone()));
            }
            Status::Missing => p.provenance = "报告未给出".to_string(),
        }
        if status != Status::External && values[i].is_some() {
            return Err(located(format!("a {} point must leave `value` empty", status.as_str()))
                .field("value")
                .hint("only external points carry a value in the CSV; stated values come from data/stated/")
                .into());
        }
        points.push(p);
    }
    // Growth-based derivations first: a remainder may depend on them.
    derived.sort_by_key(|(_, _, d)| d.formula == Formula::Remainder);
    for (index, line, d) in derived {
        let (value, provenance) = derive(csv, line, &d, &points, &points[index].series, stated)?;
        points[index].value = value;
        points[index].provenance = provenance;
    }
    check_shares(csv, meta, &points)?;
    Ok(points)
}

/// A pie or donut shows parts of a whole: no slice is negative, and no share is over 100%.
/// `points` are in the CSV's row order.
fn check_shares(csv: &Path, meta: &FigureMeta, points: &[Point]) -> Result<()> {
    if !matches!(meta.chart.as_str(), "pie" | "donut") {
        return Ok(());
    }
    let percent = meta.unit.as_deref() == Some("%");
    for (i, p) in points.iter().enumerate() {
        let Some(v) = p.value else { continue };
        let (what, why) = if v < 0.0 {
            ("negative", "a slice of a pie cannot be negative")
        } else if percent && v > 100.0 {
            ("over 100%", "a share of a whole is at most 100%")
        } else {
            continue;
        };
        let source = match p.status {
            Status::Derived => "it is derived from the other slices: check the values they come from".to_string(),
            _ => format!("check the value it comes from ({})", p.provenance),
        };
        return Err(InputError::new(csv, format!("`{}` in pie `{}` is {} ({what})", p.category, meta.id, fmt(v)))
            .line(i + 2)
            .field("value")
            .hint(format!("{why}; {source}"))
            .into());
    }
    Ok(())
}

fn derive(csv: &Path, line: usize, d: &Derivation, points: &[Point], series: &str, stated: &[Stated]) -> Result<(Option<f64>, String)> {
    let need = |name: &str, v: &Option<String>| -> Result<String> {
        v.clone().ok_or_else(|| {
            InputError::new(csv, format!("derivation needs `{name}`")).line(line).hint("see data/README.md, section Figures").into()
        })
    };
    match d.formula {
        Formula::PreviousFromGrowth => {
            let current = lookup(csv, line, stated, &need("current", &d.current)?)?;
            let growth = lookup(csv, line, stated, &need("growth_pct", &d.growth_pct)?)?;
            let v = current.value / (1.0 + growth.value / 100.0);
            let sign = if growth.value < 0.0 { "−" } else { "+" };
            Ok((
                Some(v),
                format!(
                    "派生值：{} ÷ (1 {sign} {}%)，由 {} 与 {} 反推",
                    fmt(current.value),
                    fmt(growth.value.abs()),
                    current.key,
                    growth.key
                ),
            ))
        }
        Formula::Remainder => {
            let (whole, whole_text) = match (&d.whole, d.whole_value) {
                (Some(key), _) => {
                    let s = lookup(csv, line, stated, key)?;
                    (s.value, format!("{}（{}）", fmt(s.value), s.key))
                }
                (None, Some(v)) => (v, fmt(v)),
                (None, None) => return Err(InputError::new(csv, "a remainder needs `whole` or `whole_value`").line(line).into()),
            };
            let known = known_sum(points, series).map_err(|e| polars_error("remainder", csv, e))?;
            Ok((Some(whole - known), format!("派生值：{whole_text} 减去其余已知项之和 {}", fmt(known))))
        }
    }
}

/// Sum of the known, non-derived values of a series (Polars, as every derived figure).
fn known_sum(points: &[Point], series: &str) -> PolarsResult<f64> {
    let (s, v): (Vec<&str>, Vec<Option<f64>>) =
        points.iter().filter(|p| p.status != Status::Derived).map(|p| (p.series.as_str(), p.value)).unzip();
    let df = DataFrame::new(s.len(), vec![Column::new("series".into(), s), Column::new("value".into(), v)])?;
    let out = df.lazy().filter(col("series").eq(lit(series))).select([col("value").sum()]).collect()?;
    Ok(out.column("value")?.f64()?.get(0).unwrap_or(0.0))
}

fn fmt(v: f64) -> String {
    let s = format!("{v:.4}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// Adds a growth-rate series to a yearly bar_line figure.
fn add_growth(yaml: &Path, points: &mut Vec<Point>) -> Result<()> {
    let years: Vec<(i64, Option<f64>)> = points.iter().filter_map(|p| p.category.parse::<i64>().ok().map(|y| (y, p.value))).collect();
    if years.is_empty() {
        return Err(InputError::new(yaml, "a bar_line figure needs years as categories").field("chart").into());
    }
    for (year, rate) in metrics::yoy(&years)? {
        points.push(Point {
            series: "同比增长率（%）".into(),
            category: year.to_string(),
            value: rate,
            status: if rate.is_some() { Status::Derived } else { Status::Missing },
            qualifier: None,
            unit: Some("%".into()),
            provenance: if rate.is_some() {
                "派生值：(当年值 − 上年值) ÷ 上年值 × 100".into()
            } else {
                "上年或当年数值未知，无法计算".into()
            },
        });
    }
    Ok(())
}

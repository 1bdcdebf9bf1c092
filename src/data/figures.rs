//! Resolves each figure's points: stated and derived values by the name of a number
//! (`data/stated/`, `data/derived/`), external values with their source, and metric figures
//! from the tables.

use std::path::Path;

use polars::prelude::*;

use super::{Frames, csv_in, derived, formula, polars_error, spec};
use crate::catalog::{Catalog, ChartKind, ColumnType, FigureMeta};
use crate::error::{InputError, Result};
use crate::model::provenance::{Told, printed_year, told};
use crate::model::{FigureData, Number, NumberKind, Point, Status};

fn point_columns() -> Vec<crate::catalog::ColumnSpec> {
    vec![
        spec("series", ColumnType::String, true),
        spec("category", ColumnType::String, false),
        spec("value", ColumnType::Number, true),
        spec("status", ColumnType::String, false),
        spec("ref", ColumnType::String, true),
    ]
}

pub fn resolve(yaml: &Path, meta: &FigureMeta, frames: &Frames, catalog: &Catalog, numbers: &[Number], edition: i32) -> Result<FigureData> {
    let mut points = if !meta.series.is_empty() {
        series_points(yaml, meta, frames, catalog, edition)?
    } else if let Some(file) = &meta.data {
        let csv = yaml.with_file_name(file);
        if let Some(data_dir) = yaml.parent().and_then(Path::parent) {
            crate::catalog::check_inside(data_dir, &csv)?;
        }
        let df = csv_in::read(&csv, &point_columns(), &["series".to_string(), "category".to_string()])?;
        listed_points(&csv, meta, &df, numbers, edition)?
    } else {
        // The layer diagram: each layer's share, where the text states one.
        let mut points = Vec::new();
        for layer in &meta.layers {
            if let Some(key) = &layer.share {
                let (n, year) = lookup(yaml, 0, numbers, key, edition)?;
                points.push(Point { series: String::new(), category: layer.name.clone(), ..number_point(n, year, edition) });
            }
        }
        points
    };
    // A yearly bar_line figure whose CSV lists only the values gets its growth line here;
    // one that lists a second series already has its line.
    let series: std::collections::BTreeSet<&str> = points.iter().map(|p| p.series.as_str()).collect();
    if meta.kind() == ChartKind::BarLine && meta.series.is_empty() && series.len() == 1 {
        add_growth(yaml, &mut points)?;
    }
    Ok(FigureData { id: meta.id.clone(), unit: meta.unit.clone(), points })
}

/// The points of a figure computed from the tables: each series definition is an aggregate
/// by one column (its points are categories) or two (series, category).
fn series_points(yaml: &Path, meta: &FigureMeta, frames: &Frames, catalog: &Catalog, edition: i32) -> Result<Vec<Point>> {
    let text = crate::error::read_to_string(yaml)?;
    let mut points = Vec::new();
    for def in &meta.series {
        let located = |message: String, offset: usize| {
            let (line, column) = text
                .lines()
                .enumerate()
                .find_map(|(i, l)| l.find(def.formula.as_str()).map(|at| (i + 1, l[..at].chars().count() + 1 + offset)))
                .unwrap_or((1, 1));
            InputError::new(yaml, message).at(line, column).excerpt_from(&text)
        };
        let s = formula::parse_series(&def.formula).map_err(|e| located(e.message, e.offset).hint(e.hint))?;
        let mut rows = derived::series(&s, frames, catalog, yaml, edition)?;
        if s.by.len() == 2 {
            // Categories (the second key, often a year) in order, series within each.
            rows.sort_by(|a, b| (&a.0[1], &a.0[0]).cmp(&(&b.0[1], &b.0[0])));
        } else if meta.series.len() > 1 {
            // Several series share their categories: keep them in one order.
            rows.sort_by(|a, b| a.0.cmp(&b.0));
        }
        for (keys, value) in rows {
            let (series, category) = match keys.as_slice() {
                [series, category] => (def.name.clone().unwrap_or_else(|| series.clone()), category.clone()),
                [category] => (def.name.clone().unwrap_or_default(), category.clone()),
                _ => continue,
            };
            points.push(Point {
                series,
                category,
                value,
                status: Status::Derived,
                qualifier: None,
                unit: None,
                provenance: match &def.explain {
                    Some(explain) => Told::computed(explain, Some(&s.to_string())),
                    None => Told::computed(&s.to_string(), None),
                },
            });
        }
    }
    Ok(points)
}

/// The number a point names and the year of its value: `name` in the edition's year, or
/// `name[2020]` in another.
fn lookup<'n>(csv: &Path, line: usize, numbers: &'n [Number], key: &str, edition: i32) -> Result<(&'n Number, i32)> {
    let (name, year) = match key.strip_suffix(']').and_then(|k| k.split_once('[')) {
        Some((name, year)) => (name, year.parse::<i32>().ok()),
        None => (key, None),
    };
    let n = numbers.binary_search_by(|n| n.name.as_str().cmp(name)).map(|i| &numbers[i]).map_err(|_| {
        let mut err = InputError::new(csv, format!("`{name}` is not a number of data/stated/ or data/derived/")).line(line).field("ref");
        if let Some(n) = super::nearest(name, numbers.iter().map(|s| s.name.as_str())) {
            err = err.hint(format!("did you mean `{n}`?"));
        } else {
            err = err.hint("add the number to data/stated/ (printed in the report) or data/derived/ (computed)");
        }
        err
    })?;
    let Some(year) = year.filter(|&y| y != edition) else { return Ok((n, edition)) };
    if !n.years.contains_key(&year) {
        return Err(InputError::new(csv, format!("`{name}` has no value for {year}"))
            .line(line)
            .field("ref")
            .hint(format!("it is defined at {}; give it a value for {year}, or leave the point missing", n.defined))
            .into());
    }
    Ok((n, year))
}

/// A point drawn from a number's value in `year`: stated when the document prints it (a
/// primary in the year of its printed row, or a derived number whose printed value agrees
/// at the printed precision); otherwise derived (the chart marks it as computed).
fn number_point(n: &Number, year: i32, edition: i32) -> Point {
    let value = if year == edition { n.value } else { n.years.get(&year).copied().unwrap_or(f64::NAN) };
    if !value.is_finite() {
        let provenance = told(n, year, edition, false);
        return Point {
            series: String::new(),
            category: String::new(),
            value: None,
            status: Status::Missing,
            qualifier: None,
            unit: None,
            provenance,
        };
    }
    let agrees = year == edition
        && n.printed.as_ref().is_some_and(|p| (crate::numfmt::round_half_away(value, super::decimals(p.value)) - p.value).abs() < 1e-9);
    let as_printed = match n.kind {
        NumberKind::Primary => printed_year(n, edition) == Some(year),
        NumberKind::Derived => agrees,
    };
    // A primary of another year is recorded in the data, not printed: the chart draws it
    // as known (no derived mark) but without the printed row's qualifier.
    let status = if n.kind == NumberKind::Primary || agrees { Status::Stated } else { Status::Derived };
    Point {
        series: String::new(),
        category: String::new(),
        value: Some(value),
        status,
        qualifier: if as_printed { n.printed.as_ref().and_then(|p| p.qualifier.clone()) } else { None },
        unit: (status == Status::Stated).then(|| n.unit.clone()),
        provenance: match &n.printed {
            Some(p) if agrees && n.kind == NumberKind::Derived => told(n, year, edition, false).quoting(p),
            _ => told(n, year, edition, false),
        },
    }
}

fn listed_points(csv: &Path, meta: &FigureMeta, df: &DataFrame, numbers: &[Number], edition: i32) -> Result<Vec<Point>> {
    let series = super::strings(df, "series");
    let categories = super::strings(df, "category");
    let values = super::floats(df, "value");
    let statuses = super::strings(df, "status");
    let refs = super::strings(df, "ref");
    let mut points = Vec::with_capacity(df.height());
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
        if status != Status::External && values[i].is_some() {
            return Err(located(format!("a {} point must leave `value` empty", status.as_str()))
                .field("value")
                .hint("only external points carry a value in the CSV; stated and derived values come from data/stated/ and data/derived/")
                .into());
        }
        let mut p = match status {
            Status::Stated | Status::Derived => {
                let (n, year) = lookup(csv, line, numbers, &reference, edition)?;
                if status == Status::Derived && n.kind != NumberKind::Derived {
                    return Err(located(format!("`{reference}` is a stated primary, not a derived number"))
                        .field("status")
                        .hint("write status `stated` for it")
                        .into());
                }
                number_point(n, year, edition)
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
                Point {
                    series: String::new(),
                    category: String::new(),
                    value: Some(v),
                    status,
                    qualifier: None,
                    unit: None,
                    provenance: Told::external(src.confidence.as_deref(), &src.source, src.url.as_deref()),
                }
            }
            Status::Missing => Point {
                series: String::new(),
                category: String::new(),
                value: None,
                status,
                qualifier: None,
                unit: None,
                provenance: Told::missing("报告未给出".into()),
            },
        };
        p.series = series[i].clone().unwrap_or_default();
        p.category = categories[i].clone().unwrap_or_default();
        points.push(p);
    }
    check_shares(csv, meta, &points)?;
    Ok(points)
}

/// A pie or donut shows parts of a whole: no slice is negative, and no share is over 100%.
/// `points` are in the CSV's row order.
fn check_shares(csv: &Path, meta: &FigureMeta, points: &[Point]) -> Result<()> {
    if !matches!(meta.kind(), ChartKind::Pie | ChartKind::Donut) {
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
            _ => format!("check the value it comes from ({})", p.provenance.note()),
        };
        return Err(InputError::new(csv, format!("`{}` in pie `{}` is {} ({what})", p.category, meta.id, crate::numfmt::number(v, 4)))
            .line(i + 2)
            .field("value")
            .hint(format!("{why}; {source}"))
            .into());
    }
    Ok(())
}

/// Adds a growth-rate series to a yearly bar_line figure.
fn add_growth(yaml: &Path, points: &mut Vec<Point>) -> Result<()> {
    let years: Vec<(i64, Option<f64>)> = points.iter().filter_map(|p| p.category.parse::<i64>().ok().map(|y| (y, p.value))).collect();
    if years.is_empty() {
        return Err(InputError::new(yaml, "a bar_line figure needs years as categories").field("chart").into());
    }
    for (year, rate) in yoy(&years)? {
        points.push(Point {
            series: "同比增长率（%）".into(),
            category: year.to_string(),
            value: rate,
            status: if rate.is_some() { Status::Derived } else { Status::Missing },
            qualifier: None,
            unit: Some("%".into()),
            provenance: if rate.is_some() {
                Told::computed("(当年值 − 上年值) ÷ 上年值 × 100", None)
            } else {
                Told::missing("上年或当年数值未知，无法计算".into())
            },
        });
    }
    Ok(())
}

/// Year-over-year growth in percent for a yearly series, by a self-join on year − 1, so
/// a missing year gives no growth rather than a growth over two years.
pub fn yoy(years: &[(i64, Option<f64>)]) -> Result<Vec<(i64, Option<f64>)>> {
    let year: Vec<i64> = years.iter().map(|(y, _)| *y).collect();
    let value: Vec<Option<f64>> = years.iter().map(|(_, v)| *v).collect();
    let df = DataFrame::new(year.len(), vec![Column::new("year".into(), year), Column::new("value".into(), value)])
        .map_err(|e| polars_error("yoy", Path::new("data/figures"), e))?;
    let prev = df.clone().lazy().select([(col("year") + lit(1)).alias("year"), col("value").alias("previous")]);
    let q = df
        .lazy()
        .join(prev, [col("year")], [col("year")], JoinArgs::new(JoinType::Left))
        .with_column(((col("value") - col("previous")) / col("previous") * lit(100.0)).alias("yoy"))
        .sort(["year"], SortMultipleOptions::default());
    let out = q.collect().map_err(|e| polars_error("yoy", Path::new("data/figures"), e))?;
    let years = out
        .column("year")
        .and_then(|c| c.i64().map(|s| s.iter().collect::<Vec<_>>()))
        .map_err(|e| polars_error("yoy", Path::new("data/figures"), e))?;
    let rates = super::floats(&out, "yoy");
    Ok(years.into_iter().zip(rates).map(|(y, r)| (y.unwrap_or(0), r.filter(|v| v.is_finite()))).collect())
}

/// A figure's caption for the edition: `{y}` is the edition's year, `{first}` and `{last}`
/// the first and last years the figure draws, so "{first}-{last} 年…" runs 2017-2024 in the
/// 2024 edition from the same definition.
pub fn caption(text: &str, data: &FigureData, edition: i32) -> String {
    let years: Vec<i32> = data.points.iter().filter_map(|p| p.category.parse().ok()).filter(|y| (1900..2200).contains(y)).collect();
    let (first, last) = (years.iter().min(), years.iter().max());
    let mut out = text.replace("{y}", &edition.to_string());
    if let (Some(first), Some(last)) = (first, last) {
        out = out.replace("{first}", &first.to_string()).replace("{last}", &last.to_string());
    }
    out
}

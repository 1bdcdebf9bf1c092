//! Figure series computed with Polars from the tables (a figure's `metric:`): counts by year,
//! by region, by kind. Scalar derived numbers live in `data/derived/*.yaml` (see
//! `derived.rs`); values are never rounded here, only when shown.

use std::path::Path;

use polars::prelude::*;

use super::{Frames, polars_error};
use crate::error::{InputError, Result};
use crate::model::{Point, Status};

/// What a metric is, for `vars` and for the provenance notes in the report.
#[derive(Debug, Clone, Copy)]
pub struct MetricDoc {
    pub name: &'static str,
    pub formula: &'static str,
    pub inputs: &'static [&'static str],
    pub unit: &'static str,
}

const PARKS: &str = "industry-parks";
const FUNDS: &str = "industry-funds";
const METAVERSE: &str = "metaverse-policies";

/// Standards counted per kind for 图 1-4: (table, printed kind).
const STANDARD_KINDS: &[(&str, &str)] = &[
    ("national-standard-plans", "国家标准计划"),
    ("national-standards", "国家标准"),
    ("industry-standards", "行业标准"),
    ("local-standards-2023", "地方标准"),
    ("group-standards", "团体标准"),
];

pub const METRIC_DOCS: &[MetricDoc] = &[
    MetricDoc {
        name: "metaverse_policies_by_province",
        formula: "附表 1 按发布地区所属省份计数",
        inputs: &[METAVERSE, "lookups/places.csv"],
        unit: "项",
    },
    MetricDoc {
        name: "standards_by_kind",
        formula: "表 1-5、表 1-4、表 1-7、表 1-6 与附表 2 的行数",
        inputs: &["national-standard-plans", "national-standards", "industry-standards", "local-standards-2023", "group-standards"],
        unit: "项",
    },
    MetricDoc {
        name: "funds_by_year",
        formula: "附表 3 按成立年份：基金数量，及已披露基金规模之和（未披露规模的基金不计入规模）",
        inputs: &[FUNDS],
        unit: "个 / 亿元",
    },
    MetricDoc { name: "parks_by_region_and_year", formula: "附表 4 按区域和成立年份计数", inputs: &[PARKS], unit: "家" },
    MetricDoc {
        name: "parks_by_region_and_lead",
        formula: "附表 4 按区域统计主导机构含“政府”“企业”“高校”的园区数（一个园区可计入多类）",
        inputs: &[PARKS],
        unit: "家",
    },
];

fn frame<'a>(frames: &'a Frames, id: &str) -> Result<&'a DataFrame> {
    frames.tables.get(id).ok_or_else(|| {
        InputError::new(Path::new("data/tables"), format!("a metric needs the table `{id}`, which is missing"))
            .hint(format!("add data/tables/{id}.csv and its YAML"))
            .into()
    })
}

fn run(df: LazyFrame, metric: &str, table: &str) -> Result<DataFrame> {
    let path = format!("data/tables/{table}.csv");
    df.collect().map_err(|e| polars_error(&format!("metric `{metric}`"), Path::new(&path), e))
}

fn col_f64(df: &DataFrame, name: &str) -> Vec<Option<f64>> {
    super::floats(df, name)
}

fn col_str(df: &DataFrame, name: &str) -> Vec<Option<String>> {
    super::strings(df, name)
}

fn standards_counts(frames: &Frames) -> Result<Vec<(&'static str, f64)>> {
    STANDARD_KINDS.iter().map(|(table, kind)| Ok((*kind, frame(frames, table)?.height() as f64))).collect()
}

fn year_expr(column: &str) -> Expr {
    (col(column) / lit(100)).alias("year")
}

/// Per founding year: number of funds and the sum of disclosed scales (亿元).
pub fn funds_by_year(frames: &Frames) -> Result<DataFrame> {
    let funds = frame(frames, FUNDS)?.clone().lazy();
    let q = funds
        .with_column(year_expr("founded"))
        .group_by([col("year")])
        .agg([
            len().cast(DataType::Float64).alias("count"),
            col("scale_yi").sum().alias("scale"),
            col("scale_yi").null_count().cast(DataType::Float64).alias("undisclosed"),
        ])
        .sort(["year"], SortMultipleOptions::default());
    run(q, "funds_by_year", FUNDS)
}

fn metaverse_by_province(frames: &Frames) -> Result<DataFrame> {
    let policies = frame(frames, METAVERSE)?;
    let places = frames.places.clone().lazy().select([col("place"), col("province")]);
    let joined = run(
        policies.clone().lazy().join(places, [col("region")], [col("place")], JoinArgs::new(JoinType::Left)),
        "metaverse_policies_by_province",
        METAVERSE,
    )?;
    let unknown: Vec<String> = col_str(&joined, "region")
        .into_iter()
        .zip(col_str(&joined, "province"))
        .filter(|(_, p)| p.is_none())
        .filter_map(|(r, _)| r)
        .collect();
    if let Some(place) = unknown.first() {
        return Err(InputError::new(Path::new("data/lookups/places.csv"), format!("place `{place}` (附表 1 发布地区) has no province"))
            .hint("add a row `place,province,region` for it to data/lookups/places.csv")
            .into());
    }
    let q = joined
        .lazy()
        .group_by([col("province")])
        .agg([len().cast(DataType::Float64).alias("count")])
        .sort_by_exprs([col("count"), col("province")], SortMultipleOptions::default().with_order_descending_multi([true, false]));
    run(q, "metaverse_policies_by_province", METAVERSE)
}

fn point(series: &str, category: String, value: Option<f64>, provenance: String) -> Point {
    Point { series: series.to_string(), category, value, status: Status::Derived, qualifier: None, unit: None, provenance }
}

/// The points of a figure computed from the tables by a named metric.
pub fn figure_points(name: &str, frames: &Frames) -> Result<Option<Vec<Point>>> {
    let points = match name {
        "metaverse_policies_by_province" => {
            let df = metaverse_by_province(frames)?;
            col_str(&df, "province")
                .into_iter()
                .zip(col_f64(&df, "count"))
                .map(|(p, n)| point("", p.unwrap_or_default(), n, "附表 1 按发布地区所属省份计数".into()))
                .collect()
        }
        "standards_by_kind" => standards_counts(frames)?
            .into_iter()
            .zip(STANDARD_KINDS)
            .map(|((kind, n), (table, _))| point("", kind.to_string(), Some(n), format!("{table} 的行数")))
            .collect(),
        "funds_by_year" => {
            let df = funds_by_year(frames)?;
            let years = col_f64(&df, "year");
            let (counts, scales, undisclosed) = (col_f64(&df, "count"), col_f64(&df, "scale"), col_f64(&df, "undisclosed"));
            let mut points = Vec::new();
            for i in 0..df.height() {
                let year = format!("{}", years[i].unwrap_or(0.0) as i64);
                let hidden = undisclosed[i].unwrap_or(0.0) as i64;
                let note = if hidden > 0 {
                    format!("附表 3 当年已披露规模之和（{hidden} 只基金未披露规模）")
                } else {
                    "附表 3 当年基金规模之和".to_string()
                };
                points.push(point("基金规模（亿元）", year.clone(), scales[i], note));
                points.push(point("基金数量（个）", year, counts[i], "附表 3 当年成立的基金数".into()));
            }
            points
        }
        "parks_by_region_and_year" => {
            let parks = frame(frames, PARKS)?.clone().lazy();
            let q = parks
                .with_column(year_expr("founded"))
                .group_by([col("region"), col("year")])
                .agg([len().cast(DataType::Float64).alias("count")])
                .sort(["year", "region"], SortMultipleOptions::default());
            let df = run(q, name, PARKS)?;
            let (regions, years, counts) = (col_str(&df, "region"), col_f64(&df, "year"), col_f64(&df, "count"));
            (0..df.height())
                .map(|i| Point {
                    series: regions[i].clone().unwrap_or_default(),
                    category: format!("{}", years[i].unwrap_or(0.0) as i64),
                    value: counts[i],
                    status: Status::Derived,
                    qualifier: None,
                    unit: None,
                    provenance: "附表 4 按区域和成立年份计数".into(),
                })
                .collect()
        }
        "parks_by_region_and_lead" => {
            let parks = frame(frames, PARKS)?.clone().lazy();
            let leads = ["政府", "企业", "高校"];
            let aggs: Vec<Expr> =
                leads.iter().map(|l| col("lead").str().contains_literal(lit(*l)).sum().cast(DataType::Float64).alias(*l)).collect();
            let df = run(parks.group_by([col("region")]).agg(aggs).sort(["region"], SortMultipleOptions::default()), name, PARKS)?;
            let regions = col_str(&df, "region");
            let mut points = Vec::new();
            for lead in leads {
                for (region, n) in regions.iter().zip(col_f64(&df, lead)) {
                    points.push(point(
                        &format!("{lead}主导或参与"),
                        region.clone().unwrap_or_default(),
                        n,
                        format!("附表 4 主导机构含“{lead}”的园区数"),
                    ));
                }
            }
            points
        }
        _ => return Ok(None),
    };
    Ok(Some(points))
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
    let rates = col_f64(&out, "yoy");
    Ok(years.into_iter().zip(rates).map(|(y, r)| (y.unwrap_or(0), r.filter(|v| v.is_finite()))).collect())
}

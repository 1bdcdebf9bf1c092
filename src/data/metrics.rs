//! Derived figures, computed with Polars from the tables: counts, totals, shares, growth,
//! CAGR, cumulative sums and rankings. Each metric has a name, a formula, inputs and a unit
//! ([`METRIC_DOCS`]); values are never rounded here, only when shown.

use std::path::Path;

use polars::prelude::*;

use super::{Frames, polars_error};
use crate::error::{InputError, Result};
use crate::model::{MetricValue, Point, Status};

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
    MetricDoc { name: "count_<table>", formula: "number of rows of the table", inputs: &["data/tables/<table>.csv"], unit: "项" },
    MetricDoc {
        name: "metaverse_policies_by_province",
        formula: "附表 1 按发布地区所属省份计数",
        inputs: &[METAVERSE, "lookups/places.csv"],
        unit: "项",
    },
    MetricDoc {
        name: "metaverse_policy_rank:<province>",
        formula: "dense rank of the province by policy count (1 = most; ties share a rank)",
        inputs: &[METAVERSE, "lookups/places.csv"],
        unit: "位",
    },
    MetricDoc {
        name: "standards_by_kind",
        formula: "表 1-5、表 1-4、表 1-7、表 1-6 与附表 2 的行数",
        inputs: &["national-standard-plans", "national-standards", "industry-standards", "local-standards-2023", "group-standards"],
        unit: "项",
    },
    MetricDoc {
        name: "standards_total",
        formula: "sum of standards_by_kind",
        inputs: &["national-standard-plans", "national-standards", "industry-standards", "local-standards-2023", "group-standards"],
        unit: "项",
    },
    MetricDoc {
        name: "funds_by_year",
        formula: "附表 3 按成立年份：基金数量，及已披露基金规模之和（未披露规模的基金不计入规模）",
        inputs: &[FUNDS],
        unit: "个 / 亿元",
    },
    MetricDoc { name: "funds_total", formula: "rows of 附表 3", inputs: &[FUNDS], unit: "个" },
    MetricDoc {
        name: "funds_scale_total",
        formula: "sum of disclosed scale_yi over 附表 3 (undisclosed funds count as nothing)",
        inputs: &[FUNDS],
        unit: "亿元",
    },
    MetricDoc { name: "funds_new_<year>", formula: "funds of 附表 3 founded in the year", inputs: &[FUNDS], unit: "个" },
    MetricDoc {
        name: "funds_scale_new_<year>",
        formula: "sum of disclosed scale_yi of the funds founded in the year",
        inputs: &[FUNDS],
        unit: "亿元",
    },
    MetricDoc { name: "parks_by_region_and_year", formula: "附表 4 按区域和成立年份计数", inputs: &[PARKS], unit: "家" },
    MetricDoc {
        name: "parks_by_region_and_lead",
        formula: "附表 4 按区域统计主导机构含“政府”“企业”“高校”的园区数（一个园区可计入多类）",
        inputs: &[PARKS],
        unit: "家",
    },
    MetricDoc { name: "parks_total", formula: "rows of 附表 4", inputs: &[PARKS], unit: "家" },
    MetricDoc { name: "parks_provinces / parks_cities", formula: "distinct 省份 / 城市 of 附表 4", inputs: &[PARKS], unit: "个" },
    MetricDoc { name: "parks_new_<year>", formula: "parks of 附表 4 founded in the year", inputs: &[PARKS], unit: "家" },
    MetricDoc {
        name: "parks_growth_<year>",
        formula: "parks_new_<year> / parks founded before the year × 100 (growth of the cumulative count)",
        inputs: &[PARKS],
        unit: "%",
    },
    MetricDoc {
        name: "parks_cagr_2019_<year>",
        formula: "((cumulative parks at end of year / cumulative at end of 2019)^(1 / (year − 2019)) − 1) × 100",
        inputs: &[PARKS],
        unit: "%",
    },
    MetricDoc { name: "parks_region_share:<region>", formula: "parks in the region / all parks × 100", inputs: &[PARKS], unit: "%" },
    MetricDoc {
        name: "parks_lead_share:<政府|企业|高校|政府和企业>",
        formula: "parks whose 主导机构 names the lead / all parks × 100",
        inputs: &[PARKS],
        unit: "%",
    },
    MetricDoc {
        name: "parks_city_rank:<city>",
        formula: "dense rank of the city by park count (1 = most; ties share a rank)",
        inputs: &[PARKS],
        unit: "位",
    },
    MetricDoc {
        name: "yoy",
        formula: "(value − value of the previous year) / value of the previous year × 100, by a join on year − 1",
        inputs: &["a yearly figure series"],
        unit: "%",
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

fn value(name: impl Into<String>, value: f64, formula: impl Into<String>, inputs: &[&str], unit: &str) -> MetricValue {
    MetricValue {
        name: name.into(),
        value,
        unit: unit.into(),
        formula: formula.into(),
        inputs: inputs.iter().map(|s| s.to_string()).collect(),
    }
}

fn col_f64(df: &DataFrame, name: &str) -> Vec<Option<f64>> {
    super::floats(df, name)
}

fn col_str(df: &DataFrame, name: &str) -> Vec<Option<String>> {
    super::strings(df, name)
}

/// Compound annual growth rate in percent: ((end / start)^(1 / years) − 1) × 100.
pub fn cagr(start: f64, end: f64, years: f64) -> Option<f64> {
    (start > 0.0 && end >= 0.0 && years > 0.0).then(|| ((end / start).powf(1.0 / years) - 1.0) * 100.0)
}

/// All scalar metrics, in a stable order.
pub fn scalars(frames: &Frames) -> Result<Vec<MetricValue>> {
    let mut out = Vec::new();
    for (id, df) in &frames.tables {
        out.push(value(format!("count_{}", id.replace('-', "_")), df.height() as f64, "number of rows of the table", &[id.as_str()], "项"));
    }
    // A project without some of the tables (a fixture, a smaller edition) simply has fewer
    // metrics; a template that uses a missing one fails with the variable's name.
    let has = |id: &str| frames.tables.contains_key(id);
    if STANDARD_KINDS.iter().all(|(t, _)| has(t)) {
        let total: f64 = standards_counts(frames)?.iter().map(|(_, n)| n).sum();
        out.push(value(
            "standards_total",
            total,
            "sum of standards_by_kind",
            &STANDARD_KINDS.iter().map(|(t, _)| *t).collect::<Vec<_>>(),
            "项",
        ));
    }
    if has(FUNDS) {
        out.extend(fund_scalars(frames)?);
    }
    if has(PARKS) {
        out.extend(park_scalars(frames)?);
    }
    if has(METAVERSE) {
        for (province, rank) in ranked(&metaverse_by_province(frames)?, "province", "count")? {
            out.push(value(format!("metaverse_policy_rank:{province}"), rank, "dense rank by count of 附表 1 rows", &[METAVERSE], "位"));
        }
    }
    Ok(out)
}

fn standards_counts(frames: &Frames) -> Result<Vec<(&'static str, f64)>> {
    STANDARD_KINDS.iter().map(|(table, kind)| Ok((*kind, frame(frames, table)?.height() as f64))).collect()
}

fn year_expr(column: &str) -> Expr {
    (col(column) / lit(100)).alias("year")
}

fn fund_scalars(frames: &Frames) -> Result<Vec<MetricValue>> {
    let funds = frame(frames, FUNDS)?;
    let totals = run(
        funds.clone().lazy().select([len().cast(DataType::Float64).alias("n"), col("scale_yi").sum().alias("scale")]),
        "funds_total",
        FUNDS,
    )?;
    let mut out = vec![
        value("funds_total", col_f64(&totals, "n")[0].unwrap_or(0.0), "rows of 附表 3", &[FUNDS], "个"),
        value("funds_scale_total", col_f64(&totals, "scale")[0].unwrap_or(0.0), "sum of disclosed scale_yi over 附表 3", &[FUNDS], "亿元"),
    ];
    let by_year = funds_by_year(frames)?;
    let years = col_f64(&by_year, "year");
    let counts = col_f64(&by_year, "count");
    let scales = col_f64(&by_year, "scale");
    for i in 0..by_year.height() {
        let year = years[i].unwrap_or(0.0) as i64;
        out.push(value(
            format!("funds_new_{year}"),
            counts[i].unwrap_or(0.0),
            format!("funds of 附表 3 founded in {year}"),
            &[FUNDS],
            "个",
        ));
        out.push(value(
            format!("funds_scale_new_{year}"),
            scales[i].unwrap_or(0.0),
            format!("sum of disclosed scale_yi of funds founded in {year}"),
            &[FUNDS],
            "亿元",
        ));
    }
    Ok(out)
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

fn park_scalars(frames: &Frames) -> Result<Vec<MetricValue>> {
    let parks = frame(frames, PARKS)?.clone().lazy();
    let mut out = Vec::new();
    let summary = run(
        parks.clone().select([
            len().cast(DataType::Float64).alias("total"),
            col("province").n_unique().cast(DataType::Float64).alias("provinces"),
            col("city").n_unique().cast(DataType::Float64).alias("cities"),
            col("lead").str().contains_literal(lit("政府")).sum().cast(DataType::Float64).alias("gov"),
            col("lead").str().contains_literal(lit("企业")).sum().cast(DataType::Float64).alias("ent"),
            col("lead").str().contains_literal(lit("高校")).sum().cast(DataType::Float64).alias("uni"),
            (col("lead").str().contains_literal(lit("政府")).and(col("lead").str().contains_literal(lit("企业"))))
                .sum()
                .cast(DataType::Float64)
                .alias("both"),
        ]),
        "parks_total",
        PARKS,
    )?;
    let get = |name: &str| col_f64(&summary, name)[0].unwrap_or(0.0);
    let total = get("total");
    out.push(value("parks_total", total, "rows of 附表 4", &[PARKS], "家"));
    out.push(value("parks_provinces", get("provinces"), "distinct 省份 of 附表 4", &[PARKS], "个"));
    out.push(value("parks_cities", get("cities"), "distinct 城市 of 附表 4", &[PARKS], "个"));
    for (key, label) in [("gov", "政府"), ("ent", "企业"), ("uni", "高校"), ("both", "政府和企业")] {
        out.push(value(
            format!("parks_lead_share:{label}"),
            get(key) / total * 100.0,
            format!("parks whose 主导机构 names {label} / all parks × 100"),
            &[PARKS],
            "%",
        ));
    }

    // Cumulative count per year, growth of the cumulative count, CAGR since 2019.
    let per_year = run(
        parks
            .clone()
            .with_column(year_expr("founded"))
            .group_by([col("year")])
            .agg([len().cast(DataType::Float64).alias("new")])
            .sort(["year"], SortMultipleOptions::default())
            .with_column(col("new").cum_sum(false).alias("cumulative")),
        "parks_new",
        PARKS,
    )?;
    let years = col_f64(&per_year, "year");
    let new = col_f64(&per_year, "new");
    let cumulative = col_f64(&per_year, "cumulative");
    let mut cum_2019 = None;
    for i in 0..per_year.height() {
        let year = years[i].unwrap_or(0.0) as i64;
        let (n, cum) = (new[i].unwrap_or(0.0), cumulative[i].unwrap_or(0.0));
        out.push(value(format!("parks_new_{year}"), n, format!("parks of 附表 4 founded in {year}"), &[PARKS], "家"));
        if cum > n {
            out.push(value(
                format!("parks_growth_{year}"),
                n / (cum - n) * 100.0,
                format!("parks founded in {year} / parks founded before {year} × 100"),
                &[PARKS],
                "%",
            ));
        }
        if year == 2019 {
            cum_2019 = Some(cum);
        }
        if let (Some(start), true) = (cum_2019, year > 2019)
            && let Some(rate) = cagr(start, cum, (year - 2019) as f64)
        {
            out.push(value(
                format!("parks_cagr_2019_{year}"),
                rate,
                "((cumulative parks at end of year / at end of 2019)^(1 / years) − 1) × 100",
                &[PARKS],
                "%",
            ));
        }
    }

    let by_region = run(
        parks
            .clone()
            .group_by([col("region")])
            .agg([len().cast(DataType::Float64).alias("count")])
            .sort(["region"], SortMultipleOptions::default()),
        "parks_region_share",
        PARKS,
    )?;
    for (region, count) in col_str(&by_region, "region").into_iter().zip(col_f64(&by_region, "count")) {
        let (region, count) = (region.unwrap_or_default(), count.unwrap_or(0.0));
        out.push(value(format!("parks_region_count:{region}"), count, format!("parks of 附表 4 in {region}"), &[PARKS], "家"));
        out.push(value(
            format!("parks_region_share:{region}"),
            count / total * 100.0,
            format!("parks in {region} / all parks × 100"),
            &[PARKS],
            "%",
        ));
    }

    let by_city = run(parks.group_by([col("city")]).agg([len().cast(DataType::Float64).alias("count")]), "parks_city_rank", PARKS)?;
    for (city, rank) in ranked(&by_city, "city", "count")? {
        out.push(value(format!("parks_city_rank:{city}"), rank, "dense rank of the city by park count", &[PARKS], "位"));
    }
    Ok(out)
}

/// Dense ranks (1 = largest; ties share a rank), ordered by rank then name.
fn ranked(df: &DataFrame, name: &str, count: &str) -> Result<Vec<(String, f64)>> {
    let q = df
        .clone()
        .lazy()
        .with_column(
            col(count).rank(RankOptions { method: RankMethod::Dense, descending: true }, None).cast(DataType::Float64).alias("rank"),
        )
        .sort_by_exprs([col("rank"), col(name)], SortMultipleOptions::default());
    let out = run(q, "rank", name)?;
    Ok(col_str(&out, name).into_iter().zip(col_f64(&out, "rank")).map(|(n, r)| (n.unwrap_or_default(), r.unwrap_or(0.0))).collect())
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

//! Marks that carry their data: every bar, slice, point or card of a chart is an SVG group
//! `<g data-mark="N">` whose N indexes [`Chart::marks`](super::Chart::marks), built from the
//! figure's points (never read back from the SVG), and the 数据表 of exactly the values
//! drawn. The page script and the table toggle read these; the drawings only tag groups.

use plotters::prelude::*;
use serde::Serialize;

use crate::catalog::{ChartKind, FigureMeta};
use crate::model::{FigureData, Point, Status};
use crate::numfmt;

/// What a reader is told about one mark: the point it draws, as the chart shows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Mark {
    /// The category and, when the chart has several series, the series: `2023 年 · 基金规模`.
    pub label: String,
    pub series: String,
    pub category: String,
    /// The value as the chart prints it (`约450`, `33`), or `未披露`.
    pub value: String,
    /// The value unrounded, for scripts; none when the report gives none.
    pub number: Option<f64>,
    pub unit: String,
    pub status: Status,
    /// One line a reader can check (the point's provenance).
    pub provenance: String,
}

/// The 数据表: the chart's values as a table, one row per category, one value column per
/// series; each cell names the mark it shows.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChartTable {
    pub columns: Vec<String>,
    pub rows: Vec<Vec<TableCell>>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TableCell {
    pub text: String,
    /// The mark this cell shows (an index into the chart's marks), for value cells.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mark: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<Status>,
}

/// Shown for a value the report does not give.
pub const MISSING: &str = "未披露";

/// Words the marks and the table use besides the data, for the glyph check.
pub const FIXED_TEXT: &str = "项目数值单位来源报告原文派生值外部未披露 ·";

/// How a reader is told a status, in the table and the popovers.
pub fn status_word(s: Status) -> &'static str {
    match s {
        Status::Stated => "报告原文",
        Status::Derived => "派生值",
        Status::External => "外部来源",
        Status::Missing => MISSING,
    }
}

/// The one series drawn as a line on a second axis, if the chart has one.
pub fn line_series<'a>(meta: &FigureMeta, data: &'a FigureData) -> Option<&'a str> {
    let series = series(data);
    (meta.kind() == ChartKind::BarLine && series.len() > 1).then(|| *series.last().expect("two series"))
}

/// The series in order of first appearance.
pub fn series(data: &FigureData) -> Vec<&str> {
    let mut out: Vec<&str> = Vec::new();
    for p in &data.points {
        if !out.contains(&p.series.as_str()) {
            out.push(&p.series);
        }
    }
    out
}

/// A point's value as the chart prints it: with its qualifier, 2 decimals (1 on a line).
pub fn value_text(meta: &FigureMeta, data: &FigureData, p: &Point) -> String {
    let digits = if line_series(meta, data) == Some(p.series.as_str()) { 1 } else { 2 };
    match p.value {
        Some(v) => format!("{}{}", p.qualifier.as_deref().unwrap_or(""), numfmt::number(v, digits)),
        None => MISSING.to_string(),
    }
}

pub fn unit(data: &FigureData, p: &Point) -> String {
    p.unit.clone().filter(|u| !u.is_empty()).or_else(|| data.unit.clone()).unwrap_or_default()
}

/// One mark per point, in the points' order.
pub fn marks(meta: &FigureMeta, data: &FigureData) -> Vec<Mark> {
    let several = series(data).len() > 1;
    data.points
        .iter()
        .map(|p| Mark {
            label: if several && !p.series.is_empty() { format!("{} · {}", p.category, p.series) } else { p.category.clone() },
            series: p.series.clone(),
            category: p.category.clone(),
            value: value_text(meta, data, p),
            number: p.value,
            unit: unit(data, p),
            status: p.status,
            provenance: p.provenance.sentence(),
        })
        .collect()
}

/// The 数据表 of what the chart draws: its points, or the keywords or layers of the two
/// figures that are not charts of numbers.
pub fn table(meta: &FigureMeta, data: &FigureData) -> ChartTable {
    let text = |s: &str| TableCell { text: s.to_string(), mark: None, status: None };
    if !meta.keywords.is_empty() {
        return ChartTable { columns: vec!["关键词".into()], rows: meta.keywords.iter().map(|k| vec![text(k)]).collect() };
    }
    let value = |i: usize| {
        let p = &data.points[i];
        TableCell { text: value_text(meta, data, p), mark: Some(i), status: Some(p.status) }
    };
    if !meta.layers.is_empty() {
        let rows = meta
            .layers
            .iter()
            .map(|l| {
                let share = data.points.iter().position(|p| p.category == l.name).map(value).unwrap_or_else(|| text(""));
                vec![text(&l.name), share, text(&l.items.join("、"))]
            })
            .collect();
        return ChartTable {
            columns: vec!["层级".into(), format!("企业占比（{}）", data.unit.as_deref().unwrap_or("%")), "组成".into()],
            rows,
        };
    }
    let series = series(data);
    let unit_of = |s: &str| {
        let units: Vec<String> = data.points.iter().filter(|p| p.series == s).map(|p| unit(data, p)).collect();
        units.first().filter(|u| !u.is_empty() && units.iter().all(|x| x == *u)).cloned()
    };
    let head = |name: &str, s: &str| match unit_of(s) {
        Some(u) => format!("{name}（{u}）"),
        None => name.to_string(),
    };
    if series.len() <= 1 {
        let s = series.first().copied().unwrap_or("");
        let columns = vec!["项目".into(), head(if s.is_empty() { "数值" } else { s }, s), "来源".into()];
        let rows = (0..data.points.len())
            .map(|i| {
                let p = &data.points[i];
                let unit = unit(data, p);
                let mut v = value(i);
                if unit_of(s).is_none() && p.value.is_some() {
                    v.text.push_str(&unit);
                }
                vec![text(&p.category), v, text(status_word(p.status))]
            })
            .collect();
        return ChartTable { columns, rows };
    }
    let mut categories: Vec<&str> = Vec::new();
    for p in &data.points {
        if !categories.contains(&p.category.as_str()) {
            categories.push(&p.category);
        }
    }
    let mut columns = vec!["项目".to_string()];
    columns.extend(series.iter().map(|s| head(s, s)));
    let rows = categories
        .iter()
        .map(|c| {
            let mut row = vec![text(c)];
            row.extend(
                series
                    .iter()
                    .map(|s| data.points.iter().position(|p| p.category == *c && p.series == *s).map(value).unwrap_or_else(|| text(""))),
            );
            row
        })
        .collect();
    ChartTable { columns, rows }
}

/// The chart's marks as JSON for the page script (the 数据表 is in the page as a table):
/// deterministic bytes (fields in declaration order, marks in the points' order) and safe
/// inside `<script>` (no `<`). Each mark carries the word for its status, so the script
/// says it as the table does.
pub fn to_json(id: &str, marks: &[Mark]) -> String {
    #[derive(Serialize)]
    struct Shown<'a> {
        label: &'a str,
        value: &'a str,
        unit: &'a str,
        status: Status,
        word: &'static str,
        provenance: &'a str,
    }
    #[derive(Serialize)]
    struct Out<'a> {
        id: &'a str,
        marks: Vec<Shown<'a>>,
    }
    let marks = marks
        .iter()
        .map(|m| {
            let status = if m.number.is_some() { m.status } else { Status::Missing };
            let word = status_word(status);
            // The popover says the kind once: a provenance that opens with it loses it.
            let provenance = m.provenance.strip_prefix(word).map_or(m.provenance.as_str(), |rest| rest.trim_start_matches('：'));
            Shown { label: &m.label, value: &m.value, unit: if m.number.is_some() { &m.unit } else { "" }, status, word, provenance }
        })
        .collect();
    serde_json::to_string(&Out { id, marks }).unwrap_or_default().replace('<', "\\u003c")
}

/// Opening and closing sentinels drawn through plotters (which cannot write groups): a
/// 0×0 rectangle at the origin whose colour encodes the mark, replaced by [`tag`].
const OPEN: u8 = 0xFE;
const CLOSE: u8 = 0xFD;

/// Draws `draw`'s elements inside the group of mark `index`.
pub fn group<DB: DrawingBackend>(
    area: &DrawingArea<DB, plotters::coord::Shift>,
    index: usize,
    draw: impl FnOnce() -> Result<(), String>,
) -> Result<(), String> {
    let sentinel = |c: RGBColor| area.draw(&Rectangle::new([(0, 0), (0, 0)], c.filled())).map_err(|e| e.to_string());
    sentinel(RGBColor(OPEN, (index >> 8) as u8, index as u8))?;
    draw()?;
    sentinel(RGBColor(CLOSE, 0, 0))
}

/// Turns the sentinels into groups: `<g id="{prefix}N" data-mark="N">` for a mark's first
/// group (its id is unique in a page that inlines both drawings when the prefixes differ),
/// `<g data-mark="N">` for a second one (a pie's legend row).
pub fn tag(svg: &str, prefix: &str) -> String {
    let mut out = String::with_capacity(svg.len() + 1024);
    let mut seen = std::collections::BTreeSet::new();
    for line in svg.split_inclusive('\n') {
        match sentinel(line.trim_end()) {
            Some((OPEN, index)) if seen.insert(index) => out.push_str(&format!("<g id=\"{prefix}{index}\" data-mark=\"{index}\">\n")),
            Some((OPEN, index)) => out.push_str(&format!("<g data-mark=\"{index}\">\n")),
            Some(_) => out.push_str("</g>\n"),
            None => out.push_str(line),
        }
    }
    out
}

fn sentinel(line: &str) -> Option<(u8, usize)> {
    let hex =
        line.strip_prefix("<rect x=\"0\" y=\"0\" width=\"0\" height=\"0\" opacity=\"1\" fill=\"#")?.strip_suffix("\" stroke=\"none\"/>")?;
    let v = u32::from_str_radix(hex, 16).ok().filter(|_| hex.len() == 6)?;
    let kind = (v >> 16) as u8;
    [OPEN, CLOSE].contains(&kind).then_some((kind, (v & 0xFFFF) as usize))
}

/// The index of a point of `data` (its mark), found by identity.
pub fn index(data: &FigureData, p: &Point) -> usize {
    data.points.iter().position(|q| std::ptr::eq(q, p)).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sentinels_become_groups_with_an_id_on_each_marks_first_group_only() {
        let open =
            |i: usize| format!("<rect x=\"0\" y=\"0\" width=\"0\" height=\"0\" opacity=\"1\" fill=\"#FE{:04X}\" stroke=\"none\"/>\n", i);
        let close = "<rect x=\"0\" y=\"0\" width=\"0\" height=\"0\" opacity=\"1\" fill=\"#FD0000\" stroke=\"none\"/>\n";
        let bar = "<rect x=\"0\" y=\"0\" width=\"0\" height=\"0\" opacity=\"1\" fill=\"#1F5FA8\" stroke=\"none\"/>\n";
        let svg = format!("<svg>\n{}{bar}{close}{}{bar}{close}{}{bar}{close}</svg>\n", open(300), open(2), open(300));
        assert_eq!(
            tag(&svg, "c-m"),
            format!(
                "<svg>\n<g id=\"c-m300\" data-mark=\"300\">\n{bar}</g>\n<g id=\"c-m2\" data-mark=\"2\">\n{bar}</g>\n<g data-mark=\"300\">\n{bar}</g>\n</svg>\n"
            )
        );
    }

    #[test]
    fn the_table_has_a_row_per_category_and_a_column_per_series() {
        let point = |series: &str, category: &str, value: Option<f64>| Point {
            series: series.into(),
            category: category.into(),
            value,
            status: if value.is_some() { Status::Stated } else { Status::Missing },
            qualifier: None,
            unit: None,
            provenance: Default::default(),
        };
        let data = FigureData {
            id: "f".into(),
            unit: Some("家".into()),
            points: vec![point("甲", "2022", Some(1.0)), point("乙", "2022", None), point("甲", "2023", Some(2.5))],
        };
        let meta: FigureMeta =
            serde_yaml::from_str("{id: f, printed_number: 图 1, caption: c, chapter: 1, section: s, chart: grouped_bar}").unwrap();
        let t = table(&meta, &data);
        assert_eq!(t.columns, ["项目", "甲（家）", "乙（家）"]);
        let texts: Vec<Vec<&str>> = t.rows.iter().map(|r| r.iter().map(|c| c.text.as_str()).collect()).collect();
        assert_eq!(texts, [vec!["2022", "1", "未披露"], vec!["2023", "2.5", ""]]);
        assert_eq!(t.rows[1][1].mark, Some(2));
        assert_eq!(marks(&meta, &data)[1].label, "2022 · 乙");
    }
}

//! Placing tables and figures: `table(id=…)`, `figure(id=…)`, `ref(id=…)`. Each placement
//! makes the typed node (labelled by chapter and order) and gives the partial its token;
//! a first render pass records where everything is placed, so that a reference may come
//! before its figure and a missing placement is an error at the `ref` that needs it.

use std::collections::BTreeMap;

use tera::{Kwargs, State, Tera};

use super::Shared;
use crate::catalog::{Catalog, ColumnSpec, ColumnType, DateFormat, FigureMeta, TableMeta};
use crate::charts::Chart;
use crate::document::build::{Placed, PlacedBlock, Token};
use crate::document::resolve::next_label;
use crate::document::{Chapter, Figure, LabelKind, SourceNote, Table};
use crate::model::{Cell, Facts, Table as DataTable};
use crate::numfmt;

fn month_text(y: i32, m: u32, format: DateFormat) -> String {
    match format {
        DateFormat::Dot2 => format!("{y}.{m:02}"),
        DateFormat::Cjk => format!("{y}年{m}月"),
        DateFormat::CjkSpaced => format!("{y} 年 {m} 月"),
        DateFormat::Dot => format!("{y}.{m}"),
    }
}

pub fn cell_text(cell: &Cell, spec: &ColumnSpec) -> String {
    match cell {
        Cell::Missing => String::new(),
        Cell::Text(s) => s.clone(),
        Cell::Integer(n) => n.to_string(),
        Cell::Number(v) => match &spec.unit {
            Some(u) if spec.kind == ColumnType::Number => format!("{} {u}", numfmt::number(*v, 4)),
            _ => numfmt::number(*v, 4),
        },
        Cell::Month(y, m) => month_text(*y, *m, spec.format.unwrap_or_default()),
        Cell::Date(y, m, d) => match spec.format.unwrap_or_default() {
            DateFormat::Dot2 => format!("{y}.{m:02}.{d:02}"),
            _ => format!("{y}.{m}.{d}"),
        },
    }
}

/// A table's printed header and cells as plain text. Adjacent columns with the same printed
/// title (a number and its note, such as 基金规模) are printed as one column, as in the
/// document.
pub fn table_cells(meta: &TableMeta, table: &DataTable) -> (Vec<String>, Vec<Vec<String>>) {
    let mut groups: Vec<(String, Vec<usize>)> = Vec::new();
    for (i, spec) in meta.columns.iter().enumerate() {
        match groups.last_mut() {
            Some((title, cols)) if *title == spec.title => cols.push(i),
            _ => groups.push((spec.title.clone(), vec![i])),
        }
    }
    // A grouping column with printed subtotals (附表 4: 华东地区(25)) is printed as the
    // document prints a merged cell: once, on the group's first row, with its row count.
    let grouped = meta.group_totals.as_ref().and_then(|g| meta.columns.iter().position(|c| c.name == g.column));
    let rows = table
        .rows
        .iter()
        .enumerate()
        .map(|(r, row)| {
            groups
                .iter()
                .map(|(_, cols)| {
                    let parts: Vec<String> = cols
                        .iter()
                        .map(|&i| {
                            let text = cell_text(&row[i], &meta.columns[i]);
                            if Some(i) != grouped {
                                return text;
                            }
                            if r > 0 && table.rows[r - 1][i] == row[i] {
                                return String::new();
                            }
                            let n = table.rows.iter().filter(|other| other[i] == row[i]).count();
                            format!("{text}({n})")
                        })
                        .filter(|s| !s.is_empty())
                        .collect();
                    parts.join(" ")
                })
                .collect()
        })
        .collect();
    (groups.into_iter().map(|(title, _)| title).collect(), rows)
}

/// What `table(id=…)` and `figure(id=…)` can place, by id: nodes without their labels.
pub struct Placeable {
    pub tables: BTreeMap<String, Table>,
    pub figures: BTreeMap<String, Figure>,
}

/// Builds the tables and figures the templates can place.
pub fn placeable(catalog: &Catalog, facts: &Facts, charts: &[Chart]) -> Placeable {
    let unlabelled = |kind| crate::document::Label { kind, chapter: Chapter::Numbered(0), n: 0 };
    let tables = catalog
        .tables
        .iter()
        .filter_map(|(_, m)| {
            let table = facts.table(&m.id)?;
            let (header, rows) = table_cells(m, table);
            let t = Table {
                id: m.id.clone(),
                anchor: format!("tab-{}", m.id),
                label: unlabelled(LabelKind::Table),
                caption: m.title.clone(),
                header,
                rows,
                source: m.source_note.clone().filter(|s| !s.is_empty()).map(|text| SourceNote { label: "数据来源".into(), text }),
                notes: Vec::new(),
                csv: format!("data/tables/{}.csv", m.id),
            };
            Some((m.id.clone(), t))
        })
        .collect();
    let figures = catalog
        .figures
        .iter()
        .filter_map(|(_, m): &(_, FigureMeta)| {
            let chart = charts.iter().find(|c| c.id == m.id)?;
            let f = Figure {
                id: m.id.clone(),
                anchor: format!("fig-{}", m.id),
                label: unlabelled(LabelKind::Figure),
                caption: m.caption.clone(),
                alt: chart.alt.clone(),
                source: m.source_note.clone().filter(|s| !s.is_empty()).map(|text| SourceNote { label: m.source_label.clone(), text }),
                notes: facts.figure(&m.id).map(|d| provenance_notes(m, d)).unwrap_or_default(),
            };
            Some((m.id.clone(), f))
        })
        .collect();
    Placeable { tables, figures }
}

/// The notes under a figure, from its data: how each derived value is computed, where each
/// external value comes from, which values the report does not give. (The curators' notes in
/// the figure's YAML document the data; they are not printed.)
fn provenance_notes(meta: &FigureMeta, data: &crate::model::FigureData) -> Vec<String> {
    use crate::model::Status;
    let name = |p: &crate::model::Point| if p.series.is_empty() { p.category.clone() } else { format!("{} {}", p.series, p.category) };
    let mut notes = Vec::new();
    if !meta.series.is_empty() {
        let how: Vec<String> = meta.series.iter().map(|d| d.explain.clone().unwrap_or_else(|| d.formula.clone())).collect();
        notes.push(format!("图中数值均为由报告数据表计算的派生值：{}。", how.join("；")));
    } else {
        for p in data.points.iter().filter(|p| p.status == Status::Derived && p.value.is_some() && !p.series.contains("增长率")) {
            notes.push(format!("{}：{}。", name(p), p.provenance.note()));
        }
        if data.points.iter().any(|p| p.series.contains("增长率") && p.status == Status::Derived) {
            notes.push("同比增长率为派生值：(当年值 − 上年值) ÷ 上年值 × 100，仅在两年数值均已知时计算。".into());
        }
    }
    for p in data.points.iter().filter(|p| p.status == Status::External) {
        notes.push(format!("{}：{}。", name(p), p.provenance.note()));
    }
    let missing: Vec<String> =
        data.points.iter().filter(|p| p.status == Status::Missing && !p.series.contains("增长率")).map(name).collect();
    if !missing.is_empty() {
        notes.push(format!("报告未给出数值：{}。", missing.join("、")));
    }
    notes
}

/// Where each table and figure was placed in the first pass (for `ref` in the second).
#[derive(Default)]
pub struct Passes {
    pub second: bool,
    pub first_pass: Vec<String>,
}

fn unknown<T>(kind: &str, id: &str, known: &BTreeMap<String, T>) -> tera::Error {
    let hint = match crate::data::nearest(id, known.keys().map(String::as_str)) {
        Some(n) => format!("did you mean `{n}`?"),
        None => format!("known ids: {}", known.keys().cloned().collect::<Vec<_>>().join(", ")),
    };
    tera::Error::message(format!("unknown {kind} `{id}` (no data/{kind}s/{id}.yaml); {hint}"))
}

fn chapter_of(state: &State) -> tera::TeraResult<Chapter> {
    let Some(v) = state.get::<tera::Value>("chapter")? else {
        return Err(tera::Error::message(
            "a table or figure is placed outside a chapter: start the chapter template with {% set chapter = N %}",
        ));
    };
    match (v.as_i64(), v.as_str()) {
        (Some(n), _) if n > 0 => Ok(Chapter::Numbered(n as u32)),
        (_, Some("appendix")) => Ok(Chapter::Appendix),
        _ => Err(tera::Error::message(format!("`chapter` is `{v}`: a chapter is a number from 1, or \"appendix\""))),
    }
}

fn lock<T>(m: &Shared<T>) -> tera::TeraResult<std::sync::MutexGuard<'_, T>> {
    m.lock().map_err(|_| tera::Error::message("placement lock poisoned"))
}

/// `table(id=…)`, `figure(id=…)` and `ref(id=…)`.
pub fn register(tera: &mut Tera, placeable: Placeable, placed: &Shared<Placed>, passes: &Shared<Passes>) {
    let placeable = std::sync::Arc::new(placeable);
    for kind in [LabelKind::Table, LabelKind::Figure] {
        let (p, placed, passes) = (placeable.clone(), placed.clone(), passes.clone());
        let name = if kind == LabelKind::Table { "table" } else { "figure" };
        tera.register_function(name, move |kwargs: Kwargs, state: &State| -> tera::TeraResult<tera::Value> {
            let id: String = kwargs.must_get("id")?;
            let known = match kind {
                LabelKind::Table => p.tables.contains_key(&id),
                LabelKind::Figure => p.figures.contains_key(&id),
            };
            if !known {
                return Err(match kind {
                    LabelKind::Table => unknown("table", &id, &p.tables),
                    LabelKind::Figure => unknown("figure", &id, &p.figures),
                });
            }
            let chapter = chapter_of(state)?;
            let mut placed = lock(&placed)?;
            if placed.blocks.iter().any(|b| b.id() == id) {
                return Err(tera::Error::message(format!("`{id}` is placed twice; place it once and use ref(id=\"{id}\") elsewhere")));
            }
            let label = next_label(&placed, kind, chapter);
            let (block, caption, anchor) = match kind {
                LabelKind::Table => {
                    let t = Table { label, ..p.tables[&id].clone() };
                    let (c, a) = (t.caption.clone(), t.anchor.clone());
                    (PlacedBlock::Table(t), c, a)
                }
                LabelKind::Figure => {
                    let f = Figure { label, ..p.figures[&id].clone() };
                    let (c, a) = (f.caption.clone(), f.anchor.clone());
                    (PlacedBlock::Figure(f), c, a)
                }
            };
            placed.blocks.push(block);
            let mut passes = lock(&passes)?;
            if !passes.second {
                passes.first_pass.push(id.clone());
            }
            let node = Token::Place(placed.blocks.len() - 1).text();
            Ok(tera::Value::from_serializable(&serde_json::json!({
                "node": node, "id": id, "anchor": anchor, "number": label.to_string(), "title": caption, "caption": caption,
            })))
        });
    }
    let (p, placed, passes) = (placeable, placed.clone(), passes.clone());
    tera.register_function("ref", move |kwargs: Kwargs, _: &State| -> tera::TeraResult<String> {
        let id: String = kwargs.must_get("id")?;
        if !p.tables.contains_key(&id) && !p.figures.contains_key(&id) {
            let all: BTreeMap<String, ()> = p.tables.keys().chain(p.figures.keys()).map(|k| (k.clone(), ())).collect();
            return Err(unknown("table or figure", &id, &all));
        }
        if !lock(&passes)?.second {
            return Ok(String::new());
        }
        if !lock(&passes)?.first_pass.contains(&id) {
            return Err(tera::Error::message(format!("`{id}` is referenced but never placed with table(id=…) or figure(id=…)")));
        }
        let mut placed = lock(&placed)?;
        placed.refs.push(id);
        Ok(Token::Ref(placed.refs.len() - 1).text())
    });
}

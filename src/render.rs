//! Assembles the report from tera templates: Markdown first, then HTML from that Markdown
//! (pulldown-cmark) inside the page layout. Templates see only plain values; numbers are
//! shown through filters that round 四舍五入 at display.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Serialize;
use tera::{Context, Kwargs, State, Tera};

use crate::audit::Shown;
use crate::catalog::{Catalog, ColumnSpec, ColumnType, FigureMeta, TableMeta};
use crate::charts::Chart;
use crate::config::Config;
use crate::error::{Error, Result};
use crate::model::{Cell, Facts, Table};
use crate::numfmt;

/// Where an edition's templates are: its own wording (`editions/<year>/templates/`: report.md,
/// chapters) over the series' page designs and partials (`templates/`). A name is looked up in
/// the wording first, so an edition may also override a design.
#[derive(Debug, Clone)]
pub struct TemplateDirs {
    pub wording: std::path::PathBuf,
    pub designs: std::path::PathBuf,
}

impl TemplateDirs {
    /// One directory holding everything (the property tests' mutated templates).
    pub fn single(dir: &Path) -> TemplateDirs {
        TemplateDirs { wording: dir.to_path_buf(), designs: dir.to_path_buf() }
    }
    /// The file a template name stands for.
    pub fn path(&self, name: &str) -> std::path::PathBuf {
        let own = self.wording.join(name);
        if own.exists() || !self.designs.join(name).exists() { own } else { self.designs.join(name) }
    }
}

pub struct Rendered {
    pub markdown: String,
    pub html: String,
    /// The number each placed table and figure got (表 1-1, 图 2-3), by id.
    pub numbers: BTreeMap<String, String>,
    /// The name of every number printed in the prose, once per occurrence.
    pub used: Vec<String>,
}

/// A number the templates can use, with its provenance, as `vars` lists it.
#[derive(Debug, Clone, Serialize)]
pub struct Var {
    /// What this edition prints (the computed value, or the published one for a reviewed
    /// contradiction kept as published).
    pub value: f64,
    pub unit: String,
    pub qualifier: String,
    /// primary / derived
    pub kind: String,
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
/// this edition prints for it.
pub fn variables(facts: &Facts, shown: &BTreeMap<String, Shown>) -> BTreeMap<String, Var> {
    facts
        .numbers
        .iter()
        .map(|n| {
            let show = shown.get(&n.name);
            let value = show.map_or(n.value, |s| s.value);
            let as_published = show.is_some_and(|s| s.as_published);
            let printed = n.printed.as_ref().map(|p| format!("{}{}", p.qualifier.as_deref().unwrap_or(""), numfmt::number(p.value, 4)));
            let provenance = match (&n.formula, &n.printed) {
                (None, Some(p)) => format!("报告原文（{}）：{}", p.location, p.quote),
                (Some(f), _) => {
                    let mut text = String::from("计算值");
                    if let Some(e) = &n.explain {
                        text.push_str(&format!("（{e}）"));
                    }
                    let worked = n.worked.as_deref().unwrap_or(f);
                    text.push_str(&format!("：{worked} = {}", numfmt::number(n.value, 4)));
                    if worked != f {
                        text.push_str(&format!("。公式：{f}"));
                    }
                    let tables: Vec<&str> = n.inputs.iter().filter(|i| i.starts_with("data/")).map(String::as_str).collect();
                    if !tables.is_empty() {
                        text.push_str(&format!("。数据：{}", tables.join("、")));
                    }
                    if as_published && let Some(p) = &n.printed {
                        text.push_str(&format!("。此处按原文印作 {}，与计算值不符（见 audit.md）", numfmt::number(p.value, 4)));
                    }
                    text
                }
                (None, None) => String::new(),
            };
            let var = Var {
                value,
                unit: n.unit.clone(),
                qualifier: n.printed.as_ref().and_then(|p| p.qualifier.clone()).unwrap_or_default(),
                kind: n.kind.as_str().into(),
                formula: n.formula.clone(),
                inputs: n.inputs.clone(),
                computed: n.value,
                printed,
                as_published,
                defined: n.defined.clone(),
                provenance,
            };
            (n.name.clone(), var)
        })
        .collect()
}

/// Escapes a data value for Markdown, so that no value can become markup or raw HTML.
pub fn md_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '|' | '~' | '#' => {
                out.push('\\');
                out.push(c);
            }
            '&' => out.push_str("&amp;"),
            '\n' | '\r' => out.push(' '),
            _ => out.push(c),
        }
    }
    out
}

fn month_text(y: i32, m: u32, format: Option<&str>) -> String {
    match format.unwrap_or("dot") {
        "dot2" => format!("{y}.{m:02}"),
        "cjk" => format!("{y}年{m}月"),
        "cjk_spaced" => format!("{y} 年 {m} 月"),
        _ => format!("{y}.{m}"),
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
        Cell::Month(y, m) => month_text(*y, *m, spec.format.as_deref()),
        Cell::Date(y, m, d) => match spec.format.as_deref() {
            Some("dot2") => format!("{y}.{m:02}.{d:02}"),
            _ => format!("{y}.{m}.{d}"),
        },
    }
}

/// A table's printed header and cells as plain text. Adjacent columns with the same printed
/// title (a number and its note, such as 基金规模) are printed as one column, as in the
/// document.
fn table_cells(meta: &TableMeta, table: &Table) -> (Vec<String>, Vec<Vec<String>>) {
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

/// A GFM table (see [`table_cells`]).
pub fn table_markdown(meta: &TableMeta, table: &Table) -> String {
    let (header, rows) = table_cells(meta, table);
    let mut md = String::new();
    md.push('|');
    for title in &header {
        md.push_str(&format!(" {} |", if title.is_empty() { " ".to_string() } else { md_escape(title) }));
    }
    md.push_str("\n|");
    md.push_str(&" --- |".repeat(header.len()));
    md.push('\n');
    for row in &rows {
        md.push('|');
        for cell in row {
            md.push_str(&format!(" {} |", md_escape(cell)));
        }
        md.push('\n');
    }
    md
}

/// The same table's head and body as HTML rows (`<thead>…</tbody>`), on one line each, for
/// the HTML partial to put inside its `<table>` after the `<caption>`.
fn table_rows_html(meta: &TableMeta, table: &Table) -> String {
    let (header, rows) = table_cells(meta, table);
    let mut html = String::from("<thead><tr>");
    for title in &header {
        match title.as_str() {
            // A column the document prints without a title: no empty header cell.
            "" => html.push_str("<td></td>"),
            _ => html.push_str(&format!("<th scope=\"col\">{}</th>", html_escape(title))),
        }
    }
    html.push_str("</tr></thead>\n<tbody>\n");
    for row in &rows {
        html.push_str("<tr>");
        for cell in row {
            html.push_str(&format!("<td>{}</td>", html_escape(cell)));
        }
        html.push_str("</tr>\n");
    }
    html.push_str("</tbody>");
    html
}

/// 2024-05 → 二零二四年五月, as the cover prints it.
fn chinese_month(year: i32, month: u32) -> String {
    const DIGITS: [&str; 10] = ["零", "一", "二", "三", "四", "五", "六", "七", "八", "九"];
    let y: String = year.to_string().chars().map(|c| DIGITS[c.to_digit(10).unwrap_or(0) as usize]).collect();
    format!("{y}年{}月", chinese_number(month as i64))
}

/// A whole number in Chinese numerals, as the text writes small counts: 13 → 十三.
pub fn chinese_number(n: i64) -> String {
    const DIGITS: [&str; 10] = ["零", "一", "二", "三", "四", "五", "六", "七", "八", "九"];
    const UNITS: [&str; 4] = ["", "十", "百", "千"];
    if n < 0 {
        return format!("负{}", chinese_number(-n));
    }
    if n < 10 {
        return DIGITS[n as usize].to_string();
    }
    if (10..20).contains(&n) {
        return format!("十{}", if n % 10 == 0 { "" } else { DIGITS[(n % 10) as usize] });
    }
    if n >= 10000 {
        return n.to_string();
    }
    let digits: Vec<usize> = n.to_string().chars().map(|c| c.to_digit(10).unwrap_or(0) as usize).collect();
    let mut out = String::new();
    let mut zero = false;
    for (i, d) in digits.iter().enumerate() {
        let unit = UNITS[digits.len() - 1 - i];
        if *d == 0 {
            zero = true;
        } else {
            if zero {
                out.push('零');
                zero = false;
            }
            out.push_str(DIGITS[*d]);
            out.push_str(unit);
        }
    }
    out
}

/// `digits=` when the template gives it, else the number's own, else 4.
fn digits(kwargs: &Kwargs, own: Option<usize>) -> tera::TeraResult<usize> {
    Ok(kwargs.get::<i64>("digits")?.map_or(own.unwrap_or(4), |d| d.clamp(0, 8) as usize))
}

/// Numbers printed in the prose are wrapped by the number filters as
/// `MARK_OPEN name MARK_SEP text MARK_CLOSE` (Unicode private-use characters), so that each
/// render target can show a number's provenance its own way from one rendered text: the
/// Markdown drops the marks, the HTML turns them into elements that carry the provenance.
pub const MARK_OPEN: char = '\u{E000}';
pub const MARK_SEP: char = '\u{E001}';
pub const MARK_CLOSE: char = '\u{E002}';

/// The text without number marks: what Markdown (and any plain-text target) prints.
pub fn strip_marks(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut in_name = false;
    for c in text.chars() {
        match c {
            MARK_OPEN => in_name = true,
            MARK_SEP => in_name = false,
            MARK_CLOSE => {}
            _ if in_name => {}
            _ => out.push(c),
        }
    }
    out
}

/// Replaces every number mark in rendered HTML with `replace(name, text)`.
pub fn replace_marks(html: &str, mut replace: impl FnMut(&str, &str) -> String) -> String {
    let mut out = String::with_capacity(html.len() + html.len() / 8);
    let mut rest = html;
    while let Some(open) = rest.find(MARK_OPEN) {
        out.push_str(&rest[..open]);
        let after = &rest[open + MARK_OPEN.len_utf8()..];
        let (Some(sep), Some(close)) = (after.find(MARK_SEP), after.find(MARK_CLOSE)) else {
            rest = after;
            continue;
        };
        if sep > close {
            rest = after;
            continue;
        }
        out.push_str(&replace(&after[..sep], &after[sep + MARK_SEP.len_utf8()..close]));
        rest = &after[close + MARK_CLOSE.len_utf8()..];
    }
    out.push_str(rest);
    out
}

/// A number as a filter receives it: its value, and for `n.NAME` its name, default
/// decimals and, in the corrected edition, the published value it replaces.
struct Arg {
    value: f64,
    name: Option<String>,
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
    if let (Some(value), Some(name)) = (v.get_from_path("value"), v.get_from_path("name")) {
        let published = match (v.get_from_path("published"), v.get_from_path("published_digits")) {
            (Some(p), Some(d)) if !p.is_none() => Some((number(p)?, d.as_i64().unwrap_or(0) as usize)),
            _ => None,
        };
        return Ok(Arg {
            value: number(value)?,
            name: name.as_str().map(str::to_string),
            digits: v.get_from_path("digits").and_then(|d| d.as_i64()).map(|d| d as usize),
            published,
        });
    }
    Ok(Arg { value: number(v)?, name: None, digits: None, published: None })
}

/// A number's text, marked with its name when it has one, with the published value in a
/// note where the corrected edition replaced it.
fn marked(arg: &Arg, text: String, show: impl Fn(f64, usize) -> String) -> String {
    let text = match arg.published {
        Some((p, d)) => format!("{text}（原文：{}）", show(p, d)),
        None => text,
    };
    match &arg.name {
        Some(name) => format!("{MARK_OPEN}{name}{MARK_SEP}{text}{MARK_CLOSE}"),
        None => text,
    }
}

/// What a template sees for `n.NAME`.
#[derive(Serialize)]
struct NamedNumber {
    value: f64,
    name: String,
    /// A derived number's printed precision; a primary shows as typed.
    digits: Option<usize>,
    published: Option<f64>,
    published_digits: usize,
    /// Why the number cannot be printed: it has no value in the year asked for.
    #[serde(skip_serializing_if = "Option::is_none")]
    missing: Option<String>,
}

impl NamedNumber {
    fn missing(num: &crate::model::Number, year: i32) -> Option<String> {
        num.years.get(&year).is_none().then(|| {
            let known: Vec<String> = num.years.keys().map(i32::to_string).collect();
            format!(
                "`{}` has no value for {year} (defined at {}; it has values for {})",
                num.name,
                num.defined,
                if known.is_empty() { "no year".to_string() } else { known.join(", ") }
            )
        })
    }
}

fn register_filters(tera: &mut Tera) {
    fn filter(tera: &mut Tera, name: &'static str, show: fn(f64, usize) -> String) {
        tera.register_filter(name, move |v: &tera::Value, k: Kwargs, _: &State| -> tera::TeraResult<String> {
            let arg = number_arg(v)?;
            let d = digits(&k, arg.digits)?;
            Ok(marked(&arg, show(arg.value, d), show))
        });
    }
    filter(tera, "num", numfmt::number);
    filter(tera, "pct", |v, d| format!("{}%", numfmt::number(v, d)));
    filter(tera, "change", |v, d| format!("{}{}%", if v < 0.0 { "下降" } else { "增长" }, numfmt::number(v.abs(), d)));
    filter(tera, "pp", |v, d| format!("{}个百分点", numfmt::number(v, d)));
    filter(tera, "yi", |v, d| format!("{}亿元", numfmt::number(v, d)));
    filter(tera, "wan", |v, d| format!("{}万", numfmt::number(v / 10000.0, d)));
    filter(tera, "cn", |v, _| chinese_number(v.round() as i64));
    tera.register_filter("fixed", |v: &tera::Value, k: Kwargs, _: &State| -> tera::TeraResult<String> {
        let arg = number_arg(v)?;
        let d = k.get::<i64>("digits")?.unwrap_or(2).clamp(0, 8) as usize;
        Ok(marked(&arg, numfmt::fixed(arg.value, d), numfmt::fixed))
    });
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    Table,
    Figure,
}

/// Where each table and figure is placed, collected in a first render pass and numbered
/// before the second: numbers follow the chapter and the order of placement.
#[derive(Default)]
struct Numbering {
    second_pass: bool,
    placed: Vec<(Kind, String, String)>,
    numbers: BTreeMap<String, String>,
}

impl Numbering {
    fn assign(&mut self) {
        let mut counters: BTreeMap<(Kind, String), usize> = BTreeMap::new();
        for (kind, id, chapter) in &self.placed {
            let n = counters.entry((*kind, chapter.clone())).or_default();
            *n += 1;
            let prefix = if *kind == Kind::Table { "表" } else { "图" };
            let number = if chapter == "appendix" { format!("附{prefix} {n}") } else { format!("{prefix} {chapter}-{n}") };
            self.numbers.insert(id.clone(), number);
        }
        self.second_pass = true;
    }
}

/// What a placed table or figure gives its partial.
#[derive(Debug, Clone, Serialize)]
struct Block {
    anchor: String,
    number: String,
    title: String,
    caption: String,
    source_label: String,
    source_note: String,
    markdown: String,
    /// Tables: the head and body rows as HTML, for the HTML partial.
    rows_html: String,
    png: String,
    /// Figures: the chart's SVG; figures and tables: the CSV of the data behind them. Paths
    /// are relative to output/, where the report is.
    svg: String,
    csv: String,
    alt: String,
    notes: Vec<String>,
}

type Shared<T> = std::sync::Arc<std::sync::Mutex<T>>;

fn unknown(kind: &str, id: &str, known: &BTreeMap<String, Block>) -> tera::Error {
    let hint = match crate::data::nearest(id, known.keys().map(String::as_str)) {
        Some(n) => format!("did you mean `{n}`?"),
        None => format!("known ids: {}", known.keys().cloned().collect::<Vec<_>>().join(", ")),
    };
    tera::Error::message(format!("unknown {kind} `{id}` (no data/{kind}s/{id}.yaml); {hint}"))
}

fn chapter_of(state: &State) -> tera::TeraResult<String> {
    match state.get::<tera::Value>("chapter")? {
        Some(v) => Ok(v.as_i64().map(|n| n.to_string()).or_else(|| v.as_str().map(str::to_string)).unwrap_or_default()),
        None => Err(tera::Error::message(
            "a table or figure is placed outside a chapter: start the chapter template with {% set chapter = N %}",
        )),
    }
}

fn register_placement(tera: &mut Tera, name: &'static str, kind: Kind, blocks: BTreeMap<String, Block>, numbering: Shared<Numbering>) {
    tera.register_function(name, move |kwargs: Kwargs, state: &State| -> tera::TeraResult<tera::Value> {
        let id: String = kwargs.must_get("id")?;
        let Some(block) = blocks.get(&id) else { return Err(unknown(if kind == Kind::Table { "table" } else { "figure" }, &id, &blocks)) };
        let mut numbering = numbering.lock().map_err(|_| tera::Error::message("numbering lock poisoned"))?;
        let mut block = block.clone();
        if numbering.second_pass {
            block.number = numbering.numbers.get(&id).cloned().unwrap_or_default();
        } else {
            if numbering.placed.iter().any(|(_, placed, _)| *placed == id) {
                return Err(tera::Error::message(format!("`{id}` is placed twice; place it once and use ref(id=\"{id}\") elsewhere")));
            }
            let chapter = chapter_of(state)?;
            numbering.placed.push((kind, id, chapter));
        }
        Ok(tera::Value::from_serializable(&block))
    });
}

/// Builds the table and figure blocks the templates can place.
fn blocks(catalog: &Catalog, facts: &Facts, charts: &[Chart]) -> (BTreeMap<String, Block>, BTreeMap<String, Block>) {
    let empty = |anchor: String| Block {
        anchor,
        number: String::new(),
        title: String::new(),
        caption: String::new(),
        source_label: String::new(),
        source_note: String::new(),
        markdown: String::new(),
        rows_html: String::new(),
        png: String::new(),
        svg: String::new(),
        csv: String::new(),
        alt: String::new(),
        notes: Vec::new(),
    };
    let tables = catalog
        .tables
        .iter()
        .filter_map(|(_, m)| {
            let table = facts.table(&m.id)?;
            let b = Block {
                title: m.title.clone(),
                source_note: m.source_note.clone().unwrap_or_default(),
                markdown: table_markdown(m, table),
                rows_html: table_rows_html(m, table),
                csv: format!("data/tables/{}.csv", m.id),
                ..empty(format!("tab-{}", m.id))
            };
            Some((m.id.clone(), b))
        })
        .collect();
    let figures = catalog
        .figures
        .iter()
        .filter_map(|(_, m): &(_, FigureMeta)| {
            let chart = charts.iter().find(|c| c.id == m.id)?;
            let b = Block {
                caption: m.caption.clone(),
                source_label: m.source_label.clone(),
                source_note: m.source_note.clone().unwrap_or_default(),
                png: format!("charts/{}.png", m.id),
                svg: format!("charts/{}.svg", m.id),
                csv: format!("data/figures/{}.csv", m.id),
                alt: chart.alt.clone(),
                notes: facts.figure(&m.id).map(|d| provenance_notes(m, d)).unwrap_or_default(),
                ..empty(format!("fig-{}", m.id))
            };
            Some((m.id.clone(), b))
        })
        .collect();
    (tables, figures)
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
            notes.push(format!("{}：{}。", name(p), p.provenance));
        }
        if data.points.iter().any(|p| p.series.contains("增长率") && p.status == Status::Derived) {
            notes.push("同比增长率为派生值：(当年值 − 上年值) ÷ 上年值 × 100，仅在两年数值均已知时计算。".into());
        }
    }
    for p in data.points.iter().filter(|p| p.status == Status::External) {
        notes.push(format!("{}：{}。", name(p), p.provenance));
    }
    let missing: Vec<String> =
        data.points.iter().filter(|p| p.status == Status::Missing && !p.series.contains("增长率")).map(name).collect();
    if !missing.is_empty() {
        notes.push(format!("报告未给出数值：{}。", missing.join("、")));
    }
    notes
}

/// Loads every template under `dir` (except README.md), named by its path
/// relative to it, with the filters and the placement functions registered first.
fn load_templates(
    dirs: &TemplateDirs,
    sources: &[(String, String)],
    facts: &Facts,
    tables: &BTreeMap<String, Block>,
    figures: &BTreeMap<String, Block>,
) -> Result<(Tera, Shared<Numbering>)> {
    let mut tera = Tera::new();
    tera.autoescape_on([".html"]);
    register_filters(&mut tera);
    let numbering: Shared<Numbering> = Default::default();
    let all: BTreeMap<String, Block> = tables.iter().chain(figures.iter()).map(|(k, v)| (k.clone(), v.clone())).collect();
    register_placement(&mut tera, "table", Kind::Table, tables.clone(), numbering.clone());
    register_placement(&mut tera, "figure", Kind::Figure, figures.clone(), numbering.clone());
    let refs = numbering.clone();
    tera.register_function("ref", move |kwargs: Kwargs, _: &State| -> tera::TeraResult<String> {
        let id: String = kwargs.must_get("id")?;
        if !all.contains_key(&id) {
            return Err(unknown("table or figure", &id, &all));
        }
        let numbering = refs.lock().map_err(|_| tera::Error::message("numbering lock poisoned"))?;
        if !numbering.second_pass {
            return Ok(String::new());
        }
        numbering
            .numbers
            .get(&id)
            .cloned()
            .ok_or_else(|| tera::Error::message(format!("`{id}` is referenced but never placed with table(id=…) or figure(id=…)")))
    });
    for (name, text) in sources {
        check_numbers(&dirs.path(name), text, facts)?;
    }
    tera.add_raw_templates(sources.iter().map(|(n, s)| (n.as_str(), s.as_str()))).map_err(|e| template_error(dirs, &e))?;
    Ok((tera, numbering))
}

/// Every `n.NAME` inside `{{ }}` must exist; a typo is reported with its line,
/// column and the nearest existing name before anything is rendered.
fn check_numbers(path: &Path, text: &str, facts: &Facts) -> Result<()> {
    let names: Vec<&str> = facts.numbers.iter().map(|n| n.name.as_str()).collect();
    for (line_no, line) in text.lines().enumerate() {
        let mut offset = 0;
        while let Some(open) = line[offset..].find("{{").map(|o| o + offset) {
            let Some(close) = line[open..].find("}}").map(|c| c + open) else { break };
            let expr = &line[open + 2..close];
            for (scope, names) in [("n.", &names), ("].", &names)] {
                let mut search = 0;
                while let Some(start) = expr[search..].find(scope).map(|a| a + search) {
                    let preceded =
                        scope == "n." && expr[..start].chars().last().is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '.');
                    let key: String = expr[start + 2..].chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
                    search = start + 2 + key.len();
                    if preceded || key.is_empty() || names.contains(&key.as_str()) {
                        continue;
                    }
                    let column = line[..open + 2 + start].chars().count() + 1;
                    let hint = match crate::data::nearest(&key, names.iter().copied()) {
                        Some(n) => format!("did you mean `{}{n}`? `blockchain-report vars` lists every name", if scope == "n." { "n." } else { "" }),
                        None => "`blockchain-report vars` lists every name; a new number goes into data/stated/ (typed) or data/derived/ (computed)".to_string(),
                    };
                    return Err(crate::error::InputError::new(
                        path,
                        format!("`{}{key}` is not defined", if scope == "n." { "n." } else { "" }),
                    )
                    .at(line_no + 1, column)
                    .excerpt_from(text)
                    .hint(hint)
                    .into());
                }
            }
            offset = close + 2;
        }
    }
    Ok(())
}

fn collect(root: &Path, dir: &Path, out: &mut Vec<(String, std::path::PathBuf)>) -> Result<()> {
    let entries = std::fs::read_dir(dir).map_err(|source| Error::Io { path: dir.to_path_buf(), source })?;
    for entry in entries {
        let entry = entry.map_err(|source| Error::Io { path: dir.to_path_buf(), source })?;
        let path = entry.path();
        // A symlink could lead out of the project, or back up into templates/ (a loop).
        if entry.file_type().is_ok_and(|t| t.is_symlink()) {
            let target = std::fs::canonicalize(&path).map(|p| p.display().to_string()).unwrap_or_else(|_| "nowhere".into());
            return Err(crate::error::InputError::new(&path, format!("a template path is a symlink (to {target})"))
                .hint("put the template itself in the templates directory: a build reads only the project's own files")
                .into());
        }
        if path.is_dir() {
            collect(root, &path, out)?;
        } else if path.extension().is_some_and(|e| e == "md" || e == "html") && path.file_name().is_some_and(|n| n != "README.md") {
            let name = path.strip_prefix(root).unwrap_or(&path).to_string_lossy().replace('\\', "/");
            out.push((name, path));
        }
    }
    Ok(())
}

fn template_error(dirs: &TemplateDirs, e: &tera::Error) -> Error {
    let mut msg = format!("{e}");
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        msg.push_str(&format!("\n{s}"));
        source = s.source();
    }
    Error::Template(locate_template_error(dirs, &msg))
}

/// Tera's report, reshaped as every other input error: the message first, the template's
/// path from the project (`--> templates/chapters/01.md:6:81`), tera's excerpt, then a hint.
fn locate_template_error(dirs: &TemplateDirs, tera_report: &str) -> String {
    let mut headline = None;
    let mut body = Vec::new();
    for line in tera_report.lines() {
        match (line.strip_prefix("error: "), line.trim_start().strip_prefix("--> ")) {
            (Some(message), _) if headline.is_none() => headline = Some(message.to_string()),
            (_, Some(place)) => {
                let (name, at) = place.split_once(':').unwrap_or((place, ""));
                let at = if at.is_empty() { String::new() } else { format!(":{at}") };
                body.push(format!("  --> {}{at}", dirs.path(name).display()))
            }
            _ if !line.trim().is_empty() => body.push(line.to_string()),
            _ => {}
        }
    }
    // Some of tera's errors (a missing template, an include loop) carry their text in the
    // error's source rather than on an `error:` line.
    let headline = match headline.filter(|h| !h.trim().is_empty()) {
        Some(h) => h,
        None if !body.is_empty() && !body[0].contains("-->") => body.remove(0),
        None => String::new(),
    };
    if !body.iter().any(|l| l.contains("-->")) {
        body.insert(0, format!("  --> {}", dirs.wording.display()));
    }
    let lower = headline.to_lowercase();
    let hint = if lower.contains("filter") {
        "the filters are num, pct, change, pp, yi, wan, cn and fixed (templates/README.md)"
    } else if lower.contains("circular") || lower.contains("recursion") || lower.contains("itself") {
        "a template includes itself, directly or through others: remove the loop"
    } else if lower.contains("'report.md' not found") || lower.contains("'page.html' not found") {
        "the templates directory needs report.md (the report) and page.html (the HTML page around it)"
    } else if lower.contains("unknown template") || lower.contains("not found") {
        "include paths are relative to the templates directory, e.g. \"partials/table.md\""
    } else if lower.contains("placed") || lower.contains("unknown table") || lower.contains("unknown figure") {
        "place each table or figure once with table(id=…) or figure(id=…), refer to it elsewhere with ref(id=…); \
         ids are the file names under data/tables/ and data/figures/"
    } else if lower.contains("has no value for") {
        "the number is defined but has no value in that year: add the year's row (data/stated/) or data, or print another year with at[YEAR].NAME"
    } else if lower.contains("not defined") {
        "check the spelling; `blockchain-report vars` lists every number, templates/README.md the fields of tables and figures"
    } else {
        "every {{ closes with }}, every {% if %} and {% for %} with {% endif %} and {% endfor %} (templates/README.md)"
    };
    format!("{headline}\n{}\n  = hint: {hint}", body.join("\n"))
}

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('"', "&quot;").replace('<', "&lt;").replace('>', "&gt;")
}

/// A heading of the rendered Markdown, with its anchor.
struct Heading {
    level: usize,
    anchor: String,
    text: String,
}

/// How a heading carries its anchor: an empty link before it (the Markdown, readable by any
/// CommonMark tool), or the heading's own id (`{#sec-3}`, for the HTML pass only).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Anchors {
    Links,
    Ids,
}

/// Gives every `##` and `###` heading a stable anchor (sec-3, sec-3-2), in document order.
fn anchor_headings(markdown: &str, anchors: Anchors) -> (String, Vec<Heading>) {
    let mut out = String::with_capacity(markdown.len() + 4096);
    let mut headings = Vec::new();
    let (mut h2, mut h3) = (0, 0);
    for line in markdown.lines() {
        let level = if line.starts_with("### ") {
            3
        } else if line.starts_with("## ") {
            2
        } else {
            0
        };
        if level == 0 {
            out.push_str(line);
            out.push('\n');
            continue;
        }
        if level == 2 {
            h2 += 1;
            h3 = 0;
        } else {
            h3 += 1;
        }
        let anchor = if level == 2 { format!("sec-{h2}") } else { format!("sec-{h2}-{h3}") };
        let text = strip_marks(line[level + 1..].trim());
        match anchors {
            Anchors::Links => out.push_str(&format!("<a id=\"{anchor}\"></a>\n\n{line}\n")),
            // The HTML heading links to itself; a number in it is plain text (no focusable
            // provenance inside a link).
            Anchors::Ids => out.push_str(&format!("{} {text} {{#{anchor}}}\n", &line[..level])),
        }
        headings.push(Heading { level, anchor, text });
    }
    (out, headings)
}

/// An entry of the HTML page's contents panel: a chapter with its sections.
#[derive(Serialize)]
struct TocEntry {
    anchor: String,
    text: String,
    sections: Vec<TocEntry>,
}

/// The contents panel: every `##` heading with its `###` headings, except the printed
/// contents itself.
fn toc(headings: &[Heading]) -> Vec<TocEntry> {
    let mut out: Vec<TocEntry> = Vec::new();
    for h in headings.iter().filter(|h| h.text != "目录") {
        let entry = TocEntry { anchor: h.anchor.clone(), text: h.text.clone(), sections: Vec::new() };
        match out.last_mut() {
            Some(chapter) if h.level == 3 => chapter.sections.push(entry),
            _ => out.push(entry),
        }
    }
    out
}

/// The report body as HTML: every heading links to itself (its permalink).
fn body_html(markdown: &str) -> String {
    use pulldown_cmark::{CowStr, Event, Options, Parser, Tag, TagEnd};
    let mut options = Options::empty();
    options.insert(Options::ENABLE_TABLES);
    options.insert(Options::ENABLE_HEADING_ATTRIBUTES);
    let mut open: Option<String> = None;
    let events = Parser::new_ext(markdown, options).flat_map(|event| {
        let (before, after) = match &event {
            Event::Start(Tag::Heading { id: Some(id), .. }) => {
                open = Some(id.to_string());
                (None, Some(Event::InlineHtml(CowStr::from(format!("<a class=\"self-link\" href=\"#{}\">", html_escape(id))))))
            }
            Event::End(TagEnd::Heading(_)) if open.take().is_some() => (Some(Event::InlineHtml(CowStr::from("</a>"))), None),
            _ => (None, None),
        };
        before.into_iter().chain(std::iter::once(event)).chain(after)
    });
    let mut body = String::new();
    pulldown_cmark::html::push_html(&mut body, events);
    body
}

/// What a reader sees of a number's provenance, by its kind.
fn kind_label(kind: &str) -> &str {
    match kind {
        "primary" | "stated" => "报告原文",
        "derived" => "计算值",
        "external" => "外部来源",
        other => other,
    }
}

/// A number in the HTML prose: focusable, with its provenance in a popover that shows on
/// hover, on focus (keyboard) and on tap, and describes the number to screen readers.
fn number_html(index: usize, name: &str, text: &str, var: &Var) -> String {
    format!(
        "<span class=\"num num-{kind}\" tabindex=\"0\" data-name=\"{name}\" aria-describedby=\"prov-{index}\">{text}\
         <span class=\"prov\" id=\"prov-{index}\" role=\"tooltip\"><span class=\"prov-kind\">{label}</span> {provenance} \
         <code class=\"prov-name\">{name}</code></span></span>",
        kind = html_escape(&var.kind),
        name = html_escape(name),
        label = html_escape(kind_label(&var.kind)),
        provenance = html_escape(&var.provenance),
    )
}

fn contents(headings: &[Heading]) -> String {
    headings
        .iter()
        .filter(|h| h.text != "目录" && h.text != "图表目录")
        .map(|h| format!("{}- [{}](#{})\n", "  ".repeat(h.level - 2), md_escape(&h.text), h.anchor))
        .collect()
}

fn listing(numbering: &Numbering, kind: Kind, blocks: &BTreeMap<String, Block>) -> String {
    numbering
        .placed
        .iter()
        .filter(|(k, _, _)| *k == kind)
        .filter_map(|(_, id, _)| {
            let b = blocks.get(id)?;
            let title = if kind == Kind::Table { &b.title } else { &b.caption };
            Some(format!("- [{} {}](#{})\n", numbering.numbers.get(id)?, md_escape(title), b.anchor))
        })
        .collect()
}

pub fn render(
    dirs: &TemplateDirs,
    config: &Config,
    catalog: &Catalog,
    facts: &Facts,
    charts: &[Chart],
    shown: &BTreeMap<String, Shown>,
) -> Result<Rendered> {
    // The wording's files, then the designs' that the wording does not replace.
    let mut files = Vec::new();
    collect(&dirs.wording, &dirs.wording, &mut files)?;
    if dirs.designs != dirs.wording {
        let mut designs = Vec::new();
        collect(&dirs.designs, &dirs.designs, &mut designs)?;
        designs.retain(|(name, _)| !files.iter().any(|(n, _)| n == name));
        files.extend(designs);
    }
    files.sort();
    let sources: Vec<(String, String)> =
        files.iter().map(|(name, path)| Ok((name.clone(), crate::error::read_to_string(path)?))).collect::<Result<_>>()?;
    render_sources(dirs, &sources, config, catalog, facts, charts, shown)
}

/// Renders templates given as (name relative to `templates_dir`, text): what `render` does
/// after reading the files, and what the property tests feed with mutated templates.
pub fn render_sources(
    dirs: &TemplateDirs,
    sources: &[(String, String)],
    config: &Config,
    catalog: &Catalog,
    facts: &Facts,
    charts: &[Chart],
    shown: &BTreeMap<String, Shown>,
) -> Result<Rendered> {
    let (tables, figures) = blocks(catalog, facts, charts);
    let (tera, numbering) = load_templates(dirs, sources, facts, &tables, &figures)?;
    let (year, month) = config.published();
    let mut ctx = Context::new();
    ctx.insert("edition", &config.edition);
    ctx.insert("year", &config.edition.year);
    ctx.insert("published", &chinese_month(year, month));
    let n: BTreeMap<&str, NamedNumber> = facts
        .numbers
        .iter()
        .map(|num| {
            let s = shown.get(&num.name);
            let published = s.and_then(|s| s.correction.as_ref());
            let named = NamedNumber {
                value: s.map_or(num.value, |s| s.value),
                name: num.name.clone(),
                digits: (num.kind == crate::model::NumberKind::Derived).then(|| s.map_or(num.digits, |s| s.digits)),
                published: published.map(|p| p.value),
                published_digits: published.map_or(0, |p| crate::data::decimals(p.value)),
                missing: NamedNumber::missing(num, config.edition.year),
            };
            (num.name.as_str(), named)
        })
        .collect();
    ctx.insert("n", &n);
    // `at[YEAR].NAME`: a number in another year of the series, as computed (an edition's
    // audit and corrections concern its own year).
    let mut at: BTreeMap<i32, BTreeMap<&str, NamedNumber>> = BTreeMap::new();
    for num in &facts.numbers {
        for (&year, &value) in &num.years {
            let named = NamedNumber {
                value,
                name: format!("{}[{year}]", num.name),
                digits: (num.kind == crate::model::NumberKind::Derived).then_some(num.digits),
                published: None,
                published_digits: 0,
                missing: None,
            };
            at.entry(year).or_default().insert(num.name.as_str(), named);
        }
    }
    ctx.insert("at", &at);
    ctx.insert("contents", "");
    ctx.insert("list_of_figures", "");
    ctx.insert("list_of_tables", "");
    ctx.insert("target", "md");

    // Pass 1 places every table and figure and finds the headings; pass 2 prints numbers.
    let first = tera.render("report.md", &ctx).map_err(|e| template_error(dirs, &e))?;
    let (_, headings) = anchor_headings(&first, Anchors::Links);
    let numbers = {
        let mut numbering = numbering.lock().map_err(|_| Error::Template("numbering lock poisoned".into()))?;
        numbering.assign();
        ctx.insert("contents", &contents(&headings));
        ctx.insert("list_of_figures", &listing(&numbering, Kind::Figure, &figures));
        ctx.insert("list_of_tables", &listing(&numbering, Kind::Table, &tables));
        numbering.numbers.clone()
    };
    let second = tera.render("report.md", &ctx).map_err(|e| template_error(dirs, &e))?;
    let (marked_markdown, _) = anchor_headings(&second, Anchors::Links);
    let markdown = strip_marks(&marked_markdown);

    // Pass 3: the partials print tables and figures as HTML (`target`); the Markdown above
    // never depends on it.
    ctx.insert("target", "html");
    let third = tera.render("report.md", &ctx).map_err(|e| template_error(dirs, &e))?;
    let (html_markdown, _) = anchor_headings(&third, Anchors::Ids);
    let body = inline_svgs(&body_html(&html_markdown), charts);
    let vars = variables(facts, shown);
    let mut used = Vec::new();
    let body = replace_marks(&body, |name, text| match vars.get(name) {
        Some(var) => {
            used.push(name.to_string());
            number_html(used.len(), name, text, var)
        }
        None => text.to_string(),
    });
    let mut page = Context::new();
    page.insert("edition", &config.edition);
    page.insert("toc", &toc(&headings));
    page.insert("body", &body);
    let html = tera.render("page.html", &page).map_err(|e| template_error(dirs, &e))?;
    Ok(Rendered { markdown, html, numbers, used })
}

/// The HTML shows the SVG itself (crisp, drawn in the page's font), in place of each PNG,
/// cut to its body: the figure's caption and source line are printed under it.
fn inline_svgs(body: &str, charts: &[Chart]) -> String {
    let mut out = body.to_string();
    for chart in charts {
        let prefix = format!("<img src=\"charts/{}.png\" alt=\"", chart.id);
        let Some(start) = out.find(&prefix) else { continue };
        let Some(len) = out[start..].find("/>").map(|e| e + 2) else { continue };
        let alt_start = start + prefix.len();
        let alt = out[alt_start..].split('"').next().unwrap_or("").to_string();
        let body = chart.body_svg();
        let svg = body.trim_start_matches(|c| c != '<').replacen("<svg ", &format!("<svg role=\"img\" aria-label=\"{alt}\" "), 1);
        out.replace_range(start..start + len, &format!("<span class=\"chart\">{svg}</span>"));
    }
    out
}

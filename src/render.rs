//! Assembles the report from tera templates: Markdown first, then HTML from that Markdown
//! (pulldown-cmark) inside the page layout. Templates see only plain values; numbers are
//! shown through filters that round 四舍五入 at display.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Serialize;
use tera::{Context, Kwargs, State, Tera};

use crate::catalog::{Catalog, ColumnSpec, ColumnType, FigureMeta, TableMeta};
use crate::charts::Chart;
use crate::config::Config;
use crate::error::{Error, Result};
use crate::model::{Cell, Facts, Table};
use crate::numfmt;

/// A template variable with its provenance, as `vars` lists it.
#[derive(Debug, Clone, Serialize)]
pub struct Var {
    pub value: f64,
    pub unit: String,
    pub qualifier: String,
    /// stated / derived
    pub kind: String,
    pub provenance: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct TableView {
    pub id: String,
    pub number: String,
    pub title: String,
    pub source_note: String,
    pub markdown: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct FigureView {
    pub id: String,
    pub number: String,
    pub caption: String,
    pub source_label: String,
    pub source_note: String,
    pub png: String,
    pub svg: String,
    pub alt: String,
    pub notes: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ChapterView {
    pub key: String,
    pub tables: Vec<TableView>,
    pub figures: Vec<FigureView>,
}

pub struct Rendered {
    pub markdown: String,
    pub html: String,
}

/// Every value the templates can use, by name: `stated.<key>` and `metrics.<name>`.
pub fn variables(facts: &Facts) -> BTreeMap<String, BTreeMap<String, Var>> {
    let stated = facts
        .stated
        .iter()
        .map(|s| {
            let v = Var { value: s.value, unit: s.unit.clone(), qualifier: s.qualifier.clone().unwrap_or_default(), kind: "stated".into(), provenance: format!("{}：{}", s.location, s.quote) };
            (s.key.clone(), v)
        })
        .collect();
    let metrics = facts
        .metrics
        .iter()
        .map(|m| {
            let v = Var { value: m.value, unit: m.unit.clone(), qualifier: String::new(), kind: "derived".into(), provenance: format!("{} [{}]", m.formula, m.inputs.join(", ")) };
            (m.name.clone(), v)
        })
        .collect();
    BTreeMap::from([("stated".to_string(), stated), ("metrics".to_string(), metrics)])
}

fn chapter_key(v: &serde_yaml::Value) -> String {
    match v {
        serde_yaml::Value::Number(n) => n.to_string(),
        serde_yaml::Value::String(s) => s.clone(),
        _ => String::new(),
    }
}

/// Sort key of a printed number such as 表 1-10 or 附表 3.
fn order(printed: &str) -> (u32, u32) {
    let digits: Vec<u32> = printed.split(|c: char| !c.is_ascii_digit()).filter_map(|s| s.parse().ok()).collect();
    match (printed.starts_with('附'), digits.as_slice()) {
        (true, [n, ..]) => (100, *n),
        (false, [c, n, ..]) => (*c, *n),
        _ => (999, 0),
    }
}

/// Numbers tables and figures per chapter in document order: 表 1-1, 图 2-3, 附表 1.
fn number(prefix: &str, chapter: &str, index: usize) -> String {
    if chapter == "appendix" { format!("附{prefix} {index}") } else { format!("{prefix} {chapter}-{index}") }
}

pub fn chapters(catalog: &Catalog, facts: &Facts, charts: &[Chart]) -> Vec<ChapterView> {
    let mut tables: Vec<&TableMeta> = catalog.tables.iter().map(|(_, m)| m).collect();
    tables.sort_by_key(|m| order(&m.printed_number));
    let mut figures: Vec<&FigureMeta> = catalog.figures.iter().map(|(_, m)| m).collect();
    figures.sort_by_key(|m| order(&m.printed_number));
    let mut keys: Vec<String> = tables.iter().map(|m| chapter_key(&m.chapter)).chain(figures.iter().map(|m| chapter_key(&m.chapter))).collect();
    keys.sort_by_key(|k| k.parse::<u32>().unwrap_or(u32::MAX));
    keys.dedup();
    keys.into_iter()
        .map(|key| {
            let t = tables
                .iter()
                .filter(|m| chapter_key(&m.chapter) == key)
                .enumerate()
                .filter_map(|(i, m)| {
                    let table = facts.table(&m.id)?;
                    Some(TableView { id: m.id.clone(), number: number("表", &key, i + 1), title: m.title.clone(), source_note: m.source_note.clone().unwrap_or_default(), markdown: table_markdown(m, table) })
                })
                .collect();
            let f = figures
                .iter()
                .filter(|m| chapter_key(&m.chapter) == key)
                .enumerate()
                .filter_map(|(i, m)| {
                    let chart = charts.iter().find(|c| c.id == m.id)?;
                    Some(FigureView {
                        id: m.id.clone(),
                        number: number("图", &key, i + 1),
                        caption: m.caption.clone(),
                        source_label: m.source_label.clone(),
                        source_note: m.source_note.clone().unwrap_or_default(),
                        png: format!("charts/{}.png", m.id),
                        svg: format!("charts/{}.svg", m.id),
                        alt: chart.alt.clone(),
                        notes: m.notes.clone(),
                    })
                })
                .collect();
            ChapterView { key, tables: t, figures: f }
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

/// A GFM table. Adjacent columns with the same printed title (a number and its note, such
/// as 基金规模) are printed as one column, as in the document.
pub fn table_markdown(meta: &TableMeta, table: &Table) -> String {
    let mut groups: Vec<(String, Vec<usize>)> = Vec::new();
    for (i, spec) in meta.columns.iter().enumerate() {
        match groups.last_mut() {
            Some((title, cols)) if *title == spec.title => cols.push(i),
            _ => groups.push((spec.title.clone(), vec![i])),
        }
    }
    let mut md = String::new();
    md.push('|');
    for (title, _) in &groups {
        md.push_str(&format!(" {} |", if title.is_empty() { " ".to_string() } else { md_escape(title) }));
    }
    md.push_str("\n|");
    md.push_str(&" --- |".repeat(groups.len()));
    md.push('\n');
    for row in &table.rows {
        md.push('|');
        for (_, cols) in &groups {
            let parts: Vec<String> = cols.iter().map(|&i| cell_text(&row[i], &meta.columns[i])).filter(|s| !s.is_empty()).collect();
            md.push_str(&format!(" {} |", md_escape(&parts.join(" "))));
        }
        md.push('\n');
    }
    md
}

/// 2024-05 → 二零二四年五月, as the cover prints it.
fn chinese_month(year: i32, month: u32) -> String {
    const DIGITS: [&str; 10] = ["零", "一", "二", "三", "四", "五", "六", "七", "八", "九"];
    let y: String = year.to_string().chars().map(|c| DIGITS[c.to_digit(10).unwrap_or(0) as usize]).collect();
    let m = match month {
        1..=9 => DIGITS[month as usize].to_string(),
        10 => "十".to_string(),
        _ => format!("十{}", DIGITS[(month - 10) as usize]),
    };
    format!("{y}年{m}月")
}

fn register_filters(tera: &mut Tera) {
    // {{ x | num(digits=1) }}: 四舍五入 at display, trailing zeros dropped.
    tera.register_filter("num", |v: f64, kwargs: Kwargs, _: &State| -> tera::TeraResult<String> {
        let digits = kwargs.get::<i64>("digits")?.unwrap_or(2).clamp(0, 8) as usize;
        Ok(numfmt::number(v, digits))
    });
    // {{ x | fixed(digits=2) }}: exactly that many decimals.
    tera.register_filter("fixed", |v: f64, kwargs: Kwargs, _: &State| -> tera::TeraResult<String> {
        let digits = kwargs.get::<i64>("digits")?.unwrap_or(2).clamp(0, 8) as usize;
        Ok(numfmt::fixed(v, digits))
    });
}

/// Loads every template under `dir`, named by its path relative to it (sorted, so the load
/// order never depends on the file system).
pub fn load_templates(dir: &Path) -> Result<Tera> {
    let mut files = Vec::new();
    collect(dir, dir, &mut files)?;
    files.sort();
    let mut tera = Tera::new();
    tera.autoescape_on([".html"]);
    register_filters(&mut tera);
    let sources: Vec<(String, String)> = files.iter().map(|(name, path)| Ok((name.clone(), crate::error::read_to_string(path)?))).collect::<Result<_>>()?;
    tera.add_raw_templates(sources.iter().map(|(n, s)| (n.as_str(), s.as_str()))).map_err(|e| template_error(dir, &e))?;
    Ok(tera)
}

fn collect(root: &Path, dir: &Path, out: &mut Vec<(String, std::path::PathBuf)>) -> Result<()> {
    let entries = std::fs::read_dir(dir).map_err(|source| Error::Io { path: dir.to_path_buf(), source })?;
    for entry in entries {
        let path = entry.map_err(|source| Error::Io { path: dir.to_path_buf(), source })?.path();
        if path.is_dir() {
            if path.file_name().is_some_and(|n| n != "static") {
                collect(root, &path, out)?;
            }
        } else if path.extension().is_some_and(|e| e == "md" || e == "html") {
            let name = path.strip_prefix(root).unwrap_or(&path).to_string_lossy().replace('\\', "/");
            out.push((name, path));
        }
    }
    Ok(())
}

fn template_error(dir: &Path, e: &tera::Error) -> Error {
    let mut msg = format!("{e}");
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        msg.push_str(&format!("\n{s}"));
        source = s.source();
    }
    Error::Template(format!("in {}/:\n{msg}", dir.display()))
}

pub fn render(tera: &Tera, templates_dir: &Path, config: &Config, facts: &Facts, chapters: &[ChapterView]) -> Result<Rendered> {
    let (year, month) = config.published();
    let mut ctx = Context::new();
    ctx.insert("edition", &config.edition);
    ctx.insert("year", &config.edition.year);
    ctx.insert("published", &chinese_month(year, month));
    ctx.insert("chapters", chapters);
    for (scope, vars) in variables(facts) {
        ctx.insert(scope, &vars);
    }
    let markdown = tera.render("report.md", &ctx).map_err(|e| template_error(templates_dir, &e))?;
    let mut options = pulldown_cmark::Options::empty();
    options.insert(pulldown_cmark::Options::ENABLE_TABLES);
    let mut body = String::new();
    pulldown_cmark::html::push_html(&mut body, pulldown_cmark::Parser::new_ext(&markdown, options));
    let mut page = Context::new();
    page.insert("edition", &config.edition);
    page.insert("body", &body);
    let html = tera.render("page.html", &page).map_err(|e| template_error(templates_dir, &e))?;
    Ok(Rendered { markdown, html })
}

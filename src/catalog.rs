//! The metadata of every dataset under `data/` (see data/README.md): what each table and
//! figure is, its columns and types, where its values come from.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::{self, Error, InputError, Result};

mod views;
pub(crate) use views::line_of;
use views::placed;
pub use views::{PrintedCell, View};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ColumnType {
    String,
    Integer,
    Number,
    Month,
    Date,
}

/// How a month or date column is printed: `dot` 2023.5 (2023.5.1), `dot2` 2023.05
/// (2023.05.01), `cjk` 2023年5月, `cjk_spaced` 2023 年 5 月 (a date prints as `dot`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DateFormat {
    #[default]
    Dot,
    Dot2,
    Cjk,
    CjkSpaced,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ColumnSpec {
    pub name: String,
    pub title: String,
    #[serde(rename = "type")]
    pub kind: ColumnType,
    #[serde(default)]
    pub nullable: bool,
    #[serde(default)]
    pub unit: Option<String>,
    /// How the document prints a month or date.
    #[serde(default)]
    pub format: Option<DateFormat>,
    /// The valid range of a number or integer column (a count is never negative, a share
    /// never over 100): a value outside it is an input error.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<f64>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Provenance {
    pub kind: String,
    #[serde(rename = "where")]
    pub location: String,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Repair {
    pub row: Option<serde_yaml::Value>,
    #[serde(default)]
    pub column: Option<String>,
    #[serde(default)]
    pub printed: Option<serde_yaml::Value>,
    #[serde(default)]
    pub repaired: Option<serde_yaml::Value>,
    pub reason: String,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct GroupTotals {
    pub column: String,
    pub printed: BTreeMap<String, i64>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct TableMeta {
    pub id: String,
    pub printed_number: String,
    pub title: String,
    pub chapter: serde_yaml::Value,
    pub section: String,
    #[serde(default)]
    pub source_note: Option<String>,
    pub key: Vec<String>,
    pub columns: Vec<ColumnSpec>,
    pub provenance: Provenance,
    #[serde(default)]
    pub repairs: Vec<Repair>,
    #[serde(default)]
    pub group_totals: Option<GroupTotals>,
    #[serde(default)]
    pub notes: Vec<String>,
    /// The years this register has been collected for, by the edition that collected them:
    /// a count over a year no edition collected is missing, not zero.
    pub collected: Vec<Collected>,
}

/// One edition's collection of a register: the years it covers (`from`–`to`; by default
/// the edition's own year). Rows without an `edition` cell came with the first collection.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Collected {
    pub edition: i32,
    #[serde(default)]
    pub from: Option<i32>,
    #[serde(default)]
    pub to: Option<i32>,
}

impl TableMeta {
    /// The edition whose collection brought the rows that carry no `edition` cell.
    pub fn first_edition(&self) -> i32 {
        self.collected.iter().map(|c| c.edition).min().unwrap_or(i32::MIN)
    }
    /// The years collected as known to `edition`.
    pub fn collected_years(&self, edition: i32) -> impl Iterator<Item = i32> + '_ {
        self.collected.iter().filter(move |c| c.edition <= edition).flat_map(|c| c.from.unwrap_or(c.edition)..=c.to.unwrap_or(c.edition))
    }
}

/// `data/records/<id>.yaml`: a record-level dataset (an enterprise register, a patent
/// database), one row per record, up to tens of millions of rows, read by Polars' lazy
/// scanners (`src/data/records.rs`). Derived numbers name it like a table.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RecordMeta {
    pub id: String,
    pub title: String,
    pub format: RecordFormat,
    /// The data file, relative to the YAML (a large file may live outside the repository).
    pub path: PathBuf,
    pub columns: Vec<ColumnSpec>,
    pub provenance: Provenance,
    #[serde(default)]
    pub notes: Vec<String>,
}

/// How a record dataset is stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RecordFormat {
    Csv,
    Parquet,
}

/// An external source of figure values (historical-data.md).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Source {
    pub kind: String,
    pub source: String,
    #[serde(default)]
    pub url: Option<String>,
    #[serde(default)]
    pub confidence: Option<String>,
    #[serde(default)]
    pub quote: Option<String>,
}

/// One series of a figure computed from a table (see data/README.md, section Figures).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SeriesDef {
    /// The legend name; by default the first of two `by` columns names the series.
    #[serde(default)]
    pub name: Option<String>,
    /// `count(industry-parks) by region, year(founded)`
    pub formula: String,
    /// What it counts, for readers.
    #[serde(default)]
    pub explain: Option<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Layer {
    pub name: String,
    #[serde(default)]
    pub items: Vec<String>,
    #[serde(default)]
    pub share: Option<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct FigureMeta {
    pub id: String,
    pub printed_number: String,
    pub caption: String,
    pub chapter: serde_yaml::Value,
    pub section: String,
    #[serde(default = "default_source_label")]
    pub source_label: String,
    #[serde(default)]
    pub source_note: Option<String>,
    pub chart: String,
    #[serde(default)]
    pub unit: Option<String>,
    /// A CSV of points beside the YAML.
    #[serde(default)]
    pub data: Option<String>,
    /// Series computed from the tables: an aggregate `by` one or two columns.
    #[serde(default)]
    pub series: Vec<SeriesDef>,
    #[serde(default)]
    pub keywords: Vec<String>,
    #[serde(default)]
    pub layers: Vec<Layer>,
    #[serde(default)]
    pub sources: BTreeMap<String, Source>,
    #[serde(default)]
    pub notes: Vec<String>,
}

fn default_source_label() -> String {
    "数据来源".to_string()
}

/// Every dataset's metadata, loaded and cross-checked before any CSV is read.
#[derive(Debug, Clone)]
pub struct Catalog {
    pub root: PathBuf,
    /// The edition's directory: what it printed (`printed.yaml`, the audit's reference) and
    /// its reviewed contradictions (`audit-acknowledged.yaml`).
    pub edition_dir: PathBuf,
    /// `data/tables/*.yaml`: the registers and tables of every year, which formulas read.
    pub datasets: Vec<(PathBuf, TableMeta)>,
    /// The tables the edition places, by id: its views (with the edition's report.yaml as
    /// their path) and every dataset that no view is made from, placed whole.
    pub tables: Vec<(PathBuf, TableMeta)>,
    /// The edition's views, in the order of `tables`' view entries.
    pub views: Vec<View>,
    pub figures: Vec<(PathBuf, FigureMeta)>,
    /// `records/*.yaml`, when the directory exists.
    pub records: Vec<(PathBuf, RecordMeta)>,
}

impl Catalog {
    /// Reads `data/`'s metadata and resolves the edition's views (`views`, declared in
    /// `edition_file`) against it.
    pub fn load(data_dir: &Path, edition_dir: &Path, edition_file: &Path, views: &[View]) -> Result<Catalog> {
        if !data_dir.is_dir() {
            return Err(InputError::new(data_dir, "data directory not found")
                .hint("run from the project root, or set settings.data_dir in report.yaml")
                .into());
        }
        let datasets = load_dir::<TableMeta>(data_dir, &data_dir.join("tables"))?;
        let figures = load_dir::<FigureMeta>(data_dir, &data_dir.join("figures"))?;
        for (path, meta) in &datasets {
            check_id(path, &meta.id)?;
            check_table(path, meta)?;
        }
        for (path, meta) in &figures {
            check_id(path, &meta.id)?;
            check_figure(path, meta)?;
        }
        let records_dir = data_dir.join("records");
        let records = if records_dir.is_dir() { load_dir::<RecordMeta>(data_dir, &records_dir)? } else { Vec::new() };
        for (path, meta) in &records {
            check_id(path, &meta.id)?;
            if datasets.iter().any(|(_, t)| t.id == meta.id) {
                return Err(InputError::new(path, format!("`{}` is both a table and a record dataset", meta.id))
                    .field("id")
                    .hint("a formula names either; give the record dataset another id")
                    .into());
            }
        }
        let tables = placed(&datasets, edition_file, views)?;
        Ok(Catalog {
            root: data_dir.to_path_buf(),
            edition_dir: edition_dir.to_path_buf(),
            datasets,
            tables,
            views: views.to_vec(),
            figures,
            records,
        })
    }

    /// Refuses a data file that is not under the data directory once symlinks are resolved.
    pub fn check_inside(&self, file: &Path) -> Result<()> {
        check_inside(&self.root, file)
    }

    /// A table the edition places (a view, or a dataset placed whole).
    pub fn table(&self, id: &str) -> Option<&TableMeta> {
        self.tables.iter().map(|(_, m)| m).find(|m| m.id == id)
    }

    /// A dataset of `data/tables/`, as formulas name it.
    pub fn dataset(&self, id: &str) -> Option<&TableMeta> {
        self.datasets.iter().map(|(_, m)| m).find(|m| m.id == id)
    }

    /// The view that places `id`, if the edition declares one.
    pub fn view(&self, id: &str) -> Option<&View> {
        self.views.iter().find(|v| v.id == id)
    }

    pub fn record(&self, id: &str) -> Option<&RecordMeta> {
        self.records.iter().map(|(_, m)| m).find(|m| m.id == id)
    }

    /// Whether a dataset has values for `year` as known to `edition`. A record dataset is
    /// a register's export: every year it holds.
    pub fn collected(&self, id: &str, year: i32, edition: i32) -> bool {
        self.dataset(id).is_none_or(|t| t.collected_years(edition).any(|y| y == year))
    }

    /// Every year any register was collected for, as known to `edition`.
    pub fn collected_years(&self, edition: i32) -> impl Iterator<Item = i32> + '_ {
        self.datasets.iter().flat_map(move |(_, t)| t.collected_years(edition))
    }

    /// The columns of what a formula names: a table or a record dataset.
    pub fn columns_of(&self, id: &str) -> Option<&[ColumnSpec]> {
        self.dataset(id).map(|t| t.columns.as_slice()).or_else(|| self.record(id).map(|r| r.columns.as_slice()))
    }
}

/// Reads every `*.yaml` in a directory, sorted by file name so the order never depends on
/// the file system.
fn load_dir<T: serde::de::DeserializeOwned>(data_dir: &Path, dir: &Path) -> Result<Vec<(PathBuf, T)>> {
    let mut paths = Vec::new();
    let entries = std::fs::read_dir(dir).map_err(|source| Error::Io { path: dir.to_path_buf(), source })?;
    for entry in entries {
        let path = entry.map_err(|source| Error::Io { path: dir.to_path_buf(), source })?.path();
        if path.extension().is_some_and(|e| e == "yaml") {
            paths.push(path);
        }
    }
    paths.sort();
    paths
        .into_iter()
        .map(|p| {
            check_inside(data_dir, &p)?;
            let text = error::read_to_string(&p)?;
            let meta = error::parse_yaml(&p, &text)?;
            Ok((p, meta))
        })
        .collect()
}

/// Parses and checks a table's YAML text (`path` names it in errors), as `Catalog::load` does.
pub fn parse_table(path: &Path, text: &str) -> Result<TableMeta> {
    let meta: TableMeta = error::parse_yaml(path, text)?;
    check_table(path, &meta)?;
    Ok(meta)
}

/// Parses and checks a figure's YAML text, as `Catalog::load` does.
pub fn parse_figure(path: &Path, text: &str) -> Result<FigureMeta> {
    let meta: FigureMeta = error::parse_yaml(path, text)?;
    check_figure(path, &meta)?;
    Ok(meta)
}

/// Refuses a data file outside `data_dir` once symlinks are resolved.
pub fn check_inside(data_dir: &Path, file: &Path) -> Result<()> {
    let (Ok(root), Ok(real)) = (std::fs::canonicalize(data_dir), std::fs::canonicalize(file)) else {
        return Ok(()); // a missing file is reported by whoever reads it
    };
    if real.starts_with(&root) {
        return Ok(());
    }
    Err(InputError::new(file, format!("this data file leads to `{}`, outside the data directory", real.display()))
        .hint("copy the file into data/ instead of linking to it; a build reads only the project's own data")
        .into())
}

/// The 1-based line where `key:` starts a line of a YAML file, for errors found after parsing.
fn key_line(path: &Path, key: &str) -> Option<usize> {
    let text = std::fs::read_to_string(path).ok()?;
    text.lines().position(|l| l.starts_with(&format!("{key}:"))).map(|i| i + 1)
}

fn check_id(path: &Path, id: &str) -> Result<()> {
    let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or_default();
    if stem != id {
        return Err(InputError::new(path, format!("id `{id}` does not match the file name `{stem}`"))
            .field("id")
            .hint("a dataset's id is its file stem; rename one of them")
            .into());
    }
    Ok(())
}

fn check_table(path: &Path, meta: &TableMeta) -> Result<()> {
    if meta.collected.is_empty() {
        return Err(InputError::new(path, "`collected` lists no collection")
            .field("collected")
            .hint(
                "name the edition that collected the register and the years it covers: collected: [{edition: 2023, from: 2017, to: 2023}]",
            )
            .into());
    }
    let mut seen = std::collections::BTreeSet::new();
    for c in &meta.columns {
        if c.name == "edition" || c.name == "added" {
            return Err(InputError::new(path, format!("`{}` is not a column name a table can declare", c.name))
                .field("columns")
                .hint("`edition` is the CSV column of the edition that brought a row, `added` the filter on it; rename the column")
                .into());
        }
        if !seen.insert(c.name.as_str()) {
            return Err(InputError::new(path, format!("column `{}` is declared twice", c.name)).into());
        }
    }
    for c in meta.columns.iter().filter(|c| c.min.is_some() || c.max.is_some()) {
        if !matches!(c.kind, ColumnType::Integer | ColumnType::Number) {
            return Err(InputError::new(path, format!("column `{}` declares min/max but is not a number", c.name))
                .field("columns")
                .hint("min and max apply to `type: integer` and `type: number` columns")
                .into());
        }
    }
    for k in &meta.key {
        if !seen.contains(k.as_str()) {
            return Err(InputError::new(path, format!("key column `{k}` is not among the declared columns"))
                .field("key")
                .hint(format!("declared columns: {}", meta.columns.iter().map(|c| c.name.as_str()).collect::<Vec<_>>().join(", ")))
                .into());
        }
    }
    Ok(())
}

/// The kinds of chart a figure can be drawn as (`chart:` in its YAML).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChartKind {
    Bar,
    BarLine,
    Hbar,
    GroupedBar,
    StackedBar,
    Pie,
    Donut,
    Cards,
    Keywords,
    Structure,
}

impl ChartKind {
    pub const ALL: [(&str, ChartKind); 10] = [
        ("bar", ChartKind::Bar),
        ("bar_line", ChartKind::BarLine),
        ("hbar", ChartKind::Hbar),
        ("grouped_bar", ChartKind::GroupedBar),
        ("stacked_bar", ChartKind::StackedBar),
        ("pie", ChartKind::Pie),
        ("donut", ChartKind::Donut),
        ("cards", ChartKind::Cards),
        ("keywords", ChartKind::Keywords),
        ("structure", ChartKind::Structure),
    ];
    pub fn from_name(name: &str) -> Option<ChartKind> {
        ChartKind::ALL.iter().find(|(n, _)| *n == name).map(|(_, k)| *k)
    }
}

impl FigureMeta {
    /// The chart kind (checked when the catalog is read, so every loaded figure has one).
    pub fn kind(&self) -> ChartKind {
        ChartKind::from_name(&self.chart).unwrap_or(ChartKind::Bar)
    }
}

fn check_figure(path: &Path, meta: &FigureMeta) -> Result<()> {
    if ChartKind::from_name(&meta.chart).is_none() {
        return Err(InputError::new(path, format!("unknown chart kind `{}`", meta.chart))
            .field("chart")
            .hint(format!("one of: {}", ChartKind::ALL.map(|(n, _)| n).join(", ")))
            .into());
    }
    if let Some(file) = &meta.data {
        let plain = Path::new(file).components().count() == 1
            && matches!(Path::new(file).components().next(), Some(std::path::Component::Normal(_)));
        if !plain {
            let mut err = InputError::new(path, format!("`data: {file}` is not a file beside this YAML"))
                .field("data")
                .hint("a figure's CSV lives next to its YAML in data/figures/: write its file name only, e.g. `data: scale.csv`");
            if let Some(line) = key_line(path, "data") {
                err = err.line(line);
            }
            return Err(err.into());
        }
    }
    let sources = [meta.data.is_some(), !meta.series.is_empty(), !meta.keywords.is_empty(), !meta.layers.is_empty()];
    if sources.iter().filter(|s| **s).count() != 1 {
        return Err(InputError::new(path, "a figure needs exactly one of `data`, `series`, `keywords`, `layers`")
            .hint("see data/README.md, section Figures")
            .into());
    }
    Ok(())
}

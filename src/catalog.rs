//! The metadata of every dataset under `data/` (see data/README.md): what each table and
//! figure is, its columns and types, where its values come from.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::{self, Error, InputError, Result};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ColumnType {
    String,
    Integer,
    Number,
    Month,
    Date,
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
    /// How the document prints a month or date: dot, dot2, cjk, cjk_spaced.
    #[serde(default)]
    pub format: Option<String>,
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
    pub tables: Vec<(PathBuf, TableMeta)>,
    pub figures: Vec<(PathBuf, FigureMeta)>,
}

impl Catalog {
    pub fn load(data_dir: &Path) -> Result<Catalog> {
        if !data_dir.is_dir() {
            return Err(InputError::new(data_dir, "data directory not found")
                .hint("run from the project root, or set settings.data_dir in report.yaml")
                .into());
        }
        let tables = load_dir::<TableMeta>(&data_dir.join("tables"))?;
        let figures = load_dir::<FigureMeta>(&data_dir.join("figures"))?;
        for (path, meta) in &tables {
            check_id(path, &meta.id)?;
            check_table(path, meta)?;
        }
        for (path, meta) in &figures {
            check_id(path, &meta.id)?;
            check_figure(path, meta)?;
        }
        Ok(Catalog { root: data_dir.to_path_buf(), tables, figures })
    }

    pub fn table(&self, id: &str) -> Option<&TableMeta> {
        self.tables.iter().map(|(_, m)| m).find(|m| m.id == id)
    }
}

/// Reads every `*.yaml` in a directory, sorted by file name so the order never depends on
/// the file system.
fn load_dir<T: serde::de::DeserializeOwned>(dir: &Path) -> Result<Vec<(PathBuf, T)>> {
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
            let text = error::read_to_string(&p)?;
            let meta = error::parse_yaml(&p, &text)?;
            Ok((p, meta))
        })
        .collect()
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
    let mut seen = std::collections::BTreeSet::new();
    for c in &meta.columns {
        if !seen.insert(c.name.as_str()) {
            return Err(InputError::new(path, format!("column `{}` is declared twice", c.name)).into());
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

const CHART_KINDS: &[&str] = &["bar", "bar_line", "hbar", "grouped_bar", "stacked_bar", "pie", "donut", "cards", "keywords", "structure"];

fn check_figure(path: &Path, meta: &FigureMeta) -> Result<()> {
    if !CHART_KINDS.contains(&meta.chart.as_str()) {
        return Err(InputError::new(path, format!("unknown chart kind `{}`", meta.chart))
            .field("chart")
            .hint(format!("one of: {}", CHART_KINDS.join(", ")))
            .into());
    }
    let sources = [meta.data.is_some(), !meta.series.is_empty(), !meta.keywords.is_empty(), !meta.layers.is_empty()];
    if sources.iter().filter(|s| **s).count() != 1 {
        return Err(InputError::new(path, "a figure needs exactly one of `data`, `series`, `keywords`, `layers`")
            .hint("see data/README.md, section Figures")
            .into());
    }
    Ok(())
}

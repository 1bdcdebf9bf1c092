//! An edition's views of the datasets: what `tables:` in its report.yaml declares, resolved
//! against `data/tables/` into the metadata of the tables the edition places.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::{ColumnType, GroupTotals, Repair, TableMeta};
use crate::error::{self, InputError, Result};

/// A table as an edition places it: the rows of a dataset that a condition keeps, in the
/// edition's year (表 1-1 = the national policies dated in the edition's year; 表 2-4 = the
/// funds of 附表 3 founded in it), declared under `tables:` in the edition's report.yaml.
/// What it does not say (number, title, chapter…) it takes from the dataset.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct View {
    /// The id the templates place (`table(id=…)`); it may be the dataset's own id.
    pub id: String,
    /// The dataset under `data/tables/`.
    pub of: String,
    /// The rows kept, in the filter syntax of formulas (`year(founded) = y`; `y` is the
    /// edition's year); every row when absent.
    #[serde(rename = "where", default)]
    pub filter: Option<String>,
    #[serde(default)]
    pub printed_number: Option<String>,
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub chapter: Option<serde_yaml::Value>,
    #[serde(default)]
    pub section: Option<String>,
    #[serde(default)]
    pub source_note: Option<String>,
    /// Cells this edition printed otherwise than the dataset holds (the same fund's goal
    /// printed two ways in two tables): the edition reproduces what it printed.
    #[serde(default)]
    pub printed: Vec<PrintedCell>,
    /// Subtotals the edition printed in the table, which the audit checks against its rows.
    #[serde(default)]
    pub group_totals: Option<GroupTotals>,
    #[serde(default)]
    pub repairs: Vec<Repair>,
    #[serde(default)]
    pub notes: Vec<String>,
}

/// One cell of a view as the edition printed it.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct PrintedCell {
    /// The row: text columns and their values (`{name: 河南文旅数字科技私募股权投资基金}`).
    pub row: BTreeMap<String, String>,
    pub column: String,
    pub text: String,
    pub reason: String,
}

/// The edition's placed tables, sorted by id: each view as its dataset's metadata with the
/// view's own number, title, chapter, notes…; then each dataset that no view is made from.
pub(super) fn placed(datasets: &[(PathBuf, TableMeta)], edition_file: &Path, views: &[View]) -> Result<Vec<(PathBuf, TableMeta)>> {
    let mut out: Vec<(PathBuf, TableMeta)> = Vec::new();
    for v in views {
        let Some((_, base)) = datasets.iter().find(|(_, t)| t.id == v.of) else {
            let known: Vec<&str> = datasets.iter().map(|(_, t)| t.id.as_str()).collect();
            let mut err = InputError::new(edition_file, format!("table `{}` is a view of `{}`, which is not a dataset", v.id, v.of))
                .field("tables")
                .hint(match error::nearest(&v.of, known.iter().copied()) {
                    Some(near) => format!("did you mean `{near}`? datasets are data/tables/*.yaml"),
                    None => "`of:` names a dataset of data/tables/ by its id".to_string(),
                });
            if let Some(line) = line_of(edition_file, &format!("of: {}", v.of)) {
                err = err.line(line);
            }
            return Err(err.into());
        };
        if out.iter().any(|(_, t)| t.id == v.id) {
            return Err(InputError::new(edition_file, format!("table `{}` is declared twice", v.id))
                .field("tables")
                .hint("an edition places each table once; give the second view another id")
                .into());
        }
        let mut meta = base.clone();
        meta.id = v.id.clone();
        meta.printed_number = v.printed_number.clone().unwrap_or(meta.printed_number);
        meta.title = v.title.clone().unwrap_or(meta.title);
        meta.chapter = v.chapter.clone().unwrap_or(meta.chapter);
        meta.section = v.section.clone().unwrap_or(meta.section);
        if v.source_note.is_some() {
            meta.source_note = v.source_note.clone();
        }
        if v.group_totals.is_some() {
            meta.group_totals = v.group_totals.clone();
        }
        meta.repairs.extend(v.repairs.iter().cloned());
        meta.notes.extend(v.notes.iter().cloned());
        for p in &v.printed {
            let text_column = |c: &str| meta.columns.iter().any(|s| s.name == c && s.kind == ColumnType::String);
            if let Some(bad) = p.row.keys().map(String::as_str).chain([p.column.as_str()]).find(|c| !text_column(c)) {
                return Err(InputError::new(edition_file, format!("table `{}`: `{bad}` is not a text column of `{}`", v.id, v.of))
                    .field("printed")
                    .hint("a printed cell names its row and column by text columns of the dataset")
                    .into());
            }
        }
        out.push((edition_file.to_path_buf(), meta));
    }
    out.extend(datasets.iter().filter(|(_, t)| !views.iter().any(|v| v.id == t.id || v.of == t.id)).cloned());
    out.sort_by(|a, b| a.1.id.cmp(&b.1.id));
    Ok(out)
}

/// The 1-based line of a file's first line containing `needle`, for errors found after parsing.
pub(crate) fn line_of(path: &Path, needle: &str) -> Option<usize> {
    let text = std::fs::read_to_string(path).ok()?;
    text.lines().position(|l| l.contains(needle)).map(|i| i + 1)
}

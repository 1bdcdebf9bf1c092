//! Vintages: an edition reads the data as it was known when it was published.
//!
//! Every table row and every stated value records the edition that brought it (or
//! corrected it): a table's optional `edition` column (rows without one came with the
//! register's first collection), the stated registry's `edition` column. Building the edition
//! of year `E` keeps what editions up to `E` brought and, where a later row corrects an
//! earlier one (same key, later edition), the latest version up to `E`. So rebuilding an
//! edition after the next one's additions gives the same report.

use std::path::Path;

use polars::prelude::*;

use super::derived::ADDED;
use super::{csv_in, polars_error};
use crate::catalog::{ColumnSpec, ColumnType, TableMeta};
use crate::error::Result;

/// The CSV column that records the edition that brought a row.
pub const EDITION: &str = "edition";

/// A table's CSV with every row's edition (the register's first collection where the
/// `edition` cell is empty or the column absent): what [`table`] filters for each vintage.
pub fn read(csv: &Path, meta: &TableMeta) -> Result<DataFrame> {
    let text_head = std::fs::read(csv).ok().and_then(|b| b.split(|&c| c == b'\n').next().map(|l| String::from_utf8_lossy(l).into_owned()));
    let versioned = text_head.is_some_and(|h| h.trim_end().split(',').any(|c| c.trim_matches('"') == EDITION));
    let df = if versioned {
        let mut columns = meta.columns.clone();
        columns.push(ColumnSpec {
            name: EDITION.into(),
            title: EDITION.into(),
            kind: ColumnType::Integer,
            // An empty cell: the row came with the register's first collection.
            nullable: true,
            unit: None,
            format: None,
            min: Some(1900.0),
            max: Some(2200.0),
        });
        let key: Vec<String> = meta.key.iter().cloned().chain([EDITION.to_string()]).collect();
        let first = lit(i64::from(meta.first_edition()));
        let df = csv_in::read(csv, &columns, &key)?;
        df.lazy()
            .with_column(col(EDITION).cast(DataType::Int64).fill_null(first))
            .collect()
            .map_err(|e| polars_error("editions", csv, e))?
    } else {
        let mut df = csv_in::read(csv, &meta.columns, &meta.key)?;
        let first = vec![i64::from(meta.first_edition()); df.height()];
        df.with_column(Column::new(EDITION.into(), first)).map_err(|e| polars_error("editions", csv, e))?;
        df
    };
    Ok(df)
}

/// A table read by [`read`] as known to `edition`, with the pseudo-column `added` (the
/// edition that first brought each row's key).
pub fn table(df: DataFrame, csv: &Path, meta: &TableMeta, edition: i32) -> Result<DataFrame> {
    let key: Vec<Expr> = meta.key.iter().map(|k| col(k.as_str())).collect();
    latest(df, key, edition, true, csv)
}

/// The stated registry as known to `edition`: per key and year, the latest value.
pub fn stated(df: DataFrame, edition: i32, dir: &Path) -> Result<DataFrame> {
    latest(df, vec![col("key"), col("year")], edition, false, dir)
}

/// Rows brought by editions up to `edition`, the latest version of each key; with `added`,
/// the edition of each key's first version.
fn latest(df: DataFrame, key: Vec<Expr>, edition: i32, added: bool, path: &Path) -> Result<DataFrame> {
    let window = |e: Expr| e.over(key.clone());
    let error = |e| polars_error("editions", path, e);
    let mut lf = df.lazy().filter(col(EDITION).lt_eq(lit(i64::from(edition))));
    if added {
        lf = lf.with_column(window(col(EDITION).min()).map_err(error)?.alias(ADDED));
    }
    lf.filter(col(EDITION).eq(window(col(EDITION).max()).map_err(error)?)).collect().map_err(error)
}

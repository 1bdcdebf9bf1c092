//! An edition's tables as views of the datasets: the rows of a dataset that the view's
//! condition keeps in the edition's year, so 表 1-1 of each edition is that year's policies
//! and no table copies another's rows.

use std::collections::BTreeSet;
use std::path::Path;

use polars::prelude::*;

use super::derived::{check_query, mask, prepared};
use super::formula::{self, Formula};
use super::polars_error;
use crate::catalog::{Catalog, View};
use crate::error::{InputError, Result};
use crate::model::{Cell, Table};

/// The rows of `view` in the `edition`'s year, from its dataset's frame as known to the
/// edition.
pub(super) fn rows(view: &View, catalog: &Catalog, df: &DataFrame, places: &DataFrame, edition: i32) -> Result<DataFrame> {
    let Some(filter) = &view.filter else { return Ok(df.clone()) };
    let file = catalog.edition_dir.join("report.yaml");
    let bad = |message: String, hint: String| -> crate::error::Error {
        let mut err = InputError::new(&file, format!("view `{}`: {message}", view.id)).field("where").hint(hint);
        if let Some(line) = crate::catalog::line_of(&file, &format!("where: {filter}")) {
            err = err.line(line);
        }
        err.into()
    };
    let query = match formula::parse(&format!("count({}, {filter})", view.of)) {
        Ok(Formula::Table(q)) => q.in_year(edition),
        Ok(_) => unreachable!("count(…) parses as a table query"),
        Err(e) => return Err(bad(format!("`where: {filter}` is not a condition: {}", e.message), e.hint)),
    };
    check_query(&query, catalog).map_err(|(message, hint)| bad(message, hint))?;
    let meta = catalog.dataset(&view.of).expect("a view's dataset is checked when the catalog loads");
    let derived: BTreeSet<_> = query.filters.iter().map(|f| f.column.clone()).collect();
    let path = Path::new("data/tables").join(format!("{}.csv", view.of));
    let joined = prepared(&view.of, df, &meta.columns, &derived, places, &path)?;
    let keep = mask(&query.filters, &meta.columns).unwrap_or(lit(true));
    let names: Vec<_> = df.get_column_names().into_iter().map(|n| col(n.as_str())).collect();
    joined.lazy().filter(keep).select(names).collect().map_err(|e| polars_error(&format!("table `{}`", view.id), &file, e))
}

/// The cells this edition printed otherwise than its dataset holds.
pub(super) fn as_printed(view: &View, table: &mut Table) {
    for p in &view.printed {
        let index = |c: &str| table.columns.iter().position(|n| n == c);
        let Some(column) = index(&p.column) else { continue };
        let matches = |row: &Vec<Cell>| p.row.iter().all(|(c, v)| index(c).is_some_and(|i| row[i] == Cell::Text(v.clone())));
        for row in table.rows.iter_mut().filter(|r| matches(r)) {
            row[column] = Cell::Text(p.text.clone());
        }
    }
}

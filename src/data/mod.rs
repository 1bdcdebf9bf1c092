//! The data stage: reads every dataset under `data/` once, computes the derived figures, and
//! hands plain values ([`Facts`]) to the rest of the program. This is the only module that
//! uses Polars, so a Polars upgrade touches nothing else.

mod csv_in;
mod derived;
mod figures;
pub mod formula;
pub mod records;
mod views;
mod vintage;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use polars::prelude::*;
use rayon::prelude::*;

use crate::catalog::{Catalog, ColumnSpec, ColumnType};
use crate::error::{InputError, Result};
use crate::model::{Cell, Facts, Number, NumberKind, Printed, Table};

pub use crate::error::nearest;
pub use derived::decimals;
pub use figures::{caption, yoy};

/// The loaded DataFrames, by dataset id.
pub(crate) struct Frames {
    pub tables: BTreeMap<String, DataFrame>,
    /// Record datasets, scanned when a formula needs them.
    pub records: BTreeMap<String, records::Dataset>,
    pub stated: DataFrame,
    pub places: DataFrame,
}

/// Every CSV of `data/` as read, each table row with the edition that brought it: one read
/// serves each vintage a build computes (its own, and its earlier editions' for 修订说明).
pub struct Sources {
    tables: BTreeMap<String, DataFrame>,
    stated: DataFrame,
    places: DataFrame,
}

/// Reads every dataset of `catalog` and the stated registry, checked against their schemas.
pub fn read(catalog: &Catalog) -> Result<Sources> {
    let root = &catalog.root;
    let mut tables = BTreeMap::new();
    for (yaml, meta) in &catalog.datasets {
        let csv = yaml.with_extension("csv");
        catalog.check_inside(&csv)?;
        tables.insert(meta.id.clone(), vintage::read(&csv, meta)?);
    }
    let stated = read_stated(catalog, &root.join("stated"))?;
    catalog.check_inside(&root.join("lookups/places.csv"))?;
    let places = csv_in::read(&root.join("lookups/places.csv"), &place_columns(), &["place".to_string()])?;
    Ok(Sources { tables, stated, places })
}

impl Sources {
    /// The data as known to `vintage`. Each table is a small query of its own, so they run
    /// in parallel; the first error in the catalog's order is the one reported.
    fn frames(&self, catalog: &Catalog, vintage: i32) -> Result<Frames> {
        let table = |(yaml, meta): &(std::path::PathBuf, crate::catalog::TableMeta)| -> Result<(String, DataFrame)> {
            let csv = yaml.with_extension("csv");
            let raw = match self.tables.get(&meta.id) {
                Some(df) => df.clone(),
                None => vintage::read(&csv, meta)?,
            };
            Ok((meta.id.clone(), vintage::table(raw, &csv, meta, vintage)?))
        };
        let (tables, stated) = rayon::join(
            || catalog.datasets.par_iter().map(table).collect::<Vec<_>>(),
            || vintage::stated(self.stated.clone(), vintage, &catalog.root.join("stated")),
        );
        let tables = tables.into_iter().collect::<Result<BTreeMap<_, _>>>()?;
        let records = catalog
            .records
            .iter()
            .map(|(yaml, meta)| Ok((meta.id.clone(), records::Dataset::new(yaml, meta.clone())?)))
            .collect::<Result<_>>()?;
        Ok(Frames { tables, records, stated: stated?, places: self.places.clone() })
    }
}

/// What a load computes: everything, or the numbers and tables alone (the revisions of an
/// earlier edition compare nothing else).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Parts {
    All,
    NumbersAndTables,
}

/// Reads every dataset as known to `edition` (the year of the edition being built) and
/// computes every derived number and figure.
pub fn load(catalog: &Catalog, edition: i32) -> Result<Facts> {
    compute(catalog, &read(catalog)?, edition, edition, Parts::All)
}

/// The edition of `edition`'s year computed from `sources` as known to `vintage`: a later
/// vintage shows what later editions added to or corrected in its numbers.
pub fn compute(catalog: &Catalog, sources: &Sources, edition: i32, vintage: i32, parts: Parts) -> Result<Facts> {
    let frames = sources.frames(catalog, vintage)?;
    let primaries = primaries(&frames.stated, edition);
    let numbers = derived::evaluate(catalog, &frames, primaries, edition, vintage)?;
    let figures = catalog
        .figures
        .iter()
        .filter(|_| parts == Parts::All)
        .map(|(path, meta)| figures::resolve(path, meta, &frames, catalog, &numbers, edition))
        .collect::<Result<Vec<_>>>()?;
    let tables = catalog
        .tables
        .iter()
        .map(|(_, meta)| {
            let Some(view) = catalog.view(&meta.id) else { return Ok(to_table(&meta.id, &frames.tables[&meta.id], &meta.columns)) };
            let rows = views::rows(view, catalog, &frames.tables[&view.of], &frames.places, edition)?;
            let mut table = to_table(&meta.id, &rows, &meta.columns);
            views::as_printed(view, &mut table);
            Ok(table)
        })
        .collect::<Result<_>>()?;
    Ok(Facts { edition, tables, figures, numbers })
}

/// Reads a CSV's bytes against its declared schema (`path` names it in errors) and returns
/// the number of rows: the reader every dataset goes through, for tools and property tests.
pub fn read_csv_bytes(path: &Path, bytes: Vec<u8>, columns: &[ColumnSpec], key: &[String]) -> Result<usize> {
    let text = crate::error::decode(path, bytes)?;
    Ok(csv_in::parse(path, &text, columns, key)?.height())
}

/// Every `data/stated/*.csv` (one file per chapter, so editors of different chapters never
/// touch the same file), read in name order; a key may be defined only once in all of them.
fn read_stated(catalog: &Catalog, dir: &Path) -> Result<DataFrame> {
    let mut paths: Vec<_> = std::fs::read_dir(dir)
        .map_err(|source| crate::error::Error::Io { path: dir.to_path_buf(), source })?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "csv"))
        .collect();
    paths.sort();
    let mut all: Option<DataFrame> = None;
    let root = dir.parent().unwrap_or(dir);
    let mut seen: BTreeMap<String, std::path::PathBuf> = BTreeMap::new();
    for path in paths {
        catalog.check_inside(&path)?;
        let key: Vec<String> = ["key", "year", "edition"].map(String::from).into();
        let mut df = csv_in::read(&path, &stated_columns(), &key)?;
        // Where each primary is typed, for `vars` and the reader's provenance.
        let defined: Vec<String> = (0..df.height()).map(|i| format!("{}:{}", derived::display_path(&path, root), i + 2)).collect();
        df.with_column(polars::prelude::Column::new("defined".into(), defined)).map_err(|e| polars_error("stated registry", &path, e))?;
        let mine: BTreeSet<String> = strings(&df, "key").into_iter().flatten().collect();
        for (i, key) in strings(&df, "key").into_iter().enumerate() {
            let key = key.unwrap_or_default();
            if let Some(first) = seen.get(&key).filter(|first| **first != path) {
                return Err(InputError::new(&path, format!("stated key `{key}` is already defined in {}", first.display()))
                    .line(i + 2)
                    .hint("a stated number is defined in one file, with a row per year; use the existing key, or rename this one")
                    .into());
            }
        }
        seen.extend(mine.into_iter().map(|k| (k, path.clone())));
        all = Some(match all {
            None => df,
            Some(acc) => acc.vstack(&df).map_err(|e| polars_error("stated registry", &path, e))?,
        });
    }
    all.ok_or_else(|| {
        InputError::new(dir, "no stated figures found")
            .hint("add data/stated/<chapter>.csv with the columns key,year,value,unit,qualifier,where,quote,edition")
            .into()
    })
}

fn spec(name: &str, kind: ColumnType, nullable: bool) -> ColumnSpec {
    ColumnSpec { name: name.into(), title: name.into(), kind, nullable, unit: None, format: None, min: None, max: None }
}

fn stated_columns() -> Vec<ColumnSpec> {
    vec![
        spec("key", ColumnType::String, false),
        spec("year", ColumnType::Integer, false),
        spec("value", ColumnType::Number, false),
        spec("unit", ColumnType::String, true),
        spec("qualifier", ColumnType::String, true),
        spec("where", ColumnType::String, false),
        spec("quote", ColumnType::String, false),
        spec("edition", ColumnType::Integer, false),
    ]
}

fn place_columns() -> Vec<ColumnSpec> {
    vec![spec("place", ColumnType::String, false), spec("province", ColumnType::String, false), spec("region", ColumnType::String, false)]
}

fn strings(df: &DataFrame, name: &str) -> Vec<Option<String>> {
    df.column(name).and_then(|c| c.str().map(|s| s.iter().map(|v| v.map(str::to_string)).collect())).unwrap_or_default()
}

fn floats(df: &DataFrame, name: &str) -> Vec<Option<f64>> {
    df.column(name).and_then(|c| c.cast(&DataType::Float64)).and_then(|c| c.f64().map(|s| s.iter().collect())).unwrap_or_default()
}

/// The stated registry as numbers: one primary per key, with its value in each year it is
/// stated for, printed where the row of the edition's year (else its latest year) says.
fn primaries(df: &DataFrame, edition: i32) -> Vec<Number> {
    let keys = strings(df, "key");
    let years = floats(df, "year");
    let values = floats(df, "value");
    let units = strings(df, "unit");
    let qualifiers = strings(df, "qualifier");
    let locations = strings(df, "where");
    let quotes = strings(df, "quote");
    let defined = strings(df, "defined");
    let editions = floats(df, "edition");
    let mut rows: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (i, k) in keys.iter().enumerate() {
        rows.entry(k.clone().unwrap_or_default()).or_default().push(i);
    }
    rows.into_iter()
        .map(|(name, rows)| {
            let year = |i: usize| years[i].unwrap_or_default() as i32;
            let by_year: BTreeMap<i32, f64> = rows.iter().map(|&i| (year(i), values[i].unwrap_or_default())).collect();
            let i =
                rows.iter().copied().find(|&i| year(i) == edition).unwrap_or_else(|| *rows.iter().max_by_key(|&&i| year(i)).unwrap_or(&0));
            let value = by_year.get(&edition).copied().unwrap_or(f64::NAN);
            let shown = values[i].unwrap_or_default();
            Number {
                name,
                kind: NumberKind::Primary,
                value,
                years: by_year,
                edition: editions[i].map(|e| e as i32),
                unit: units[i].clone().unwrap_or_default(),
                printed: Some(Printed {
                    value: shown,
                    qualifier: qualifiers[i].clone(),
                    location: locations[i].clone().unwrap_or_default(),
                    quote: quotes[i].clone().unwrap_or_default(),
                    sole: false,
                }),
                formula: None,
                worked: Default::default(),
                inputs: Vec::new(),
                explain: None,
                digits: decimals(shown),
                whole: false,
                ties: Vec::new(),
                defined: defined[i].clone().unwrap_or_default(),
            }
        })
        .collect()
}

/// Turns a table's DataFrame back into typed cells for rendering.
fn to_table(id: &str, df: &DataFrame, columns: &[ColumnSpec]) -> Table {
    let cols: Vec<Vec<Cell>> = columns
        .iter()
        .map(|spec| {
            let Ok(c) = df.column(&spec.name) else { return vec![Cell::Missing; df.height()] };
            let cells: Vec<Cell> = match spec.kind {
                ColumnType::String => {
                    c.str().map(|s| s.iter().map(|v| v.map_or(Cell::Missing, |v| Cell::Text(v.to_string()))).collect()).unwrap_or_default()
                }
                ColumnType::Integer => {
                    c.i64().map(|s| s.iter().map(|v| v.map_or(Cell::Missing, Cell::Integer)).collect()).unwrap_or_default()
                }
                ColumnType::Number => {
                    c.f64().map(|s| s.iter().map(|v| v.map_or(Cell::Missing, Cell::Number)).collect()).unwrap_or_default()
                }
                ColumnType::Month => c
                    .i32()
                    .map(|s| s.iter().map(|v| v.map_or(Cell::Missing, |v| Cell::Month(v / 100, (v % 100) as u32))).collect())
                    .unwrap_or_default(),
                ColumnType::Date => c
                    .i32()
                    .map(|s| {
                        s.iter()
                            .map(|v| v.map_or(Cell::Missing, |v| Cell::Date(v / 10000, (v / 100 % 100) as u32, (v % 100) as u32)))
                            .collect()
                    })
                    .unwrap_or_default(),
            };
            cells
        })
        .collect();
    let rows = (0..df.height()).map(|r| cols.iter().map(|c| c[r].clone()).collect()).collect();
    Table { id: id.to_string(), columns: columns.iter().map(|c| c.name.clone()).collect(), rows }
}

/// Polars errors carry query-plan dumps; an editor sees only the first line, with the
/// dataset and metric named.
pub(crate) fn polars_error(context: &str, path: &Path, e: PolarsError) -> crate::error::Error {
    let msg = e.to_string();
    let first = msg.lines().next().unwrap_or("").trim();
    InputError::new(path, format!("{context}: {first}")).hint("check the dataset's columns and types against its YAML").into()
}

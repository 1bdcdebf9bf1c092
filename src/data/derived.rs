//! Derived numbers (`data/derived/*.yaml`): every number that is a function of other data,
//! defined once by a formula and computed here with Polars. Templates, figures and the
//! audit all read them by name, beside the stated primaries (`data/stated/*.csv`).
//!
//! Evaluation is lazy and reads each table once: every table aggregate of every formula is
//! one expression in a single `select` per table; then all primaries and aggregates form a
//! one-row frame to which the derived numbers are added as expressions, in dependency order,
//! and collected once.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use polars::prelude::*;
use serde::Deserialize;

use super::formula::{self, Aggregate, Cmp, Column, Filter, Formula, Func, Literal, Op, TableQuery, YearRef};
use super::records;
use super::{Frames, polars_error};
use crate::catalog::{Catalog, ColumnSpec, ColumnType};
use crate::error::{self, InputError, Result};
use crate::model::{Claim, Number, NumberKind, Printed};

mod aggregate;
mod definitions;

use aggregate::*;
pub(super) use aggregate::{mask, prepared};
use definitions::*;

/// Computes every derived number in every year of the series, given the primaries.
///
/// The numbers form one frame with a row per year (`years`, ascending and without gaps), so
/// `name[y - 1]` is the previous row and a formula is one expression for all years. A table
/// aggregate that compares with `y` is counted for each year its register was collected for,
/// as known to `vintage` (the edition whose data is read: the edition itself, or a later one
/// to see what it revised); in other years it is missing (null), never zero.
pub fn evaluate(catalog: &Catalog, frames: &Frames, primaries: Vec<Number>, edition: i32, vintage: i32) -> Result<Vec<Number>> {
    let mut defs = read_definitions(&catalog.root.join("derived"))?;
    read_printed(&catalog.edition_dir.join("printed.yaml"), &mut defs)?;
    let mut numbers: BTreeMap<String, Number> = BTreeMap::new();
    for p in primaries {
        numbers.insert(p.name.clone(), p);
    }
    for d in &defs {
        if let Some(p) = numbers.get(&d.name) {
            return Err(d
                .error(format!("`{}` is already a stated primary ({})", d.name, p.defined))
                .hint("a number is either typed in data/stated/ or computed here, not both: remove one")
                .into());
        }
    }
    let by_name: BTreeMap<&str, &Defined> = defs.iter().map(|d| (d.name.as_str(), d)).collect();
    for d in &defs {
        check_inputs(d, &by_name, &numbers, catalog)?;
    }
    let order = dependency_order(&defs, &by_name)?;
    let mut units: BTreeMap<String, String> = numbers.iter().map(|(k, n)| (k.clone(), n.unit.clone())).collect();
    for &i in &order {
        let d = &defs[i];
        if let Some(found) =
            unit_of(&d.formula, &units, catalog).map_err(|(msg, hint)| d.error(format!("`{}`: {msg}", d.name)).hint(hint))?
            && !same_unit(&found, &d.def.unit)
        {
            return Err(d
                .error(format!("`{}` is declared in {} but its formula gives {found}", d.name, d.def.unit))
                .hint("fix the unit, or the formula (a share or growth is in %)")
                .into());
        }
        units.insert(d.name.clone(), d.def.unit.clone());
    }

    let years = series_years(catalog, &numbers, edition, vintage);
    // Table aggregates: each query, in each year it has a value, one select per table.
    let mut queries: Vec<&TableQuery> = Vec::new();
    let mut owners: Vec<usize> = Vec::new();
    for (di, d) in defs.iter().enumerate() {
        let mut qs = Vec::new();
        d.formula.tables(&mut qs);
        for q in qs {
            if !queries.contains(&q) {
                queries.push(q);
                owners.push(di);
            }
        }
    }
    // Each concrete query, the definition it comes from, and whether it is counted for the
    // edition's own year (elsewhere an item a rank cannot find is a missing value, not an error).
    let mut concrete: Vec<(TableQuery, usize, bool)> = Vec::new();
    // For each query, the index of its concrete query in each year (None: missing).
    let mut per_year: Vec<Vec<Option<usize>>> = Vec::new();
    for (qi, q) in queries.iter().enumerate() {
        let mut intern = |c: TableQuery, own: bool| match concrete.iter().position(|(k, ..)| *k == c) {
            Some(i) => {
                concrete[i].2 |= own;
                i
            }
            None => {
                concrete.push((c, owners[qi], own));
                concrete.len() - 1
            }
        };
        per_year.push(if q.uses_year() {
            years.iter().map(|&y| catalog.collected(&q.table, y, vintage).then(|| intern(q.in_year(y), y == edition))).collect()
        } else {
            let i = intern((*q).clone(), true);
            years.iter().map(|_| Some(i)).collect()
        });
    }
    let aggregates = aggregate_all(&concrete, frames, catalog, &defs)?;

    // Arithmetic: a frame with a row per year of every known number, derived ones added
    // in order.
    let mut columns: Vec<polars::prelude::Column> = vec![polars::prelude::Column::new(YEAR.into(), years.clone())];
    for n in numbers.values() {
        let values: Vec<Option<f64>> = years.iter().map(|y| n.years.get(y).copied()).collect();
        columns.push(polars::prelude::Column::new(n.name.as_str().into(), values));
    }
    for (qi, slots) in per_year.iter().enumerate() {
        let values: Vec<Option<f64>> = slots.iter().map(|s| s.map(|i| aggregates[i].value)).collect();
        columns.push(polars::prelude::Column::new(format!("__q{qi}").into(), values));
    }
    let frame = DataFrame::new(years.len(), columns).map_err(|e| polars_error("derived numbers", &catalog.root, e))?;
    // One `with_columns` per dependency level: the plan is as deep as the longest chain of
    // derived numbers, not as long as the list of them (a plan a hundred nodes deep
    // overflows a 2 MiB thread stack in a debug build).
    let mut level: BTreeMap<&str, usize> = BTreeMap::new();
    let mut levels: Vec<Vec<Expr>> = Vec::new();
    for &i in &order {
        let d = &defs[i];
        let mut inputs = Vec::new();
        d.formula.names(&mut inputs);
        let l = inputs.iter().filter_map(|n| level.get(n.as_str())).map(|l| l + 1).max().unwrap_or(0);
        level.insert(d.name.as_str(), l);
        if levels.len() <= l {
            levels.resize_with(l + 1, Vec::new);
        }
        levels[l].push(to_expr(&d.formula, &queries, &years)?.alias(d.name.as_str()));
    }
    let mut lazy = frame.lazy();
    for exprs in levels {
        lazy = lazy.with_columns(exprs);
    }
    let out = lazy.collect().map_err(|e| polars_error("derived numbers", &catalog.root.join("derived"), e))?;
    let row = years.iter().position(|&y| y == edition);

    for &i in &order {
        let d = &defs[i];
        let column = super::floats(&out, &d.name);
        let by_year: BTreeMap<i32, f64> = years.iter().zip(&column).filter_map(|(y, v)| v.map(|v| (*y, v))).collect();
        let value = row.and_then(|r| column.get(r).copied().flatten());
        let mut inputs = Vec::new();
        d.formula.names(&mut inputs);
        if let Some(v) = value
            && !v.is_finite()
        {
            let shown: Vec<String> =
                inputs.iter().filter_map(|n| numbers.get(n).map(|v| format!("{n} = {}", crate::numfmt::number(v.value, 4)))).collect();
            return Err(d
                .error(format!("`{}` is not a number in {edition}: its formula divides by zero or has no value", d.name))
                .hint(if shown.is_empty() {
                    "check the tables and filters it counts".to_string()
                } else {
                    format!("its inputs are {}", shown.join(", "))
                })
                .into());
        }
        let mut tables = Vec::new();
        d.formula.tables(&mut tables);
        let ties = tables
            .iter()
            .filter_map(|q| queries.iter().position(|k| k == q))
            .filter_map(|qi| row.and_then(|r| per_year[qi][r]))
            .flat_map(|ci| aggregates[ci].ties.clone())
            .collect();
        for q in &tables {
            let t = format!("data/tables/{}.csv", q.table);
            if !inputs.contains(&t) {
                inputs.push(t);
            }
        }
        let printed = d.printed.as_ref().map(|p| Printed {
            value: p.value,
            qualifier: p.qualifier.clone(),
            location: p.location.clone(),
            quote: p.quote.clone(),
            sole: p.sole,
        });
        let digits = d.def.digits.unwrap_or_else(|| printed.as_ref().map_or(2, |p| decimals(p.value)));
        // The formula worked out in each year it has a value, so that a figure or a template
        // that prints the value of another year can say how it was computed then.
        let worked = by_year
            .keys()
            .map(|&y| (y, d.formula.worked(&|n, at| numbers.get(n).and_then(|v| v.years.get(&at.year(y)).copied()), y)))
            .collect();
        numbers.insert(
            d.name.clone(),
            Number {
                name: d.name.clone(),
                kind: NumberKind::Derived,
                value: value.unwrap_or(f64::NAN),
                years: by_year,
                edition: None,
                unit: d.def.unit.clone(),
                printed,
                formula: Some(d.formula.to_string()),
                worked,
                inputs,
                explain: d.def.explain.clone(),
                digits,
                whole: d.def.whole,
                ties,
                defined: format!("{}:{}", display_path(&d.file, &catalog.root), d.line),
            },
        );
    }
    Ok(numbers.into_values().collect())
}

/// The frame's column of years.
const YEAR: &str = "__year";

/// The pseudo-column of every table row: the edition that added the row to its register
/// (for registers without dates: what was known as of each edition).
pub const ADDED: &str = "added";

/// Every year a number can have a value in: from the earliest year a primary is stated for
/// or a register was collected for, to the latest of those and the edition's year.
fn series_years(catalog: &Catalog, numbers: &BTreeMap<String, Number>, edition: i32, vintage: i32) -> Vec<i32> {
    let known = numbers.values().flat_map(|n| n.years.keys().copied()).chain(catalog.collected_years(vintage));
    let (lo, hi) = known.fold((edition, edition), |(lo, hi), y| (lo.min(y), hi.max(y)));
    (lo..=hi).collect()
}

/// `data/derived/ch1.yaml` rather than a full path, for readers.
pub(super) fn display_path(file: &Path, data_dir: &Path) -> String {
    let rel = file.strip_prefix(data_dir).unwrap_or(file);
    format!("data/{}", rel.display())
}

/// Decimals as printed: 34.3 → 1, 14.89 → 2, 56 → 0.
pub fn decimals(v: f64) -> usize {
    let s = crate::numfmt::number(v, 6);
    s.split_once('.').map_or(0, |(_, f)| f.len())
}

/// Every name a formula reads exists, every table and column it counts exists.
fn check_inputs(d: &Defined, by_name: &BTreeMap<&str, &Defined>, numbers: &BTreeMap<String, Number>, catalog: &Catalog) -> Result<()> {
    let mut names = Vec::new();
    d.formula.names(&mut names);
    for n in names {
        if by_name.contains_key(n.as_str()) || numbers.contains_key(&n) {
            continue;
        }
        let all = by_name.keys().copied().chain(numbers.keys().map(String::as_str));
        let offset = d.def.formula.find(n.as_str()).map_or(0, |b| d.def.formula[..b].chars().count());
        let hint = if catalog.dataset(&n).is_some() {
            format!("`{n}` is a table: count its rows with count({n})")
        } else {
            match super::nearest(&n, all) {
                Some(near) => format!("did you mean `{near}`? `blockchain-report vars` lists every number"),
                None => "a primary goes into data/stated/*.csv, a derived number into data/derived/*.yaml".into(),
            }
        };
        return Err(d.formula_error(format!("`{}` reads `{n}`, which is not a number", d.name), offset).hint(hint).into());
    }
    let mut tables = Vec::new();
    d.formula.tables(&mut tables);
    for q in tables {
        if let Err((message, hint)) = check_query(q, catalog) {
            // Point at the offending column where the message names one, else at the table.
            let token = message.rsplit('`').nth(1).filter(|_| message.contains("no column")).unwrap_or(q.table.as_str());
            let offset = d.def.formula.find(token).map_or(0, |b| d.def.formula[..b].chars().count());
            return Err(d.formula_error(format!("`{}`: {message}", d.name), offset).hint(hint).into());
        }
    }
    Ok(())
}

/// A table query names a table that exists and columns it has, of the right kinds.
pub(super) fn check_query(q: &TableQuery, catalog: &Catalog) -> std::result::Result<(), (String, String)> {
    check_columns(q, &[], catalog)
}

fn check_columns(q: &TableQuery, extra: &[Column], catalog: &Catalog) -> std::result::Result<(), (String, String)> {
    let Some(columns) = catalog.columns_of(&q.table) else {
        let names = catalog.datasets.iter().map(|(_, m)| m.id.as_str()).chain(catalog.records.iter().map(|(_, m)| m.id.as_str()));
        let hint = match super::nearest(&q.table, names) {
            Some(near) => format!("did you mean `{near}`?"),
            None => "tables are data/tables/<id>.yaml, record datasets data/records/<id>.yaml".into(),
        };
        return Err((format!("the table `{}` does not exist", q.table), hint));
    };
    let records = catalog.record(&q.table).is_some();
    if records && matches!(q.aggregate, Aggregate::Value(_)) {
        return Err((
            format!("value() reads one row of a table; `{}` is a record dataset", q.table),
            "count, sum, distinct or rank its records".into(),
        ));
    }
    let mut cols: Vec<&Column> = q.filters.iter().map(|f| &f.column).chain(extra).collect();
    match &q.aggregate {
        Aggregate::Sum(c) | Aggregate::Distinct(c) | Aggregate::Value(c) | Aggregate::Rank(c, _) => cols.push(c),
        Aggregate::Count => {}
    }
    for c in cols {
        if !records && *c == Column::Plain(ADDED.into()) {
            continue;
        }
        let Some(spec) = columns.iter().find(|s| s.name == c.source()) else {
            let names: Vec<&str> = columns.iter().map(|s| s.name.as_str()).collect();
            let hint = match super::nearest(c.source(), names.iter().copied()) {
                Some(near) => format!("did you mean `{near}`? columns: {}", names.join(", ")),
                None => format!("columns: {}", names.join(", ")),
            };
            let kind = if records { "record dataset" } else { "table" };
            return Err((format!("{kind} `{}` has no column `{}`", q.table, c.source()), hint));
        };
        if matches!(c, Column::Year(_)) && !matches!(spec.kind, ColumnType::Month | ColumnType::Date) {
            return Err((
                format!("year({}) needs a month or date column", c.source()),
                "year() reads the year of a month or date column".into(),
            ));
        }
        if let Aggregate::Sum(s) = &q.aggregate
            && s == c
            && (!matches!(spec.kind, ColumnType::Number | ColumnType::Integer) || (records && !matches!(c, Column::Plain(_))))
        {
            return Err((format!("sum({}, {}) needs a number column", q.table, c), "sum a column of type number or integer".into()));
        }
    }
    Ok(())
}

/// The order in which derived numbers can be computed; a cycle is an error naming it.
fn dependency_order(defs: &[Defined], by_name: &BTreeMap<&str, &Defined>) -> Result<Vec<usize>> {
    let index: BTreeMap<&str, usize> = defs.iter().enumerate().map(|(i, d)| (d.name.as_str(), i)).collect();
    let mut state = vec![0u8; defs.len()]; // 0 new, 1 on the path, 2 done
    let mut order = Vec::with_capacity(defs.len());
    fn visit(
        i: usize,
        defs: &[Defined],
        index: &BTreeMap<&str, usize>,
        state: &mut [u8],
        path: &mut Vec<usize>,
        order: &mut Vec<usize>,
    ) -> std::result::Result<(), Vec<usize>> {
        match state[i] {
            2 => return Ok(()),
            1 => {
                let start = path.iter().position(|&p| p == i).unwrap_or(0);
                let mut cycle = path[start..].to_vec();
                cycle.push(i);
                return Err(cycle);
            }
            _ => {}
        }
        state[i] = 1;
        path.push(i);
        let mut names = Vec::new();
        defs[i].formula.names(&mut names);
        for n in names {
            if let Some(&j) = index.get(n.as_str()) {
                visit(j, defs, index, state, path, order)?;
            }
        }
        path.pop();
        state[i] = 2;
        order.push(i);
        Ok(())
    }
    for i in 0..defs.len() {
        let mut path = Vec::new();
        if let Err(cycle) = visit(i, defs, &index, &mut state, &mut path, &mut order) {
            let names: Vec<&str> = cycle.iter().map(|&c| defs[c].name.as_str()).collect();
            let first = by_name[names[0]];
            return Err(first
                .error(format!("derived numbers depend on each other in a cycle: {}", names.join(" → ")))
                .hint("one of them must be computed from something else, or be a primary in data/stated/")
                .into());
        }
    }
    Ok(order)
}

/// Chinese measure words of counted things: a share of 项 among 个 compares counts.
const COUNT_WORDS: &[&str] = &["项", "个", "家", "条", "所", "件", "笔", "起", "批", "户", "张", "部门", "只", "种"];

fn same_unit(a: &str, b: &str) -> bool {
    a == b || (COUNT_WORDS.contains(&a) && COUNT_WORDS.contains(&b))
}

type UnitResult = std::result::Result<Option<String>, (String, String)>;

/// The unit a formula gives, where it can be known: a table count has the declared unit of
/// whatever it counts, so it matches any; sums, differences and the arguments of share and
/// growth must agree.
fn unit_of(f: &Formula, units: &BTreeMap<String, String>, catalog: &Catalog) -> UnitResult {
    let agree = |a: Option<String>, b: Option<String>, what: &str| -> UnitResult {
        match (a, b) {
            (Some(x), Some(y)) if !same_unit(&x, &y) => {
                Err((format!("{what} mixes {x} and {y}"), "only numbers in the same unit can be added, subtracted or compared".into()))
            }
            (x, y) => Ok(x.or(y)),
        }
    };
    Ok(match f {
        Formula::Number(_) | Formula::Year => None,
        Formula::Name(n) | Formula::At(n, _) => units.get(n).cloned(),
        Formula::Neg(a) => unit_of(a, units, catalog)?,
        Formula::Binary(Op::Add | Op::Sub, a, b) => agree(unit_of(a, units, catalog)?, unit_of(b, units, catalog)?, "the formula")?,
        Formula::Binary(Op::Mul | Op::Div, a, b) => {
            let (ua, ub) = (unit_of(a, units, catalog)?, unit_of(b, units, catalog)?);
            match (a.as_ref(), b.as_ref()) {
                (_, Formula::Number(_)) => ua,
                (Formula::Number(_), _) if matches!(f, Formula::Binary(Op::Mul, ..)) => ub,
                _ => None,
            }
        }
        Formula::Call(Func::Share | Func::Growth, args) => {
            agree(unit_of(&args[0], units, catalog)?, unit_of(&args[1], units, catalog)?, "a share or growth")?;
            Some("%".into())
        }
        Formula::Call(Func::Cagr, args) => {
            agree(unit_of(&args[0], units, catalog)?, unit_of(&args[1], units, catalog)?, "a CAGR")?;
            Some("%".into())
        }
        Formula::Call(Func::Previous, args) => {
            if let Some(u) = unit_of(&args[1], units, catalog)?
                && u != "%"
            {
                return Err((format!("previous() needs a growth rate in %, not {u}"), "previous(current, growth_pct)".into()));
            }
            unit_of(&args[0], units, catalog)?
        }
        Formula::Call(Func::Mean | Func::Min | Func::Max, args) => {
            let mut unit = None;
            for a in args {
                unit = agree(unit, unit_of(a, units, catalog)?, "mean/min/max")?;
            }
            unit
        }
        Formula::Table(q) => match &q.aggregate {
            Aggregate::Sum(c) => {
                catalog.columns_of(&q.table).and_then(|cols| cols.iter().find(|s| s.name == c.source())).and_then(|s| s.unit.clone())
            }
            Aggregate::Rank(..) => Some("位".into()),
            _ => None,
        },
    })
}

/// The Polars expression of a formula, over the frame of numbers with a row per year.
fn to_expr(f: &Formula, queries: &[&TableQuery], years: &[i32]) -> Result<Expr> {
    let e = |f: &Formula| to_expr(f, queries, years);
    Ok(match f {
        Formula::Number(v) => lit(*v),
        Formula::Name(n) => col(n.as_str()).cast(DataType::Float64),
        Formula::At(n, YearRef::Relative(k)) => col(n.as_str()).cast(DataType::Float64).shift(lit(-i64::from(*k))),
        Formula::At(n, YearRef::Absolute(a)) if years.contains(a) => {
            col(n.as_str()).cast(DataType::Float64).filter(col(YEAR).eq(lit(*a))).first()
        }
        Formula::At(..) => lit(NULL).cast(DataType::Float64),
        Formula::Year => col(YEAR).cast(DataType::Float64),
        Formula::Neg(a) => lit(0.0) - e(a)?,
        Formula::Binary(op, a, b) => {
            let (a, b) = (e(a)?, e(b)?);
            match op {
                Op::Add => a + b,
                Op::Sub => a - b,
                Op::Mul => a * b,
                Op::Div => a / b,
            }
        }
        Formula::Call(func, args) => {
            let args: Vec<Expr> = args.iter().map(e).collect::<Result<_>>()?;
            match func {
                Func::Share => args[0].clone() / args[1].clone() * lit(100.0),
                Func::Growth => (args[0].clone() - args[1].clone()) / args[1].clone() * lit(100.0),
                Func::Cagr => ((args[1].clone() / args[0].clone()).pow(lit(1.0) / args[2].clone()) - lit(1.0)) * lit(100.0),
                Func::Previous => args[0].clone() / (lit(1.0) + args[1].clone() / lit(100.0)),
                Func::Mean => {
                    let n = args.len() as f64;
                    args.into_iter().reduce(|a, b| a + b).unwrap_or(lit(0.0)) / lit(n)
                }
                Func::Min => polars::lazy::dsl::min_horizontal(args).map_err(|e| polars_error("min()", Path::new("data/derived"), e))?,
                Func::Max => polars::lazy::dsl::max_horizontal(args).map_err(|e| polars_error("max()", Path::new("data/derived"), e))?,
            }
        }
        Formula::Table(q) => {
            let i = queries.iter().position(|k| *k == q).unwrap_or(0);
            col(format!("__q{i}").as_str())
        }
    })
}

/// A figure's series: the aggregate for each group, the keys as text. Sorted by the keys,
/// except a single key that is not a year: largest value first, then by key.
pub fn series(
    s: &formula::Series,
    frames: &Frames,
    catalog: &Catalog,
    yaml: &Path,
    edition: i32,
) -> Result<Vec<(Vec<String>, Option<f64>)>> {
    let q = &s.query.in_year(edition);
    check_columns(q, &s.by, catalog).map_err(|(message, hint)| InputError::new(yaml, message).field("series").hint(hint))?;
    let mut cols: BTreeSet<Column> = q.filters.iter().map(|f| f.column.clone()).chain(s.by.iter().cloned()).collect();
    let mut sums = BTreeSet::new();
    match &q.aggregate {
        Aggregate::Sum(c) => {
            sums.insert(c.source());
        }
        Aggregate::Distinct(c) => {
            cols.insert(c.clone());
        }
        _ => {}
    }
    let Some(Source { df, columns, path, tallied }) = source(&q.table, &cols, &sums, frames, catalog)? else {
        return Err(InputError::new(yaml, format!("the table `{}` has no data", q.table)).field("series").into());
    };
    let joined = prepared(&q.table, &df, columns, &cols, &frames.places, &path)?;
    // Filters apply inside each group, so a group with no matching row counts 0 rather
    // than disappearing (a known zero is not a missing value).
    let lf = joined.lazy();
    let mask = mask(&q.filters, columns);
    let value = match &q.aggregate {
        Aggregate::Sum(c) => summed(c, &mask, tallied),
        Aggregate::Distinct(c) => kept(col(lookup_name(c).as_str()), &mask).drop_nulls().n_unique().cast(DataType::Float64),
        _ => rows(&mask, tallied).cast(DataType::Float64),
    };
    let keys: Vec<Expr> =
        s.by.iter()
            .enumerate()
            .map(|(i, c)| col(lookup_name(c).as_str()).cast(DataType::String).alias(format!("__k{i}").as_str()))
            .collect();
    let out = lf.group_by(keys).agg([value.alias("__v")]).collect().map_err(|e| polars_error(&format!("series `{s}`"), &path, e))?;
    let key_cols: Vec<Vec<Option<String>>> = (0..s.by.len()).map(|i| super::strings(&out, &format!("__k{i}"))).collect();
    let values = super::floats(&out, "__v");
    let mut rows: Vec<(Vec<String>, Option<f64>)> =
        (0..out.height()).map(|r| (key_cols.iter().map(|k| k[r].clone().unwrap_or_default()).collect(), values[r])).collect();
    if s.by.len() == 1 && !matches!(s.by[0], Column::Year(_)) {
        rows.sort_by(|a, b| b.1.unwrap_or(0.0).total_cmp(&a.1.unwrap_or(0.0)).then_with(|| a.0.cmp(&b.0)));
    } else {
        rows.sort_by(|a, b| a.0.cmp(&b.0));
    }
    Ok(rows)
}

#[cfg(test)]
mod tests;

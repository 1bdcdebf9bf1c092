//! The table aggregates of the formulas, computed with Polars: counts, sums, distinct
//! counts and ranks over a table as loaded or a record dataset's tally, each table read once.

use super::*;
use rayon::prelude::*;

/// One table aggregate's result.
pub(super) struct AggregateValue {
    pub(super) value: f64,
    /// A rank: the other items with the same rank.
    pub(super) ties: Vec<String>,
}

/// The lookup column `province(col)` or `area(col)` adds to a table.
pub(super) fn lookup_name(c: &Column) -> String {
    match c {
        Column::Province(s) => format!("__province__{s}"),
        Column::Area(s) => format!("__area__{s}"),
        Column::Year(s) => format!("__year__{s}"),
        Column::Plain(s) => s.clone(),
    }
}

/// Computes every table aggregate: per table, the lookups it needs joined once, then one
/// select of all its counts, sums and distinct counts; ranks group the same frame.
pub(super) fn aggregate_all(
    concrete: &[(TableQuery, usize, bool)],
    frames: &Frames,
    catalog: &Catalog,
    defs: &[Defined],
) -> Result<Vec<AggregateValue>> {
    let queries: Vec<&TableQuery> = concrete.iter().map(|(q, ..)| q).collect();
    let mut results: Vec<Option<AggregateValue>> = queries.iter().map(|_| None).collect();
    let tables: BTreeSet<&str> = queries.iter().map(|q| q.table.as_str()).collect();
    // One select per table, each a query of its own: the tables run in parallel.
    let per_table = |table: &str| -> Result<Vec<(usize, AggregateValue)>> {
        let mine: Vec<usize> = (0..queries.len()).filter(|&i| queries[i].table == table).collect();
        let mut derived_cols: BTreeSet<Column> = BTreeSet::new();
        let mut sums: BTreeSet<&str> = BTreeSet::new();
        for &i in &mine {
            let q = queries[i];
            for f in &q.filters {
                derived_cols.insert(f.column.clone());
            }
            match &q.aggregate {
                Aggregate::Sum(c) => {
                    sums.insert(c.source());
                }
                Aggregate::Distinct(c) | Aggregate::Value(c) | Aggregate::Rank(c, _) => {
                    derived_cols.insert(c.clone());
                }
                Aggregate::Count => {}
            }
        }
        let Some(Source { df, columns, path, tallied }) = source(table, &derived_cols, &sums, frames, catalog)? else {
            return Ok(Vec::new());
        };
        let joined = prepared(table, &df, columns, &derived_cols, &frames.places, &path)?;
        let mut exprs = Vec::new();
        for &i in &mine {
            let q = queries[i];
            let mask = mask(&q.filters, columns);
            let name = format!("q{i}");
            let rows = || rows(&mask, tallied);
            match &q.aggregate {
                Aggregate::Count => exprs.push(rows().cast(DataType::Float64).alias(name.as_str())),
                Aggregate::Sum(c) => exprs.push(summed(c, &mask, tallied).alias(name.as_str())),
                Aggregate::Distinct(c) => exprs
                    .push(kept(col(lookup_name(c).as_str()), &mask).drop_nulls().n_unique().cast(DataType::Float64).alias(name.as_str())),
                Aggregate::Value(c) => {
                    exprs.push(rows().cast(DataType::Float64).alias(format!("{name}_n").as_str()));
                    exprs.push(kept(col(lookup_name(c).as_str()), &mask).first().cast(DataType::Float64).alias(name.as_str()));
                }
                Aggregate::Rank(..) => {}
            }
        }
        let summary = if exprs.is_empty() {
            None
        } else {
            Some(
                joined
                    .clone()
                    .lazy()
                    .select(exprs)
                    .collect()
                    .map_err(|e| polars_error(&format!("derived numbers over `{table}`"), &path, e))?,
            )
        };
        let mut found = Vec::new();
        for &i in &mine {
            let q = queries[i];
            let get = |n: &str| summary.as_ref().and_then(|s| super::super::floats(s, n).first().copied().flatten());
            let owner = defs.get(concrete[i].1);
            let located = |msg: String| match owner {
                Some(d) => d.formula_error(msg, 0),
                None => InputError::new(&path, msg),
            };
            let own = concrete[i].2;
            let value = match &q.aggregate {
                // Outside the edition's own year, a row or an item that is not there is a
                // missing value (an early year the item had no rows in), not an error.
                Aggregate::Value(_) if !own && get(&format!("q{i}_n")) != Some(1.0) => AggregateValue { value: f64::NAN, ties: Vec::new() },
                Aggregate::Rank(key, item) if !own => match rank(&joined, key, item, &mask(&q.filters, columns), tallied, &path)? {
                    Some((value, ties)) => AggregateValue { value, ties },
                    None => AggregateValue { value: f64::NAN, ties: Vec::new() },
                },
                Aggregate::Rank(key, item) => {
                    let (value, ties) = rank(&joined, key, item, &mask(&q.filters, columns), tallied, &path)?.ok_or_else(|| {
                        let items = rank_items(&joined, key);
                        // The item is in the table, but not among the rows the filters keep
                        // (a year with no rows for it): say so, not "did you mean" itself.
                        if items.iter().any(|i| i == item) {
                            return located(format!("\"{item}\" has no rows in `{table}` that {q} keeps"))
                                .hint("add the year's rows to the register, or print the rank of another year with at[YEAR].NAME");
                        }
                        let hint = match super::super::nearest(item, items.iter().map(String::as_str)) {
                            Some(n) => format!("did you mean \"{n}\"?"),
                            None => format!("values: {}", items.join("、")),
                        };
                        located(format!("\"{item}\" is not a value of {key} in `{table}`")).hint(hint)
                    })?;
                    AggregateValue { value, ties }
                }
                Aggregate::Value(_) => {
                    let n = get(&format!("q{i}_n")).unwrap_or(0.0);
                    if n != 1.0 {
                        return Err(located(format!("{q} matches {n} rows; value() needs exactly one"))
                            .hint("make the filters pick one row")
                            .into());
                    }
                    AggregateValue { value: get(&format!("q{i}")).unwrap_or(f64::NAN), ties: Vec::new() }
                }
                _ => AggregateValue { value: get(&format!("q{i}")).unwrap_or(0.0), ties: Vec::new() },
            };
            found.push((i, value));
        }
        Ok(found)
    };
    let tables: Vec<&str> = tables.into_iter().collect();
    for found in tables.par_iter().map(|t| per_table(t)).collect::<Vec<_>>() {
        for (i, value) in found? {
            results[i] = Some(value);
        }
    }
    Ok(results.into_iter().map(|r| r.unwrap_or(AggregateValue { value: f64::NAN, ties: Vec::new() })).collect())
}

/// A table with the columns its queries compute from others: `year(c)`, and a place's
/// `province(c)` and `area(c)` joined from `lookups/places.csv` (every place must be there:
/// a missing one would silently count as nowhere).
pub(in crate::data) fn prepared(
    table: &str,
    df: &DataFrame,
    columns: &[ColumnSpec],
    derived_cols: &BTreeSet<Column>,
    places: &DataFrame,
    path: &Path,
) -> Result<DataFrame> {
    let mut lf = df.clone().lazy();
    for c in derived_cols.iter().filter(|c| !matches!(c, Column::Plain(_))) {
        let source = c.source();
        lf = match c {
            Column::Year(_) => {
                let spec = columns.iter().find(|s| s.name == source);
                let divisor = if spec.is_some_and(|s| s.kind == ColumnType::Date) { 10000 } else { 100 };
                lf.with_column((col(source) / lit(divisor)).alias(lookup_name(c).as_str()))
            }
            Column::Province(_) | Column::Area(_) => {
                let (from, to) = if matches!(c, Column::Province(_)) { ("province", lookup_name(c)) } else { ("region", lookup_name(c)) };
                let lookup = places.clone().lazy().select([col("place").alias("__place"), col(from).alias(to.as_str())]);
                lf.join(lookup, [col(source)], [col("__place")], JoinArgs::new(JoinType::Left))
            }
            Column::Plain(_) => lf,
        };
    }
    let joined = lf.collect().map_err(|e| polars_error(&format!("derived numbers over `{table}`"), path, e))?;
    // Every place must be in the lookup: a missing one would silently count as nowhere.
    for c in derived_cols.iter().filter(|c| matches!(c, Column::Province(_) | Column::Area(_))) {
        let places_col = super::super::strings(&joined, c.source());
        let mapped = super::super::strings(&joined, &lookup_name(c));
        if let Some((place, _)) = places_col.iter().zip(&mapped).find(|(p, m)| p.is_some() && m.is_none()) {
            return Err(InputError::new(
                Path::new("data/lookups/places.csv"),
                format!("place `{}` (column `{}` of `{table}`) is not in the lookup", place.clone().unwrap_or_default(), c.source()),
            )
            .hint("add a row `place,province,region` for it to data/lookups/places.csv")
            .into());
        }
    }
    Ok(joined)
}

/// The rows a query's filters keep (None: all of them).
pub(in crate::data) fn mask(filters: &[Filter], columns: &[ColumnSpec]) -> Option<Expr> {
    let mut out: Option<Expr> = None;
    for f in filters {
        let c = col(lookup_name(&f.column).as_str());
        let numeric = match &f.column {
            Column::Year(_) => true,
            Column::Plain(c) if c == ADDED => true,
            other => columns.iter().find(|s| s.name == other.source()).is_some_and(|s| {
                matches!(s.kind, ColumnType::Number | ColumnType::Integer | ColumnType::Month | ColumnType::Date)
                    && matches!(other, Column::Plain(_))
            }),
        };
        let eq = |v: &Literal| match v {
            Literal::Number(n) if numeric => c.clone().cast(DataType::Float64).eq(lit(*n)),
            Literal::Number(n) => c.clone().eq(lit(crate::numfmt::number(*n, 6))),
            Literal::Text(t) if numeric => c.clone().cast(DataType::String).eq(lit(t.clone())),
            Literal::Text(t) => c.clone().eq(lit(t.clone())),
            // Replaced by the year before a query is counted (TableQuery::in_year).
            Literal::Year(_) => lit(false),
        };
        let text = |v: &Literal| match v {
            Literal::Text(t) => t.clone(),
            Literal::Number(n) => crate::numfmt::number(*n, 6),
            Literal::Year(k) => k.to_string(),
        };
        let cond = match f.cmp {
            Cmp::Eq => eq(&f.values[0]),
            Cmp::Ne => eq(&f.values[0]).not(),
            Cmp::In => f.values.iter().map(eq).reduce(|a, b| a.or(b)).unwrap_or(lit(false)),
            Cmp::Contains => c.clone().cast(DataType::String).str().contains_literal(lit(text(&f.values[0]))),
            Cmp::StartsWith => c.clone().cast(DataType::String).str().starts_with(lit(text(&f.values[0]))),
            Cmp::Lt | Cmp::Le | Cmp::Gt | Cmp::Ge => {
                let bound = match &f.values[0] {
                    Literal::Number(n) => lit(*n),
                    Literal::Text(t) => lit(t.parse::<f64>().unwrap_or(f64::NAN)),
                    Literal::Year(_) => lit(f64::NAN),
                };
                let v = c.clone().cast(DataType::Float64);
                match f.cmp {
                    Cmp::Lt => v.lt(bound),
                    Cmp::Le => v.lt_eq(bound),
                    Cmp::Gt => v.gt(bound),
                    _ => v.gt_eq(bound),
                }
            }
        };
        let cond = cond.fill_null(lit(false));
        out = Some(match out {
            Some(acc) => acc.and(cond),
            None => cond,
        });
    }
    out
}

/// What a formula's table name reads: a table as loaded, or a record dataset's tally.
pub(super) struct Source<'a> {
    pub(super) df: DataFrame,
    pub(super) columns: &'a [ColumnSpec],
    /// Where the data comes from, for errors.
    pub(super) path: PathBuf,
    /// Each row stands for [`records::ROWS`] records and carries the sums of its records.
    pub(super) tallied: bool,
}

/// The frame for `name`. A record dataset is tallied by one streaming pass over its file,
/// grouped by the source columns of `needed` and summing `sums`; a table is used whole.
pub(super) fn source<'a>(
    name: &str,
    needed: &BTreeSet<Column>,
    sums: &BTreeSet<&str>,
    frames: &Frames,
    catalog: &'a Catalog,
) -> Result<Option<Source<'a>>> {
    if let (Some(df), Some(meta)) = (frames.tables.get(name), catalog.dataset(name)) {
        let path = PathBuf::from(format!("data/tables/{name}.csv"));
        return Ok(Some(Source { df: df.clone(), columns: &meta.columns, path, tallied: false }));
    }
    let (Some(dataset), Some(meta)) = (frames.records.get(name), catalog.record(name)) else { return Ok(None) };
    let keys: BTreeSet<&str> = needed.iter().map(Column::source).collect();
    let df = dataset.tally(&keys.into_iter().collect::<Vec<_>>(), &sums.iter().copied().collect::<Vec<_>>())?;
    Ok(Some(Source { df, columns: &meta.columns, path: dataset.file.clone(), tallied: true }))
}

/// How many records the rows a mask keeps stand for.
pub(super) fn rows(mask: &Option<Expr>, tallied: bool) -> Expr {
    match (mask, tallied) {
        (_, true) => kept(col(records::ROWS), mask).sum(),
        (Some(m), false) => m.clone().sum(),
        (None, false) => len(),
    }
}

/// The sum of a column over the records a mask keeps.
pub(super) fn summed(c: &Column, mask: &Option<Expr>, tallied: bool) -> Expr {
    let column = if tallied { records::sum_column(c.source()) } else { lookup_name(c) };
    kept(col(column.as_str()), mask).cast(DataType::Float64).sum()
}

/// A column restricted to the rows a mask keeps.
pub(super) fn kept(column: Expr, mask: &Option<Expr>) -> Expr {
    match mask {
        Some(m) => column.filter(m.clone()),
        None => column,
    }
}

/// The distinct values of a rank's key, for hints.
pub(super) fn rank_items(df: &DataFrame, key: &Column) -> Vec<String> {
    let mut items: Vec<String> = super::super::strings(df, &lookup_name(key)).into_iter().flatten().collect();
    items.sort();
    items.dedup();
    items
}

/// Dense rank of `item` by row count among the key's values (1 = most), and the others
/// sharing it; None when the item is not a value of the key.
pub(super) fn rank(
    df: &DataFrame,
    key: &Column,
    item: &str,
    mask: &Option<Expr>,
    tallied: bool,
    path: &Path,
) -> Result<Option<(f64, Vec<String>)>> {
    let k = lookup_name(key);
    let mut lf = df.clone().lazy();
    if let Some(m) = mask {
        lf = lf.filter(m.clone());
    }
    let q = lf
        .group_by([col(k.as_str()).cast(DataType::String).alias("__key")])
        .agg([rows(&None, tallied).alias("__n")])
        .with_column(
            col("__n").rank(RankOptions { method: RankMethod::Dense, descending: true }, None).cast(DataType::Float64).alias("__rank"),
        )
        .sort(["__key"], SortMultipleOptions::default());
    let out = q.collect().map_err(|e| polars_error("rank()", path, e))?;
    let keys = super::super::strings(&out, "__key");
    let ranks = super::super::floats(&out, "__rank");
    let Some(pos) = keys.iter().position(|k| k.as_deref() == Some(item)) else { return Ok(None) };
    let r = ranks[pos].unwrap_or(f64::NAN);
    let ties =
        keys.iter().zip(&ranks).filter(|(k, rr)| **rr == Some(r) && k.as_deref() != Some(item)).filter_map(|(k, _)| k.clone()).collect();
    Ok(Some((r, ties)))
}

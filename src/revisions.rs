//! Revisions: what a later edition changed in an earlier edition's numbers and tables. An
//! edition reads the data as known when it was published (its vintage); the same edition
//! read with a later vintage shows each late-reported row and corrected value, and the
//! edition that brought it. `check --edition 2023` lists the revisions of the 2023 edition;
//! each later edition's audit prints the ones it made (修订说明, in src/audit.rs).

use crate::catalog::Catalog;
use crate::data::{self, Parts, Sources};
use crate::error::Result;
use crate::model::{Facts, Number, Revised, Revision};

/// Every revision later editions (`later`, ascending) made to the edition of `year`, whose
/// catalog is `catalog`, in the order the editions came out.
pub fn of_edition(catalog: &Catalog, year: i32, later: &[i32]) -> Result<Vec<Revision>> {
    if later.is_empty() {
        return Ok(Vec::new());
    }
    let sources = data::read(catalog)?;
    let mut before = data::compute(catalog, &sources, year, year, Parts::NumbersAndTables)?;
    let mut out = Vec::new();
    for &by in later {
        let after = data::compute(catalog, &sources, year, by, Parts::NumbersAndTables)?;
        out.extend(compare(year, by, &before, &after));
        before = after;
    }
    Ok(out)
}

/// The revisions the edition of `year` made to the editions before it (`earlier`: each
/// year with its catalog): its 修订说明. Each is read as known just before `year` and as
/// known to `year`, from the `sources` the edition of `year` read.
pub fn by_edition(earlier: &[(i32, Catalog)], year: i32, sources: &Sources) -> Result<Vec<Revision>> {
    let Some(previous) = earlier.iter().map(|(y, _)| *y).max() else { return Ok(Vec::new()) };
    let mut out = Vec::new();
    for (edition, catalog) in earlier {
        let before = data::compute(catalog, sources, *edition, previous, Parts::NumbersAndTables)?;
        let after = data::compute(catalog, sources, *edition, year, Parts::NumbersAndTables)?;
        out.extend(compare(*edition, year, &before, &after));
    }
    Ok(out)
}

/// What changed between two vintages of one edition: the numbers its text prints (every
/// primary, and each derived number with a printed value) and its tables' rows.
fn compare(edition: i32, by: i32, before: &Facts, after: &Facts) -> Vec<Revision> {
    let mut out = Vec::new();
    for new in after.numbers.iter().filter(|n| n.printed.is_some()) {
        let Some(old) = before.number(&new.name) else { continue };
        if same(old.value, new.value) {
            continue;
        }
        let because = match new.kind {
            crate::model::NumberKind::Primary => {
                let p = new.printed.as_ref().expect("filtered above");
                format!("{} 修订：{}", new.defined, p.quote)
            }
            crate::model::NumberKind::Derived => {
                let mut changed: Vec<String> = new
                    .inputs
                    .iter()
                    .filter(|i| matches!((before.number(i), after.number(i)), (Some(a), Some(b)) if !same(a.value, b.value)))
                    .cloned()
                    .collect();
                // The datasets it counts or sums: their rows as known to each edition.
                if let Some(Ok(f)) = new.formula.as_deref().map(crate::data::formula::parse) {
                    let mut queries = Vec::new();
                    f.tables(&mut queries);
                    changed.extend(queries.into_iter().map(|q| format!("data/tables/{}.csv", q.table)));
                }
                changed.dedup();
                format!("随输入而变：{}", changed.join("、"))
            }
        };
        out.push(Revision {
            edition,
            name: new.name.clone(),
            kind: if new.kind == crate::model::NumberKind::Primary { Revised::Primary } else { Revised::Derived },
            printed: as_printed(old).0,
            now: shown(new, as_printed(old).1.max(crate::data::decimals(new.value).min(2))),
            by,
            because,
        });
    }
    for new in &after.tables {
        let Some(old) = before.table(&new.id) else { continue };
        if old.rows == new.rows {
            continue;
        }
        let added = new.rows.iter().filter(|r| !old.rows.contains(r)).count();
        let removed = old.rows.iter().filter(|r| !new.rows.contains(r)).count();
        out.push(Revision {
            edition,
            name: new.id.clone(),
            kind: Revised::Table,
            printed: format!("{} 行", old.rows.len()),
            now: format!("{} 行", new.rows.len()),
            by,
            because: format!("新增或更正 {added} 行，删去或更正前 {removed} 行"),
        });
    }
    out
}

fn same(a: f64, b: f64) -> bool {
    (a.is_nan() && b.is_nan()) || (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1.0)
}

/// A number's value with its unit, at the precision the edition shows it.
fn shown(n: &Number, digits: usize) -> String {
    if !n.value.is_finite() {
        return "（无）".to_string();
    }
    format!("{}{}", crate::numfmt::number(n.value, digits), n.unit)
}

/// The value as the edition's text printed it (qualifier, printed precision), else as computed.
fn as_printed(n: &Number) -> (String, usize) {
    match &n.printed {
        Some(p) => {
            let digits = crate::data::decimals(p.value);
            (format!("{}{}{}", p.qualifier.clone().unwrap_or_default(), crate::numfmt::number(p.value, digits), n.unit), digits)
        }
        None => (shown(n, n.digits), n.digits),
    }
}

/// The revisions as the terminal prints them (`check`).
pub fn terminal(revisions: &[Revision]) -> String {
    if revisions.is_empty() {
        return String::new();
    }
    let mut out = format!("\nrevisions by later editions ({}):\n", revisions.len());
    for r in revisions {
        out.push_str(&format!(
            "  {} ({}): printed {}, now {} — changed by the {} edition; {}\n",
            r.name,
            kind(r.kind),
            r.printed,
            r.now,
            r.by,
            r.because
        ));
    }
    out
}

fn kind(k: Revised) -> &'static str {
    match k {
        Revised::Primary => "primary",
        Revised::Derived => "derived",
        Revised::Table => "table",
    }
}

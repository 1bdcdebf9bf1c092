//! The formula language of derived numbers (`data/derived/*.yaml`): arithmetic over other
//! numbers, and aggregates over tables. Parsed here into a tree with no Polars in it; the
//! data stage turns the tree into Polars expressions.
//!
//! ```text
//! count(industry-parks, region = "华东地区", year(founded) = 2023)
//! share(gov_apps_2023, app_cases_2023)
//! 100 - local_policies_top3_share_2023
//! rank(metaverse-policies, province(region), "上海市")
//! growth(parks_total, parks_total[y - 1])
//! count(industry-funds, year(founded) = y)
//! ```
//!
//! A number is defined once for the whole series of editions and has a value per year:
//! `y` is the year being computed, `name[y - 1]` a number's value in another year
//! (`name[2019]` in a fixed one), and a filter may compare with `y`, `y - 1`….

use std::fmt;

mod parse;

pub use parse::{parse, parse_series};

/// A parsed formula.
#[derive(Debug, Clone, PartialEq)]
pub enum Formula {
    Number(f64),
    /// Another number: a stated primary or a derived number, in the year being computed.
    Name(String),
    /// Another number in another year: `name[y - 1]`, `name[2019]`.
    At(String, YearRef),
    /// `y`: the year being computed.
    Year,
    Neg(Box<Formula>),
    Binary(Op, Box<Formula>, Box<Formula>),
    /// share, growth, cagr, previous, mean, min, max.
    Call(Func, Vec<Formula>),
    /// An aggregate over a table's rows.
    Table(TableQuery),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Add,
    Sub,
    Mul,
    Div,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Func {
    /// share(part, whole) = part / whole × 100
    Share,
    /// growth(current, previous) = (current − previous) / previous × 100
    Growth,
    /// cagr(start, end, years) = ((end / start)^(1 / years) − 1) × 100
    Cagr,
    /// previous(current, growth %) = current / (1 + growth / 100)
    Previous,
    Mean,
    Min,
    Max,
}

impl Func {
    fn from_name(name: &str) -> Option<Func> {
        Some(match name {
            "share" => Func::Share,
            "growth" => Func::Growth,
            "cagr" => Func::Cagr,
            "previous" => Func::Previous,
            "mean" => Func::Mean,
            "min" => Func::Min,
            "max" => Func::Max,
            _ => return None,
        })
    }
    pub fn name(self) -> &'static str {
        match self {
            Func::Share => "share",
            Func::Growth => "growth",
            Func::Cagr => "cagr",
            Func::Previous => "previous",
            Func::Mean => "mean",
            Func::Min => "min",
            Func::Max => "max",
        }
    }
    /// How many arguments it takes (None: one or more).
    fn arity(self) -> Option<usize> {
        match self {
            Func::Share | Func::Growth | Func::Previous => Some(2),
            Func::Cagr => Some(3),
            Func::Mean | Func::Min | Func::Max => None,
        }
    }
}

/// What is aggregated over a table.
#[derive(Debug, Clone, PartialEq)]
pub enum Aggregate {
    /// count(table, filters…): matching rows.
    Count,
    /// sum(table, column, filters…): sum of the column's known values.
    Sum(Column),
    /// distinct(table, column, filters…): distinct known values.
    Distinct(Column),
    /// rank(table, key, "item", filters…): dense rank of the item's row count among the
    /// key's values, 1 = most, ties share a rank.
    Rank(Column, String),
    /// value(table, column, filters…): the column of the one matching row.
    Value(Column),
}

/// A column, or a value derived from one: `year(founded)`, or a place's `province(region)`
/// and `area(region)` through `data/lookups/places.csv`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Column {
    Plain(String),
    Year(String),
    Province(String),
    Area(String),
}

impl Column {
    pub fn source(&self) -> &str {
        match self {
            Column::Plain(c) | Column::Year(c) | Column::Province(c) | Column::Area(c) => c,
        }
    }
}

/// Which year `name[…]` reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum YearRef {
    /// `y + k` (k is usually negative: `y - 1`).
    Relative(i32),
    /// A fixed year: `2019`.
    Absolute(i32),
}

impl YearRef {
    pub fn year(self, y: i32) -> i32 {
        match self {
            YearRef::Relative(k) => y + k,
            YearRef::Absolute(a) => a,
        }
    }
}

impl fmt::Display for YearRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            YearRef::Relative(0) => write!(f, "y"),
            YearRef::Relative(k) if *k < 0 => write!(f, "y - {}", -k),
            YearRef::Relative(k) => write!(f, "y + {k}"),
            YearRef::Absolute(a) => write!(f, "{a}"),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Literal {
    Text(String),
    Number(f64),
    /// `y + k`: the year being computed, shifted.
    Year(i32),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cmp {
    Eq,
    Ne,
    /// `~`: the text contains
    Contains,
    /// `^=`: the text starts with
    StartsWith,
    /// `in [a, b]`
    In,
    Lt,
    Le,
    Gt,
    Ge,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Filter {
    pub column: Column,
    pub cmp: Cmp,
    pub values: Vec<Literal>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct TableQuery {
    pub table: String,
    pub aggregate: Aggregate,
    pub filters: Vec<Filter>,
}

/// A table aggregate grouped by one or two keys: a figure's series
/// (`count(industry-parks) by region, year(founded)`).
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    pub query: TableQuery,
    pub by: Vec<Column>,
}

impl fmt::Display for Series {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let keys: Vec<String> = self.by.iter().map(|c| c.to_string()).collect();
        write!(f, "{} by {}", self.query, keys.join(", "))
    }
}

/// A parse error: what, and the character offset in the formula.
#[derive(Debug, Clone, PartialEq)]
pub struct ParseError {
    pub message: String,
    pub offset: usize,
    pub hint: String,
}

impl Formula {
    /// The numbers this formula reads.
    pub fn names(&self, out: &mut Vec<String>) {
        match self {
            Formula::Name(n) | Formula::At(n, _) => {
                if !out.contains(n) {
                    out.push(n.clone())
                }
            }
            Formula::Neg(a) => a.names(out),
            Formula::Binary(_, a, b) => {
                a.names(out);
                b.names(out);
            }
            Formula::Call(_, args) => args.iter().for_each(|a| a.names(out)),
            Formula::Number(_) | Formula::Table(_) | Formula::Year => {}
        }
    }
    /// The table aggregates this formula reads.
    pub fn tables<'a>(&'a self, out: &mut Vec<&'a TableQuery>) {
        match self {
            Formula::Table(q) => out.push(q),
            Formula::Neg(a) => a.tables(out),
            Formula::Binary(_, a, b) => {
                a.tables(out);
                b.tables(out);
            }
            Formula::Call(_, args) => args.iter().for_each(|a| a.tables(out)),
            Formula::Number(_) | Formula::Name(_) | Formula::At(..) | Formula::Year => {}
        }
    }
}

impl TableQuery {
    /// Whether a filter compares with `y`: the query then has a value per year.
    pub fn uses_year(&self) -> bool {
        self.filters.iter().any(|f| f.values.iter().any(|v| matches!(v, Literal::Year(_))))
    }
    /// The query for one year: every `y + k` replaced by that year.
    pub fn in_year(&self, y: i32) -> TableQuery {
        let mut q = self.clone();
        for f in &mut q.filters {
            for v in &mut f.values {
                if let Literal::Year(k) = v {
                    *v = Literal::Number(f64::from(y + *k));
                }
            }
        }
        q
    }
}

// ---------------------------------------------------------------------------------------
// Display: the canonical text of a formula (also the key of a table aggregate).

impl fmt::Display for Formula {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Formula::Number(v) => write!(f, "{}", crate::numfmt::number(*v, 6)),
            Formula::Name(n) => write!(f, "{n}"),
            Formula::At(n, year) => write!(f, "{n}[{year}]"),
            Formula::Year => write!(f, "y"),
            Formula::Neg(a) => write!(f, "-{}", Paren(a)),
            Formula::Binary(op, a, b) => {
                let sym = match op {
                    Op::Add => "+",
                    Op::Sub => "-",
                    Op::Mul => "×",
                    Op::Div => "÷",
                };
                write!(f, "{} {sym} {}", Paren(a), Paren(b))
            }
            Formula::Call(func, args) => {
                write!(f, "{}(", func.name())?;
                for (i, a) in args.iter().enumerate() {
                    if i > 0 {
                        write!(f, ", ")?;
                    }
                    write!(f, "{a}")?;
                }
                write!(f, ")")
            }
            Formula::Table(q) => write!(f, "{q}"),
        }
    }
}

/// Parenthesises compound operands so the text reads unambiguously.
struct Paren<'a>(&'a Formula);

impl fmt::Display for Paren<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Formula::Binary(..) | Formula::Neg(_) => write!(f, "({})", self.0),
            other => write!(f, "{other}"),
        }
    }
}

impl fmt::Display for Column {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Column::Plain(c) => write!(f, "{c}"),
            Column::Year(c) => write!(f, "year({c})"),
            Column::Province(c) => write!(f, "province({c})"),
            Column::Area(c) => write!(f, "area({c})"),
        }
    }
}

impl fmt::Display for Literal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Literal::Text(t) => write!(f, "\"{t}\""),
            Literal::Number(v) => write!(f, "{}", crate::numfmt::number(*v, 6)),
            Literal::Year(k) => write!(f, "{}", YearRef::Relative(*k)),
        }
    }
}

impl fmt::Display for TableQuery {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (name, extra) = match &self.aggregate {
            Aggregate::Count => ("count", String::new()),
            Aggregate::Sum(c) => ("sum", format!(", {c}")),
            Aggregate::Distinct(c) => ("distinct", format!(", {c}")),
            Aggregate::Rank(c, item) => ("rank", format!(", {c}, \"{item}\"")),
            Aggregate::Value(c) => ("value", format!(", {c}")),
        };
        write!(f, "{name}({}{extra}", self.table)?;
        for filter in &self.filters {
            let op = match filter.cmp {
                Cmp::Eq => "=",
                Cmp::Ne => "!=",
                Cmp::Contains => "~",
                Cmp::StartsWith => "^=",
                Cmp::In => "in",
                Cmp::Lt => "<",
                Cmp::Le => "<=",
                Cmp::Gt => ">",
                Cmp::Ge => ">=",
            };
            write!(f, ", {} {op} ", filter.column)?;
            if filter.cmp == Cmp::In {
                let items: Vec<String> = filter.values.iter().map(|v| v.to_string()).collect();
                write!(f, "[{}]", items.join(", "))?;
            } else if let Some(v) = filter.values.first() {
                write!(f, "{v}")?;
            }
        }
        write!(f, ")")
    }
}

impl Formula {
    /// The formula with every number's name replaced by its value, for readers:
    /// `100 − local_policies_top3_share` → `100 − 49`. `value(name, year)` is a number's
    /// value in a year of [`YearRef`]; `y` is shown as `year`.
    pub fn worked(&self, value: &dyn Fn(&str, YearRef) -> Option<f64>, year: i32) -> String {
        let w = |f: &Formula| {
            let text = f.worked(value, year);
            if matches!(f, Formula::Binary(..) | Formula::Neg(_)) { format!("({text})") } else { text }
        };
        match self {
            Formula::Name(n) => value(n, YearRef::Relative(0)).map_or_else(|| n.clone(), |v| crate::numfmt::number(v, 4)),
            Formula::At(n, at) => value(n, *at).map_or_else(|| format!("{n}[{at}]"), |v| crate::numfmt::number(v, 4)),
            Formula::Year => year.to_string(),
            Formula::Neg(a) => format!("−{}", w(a)),
            Formula::Binary(op, a, b) => {
                let sym = match op {
                    Op::Add => "+",
                    Op::Sub => "−",
                    Op::Mul => "×",
                    Op::Div => "÷",
                };
                // Sums and differences chain without brackets on the left: 100 − 49 − 2.
                let left = if matches!((op, a.as_ref()), (Op::Add | Op::Sub, Formula::Binary(Op::Add | Op::Sub, ..))) {
                    a.worked(value, year)
                } else {
                    w(a)
                };
                format!("{left} {sym} {}", w(b))
            }
            Formula::Call(func, args) => {
                let a: Vec<String> = args.iter().map(w).collect();
                match func {
                    Func::Share => format!("{} ÷ {} × 100", a[0], a[1]),
                    Func::Growth => format!("({} − {}) ÷ {} × 100", a[0], a[1], a[1]),
                    Func::Cagr => format!("(({} ÷ {})^(1 ÷ {}) − 1) × 100", a[1], a[0], a[2]),
                    Func::Previous => match a[1].strip_prefix('-') {
                        Some(down) => format!("{} ÷ (1 − {down}%)", a[0]),
                        None => format!("{} ÷ (1 + {}%)", a[0], a[1]),
                    },
                    _ => format!("{}({})", func.name(), a.join(", ")),
                }
            }
            Formula::Table(q) => q.in_year(year).to_string(),
            other => other.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn years_of_the_series() {
        let f = parse("growth(parks_total, parks_total[y - 1])").unwrap();
        assert_eq!(f.to_string(), "growth(parks_total, parks_total[y - 1])");
        let f = parse("cagr(parks_total[2019], parks_total, y - 2019)").unwrap();
        assert_eq!(f.to_string(), "cagr(parks_total[2019], parks_total, y - 2019)");
        let f = parse("count(industry-funds, year(founded) = y)").unwrap();
        let Formula::Table(q) = &f else { panic!("{f:?}") };
        assert!(q.uses_year());
        assert_eq!(q.in_year(2024).to_string(), "count(industry-funds, year(founded) = 2024)");
        assert_eq!(parse("count(t, added <= y - 1)").unwrap().to_string(), "count(t, added <= y - 1)");
        assert_eq!(parse("a[x]").unwrap_err().message, "expected a year, found name `x`");
    }

    #[test]
    fn arithmetic_precedence_and_names() {
        let f = parse("100 - a_1 - b * 2").unwrap();
        assert_eq!(f.to_string(), "(100 - a_1) - (b × 2)");
        let mut names = Vec::new();
        f.names(&mut names);
        assert_eq!(names, ["a_1", "b"]);
    }

    #[test]
    fn table_queries_with_filters() {
        let f = parse(r#"count(industry-parks, region = "华东地区", year(founded) = 2023)"#).unwrap();
        assert_eq!(f.to_string(), r#"count(industry-parks, region = "华东地区", year(founded) = 2023)"#);
        let f = parse(r#"rank(metaverse-policies, province(region), "上海市")"#).unwrap();
        assert!(matches!(f, Formula::Table(TableQuery { aggregate: Aggregate::Rank(Column::Province(_), _), .. })));
        let f = parse(r#"count(t, lead ~ "企业", area(city) in ["西南地区", "西北地区"])"#).unwrap();
        assert!(matches!(&f, Formula::Table(q) if q.filters.len() == 2 && q.filters[1].values.len() == 2));
    }

    #[test]
    fn series_group_by_one_or_two_columns() {
        let s = parse_series("count(industry-parks) by region, year(founded)").unwrap();
        assert_eq!(s.by, [Column::Plain("region".into()), Column::Year("founded".into())]);
        assert_eq!(s.to_string(), "count(industry-parks) by region, year(founded)");
        assert!(parse_series("count(t)").unwrap_err().message.contains("`by`"));
        assert!(parse_series("share(a, b) by x").is_err());
    }

    #[test]
    fn errors_point_at_the_offending_place() {
        let e = parse("share(a)").unwrap_err();
        assert!(e.message.contains("takes 2 arguments"), "{e:?}");
        let e = parse("a +").unwrap_err();
        assert_eq!(e.offset, 3);
        let e = parse("cuont(t)").unwrap_err();
        assert!(e.hint.contains("`count`"), "{e:?}");
        let e = parse("a b").unwrap_err();
        assert_eq!(e.offset, 2);
    }
}

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

/// Parses a series formula: a count, sum or distinct count over a table, `by` one or two
/// columns.
pub fn parse_series(text: &str) -> Result<Series, ParseError> {
    let tokens = lex(text)?;
    let mut p = Parser { tokens, pos: 0, end: text.chars().count() };
    let at = p.offset();
    let query = match p.atom()? {
        Formula::Table(q) if matches!(q.aggregate, Aggregate::Count | Aggregate::Sum(_) | Aggregate::Distinct(_)) => q,
        _ => return Err(err("a series is count, sum or distinct over a table, followed by `by`", at, SERIES_HINT)),
    };
    if p.next() != Some(Token::Ident("by".into())) {
        return Err(err("expected `by` and the columns to group by", p.offset(), SERIES_HINT));
    }
    let mut by = vec![p.column()?];
    while p.eat(",") {
        by.push(p.column()?);
    }
    if by.len() > 2 {
        return Err(err("a series groups by one or two columns", at, SERIES_HINT));
    }
    if let Some((t, at)) = p.tokens.get(p.pos) {
        return Err(err(format!("unexpected {} after the series", describe(t)), *at, SERIES_HINT));
    }
    Ok(Series { query, by })
}

const SERIES_HINT: &str = "write e.g. count(industry-parks) by region, year(founded); the first of two columns names the series";

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
            other => other.to_string(),
        }
    }
}

// ---------------------------------------------------------------------------------------
// Lexer and parser.

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Number(f64),
    Text(String),
    Ident(String),
    Sym(&'static str),
}

fn err(message: impl Into<String>, offset: usize, hint: impl Into<String>) -> ParseError {
    ParseError { message: message.into(), offset, hint: hint.into() }
}

const SYNTAX_HINT: &str = "a formula is arithmetic (+ - * /) over numbers' names, or count/sum/distinct/rank/value(table, …), \
     share/growth/cagr/previous/mean/min/max(…); see data/README.md";

/// Tokens with their character offsets. Names may contain `-` between letters or digits
/// (table ids such as `industry-parks`), so subtraction is written with spaces.
fn lex(text: &str) -> Result<Vec<(Token, usize)>, ParseError> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let start = i;
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        if c.is_ascii_digit() || (c == '.' && chars.get(i + 1).is_some_and(|d| d.is_ascii_digit())) {
            while i < chars.len() && (chars[i].is_ascii_digit() || chars[i] == '.') {
                i += 1;
            }
            let s: String = chars[start..i].iter().collect();
            let v = s.parse::<f64>().map_err(|_| err(format!("`{s}` is not a number"), start, "write numbers as 12 or 12.5"))?;
            out.push((Token::Number(v), start));
            continue;
        }
        if c == '"' || c == '\'' || c == '“' || c == '「' {
            let close = match c {
                '“' => '”',
                '「' => '」',
                other => other,
            };
            i += 1;
            let begin = i;
            while i < chars.len() && chars[i] != close {
                i += 1;
            }
            if i >= chars.len() {
                return Err(err("a text in quotes is not closed", start, format!("close it with {close}")));
            }
            out.push((Token::Text(chars[begin..i].iter().collect()), start));
            i += 1;
            continue;
        }
        if c.is_alphabetic() || c == '_' {
            while i < chars.len()
                && (chars[i].is_alphanumeric()
                    || chars[i] == '_'
                    || (chars[i] == '-' && chars.get(i + 1).is_some_and(|n| n.is_alphanumeric()) && chars[i - 1].is_alphanumeric()))
            {
                i += 1;
            }
            out.push((Token::Ident(chars[start..i].iter().collect()), start));
            continue;
        }
        let two: String = chars[i..(i + 2).min(chars.len())].iter().collect();
        let sym = match two.as_str() {
            "!=" => Some("!="),
            "^=" => Some("^="),
            "<=" => Some("<="),
            ">=" => Some(">="),
            _ => None,
        };
        if let Some(s) = sym {
            out.push((Token::Sym(s), start));
            i += 2;
            continue;
        }
        let sym = match c {
            '+' => "+",
            '-' | '−' => "-",
            '*' | '×' => "*",
            '/' | '÷' => "/",
            '(' => "(",
            ')' => ")",
            ',' => ",",
            '=' => "=",
            '~' => "~",
            '<' => "<",
            '>' => ">",
            '[' => "[",
            ']' => "]",
            _ => return Err(err(format!("unexpected character `{c}`"), start, SYNTAX_HINT)),
        };
        out.push((Token::Sym(sym), start));
        i += 1;
    }
    Ok(out)
}

struct Parser {
    tokens: Vec<(Token, usize)>,
    pos: usize,
    end: usize,
}

/// Parses a formula.
pub fn parse(text: &str) -> Result<Formula, ParseError> {
    let tokens = lex(text)?;
    let mut p = Parser { tokens, pos: 0, end: text.chars().count() };
    if p.tokens.is_empty() {
        return Err(err("the formula is empty", 0, SYNTAX_HINT));
    }
    let f = p.expr(0)?;
    if let Some((t, at)) = p.tokens.get(p.pos) {
        return Err(err(format!("unexpected {} after a complete formula", describe(t)), *at, "is an operator or a comma missing?"));
    }
    Ok(f)
}

fn describe(t: &Token) -> String {
    match t {
        Token::Number(v) => format!("number `{v}`"),
        Token::Text(s) => format!("text \"{s}\""),
        Token::Ident(s) => format!("name `{s}`"),
        Token::Sym(s) => format!("`{s}`"),
    }
}

impl Parser {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.pos).map(|(t, _)| t)
    }
    fn offset(&self) -> usize {
        self.tokens.get(self.pos).map_or(self.end, |(_, o)| *o)
    }
    fn next(&mut self) -> Option<Token> {
        let t = self.tokens.get(self.pos).map(|(t, _)| t.clone());
        self.pos += 1;
        t
    }
    fn eat(&mut self, sym: &str) -> bool {
        if self.peek()
            == Some(&Token::Sym(match sym {
                "(" => "(",
                ")" => ")",
                "," => ",",
                "[" => "[",
                "]" => "]",
                _ => return false,
            }))
        {
            self.pos += 1;
            true
        } else {
            false
        }
    }
    fn expect(&mut self, sym: &str) -> Result<(), ParseError> {
        if self.eat(sym) {
            return Ok(());
        }
        let found = self.peek().map_or("the end of the formula".to_string(), describe);
        Err(err(format!("expected `{sym}`, found {found}"), self.offset(), SYNTAX_HINT))
    }

    /// Precedence climbing: + - bind looser than * /.
    fn expr(&mut self, min: u8) -> Result<Formula, ParseError> {
        let mut left = self.unary()?;
        loop {
            let (op, prec) = match self.peek() {
                Some(Token::Sym("+")) => (Op::Add, 1),
                Some(Token::Sym("-")) => (Op::Sub, 1),
                Some(Token::Sym("*")) => (Op::Mul, 2),
                Some(Token::Sym("/")) => (Op::Div, 2),
                _ => break,
            };
            if prec < min {
                break;
            }
            self.pos += 1;
            let right = self.expr(prec + 1)?;
            left = Formula::Binary(op, Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn unary(&mut self) -> Result<Formula, ParseError> {
        if self.peek() == Some(&Token::Sym("-")) {
            self.pos += 1;
            return Ok(Formula::Neg(Box::new(self.unary()?)));
        }
        self.atom()
    }

    fn atom(&mut self) -> Result<Formula, ParseError> {
        let at = self.offset();
        match self.next() {
            Some(Token::Number(v)) => Ok(Formula::Number(v)),
            Some(Token::Sym("(")) => {
                let f = self.expr(0)?;
                self.expect(")")?;
                Ok(f)
            }
            Some(Token::Ident(name)) if name == "y" => Ok(Formula::Year),
            Some(Token::Ident(name)) => {
                if self.eat("[") {
                    let year = self.year_ref()?;
                    self.expect("]")?;
                    return Ok(Formula::At(name, year));
                }
                if !self.eat("(") {
                    return Ok(Formula::Name(name));
                }
                if let Some(func) = Func::from_name(&name) {
                    let mut args = vec![self.expr(0)?];
                    while self.eat(",") {
                        args.push(self.expr(0)?);
                    }
                    self.expect(")")?;
                    if let Some(n) = func.arity().filter(|n| *n != args.len()) {
                        return Err(err(format!("{name}() takes {n} arguments, not {}", args.len()), at, SYNTAX_HINT));
                    }
                    return Ok(Formula::Call(func, args));
                }
                self.table_query(&name, at)
            }
            Some(t) => Err(err(format!("unexpected {}", describe(&t)), at, SYNTAX_HINT)),
            None => Err(err("the formula ends too early", at, SYNTAX_HINT)),
        }
    }

    fn ident(&mut self, what: &str) -> Result<String, ParseError> {
        let at = self.offset();
        match self.next() {
            Some(Token::Ident(s)) => Ok(s),
            other => Err(err(format!("expected {what}, found {}", other.as_ref().map_or("the end".into(), describe)), at, SYNTAX_HINT)),
        }
    }

    fn text(&mut self, what: &str) -> Result<String, ParseError> {
        let at = self.offset();
        match self.next() {
            Some(Token::Text(s)) => Ok(s),
            other => Err(err(
                format!("expected {what} in quotes, found {}", other.as_ref().map_or("the end".into(), describe)),
                at,
                "write texts in double quotes: \"华东地区\"",
            )),
        }
    }

    fn column(&mut self) -> Result<Column, ParseError> {
        let name = self.ident("a column")?;
        if !self.eat("(") {
            return Ok(Column::Plain(name));
        }
        let inner = self.ident("a column")?;
        self.expect(")")?;
        match name.as_str() {
            "year" => Ok(Column::Year(inner)),
            "province" => Ok(Column::Province(inner)),
            "area" => Ok(Column::Area(inner)),
            other => Err(err(
                format!("`{other}(…)` is not a column function"),
                self.offset(),
                "use year(column), province(column) or area(column)",
            )),
        }
    }

    /// `y`, `y - 1`, `y + 2` or a fixed year `2019`, inside `name[…]`.
    fn year_ref(&mut self) -> Result<YearRef, ParseError> {
        let at = self.offset();
        match self.next() {
            Some(Token::Number(v)) if v.fract() == 0.0 && (1900.0..=2200.0).contains(&v) => Ok(YearRef::Absolute(v as i32)),
            Some(Token::Ident(s)) if s == "y" => Ok(YearRef::Relative(self.year_offset()?)),
            other => Err(err(
                format!("expected a year, found {}", other.as_ref().map_or("the end".into(), describe)),
                at,
                "write the year as y - 1 (the year before the one computed) or as a fixed year, 2019",
            )),
        }
    }

    /// After `y`: nothing, or `- k` / `+ k`.
    fn year_offset(&mut self) -> Result<i32, ParseError> {
        let sign = match self.peek() {
            Some(Token::Sym("-")) => -1,
            Some(Token::Sym("+")) => 1,
            _ => return Ok(0),
        };
        self.pos += 1;
        let at = self.offset();
        match self.next() {
            Some(Token::Number(k)) if k.fract() == 0.0 && k < 100.0 => Ok(sign * k as i32),
            _ => Err(err("expected a whole number of years after `y -` or `y +`", at, "write y - 1")),
        }
    }

    fn literal(&mut self) -> Result<Literal, ParseError> {
        let at = self.offset();
        match self.next() {
            Some(Token::Ident(s)) if s == "y" => Ok(Literal::Year(self.year_offset()?)),
            Some(Token::Text(s)) => Ok(Literal::Text(s)),
            Some(Token::Number(v)) => Ok(Literal::Number(v)),
            other => Err(err(
                format!("expected a value, found {}", other.as_ref().map_or("the end".into(), describe)),
                at,
                "compare with a text in quotes or a number",
            )),
        }
    }

    fn table_query(&mut self, func: &str, at: usize) -> Result<Formula, ParseError> {
        let known = ["count", "sum", "distinct", "rank", "value"];
        if !known.contains(&func) {
            let all = "share, growth, cagr, previous, mean, min, max, count, sum, distinct, rank, value";
            let hint = match crate::data::nearest(func, all.split(", ")) {
                Some(n) => format!("did you mean `{n}`? functions: {all}"),
                None => format!("functions: {all}"),
            };
            return Err(err(format!("unknown function `{func}`"), at, hint));
        }
        let table = self.ident("a table id")?;
        let aggregate = match func {
            "count" => Aggregate::Count,
            "sum" | "distinct" | "value" => {
                self.expect(",")?;
                let c = self.column()?;
                match func {
                    "sum" => Aggregate::Sum(c),
                    "distinct" => Aggregate::Distinct(c),
                    _ => Aggregate::Value(c),
                }
            }
            _ => {
                self.expect(",")?;
                let c = self.column()?;
                self.expect(",")?;
                Aggregate::Rank(c, self.text("the item ranked")?)
            }
        };
        let mut filters = Vec::new();
        while self.eat(",") {
            let column = self.column()?;
            let at = self.offset();
            let cmp = match self.next() {
                Some(Token::Sym("=")) => Cmp::Eq,
                Some(Token::Sym("!=")) => Cmp::Ne,
                Some(Token::Sym("~")) => Cmp::Contains,
                Some(Token::Sym("^=")) => Cmp::StartsWith,
                Some(Token::Sym("<")) => Cmp::Lt,
                Some(Token::Sym("<=")) => Cmp::Le,
                Some(Token::Sym(">")) => Cmp::Gt,
                Some(Token::Sym(">=")) => Cmp::Ge,
                Some(Token::Ident(s)) if s == "in" => Cmp::In,
                other => {
                    return Err(err(
                        format!("expected a comparison, found {}", other.as_ref().map_or("the end".into(), describe)),
                        at,
                        "filters are column = \"text\", !=, <, <=, >, >=, ~ (contains), ^= (starts with) or in [\"a\", \"b\"]",
                    ));
                }
            };
            let values = if cmp == Cmp::In {
                self.expect("[")?;
                let mut vs = vec![self.literal()?];
                while self.eat(",") {
                    vs.push(self.literal()?);
                }
                self.expect("]")?;
                vs
            } else {
                vec![self.literal()?]
            };
            filters.push(Filter { column, cmp, values });
        }
        self.expect(")")?;
        Ok(Formula::Table(TableQuery { table, aggregate, filters }))
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

//! The formula language's lexer and parser: text to the tree of [`super::Formula`], with
//! the character offset of each error for the caret under it.

use super::*;

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

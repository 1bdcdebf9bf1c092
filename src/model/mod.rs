//! Plain values: what the data stage hands to metrics, charts and rendering.
//! Nothing here knows about Polars.

use serde::Serialize;

pub mod provenance;

/// One table cell, typed by its column.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Cell {
    Missing,
    Text(String),
    Integer(i64),
    Number(f64),
    /// (year, month)
    Month(i32, u32),
    /// (year, month, day)
    Date(i32, u32, u32),
}

/// A printed table after ingestion.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Table {
    pub id: String,
    pub columns: Vec<String>,
    pub rows: Vec<Vec<Cell>>,
}

/// Where a value comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Stated,
    Derived,
    External,
    Missing,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Stated => "stated",
            Status::Derived => "derived",
            Status::External => "external",
            Status::Missing => "missing",
        }
    }
}

/// One point of a figure: a bar, a slice, a year.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Point {
    pub series: String,
    pub category: String,
    pub value: Option<f64>,
    pub status: Status,
    /// 约, 超, 近 … as printed, for stated values.
    pub qualifier: Option<String>,
    /// The stated value's own unit (笔, 亿元), where it differs from point to point.
    pub unit: Option<String>,
    /// What a reader can check: the sentence, the formula and inputs, or the source.
    pub provenance: provenance::Told,
}

/// The data behind one figure, resolved.
#[derive(Debug, Clone, Serialize)]
pub struct FigureData {
    pub id: String,
    pub unit: Option<String>,
    pub points: Vec<Point>,
}

/// Where a number stands in the published document, as printed there: the audit's
/// reference for a derived number, the value itself for a primary.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Printed {
    pub value: f64,
    /// 约, 超, 近 … as printed.
    pub qualifier: Option<String>,
    pub location: String,
    pub quote: String,
    /// A rank the text gives to this item alone ("居首", "紧随其后"): a tie is worth a note.
    pub sole: bool,
}

/// What a printed qualifier claims about the value beside it: how the audit compares it
/// with the data, and which way the edition rounds the computed value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Claim {
    /// No qualifier: the value as rounded (四舍五入) at its printed precision.
    Exact,
    /// 超, 超过, 余, 多, 以上, 突破, +: more than the value.
    MoreThan,
    /// 近: nearly, at most the value.
    Nearly,
    /// 约, 左右: about the value.
    About,
}

impl Claim {
    /// The qualifiers the report prints, by what they claim ("超…余" is more than); `None`
    /// for a qualifier the audit does not know, which must not be read as exact.
    pub fn of(qualifier: Option<&str>) -> Option<Claim> {
        let q = qualifier.unwrap_or("").trim();
        let has = |words: &[&str]| words.iter().any(|w| q.contains(w));
        Some(if q.is_empty() {
            Claim::Exact
        } else if has(&["超", "余", "多", "以上", "突破", "+"]) {
            Claim::MoreThan
        } else if has(&["近"]) {
            Claim::Nearly
        } else if has(&["约", "左右"]) {
            Claim::About
        } else {
            return None;
        })
    }
}

impl Printed {
    /// What the printed qualifier claims (an unknown one is refused when printed.yaml is read).
    pub fn claim(&self) -> Claim {
        Claim::of(self.qualifier.as_deref()).unwrap_or(Claim::Exact)
    }
}

/// What kind of number, for readers and for `vars`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NumberKind {
    /// Typed from the document (data/stated/*.csv): nothing in data/ can produce it.
    Primary,
    /// Computed at build time from tables and other numbers (data/derived/*.yaml).
    Derived,
}

impl NumberKind {
    pub fn as_str(self) -> &'static str {
        match self {
            NumberKind::Primary => "primary",
            NumberKind::Derived => "derived",
        }
    }
}

/// A number the prose, the charts and the audit can use, by one name.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Number {
    pub name: String,
    pub kind: NumberKind,
    /// A primary's stated value; a derived number's computed value, never rounded: in the
    /// edition's year (NaN when the number has no value that year).
    pub value: f64,
    /// Its value in every year of the series that has one, as known to the edition.
    pub years: std::collections::BTreeMap<i32, f64>,
    /// A primary: the edition that brought (or last corrected) its value in the edition's year.
    pub edition: Option<i32>,
    pub unit: String,
    /// Where the document prints it: always for a primary; for a derived number, the
    /// printed value the audit compares with.
    pub printed: Option<Printed>,
    /// A derived number's formula as written, and what it reads (numbers and tables).
    pub formula: Option<String>,
    /// The formula with its inputs' values (`100 − 49`), in each year it has a value.
    pub worked: std::collections::BTreeMap<i32, String>,
    pub inputs: Vec<String>,
    /// A sentence for readers: what the formula counts, with `{y}` for the year computed and
    /// `{y-1}` for the one before ([`Number::explained`]).
    pub explain: Option<String>,
    /// Decimals shown by default.
    pub digits: usize,
    /// Counts must be whole: a derived count that is not (a previous year implied by a
    /// stated growth rate) is the audit's finding.
    pub whole: bool,
    /// A rank: the other items sharing it.
    pub ties: Vec<String>,
    /// Where it is defined: `data/stated/ch1.csv:4` or `data/derived/ch1.yaml:12`.
    pub defined: String,
}

/// Everything the data stage produces.
#[derive(Debug, Clone, Serialize)]
pub struct Facts {
    /// The edition's year: the year of each number's `value`.
    pub edition: i32,
    pub tables: Vec<Table>,
    pub figures: Vec<FigureData>,
    /// Every number by name: primaries and derived numbers, sorted by name.
    pub numbers: Vec<Number>,
}

impl Number {
    /// What the formula counts, in words naming `year`: the words of a number defined once
    /// for the series name the right years in each edition and for each year it is shown.
    pub fn explained(&self, year: i32) -> Option<String> {
        self.explain.as_deref().map(|e| e.replace("{y-1}", &(year - 1).to_string()).replace("{y}", &year.to_string()))
    }
}

impl Facts {
    pub fn table(&self, id: &str) -> Option<&Table> {
        self.tables.iter().find(|t| t.id == id)
    }
    pub fn figure(&self, id: &str) -> Option<&FigureData> {
        self.figures.iter().find(|f| f.id == id)
    }
    pub fn number(&self, name: &str) -> Option<&Number> {
        self.numbers.binary_search_by(|n| n.name.as_str().cmp(name)).ok().map(|i| &self.numbers[i])
    }
}

/// One value of an edition that a later edition changed.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct Revision {
    /// The edition revised, and the year of the value (the edition's own year).
    pub edition: i32,
    /// What changed: a number's name or a table's id.
    pub name: String,
    pub kind: Revised,
    /// The value as the edition printed it (a number as its text shows it; a table's rows).
    pub printed: String,
    pub now: String,
    /// The edition whose data changed it.
    pub by: i32,
    /// Why, in a few words: the inputs that changed, the rows added or removed.
    pub because: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Revised {
    Primary,
    Derived,
    Table,
}

//! Plain values: what the data stage hands to metrics, charts and rendering.
//! Nothing here knows about Polars.

use serde::Serialize;

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
#[derive(Debug, Clone, Serialize)]
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
    /// One line a reader can check: the sentence, the formula and inputs, or the source.
    pub provenance: String,
}

/// The data behind one figure, resolved.
#[derive(Debug, Clone, Serialize)]
pub struct FigureData {
    pub id: String,
    pub unit: Option<String>,
    pub points: Vec<Point>,
}

/// A number stated in the prose (data/stated/*.csv).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Stated {
    pub key: String,
    pub value: f64,
    pub unit: String,
    pub qualifier: Option<String>,
    pub location: String,
    pub quote: String,
}

/// A scalar computed from the tables.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MetricValue {
    pub name: String,
    pub value: f64,
    pub unit: String,
    pub formula: String,
    pub inputs: Vec<String>,
}

/// Everything the data stage produces.
#[derive(Debug, Clone, Serialize)]
pub struct Facts {
    pub tables: Vec<Table>,
    pub figures: Vec<FigureData>,
    pub stated: Vec<Stated>,
    pub metrics: Vec<MetricValue>,
}

impl Facts {
    pub fn table(&self, id: &str) -> Option<&Table> {
        self.tables.iter().find(|t| t.id == id)
    }
    pub fn figure(&self, id: &str) -> Option<&FigureData> {
        self.figures.iter().find(|f| f.id == id)
    }
    pub fn stated(&self, key: &str) -> Option<&Stated> {
        self.stated.iter().find(|s| s.key == key)
    }
    pub fn metric(&self, name: &str) -> Option<&MetricValue> {
        self.metrics.iter().find(|m| m.name == name)
    }
}

//! `output/figures.json`: every figure, table and number bound into the prose, with values,
//! units, provenance and content hashes, so CI can tell what changed between two builds.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::catalog::Catalog;
use crate::charts::Chart;
use crate::model::Facts;
use crate::render;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    pub edition: i32,
    pub figures: Vec<FigureEntry>,
    pub tables: Vec<TableEntry>,
    /// `n.<key>` and `m.<name>`: the numbers the prose can show, by their template names.
    pub numbers: BTreeMap<String, NumberEntry>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FigureEntry {
    pub id: String,
    pub number: String,
    pub caption: String,
    pub unit: String,
    pub points: Vec<PointEntry>,
    pub svg_sha256: String,
    pub png_sha256: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PointEntry {
    pub series: String,
    pub category: String,
    pub value: Option<f64>,
    pub status: String,
    pub provenance: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TableEntry {
    pub id: String,
    pub number: String,
    pub title: String,
    pub key: Vec<String>,
    pub columns: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NumberEntry {
    pub value: f64,
    pub unit: String,
    pub provenance: String,
}

fn sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

pub fn build(
    year: i32,
    catalog: &Catalog,
    facts: &Facts,
    charts: &[Chart],
    numbers: &BTreeMap<String, String>,
    shown: &BTreeMap<String, crate::edition::Shown>,
) -> Manifest {
    let figures = catalog
        .figures
        .iter()
        .filter_map(|(_, meta)| {
            let data = facts.figure(&meta.id)?;
            let chart = charts.iter().find(|c| c.id == meta.id)?;
            Some(FigureEntry {
                id: meta.id.clone(),
                number: numbers.get(&meta.id).cloned().unwrap_or_default(),
                caption: meta.caption.clone(),
                unit: data.unit.clone().unwrap_or_default(),
                points: data
                    .points
                    .iter()
                    .map(|p| PointEntry {
                        series: p.series.clone(),
                        category: p.category.clone(),
                        value: p.value,
                        status: p.status.as_str().into(),
                        provenance: p.provenance.sentence(),
                    })
                    .collect(),
                svg_sha256: sha256(chart.svg.as_bytes()),
                png_sha256: sha256(&chart.png),
            })
        })
        .collect();
    let tables = catalog
        .tables
        .iter()
        .filter_map(|(_, meta)| {
            let table = facts.table(&meta.id)?;
            Some(TableEntry {
                id: meta.id.clone(),
                number: numbers.get(&meta.id).cloned().unwrap_or_default(),
                title: meta.title.clone(),
                key: meta.key.clone(),
                columns: table.columns.clone(),
                rows: table
                    .rows
                    .iter()
                    .map(|r| r.iter().zip(&meta.columns).map(|(c, spec)| render::cell_text(c, spec)).collect())
                    .collect(),
            })
        })
        .collect();
    // A number without a value in the edition's year is no number of this edition.
    let numbers = crate::edition::variables(facts, shown, year)
        .into_iter()
        .filter(|(_, v)| v.value.is_finite())
        .map(|(k, v)| (format!("n.{k}"), NumberEntry { value: v.value, unit: v.unit, provenance: v.provenance }))
        .collect();
    Manifest { edition: year, figures, tables, numbers }
}

//! blockchain-report: regenerates the 2023-2024 中国区块链年度发展报告 from `data/`.
//!
//! Data flows one way: [`config`] → [`catalog`] → [`data`] (Polars, and nothing else uses
//! it) → plain [`model`] values → [`audit`] → [`edition`] (what is printed) → [`charts`] →
//! [`render`] (tera → one [`document`]) → [`write`] (Markdown, HTML, Typst) → [`pdf`] (the print
//! edition, typeset from the document). [`build`] runs the stages.

pub mod audit;
pub mod build;
pub mod cache;
pub mod catalog;
pub mod charts;
pub mod config;
pub mod data;
pub mod diff;
pub mod document;
pub mod edition;
pub mod error;
pub mod manifest;
pub mod model;
pub mod numfmt;
pub mod paths;
pub mod pdf;
pub mod render;
pub mod revisions;
pub mod series;
pub mod serve;
pub mod text;
pub mod write;

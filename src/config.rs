//! The series and its editions. The project's `report.yaml` holds the build settings of the
//! whole series; each edition's `editions/<year>/report.yaml` says what it publishes (year,
//! title, publishers, date). [`Config`] is the two together, for one edition.
//! Unknown keys and wrong types are errors with line and column.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::{self, Result};

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    pub edition: Edition,
    /// The tables the edition places, as views of the datasets (see [`crate::catalog::View`]).
    #[serde(default)]
    pub tables: Vec<crate::catalog::View>,
    #[serde(default)]
    pub settings: Settings,
}

/// The project's `report.yaml`: the series' settings.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Series {
    #[serde(default)]
    pub settings: Settings,
}

/// An edition's `editions/<year>/report.yaml`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct EditionFile {
    pub edition: Edition,
    #[serde(default)]
    pub tables: Vec<crate::catalog::View>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Edition {
    /// The year the report covers (2023 for the 2023-2024 edition).
    pub year: i32,
    pub title: String,
    pub publishers: Vec<String>,
    /// Publication month, `YYYY-MM`.
    pub published: String,
    /// Wording that changes between editions but is not a number (front matter).
    #[serde(default)]
    pub organisation: Option<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct Settings {
    /// Where `data/` and `templates/` are, relative to report.yaml.
    pub data_dir: PathBuf,
    pub templates_dir: PathBuf,
    /// Stylesheet and font, copied to output/assets/ (the font also draws the charts).
    pub assets_dir: PathBuf,
    /// Where the editions are: `<editions_dir>/<year>/report.yaml`, with each edition's
    /// wording, printed values and reviewed contradictions.
    pub editions_dir: PathBuf,
    /// Where the reports are written, relative to report.yaml: each edition into
    /// `<output_dir>/<year>/`.
    pub output_dir: PathBuf,
    /// PNG pixels per SVG pixel.
    pub png_scale: f32,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            data_dir: "data".into(),
            templates_dir: "templates".into(),
            assets_dir: "assets".into(),
            editions_dir: "editions".into(),
            output_dir: "output".into(),
            png_scale: 2.0,
        }
    }
}

impl Series {
    pub fn load(path: &Path) -> Result<Series> {
        let text = error::read_to_string(path)?;
        if text.lines().any(|l| l.starts_with("edition:")) {
            return Err(error::InputError::new(path, "report.yaml holds the series' settings; an edition has a report.yaml of its own")
                .field("edition")
                .hint("move the `edition:` block to editions/<year>/report.yaml (blockchain-report new-edition starts one)")
                .into());
        }
        // A report.yaml of comments alone takes the default settings.
        let empty = text.lines().all(|l| l.trim().is_empty() || l.trim_start().starts_with('#'));
        let series: Series = if empty { Series { settings: Settings::default() } } else { error::parse_yaml(path, &text)? };
        if !(series.settings.png_scale >= 1.0 && series.settings.png_scale <= 8.0) {
            return Err(error::InputError::new(path, "settings.png_scale must be between 1 and 8")
                .field("settings")
                .hint("2 gives print-quality PNGs")
                .into());
        }
        Ok(series)
    }
}

impl Config {
    /// An edition's report.yaml with the series' settings.
    pub fn load(path: &Path, settings: Settings) -> Result<Config> {
        Config::parse(path, &error::read_to_string(path)?, settings)
    }

    /// Parses and validates an edition's report.yaml text (`path` names it in errors).
    pub fn parse(path: &Path, text: &str, settings: Settings) -> Result<Config> {
        let file: EditionFile = error::parse_yaml(path, text)?;
        let config = Config { edition: file.edition, tables: file.tables, settings };
        config.validate(path)?;
        Ok(config)
    }

    fn validate(&self, path: &Path) -> Result<()> {
        let bad = |msg: &str, hint: &str| Err(error::InputError::new(path, msg).field("edition").hint(hint).into());
        let p = &self.edition.published;
        let ok = p.len() == 7
            && p.as_bytes()[4] == b'-'
            && p[..4].parse::<u32>().is_ok()
            && p[5..].parse::<u32>().is_ok_and(|m| (1..=12).contains(&m));
        if !ok {
            return bad(&format!("edition.published is `{p}`, not a month"), "write it as YYYY-MM, e.g. 2024-05");
        }
        Ok(())
    }

    /// Publication year and month.
    pub fn published(&self) -> (i32, u32) {
        let p = &self.edition.published;
        (p[..4].parse().unwrap_or(0), p[5..].parse().unwrap_or(0))
    }
}

//! `report.yaml`: the edition (what is being published) and the build settings.
//! Unknown keys and wrong types are errors with line and column.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::{self, Result};

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    pub edition: Edition,
    #[serde(default)]
    pub settings: Settings,
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
    /// Where the report is written, relative to report.yaml.
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
            output_dir: "output".into(),
            png_scale: 2.0,
        }
    }
}

impl Config {
    pub fn load(path: &Path) -> Result<Config> {
        Config::parse(path, &error::read_to_string(path)?)
    }

    /// Parses and validates report.yaml's text (`path` names it in errors).
    pub fn parse(path: &Path, text: &str) -> Result<Config> {
        let config: Config = error::parse_yaml(path, text)?;
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
        if !(self.settings.png_scale >= 1.0 && self.settings.png_scale <= 8.0) {
            return bad("settings.png_scale must be between 1 and 8", "2 gives print-quality PNGs");
        }
        Ok(())
    }

    /// Publication year and month.
    pub fn published(&self) -> (i32, u32) {
        let p = &self.edition.published;
        (p[..4].parse().unwrap_or(0), p[5..].parse().unwrap_or(0))
    }
}

//! A project's series and one of its editions: the paths resolved from the series'
//! report.yaml and the edition's own, and what the edition reads before its templates.

use std::path::{Path, PathBuf};

use super::CACHE_DIR;
use crate::cache::Cache;
use crate::catalog::Catalog;
use crate::config::{Config, Series};
use crate::error::{InputError, Result};
use crate::model::{Facts, Revision};
use crate::render::TemplateDirs;

/// One edition of a project's series, with the paths resolved from the project's
/// report.yaml and the edition's own.
pub struct Project {
    pub root: PathBuf,
    /// The series' report.yaml, to open the series' other editions.
    pub config_path: PathBuf,
    pub config: Config,
    /// `editions/<year>/`: the edition's report.yaml, wording, printed values and reviews.
    pub edition_dir: PathBuf,
    /// Every edition of the series, by year, ascending.
    pub editions: Vec<i32>,
}

impl Project {
    /// The latest edition of the series whose settings are `config_path`.
    pub fn open(config_path: &Path) -> Result<Project> {
        Project::open_edition(config_path, None)
    }

    /// An edition of the series (`None`: the latest).
    pub fn open_edition(config_path: &Path, year: Option<i32>) -> Result<Project> {
        let series = Series::load(config_path)?;
        let root = config_path.parent().map(Path::to_path_buf).unwrap_or_default();
        let editions_dir = root.join(&series.settings.editions_dir);
        let editions = editions(&editions_dir)?;
        let year = match year {
            None => *editions.last().ok_or_else(|| {
                InputError::new(&editions_dir, "the series has no edition")
                    .hint("an edition is editions/<year>/report.yaml with its templates/; `blockchain-report new-edition YEAR` starts one")
            })?,
            Some(y) if editions.contains(&y) => y,
            Some(y) => {
                let known: Vec<String> = editions.iter().map(i32::to_string).collect();
                return Err(InputError::new(&editions_dir, format!("the series has no {y} edition"))
                    .hint(format!("its editions: {}", if known.is_empty() { "none".into() } else { known.join(", ") }))
                    .into());
            }
        };
        // Settings that could make a build delete inputs are refused before anything runs.
        crate::paths::check_settings(config_path, &crate::error::read_to_string(config_path)?, &series.settings, year)?;
        let edition_dir = editions_dir.join(year.to_string());
        let edition_file = edition_dir.join("report.yaml");
        let config = Config::load(&edition_file, series.settings)?;
        if config.edition.year != year {
            let text = crate::error::read_to_string(&edition_file)?;
            return Err(InputError::new(
                &edition_file,
                format!("edition.year is {}, but the edition's directory is {year}", config.edition.year),
            )
            .field("year")
            .excerpt_from(&text)
            .hint("an edition lives in editions/<its year>/: fix the year or move the directory")
            .into());
        }
        Ok(Project { root, config_path: config_path.to_path_buf(), config, edition_dir, editions })
    }
    pub fn data_dir(&self) -> PathBuf {
        self.root.join(&self.config.settings.data_dir)
    }
    /// The edition's wording over the series' page designs.
    pub fn templates(&self) -> TemplateDirs {
        TemplateDirs { wording: self.edition_dir.join("templates"), designs: self.designs_dir() }
    }
    /// The series' page designs and partials (`templates/`).
    pub fn designs_dir(&self) -> PathBuf {
        self.root.join(&self.config.settings.templates_dir)
    }
    pub fn assets_dir(&self) -> PathBuf {
        self.root.join(&self.config.settings.assets_dir)
    }
    /// `output/<year>/`: each edition writes its own, so building one never replaces another.
    pub fn output_dir(&self) -> PathBuf {
        self.root.join(&self.config.settings.output_dir).join(self.config.edition.year.to_string())
    }
    /// The project's artefact cache (`build --no-cache` uses [`Cache::disabled`] instead).
    pub fn cache(&self) -> Cache {
        Cache::in_dir(&self.root.join(CACHE_DIR))
    }

    /// The metadata of `data/` with the edition's views.
    pub fn catalog(&self) -> Result<Catalog> {
        Catalog::load(&self.data_dir(), &self.edition_dir, &self.edition_dir.join("report.yaml"), &self.config.tables)
    }

    /// The catalogs of the editions before this one, to read their numbers as later
    /// editions revised them.
    pub fn earlier_catalogs(&self) -> Result<Vec<(i32, Catalog)>> {
        let year = self.config.edition.year;
        let earlier = self.editions.iter().copied().filter(|&e| e < year);
        earlier.map(|e| Ok((e, Project::open_edition(&self.config_path, Some(e))?.catalog()?))).collect()
    }

    /// Reads and computes everything that does not depend on templates.
    pub fn load(&self) -> Result<(Catalog, Facts)> {
        let (catalog, facts, _) = self.load_with(false)?;
        Ok((catalog, facts))
    }

    /// [`Project::load`], and what this edition's data revised in the earlier editions
    /// (修订说明), computed from the same read of `data/`.
    pub fn load_with_revisions(&self) -> Result<(Catalog, Facts, Vec<Revision>)> {
        self.load_with(true)
    }

    fn load_with(&self, revisions: bool) -> Result<(Catalog, Facts, Vec<Revision>)> {
        let mut catalog = self.catalog()?;
        let year = self.config.edition.year;
        let sources = crate::data::read(&catalog)?;
        // The revisions are a second computation over the same sources: beside the first,
        // on the other core (most of the data stage is small queries, one thread each).
        let (facts, revisions) = std::thread::scope(|scope| {
            let earlier = revisions.then(|| scope.spawn(|| crate::revisions::by_edition(&self.earlier_catalogs()?, year, &sources)));
            let facts = crate::data::compute(&catalog, &sources, year, year, crate::data::Parts::All);
            let revisions = earlier.map_or(Ok(Vec::new()), |job| job.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)));
            (facts, revisions)
        });
        let (facts, revisions) = (facts?, revisions?);
        for (_, meta) in &mut catalog.figures {
            if let Some(data) = facts.figure(&meta.id) {
                meta.caption = crate::data::caption(&meta.caption, data, year);
            }
        }
        Ok((catalog, facts, revisions))
    }
}

/// The years of `editions/*/report.yaml`, ascending.
pub fn editions(dir: &Path) -> Result<Vec<i32>> {
    let Ok(entries) = std::fs::read_dir(dir) else { return Ok(Vec::new()) };
    let mut years: Vec<i32> = entries
        .filter_map(|e| e.ok())
        .filter(|e| e.path().join("report.yaml").is_file())
        .filter_map(|e| e.file_name().to_str().and_then(|n| n.parse().ok()))
        .collect();
    years.sort();
    Ok(years)
}

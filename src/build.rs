//! One build: report.yaml → data (Polars) → metrics → charts → render → output/.
//! Everything is written to a scratch directory first and swapped in at the end, so a
//! failed build leaves the previous output intact.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::cache::Cache;
use crate::catalog::Catalog;
use crate::charts::{self, ChartFont};
use crate::config::Config;
use crate::error::{Error, Result};
use crate::model::{Cell, Facts};
use crate::render;

pub const FONT: &str = "fonts/NotoSansSC-subset.otf";

/// The cache of rasterised charts, beside report.yaml (ignored by git, safe to delete).
pub const CACHE_DIR: &str = ".cache";

/// Paths of one project, resolved from its report.yaml.
pub struct Project {
    pub root: PathBuf,
    pub config: Config,
}

impl Project {
    pub fn open(config_path: &Path) -> Result<Project> {
        let config = Config::load(config_path)?;
        let root = config_path.parent().map(Path::to_path_buf).unwrap_or_default();
        Ok(Project { root, config })
    }
    pub fn data_dir(&self) -> PathBuf {
        self.root.join(&self.config.settings.data_dir)
    }
    pub fn templates_dir(&self) -> PathBuf {
        self.root.join(&self.config.settings.templates_dir)
    }
    pub fn assets_dir(&self) -> PathBuf {
        self.root.join(&self.config.settings.assets_dir)
    }
    pub fn output_dir(&self) -> PathBuf {
        self.root.join(&self.config.settings.output_dir)
    }
    /// The project's artefact cache (`build --no-cache` uses [`Cache::disabled`] instead).
    pub fn cache(&self) -> Cache {
        Cache::in_dir(&self.root.join(CACHE_DIR))
    }

    /// Reads and computes everything that does not depend on templates.
    pub fn load(&self) -> Result<(Catalog, Facts)> {
        let catalog = Catalog::load(&self.data_dir())?;
        let facts = crate::data::load(&catalog)?;
        Ok((catalog, facts))
    }
}

/// Which editions of the report a build writes (`build --to md,html`); the charts, the
/// data behind them, the manifest and the audit are written for every choice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Targets {
    pub md: bool,
    pub html: bool,
}

impl Default for Targets {
    fn default() -> Self {
        Targets { md: true, html: true }
    }
}

impl std::str::FromStr for Targets {
    type Err = String;
    fn from_str(list: &str) -> std::result::Result<Targets, String> {
        let mut targets = Targets { md: false, html: false };
        for name in list.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            match name {
                "md" => targets.md = true,
                "html" => targets.html = true,
                other => return Err(format!("unknown output `{other}`: choose from md, html")),
            }
        }
        if targets == (Targets { md: false, html: false }) {
            return Err("choose at least one output: md, html".into());
        }
        Ok(targets)
    }
}

/// What a build wrote, for the CLI's summary.
pub struct Summary {
    pub tables: usize,
    pub figures: usize,
    pub files: usize,
    /// Charts whose PNG was rasterised by this build (the others came from the cache).
    pub rasterised: Vec<String>,
    pub audit: crate::audit::Audit,
}

/// Output files: path under output/, bytes.
pub type Files = Vec<(PathBuf, Vec<u8>)>;

/// A loaded project kept between builds: `serve` re-renders templates without re-reading
/// the data, and redraws only the charts whose inputs changed.
pub struct Session {
    pub project: Project,
    pub catalog: Catalog,
    pub facts: Facts,
    font: ChartFont,
    cache: Cache,
    charts: Vec<charts::Chart>,
    /// What each chart was drawn from, to know which to redraw after a data change.
    chart_inputs: BTreeMap<String, String>,
}

/// A chart's inputs (its metadata and its points) as one comparable string.
fn chart_input(meta: &crate::catalog::FigureMeta, data: &crate::model::FigureData) -> String {
    format!("{}{}", serde_json::to_string(meta).unwrap_or_default(), serde_json::to_string(data).unwrap_or_default())
}

impl Session {
    pub fn open(project: Project) -> Result<Session> {
        let cache = project.cache();
        Session::open_with_cache(project, cache)
    }

    pub fn open_with_cache(project: Project, cache: Cache) -> Result<Session> {
        let (catalog, facts) = project.load()?;
        let font = ChartFont::load(&project.assets_dir().join(FONT))?;
        let mut session = Session { project, catalog, facts, font, cache, charts: Vec::new(), chart_inputs: BTreeMap::new() };
        session.draw_changed_charts()?;
        Ok(session)
    }

    /// Re-reads data/ (a dozen milliseconds) and redraws the charts whose inputs changed.
    /// Returns the ids of the redrawn charts.
    pub fn reload_data(&mut self) -> Result<Vec<String>> {
        let (catalog, facts) = self.project.load()?;
        self.catalog = catalog;
        self.facts = facts;
        self.draw_changed_charts()
    }

    fn draw_changed_charts(&mut self) -> Result<Vec<String>> {
        let inputs: Vec<_> =
            self.catalog.figures.iter().filter_map(|(_, meta)| self.facts.figure(&meta.id).map(|data| (meta, data))).collect();
        let stale: Vec<_> =
            inputs.iter().filter(|(meta, data)| self.chart_inputs.get(&meta.id) != Some(&chart_input(meta, data))).copied().collect();
        let drawn = charts::render_all(&stale, &self.font, self.project.config.settings.png_scale, &self.cache)?;
        let ids: Vec<String> = drawn.iter().map(|c| c.id.clone()).collect();
        let mut by_id: BTreeMap<String, charts::Chart> = std::mem::take(&mut self.charts).into_iter().map(|c| (c.id.clone(), c)).collect();
        for chart in drawn {
            by_id.insert(chart.id.clone(), chart);
        }
        // Keep the catalog's order, and only charts that still have a figure.
        self.charts = inputs.iter().filter_map(|(meta, _)| by_id.remove(&meta.id)).collect();
        self.chart_inputs = inputs.iter().map(|(meta, data)| (meta.id.clone(), chart_input(meta, data))).collect();
        Ok(ids)
    }

    /// Renders the templates and assembles every output file (nothing is written).
    pub fn files(&self, targets: Targets) -> Result<(Files, crate::audit::Audit)> {
        let project = &self.project;
        let (catalog, facts, charts) = (&self.catalog, &self.facts, &self.charts);
        let rendered = render::render(&project.templates_dir(), &project.config, catalog, facts, charts)?;
        let mut files: Files = Vec::new();
        if targets.md {
            files.push(("report.md".into(), rendered.markdown.into_bytes()));
        }
        if targets.html {
            files.push(("report.html".into(), rendered.html.into_bytes()));
        }
        for chart in charts {
            files.push((format!("charts/{}.svg", chart.id).into(), chart.svg.clone().into_bytes()));
            files.push((format!("charts/{}.png", chart.id).into(), chart.png.clone()));
            files.push((format!("data/figures/{}.csv", chart.id).into(), chart.csv.clone().into_bytes()));
        }
        for (_, meta) in &catalog.tables {
            if let Some(table) = facts.table(&meta.id) {
                files.push((format!("data/tables/{}.csv", meta.id).into(), table_csv(&meta.columns, &table.rows).into_bytes()));
            }
        }
        for asset in ["style.css", FONT, "fonts/OFL.txt"] {
            let path = project.assets_dir().join(asset);
            let bytes = std::fs::read(&path).map_err(|source| Error::Io { path: path.clone(), source })?;
            files.push((Path::new("assets").join(asset), bytes));
        }
        let manifest = crate::manifest::build(project.config.edition.year, catalog, facts, charts, &rendered.numbers);
        files.push(("figures.json".into(), serde_json::to_string_pretty(&manifest).unwrap_or_default().into_bytes()));
        let audit = crate::audit::run(catalog, facts)?;
        files.push(("audit.md".into(), crate::audit::markdown(&audit).into_bytes()));
        files.push(("audit.json".into(), serde_json::to_string_pretty(&audit).unwrap_or_default().into_bytes()));
        Ok((files, audit))
    }
}

/// Builds with the project's cache of rasterised charts.
pub fn build(project: &Project, targets: Targets) -> Result<Summary> {
    build_with_cache(project, targets, project.cache())
}

/// Builds with the given cache; `Cache::disabled()` rasterises every chart afresh.
pub fn build_with_cache(project: &Project, targets: Targets, cache: Cache) -> Result<Summary> {
    let session = Session::open_with_cache(Project { root: project.root.clone(), config: project.config.clone() }, cache)?;
    let (files, audit) = session.files(targets)?;
    write_atomically(&project.output_dir(), &files)?;
    let rasterised = session.charts.iter().filter(|c| !c.png_cached).map(|c| c.id.clone()).collect();
    Ok(Summary { tables: session.facts.tables.len(), figures: session.charts.len(), files: files.len(), rasterised, audit })
}

/// The table as ingested: one row per record, months as YYYY-MM.
fn table_csv(columns: &[crate::catalog::ColumnSpec], rows: &[Vec<Cell>]) -> String {
    let mut w = csv::WriterBuilder::new().terminator(csv::Terminator::Any(b'\n')).from_writer(Vec::new());
    let _ = w.write_record(columns.iter().map(|c| c.name.as_str()));
    for row in rows {
        let cells: Vec<String> = row
            .iter()
            .map(|c| match c {
                Cell::Missing => String::new(),
                Cell::Text(s) => s.clone(),
                Cell::Integer(n) => n.to_string(),
                Cell::Number(v) => crate::numfmt::number(*v, 6),
                Cell::Month(y, m) => format!("{y}-{m:02}"),
                Cell::Date(y, m, d) => format!("{y}-{m:02}-{d:02}"),
            })
            .collect();
        let _ = w.write_record(&cells);
    }
    String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> Error + '_ {
    move |source| Error::Io { path: path.to_path_buf(), source }
}

/// Writes every file under a scratch directory beside `out`, then swaps it into place.
pub fn write_atomically(out: &Path, files: &[(PathBuf, Vec<u8>)]) -> Result<()> {
    let name = out.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_else(|| "output".into());
    let scratch = out.with_file_name(format!(".{name}.new"));
    let old = out.with_file_name(format!(".{name}.old"));
    for dir in [&scratch, &old] {
        if dir.exists() {
            std::fs::remove_dir_all(dir).map_err(io(dir))?;
        }
    }
    for (rel, bytes) in files {
        let path = scratch.join(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(io(parent))?;
        }
        // A file already in `out` with the same bytes is linked rather than written again:
        // a rebuild that changes little writes little. Nothing is ever modified in place.
        let previous = out.join(rel);
        if same_bytes(&previous, bytes) && std::fs::hard_link(&previous, &path).is_ok() {
            continue;
        }
        std::fs::write(&path, bytes).map_err(io(&path))?;
    }
    if out.exists() {
        std::fs::rename(out, &old).map_err(io(out))?;
    }
    std::fs::rename(&scratch, out).map_err(io(out))?;
    if old.exists() {
        std::fs::remove_dir_all(&old).map_err(io(&old))?;
    }
    Ok(())
}

fn same_bytes(path: &Path, bytes: &[u8]) -> bool {
    std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.len() == bytes.len() as u64) && std::fs::read(path).is_ok_and(|b| b == bytes)
}

//! One build: report.yaml → data (Polars) → metrics → charts → render → output/.
//! Everything is written to a scratch directory first and swapped in at the end, so a
//! failed build leaves the previous output intact.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::cache::Cache;
use crate::catalog::Catalog;
use crate::charts::{self, ChartFont};
use crate::edition::Edition;
use crate::error::{Error, Result};
use crate::model::{Cell, Facts, NumberKind};
use crate::paths;
use crate::pdf::Typesetter;
use crate::render;
use std::sync::Arc;

mod jobs;
mod project;
mod record;
pub use jobs::{Pdf, PrintJob, StandaloneJob, WordJob};
pub use project::{Project, editions};

pub const FONT: &str = "fonts/NotoSansSC-subset.otf";
/// The bold face of the same font, for the PDF's headings and table headers.
pub const BOLD_FONT: &str = "fonts/NotoSansSC-Bold-subset.otf";
/// The same font for the HTML page: WOFF2 is about 30% smaller (scripts/woff2.py).
pub const WEB_FONT: &str = "fonts/NotoSansSC-subset.woff2";

/// The cache of rasterised charts, beside report.yaml (ignored by git, safe to delete).
pub const CACHE_DIR: &str = ".cache";

/// Which editions of the report a build writes (`build --to md,html,pdf,docx`); the charts,
/// the data behind them, the manifest and the audit are written for every choice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Targets {
    pub md: bool,
    pub html: bool,
    pub pdf: bool,
    pub docx: bool,
}

impl Default for Targets {
    fn default() -> Self {
        Targets { md: true, html: true, pdf: true, docx: true }
    }
}

impl Targets {
    const NONE: Targets = Targets { md: false, html: false, pdf: false, docx: false };
}

impl std::str::FromStr for Targets {
    type Err = String;
    fn from_str(list: &str) -> std::result::Result<Targets, String> {
        let mut targets = Targets::NONE;
        for name in list.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            match name {
                "md" => targets.md = true,
                "html" => targets.html = true,
                "pdf" => targets.pdf = true,
                "docx" => targets.docx = true,
                other => return Err(format!("unknown output `{other}`: choose from md, html, pdf, docx")),
            }
        }
        if targets == Targets::NONE {
            return Err("choose at least one output: md, html, pdf, docx".into());
        }
        Ok(targets)
    }
}

/// How a build runs: which outputs, which edition.
#[derive(Debug, Clone, Copy, Default)]
pub struct Options {
    pub targets: Targets,
    pub edition: Edition,
    /// Rasterise every chart afresh, neither reading nor writing the cache.
    pub no_cache: bool,
    /// The Word edition's choices (`build --docx-comments`).
    pub docx: crate::write::docx::Options,
}

/// What a build wrote, for the CLI's summary.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Summary {
    pub tables: usize,
    pub figures: usize,
    pub files: usize,
    /// Charts whose PNG was rasterised by this build (the others came from the cache).
    pub rasterised: Vec<String>,
    /// Whether report.pdf came from the cache rather than being typeset now.
    pub pdf_from_cache: bool,
    /// Nothing had changed since the last build: its outputs stand as they are.
    pub unchanged: bool,
    pub audit: crate::audit::Audit,
    pub numbers: NumberCounts,
}

/// The numbers printed in the prose, by kind.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct NumberCounts {
    pub computed: usize,
    pub primary: usize,
    /// Printed as published although the data computes something else (reviewed).
    pub as_published: usize,
    /// Printed as computed with the published value in a note (the corrected edition).
    pub corrected: usize,
}

/// A rendered build before the PDF is typeset: `serve` writes the rest at once and
/// typesets the PDF in the background.
pub struct Prepared {
    pub files: Files,
    pub audit: crate::audit::Audit,
    pub print: Option<PrintJob>,
    /// The Word edition, written after the rest (in `serve`, once edits pause).
    pub word: Option<WordJob>,
    /// The standalone page when it is made apart (`serve`), else it is in `files`.
    pub standalone: Option<StandaloneJob>,
    pub counts: NumberCounts,
}

/// Output files: path under output/, bytes.
pub type Files = Vec<(PathBuf, Vec<u8>)>;

/// A loaded project kept between builds: `serve` re-renders templates without re-reading
/// the data, and redraws only the charts whose inputs changed.
pub struct Session {
    pub project: Project,
    pub catalog: Catalog,
    pub facts: Facts,
    /// What this edition's data revised in earlier editions (its audit's 修订说明).
    pub revisions: Vec<crate::model::Revision>,
    font: ChartFont,
    cache: Cache,
    charts: Vec<charts::Chart>,
    /// What each chart was drawn from, to know which to redraw after a data change.
    chart_inputs: BTreeMap<String, String>,
    /// Which edition the prose prints.
    pub edition: Edition,
    /// The PDF's fonts, parsed on the first PDF build.
    typesetter: std::sync::OnceLock<Arc<Typesetter>>,
    /// The Word edition's choices, and its embedded fonts (read on the first Word build).
    pub docx: crate::write::docx::Options,
    word_fonts: std::sync::OnceLock<Arc<crate::write::docx::Fonts>>,
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

    /// Opens a project: data read, charts drawn and rasterised.
    pub fn open_with_cache(project: Project, cache: Cache) -> Result<Session> {
        let mut session = Session::load(project, cache)?;
        session.rasterise()?;
        Ok(session)
    }

    /// Opens a project with its charts drawn as SVG but not yet rasterised: [`build`] typesets
    /// the PDF meanwhile. [`Session::rasterise`] must run before [`Session::prepare`].
    pub fn load(project: Project, cache: Cache) -> Result<Session> {
        // The chart font (read, hashed for the cache keys, parsed: about 5 ms) is loaded
        // beside the data stage, which leaves part of the second core idle.
        let (loaded, font) = std::thread::scope(|scope| {
            let font = scope.spawn(|| ChartFont::load(&project.assets_dir().join(FONT)));
            (project.load_with_revisions(), joined(font))
        });
        let ((catalog, facts, revisions), font) = (loaded?, font?);
        let mut session = Session {
            project,
            catalog,
            facts,
            revisions,
            font,
            cache,
            charts: Vec::new(),
            chart_inputs: BTreeMap::new(),
            edition: Edition::default(),
            typesetter: Default::default(),
            docx: Default::default(),
            word_fonts: Default::default(),
        };
        session.draw_changed_charts()?;
        Ok(session)
    }

    /// The charts as last drawn.
    pub fn charts(&self) -> &[charts::Chart] {
        &self.charts
    }

    /// Re-reads data/ (a dozen milliseconds) and redraws the charts whose inputs changed.
    /// Returns the ids of the redrawn charts.
    pub fn reload_data(&mut self) -> Result<Vec<String>> {
        let (catalog, facts, revisions) = self.project.load_with_revisions()?;
        self.revisions = revisions;
        self.catalog = catalog;
        self.facts = facts;
        let redrawn = self.draw_changed_charts()?;
        self.rasterise()?;
        Ok(redrawn)
    }

    /// Gives every chart drawn since the last call its PNG (from the cache or rasterised).
    pub fn rasterise(&mut self) -> Result<()> {
        let pngs = self.pngs()?;
        self.give_pngs(pngs);
        Ok(())
    }

    /// The PNGs [`Session::rasterise`] would give, made without changing the session.
    fn pngs(&self) -> Result<Vec<charts::Png>> {
        charts::pngs(&self.charts, &self.font, self.project.config.settings.png_scale, &self.cache)
    }

    fn give_pngs(&mut self, pngs: Vec<charts::Png>) {
        charts::give(&mut self.charts, pngs);
    }

    fn draw_changed_charts(&mut self) -> Result<Vec<String>> {
        let inputs: Vec<_> =
            self.catalog.figures.iter().filter_map(|(_, meta)| self.facts.figure(&meta.id).map(|data| (meta, data))).collect();
        let stale: Vec<_> =
            inputs.iter().filter(|(meta, data)| self.chart_inputs.get(&meta.id) != Some(&chart_input(meta, data))).copied().collect();
        let drawn = charts::draw_all(&stale, &self.font)?;
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
        let prepared = self.prepare(targets)?;
        let mut files = prepared.files;
        if let Some(job) = prepared.print {
            files.push(("report.pdf".into(), job.pdf()?.bytes));
        }
        if let Some(job) = prepared.word {
            files.push(("report.docx".into(), job.docx()?));
        }
        Ok((files, prepared.audit))
    }

    /// The fonts the PDF uses, loaded once per session.
    pub fn typesetter(&self) -> Result<Arc<Typesetter>> {
        if let Some(t) = self.typesetter.get() {
            return Ok(t.clone());
        }
        let assets = self.project.assets_dir();
        let typesetter = Arc::new(Typesetter::load(&[assets.join(FONT), assets.join(BOLD_FONT)])?);
        Ok(self.typesetter.get_or_init(|| typesetter).clone())
    }

    /// Every output file except the PDF and the Word edition, the audit, the jobs that
    /// write those two when `targets` asks for them, and how many numbers of each kind the
    /// prose prints.
    pub fn prepare(&self, targets: Targets) -> Result<Prepared> {
        self.prepare_with(targets, false)
    }

    /// What `serve` shows first: every edition's files but the standalone page, which comes
    /// as a job, like the PDF and the Word edition (made once edits pause).
    pub fn prepare_preview(&self) -> Result<Prepared> {
        self.prepare_with(Targets::default(), true)
    }

    fn prepare_with(&self, targets: Targets, standalone_apart: bool) -> Result<Prepared> {
        let text = self.render_text_with(targets.html && !standalone_apart)?;
        let print = if targets.pdf { Some(self.print_job(&text)?) } else { None };
        let word = if targets.docx { Some(self.word_job(&text)?) } else { None };
        let standalone = if standalone_apart { Some(self.standalone_job(&text)?) } else { None };
        let (audit, counts) = (text.audit.clone(), text.counts);
        let files = self.assemble(text, targets)?;
        Ok(Prepared { files, audit, print, word, standalone, counts })
    }

    /// What report-standalone.html is made from.
    fn standalone_job(&self, text: &Text) -> Result<StandaloneJob> {
        let (css, font) = self.web_inputs()?;
        Ok(StandaloneJob {
            dirs: self.project.templates(),
            config: self.project.config.clone(),
            document: Arc::new(text.rendered.document.clone()),
            charts: self.charts.clone(),
            css,
            font,
        })
    }

    /// The page's stylesheet and the font its standalone web font is cut from.
    fn web_inputs(&self) -> Result<(String, Vec<u8>)> {
        let assets = self.project.assets_dir();
        let read = |name: &str| {
            let path = assets.join(name);
            std::fs::read(&path).map_err(|source| Error::Io { path, source })
        };
        Ok((String::from_utf8_lossy(&read("style.css")?).into_owned(), read(FONT)?))
    }

    /// What the Word edition is written from: the document, the styles (read now, so an
    /// edit of templates/docx/styles.xml shows at once), the fonts (read once), the charts.
    pub fn word_job(&self, text: &Text) -> Result<WordJob> {
        let styles = crate::write::docx::Styles::load(&self.project.templates().path(crate::write::docx::STYLES))?;
        let fonts = match self.word_fonts.get() {
            Some(f) => f.clone(),
            None => {
                let assets = self.project.assets_dir();
                let fonts = Arc::new(crate::write::docx::Fonts::load(&[&assets.join(FONT), &assets.join(BOLD_FONT)])?);
                self.word_fonts.get_or_init(|| fonts).clone()
            }
        };
        let config = &self.project.config;
        Ok(WordJob {
            document: Arc::new(text.rendered.document.clone()),
            styles,
            fonts,
            charts: self.charts.clone(),
            png_scale: config.settings.png_scale,
            organisation: config.edition.organisation.clone(),
            options: self.docx,
        })
    }

    /// The audit and the rendered templates, which need the charts' SVGs only; with the
    /// standalone page when `targets` has the HTML edition.
    pub fn render_text(&self, targets: Targets) -> Result<Text> {
        self.render_text_with(targets.html)
    }

    fn render_text_with(&self, standalone: bool) -> Result<Text> {
        let (catalog, facts) = (&self.catalog, &self.facts);
        let mut audit = crate::audit::run(catalog, facts)?;
        audit.revisions = self.revisions.clone();
        let shown = crate::edition::shown(facts, &audit, self.edition);
        let web = if standalone { Some(self.web_inputs()?) } else { None };
        let standalone = web.as_ref().map(|(css, font)| render::Standalone { css, font_url: WEB_FONT, font });
        let rendered = render::render(
            &self.project.templates(),
            &self.project.config,
            catalog,
            facts,
            &self.charts,
            &shown,
            self.edition,
            standalone.as_ref(),
        )?;
        let mut counts = NumberCounts::default();
        let year = self.project.config.edition.year;
        for span in &rendered.used {
            let own = span.year == year;
            match (span.kind, shown.get(&span.name)) {
                (NumberKind::Primary, _) => counts.primary += 1,
                (_, Some(s)) if own && s.as_published => counts.as_published += 1,
                (_, Some(s)) if own && s.correction.is_some() => {
                    counts.computed += 1;
                    counts.corrected += 1;
                }
                _ => counts.computed += 1,
            }
        }
        Ok(Text { rendered, audit, shown, counts })
    }

    /// What the PDF is typeset from, owned (see [`PrintJob`]).
    pub fn print_job(&self, text: &Text) -> Result<PrintJob> {
        let templates = self.project.templates();
        Ok(PrintJob {
            typesetter: self.typesetter()?,
            cache: self.cache.clone(),
            templates_dir: templates.path(crate::pdf::TEMPLATE).parent().map(Path::to_path_buf).unwrap_or_default(),
            config: self.project.config.clone(),
            document: Arc::new(text.rendered.document.clone()),
            sources: vec![templates.wording, templates.designs, self.project.data_dir()],
            charts: self.charts.clone(),
        })
    }

    /// Every output file but the PDF. The charts must be rasterised.
    fn assemble(&self, text: Text, targets: Targets) -> Result<Files> {
        let (project, catalog, facts, charts) = (&self.project, &self.catalog, &self.facts, &self.charts);
        debug_assert!(charts.iter().all(|c| !c.png.is_empty()), "assemble before rasterise");
        let Text { rendered, audit, shown, .. } = text;
        let mut files: Files = Vec::new();
        if targets.md {
            files.push(("report.md".into(), rendered.markdown.into_bytes()));
        }
        if targets.html {
            files.push(("report.html".into(), rendered.html.into_bytes()));
            if let Some(page) = rendered.standalone {
                files.push(("report-standalone.html".into(), page.into_bytes()));
            }
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
        for asset in ["style.css", WEB_FONT, "fonts/OFL.txt"] {
            let path = project.assets_dir().join(asset);
            let bytes = std::fs::read(&path).map_err(|source| Error::Io { path: path.clone(), source })?;
            files.push((Path::new("assets").join(asset), bytes));
        }
        let manifest = crate::manifest::build(project.config.edition.year, catalog, facts, charts, &rendered.numbers, &shown);
        files.push(("figures.json".into(), serde_json::to_string_pretty(&manifest).unwrap_or_default().into_bytes()));
        files.push(("audit.md".into(), crate::audit::markdown(&audit).into_bytes()));
        files.push(("audit.json".into(), serde_json::to_string_pretty(&audit).unwrap_or_default().into_bytes()));
        Ok(files)
    }
}

/// The audit and the rendered templates of one build, before the files are assembled.
pub struct Text {
    rendered: render::Rendered,
    audit: crate::audit::Audit,
    shown: BTreeMap<String, crate::edition::Shown>,
    counts: NumberCounts,
}

impl Text {
    /// The document every edition is written from.
    pub fn document(&self) -> &crate::document::Document {
        &self.rendered.document
    }
}

pub fn build(project: &Project, options: Options) -> Result<Summary> {
    if options.no_cache {
        return build_all(project, options);
    }
    // Nothing to do when nothing it reads has changed and its outputs are as it wrote them.
    let out = project.output_dir();
    let name = format!("{:032x}.json", xxhash_rust::xxh3::xxh3_128(out.to_string_lossy().as_bytes()));
    let mut fingerprint = record::Fingerprint::open(project.root.join(CACHE_DIR).join("builds").join(name));
    let program = format!("{}\n{}\n{options:?}", crate::cache::renderer(), program_identity());
    let editions = project.edition_dir.parent().map_or_else(|| project.edition_dir.clone(), Path::to_path_buf);
    let roots = [project.config_path.clone(), project.data_dir(), editions, project.designs_dir(), project.assets_dir()];
    let inputs = fingerprint.inputs(&roots, &program);
    if let Some(summary) = fingerprint.unchanged(&inputs, &out) {
        return Ok(Summary { unchanged: true, rasterised: Vec::new(), pdf_from_cache: options.targets.pdf, ..summary });
    }
    let (summary, written) = build_files(project, options)?;
    fingerprint.write(inputs, &out, &written, &summary);
    Ok(summary)
}

/// The running program's file: its size and times stand for its code (a rebuilt program
/// may write other bytes under the same version).
fn program_identity() -> String {
    use std::os::unix::fs::MetadataExt;
    let meta = std::env::current_exe().and_then(std::fs::metadata);
    meta.map_or_else(|_| "unknown".into(), |m| format!("{} {} {}.{}", m.len(), m.ino(), m.mtime(), m.mtime_nsec()))
}

fn build_all(project: &Project, options: Options) -> Result<Summary> {
    build_files(project, options).map(|(summary, _)| summary)
}

/// Builds everything and writes it; returns the summary and the files written.
fn build_files(project: &Project, options: Options) -> Result<(Summary, Vec<PathBuf>)> {
    let project = Project {
        root: project.root.clone(),
        config_path: project.config_path.clone(),
        config: project.config.clone(),
        edition_dir: project.edition_dir.clone(),
        editions: project.editions.clone(),
    };
    let cache = if options.no_cache { Cache::disabled() } else { project.cache() };
    let mut session = Session::load(project, cache)?;
    session.edition = options.edition;
    session.docx = options.docx;
    // The PNGs are rasterised on the pool's threads while the templates are rendered from the
    // SVGs; the PDF, which embeds the SVGs, is typeset on a thread of its own from then on
    // (mostly one core's work), and meanwhile the Word edition, which embeds the PNGs, is
    // written and every other file is staged in the output's scratch directory, so only the
    // PDF is left to write once it is typeset.
    let (staged, summary, written) = std::thread::scope(|outer| -> Result<_> {
        let (text, pngs, typesetting) = std::thread::scope(|inner| {
            let pngs = inner.spawn(|| session.pngs());
            let text = session.render_text(options.targets);
            let typesetting = match (&text, options.targets.pdf) {
                (Ok(text), true) => Some(session.print_job(text).map(|job| outer.spawn(move || job.pdf()))),
                _ => None,
            };
            (text, joined(pngs), typesetting)
        });
        let (text, typesetting) = (text?, typesetting.transpose()?);
        session.give_pngs(pngs?);
        let docx = match options.targets.docx {
            true => Some(session.word_job(&text)?.docx()?),
            false => None,
        };
        let (audit, numbers) = (text.audit.clone(), text.counts);
        let mut files = session.assemble(text, options.targets)?;
        files.extend(docx.map(|docx| ("report.docx".into(), docx)));
        let staged = paths::Staged::begin(&session.project.output_dir())?;
        staged.write(&files)?;
        let mut written: Vec<PathBuf> = files.into_iter().map(|(path, _)| path).collect();
        let pdf = typesetting.map(joined).transpose()?;
        let pdf_from_cache = pdf.as_ref().is_some_and(|p| p.from_cache);
        if let Some(pdf) = pdf {
            staged.write(&[("report.pdf".into(), &pdf.bytes)])?;
            written.push("report.pdf".into());
        }
        let summary = Summary {
            tables: session.facts.tables.len(),
            figures: session.charts.len(),
            files: written.len(),
            rasterised: session.charts.iter().filter(|c| !c.png_cached).map(|c| c.id.clone()).collect(),
            pdf_from_cache,
            unchanged: false,
            audit,
            numbers,
        };
        Ok((staged, summary, written))
    })?;
    staged.commit()?;
    Ok((summary, written))
}

/// A scoped thread's result; its panic goes on in the caller.
fn joined<T>(thread: std::thread::ScopedJoinHandle<'_, T>) -> T {
    thread.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic))
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

/// Writes the output: a fresh scratch directory beside `out`, swapped into place under the
/// output lock (see [`crate::paths`]). Only a previous build's output is ever replaced.
pub fn write_atomically<B: AsRef<[u8]>>(out: &Path, files: &[(PathBuf, B)]) -> Result<()> {
    crate::paths::replace_output(out, files)
}

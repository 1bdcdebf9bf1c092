//! One build: report.yaml → data (Polars) → metrics → charts → render → output/.
//! Everything is written to a scratch directory first and swapped in at the end, so a
//! failed build leaves the previous output intact.

use std::path::{Path, PathBuf};

use crate::catalog::Catalog;
use crate::charts::{self, ChartFont};
use crate::config::Config;
use crate::error::{Error, Result};
use crate::model::{Cell, Facts};
use crate::render;

pub const FONT: &str = "fonts/NotoSansSC-subset.otf";

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

    /// Reads and computes everything that does not depend on templates.
    pub fn load(&self) -> Result<(Catalog, Facts)> {
        let catalog = Catalog::load(&self.data_dir())?;
        let facts = crate::data::load(&catalog)?;
        Ok((catalog, facts))
    }
}

/// What a build wrote, for the CLI's summary.
pub struct Summary {
    pub tables: usize,
    pub figures: usize,
    pub files: usize,
    pub audit: crate::audit::Audit,
}

pub fn build(project: &Project) -> Result<Summary> {
    let (catalog, facts) = project.load()?;
    let templates = project.templates_dir();
    let font = ChartFont::load(&project.assets_dir().join(FONT))?;
    let figure_inputs: Vec<_> = catalog
        .figures
        .iter()
        .filter_map(|(_, meta)| facts.figure(&meta.id).map(|data| (meta, data)))
        .collect();
    let charts = charts::render_all(&figure_inputs, &font, project.config.settings.png_scale)?;
    let rendered = render::render(&templates, &project.config, &catalog, &facts, &charts)?;

    let mut files: Vec<(PathBuf, Vec<u8>)> = vec![
        ("report.md".into(), rendered.markdown.into_bytes()),
        ("report.html".into(), rendered.html.into_bytes()),
    ];
    for chart in &charts {
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
    let manifest = crate::manifest::build(project.config.edition.year, &catalog, &facts, &charts, &rendered.numbers);
    files.push(("figures.json".into(), serde_json::to_string_pretty(&manifest).unwrap_or_default().into_bytes()));
    let audit = crate::audit::run(&catalog, &facts)?;
    files.push(("audit.md".into(), crate::audit::markdown(&audit).into_bytes()));
    files.push(("audit.json".into(), serde_json::to_string_pretty(&audit).unwrap_or_default().into_bytes()));
    let count = files.len();
    write_atomically(&project.output_dir(), &files)?;
    Ok(Summary { tables: facts.tables.len(), figures: charts.len(), files: count, audit })
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

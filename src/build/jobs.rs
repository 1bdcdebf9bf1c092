//! What is written after the rest of a build, owned so that `serve` can write it on a
//! worker thread once edits pause: the PDF, the Word edition and the standalone page.

use std::path::PathBuf;
use std::sync::Arc;

use crate::cache::Cache;
use crate::charts;
use crate::config::Config;
use crate::error::Result;
use crate::pdf::Typesetter;
use crate::render::{self, TemplateDirs};

/// Everything the PDF is typeset from, owned, so that `serve` can typeset in the
/// background while the HTML preview is already served.
pub struct PrintJob {
    pub(super) typesetter: Arc<Typesetter>,
    pub(super) cache: Cache,
    pub(super) templates_dir: PathBuf,
    pub(super) config: Config,
    pub(super) document: Arc<crate::document::Document>,
    /// Where a character the font lacks is looked for: the wording, the designs, the data.
    pub(super) sources: Vec<PathBuf>,
    pub(super) charts: Vec<charts::Chart>,
}

/// The PDF's bytes and where they came from.
pub struct Pdf {
    pub bytes: Vec<u8>,
    pub from_cache: bool,
}

impl PrintJob {
    /// Typesets the PDF, with its page count and text (no cache).
    pub fn run(&self) -> Result<crate::pdf::Print> {
        self.typesetter.compile(&self.source()?, &self.charts)
    }

    fn source(&self) -> Result<crate::pdf::TypstSource> {
        self.typesetter.source(&self.templates_dir, &self.config, &self.document, &self.sources)
    }

    /// The PDF: from the cache when the same source was typeset before, else typeset now
    /// and stored. The characters are checked against the fonts either way.
    pub fn pdf(&self) -> Result<Pdf> {
        let source = self.source()?;
        let key = self.cache.is_enabled().then(|| self.typesetter.cache_key(&source, &self.charts));
        if let Some(bytes) = key.as_ref().and_then(|key| self.cache.get(crate::pdf::PDF_KIND, key)) {
            return Ok(Pdf { bytes, from_cache: true });
        }
        let bytes = self.typesetter.compile(&source, &self.charts)?.pdf;
        if let Some(key) = key {
            self.cache.put(crate::pdf::PDF_KIND, &key, &bytes);
        }
        Ok(Pdf { bytes, from_cache: false })
    }
}

/// Everything the Word edition is written from, owned (see [`PrintJob`]).
pub struct WordJob {
    pub(super) document: Arc<crate::document::Document>,
    pub(super) styles: crate::write::docx::Styles,
    pub(super) fonts: Arc<crate::write::docx::Fonts>,
    pub(super) charts: Vec<charts::Chart>,
    pub(super) png_scale: f32,
    pub(super) organisation: Option<String>,
    pub(super) options: crate::write::docx::Options,
}

impl WordJob {
    /// report.docx. The charts must be rasterised.
    pub fn docx(&self) -> Result<Vec<u8>> {
        let images = |id: &str| self.charts.iter().find(|c| c.id == id).map(|c| &c.png[..]);
        let inputs = crate::write::docx::Inputs {
            styles: &self.styles,
            fonts: &self.fonts,
            images: &images,
            png_scale: self.png_scale,
            organisation: self.organisation.as_deref(),
        };
        crate::write::docx::write(&self.document, &inputs, self.options)
    }
}

/// Everything `report-standalone.html` is made from, owned (see [`PrintJob`]).
pub struct StandaloneJob {
    pub(super) dirs: TemplateDirs,
    pub(super) config: Config,
    pub(super) document: Arc<crate::document::Document>,
    pub(super) charts: Vec<charts::Chart>,
    pub(super) css: String,
    pub(super) font: Vec<u8>,
}

impl StandaloneJob {
    /// report-standalone.html.
    pub fn page(&self) -> Result<Vec<u8>> {
        let inline = render::Standalone { css: &self.css, font_url: super::WEB_FONT, font: &self.font };
        Ok(render::standalone(&self.dirs, &self.config, &self.document, &self.charts, &inline)?.into_bytes())
    }
}

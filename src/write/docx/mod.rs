//! The Word edition (`report.docx`), written from the document model.
//!
//! The parts are written here from the project's own files rather than through a docx
//! crate (see the README, "The Word edition"): the styles are `templates/docx/styles.xml`,
//! copied as they are; the body is a walk over the model ([`body`]) into WordprocessingML
//! ([`xml`], [`fields`], [`table`], [`media`]); [`package`] adds the other parts and [`zip`]
//! packs them with fixed timestamps and order, so the same report gives the same bytes.

pub mod body;
pub mod fields;
pub mod font;
pub mod media;
pub mod package;
pub mod styles;
pub mod table;
pub mod xml;
pub mod zip;

use std::path::Path;

use crate::document::Document;
use crate::error::{Error, Result};

pub use styles::{STYLES, Styles};

/// Choices of the Word edition.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Options {
    /// Each prose number's provenance as a Word comment on it (off by default: a
    /// report handed to readers carries no comments of its own).
    pub comments: bool,
}

/// What every Word edition is made with: the checked styles and the embedded fonts.
pub struct Docx {
    styles: Styles,
    fonts: Vec<font::Embedded>,
}

impl Docx {
    /// Reads templates/docx/styles.xml and the bundled fonts (regular, then bold).
    pub fn load(styles: &Path, fonts: &[&Path]) -> Result<Docx> {
        let styles = Styles::load(styles)?;
        let fonts = fonts
            .iter()
            .map(|p| std::fs::read(p).map(|b| font::embed(&b)).map_err(|source| Error::Io { path: p.to_path_buf(), source }))
            .collect::<Result<Vec<_>>>()?;
        Ok(Docx { styles, fonts })
    }

    /// From styles and fonts already in memory (tests).
    pub fn new(styles: Styles, fonts: &[&[u8]]) -> Docx {
        Docx { styles, fonts: fonts.iter().map(|b| font::embed(b)).collect() }
    }

    /// The .docx of a document. `images` gives each figure's PNG (drawn at `png_scale`).
    pub fn write(&self, doc: &Document, images: body::Images, png_scale: f32, organisation: Option<&str>, options: Options) -> Result<Vec<u8>> {
        let body = body::walk(doc, images, png_scale, options.comments)?;
        let parts = package::Parts {
            properties: package::Properties { title: &doc.front.title, authors: &doc.front.authors, published: doc.front.published, organisation },
            styles: &self.styles.xml,
            document: package::document(&body.xml),
            media: body.media,
            links: body.links,
            ordered_lists: body.ordered_lists,
            comments: body.comments,
            fonts: &self.fonts,
            chapters: body.chapters,
        };
        Ok(package::package(parts))
    }
}

#[cfg(test)]
mod tests;

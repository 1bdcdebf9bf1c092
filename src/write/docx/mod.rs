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

/// The bundled fonts, read and obfuscated once per session (7 MB; the styles, small and
/// edited, are read on every build).
pub struct Fonts(Vec<font::Embedded>);

impl Fonts {
    /// Reads the bundled fonts: regular, then bold.
    pub fn load(paths: &[&Path]) -> Result<Fonts> {
        paths
            .iter()
            .map(|p| std::fs::read(p).map(|b| font::embed(&b)).map_err(|source| Error::Io { path: p.to_path_buf(), source }))
            .collect::<Result<Vec<_>>>()
            .map(Fonts)
    }

    /// Fonts already in memory (tests).
    pub fn from_bytes(fonts: &[&[u8]]) -> Fonts {
        Fonts(fonts.iter().map(|b| font::embed(b)).collect())
    }
}

/// What a Word edition needs beside the document.
pub struct Inputs<'a> {
    pub styles: &'a Styles,
    pub fonts: &'a Fonts,
    /// Each figure's PNG, by figure id (drawn at `png_scale`).
    pub images: body::Images<'a>,
    pub png_scale: f32,
    /// The publishing organisation, for the document properties.
    pub organisation: Option<&'a str>,
}

/// The .docx of a document.
pub fn write(doc: &Document, inputs: &Inputs, options: Options) -> Result<Vec<u8>> {
    let body = body::walk(doc, inputs.images, inputs.png_scale, options.comments)?;
    let parts = package::Parts {
        properties: package::Properties {
            title: &doc.front.title,
            authors: &doc.front.authors,
            published: doc.front.published,
            organisation: inputs.organisation,
        },
        styles: &inputs.styles.xml,
        document: package::document(&body.xml),
        media: body.media,
        links: body.links,
        ordered_lists: body.ordered_lists,
        comments: body.comments,
        fonts: &inputs.fonts.0,
        chapters: body.chapters,
    };
    Ok(package::package(parts))
}

#[cfg(test)]
mod tests;

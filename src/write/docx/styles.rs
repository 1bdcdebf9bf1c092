//! The Word edition's styles: `templates/docx/styles.xml`, a Word styles part kept by the
//! project and copied into every report.docx as it is, so an editor restyles the report in
//! that file (or in Word, saving the styles back) without Rust. Every style the writer names
//! is an enum value here; a file that is not XML, or lacks one of them, is one error naming
//! the file and the style.

use std::path::Path;

use crate::error::{Error, InputError, Result};

/// The styles part, under the templates directory.
pub const STYLES: &str = "docx/styles.xml";

/// Paragraph styles the writer uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ParaStyle {
    /// Running text (first-line indent of two characters).
    Body,
    /// Text without the first-line indent: list items' continuation, names.
    Plain,
    Heading1,
    Heading2,
    Heading3,
    Heading4,
    /// The cover's title, and the lines under it.
    CoverTitle,
    CoverLine,
    /// The heading of 目录 and its lines.
    TocHeading,
    Toc1,
    Toc2,
    Toc3,
    /// 图 1-2 … and 表 1-4 … (Word's built-in Caption, so 插入表目录 finds them).
    Caption,
    /// The paragraph holding a chart.
    Figure,
    /// 数据来源：… under a figure or table.
    SourceNote,
    /// 注：… under a figure or table.
    Note,
    TableHeading,
    TableText,
    ListBullet,
    ListNumber,
    /// The long list of publishers (`<div class="names">`).
    Names,
    Header,
    Footer,
    CommentText,
}

/// Character styles the writer uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum CharStyle {
    Hyperlink,
    /// A number the pipeline computed or took from the data (restyle to see them all).
    Number,
    Code,
    CommentReference,
}

/// Table styles the writer uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TableStyle {
    Data,
}

impl ParaStyle {
    pub const ALL: [ParaStyle; 24] = [
        ParaStyle::Body,
        ParaStyle::Plain,
        ParaStyle::Heading1,
        ParaStyle::Heading2,
        ParaStyle::Heading3,
        ParaStyle::Heading4,
        ParaStyle::CoverTitle,
        ParaStyle::CoverLine,
        ParaStyle::TocHeading,
        ParaStyle::Toc1,
        ParaStyle::Toc2,
        ParaStyle::Toc3,
        ParaStyle::Caption,
        ParaStyle::Figure,
        ParaStyle::SourceNote,
        ParaStyle::Note,
        ParaStyle::TableHeading,
        ParaStyle::TableText,
        ParaStyle::ListBullet,
        ParaStyle::ListNumber,
        ParaStyle::Names,
        ParaStyle::Header,
        ParaStyle::Footer,
        ParaStyle::CommentText,
    ];

    /// The `w:styleId` in styles.xml. Built-in Word styles keep Word's ids (and names, which
    /// TOC and STYLEREF fields use), so Word treats them as its own.
    pub fn id(self) -> &'static str {
        match self {
            ParaStyle::Body => "BodyText",
            ParaStyle::Plain => "Normal",
            ParaStyle::Heading1 => "Heading1",
            ParaStyle::Heading2 => "Heading2",
            ParaStyle::Heading3 => "Heading3",
            ParaStyle::Heading4 => "Heading4",
            ParaStyle::CoverTitle => "Title",
            ParaStyle::CoverLine => "Subtitle",
            ParaStyle::TocHeading => "TOCHeading",
            ParaStyle::Toc1 => "TOC1",
            ParaStyle::Toc2 => "TOC2",
            ParaStyle::Toc3 => "TOC3",
            ParaStyle::Caption => "Caption",
            ParaStyle::Figure => "FigureImage",
            ParaStyle::SourceNote => "SourceNote",
            ParaStyle::Note => "Note",
            ParaStyle::TableHeading => "TableHeading",
            ParaStyle::TableText => "TableText",
            ParaStyle::ListBullet => "ListBullet",
            ParaStyle::ListNumber => "ListNumber",
            ParaStyle::Names => "Names",
            ParaStyle::Header => "Header",
            ParaStyle::Footer => "Footer",
            ParaStyle::CommentText => "CommentText",
        }
    }

    /// The heading style of a level (1 = chapter); deeper levels share Heading 4.
    pub fn heading(level: u8) -> ParaStyle {
        match level {
            0 | 1 => ParaStyle::Heading1,
            2 => ParaStyle::Heading2,
            3 => ParaStyle::Heading3,
            _ => ParaStyle::Heading4,
        }
    }
}

impl CharStyle {
    pub const ALL: [CharStyle; 4] = [CharStyle::Hyperlink, CharStyle::Number, CharStyle::Code, CharStyle::CommentReference];
    pub fn id(self) -> &'static str {
        match self {
            CharStyle::Hyperlink => "Hyperlink",
            CharStyle::Number => "ReportNumber",
            CharStyle::Code => "Code",
            CharStyle::CommentReference => "CommentReference",
        }
    }
}

impl TableStyle {
    pub fn id(self) -> &'static str {
        match self {
            TableStyle::Data => "ReportTable",
        }
    }
}

/// A checked styles part.
#[derive(Debug, Clone)]
pub struct Styles {
    pub xml: String,
}

impl Styles {
    /// Reads and checks `templates/docx/styles.xml`.
    pub fn load(path: &Path) -> Result<Styles> {
        let xml = std::fs::read_to_string(path).map_err(|source| match source.kind() {
            std::io::ErrorKind::NotFound => InputError::new(path, "the Word edition's styles file is missing")
                .hint("copy templates/docx/styles.xml from the project (templates/README.md, \"The Word edition\")")
                .into(),
            _ => Error::Io { path: path.to_path_buf(), source },
        })?;
        Styles::parse(path, xml)
    }

    /// Checks a styles part: well-formed XML, a `w:styles` root, and every style the writer
    /// names, of the right type.
    pub fn parse(path: &Path, xml: String) -> Result<Styles> {
        let doc = roxmltree::Document::parse(&xml).map_err(|e| {
            let pos = e.pos();
            InputError::new(path, format!("the Word styles are not well-formed XML: {e}"))
                .at(pos.row as usize, pos.col as usize)
                .excerpt_from(&xml)
                .hint("fix the XML, or start again from the project's templates/docx/styles.xml")
        })?;
        let root = doc.root_element();
        if root.tag_name().name() != "styles" || root.tag_name().namespace() != Some(W) {
            return Err(InputError::new(
                path,
                format!("the Word styles part must be a <w:styles> element, not <{}>", root.tag_name().name()),
            )
            .line(doc.text_pos_at(root.range().start).row as usize)
            .hint("this file is word/styles.xml of a .docx (unzip a document saved by Word to get one)")
            .into());
        }
        let declared = |kind: &str, id: &str| {
            root.children()
                .any(|s| s.has_tag_name((W, "style")) && s.attribute((W, "styleId")) == Some(id) && s.attribute((W, "type")) == Some(kind))
        };
        let wanted = ParaStyle::ALL
            .iter()
            .map(|s| ("paragraph", s.id()))
            .chain(CharStyle::ALL.iter().map(|s| ("character", s.id())))
            .chain([("table", TableStyle::Data.id())]);
        let missing: Vec<String> =
            wanted.filter(|(kind, id)| !declared(kind, id)).map(|(kind, id)| format!("{kind} style `{id}`")).collect();
        if !missing.is_empty() {
            return Err(InputError::new(path, format!("the Word styles lack the {}", missing.join(", ")))
                .hint("declare each as <w:style w:type=\"…\" w:styleId=\"…\"> (see the project's templates/docx/styles.xml; templates/README.md lists what each styles)")
                .into());
        }
        Ok(Styles { xml })
    }
}

/// The WordprocessingML namespace.
pub const W: &str = "http://schemas.openxmlformats.org/wordprocessingml/2006/main";

#[cfg(test)]
mod tests {
    use super::*;

    fn kept() -> String {
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("templates").join(STYLES)).unwrap()
    }

    #[test]
    fn the_kept_styles_declare_every_style_the_writer_names() {
        Styles::parse(Path::new("styles.xml"), kept()).unwrap();
    }

    #[test]
    fn a_missing_style_is_named_with_the_file() {
        let xml = kept().replacen(r#"w:styleId="Caption""#, r#"w:styleId="Caption2""#, 1);
        let err = Styles::parse(Path::new("templates/docx/styles.xml"), xml).unwrap_err().to_string();
        assert!(err.contains("lack the paragraph style `Caption`"), "{err}");
        assert!(err.contains("templates/docx/styles.xml"), "{err}");
    }

    #[test]
    fn a_style_of_the_wrong_type_counts_as_missing() {
        let xml = kept().replacen(r#"w:type="character" w:styleId="ReportNumber""#, r#"w:type="paragraph" w:styleId="ReportNumber""#, 1);
        let err = Styles::parse(Path::new("styles.xml"), xml).unwrap_err().to_string();
        assert!(err.contains("character style `ReportNumber`"), "{err}");
    }

    #[test]
    fn broken_xml_is_located() {
        let xml = kept().replacen("</w:style>", "</w:styl>", 1);
        let err = Styles::parse(Path::new("styles.xml"), xml).unwrap_err().to_string();
        assert!(err.contains("not well-formed XML"), "{err}");
        assert!(err.contains("styles.xml:"), "a line number: {err}");
    }

    #[test]
    fn another_part_is_not_taken_for_styles() {
        let xml = format!(r#"<w:document xmlns:w="{W}"/>"#);
        let err = Styles::parse(Path::new("styles.xml"), xml).unwrap_err().to_string();
        assert!(err.contains("must be a <w:styles> element"), "{err}");
    }
}

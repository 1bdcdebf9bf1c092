//! The walk over the document: each block and inline of the model becomes its Word form
//! (styled paragraphs, captions with SEQ fields, REF cross-references, TOC fields, tables,
//! pictures), collecting what the package needs beside the body (media, links, lists,
//! comments).

use crate::document::{Block, Contents, ContentsKind, Document, Figure, Heading, Inline, List, Spaced, Style, Table};
use crate::error::{Error, Result};

use super::fields::{self, Bookmarks, ContentsLine};
use super::media;
use super::package::{Media, Section, section};
use super::styles::{CharStyle, ParaStyle};
use super::xml::{RunFormat, external_link, internal_link, paragraph, paragraph_with, run};

/// A chart's PNG, by figure id.
pub type Images<'a> = &'a dyn Fn(&str) -> Option<&'a [u8]>;

/// What the walk produced.
pub struct Body {
    pub xml: String,
    pub media: Vec<Media>,
    pub links: Vec<(String, String)>,
    pub ordered_lists: Vec<u64>,
    pub comments: Vec<String>,
    /// Each chapter's title, one section each (the running header).
    pub chapters: Vec<String>,
}

struct Walk<'a, 'i> {
    doc: &'a Document,
    images: Images<'i>,
    png_scale: f32,
    comments_on: bool,
    bookmarks: Bookmarks,
    out: Body,
}

/// Walks the document. The cover (what precedes the first chapter heading) is its own
/// section without header, footer or page number; the report's pages count from 1 after it.
pub fn walk(doc: &Document, images: Images, png_scale: f32, comments: bool) -> Result<Body> {
    let mut w = Walk {
        doc,
        images,
        png_scale,
        comments_on: comments,
        bookmarks: Bookmarks::default(),
        out: Body {
            xml: String::new(),
            media: Vec::new(),
            links: Vec::new(),
            ordered_lists: Vec::new(),
            comments: Vec::new(),
            chapters: Vec::new(),
        },
    };
    let first_chapter = doc.blocks.iter().position(|s| matches!(&s.block, Block::Heading(h) if h.level >= 2)).unwrap_or(0);
    let (cover, rest) = doc.blocks.split_at(first_chapter);
    if !cover.is_empty() {
        for s in cover {
            w.cover_block(&s.block);
        }
        // The section break ends the cover: an empty paragraph carrying the cover's section.
        w.out.xml.push_str(&section_break(Section::Cover));
    }
    w.blocks(rest, ParaStyle::Body)?;
    if w.out.chapters.is_empty() {
        w.out.chapters.push(String::new());
    }
    w.out.xml.push_str(&section(Section::Chapter(w.out.chapters.len() - 1)));
    Ok(w.out)
}

/// An empty paragraph, as small as Word allows, ending a section.
fn section_break(which: Section) -> String {
    let tiny = r#"<w:spacing w:before="0" w:after="0" w:line="20" w:lineRule="exact"/><w:rPr><w:sz w:val="2"/><w:szCs w:val="2"/></w:rPr>"#;
    format!(r#"<w:p><w:pPr><w:pStyle w:val="{}"/>{tiny}{}</w:pPr></w:p>"#, ParaStyle::Plain.id(), section(which))
}

impl Walk<'_, '_> {
    fn cover_block(&mut self, block: &Block) {
        match block {
            Block::Heading(h) => {
                let runs = self.inlines(&h.inlines, RunFormat::PLAIN);
                self.out.xml.push_str(&paragraph(ParaStyle::CoverTitle, &runs));
            }
            Block::Paragraph(inlines) => {
                let runs = self.inlines(inlines, RunFormat::PLAIN);
                self.out.xml.push_str(&paragraph(ParaStyle::CoverLine, &runs));
            }
            // Nothing else stands on the cover; should it, it is set as a line too.
            other => {
                let text = block_text(other);
                self.out.xml.push_str(&paragraph(ParaStyle::CoverLine, &run(&text, RunFormat::PLAIN)));
            }
        }
    }

    fn blocks(&mut self, blocks: &[Spaced], style: ParaStyle) -> Result<()> {
        for (i, s) in blocks.iter().enumerate() {
            let next = blocks.get(i + 1).map(|s| &s.block);
            self.block(&s.block, style, next, 0)?;
        }
        Ok(())
    }

    fn block(&mut self, block: &Block, style: ParaStyle, next: Option<&Block>, depth: usize) -> Result<()> {
        match block {
            Block::Heading(h) => self.heading(h, matches!(next, Some(Block::Contents(_)))),
            Block::Paragraph(inlines) => {
                let runs = self.inlines(inlines, RunFormat::PLAIN);
                self.out.xml.push_str(&paragraph(style, &runs));
            }
            Block::List(list) => self.list(list, depth)?,
            Block::Table(t) => self.table(t),
            Block::Figure(f) => self.figure(f)?,
            Block::Styled { style: Style::Names, blocks } => self.names(blocks)?,
            Block::Contents(c) => self.contents(c),
            Block::Rule => self.out.xml.push_str(&paragraph_with(
                ParaStyle::Plain,
                r#"<w:pBdr><w:bottom w:val="single" w:sz="4" w:space="1" w:color="C8D0DA"/></w:pBdr>"#,
                "",
            )),
        }
        Ok(())
    }

    /// The names block, two to a row as the PDF sets it: its paragraphs in a table without
    /// borders (anything else in it follows as text).
    fn names(&mut self, blocks: &[Spaced]) -> Result<()> {
        let (names, other): (Vec<&Spaced>, Vec<&Spaced>) = blocks.iter().partition(|s| matches!(s.block, Block::Paragraph(_)));
        let cells: Vec<String> = names
            .iter()
            .map(|s| match &s.block {
                Block::Paragraph(inlines) => self.inlines(inlines, RunFormat::PLAIN),
                _ => String::new(),
            })
            .collect();
        self.out.xml.push_str(&super::table::columns(&cells, 2, ParaStyle::Names));
        for s in other {
            self.block(&s.block, ParaStyle::Names, None, 0)?;
        }
        Ok(())
    }

    /// A heading: chapters (level 2) are Word's Heading 1, so TOC, STYLEREF and the SEQ
    /// restarts see them; the heading of a contents list is TOC Heading, outside the TOC.
    /// Each chapter-level heading opens a section (a new page) whose header names it.
    fn heading(&mut self, h: &Heading, heads_contents: bool) {
        let style = if heads_contents { ParaStyle::TocHeading } else { ParaStyle::heading(h.level.saturating_sub(1)) };
        let runs = self.inlines(&h.inlines, RunFormat::PLAIN);
        let content = match &h.anchor {
            Some(anchor) => self.bookmarks.wrap(anchor, &runs),
            None => runs,
        };
        if h.level == 2 {
            if let Some(previous) = self.out.chapters.len().checked_sub(1) {
                self.out.xml.push_str(&section_break(Section::Chapter(previous)));
            }
            self.out.chapters.push(crate::document::plain(&h.inlines));
            // The section break already starts the page.
            self.out.xml.push_str(&paragraph_with(style, r#"<w:pageBreakBefore w:val="0"/>"#, &content));
        } else {
            self.out.xml.push_str(&paragraph(style, &content));
        }
    }

    fn list(&mut self, list: &List, depth: usize) -> Result<()> {
        let (style, num_id) = match list.start {
            Some(start) => {
                self.out.ordered_lists.push(start);
                (ParaStyle::ListNumber, self.out.ordered_lists.len() + 1)
            }
            None => (ParaStyle::ListBullet, 1),
        };
        let level = depth.min(2);
        for item in &list.items {
            let mut first = true;
            for (i, s) in item.iter().enumerate() {
                match &s.block {
                    Block::Paragraph(inlines) => {
                        let runs = self.inlines(inlines, RunFormat::PLAIN);
                        let numbering = if first {
                            format!(r#"<w:numPr><w:ilvl w:val="{level}"/><w:numId w:val="{num_id}"/></w:numPr>"#)
                        } else {
                            String::new()
                        };
                        self.out.xml.push_str(&paragraph_with(style, &numbering, &runs));
                    }
                    Block::List(inner) => self.list(inner, depth + 1)?,
                    other => self.block(other, style, item.get(i + 1).map(|s| &s.block), depth)?,
                }
                first = false;
            }
        }
        Ok(())
    }

    fn table(&mut self, t: &Table) {
        let title = run(&t.caption, RunFormat::PLAIN);
        let caption = fields::caption(&mut self.bookmarks, &t.anchor, &t.label, &title);
        // The caption stays with the table's first rows.
        self.out.xml.push_str(&caption.replacen("</w:pPr>", "<w:keepNext/></w:pPr>", 1));
        self.out.xml.push_str(&super::table::table(&t.header, &t.rows));
        if let Some(source) = &t.source {
            self.out.xml.push_str(&paragraph(ParaStyle::SourceNote, &run(&format!("{}：{}", source.label, source.text), RunFormat::PLAIN)));
        }
        for note in &t.notes {
            self.out.xml.push_str(&paragraph(ParaStyle::Note, &run(&format!("注：{note}"), RunFormat::PLAIN)));
        }
    }

    /// A chart, its source note, caption and notes, as the PDF sets them; the chart keeps
    /// with its caption.
    fn figure(&mut self, f: &Figure) -> Result<()> {
        let png = (self.images)(&f.id)
            .ok_or_else(|| Error::Chart { figure: f.id.clone(), message: "no PNG was drawn for the Word edition".into() })?;
        let size =
            media::png_size(png).ok_or_else(|| Error::Chart { figure: f.id.clone(), message: "its PNG has no readable header".into() })?;
        let id = self.out.media.len() as u32 + 1;
        let relationship = format!("rIdImage{id}");
        let picture = media::picture(id, &format!("{}.png", f.id), &f.alt, &relationship, media::extent(size, self.png_scale));
        self.out.media.push(Media { relationship, target: format!("media/{}.png", f.id), bytes: png.to_vec() });
        self.out.xml.push_str(&paragraph(ParaStyle::Figure, &picture));
        if let Some(source) = &f.source {
            let text = run(&format!("{}：{}", source.label, source.text), RunFormat::PLAIN);
            self.out.xml.push_str(&paragraph_with(ParaStyle::SourceNote, "<w:keepNext/>", &text));
        }
        let title = run(&f.caption, RunFormat::PLAIN);
        self.out.xml.push_str(&fields::caption(&mut self.bookmarks, &f.anchor, &f.label, &title));
        for note in &f.notes {
            self.out.xml.push_str(&paragraph(ParaStyle::Note, &run(&format!("注：{note}"), RunFormat::PLAIN)));
        }
        Ok(())
    }

    /// 目录 is Word's TOC over the chapter and section headings; the lists of figures and
    /// tables are TOC fields over the captions' SEQ fields (Word's 插入表目录).
    fn contents(&mut self, c: &Contents) {
        let instruction = match c.kind {
            ContentsKind::Sections => r#"TOC \o "1-2" \h \z \u"#,
            ContentsKind::Figures => r#"TOC \h \z \c "Figure""#,
            ContentsKind::Tables => r#"TOC \h \z \c "Table""#,
        };
        let lines: Vec<ContentsLine> =
            c.entries.iter().map(|e| ContentsLine { level: e.level, text: e.display(), anchor: e.anchor.clone() }).collect();
        self.out.xml.push_str(&fields::contents(&mut self.bookmarks, instruction, &lines));
    }

    fn inlines(&mut self, inlines: &[Inline], format: RunFormat) -> String {
        let mut out = String::new();
        let mut last: Option<char> = None;
        for inline in inlines {
            match inline {
                Inline::Text(t) => {
                    out.push_str(&run(t, format));
                    last = t.chars().last().or(last);
                }
                Inline::Code(t) => {
                    out.push_str(&run(t, RunFormat { style: Some(CharStyle::Code), ..format }));
                    last = t.chars().last().or(last);
                }
                Inline::Emph(c) => out.push_str(&self.inlines(c, RunFormat { italic: true, ..format })),
                Inline::Strong(c) => out.push_str(&self.inlines(c, RunFormat { bold: true, ..format })),
                Inline::Link { url, inlines } => {
                    let runs = self.inlines(inlines, RunFormat { style: Some(CharStyle::Hyperlink), ..format });
                    match url.strip_prefix('#') {
                        Some(anchor) => {
                            let name = self.bookmarks.name(anchor);
                            out.push_str(&internal_link(&name, &runs));
                        }
                        None => {
                            let id = format!("rIdLink{}", self.out.links.len() + 1);
                            self.out.links.push((id.clone(), url.clone()));
                            out.push_str(&external_link(&id, &runs));
                        }
                    }
                }
                // A line break in the source: nothing between Chinese characters, a space
                // after Latin text.
                Inline::SoftBreak => {
                    if last.is_some_and(|c| c.is_ascii_alphanumeric() || c.is_ascii_punctuation()) {
                        out.push_str(&run(" ", format));
                    }
                }
                Inline::HardBreak => out.push_str("<w:r><w:br/></w:r>"),
                Inline::Number(n) => {
                    let shown = run(&n.shown, RunFormat { style: Some(CharStyle::Number), ..format });
                    match self.doc.provenance.get(&n.id).filter(|_| self.comments_on) {
                        Some(p) => {
                            let id = self.out.comments.len();
                            self.out.comments.push(p.sentence.clone());
                            out.push_str(&format!(
                                r#"<w:commentRangeStart w:id="{id}"/>{shown}<w:commentRangeEnd w:id="{id}"/><w:r><w:rPr><w:rStyle w:val="{}"/></w:rPr><w:commentReference w:id="{id}"/></w:r>"#,
                                CharStyle::CommentReference.id()
                            ));
                        }
                        None => out.push_str(&shown),
                    }
                    last = n.shown.chars().last().or(last);
                }
                Inline::CrossRef(r) => {
                    let shown = r.label.to_string();
                    out.push_str(&fields::reference(&mut self.bookmarks, &r.anchor, &shown, format));
                    last = shown.chars().last().or(last);
                }
            }
        }
        out
    }
}

/// The plain text of a block the cover does not expect.
fn block_text(block: &Block) -> String {
    match block {
        Block::Paragraph(i) => crate::document::plain(i),
        Block::Heading(h) => crate::document::plain(&h.inlines),
        _ => String::new(),
    }
}

//! The print edition's markup: the document written as calls of the functions of
//! `templates/report.typ` (cover, chart-figure, data-table, contents-entry, and one per
//! styled block), which hold the design. Text is escaped so that no text can become markup.

use crate::document::{Block, Contents, ContentsKind, Document, Figure, Inline, Spaced, Table};

/// Escapes text for Typst markup: every ASCII punctuation character is written escaped, so
/// that no text can become markup (`//` comments, `=` headings, `*` strong, URLs, labels).
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if c.is_ascii_punctuation() {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// A Typst string literal.
pub fn string(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            _ => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Every piece of text the PDF prints, with the section it is in (for the glyph check's
/// error messages), in document order.
pub type TextRuns = Vec<(String, String)>;

struct Writer {
    out: String,
    runs: TextRuns,
    chapter: String,
    section: String,
}

/// The report's body as Typst markup, and the text it prints.
pub fn write(doc: &Document) -> (String, TextRuns) {
    let mut w = Writer { out: String::with_capacity(512 * 1024), runs: Vec::new(), chapter: String::new(), section: String::new() };
    // The cover: everything before the first chapter-level heading.
    let first = doc.blocks.iter().position(|s| matches!(&s.block, Block::Heading(h) if h.level >= 2)).unwrap_or(0);
    let mut title = String::new();
    let mut lines = Vec::new();
    for s in &doc.blocks[..first] {
        match &s.block {
            Block::Heading(h) if title.is_empty() => title = w.inlines(&h.inlines),
            Block::Heading(h) => lines.push(w.inlines(&h.inlines)),
            Block::Paragraph(i) => lines.push(w.inlines(i)),
            _ => {}
        }
    }
    w.out.push_str(&format!("#cover(title: [{title}], lines: {})\n\n", list(&lines)));
    w.blocks(&doc.blocks[first..]);
    (w.out, w.runs)
}

fn list(items: &[String]) -> String {
    let mut s = String::from("(");
    for i in items {
        s.push('[');
        s.push_str(i);
        s.push_str("], ");
    }
    s.push(')');
    s
}

fn anchor(id: &str) -> String {
    format!("[#metadata({}) <{id}>]", string(id))
}

impl Writer {
    /// Escaped text, recorded for the glyph check.
    fn text(&mut self, t: &str) -> String {
        self.runs.push((t.to_string(), self.section.clone()));
        escape(t)
    }

    fn blocks(&mut self, list: &[Spaced]) {
        for s in list {
            self.block(&s.block, 1);
        }
    }

    fn block(&mut self, b: &Block, depth: usize) {
        match b {
            Block::Heading(h) => {
                let plain = crate::document::plain(&h.inlines);
                if h.level <= 2 {
                    self.chapter = plain.clone();
                    self.section = plain;
                } else {
                    self.section = format!("{} › {plain}", self.chapter);
                }
                let markup = self.inlines(&h.inlines);
                let marks = "=".repeat((h.level as usize).saturating_sub(1).max(1));
                match &h.anchor {
                    Some(a) => self.out.push_str(&format!("{marks} {markup} <{a}>\n\n")),
                    None => self.out.push_str(&format!("{marks} {markup}\n\n")),
                }
            }
            Block::Paragraph(i) => {
                let markup = self.inlines(i);
                self.out.push_str(&markup);
                self.out.push_str("\n\n");
            }
            Block::List(l) => {
                for item in &l.items {
                    let mut first = true;
                    for s in item {
                        match &s.block {
                            Block::Paragraph(i) if first => {
                                let markup = self.inlines(i);
                                self.out.push_str(&format!("{}- {markup}\n", "  ".repeat(depth - 1)));
                            }
                            other => self.block(other, depth + 1),
                        }
                        first = false;
                    }
                }
            }
            Block::Table(t) => self.table(t),
            Block::Figure(f) => self.figure(f),
            Block::Styled { style, blocks } => {
                self.out.push_str(&format!("#{}[\n\n", style.class()));
                self.blocks(blocks);
                self.out.push_str("]\n\n");
            }
            Block::Contents(c) => self.contents(c),
            Block::Rule => self.out.push_str("#line(length: 100%)\n\n"),
        }
    }

    fn inlines(&mut self, list: &[Inline]) -> String {
        let mut m = String::new();
        for i in list {
            match i {
                Inline::Text(t) | Inline::Code(t) => m.push_str(&self.text(t)),
                Inline::Emph(c) => m.push_str(&format!("#emph[{}];", self.inlines(c))),
                Inline::Strong(c) => m.push_str(&format!("#strong[{}];", self.inlines(c))),
                Inline::Link { url, inlines } => {
                    let target = url.strip_prefix('#').filter(|t| label_ok(t));
                    let body = self.inlines(inlines);
                    match target {
                        Some(t) => m.push_str(&format!("#link(<{t}>)[{body}];")),
                        None => m.push_str(&format!("#link({})[{body}];", string(url))),
                    }
                }
                Inline::SoftBreak => m.push('\n'),
                Inline::HardBreak => m.push_str("\\\n"),
                Inline::Number(n) => m.push_str(&self.text(&n.shown)),
                Inline::CrossRef(r) => {
                    let label = self.text(&r.label.to_string());
                    m.push_str(&format!("#link(<{}>)[{label}];", r.anchor));
                }
            }
        }
        m
    }

    fn figure(&mut self, f: &Figure) {
        let sources: Vec<String> = f.source.iter().map(|s| self.text(&format!("{}：{}", s.label, s.text))).collect();
        let caption = self.text(&format!("{} {}", f.label, f.caption));
        let notes: Vec<String> = f.notes.iter().map(|n| self.text(&format!("注：{n}"))).collect();
        self.out.push_str(&format!(
            "#chart-figure(anchor: {}, image: image({}, alt: {}), sources: {}, caption: [{caption}], notes: {})\n\n",
            anchor(&f.anchor),
            string(&format!("/charts/{}.svg", f.id)),
            string(&f.alt),
            list(&sources),
            list(&notes)
        ));
    }

    fn table(&mut self, t: &Table) {
        let caption = self.text(&format!("{} {}", t.label, t.caption));
        let header: Vec<String> = t.header.iter().map(|h| self.text(&h.replace('\n', " "))).collect();
        let rows: Vec<Vec<String>> = t.rows.iter().map(|r| r.iter().map(|c| self.text(&c.replace('\n', " "))).collect()).collect();
        let source = match &t.source {
            Some(s) => format!("[{}]", self.text(&format!("{}：{}", s.label, s.text))),
            None => "none".to_string(),
        };
        let rows: Vec<String> = rows.iter().map(|r| list(r)).collect();
        self.out.push_str(&format!(
            "#data-table(anchor: {}, caption: [{caption}], header: {}, rows: ({}{}), columns: {}, source: {source})\n\n",
            anchor(&t.anchor),
            list(&header),
            rows.join(", "),
            if rows.len() == 1 { "," } else { "" },
            columns(t)
        ));
    }

    fn contents(&mut self, c: &Contents) {
        for e in &c.entries {
            let level = if c.kind == ContentsKind::Sections { e.level } else { 1 };
            let text = self.text(&e.display());
            self.out.push_str(&format!("#contents-entry(level: {level}, <{}>)[{text}]\n", e.anchor));
        }
    }
}

/// A label name is kept to what the anchors use.
fn label_ok(id: &str) -> bool {
    !id.is_empty() && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

/// Column widths for a table: a column of short cells (dates, numbers, names of up to six
/// characters) takes its natural width; the others share the rest by the square root of
/// their cells' mean width, so that a column of long descriptions gets most of the page but
/// a column of names keeps room.
fn columns(t: &Table) -> String {
    const SHORT: usize = 12;
    let width = |s: &str| -> usize { s.chars().map(|c| if (c as u32) >= 0x1100 { 2 } else { 1 }).sum() };
    let spec: Vec<String> = (0..t.header.len())
        .map(|col| {
            let cells: Vec<usize> = std::iter::once(&t.header).chain(&t.rows).filter_map(|r| r.get(col)).map(|c| width(c)).collect();
            let max = cells.iter().copied().max().unwrap_or(0);
            let mean = cells.iter().sum::<usize>() as f64 / cells.len().max(1) as f64;
            if max <= SHORT { "auto".to_string() } else { format!("{:.2}fr", mean.max(1.0).sqrt()) }
        })
        .collect();
    format!("({},)", spec.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_cannot_become_markup() {
        assert_eq!(escape("a//b *c* <d> #e 1.5"), "a\\/\\/b \\*c\\* \\<d\\> \\#e 1\\.5");
        assert_eq!(escape("中文（全角）"), "中文（全角）");
    }
}

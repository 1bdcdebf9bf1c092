//! The Markdown edition (report.md): CommonMark with GFM tables, images pointing at the
//! PNGs. The wording's spacing is kept as written ([`Spaced::gap`]), so an unchanged
//! wording gives unchanged bytes.

use crate::document::{Block, Contents, ContentsKind, Document, Figure, Inline, List, Spaced, Table};
use crate::text::md_escape;

pub fn write(doc: &Document) -> String {
    let mut out = String::with_capacity(256 * 1024);
    blocks(&doc.blocks, &mut out);
    out.push_str(&doc.end);
    out
}

fn blocks(list: &[Spaced], out: &mut String) {
    for s in list {
        out.push_str(&s.gap);
        block(&s.block, out);
    }
}

fn block(b: &Block, out: &mut String) {
    match b {
        Block::Heading(h) => {
            if let Some(a) = &h.anchor {
                out.push_str(&format!("<a id=\"{a}\"></a>\n\n"));
            }
            out.push_str(&"#".repeat(h.level as usize));
            out.push(' ');
            inlines(&h.inlines, out);
        }
        Block::Paragraph(i) => inlines(i, out),
        Block::List(l) => list(l, out),
        Block::Table(t) => table(t, out),
        Block::Figure(f) => figure(f, out),
        Block::Styled { style, blocks: inner } => {
            out.push_str(&format!("<div class=\"{}\">", style.class()));
            blocks(inner, out);
            out.push_str("\n\n</div>");
        }
        Block::Contents(c) => contents(c, out),
        Block::Rule => out.push_str("---"),
    }
}

fn list(l: &List, out: &mut String) {
    for (n, item) in l.items.iter().enumerate() {
        if n > 0 {
            out.push_str(if l.tight { "\n" } else { "\n\n" });
        }
        match l.start {
            Some(start) => out.push_str(&format!("{}. ", start + n as u64)),
            None => out.push_str("- "),
        }
        for (k, s) in item.iter().enumerate() {
            if k > 0 {
                out.push_str(&s.gap);
            }
            block(&s.block, out);
        }
    }
}

/// The wording's text, with the characters Markdown would read as markup escaped.
fn text(t: &str, out: &mut String) {
    for c in t.chars() {
        if matches!(c, '\\' | '`' | '*' | '_' | '[' | ']' | '<') {
            out.push('\\');
        }
        out.push(c);
    }
}

fn inlines(list: &[Inline], out: &mut String) {
    for i in list {
        match i {
            Inline::Text(t) => text(t, out),
            Inline::Code(t) => out.push_str(&format!("`{t}`")),
            Inline::Emph(c) => {
                out.push('*');
                inlines(c, out);
                out.push('*');
            }
            Inline::Strong(c) => {
                out.push_str("**");
                inlines(c, out);
                out.push_str("**");
            }
            Inline::Link { url, inlines: c } => {
                out.push('[');
                inlines(c, out);
                out.push_str(&format!("]({url})"));
            }
            Inline::SoftBreak => out.push('\n'),
            Inline::HardBreak => out.push_str("  \n"),
            Inline::Number(n) => out.push_str(&n.shown),
            Inline::CrossRef(r) => out.push_str(&r.label.to_string()),
        }
    }
}

/// A GFM table: a title row, the separator, one row per data row; every cell escaped.
pub fn gfm(header: &[String], rows: &[Vec<String>]) -> String {
    let mut md = String::new();
    md.push('|');
    for title in header {
        md.push_str(&format!(" {} |", if title.is_empty() { " ".to_string() } else { md_escape(title) }));
    }
    md.push_str("\n|");
    md.push_str(&" --- |".repeat(header.len()));
    md.push('\n');
    for row in rows {
        md.push('|');
        for cell in row {
            md.push_str(&format!(" {} |", md_escape(cell)));
        }
        md.push('\n');
    }
    md
}

fn table(t: &Table, out: &mut String) {
    out.push_str(&format!("<a id=\"{}\"></a>\n\n**{} {}**\n\n", t.anchor, t.label, t.caption));
    out.push_str(&gfm(&t.header, &t.rows));
    if let Some(s) = &t.source {
        out.push_str(&format!("\n{}：{}\n", s.label, s.text));
    }
    for n in &t.notes {
        out.push_str(&format!("\n注：{n}\n"));
    }
    // As the partials always printed it: a line break after the last line.
    if t.source.is_none() && t.notes.is_empty() {
        out.push('\n');
    }
}

fn figure(f: &Figure, out: &mut String) {
    out.push_str(&format!("<a id=\"{}\"></a>\n\n![{}]({})", f.anchor, f.alt, f.png()));
    if let Some(s) = &f.source {
        out.push_str(&format!("\n\n{}：{}", s.label, s.text));
    }
    out.push_str(&format!("\n\n**{} {}**", f.label, f.caption));
    for n in &f.notes {
        out.push_str(&format!("\n\n注：{n}"));
    }
    // As the partials always printed it: a line break after the last line.
    out.push('\n');
}

/// A contents list: one linked line per entry, sections indented under their chapter.
fn contents(c: &Contents, out: &mut String) {
    for e in &c.entries {
        let indent = if c.kind == ContentsKind::Sections { "  ".repeat(e.level.saturating_sub(1) as usize) } else { String::new() };
        out.push_str(&format!("{indent}- [{}](#{})\n", md_escape(&e.display()), e.anchor));
    }
}

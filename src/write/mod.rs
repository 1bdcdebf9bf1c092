//! The writers: each walks the [`Document`](crate::document::Document) and writes one
//! format; none reads another's output.

pub mod docx;
pub mod html;
pub mod markdown;
pub mod typst;
pub mod webfont;

use crate::document::{Block, Document, Inline, NumberSpan};

/// The inlines a block holds directly (its paragraph or heading text).
pub fn inlines_of(block: &Block) -> &[Inline] {
    match block {
        Block::Heading(h) => &h.inlines,
        Block::Paragraph(i) => i,
        _ => &[],
    }
}

/// Every number span of the document, in reading order.
pub fn number_spans(doc: &Document) -> Vec<&NumberSpan> {
    fn go<'a>(inlines: &'a [Inline], out: &mut Vec<&'a NumberSpan>) {
        for i in inlines {
            match i {
                Inline::Number(n) => out.push(n),
                Inline::Emph(c) | Inline::Strong(c) | Inline::Link { inlines: c, .. } => go(c, out),
                _ => {}
            }
        }
    }
    let mut out = Vec::new();
    for b in doc.walk() {
        go(inlines_of(b), &mut out);
    }
    out
}

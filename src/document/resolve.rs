//! One pass over the tree once every block is in place: heading anchors and chapter
//! numbers, the contents lists; and the labels of placed figures and tables.

use super::build::{Placed, PlacedBlock};
use super::{Block, Chapter, ContentsKind, Figure, Label, Spaced, Table};

/// Heading anchors (sec-4, sec-4-2) and chapter numbers, contents lists: one pass over the
/// tree once every block is in place.
pub fn resolve(blocks: &mut [Spaced], placed: &Placed) {
    // Anchors in document order.
    let (mut h2, mut h3) = (0, 0);
    let mut chapter_of_heading: Vec<(usize, Option<Chapter>)> = Vec::new();
    let mut order = 0usize;
    visit_mut(blocks, &mut |b| {
        order += 1;
        match b {
            Block::Heading(h) if h.level == 2 => {
                h2 += 1;
                h3 = 0;
                h.anchor = Some(format!("sec-{h2}"));
                chapter_of_heading.push((order, None));
            }
            Block::Heading(h) if h.level == 3 => {
                h3 += 1;
                h.anchor = Some(format!("sec-{h2}-{h3}"));
            }
            Block::Figure(Figure { label, .. }) | Block::Table(Table { label, .. }) => {
                if let Some((_, c @ None)) = chapter_of_heading.last_mut() {
                    *c = Some(label.chapter);
                }
            }
            _ => {}
        }
    });
    let mut chapters = chapter_of_heading.into_iter().map(|(_, c)| c);
    visit_mut(blocks, &mut |b| {
        if let Block::Heading(h) = b
            && h.level == 2
        {
            h.number = chapters.next().flatten();
        }
    });

    // Contents lists.
    let mut sections = Vec::new();
    visit_mut(blocks, &mut |b| {
        if let Block::Heading(h) = b
            && let Some(anchor) = &h.anchor
        {
            let text = super::plain(&h.inlines);
            if text != "目录" && text != "图表目录" {
                sections.push(super::Entry { level: h.level - 1, anchor: anchor.clone(), label: None, text });
            }
        }
    });
    let listing = |figures: bool| -> Vec<super::Entry> {
        placed
            .blocks
            .iter()
            .filter_map(|b| match (b, figures) {
                (PlacedBlock::Figure(f), true) => {
                    Some(super::Entry { level: 1, anchor: f.anchor.clone(), label: Some(f.label), text: f.caption.clone() })
                }
                (PlacedBlock::Table(t), false) => {
                    Some(super::Entry { level: 1, anchor: t.anchor.clone(), label: Some(t.label), text: t.caption.clone() })
                }
                _ => None,
            })
            .collect()
    };
    let (figures, tables) = (listing(true), listing(false));
    visit_mut(blocks, &mut |b| {
        if let Block::Contents(c) = b {
            c.entries = match c.kind {
                ContentsKind::Sections => sections.clone(),
                ContentsKind::Figures => figures.clone(),
                ContentsKind::Tables => tables.clone(),
            };
        }
    });
}

fn visit_mut(blocks: &mut [Spaced], f: &mut dyn FnMut(&mut Block)) {
    for s in blocks {
        f(&mut s.block);
        match &mut s.block {
            Block::Styled { blocks, .. } => visit_mut(blocks, f),
            Block::List(l) => l.items.iter_mut().for_each(|i| visit_mut(i, f)),
            _ => {}
        }
    }
}

/// The labels of placed blocks: per kind and chapter, in order of placement.
pub fn next_label(placed: &Placed, kind: super::LabelKind, chapter: Chapter) -> Label {
    let n = placed
        .blocks
        .iter()
        .filter(|b| {
            let l = b.label();
            l.kind == kind && l.chapter == chapter
        })
        .count()
        + 1;
    Label { kind, chapter, n }
}

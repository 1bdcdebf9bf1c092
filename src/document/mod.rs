//! The report as one typed document, built once from the templates and handed to every
//! writer (Markdown, HTML, Typst for the PDF, Word). What the pipeline places itself
//! (figures, tables, numbers, cross-references, heading numbers, styled blocks, contents)
//! is a typed node made where it is placed; the wording's own Markdown (paragraphs,
//! emphasis, lists, links) is parsed once into the inline and block nodes below. No writer
//! reads another writer's output.
//!
//! Every label a reader sees (图 1-2, 表 1-4, 附表 3) is resolved before the writers run, so
//! every format prints the same numbers. Text in the model is plain text, never markup:
//! each writer escapes it for its own format.

use std::collections::BTreeMap;
use std::fmt;

use serde::Serialize;

pub use crate::model::NumberKind;

/// One edition of the report, as every writer sees it.
#[derive(Debug, Clone, Serialize)]
pub struct Document {
    /// The edition's year (2023 for the 2023-2024 report): the year `n.NAME` numbers are in.
    pub edition: i32,
    /// Whether this is the errata edition (`build --corrected`).
    pub corrected: bool,
    pub front: FrontMatter,
    /// Every block in reading order. The cover is what comes before the first level-2
    /// heading (a level-1 heading with the title, then the publishers and the date as the
    /// wording writes them); each level-2 heading opens a chapter.
    pub blocks: Vec<Spaced>,
    /// Each number's provenance, by [`NumberSpan::id`]: the sentence a reader sees beside
    /// the number (HTML popover, Word comment).
    pub provenance: BTreeMap<String, Provenance>,
    /// The whitespace after the last block (Markdown layout, as [`Spaced::gap`]).
    pub end: String,
}

/// The edition's metadata, from its report.yaml (for PDF and Word document properties; the
/// printed cover is in [`Document::blocks`]).
#[derive(Debug, Clone, Serialize)]
pub struct FrontMatter {
    pub title: String,
    /// The publishing institutions, in the order printed.
    pub authors: Vec<String>,
    /// The publication date as the cover prints it: 二零二四年五月.
    pub date: String,
    /// The publication date as (year, month), for document properties.
    pub published: (i32, u32),
    /// BCP 47 language of the text: always `zh-CN`.
    pub language: &'static str,
}

/// A block with the layout the wording gave it in Markdown: the whitespace between the end
/// of the previous block's text and this block ("\n\n" for one blank line). Only the
/// Markdown writer uses it, to keep the editors' spacing byte for byte; other writers
/// ignore it.
#[derive(Debug, Clone, Serialize)]
pub struct Spaced {
    pub gap: String,
    pub block: Block,
}

#[derive(Debug, Clone, Serialize)]
pub enum Block {
    Heading(Heading),
    Paragraph(Vec<Inline>),
    List(List),
    Table(Table),
    Figure(Figure),
    /// A block the page design styles as a whole (`<div class="names">` in the wording):
    /// the class names a function of templates/report.typ and a CSS class of the page.
    Styled {
        style: Style,
        blocks: Vec<Spaced>,
    },
    /// A generated list of sections, figures or tables, placed by `{{ contents }}`,
    /// `{{ list_of_figures }}`, `{{ list_of_tables }}`.
    Contents(Contents),
    /// A thematic break (`---`).
    Rule,
}

#[derive(Debug, Clone, Serialize)]
pub struct Heading {
    /// 1: the report's title on the cover; 2: a chapter (一、…, 前言, 附件); 3: a section
    /// ((一) …); 4 and deeper: unnumbered subheadings.
    pub level: u8,
    /// For a level-2 heading that opens a numbered chapter, the chapter its figures and
    /// tables are numbered in (图 1-2 is in chapter 1). The heading's own text (一、) is the
    /// wording's; this is the number to use in fields and captions.
    pub number: Option<Chapter>,
    /// The stable anchor of a level-2 or level-3 heading (sec-4, sec-4-2), in document
    /// order; contents entries and links point at it. None for the title and deeper levels.
    pub anchor: Option<String>,
    pub inlines: Vec<Inline>,
}

/// The chapter a figure or table is numbered in: `{% set chapter = N %}` in its template,
/// or `"appendix"` (附表 1, 附图 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum Chapter {
    Numbered(u32),
    Appendix,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum LabelKind {
    Figure,
    Table,
}

impl LabelKind {
    /// The word a caption starts with: 图 or 表.
    pub fn word(self) -> &'static str {
        match self {
            LabelKind::Figure => "图",
            LabelKind::Table => "表",
        }
    }
}

/// The printed number of a figure or table: chapter and position in it (图 1-2), or in the
/// appendix (附表 4). Display gives the text every writer prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct Label {
    pub kind: LabelKind,
    pub chapter: Chapter,
    /// 1-based position among the chapter's figures (or tables).
    pub n: usize,
}

impl fmt::Display for Label {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.chapter {
            Chapter::Numbered(c) => write!(f, "{} {c}-{}", self.kind.word(), self.n),
            Chapter::Appendix => write!(f, "附{} {}", self.kind.word(), self.n),
        }
    }
}

/// A list written in the wording (not a generated contents list).
#[derive(Debug, Clone, Serialize)]
pub struct List {
    /// The first number of an ordered list; None for a bullet list.
    pub start: Option<u64>,
    /// Items without blank lines between them (their paragraphs are not separated).
    pub tight: bool,
    pub items: Vec<Vec<Spaced>>,
}

/// A data table placed with `table(id=…)`: everything printed comes from data/tables/.
#[derive(Debug, Clone, Serialize)]
pub struct Table {
    /// The table's id (data/tables/<id>.yaml).
    pub id: String,
    /// Its anchor (tab-<id>): cross-references and the list of tables point at it.
    pub anchor: String,
    pub label: Label,
    /// The caption after the label: 表 1-1 *国家部委区块链相关政策*.
    pub caption: String,
    /// Column titles; an empty title is a column printed without one.
    pub header: Vec<String>,
    /// Cells as printed (numbers formatted, grouped columns merged), plain text.
    pub rows: Vec<Vec<String>>,
    /// 数据来源：… under the table.
    pub source: Option<SourceNote>,
    /// Notes under the table (注：…), without the 注： prefix.
    pub notes: Vec<String>,
    /// The data file the HTML links, relative to the output directory.
    pub csv: String,
}

/// A chart placed with `figure(id=…)`.
#[derive(Debug, Clone, Serialize)]
pub struct Figure {
    /// The figure's id (data/figures/<id>.yaml), also the chart's: its files are
    /// `charts/<id>.svg` and `charts/<id>.png` (2×) under the output directory.
    pub id: String,
    /// Its anchor (fig-<id>).
    pub anchor: String,
    pub label: Label,
    /// The caption after the label.
    pub caption: String,
    /// The chart's description for readers who cannot see it (alt text).
    pub alt: String,
    /// 数据来源：… (or the figure's own label, 资料来源) printed under the chart.
    pub source: Option<SourceNote>,
    /// Provenance notes under the caption (注：…), without the 注： prefix.
    pub notes: Vec<String>,
}

impl Figure {
    /// The chart's PNG (2×), relative to the output directory.
    pub fn png(&self) -> String {
        format!("charts/{}.png", self.id)
    }
    pub fn svg(&self) -> String {
        format!("charts/{}.svg", self.id)
    }
    /// The data the chart draws, relative to the output directory.
    pub fn csv(&self) -> String {
        format!("data/figures/{}.csv", self.id)
    }
}

/// A source line under a figure or table: `{label}：{text}`.
#[derive(Debug, Clone, Serialize)]
pub struct SourceNote {
    /// 数据来源, or 资料来源 where the figure's YAML says so.
    pub label: String,
    pub text: String,
}

/// A block the page design styles as a whole. The values are the known classes; a
/// `<div class="…">` with another class is an error naming the template.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Style {
    /// A list of names set in columns (the co-publishers in front.md).
    Names,
}

impl Style {
    /// The CSS class and the function of report.typ.
    pub fn class(self) -> &'static str {
        match self {
            Style::Names => "names",
        }
    }
    pub fn from_class(class: &str) -> Option<Style> {
        match class {
            "names" => Some(Style::Names),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum ContentsKind {
    /// 目录: every level-2 heading with its level-3 headings, except 目录 and 图表目录.
    Sections,
    /// Every placed figure, in order.
    Figures,
    /// Every placed table, in order.
    Tables,
}

#[derive(Debug, Clone, Serialize)]
pub struct Contents {
    pub kind: ContentsKind,
    pub entries: Vec<Entry>,
}

/// One line of a contents list: a link to a heading, figure or table.
#[derive(Debug, Clone, Serialize)]
pub struct Entry {
    /// 1 for a chapter (or any figure, table), 2 for a section under it.
    pub level: u8,
    /// The anchor it links to (sec-4-2, fig-<id>, tab-<id>).
    pub anchor: String,
    /// The figure's or table's label, printed before the text.
    pub label: Option<Label>,
    /// The heading's text, or the caption, as plain text.
    pub text: String,
}

impl Entry {
    /// What the entry prints: `图 1-1 caption`, or the heading's text.
    pub fn display(&self) -> String {
        match &self.label {
            Some(l) => format!("{l} {}", self.text),
            None => self.text.clone(),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub enum Inline {
    Text(String),
    /// `code` in the wording.
    Code(String),
    Emph(Vec<Inline>),
    Strong(Vec<Inline>),
    /// A link: `url` is external (https://…) or an internal anchor (`#sec-3`).
    Link {
        url: String,
        inlines: Vec<Inline>,
    },
    SoftBreak,
    /// A forced line break (two trailing spaces in the Markdown).
    HardBreak,
    /// A number printed by a filter (`{{ n.NAME | num }}`), with its provenance.
    Number(NumberSpan),
    /// `{{ ref(id="…") }}`: a figure's or table's label, resolved.
    CrossRef(CrossRef),
}

/// A number in the prose: the text as printed, and what a reader can ask about it.
#[derive(Debug, Clone, Serialize)]
pub struct NumberSpan {
    /// The text as printed (`7.7%`, `增长 12%`, `十三`; in the corrected edition with the
    /// published value after it: `7.7%（原文：7.8%）`).
    pub shown: String,
    pub kind: NumberKind,
    /// The number's name (`policies_new`).
    pub name: String,
    /// The year of the value printed: the edition's year for `n.NAME`, YEAR for
    /// `at[YEAR].NAME`.
    pub year: i32,
    /// The edition that brought the value: for a primary, the edition whose data stated
    /// it; for a derived number, the edition being built (it is computed now). None for a
    /// primary in another year (`at[YEAR].NAME`): the data records the edition of the
    /// edition's own year only.
    pub edition: Option<i32>,
    /// The key of its provenance in [`Document::provenance`]: the name for `n.NAME`,
    /// `NAME[YEAR]` for `at[YEAR].NAME`.
    pub id: String,
}

/// A reference to a placed figure or table.
#[derive(Debug, Clone, Serialize)]
pub struct CrossRef {
    /// The figure's or table's id.
    pub target: String,
    /// Its anchor (fig-<id>, tab-<id>).
    pub anchor: String,
    /// Its label, printed as the reference's text (图 1-2).
    pub label: Label,
}

/// Where a number comes from, for a reader.
#[derive(Debug, Clone, Serialize)]
pub struct Provenance {
    pub kind: NumberKind,
    /// 报告原文, 录入值 or 派生值 ([`crate::model::provenance::label`]).
    pub label: &'static str,
    /// One sentence: where it is stated, or how it is computed and from what, naming the
    /// year and the edition.
    pub sentence: String,
    /// The same in its parts: the web popover says the label once and links the data.
    #[serde(skip)]
    pub parts: crate::model::provenance::Told,
}

impl Document {
    /// Every block, depth first (styled blocks and list items included), in reading order.
    pub fn walk(&self) -> Vec<&Block> {
        fn go<'a>(blocks: &'a [Spaced], out: &mut Vec<&'a Block>) {
            for s in blocks {
                out.push(&s.block);
                match &s.block {
                    Block::Styled { blocks, .. } => go(blocks, out),
                    Block::List(l) => l.items.iter().for_each(|i| go(i, out)),
                    _ => {}
                }
            }
        }
        let mut out = Vec::new();
        go(&self.blocks, &mut out);
        out
    }

    /// The label of every placed figure and table, by id.
    pub fn labels(&self) -> BTreeMap<String, Label> {
        self.walk()
            .into_iter()
            .filter_map(|b| match b {
                Block::Figure(f) => Some((f.id.clone(), f.label)),
                Block::Table(t) => Some((t.id.clone(), t.label)),
                _ => None,
            })
            .collect()
    }
}

/// The plain text of inlines (numbers as shown, references as their labels).
pub fn plain(inlines: &[Inline]) -> String {
    let mut out = String::new();
    for i in inlines {
        match i {
            Inline::Text(t) | Inline::Code(t) => out.push_str(t),
            Inline::Emph(c) | Inline::Strong(c) | Inline::Link { inlines: c, .. } => out.push_str(&plain(c)),
            Inline::SoftBreak | Inline::HardBreak => out.push(' '),
            Inline::Number(n) => out.push_str(&n.shown),
            Inline::CrossRef(r) => out.push_str(&r.label.to_string()),
        }
    }
    out
}
pub mod build;
pub mod resolve;

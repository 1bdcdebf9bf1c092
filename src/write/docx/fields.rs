//! Word fields: captions numbered by SEQ, bookmarks around the caption numbers, REF
//! cross-references to them, the TOC, page numbers and the running chapter title. Every
//! field's result is written in, as the model numbers it, so a reader that never updates
//! fields (LibreOffice's converter, a phone) shows the right text, and Word's 更新域,
//! 插入表目录 and 交叉引用 work on the same fields.

use std::collections::{BTreeMap, BTreeSet};

use super::styles::ParaStyle;
use super::xml::{RunFormat, escape, internal_link, paragraph, run};
use crate::document::{Chapter, Label, LabelKind};

/// A complex field: instruction, then its result (runs), then the end mark.
pub fn field(instruction: &str, result: &str) -> String {
    format!(
        concat!(
            r#"<w:r><w:fldChar w:fldCharType="begin"/></w:r>"#,
            r#"<w:r><w:instrText xml:space="preserve"> {} </w:instrText></w:r>"#,
            r#"<w:r><w:fldChar w:fldCharType="separate"/></w:r>{}"#,
            r#"<w:r><w:fldChar w:fldCharType="end"/></w:r>"#
        ),
        escape(instruction),
        result
    )
}

/// The SEQ identifier of a label's sequence, as Word's own captions name them (插入表目录
/// lists by it); identifiers are Latin, so 图 and 表 stay literal text.
pub fn sequence(label: &Label) -> &'static str {
    match (label.kind, label.chapter) {
        (LabelKind::Figure, Chapter::Numbered(_)) => "Figure",
        (LabelKind::Table, Chapter::Numbered(_)) => "Table",
        (LabelKind::Figure, Chapter::Appendix) => "AppendixFigure",
        (LabelKind::Table, Chapter::Appendix) => "AppendixTable",
    }
}

/// Bookmark names and ids for the document's anchors: Word wants names of at most 40
/// letters, digits and `_`, starting with a letter (or `_` for hidden ones), and ids unique
/// in the document.
#[derive(Debug, Default)]
pub struct Bookmarks {
    names: BTreeMap<String, String>,
    taken: BTreeSet<String>,
    next_id: u32,
}

impl Bookmarks {
    /// The bookmark of an anchor (`fig-industry-scale` → `_Ref_fig_industry_scale`), the same
    /// on every call; a hidden `_Ref` name, as Word gives the bookmarks of cross-references.
    pub fn name(&mut self, anchor: &str) -> String {
        if let Some(name) = self.names.get(anchor) {
            return name.clone();
        }
        let clean: String = anchor.chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '_' }).collect();
        let mut name: String = format!("_Ref_{clean}").chars().take(40).collect();
        let mut n = 2;
        while self.taken.contains(&name) {
            let suffix = format!("_{n}");
            name = format!("_Ref_{clean}").chars().take(40 - suffix.len()).collect::<String>() + &suffix;
            n += 1;
        }
        self.taken.insert(name.clone());
        self.names.insert(anchor.to_string(), name.clone());
        name
    }

    /// Content wrapped in the anchor's bookmark (a fresh id each time it is placed).
    pub fn wrap(&mut self, anchor: &str, content: &str) -> String {
        let name = self.name(anchor);
        let id = self.next_id;
        self.next_id += 1;
        format!(r#"<w:bookmarkStart w:id="{id}" w:name="{name}"/>{content}<w:bookmarkEnd w:id="{id}"/>"#)
    }
}

/// A caption paragraph: `图 1-{SEQ Figure \s 1}` in a bookmark for cross-references, then
/// the title runs. `\s 1` restarts the count at each chapter heading; the chapter's Arabic
/// number is the model's, as the headings are numbered 一、二、. The appendix counts on
/// through the document (附表 {SEQ AppendixTable}).
pub fn caption(bookmarks: &mut Bookmarks, anchor: &str, label: &Label, title: &str) -> String {
    let (prefix, instruction) = match label.chapter {
        Chapter::Numbered(c) => (format!("{} {c}-", label.kind.word()), format!(r"SEQ {} \* ARABIC \s 1", sequence(label))),
        Chapter::Appendix => (format!("附{} ", label.kind.word()), format!(r"SEQ {} \* ARABIC", sequence(label))),
    };
    let number = field(&instruction, &run(&label.n.to_string(), RunFormat::PLAIN));
    let numbered = bookmarks.wrap(anchor, &format!("{}{number}", run(&prefix, RunFormat::PLAIN)));
    let space = if title.is_empty() { String::new() } else { run(" ", RunFormat::PLAIN) };
    paragraph(ParaStyle::Caption, &format!("{numbered}{space}{title}"))
}

/// A cross-reference to a figure's or table's caption number: a REF field, linked (`\h`),
/// its result the number as the model prints it (图 1-2).
pub fn reference(bookmarks: &mut Bookmarks, anchor: &str, shown: &str, format: RunFormat) -> String {
    let name = bookmarks.name(anchor);
    field(&format!(r"REF {name} \h"), &run(shown, format))
}

/// One line of the contents: its level (1 = chapter), text and the heading's anchor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContentsLine {
    pub level: u8,
    pub text: String,
    pub anchor: String,
}

/// A contents list as a TOC field, its result the lines linked to their targets. The page
/// numbers come from the reader's layout: Word adds them when it updates the fields on
/// opening; a reader that does not (LibreOffice 7) shows the linked lines alone. `instruction`: `TOC \o "1-3" …` for 目录,
/// `TOC \c "Figure" …` for a list of figures.
pub fn contents(bookmarks: &mut Bookmarks, instruction: &str, lines: &[ContentsLine]) -> String {
    let begin = format!(
        concat!(
            r#"<w:r><w:fldChar w:fldCharType="begin"/></w:r>"#,
            r#"<w:r><w:instrText xml:space="preserve"> {} </w:instrText></w:r>"#,
            r#"<w:r><w:fldChar w:fldCharType="separate"/></w:r>"#
        ),
        escape(instruction)
    );
    let end = r#"<w:r><w:fldChar w:fldCharType="end"/></w:r>"#;
    if lines.is_empty() {
        return paragraph(ParaStyle::Toc1, &format!("{begin}{end}"));
    }
    let mut out = String::new();
    for (i, line) in lines.iter().enumerate() {
        let name = bookmarks.name(&line.anchor);
        let entry = internal_link(&name, &run(&line.text, RunFormat::PLAIN));
        let style = match line.level {
            0 | 1 => ParaStyle::Toc1,
            2 => ParaStyle::Toc2,
            _ => ParaStyle::Toc3,
        };
        let first = if i == 0 { begin.as_str() } else { "" };
        let last = if i + 1 == lines.len() { end } else { "" };
        out.push_str(&paragraph(style, &format!("{first}{entry}{last}")));
    }
    out
}

/// The page number, for the footer.
pub fn page_number() -> String {
    field(r"PAGE \* ARABIC", &run("1", RunFormat::PLAIN))
}

/// The chapter's title in its running header: a STYLEREF field (Word recomputes it per
/// page), its result the chapter's title (what LibreOffice and other readers show).
pub fn chapter_title(chapter: &str) -> String {
    field(r#"STYLEREF "heading 1""#, &run(chapter, RunFormat::PLAIN))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_caption_numbers_by_seq_with_the_result_filled_in_and_a_bookmark_around_the_number() {
        let mut b = Bookmarks::default();
        let label = Label { kind: LabelKind::Figure, chapter: Chapter::Numbered(1), n: 2 };
        let p = caption(&mut b, "fig-industry-scale", &label, &run("产业规模", RunFormat::PLAIN));
        assert!(
            p.starts_with(r#"<w:p><w:pPr><w:pStyle w:val="Caption"/></w:pPr><w:bookmarkStart w:id="0" w:name="_Ref_fig_industry_scale"/>"#),
            "{p}"
        );
        assert!(p.contains(r#"<w:instrText xml:space="preserve"> SEQ Figure \* ARABIC \s 1 </w:instrText>"#), "{p}");
        assert!(p.contains(r#">图 1-</w:t>"#), "{p}");
        let (seq, number, end) = (p.find("SEQ").unwrap(), p.find(">2</w:t>").unwrap(), p.find("<w:bookmarkEnd").unwrap());
        assert!(seq < number && number < end && end < p.find("产业规模").unwrap(), "{p}");
        let t = caption(&mut b, "tab-x", &Label { kind: LabelKind::Table, chapter: Chapter::Numbered(3), n: 1 }, "");
        assert!(t.contains("SEQ Table") && t.contains(">表 3-</w:t>") && t.contains(r#"w:id="1""#), "{t}");
        let a = caption(&mut b, "tab-y", &Label { kind: LabelKind::Table, chapter: Chapter::Appendix, n: 4 }, "");
        assert!(a.contains(r" SEQ AppendixTable \* ARABIC </w:instrText>") && a.contains(">附表 </w:t>") && a.contains(">4</w:t>"), "{a}");
    }

    #[test]
    fn a_reference_is_a_ref_field_to_the_caption_bookmark_showing_the_number() {
        let mut b = Bookmarks::default();
        let r = reference(&mut b, "fig-industry-scale", "图 1-2", RunFormat::PLAIN);
        assert!(r.contains(r#" REF _Ref_fig_industry_scale \h "#), "{r}");
        assert!(r.contains(">图 1-2</w:t>"), "{r}");
        // The caption placed later uses the same name.
        let p = caption(&mut b, "fig-industry-scale", &Label { kind: LabelKind::Figure, chapter: Chapter::Numbered(1), n: 2 }, "");
        assert!(p.contains(r#"w:name="_Ref_fig_industry_scale""#));
    }

    #[test]
    fn bookmark_names_are_word_names_and_unique() {
        let mut b = Bookmarks::default();
        let long = "fig-a-very-long-anchor-name-that-goes-on-and-on";
        let (first, second) = (b.name(long), b.name(&format!("{long}-2")));
        assert!(first.len() <= 40 && second.len() <= 40);
        assert_ne!(first, second);
        assert!(first.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'), "{first}");
        assert_eq!(b.name(long), first);
    }

    #[test]
    fn the_contents_is_one_toc_field_over_linked_lines() {
        let mut b = Bookmarks::default();
        let lines = [
            ContentsLine { level: 1, text: "一、总体现状".into(), anchor: "sec-4".into() },
            ContentsLine { level: 2, text: "（一）政策环境".into(), anchor: "sec-4-1".into() },
        ];
        let toc = contents(&mut b, r#"TOC \o "1-3" \h \z \u"#, &lines);
        assert_eq!(toc.matches(r#"w:fldCharType="begin""#).count(), 1, "{toc}");
        assert_eq!(toc.matches(r#"TOC \o &quot;1-3&quot;"#).count(), 1);
        assert!(toc.contains(r#"<w:pStyle w:val="TOC2"/>"#) && toc.contains(r#"w:anchor="_Ref_sec_4_1""#), "{toc}");
        assert!(toc.trim_end_matches("</w:p>").ends_with(r#"<w:r><w:fldChar w:fldCharType="end"/></w:r>"#), "{toc}");
        assert!(contents(&mut b, r#"TOC \h \z \c "Figure""#, &[]).contains("TOC"));
    }

    #[test]
    fn page_and_chapter_fields() {
        assert!(page_number().contains(r" PAGE \* ARABIC "));
        assert!(chapter_title("前言").contains(r#" STYLEREF &quot;heading 1&quot; "#));
    }
}

//! The Word writer on a small hand-built document: every part well-formed XML, the pieces
//! where Word looks for them, and the same bytes twice.

use std::collections::BTreeMap;
use std::path::Path;

use super::*;
use crate::document::*;

fn text(s: &str) -> Inline {
    Inline::Text(s.into())
}

fn spaced(block: Block) -> Spaced {
    Spaced { gap: "\n\n".into(), block }
}

fn heading(level: u8, anchor: Option<&str>, s: &str) -> Block {
    Block::Heading(Heading { level, number: None, anchor: anchor.map(Into::into), inlines: vec![text(s)] })
}

fn label(kind: LabelKind, n: usize) -> Label {
    Label { kind, chapter: Chapter::Numbered(1), n }
}

pub(crate) fn sample() -> Document {
    let figure = Figure {
        id: "scale".into(),
        anchor: "fig-scale".into(),
        label: label(LabelKind::Figure, 1),
        caption: "2023 年产业规模".into(),
        alt: "柱状图：2023 年产业规模".into(),
        source: Some(SourceNote { label: "数据来源".into(), text: "赛迪区块链研究院".into() }),
        notes: vec!["派生值".into()],
    };
    let table = Table {
        id: "policies".into(),
        anchor: "tab-policies".into(),
        label: label(LabelKind::Table, 1),
        caption: "政策一览表".into(),
        header: vec!["发布主体".into(), "时间".into()],
        rows: vec![vec!["国家能源局".into(), "2023.3".into()]],
        source: Some(SourceNote { label: "数据来源".into(), text: "整理".into() }),
        notes: vec![],
        csv: "data/tables/policies.csv".into(),
    };
    let number = NumberSpan {
        shown: "79".into(),
        kind: NumberKind::Primary,
        name: "policies_new".into(),
        year: 2023,
        edition: Some(2023),
        id: "policies_new".into(),
    };
    let reference = CrossRef { target: "scale".into(), anchor: "fig-scale".into(), label: label(LabelKind::Figure, 1) };
    let entries = vec![Entry { level: 1, anchor: "sec-2".into(), label: None, text: "一、总体现状".into() }];
    let blocks = vec![
        spaced(heading(1, None, "2023-2024 测试报告")),
        spaced(Block::Paragraph(vec![text("测试研究院"), Inline::HardBreak, text("二零二四年五月")])),
        spaced(heading(2, Some("sec-1"), "目录")),
        spaced(Block::Contents(Contents { kind: ContentsKind::Sections, entries })),
        spaced(Block::Heading(Heading {
            level: 2,
            number: Some(Chapter::Numbered(1)),
            anchor: Some("sec-2".into()),
            inlines: vec![text("一、总体现状")],
        })),
        spaced(Block::Paragraph(vec![
            text("2023 年新增 "),
            Inline::Number(number),
            text(" 项，见"),
            Inline::CrossRef(reference),
            text("。"),
            Inline::Strong(vec![text("要点")]),
            Inline::Link { url: "https://example.org/a?b&c".into(), inlines: vec![text("链接")] },
        ])),
        spaced(Block::Figure(figure)),
        spaced(Block::Table(table)),
        spaced(Block::List(List { start: Some(3), tight: true, items: vec![vec![spaced(Block::Paragraph(vec![text("第三项")]))]] })),
        spaced(Block::Styled { style: Style::Names, blocks: vec![spaced(Block::Paragraph(vec![text("清华大学")]))] }),
    ];
    let mut provenance = BTreeMap::new();
    provenance.insert("policies_new".to_string(), {
        let parts = crate::model::provenance::Told {
            label: "报告原文", detail: "（测试）：2023 年的数据".into(), ..Default::default()
        };
        Provenance { kind: NumberKind::Primary, label: parts.label, sentence: parts.sentence(), parts }
    });
    Document {
        edition: 2023,
        corrected: false,
        front: FrontMatter {
            title: "2023-2024 测试报告".into(),
            authors: vec!["测试研究院".into()],
            date: "二零二四年五月".into(),
            published: (2024, 5),
            language: "zh-CN",
        },
        blocks,
        provenance,
        end: "\n".into(),
    }
}

/// A 2× PNG header of 800×400 pixels (the writer reads only the header).
fn png() -> Vec<u8> {
    let mut b = b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR".to_vec();
    b.extend_from_slice(&800u32.to_be_bytes());
    b.extend_from_slice(&400u32.to_be_bytes());
    b
}

fn styles() -> Styles {
    Styles::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("templates").join(STYLES)).unwrap()
}

fn fonts() -> Fonts {
    Fonts::from_bytes(&[b"regular font bytes, at least thirty-two of them", b"bold font bytes, also thirty-two or more"])
}

fn write(doc: &Document, options: Options) -> Vec<u8> {
    let image = png();
    let images = |id: &str| (id == "scale").then_some(&image[..]);
    let (styles, fonts) = (styles(), fonts());
    let inputs = Inputs { styles: &styles, fonts: &fonts, images: &images, png_scale: 2.0, organisation: Some("测试研究院") };
    super::write(doc, &inputs, options).unwrap()
}

fn parts(bytes: &[u8]) -> BTreeMap<String, Vec<u8>> {
    zip::tests::read(bytes).into_iter().collect()
}

fn part(bytes: &[u8], name: &str) -> String {
    String::from_utf8(parts(bytes).remove(name).unwrap_or_else(|| panic!("no part {name}"))).unwrap()
}

#[test]
fn every_xml_part_is_well_formed_and_content_types_come_first() {
    let bytes = write(&sample(), Options::default());
    let all = zip::tests::read(&bytes);
    assert_eq!(all[0].0, "[Content_Types].xml");
    for (name, data) in &all {
        if name.ends_with(".xml") || name.ends_with(".rels") {
            let text = std::str::from_utf8(data).unwrap();
            if let Err(e) = roxmltree::Document::parse(text) {
                panic!("{name}: {e}");
            }
        }
    }
    let names: Vec<&str> = all.iter().map(|(n, _)| n.as_str()).collect();
    for wanted in [
        "word/document.xml",
        "word/styles.xml",
        "word/media/scale.png",
        "word/fonts/font1.odttf",
        "word/fonts/font2.odttf",
        "docProps/core.xml",
    ] {
        assert!(names.contains(&wanted), "{wanted} in {names:?}");
    }
    assert!(!names.contains(&"word/comments.xml"), "no comments by default");
}

#[test]
fn the_same_document_gives_the_same_bytes() {
    assert_eq!(write(&sample(), Options::default()), write(&sample(), Options::default()));
}

#[test]
fn the_body_has_captions_references_contents_picture_and_table() {
    let doc = part(&write(&sample(), Options::default()), "word/document.xml");
    // The cover is its own section; the report's section ends the body.
    assert!(doc.contains(r#"<w:pStyle w:val="Title"/>"#));
    // One section for the cover, one for 目录, one for the chapter.
    assert_eq!(doc.matches("<w:sectPr>").count(), 3);
    assert!(part(&write(&sample(), Options::default()), "word/header2.xml").contains(">一、总体现状</w:t>"));
    assert!(doc.trim_end_matches("</w:body></w:document>").ends_with("</w:sectPr>"));
    // 目录 heads the TOC and is not itself a chapter heading.
    assert!(doc.contains(r#"<w:pStyle w:val="TOCHeading"/>"#) && doc.contains(r#"TOC \o &quot;1-2&quot;"#));
    assert_eq!(doc.matches(r#"<w:pStyle w:val="Heading1"/>"#).count(), 1);
    // Captions with SEQ, and a REF to the figure's caption bookmark, filled in.
    assert!(doc.contains(" SEQ Figure ") && doc.contains(" SEQ Table "));
    assert!(doc.contains(r" REF _Ref_fig_scale \h ") && doc.contains(r#"w:name="_Ref_fig_scale""#));
    assert!(doc.contains(">图 1-1</w:t>"), "the reference's result");
    // The picture: unique id, alt text, half its pixels.
    assert!(doc.contains(r#"<wp:docPr id="1" name="scale.png" descr="柱状图：2023 年产业规模"/>"#));
    assert!(doc.contains(&format!(r#"<wp:extent cx="{}" cy="{}"/>"#, 400 * 9525, 200 * 9525)));
    // The table's header row repeats; the number is styled as one.
    assert!(doc.contains("<w:tblHeader/>"));
    assert!(doc.contains(r#"<w:rStyle w:val="ReportNumber"/>"#));
    assert!(doc.contains(r#"<w:pStyle w:val="Names"/>"#) && doc.contains(r#"<w:numId w:val="2"/>"#));
    let rels = part(&write(&sample(), Options::default()), "word/_rels/document.xml.rels");
    assert!(rels.contains(r#"Target="https://example.org/a?b&amp;c" TargetMode="External""#), "{rels}");
}

#[test]
fn provenance_comments_are_an_option() {
    let bytes = write(&sample(), Options { comments: true });
    let doc = part(&bytes, "word/document.xml");
    assert!(doc.contains(r#"<w:commentRangeStart w:id="0"/>"#) && doc.contains(r#"<w:commentReference w:id="0"/>"#));
    let comments = part(&bytes, "word/comments.xml");
    assert!(comments.contains("报告原文（测试）：2023 年的数据"));
    assert!(part(&bytes, "[Content_Types].xml").contains("/word/comments.xml"));
}

#[test]
fn properties_and_fonts() {
    let bytes = write(&sample(), Options::default());
    assert!(part(&bytes, "docProps/core.xml").contains("<dc:title>2023-2024 测试报告</dc:title>"));
    assert!(part(&bytes, "docProps/app.xml").contains("<Company>测试研究院</Company>"));
    let table = part(&bytes, "word/fontTable.xml");
    assert!(table.contains(r#"<w:font w:name="Noto Sans CJK SC">"#) && table.contains("<w:embedBold "), "{table}");
    let embedded = parts(&bytes).remove("word/fonts/font1.odttf").unwrap();
    let key = table.split(r#"w:fontKey=""#).nth(1).unwrap().split('"').next().unwrap();
    assert_eq!(font::obfuscate(&embedded, key), b"regular font bytes, at least thirty-two of them");
    // The styles name the bundled font for East Asian and Latin text, and zh-CN.
    let styles = part(&bytes, "word/styles.xml");
    assert!(styles.contains(r#"w:eastAsia="Noto Sans CJK SC""#) && styles.contains(r#"w:ascii="Noto Sans CJK SC""#));
    assert!(styles.contains(r#"<w:lang w:val="zh-CN" w:eastAsia="zh-CN""#));
}

#[test]
fn a_figure_without_its_png_is_an_error_naming_it() {
    let none = |_: &str| None;
    let (styles, fonts) = (styles(), fonts());
    let inputs = Inputs { styles: &styles, fonts: &fonts, images: &none, png_scale: 2.0, organisation: None };
    let err = super::write(&sample(), &inputs, Options::default()).unwrap_err().to_string();
    assert!(err.contains("scale"), "{err}");
}

/// Writes the sample with the real fonts to $DOCX_SAMPLE (for looking at it in a reader).
#[test]
fn sample_for_readers() {
    let Some(out) = std::env::var_os("DOCX_SAMPLE") else { return };
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let fonts = [root.join("assets/fonts/NotoSansSC-subset.otf"), root.join("assets/fonts/NotoSansSC-Bold-subset.otf")];
    let fonts = Fonts::load(&[&fonts[0], &fonts[1]]).unwrap();
    let image = std::fs::read(root.join("output/2023/charts/industry-scale.png")).unwrap();
    let images = |_: &str| Some(&image[..]);
    let styles = styles();
    let inputs = Inputs { styles: &styles, fonts: &fonts, images: &images, png_scale: 2.0, organisation: None };
    std::fs::write(out, super::write(&sample(), &inputs, Options { comments: true }).unwrap()).unwrap();
}

//! The print edition (output/report.pdf, typeset by Typst): written by `build`, its text
//! has every heading and caption, its outline every chapter, its page count is reviewed,
//! and a character the bundled font lacks, or a mistake in templates/report.typ, stops the
//! build with its place. (Byte-identical rebuilds: build_output.rs compares every file.)

mod common;
use common::*;

use blockchain_report::build::{Project, Session, Targets};

/// Typesets a project the way `build` does, keeping what the PDF says.
fn typeset(dir: &std::path::Path) -> (String, blockchain_report::pdf::Print) {
    let session = Session::open(Project::open(&dir.join("report.yaml")).unwrap()).unwrap();
    let prepared = session.prepare(Targets::default()).unwrap();
    let (files, job) = (prepared.files, prepared.print);
    let markdown = files.iter().find(|(p, _)| p.ends_with("report.md")).map(|(_, b)| String::from_utf8(b.clone()).unwrap()).unwrap();
    (markdown, job.expect("a PDF is asked for").run().unwrap())
}

/// Text without spaces and line breaks: a heading may wrap, a run may split.
fn squeeze(text: &str) -> String {
    text.chars().filter(|c| !c.is_whitespace()).collect()
}

/// The PDF's outline (bookmarks): the titles, as Typst writes them (UTF-16 hex strings).
fn outline_titles(pdf: &[u8]) -> Vec<String> {
    let text = String::from_utf8_lossy(pdf);
    let mut titles = Vec::new();
    for part in text.split("/Title<").skip(1) {
        let hex: String = part.chars().take_while(|c| c.is_ascii_hexdigit()).collect();
        let units: Vec<u16> =
            (0..hex.len() / 4).filter_map(|i| u16::from_str_radix(&hex[i * 4..i * 4 + 4], 16).ok()).skip_while(|u| *u == 0xFEFF).collect();
        titles.push(String::from_utf16_lossy(&units));
    }
    titles
}

#[test]
fn the_real_report_typesets_with_every_heading_caption_and_chapter() {
    let dir = real();
    let (markdown, print) = typeset(dir.path());
    assert!(print.pdf.starts_with(b"%PDF-"));
    assert_snapshot("real-pdf.txt", &format!("{} pages\n", print.pages));

    let text = squeeze(&print.text);
    let headings: Vec<&str> = markdown.lines().filter_map(|l| l.strip_prefix("## ").or_else(|| l.strip_prefix("### "))).collect();
    assert!(headings.len() > 50, "{} headings", headings.len());
    let captions: Vec<&str> = markdown
        .lines()
        .filter(|l| l.starts_with("**图 ") || l.starts_with("**表 ") || l.starts_with("**附表 "))
        .map(|l| l.trim_matches('*'))
        .collect();
    assert_eq!(captions.iter().filter(|c| c.starts_with("图 ")).count(), 39, "every figure's caption");
    for line in headings.iter().chain(&captions) {
        assert!(text.contains(&squeeze(line)), "the PDF does not print {line:?}");
    }
    // Reading order: the chapters come in the order of the Markdown, after the contents.
    let body = &text[text.find("（一）政策环境持续优化").unwrap()..];
    let mut at = 0;
    for h in headings.iter().filter(|h| h.contains('、') && !h.starts_with('（')) {
        let found = body[at..].find(&squeeze(h)).unwrap_or_else(|| panic!("{h} out of order"));
        at += found;
    }

    let outline = outline_titles(&print.pdf);
    for chapter in markdown.lines().filter_map(|l| l.strip_prefix("## ")) {
        assert!(outline.iter().any(|t| t == chapter), "the outline lacks {chapter:?}: {outline:?}");
    }
    // The notes of 图 1-6 print "(当年值 − 上年值)": U+2212 was once missing from the subset.
    assert!(markdown.contains('−') && print.text.contains('−'));
    let pdf = String::from_utf8_lossy(&print.pdf);
    assert!(pdf.contains("/Lang(zh-CN)"), "document language");
    assert!(!pdf.contains("/FontFile2") || pdf.contains("NotoSansCJKsc"), "only the bundled font is embedded");
}

#[test]
fn build_writes_the_pdf_and_to_chooses_the_outputs() {
    let dir = mini();
    build(dir.path()).unwrap();
    let pdf = std::fs::read(dir.path().join("output/2023/report.pdf")).unwrap();
    assert!(pdf.starts_with(b"%PDF-"));

    let project = Project::open(&dir.path().join("report.yaml")).unwrap();
    let targets: Targets = "md,html".parse().unwrap();
    blockchain_report::build::build(&project, blockchain_report::build::Options { targets, ..Default::default() }).unwrap();
    assert!(!dir.path().join("output/2023/report.pdf").exists(), "--to md,html writes no PDF");
    assert!(dir.path().join("output/2023/report.html").exists());
    assert_eq!("pdf".parse::<Targets>().unwrap(), Targets { md: false, html: false, pdf: true, docx: false });
    assert_eq!("docx".parse::<Targets>().unwrap(), Targets { md: false, html: false, pdf: false, docx: true });
    assert!("md,odt".parse::<Targets>().unwrap_err().contains("choose from md, html, pdf, docx"));
}

#[test]
fn a_character_the_font_lacks_fails_the_build_naming_the_place() {
    let dir = mini();
    // U+2A6A5 (CJK Extension B) is outside GB 2312 and not in the bundled subset.
    edit(dir.path(), "editions/2023/templates/chapters/01.md", "年测试规模约", "年测试𪚥规模约");
    let err = build_error(dir.path());
    assert!(err.contains("'𪚥' (U+2A6A5) in 一、测试 › （一）测试 is not in the bundled font"), "{err}");
    // The place is the wording's own file and line, not a line of an output.
    assert!(err.contains("editions/2023/templates/chapters/01.md:"), "the file of the wording: {err}");
    assert!(err.contains("年测试𪚥规模约"), "the line of the wording: {err}");
    assert!(err.contains("hint: replace it in templates/ or data/"), "{err}");
}

#[test]
fn a_mistake_in_the_print_template_names_its_line() {
    let dir = mini();
    edit(dir.path(), "templates/report.typ", "set par(justify: true,", "set par(justify: ture,");
    let err = build_error(dir.path());
    assert!(err.contains("templates/report.typ:"), "{err}");
    assert!(err.contains("ture"), "{err}");
}

#[test]
fn a_styled_block_is_the_print_templates_function_of_that_name() {
    let dir = mini();
    edit(
        dir.path(),
        "editions/2023/templates/chapters/01.md",
        "### （一）测试\n",
        "### （一）测试\n\n<div class=\"names\">\n\n甲单位\n\n乙单位\n\n丙单位\n\n</div>\n",
    );
    let (_, print) = typeset(dir.path());
    // Two to a row: the first two names on one line of the page's text.
    assert!(squeeze(&print.text).contains("甲单位乙单位丙单位"), "{}", print.text);
    build(dir.path()).unwrap();
    assert!(read(dir.path(), "output/2023/report.html").contains("<div class=\"names\">\n<p>甲单位</p>"), "the web page's class");

    // A class report.typ does not define fails the PDF with the generated line.
    edit(dir.path(), "editions/2023/templates/chapters/01.md", "<div class=\"names\">", "<div class=\"nmaes\">");
    let err = build_error(dir.path());
    assert!(err.contains("nmaes"), "{err}");
}

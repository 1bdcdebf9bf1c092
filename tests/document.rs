//! The document model, tested directly: the mini report's tree as a reviewed snapshot (a
//! change of structure shows here once, not in four formats), and partials that are edited
//! or malformed either give the same nodes or fail with the template's file and line.

mod common;
use common::*;

use blockchain_report::build::{Project, Session};
use blockchain_report::document::{Block, Document, Inline};

fn document(dir: &std::path::Path) -> Result<Document, blockchain_report::error::Error> {
    let session = Session::open(Project::open(&dir.join("report.yaml"))?)?;
    Ok(session.render_text(blockchain_report::build::Targets::default())?.document().clone())
}

#[test]
fn mini_document_tree_snapshot() {
    let dir = mini();
    let doc = document(dir.path()).unwrap();
    assert_snapshot("mini-document.json", &(serde_json::to_string_pretty(&doc).unwrap() + "\n"));
}

#[test]
fn references_numbers_and_placements_are_typed_nodes() {
    let dir = mini();
    let doc = document(dir.path()).unwrap();
    let labels: Vec<String> = doc.labels().values().map(|l| l.to_string()).collect();
    assert_eq!(labels, ["表 1-1", "图 1-1", "图 1-2"], "{labels:?}");
    let paragraph = doc
        .walk()
        .into_iter()
        .find_map(|b| match b {
            Block::Paragraph(i) if i.iter().any(|x| matches!(x, Inline::CrossRef(_))) => Some(i.clone()),
            _ => None,
        })
        .expect("the paragraph with references");
    let refs: Vec<String> =
        paragraph.iter().filter_map(|i| if let Inline::CrossRef(r) = i { Some(r.label.to_string()) } else { None }).collect();
    assert_eq!(refs, ["图 1-1", "表 1-1"]);
    let spans: Vec<&str> = paragraph.iter().filter_map(|i| if let Inline::Number(n) = i { Some(n.name.as_str()) } else { None }).collect();
    assert_eq!(spans, ["scale", "scale_yoy", "share_assets"]);
    for name in spans {
        let sentence = &doc.provenance[name].sentence;
        assert!(sentence.contains("2023 年数值"), "{name}: {sentence}");
    }
}

#[test]
fn an_edited_partial_that_still_prints_its_node_gives_the_same_tree() {
    let plain = mini();
    let edited = mini();
    edit(edited.path(), "templates/partials/figure.md", "{{ f.node }}", "{# the figure #}{{ f.node }}");
    let (a, b) = (document(plain.path()).unwrap(), document(edited.path()).unwrap());
    let json = |d: &Document| {
        serde_json::to_value(d.walk().into_iter().filter(|b| !matches!(b, Block::Paragraph(_))).collect::<Vec<_>>()).unwrap()
    };
    assert_eq!(json(&a), json(&b));
}

#[test]
fn a_partial_that_no_longer_prints_its_figure_is_an_error_at_the_placement() {
    let dir = mini();
    edit(dir.path(), "templates/partials/figure.md", "{{ f.node }}", "**{{ f.number }} {{ f.caption }}**");
    let e = document(dir.path()).expect_err("an error").to_string();
    assert!(e.contains("figure `scale` is placed here but nothing prints it"), "{e}");
    assert!(e.contains("chapters/01.md:10"), "{e}");
}

#[test]
fn a_figure_inside_a_sentence_is_an_error_with_its_line() {
    let dir = mini();
    edit(
        dir.path(),
        "editions/2023/templates/chapters/01.md",
        "{% set f = figure(id=\"shares\") %}",
        "见下图：{% set f = figure(id=\"shares\") %}",
    );
    let e = document(dir.path()).expect_err("an error").to_string();
    assert!(e.contains("`shares` is placed inside a paragraph"), "{e}");
    assert!(e.contains("chapters/01.md:12"), "{e}");
}

#[test]
fn raw_html_in_the_wording_is_an_error_not_a_silent_paragraph() {
    let dir = mini();
    edit(dir.path(), "editions/2023/templates/chapters/01.md", "### （一）测试", "### （一）测试\n\n<section>段落</section>");
    let e = document(dir.path()).expect_err("an error").to_string();
    assert!(e.contains("raw HTML"), "{e}");
    assert!(e.contains("chapters/01.md"), "{e}");
}

//! The Word edition of the real report, checked by real readers: LibreOffice converts it to
//! PDF (without error, with every caption, every chart and a CJK font), and python-docx
//! reads back the sentences, table cells and captions of the Markdown edition.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use blockchain_report::build::{self, Project};
use common::{outside_program, outside_python_module, real};

/// The real report built once for this file's tests (md and docx): its output directory.
fn built() -> &'static Path {
    static DIR: OnceLock<(tempfile::TempDir, PathBuf)> = OnceLock::new();
    &DIR.get_or_init(|| {
        let dir = real();
        let project = Project::open(&dir.path().join("report.yaml")).unwrap();
        let targets = "md,docx".parse().unwrap();
        build::build(&project, build::Options { targets, ..Default::default() }).unwrap();
        let out = project.output_dir();
        (dir, out)
    })
    .1
}

/// Every caption of the Markdown edition (`**图 1-1 …**`, `**表 1-1 …**`), as text.
fn captions(markdown: &str) -> Vec<String> {
    markdown
        .lines()
        .filter_map(|l| l.strip_prefix("**").and_then(|l| l.strip_suffix("**")))
        .filter(|l| l.starts_with("图 ") || l.starts_with("表 ") || l.starts_with("附表 ") || l.starts_with("附图 "))
        .map(str::to_string)
        .collect()
}

/// Text without any whitespace: readers differ in the spaces they put between runs.
fn squeeze(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}

#[test]
fn libreoffice_converts_the_word_edition_with_its_captions_charts_and_a_cjk_font() {
    let install = "apt-get install libreoffice-writer poppler-utils";
    let Some(soffice) = outside_program(&["soffice", "libreoffice"], "SOFFICE", install) else { return };
    let Some(pdffonts) = outside_program(&["pdffonts"], "PDFFONTS", install) else { return };
    let Some(pdftotext) = outside_program(&["pdftotext"], "PDFTOTEXT", install) else { return };
    let Some(pdfimages) = outside_program(&["pdfimages"], "PDFIMAGES", install) else { return };
    let out = built();
    let converted = tempfile::tempdir().unwrap();
    // A profile of its own: no first-start dialogs, no lock shared with a running LibreOffice.
    let profile = format!("-env:UserInstallation=file://{}", converted.path().join("profile").display());
    let status = Command::new(&soffice)
        .args([&profile, "--headless", "--convert-to", "pdf", "--outdir"])
        .arg(converted.path())
        .arg(out.join("report.docx"))
        .output()
        .unwrap();
    let pdf = converted.path().join("report.pdf");
    assert!(status.status.success() && pdf.is_file(), "LibreOffice failed: {}", String::from_utf8_lossy(&status.stderr));

    let fonts = String::from_utf8(Command::new(&pdffonts).arg(&pdf).output().unwrap().stdout).unwrap();
    assert!(fonts.contains("CJK") || fonts.contains("SourceHanSans"), "no CJK font in LibreOffice's rendering:\n{fonts}");

    let text = squeeze(&String::from_utf8(Command::new(&pdftotext).arg(&pdf).arg("-").output().unwrap().stdout).unwrap());
    let markdown = std::fs::read_to_string(out.join("report.md")).unwrap();
    let captions = captions(&markdown);
    assert!(captions.len() > 50, "the Markdown edition's captions: {}", captions.len());
    let missing: Vec<&String> = captions.iter().filter(|c| !text.contains(&squeeze(c))).collect();
    assert!(missing.is_empty(), "captions missing from LibreOffice's rendering: {missing:?}");

    let images = String::from_utf8(Command::new(&pdfimages).arg("-list").arg(&pdf).output().unwrap().stdout).unwrap();
    let charts = std::fs::read_dir(out.join("charts"))
        .unwrap()
        .filter(|e| e.as_ref().unwrap().path().extension().is_some_and(|x| x == "png"))
        .count();
    // pdfimages lists a header of two lines, then one line per image (and its soft mask).
    let drawn = images.lines().skip(2).filter(|l| l.split_whitespace().nth(2) == Some("image")).count();
    assert!(drawn >= charts, "{drawn} images in LibreOffice's rendering for {charts} charts:\n{images}");
}

/// The Markdown edition's sentences and table cells, as plain text: markup, anchors and
/// image lines dropped, split after 。！？； (a reader's paragraphs are compared whole).
fn markdown_sentences(markdown: &str) -> Vec<String> {
    let mut out = Vec::new();
    for line in markdown.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with("<a id=") || line.starts_with("<div") || line.starts_with("</div") || line.starts_with("![")
        {
            continue;
        }
        if line.starts_with('|') {
            if line.contains("---") {
                continue;
            }
            out.extend(line.trim_matches('|').split('|').map(|c| c.trim().to_string()).filter(|c| !c.is_empty()));
            continue;
        }
        // Headings' marks and list markers (the contents are lists of links in Markdown).
        let line = line.trim_start_matches('#').trim_start();
        let line = line.strip_prefix("- ").or_else(|| line.strip_prefix("* ")).unwrap_or(line);
        let line = match line.split_once(". ") {
            Some((n, rest)) if !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()) => rest,
            _ => line,
        };
        let mut text = line.replace("**", "").replace("<strong>", "").replace("</strong>", "");
        // [text](target) → text
        while let (Some(open), Some(mid)) = (text.find('['), text.find("](")) {
            let Some(close) = text[mid..].find(')').map(|c| mid + c) else { break };
            if open > mid {
                break;
            }
            text = format!("{}{}{}", &text[..open], &text[open + 1..mid], &text[close + 1..]);
        }
        let mut sentence = String::new();
        for c in text.chars() {
            sentence.push(c);
            if matches!(c, '。' | '！' | '？' | '；') {
                out.push(std::mem::take(&mut sentence));
            }
        }
        out.push(sentence);
    }
    out.into_iter().map(|s| s.trim().to_string()).filter(|s| !s.is_empty()).collect()
}

#[test]
fn python_docx_reads_back_the_sentences_table_cells_and_captions_of_the_markdown_edition() {
    let Some(python) = outside_python_module("docx", "pip install python-docx") else { return };
    let out = built();
    // Paragraphs of the body and of every table cell, one per line.
    let script = r#"
import sys, docx
d = docx.Document(sys.argv[1])
for p in d.paragraphs:
    print(p.text)
for t in d.tables:
    for row in t.rows:
        for cell in row.cells:
            print(cell.text)
print(d.core_properties.title)
"#;
    let read = Command::new(&python).args(["-c", script]).arg(out.join("report.docx")).output().unwrap();
    assert!(read.status.success(), "python-docx failed: {}", String::from_utf8_lossy(&read.stderr));
    let text = squeeze(&String::from_utf8(read.stdout).unwrap());
    let markdown = std::fs::read_to_string(out.join("report.md")).unwrap();
    let sentences = markdown_sentences(&markdown);
    assert!(sentences.len() > 1000, "{} sentences", sentences.len());
    let missing: Vec<&String> = sentences.iter().filter(|s| !text.contains(&squeeze(s))).collect();
    let found = 1.0 - missing.len() as f64 / sentences.len() as f64;
    assert!(found >= 0.99, "{:.2}% of {} found; missing e.g. {:?}", found * 100.0, sentences.len(), &missing[..missing.len().min(10)]);
    for caption in captions(&markdown) {
        assert!(text.contains(&squeeze(&caption)), "caption {caption} not read back");
    }
}

/// The Word styles of the mini report with one edit, and the build's error (or None).
fn mini_build_with_styles(from: &str, to: &str, options: build::Options) -> (tempfile::TempDir, Option<String>) {
    let dir = common::mini();
    common::edit(dir.path(), "templates/docx/styles.xml", from, to);
    let project = Project::open(&dir.path().join("report.yaml")).unwrap();
    let result = build::build(&project, options).err().map(|e| e.to_string());
    (dir, result)
}

#[test]
fn a_style_missing_from_the_styles_file_stops_the_build_naming_file_and_style() {
    let (_dir, err) = mini_build_with_styles(r#"w:styleId="Caption""#, r#"w:styleId="Kaption""#, Default::default());
    let err = err.expect("the build fails");
    assert!(err.contains("templates/docx/styles.xml"), "{err}");
    assert!(err.contains("paragraph style `Caption`"), "{err}");
    let (_dir, err) = mini_build_with_styles("</w:styles>", "</w:style>", Default::default());
    let err = err.expect("the build fails");
    assert!(err.contains("not well-formed XML") && err.contains("templates/docx/styles.xml:"), "{err}");
}

#[test]
fn provenance_comments_are_written_only_when_asked() {
    let docx_of = |dir: &Path| std::fs::read(dir.join("output/2023/report.docx")).unwrap();
    // The part's name is stored uncompressed in the zip's directory.
    let has_comments = |bytes: &[u8]| bytes.windows(17).any(|w| w == b"word/comments.xml");
    let (dir, err) = mini_build_with_styles("", "", Default::default());
    assert_eq!(err, None);
    assert!(!has_comments(&docx_of(dir.path())));
    let options = build::Options { docx: blockchain_report::write::docx::Options { comments: true }, ..Default::default() };
    let (dir, err) = mini_build_with_styles("", "", options);
    assert_eq!(err, None);
    assert!(has_comments(&docx_of(dir.path())));
}

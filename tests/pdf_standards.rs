//! The print edition declares PDF/UA-1 and PDF/A-2a (src/pdf.rs); an outside validator,
//! page-validation (`pip install page-validation`, Python module `page`), checks the
//! committed output/2023/report.pdf (which build_output.rs proves is what a fresh build writes)
//! and the mini report against both. Skips with one line when the module is missing,
//! except under CI.

mod common;
use common::*;

use std::path::Path;

/// The validator's findings, one per line: profile, rule, object number (or -), message.
const VALIDATE: &str = r#"
import sys, re, page
for name in ("PDF_UA_1", "PDF_A_2A"):
    report = page.validate_pdf(sys.argv[1], profile=getattr(page.ValidationProfile, name), limits=page.SafetyLimits.unlimited())
    for f in report.failures:
        m = re.search(r"\((\d+), \d+\)", str(f.object_id))
        print(name, f.rule_id, m.group(1) if m else "-", f.message, sep="\t")
"#;

struct Finding {
    profile: String,
    rule: String,
    object: Option<usize>,
    message: String,
}

fn findings(python: &Path, pdf: &Path) -> Vec<Finding> {
    let out = std::process::Command::new(python).args(["-c", VALIDATE]).arg(pdf).output().unwrap();
    assert!(out.status.success(), "page-validation failed on {}: {}", pdf.display(), String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|line| {
            let mut parts = line.splitn(4, '\t');
            let mut next = || parts.next().unwrap_or("").to_string();
            let (profile, rule, object, message) = (next(), next(), next(), next());
            Finding { profile, rule, object: object.parse().ok(), message }
        })
        .collect()
}

/// A stream whose data happens to end with a CR byte, written as data, LF, `endstream`
/// with the right /Length: page-validation 0.11 takes the CR LF for the end-of-line marker
/// and counts one byte less (PDFA2A-STREAM-LENGTH-001). Compressed data ends in any byte,
/// so about one stream in 256 looks like this; the file is right (see vendor/README.md).
fn is_data_ending_in_cr(pdf: &[u8], object: usize) -> bool {
    let head = format!("\n{object} 0 obj\n<<");
    let Some(start) = pdf.windows(head.len()).position(|w| w == head.as_bytes()) else { return false };
    let rest = &pdf[start + head.len()..];
    let Some(dict_end) = rest.windows(9).position(|w| w == b">>\nstream") else { return false };
    let dict = String::from_utf8_lossy(&rest[..dict_end]);
    let Some(length) = dict.split("/Length ").nth(1).and_then(|s| s.split(|c: char| !c.is_ascii_digit()).next()?.parse::<usize>().ok())
    else {
        return false;
    };
    let data = &rest[dict_end + b">>\nstream\n".len()..];
    length > 0 && data.len() > length + 10 && data[length - 1] == b'\r' && &data[length..length + 10] == b"\nendstream"
}

/// Every finding except the CR-before-endstream reading above (checked, not assumed).
fn real_failures(pdf: &Path, found: Vec<Finding>) -> Vec<String> {
    let bytes = std::fs::read(pdf).unwrap();
    found
        .into_iter()
        .filter(|f| !(f.rule == "PDFA2A-STREAM-LENGTH-001" && f.object.is_some_and(|o| is_data_ending_in_cr(&bytes, o))))
        .map(|f| format!("{} {}: {} (object {:?})", f.profile, f.rule, f.message, f.object))
        .collect()
}

fn python() -> Option<std::path::PathBuf> {
    outside_python_module("page", "pip install page-validation")
}

#[test]
fn the_committed_print_edition_passes_pdf_ua_1_and_pdf_a_2a() {
    let Some(python) = python() else { return };
    let pdf = repo().join("output/2023/report.pdf");
    let failures = real_failures(&pdf, findings(&python, &pdf));
    assert!(failures.is_empty(), "{} failures:\n{}", failures.len(), failures.join("\n"));
}

#[test]
fn the_mini_report_passes_pdf_ua_1_and_pdf_a_2a() {
    let Some(python) = python() else { return };
    let dir = mini();
    build(dir.path()).unwrap();
    let pdf = dir.path().join("output/2023/report.pdf");
    let failures = real_failures(&pdf, findings(&python, &pdf));
    assert!(failures.is_empty(), "{} failures:\n{}", failures.len(), failures.join("\n"));
}

/// The validator is not silent: a PDF that declares nothing fails both profiles.
#[test]
fn the_validator_reports_a_pdf_that_declares_nothing() {
    let Some(python) = python() else { return };
    let dir = tempfile::tempdir().unwrap();
    let pdf = dir.path().join("plain.pdf");
    std::fs::write(&pdf, plain_pdf()).unwrap();
    let found = findings(&python, &pdf);
    for profile in ["PDF_UA_1", "PDF_A_2A"] {
        assert!(found.iter().any(|f| f.profile == profile), "no {profile} finding on an undeclared PDF");
    }
}

/// The smallest valid PDF: one empty page, no metadata, no tags.
fn plain_pdf() -> Vec<u8> {
    let objects =
        ["<</Type/Catalog/Pages 2 0 R>>", "<</Type/Pages/Kids[3 0 R]/Count 1>>", "<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>"];
    let mut pdf = String::from("%PDF-1.7\n");
    let mut offsets = Vec::new();
    for (n, object) in objects.iter().enumerate() {
        offsets.push(pdf.len());
        pdf.push_str(&format!("{} 0 obj\n{object}\nendobj\n", n + 1));
    }
    let xref = pdf.len();
    pdf.push_str(&format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1));
    for offset in offsets {
        pdf.push_str(&format!("{offset:010} 00000 n \n"));
    }
    pdf.push_str(&format!("trailer\n<</Root 1 0 R/Size {}>>\nstartxref\n{xref}\n%%EOF\n", objects.len() + 1));
    pdf.into_bytes()
}

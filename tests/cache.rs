//! The cache (.cache/ beside report.yaml) of rasterised charts and of the typeset PDF: each
//! kind of input change redoes exactly the charts it affects, and the PDF when its source
//! changes; a deleted or corrupted entry is rebuilt; a build without the cache writes the
//! same bytes. Above them, the build record (.cache/builds/) answers a build with nothing
//! changed without running the pipeline, and never when an input or an output changed.

mod common;
use common::*;

use std::path::{Path, PathBuf};

use blockchain_report::build::{self, Options, Project};

/// Builds and returns the ids of the charts rasterised (not taken from the cache), sorted.
fn rasterised(dir: &Path) -> Vec<String> {
    let mut ids = build(dir).unwrap().rasterised;
    ids.sort();
    ids
}

/// Forgets the last build, so the next one runs the pipeline over the chart cache.
fn forget_the_last_build(dir: &Path) {
    std::fs::remove_dir_all(dir.join(".cache/builds")).unwrap();
}

fn entries(dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir.join(".cache/chart-png")).unwrap().map(|e| e.unwrap().path()).collect();
    out.sort();
    out
}

fn png(dir: &Path, id: &str) -> Vec<u8> {
    std::fs::read(dir.join(format!("output/2023/charts/{id}.png"))).unwrap()
}

const ALL: [&str; 2] = ["scale", "shares"];

#[test]
fn a_rebuild_with_nothing_changed_rasterises_nothing() {
    let dir = mini();
    assert_eq!(rasterised(dir.path()), ALL);
    assert_eq!(entries(dir.path()).len(), 2);
    assert_eq!(rasterised(dir.path()), Vec::<String>::new());
}

#[test]
fn a_data_change_rasterises_only_the_chart_that_draws_it() {
    let dir = mini();
    rasterised(dir.path());
    let shares = png(dir.path(), "shares");
    edit(dir.path(), "data/stated/ch1.csv", "scale,2023,60,", "scale,2023,62,");
    assert_eq!(rasterised(dir.path()), ["scale"]);
    assert_eq!(png(dir.path(), "shares"), shares, "the cached chart is the same image");
}

#[test]
fn a_template_change_rasterises_no_chart() {
    let dir = mini();
    rasterised(dir.path());
    edit(dir.path(), "editions/2023/templates/chapters/01.md", "### （一）测试", "### （一）改过的标题");
    assert_eq!(rasterised(dir.path()), Vec::<String>::new());
    assert!(read(dir.path(), "output/2023/report.md").contains("改过的标题"));
}

#[test]
fn a_scale_change_rasterises_every_chart() {
    let dir = mini();
    rasterised(dir.path());
    std::fs::write(dir.path().join("report.yaml"), "settings:\n  png_scale: 1\n").unwrap();
    assert_eq!(rasterised(dir.path()), ALL);
    let png = png(dir.path(), "scale");
    assert_eq!(u32::from_be_bytes(png[16..20].try_into().unwrap()), blockchain_report::charts::WIDTH, "1× the SVG's width");
}

#[test]
fn a_font_change_rasterises_every_chart() {
    let dir = mini();
    assert_eq!(rasterised(dir.path()), ALL);
    assert_eq!(rasterised(dir.path()), Vec::<String>::new());
    // Other bytes in the font file (a trailing byte no table points at) are another font
    // as far as the cache knows.
    let font = dir.path().join("assets").join(build::FONT);
    let mut bytes = std::fs::read(&font).unwrap();
    bytes.push(0);
    std::fs::write(&font, bytes).unwrap();
    assert_eq!(rasterised(dir.path()), ALL);
}

#[test]
fn a_deleted_entry_is_rebuilt() {
    let dir = mini();
    rasterised(dir.path());
    let before = png(dir.path(), "scale");
    for entry in entries(dir.path()) {
        std::fs::remove_file(entry).unwrap();
    }
    forget_the_last_build(dir.path());
    assert_eq!(rasterised(dir.path()), ALL);
    assert_eq!(png(dir.path(), "scale"), before);
    std::fs::remove_dir_all(dir.path().join(".cache")).unwrap();
    assert_eq!(rasterised(dir.path()), ALL, "the whole cache is safe to delete");
}

#[test]
fn a_corrupted_entry_is_never_served_and_is_rebuilt() {
    let dir = mini();
    rasterised(dir.path());
    let good: Vec<Vec<u8>> = ALL.iter().map(|id| png(dir.path(), id)).collect();
    let entries = entries(dir.path());
    // One entry with a flipped byte in its image, one cut short.
    let mut flipped = std::fs::read(&entries[0]).unwrap();
    let last = flipped.len() - 10;
    flipped[last] ^= 0xff;
    std::fs::write(&entries[0], flipped).unwrap();
    let cut = std::fs::read(&entries[1]).unwrap();
    std::fs::write(&entries[1], &cut[..cut.len() / 2]).unwrap();
    forget_the_last_build(dir.path());
    assert_eq!(rasterised(dir.path()), ALL);
    assert_eq!(ALL.iter().map(|id| png(dir.path(), id)).collect::<Vec<_>>(), good, "the images are rebuilt, not served corrupted");
    forget_the_last_build(dir.path());
    assert_eq!(rasterised(dir.path()), Vec::<String>::new(), "and stored again");
}

#[test]
fn no_cache_writes_the_same_bytes_and_leaves_no_cache() {
    let cached = mini();
    rasterised(cached.path());
    rasterised(cached.path());
    let fresh = mini();
    let project = Project::open(&fresh.path().join("report.yaml")).unwrap();
    let summary = build::build(&project, Options { no_cache: true, ..Default::default() }).unwrap();
    assert_eq!(summary.rasterised.len(), 2);
    assert!(!fresh.path().join(".cache").exists(), "--no-cache writes no cache");
    for rel in ["charts/scale.png", "charts/shares.png", "charts/scale.svg", "report.md", "report.html", "figures.json", "report.pdf"] {
        let a = std::fs::read(cached.path().join("output/2023").join(rel)).unwrap();
        let b = std::fs::read(fresh.path().join("output/2023").join(rel)).unwrap();
        assert!(a == b, "{rel} differs between a cached and an uncached build");
    }
}

#[test]
fn the_cli_takes_no_cache() {
    let dir = mini();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_blockchain-report"))
        .args(["build", "--to", "md,html", "--no-cache", "--config"])
        .arg(dir.path().join("report.yaml"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("2 figures (0 from the cache)"));
    assert!(!dir.path().join(".cache").exists());
}

/// Builds and says whether report.pdf came from the cache.
fn pdf_from_cache(dir: &Path) -> bool {
    build(dir).unwrap().pdf_from_cache
}

#[test]
fn the_pdf_is_typeset_again_exactly_when_its_source_changes() {
    let dir = mini();
    assert!(!pdf_from_cache(dir.path()), "a first build typesets");
    let first = std::fs::read(dir.path().join("output/2023/report.pdf")).unwrap();
    assert!(pdf_from_cache(dir.path()), "nothing changed");
    assert_eq!(std::fs::read(dir.path().join("output/2023/report.pdf")).unwrap(), first);
    edit(dir.path(), "editions/2023/templates/chapters/01.md", "### （一）测试", "### （一）改过的标题");
    assert!(!pdf_from_cache(dir.path()), "a chapter's text");
    edit(dir.path(), "templates/report.typ", "margin: (x: 2.5cm", "margin: (x: 2.4cm");
    assert!(!pdf_from_cache(dir.path()), "the page design");
    edit(dir.path(), "data/stated/ch1.csv", "scale,2023,60,", "scale,2023,62,");
    assert!(!pdf_from_cache(dir.path()), "a number in the text and a chart");
    std::fs::write(dir.path().join("report.yaml"), "settings:\n  png_scale: 1\n").unwrap();
    assert!(pdf_from_cache(dir.path()), "the PNGs' scale is not in the PDF");
    edit(dir.path(), "templates/page.html", "<main", "<main data-edited");
    assert!(pdf_from_cache(dir.path()), "the HTML page is not in the PDF");
}

#[test]
fn a_corrupted_pdf_entry_is_typeset_again() {
    let dir = mini();
    pdf_from_cache(dir.path());
    let good = std::fs::read(dir.path().join("output/2023/report.pdf")).unwrap();
    let entry = std::fs::read_dir(dir.path().join(".cache/report-pdf")).unwrap().next().unwrap().unwrap().path();
    let mut bytes = std::fs::read(&entry).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0xff;
    std::fs::write(&entry, bytes).unwrap();
    forget_the_last_build(dir.path());
    assert!(!pdf_from_cache(dir.path()), "a corrupted entry is not served");
    assert_eq!(std::fs::read(dir.path().join("output/2023/report.pdf")).unwrap(), good);
    forget_the_last_build(dir.path());
    assert!(pdf_from_cache(dir.path()), "and is stored again");
}

#[test]
fn a_build_with_nothing_changed_is_answered_from_the_record() {
    let dir = mini();
    assert!(!build(dir.path()).unwrap().unchanged);
    let report = read(dir.path(), "output/2023/report.md");
    let again = build(dir.path()).unwrap();
    assert!(again.unchanged && again.rasterised.is_empty(), "nothing to do");
    assert_eq!(read(dir.path(), "output/2023/report.md"), report);
    assert!(again.files > 0 && again.numbers.primary > 0, "the summary is the last build's");
}

/// The racy timestamp: a data file rewritten at once with the same size, its modification
/// time set back to what it was, is still seen as changed.
#[test]
fn a_rewrite_with_the_same_size_and_time_is_still_seen() {
    let dir = mini();
    build(dir.path()).unwrap();
    let stated = dir.path().join("data/stated/ch1.csv");
    let text = std::fs::read_to_string(&stated).unwrap();
    let modified = std::fs::metadata(&stated).unwrap().modified().unwrap();
    assert!(text.contains(",60,"), "the mini's scale is 60");
    std::fs::write(&stated, text.replacen(",60,", ",61,", 1)).unwrap();
    std::fs::File::options().write(true).open(&stated).unwrap().set_modified(modified).unwrap();
    assert_eq!(std::fs::metadata(&stated).unwrap().len() as usize, text.len(), "same size");
    let summary = build(dir.path()).unwrap();
    assert!(!summary.unchanged, "the rewrite is seen");
    assert!(read(dir.path(), "output/2023/report.md").contains("61"), "and built");
}

#[test]
fn an_output_edited_by_hand_is_written_again() {
    let dir = mini();
    build(dir.path()).unwrap();
    let report = read(dir.path(), "output/2023/report.md");
    std::fs::write(dir.path().join("output/2023/report.md"), "edited by hand\n").unwrap();
    assert!(!build(dir.path()).unwrap().unchanged, "an output that is not as written is no shortcut");
    assert_eq!(read(dir.path(), "output/2023/report.md"), report);
}

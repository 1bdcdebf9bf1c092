//! The real series with its made-up 2024 edition (TEST DATA, tests/series/2024/README.md).

use std::path::Path;

use super::{copy_dir, real, repo};

/// A scratch copy of the real series with the test 2024 edition added: its edition
/// directory, its rows appended to data/ and its registers' 2024 collections.
pub fn real_with_2024() -> tempfile::TempDir {
    let dir = real();
    add_2024(dir.path());
    dir
}

/// Adds tests/series/2024 to a copy of the series at `project`.
pub fn add_2024(project: &Path) {
    let series = repo().join("tests/series/2024");
    copy_dir(&series.join("edition"), &project.join("editions/2024"));
    for rel in files(&series.join("rows")) {
        append_rows(&project.join(&rel), &series.join("rows").join(&rel));
    }
    // Each line `id: {edition: 2024}` adds that collection to the register's YAML.
    let collected = std::fs::read_to_string(series.join("collected.yaml")).unwrap();
    for (id, entry) in collected.lines().filter(|l| !l.starts_with('#') && !l.trim().is_empty()).filter_map(|l| l.split_once(": ")) {
        let yaml = project.join("data/tables").join(format!("{id}.yaml"));
        let text = std::fs::read_to_string(&yaml).unwrap();
        let last = text.trim_end().lines().last().unwrap_or_default();
        assert!(text.contains("\ncollected:") && last.trim_start().starts_with("- {"), "{id}.yaml must end with its collected list");
        std::fs::write(&yaml, format!("{}\n  - {entry}\n", text.trim_end())).unwrap();
    }
}

/// Appends the rows of `extra` to the CSV `target`, matching columns by name; `target`
/// gets an `edition` column (empty for its own rows) if `extra` has one and it does not.
pub fn append_rows(target: &Path, extra: &Path) {
    let read = |p: &Path| {
        let mut r = csv::Reader::from_path(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
        let header: Vec<String> = r.headers().unwrap().iter().map(String::from).collect();
        let rows: Vec<Vec<String>> = r.records().map(|row| row.unwrap().iter().map(String::from).collect()).collect();
        (header, rows)
    };
    let (mut header, mut rows) = read(target);
    let (extra_header, extra_rows) = read(extra);
    for name in &extra_header {
        if !header.contains(name) {
            assert_eq!(name, "edition", "{}: column {name} is not in {}", extra.display(), target.display());
            header.push(name.clone());
            rows.iter_mut().for_each(|r| r.push(String::new()));
        }
    }
    for row in extra_rows {
        rows.push(header.iter().map(|h| extra_header.iter().position(|e| e == h).map(|i| row[i].clone()).unwrap_or_default()).collect());
    }
    let mut w = csv::WriterBuilder::new().terminator(csv::Terminator::Any(b'\n')).from_path(target).unwrap();
    w.write_record(&header).unwrap();
    rows.iter().for_each(|r| w.write_record(r).unwrap());
    w.flush().unwrap();
}

/// The files under `dir`, relative to it.
fn files(dir: &Path) -> Vec<std::path::PathBuf> {
    super::tree(dir).into_keys().filter(|p| !p.to_string_lossy().ends_with('/')).collect()
}

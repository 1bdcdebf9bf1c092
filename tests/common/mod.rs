//! Shared helpers: copy a report project into a scratch directory and build it there.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use blockchain_report::build::{self, Project};
use blockchain_report::error::Error;

pub mod series;

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn copy_dir(from: &Path, to: &Path) {
    blockchain_report::diff::copy_dir(from, to).unwrap();
}

/// A scratch copy of the small fixture report.
pub fn mini() -> tempfile::TempDir {
    fixture("mini")
}

/// A scratch copy of `tests/fixtures/NAME` with the repository's font and stylesheet in its
/// `assets/` and the repository's page designs (`templates/page.html`, `report.typ`) in its
/// `templates/`: a fixture has its own chapters and data, and the real editions' designs
/// (a project reads only inside itself, so they are copied in).
pub fn fixture(name: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&repo().join("tests/fixtures").join(name), dir.path());
    add_designs(dir.path());
    dir
}

/// Copies the repository's assets and page designs into a fixture project.
pub fn add_designs(project: &Path) {
    copy_dir(&repo().join("assets"), &project.join("assets"));
    for design in DESIGNS {
        let to = project.join("templates").join(design);
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        std::fs::copy(repo().join("templates").join(design), to).unwrap();
    }
}

/// The page designs every fixture takes from the repository (the Word edition's styles too).
pub const DESIGNS: [&str; 3] = ["page.html", "report.typ", "docx/styles.xml"];

/// A scratch copy of the real series: report.yaml, data/, templates/, editions/ and assets/.
pub fn real() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&repo().join("data"), &dir.path().join("data"));
    copy_dir(&repo().join("templates"), &dir.path().join("templates"));
    copy_dir(&repo().join("assets"), &dir.path().join("assets"));
    copy_dir(&repo().join("editions"), &dir.path().join("editions"));
    std::fs::copy(repo().join("report.yaml"), dir.path().join("report.yaml")).unwrap();
    dir
}

/// An outside program a test needs: its path on PATH (or in `$ENV_VAR`), or `None` after
/// printing one line that names it and how to install it. Under CI (`CI` set) a missing
/// program fails the test instead: CI installs what the tests need (`.ci/run`).
pub fn outside_program(names: &[&str], env_var: &str, install: &str) -> Option<PathBuf> {
    if let Some(path) = std::env::var_os(env_var) {
        return Some(PathBuf::from(path));
    }
    let search = std::env::var_os("PATH").unwrap_or_default();
    let found = names.iter().find_map(|name| std::env::split_paths(&search).map(|dir| dir.join(name)).find(|p| p.is_file()));
    if found.is_none() {
        let message = format!("needs {} (not on PATH, nor ${env_var}): install it with `{install}`", names[0]);
        assert!(std::env::var_os("CI").is_none(), "{message}; CI must have it (.ci/run installs it)");
        // Straight to stderr: libtest captures `println!`, and the line is for the person
        // running `cargo test`.
        use std::io::Write;
        let _ = writeln!(std::io::stderr(), "skipped: {message}");
    }
    found
}

/// Every file under `dir` (symlinks as their target path) with its bytes.
pub fn tree(dir: &Path) -> std::collections::BTreeMap<PathBuf, Vec<u8>> {
    fn walk(root: &Path, dir: &Path, out: &mut std::collections::BTreeMap<PathBuf, Vec<u8>>) {
        for entry in std::fs::read_dir(dir).unwrap().flatten() {
            let path = entry.path();
            let rel = path.strip_prefix(root).unwrap().to_path_buf();
            let meta = std::fs::symlink_metadata(&path).unwrap();
            if meta.file_type().is_symlink() {
                out.insert(rel, std::fs::read_link(&path).unwrap().to_string_lossy().as_bytes().to_vec());
            } else if meta.is_dir() {
                out.insert(rel.join(""), Vec::new());
                walk(root, &path, out);
            } else {
                out.insert(rel, std::fs::read(&path).unwrap());
            }
        }
    }
    let mut out = std::collections::BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

/// A Python interpreter that can import `module`, or `None` after printing one line that
/// names the module and how to install it (failing under CI, as [`outside_program`]).
pub fn outside_python_module(module: &str, install: &str) -> Option<PathBuf> {
    let python = outside_program(&["python3", "python"], "PYTHON", "apt-get install python3")?;
    let imports = std::process::Command::new(&python)
        .args(["-c", &format!("import {module}")])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !imports {
        let message = format!("needs the Python module `{module}` ({} cannot import it): install it with `{install}`", python.display());
        assert!(std::env::var_os("CI").is_none(), "{message}; CI must have it (.ci/run installs it)");
        use std::io::Write;
        let _ = writeln!(std::io::stderr(), "skipped: {message}");
        return None;
    }
    Some(python)
}

pub fn build(dir: &Path) -> Result<build::Summary, Error> {
    let project = Project::open(&dir.join("report.yaml"))?;
    build::build(&project, Default::default())
}

pub fn read(dir: &Path, rel: &str) -> String {
    std::fs::read_to_string(dir.join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

/// Replaces the first occurrence of `from` in a file, failing if it is not there.
pub fn edit(dir: &Path, rel: &str, from: &str, to: &str) {
    let path = dir.join(rel);
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains(from), "{rel} does not contain {from:?}");
    std::fs::write(&path, text.replacen(from, to, 1)).unwrap();
}

/// The error a build gives, as the CLI prints it.
pub fn build_error(dir: &Path) -> String {
    match build(dir) {
        Ok(_) => panic!("the build should have failed"),
        Err(e) => e.to_string(),
    }
}

/// Compares with a reviewed snapshot under tests/snapshots; UPDATE_SNAPSHOTS=1 rewrites it.
pub fn assert_snapshot(name: &str, actual: &str) {
    let path = repo().join("tests/snapshots").join(name);
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some() {
        std::fs::write(&path, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_default();
    if expected != actual {
        let diff: Vec<String> = expected
            .lines()
            .zip(actual.lines())
            .enumerate()
            .filter(|(_, (e, a))| e != a)
            .take(5)
            .map(|(i, (e, a))| format!("line {}:\n  - {e}\n  + {a}", i + 1))
            .collect();
        panic!(
            "snapshot {name} differs ({} vs {} lines); review and run with UPDATE_SNAPSHOTS=1 to accept\n{}",
            expected.lines().count(),
            actual.lines().count(),
            diff.join("\n")
        );
    }
}

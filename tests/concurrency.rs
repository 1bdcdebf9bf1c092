//! Builds that run at the same time in one checkout (six `build`s, or `build` while `serve`
//! rebuilds) leave one complete build in output/, and no scratch directories behind; a
//! scratch directory left by a killed build is cleaned up, anything else beside output/ is
//! left alone.

mod common;
use common::*;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

fn files(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<PathBuf, Vec<u8>>) {
        for entry in std::fs::read_dir(dir).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(root, &path, out);
            } else {
                out.insert(path.strip_prefix(root).unwrap().to_path_buf(), std::fs::read(&path).unwrap());
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

/// Names beside output/2023/ that a build may leave: only its lock file.
fn leftovers(project: &Path) -> Vec<String> {
    std::fs::read_dir(project.join("output"))
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().to_string())
        .filter(|n| n.starts_with(".2023") && n != ".2023.lock")
        .collect()
}

#[test]
fn six_simultaneous_builds_leave_one_complete_output() {
    let dir = mini();
    build(dir.path()).unwrap();
    let complete = files(&dir.path().join("output/2023"));
    assert!(complete.contains_key(Path::new(blockchain_report::paths::MARKER)), "every output carries the marker");

    let children: Vec<_> = (0..6)
        .map(|_| {
            Command::new(env!("CARGO_BIN_EXE_blockchain-report"))
                .arg("--config")
                .arg(dir.path().join("report.yaml"))
                .arg("build")
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for child in children {
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success(), "a concurrent build failed: {}", String::from_utf8_lossy(&out.stderr));
    }
    assert!(files(&dir.path().join("output/2023")) == complete, "output/2023/ is not exactly one complete build");
    assert_eq!(leftovers(dir.path()), Vec::<String>::new(), "scratch directories were left behind");
}

#[test]
fn threads_writing_one_output_at_once_leave_one_complete_output() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("output/2023");
    let writers: Vec<_> = (0..6u8)
        .map(|i| {
            let out = out.clone();
            std::thread::spawn(move || {
                // Each writer's build differs, so a mix of two would show.
                let files: Vec<(PathBuf, Vec<u8>)> =
                    (0..50).map(|f| (PathBuf::from(format!("d{}/f{f}.txt", f % 5)), vec![i; 1000])).collect();
                blockchain_report::build::write_atomically(&out, &files).unwrap();
            })
        })
        .collect();
    for w in writers {
        w.join().unwrap();
    }
    let written = files(&out);
    assert_eq!(written.len(), 51, "50 files and the marker");
    let first = written[Path::new("d0/f0.txt")][0];
    assert!(written.iter().filter(|(p, _)| p.starts_with("d")).all(|(_, b)| b.iter().all(|x| *x == first)), "files of two builds mixed");
    assert_eq!(leftovers(dir.path()), Vec::<String>::new());
}

#[test]
fn a_killed_builds_scratch_is_removed_and_nothing_else_is() {
    let dir = mini();
    let stale = dir.path().join("output/.2023.new-999999-0");
    std::fs::create_dir_all(stale.join("charts")).unwrap();
    std::fs::write(stale.join(blockchain_report::paths::MARKER), "").unwrap();
    let users = dir.path().join("output/.2023.new-mine");
    std::fs::create_dir_all(&users).unwrap();
    std::fs::write(users.join("notes.txt"), "not the build's").unwrap();
    build(dir.path()).unwrap();
    assert!(!stale.exists(), "a marked scratch directory of a killed build is removed");
    assert_eq!(read(&users, "notes.txt"), "not the build's", "a directory the build did not create is left alone");
}

#[test]
fn an_output_the_build_did_not_create_is_never_replaced() {
    let dir = mini();
    std::fs::create_dir_all(dir.path().join("output/2023")).unwrap();
    std::fs::write(dir.path().join("output/2023/mine.txt"), "mine").unwrap();
    let err = build_error(dir.path());
    assert!(err.contains("is not a previous build's output") && err.contains(".blockchain-report-output"), "{err}");
    assert_eq!(read(dir.path(), "output/2023/mine.txt"), "mine");
}

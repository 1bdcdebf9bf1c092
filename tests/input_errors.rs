//! A failed build leaves the previous output as it was, byte for byte, and leaves no scratch
//! directory behind. (What each bad input says is the corpus of tests/invalid/.)

mod common;
use common::*;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The entries of `output/` beside the edition's directory: a build's scratch and retired
/// directories are `.2023.new-<pid>-<n>` and `.2023.old-<pid>-<n>` (src/paths.rs); the lock
/// is the file `.2023.lock`, which stays (its flock is what is released).
fn output_entries(project: &Path) -> BTreeSet<String> {
    std::fs::read_dir(project.join("output")).unwrap().flatten().map(|e| e.file_name().to_string_lossy().into_owned()).collect()
}

fn assert_only_the_output_and_its_lock(project: &Path) {
    let entries = output_entries(project);
    let expected: BTreeSet<String> = ["2023", ".2023.lock"].map(String::from).into();
    assert_eq!(entries, expected, "output/ holds something besides the edition's output and its lock (a scratch directory left?)");
}

/// After a failed build: `output/` byte for byte as `before`, and no scratch directory.
fn assert_output_as_before(project: &Path, before: &BTreeMap<PathBuf, Vec<u8>>) {
    assert_only_the_output_and_its_lock(project);
    assert!(tree(&project.join("output")) == *before, "the failed build changed output/");
}

#[test]
fn failed_build_leaves_previous_output_intact() {
    let dir = mini();
    build(dir.path()).unwrap();
    assert_only_the_output_and_its_lock(dir.path());
    let before = tree(&dir.path().join("output"));
    assert!(before.contains_key(Path::new("2023/report.md")), "the first build wrote no report.md");
    edit(dir.path(), "data/tables/policies.csv", "2023-11", "2023-13");
    let err = build_error(dir.path());
    assert!(err.contains("not a valid month"), "{err}");
    assert_output_as_before(dir.path(), &before);
}

/// The web files and the Word edition are staged in the scratch directory while the PDF is
/// typeset: a PDF that then fails removes them and leaves the previous output as it was.
#[test]
fn failed_typesetting_after_the_other_files_were_staged_leaves_previous_output_intact() {
    let dir = mini();
    build(dir.path()).unwrap();
    let before = tree(&dir.path().join("output"));
    edit(dir.path(), "editions/2023/templates/chapters/01.md", "年测试规模约", "年测试规模大约");
    edit(dir.path(), "templates/report.typ", "set par(justify: true,", "set par(justify: ture,");
    let err = build_error(dir.path());
    assert!(err.contains("templates/report.typ:"), "{err}");
    assert_output_as_before(dir.path(), &before);
}

/// A build whose writes fail half-way through the scratch directory (a file-size limit,
/// which stops root too): one error naming the file, the scratch directory removed, the
/// previous output byte for byte as it was.
#[test]
fn build_whose_writes_fail_leaves_previous_output_intact_and_no_scratch() {
    use std::os::unix::process::CommandExt;
    let dir = mini();
    build(dir.path()).unwrap();
    let before = tree(&dir.path().join("output"));
    // A different text: every edition's files differ from the previous output's, so the
    // build writes them (unchanged files are hard-linked, which writes nothing).
    edit(dir.path(), "editions/2023/templates/chapters/01.md", "年测试规模约", "年测试规模大约");
    let limit = 16 * 1024;
    assert!(before.values().any(|bytes| bytes.len() > 4 * limit), "no output file is larger than the limit: the test tests nothing");
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_blockchain-report"));
    command.arg("--config").arg(dir.path().join("report.yaml")).args(["build", "--no-cache"]).current_dir(dir.path());
    // SAFETY: only async-signal-safe calls between fork and exec.
    unsafe {
        command.pre_exec(move || {
            // Writing past the limit fails with EFBIG instead of killing the process by SIGXFSZ.
            libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
            let rlimit = libc::rlimit { rlim_cur: limit as libc::rlim_t, rlim_max: limit as libc::rlim_t };
            if libc::setrlimit(libc::RLIMIT_FSIZE, &rlimit) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let out = command.output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "the build should fail with one error:\n{stderr}");
    assert_eq!(stderr.lines().filter(|l| l.starts_with("error:")).count(), 1, "{stderr}");
    assert!(stderr.contains(".2023.new-"), "the error names the file it could not write:\n{stderr}");
    assert_eq!(stderr.matches("File too large").count(), 1, "the reason once:\n{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_output_as_before(dir.path(), &before);
}

//! The invalid-input corpus, in the style of Zola's `test_sites_invalid`: every folder under
//! `tests/invalid/<case>/` is one case, so adding a case is adding a folder. `case.yaml` says
//! which fixture to start from (`tests/fixtures/mini` unless `base` says otherwise), how to
//! break it and what to run; `expected.txt` is the reviewed message, with the case's
//! directory shown as `$PROJECT` (and the directory beside it as `$OUTSIDE`).
//!
//! For every case the harness checks that the command ends within the time limit, does not
//! panic, prints ONE error with a location (`-->`) and a hint, and leaves the project
//! (previous `output/` included) byte for byte as it was. Cases with `expect: ok` are inputs
//! a user expects to be read as they are (a BOM, CRLF line ends): they must build.
//! Each case is its own test, named by its folder (`cargo test --test invalid -- csv-bom`
//! runs the cases whose name contains `csv-bom`). After reviewing a change, accept it with
//! `UPDATE_SNAPSHOTS=1 cargo test --test invalid`.

mod common;
use common::*;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use serde::Deserialize;

/// No case may take longer than this: a hang is a failure, not a stuck test run.
const TIME_LIMIT: Duration = Duration::from_secs(120);

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    /// What the case is about, for people.
    #[allow(dead_code)]
    about: String,
    #[serde(default = "mini_name")]
    base: String,
    /// Arguments after `--config report.yaml`; `build` by default.
    #[serde(default = "build_command")]
    command: Vec<String>,
    #[serde(default)]
    expect: Expect,
    edits: Vec<Edit>,
}

#[derive(Deserialize, Default, PartialEq, Clone, Copy)]
#[serde(rename_all = "snake_case")]
enum Expect {
    #[default]
    Error,
    Ok,
}

fn mini_name() -> String {
    "mini".into()
}

fn build_command() -> Vec<String> {
    vec!["build".into()]
}

/// One change to the fixture. `{outside}` in any text is the directory beside the project
/// (holding a copy of the fixture's data/), for paths that leave the project.
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct Edit {
    file: String,
    /// Replace the first occurrence of this text ...
    replace: Option<String>,
    /// ... with this text,
    with: Option<String>,
    /// ... or with these bytes (hex), for encodings other than UTF-8,
    with_hex: Option<String>,
    /// ... or with `open` repeated `count` times followed by `close` repeated `count` times.
    with_repeat: Option<Repeat>,
    /// Write the whole file.
    write: Option<String>,
    append: Option<String>,
    prepend_hex: Option<String>,
    /// Turn every line end into CRLF.
    #[serde(default)]
    crlf: bool,
    /// Replace the file (or directory) with a symlink to this target.
    symlink: Option<String>,
    /// Create this directory (with a file in it when `with` is given: `file` = dir).
    #[serde(default)]
    mkdir: bool,
    #[serde(default)]
    remove: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Repeat {
    open: String,
    #[serde(default)]
    close: String,
    count: usize,
}

fn hex(text: &str) -> Vec<u8> {
    let digits: Vec<u8> = text.bytes().filter(|b| b.is_ascii_hexdigit()).collect();
    digits.chunks(2).map(|pair| u8::from_str_radix(std::str::from_utf8(pair).unwrap(), 16).unwrap()).collect()
}

fn apply(project: &Path, outside: &Path, edit: &Edit) {
    let fill = |s: &str| s.replace("{outside}", outside.to_str().unwrap());
    let path = project.join(&edit.file);
    if edit.remove {
        if path.is_dir() { std::fs::remove_dir_all(&path) } else { std::fs::remove_file(&path) }.unwrap();
        return;
    }
    if edit.mkdir {
        std::fs::create_dir_all(&path).unwrap();
        if let Some(with) = &edit.with {
            std::fs::write(path.join("notes.txt"), fill(with)).unwrap();
        }
        return;
    }
    if let Some(target) = &edit.symlink {
        if path.is_dir() {
            std::fs::remove_dir_all(&path).unwrap();
        } else if path.exists() {
            std::fs::remove_file(&path).unwrap();
        }
        std::os::unix::fs::symlink(fill(target), &path).unwrap();
        return;
    }
    if let Some(text) = &edit.write {
        std::fs::write(&path, fill(text)).unwrap();
    }
    let mut bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", edit.file));
    if let Some(from) = &edit.replace {
        let from = fill(from).into_bytes();
        let to = match (&edit.with, &edit.with_hex, &edit.with_repeat) {
            (Some(with), None, None) => fill(with).into_bytes(),
            (None, Some(h), None) => hex(h),
            (None, None, Some(r)) => format!("{}{}", r.open.repeat(r.count), r.close.repeat(r.count)).into_bytes(),
            _ => panic!("{}: `replace` needs exactly one of with, with_hex, with_repeat", edit.file),
        };
        let at = bytes.windows(from.len()).position(|w| w == from.as_slice());
        let at = at.unwrap_or_else(|| panic!("{} does not contain {:?}", edit.file, String::from_utf8_lossy(&from)));
        bytes.splice(at..at + from.len(), to);
    }
    if let Some(text) = &edit.append {
        bytes.extend_from_slice(fill(text).as_bytes());
    }
    if let Some(h) = &edit.prepend_hex {
        bytes.splice(0..0, hex(h));
    }
    if edit.crlf {
        let text = String::from_utf8(bytes).unwrap();
        bytes = text.replace("\r\n", "\n").replace('\n', "\r\n").into_bytes();
    }
    std::fs::write(&path, bytes).unwrap();
}

struct Outcome {
    code: Option<i32>,
    stdout: String,
    stderr: String,
    elapsed: Duration,
}

/// Runs the CLI with a time limit; output goes to files so a large message cannot block it.
fn run(project: &Path, args: &[String], logs: &Path) -> Outcome {
    let (out_path, err_path) = (logs.join("stdout"), logs.join("stderr"));
    let started = Instant::now();
    let mut child = Command::new(env!("CARGO_BIN_EXE_blockchain-report"))
        .arg("--config")
        .arg(project.join("report.yaml"))
        .args(args)
        .current_dir(project)
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&out_path).unwrap())
        .stderr(std::fs::File::create(&err_path).unwrap())
        .spawn()
        .unwrap();
    let code = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status.code();
        }
        if started.elapsed() > TIME_LIMIT {
            let _ = child.kill();
            let _ = child.wait();
            break Some(-1);
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let read = |p: &Path| String::from_utf8_lossy(&std::fs::read(p).unwrap()).into_owned();
    Outcome { code, stdout: read(&out_path), stderr: read(&err_path), elapsed: started.elapsed() }
}

/// Paths of the scratch directories shown as placeholders, so snapshots do not depend on them.
fn normalise(text: &str, project: &Path, outside: &Path) -> String {
    let mut text = text.to_string();
    for (dir, name) in [(outside, "$OUTSIDE"), (project, "$PROJECT")] {
        if let Ok(real) = dir.canonicalize() {
            text = text.replace(real.to_str().unwrap(), name);
        }
        text = text.replace(dir.to_str().unwrap(), name);
    }
    text
}

/// The base fixtures, each built at most once, when the first case that starts from it runs
/// (two threads asking for the same base wait for one build). A base that fails to build, or
/// panics while building, fails every case that starts from it with the same message; the
/// cases on other bases go on.
#[derive(Default)]
struct Bases {
    built: Mutex<BTreeMap<String, Arc<OnceLock<Built>>>>,
}

/// A base fixture's build: its directory, or why it could not be built.
type Built = Result<tempfile::TempDir, String>;

impl Bases {
    fn get(&self, name: &str) -> Result<PathBuf, String> {
        let slot = Arc::clone(self.built.lock().unwrap_or_else(|e| e.into_inner()).entry(name.to_string()).or_default());
        let built = slot.get_or_init(|| {
            let prepared = std::panic::catch_unwind(|| {
                let dir = fixture(name);
                build(dir.path()).map(|_| dir).map_err(|e| e.to_string())
            });
            match prepared {
                Ok(Ok(dir)) => Ok(dir),
                Ok(Err(e)) => Err(format!("the base fixture {name} must build: {e}")),
                Err(panic) => Err(format!("preparing the base fixture {name} panicked: {}", panic_message(&*panic))),
            }
        });
        built.as_ref().map(|dir| dir.path().to_path_buf()).map_err(Clone::clone)
    }
}

fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    panic.downcast_ref::<String>().cloned().or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string())).unwrap_or_default()
}

fn check_case(case_dir: &Path, bases: &Bases) -> Result<(), String> {
    let text = std::fs::read_to_string(case_dir.join("case.yaml")).map_err(|e| format!("case.yaml: {e}"))?;
    let case: Case = serde_yaml::from_str(&text).map_err(|e| format!("case.yaml: {e}"))?;
    let base = bases.get(&case.base)?;
    let base = base.as_path();
    let scratch = tempfile::tempdir().unwrap();
    let (project, outside, logs) = (scratch.path().join("project"), scratch.path().join("outside"), scratch.path().join("logs"));
    copy_dir(base, &project);
    copy_dir(&base.join("data"), &outside.join("data"));
    std::fs::create_dir_all(&logs).unwrap();
    for edit in &case.edits {
        apply(&project, &outside, edit);
    }
    let before = tree(&project);
    let outcome = run(&project, &case.command, &logs);
    let mut problems = Vec::new();
    if outcome.code == Some(-1) {
        problems.push(format!("did not finish within {TIME_LIMIT:?} (a hang)"));
    }
    if outcome.stderr.contains("panicked") || outcome.code == Some(101) || outcome.code.is_none() {
        problems.push("panicked or was killed by a signal".to_string());
    }
    let shown = match case.expect {
        Expect::Error => {
            if outcome.code != Some(1) {
                problems.push(format!("exit code {:?}, expected 1", outcome.code));
            }
            let errors = outcome.stderr.lines().filter(|l| l.starts_with("error:")).count();
            if errors != 1 {
                problems.push(format!("{errors} `error:` lines, expected exactly one message"));
            }
            if !outcome.stderr.contains("-->") {
                problems.push("the message names no file (`-->`)".into());
            }
            if !outcome.stderr.contains("hint:") {
                problems.push("the message gives no hint".into());
            }
            if outcome.stderr.len() > 4000 {
                problems.push(format!("the message is {} bytes long; one clear message is short", outcome.stderr.len()));
            }
            let after = tree(&project);
            if after != before {
                let changed: Vec<_> = after
                    .keys()
                    .chain(before.keys())
                    .filter(|k| after.get(*k) != before.get(*k))
                    .map(|k| k.display().to_string())
                    .collect::<std::collections::BTreeSet<_>>()
                    .into_iter()
                    .take(5)
                    .collect();
                problems.push(format!("the failed command changed the project (output/ must stay as it was): {changed:?}"));
            }
            outcome.stderr.clone()
        }
        Expect::Ok => {
            if outcome.code != Some(0) {
                problems.push(format!("exit code {:?}, expected success:\n{}", outcome.code, outcome.stderr));
            }
            format!("{}{}", outcome.stdout, outcome.stderr)
        }
    };
    let shown = normalise(&shown, &project, &outside);
    let expected_path = case_dir.join("expected.txt");
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some() {
        std::fs::write(&expected_path, &shown).unwrap();
    } else {
        let expected = std::fs::read_to_string(&expected_path).unwrap_or_default();
        if expected != shown {
            problems.push(format!(
                "the message differs from expected.txt (review, then UPDATE_SNAPSHOTS=1 to accept):\n--- expected\n{expected}\n--- actual\n{shown}"
            ));
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(format!("after {} ms:\n  - {}\n  stderr:\n{}", outcome.elapsed.as_millis(), problems.join("\n  - "), outcome.stderr))
    }
}

/// Case folders in name order.
fn case_dirs() -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> =
        std::fs::read_dir(repo().join("tests/invalid")).unwrap().flatten().map(|e| e.path()).filter(|p| p.is_dir()).collect();
    dirs.sort();
    dirs
}

/// The harness itself: every folder is a case with a reviewed message (a new case is
/// reviewed), and the corpus keeps its breadth.
fn corpus_is_complete() -> Result<(), String> {
    let dirs = case_dirs();
    let mut problems = Vec::new();
    if dirs.len() < 40 {
        problems.push(format!("the corpus has {} cases; it should cover at least 40", dirs.len()));
    }
    for dir in &dirs {
        if !dir.join("case.yaml").is_file() {
            problems.push(format!("{} has no case.yaml", dir.display()));
        }
        if !dir.join("expected.txt").is_file() && std::env::var_os("UPDATE_SNAPSHOTS").is_none() {
            problems.push(format!("{} has no expected.txt: run UPDATE_SNAPSHOTS=1 cargo test --test invalid and review it", dir.display()));
        }
    }
    if problems.is_empty() { Ok(()) } else { Err(problems.join("\n")) }
}

/// One test per case folder, named by it, run in parallel: `cargo test --test invalid --
/// csv-` runs the CSV cases, `-- --list` lists them all.
fn main() {
    let args = libtest_mimic::Arguments::from_args();
    let bases = Arc::new(Bases::default());
    let mut trials = vec![libtest_mimic::Trial::test("corpus_is_complete", || corpus_is_complete().map_err(Into::into))];
    for dir in case_dirs().into_iter().filter(|d| d.join("case.yaml").is_file()) {
        let name = dir.file_name().unwrap().to_string_lossy().to_string();
        let bases = Arc::clone(&bases);
        trials.push(libtest_mimic::Trial::test(name, move || check_case(&dir, &bases).map_err(Into::into)));
    }
    let conclusion = libtest_mimic::run(&args, trials);
    // The trials are done: the last reference removes the bases' scratch directories.
    drop(bases);
    conclusion.exit();
}

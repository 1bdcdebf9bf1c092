//! Where a project may read and write. A build replaces its output directory as a whole, so
//! the output must be a directory of its own: never the project, never an input, never a
//! directory the program did not create. Build outputs carry a marker file (as cargo marks
//! `target/`), and only a directory with that marker, or an empty one, is ever replaced.
//! Writers take a lock beside the output, so concurrent builds leave one complete build.

use std::io::Write as _;
use std::path::{Component, Path, PathBuf};

use crate::config::Settings;
use crate::error::{Error, InputError, Result};

/// The file that marks a directory as a build's output.
pub const MARKER: &str = ".blockchain-report-output";
const MARKER_TEXT: &str = "This directory is written by `blockchain-report build`: every build replaces all of it.\n\
Do not keep anything else here. blockchain-report only replaces directories that contain this file.\n";

/// Checks every path setting of report.yaml (`config_path`, whose text is `text`): inside
/// the project, no symlink leaving it, and an output directory that cannot hold an input.
pub fn check_settings(config_path: &Path, text: &str, settings: &Settings, edition: i32) -> Result<()> {
    let root = project_root(config_path);
    let real_root = std::fs::canonicalize(&root).map_err(|source| Error::Io { path: root.clone(), source })?;
    let located = |key: &str, message: String, hint: &str| -> Error {
        let mut err = InputError::new(config_path, message).hint(hint);
        if let Some((line, column)) = setting_location(text, key) {
            err = err.at(line, column).excerpt_from(text);
        }
        err.into()
    };
    let inside = "settings paths are relative to report.yaml and stay inside the project; copy what you need into it";
    let own = "give the output a directory of its own, e.g. `output`";
    let settings_paths = [
        ("data_dir", &settings.data_dir),
        ("templates_dir", &settings.templates_dir),
        ("assets_dir", &settings.assets_dir),
        ("editions_dir", &settings.editions_dir),
        ("output_dir", &settings.output_dir),
    ];
    let mut resolved = Vec::new();
    for (key, value) in settings_paths {
        let shown = value.display();
        let Some(relative) = normalise(value) else {
            return Err(if value.is_absolute() {
                located(key, format!("settings.{key} `{shown}` is an absolute path"), inside)
            } else {
                located(key, format!("settings.{key} `{shown}` lies outside the project (the directory of report.yaml)"), inside)
            });
        };
        let real = resolve(&real_root, &relative);
        if !real.starts_with(&real_root) {
            let message = format!("settings.{key} `{shown}` leads through a symlink to `{}`, outside the project", real.display());
            let hint = "replace the symlink with a directory inside the project: a build reads and writes only there";
            return Err(match setting_location(text, key) {
                Some(_) => located(key, message, hint),
                None => InputError::new(&root.join(&relative), message).hint(hint).into(),
            });
        }
        resolved.push((key, value, real));
    }
    let (_, output, real_output) = resolved.pop().expect("output_dir is the last setting");
    let shown = output.display();
    if real_output == real_root {
        let message = format!("settings.output_dir `{shown}` is the project itself; a build replaces its output directory");
        return Err(located("output_dir", message, own));
    }
    let source = real_root.join("src");
    let inputs = resolved.iter().map(|(key, value, real)| (format!("settings.{key} `{}`", value.display()), real.clone()));
    for (what, input) in inputs.chain([("the source directory `src`".to_string(), source)]) {
        let relation = if real_output == input {
            "is"
        } else if input.starts_with(&real_output) {
            "contains"
        } else if real_output.starts_with(&input) {
            "lies inside"
        } else {
            continue;
        };
        let message =
            format!("settings.output_dir `{shown}` {relation} {what}: a build replaces its output directory, which would delete inputs");
        return Err(located("output_dir", message, own));
    }
    // Each edition writes (and replaces) only its own `<output_dir>/<year>/`.
    let out = root.join(output);
    if out.exists() && !out.is_dir() {
        return Err(located("output_dir", format!("settings.output_dir `{shown}` exists and is not a directory"), &not_ours_hint()));
    }
    if let Err(why) = replaceable(&out.join(edition.to_string())) {
        return Err(located("output_dir", format!("the {edition} edition's output `{shown}/{edition}` {why}"), &not_ours_hint()));
    }
    Ok(())
}

fn not_ours_hint() -> String {
    format!(
        "choose a new directory name; blockchain-report only replaces directories it wrote (they contain {MARKER}), \
         and never deletes anything else"
    )
}

/// The directory of report.yaml.
pub fn project_root(config_path: &Path) -> PathBuf {
    match config_path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// The path with `.` and `..` folded, or None if it is absolute or climbs out.
fn normalise(path: &Path) -> Option<PathBuf> {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    return None;
                }
            }
            Component::Normal(name) => out.push(name),
            Component::RootDir | Component::Prefix(_) => return None,
        }
    }
    Some(out)
}

/// `root/relative` with symlinks resolved as far as the path exists.
fn resolve(root: &Path, relative: &Path) -> PathBuf {
    let mut real = root.to_path_buf();
    let mut parts = relative.components();
    for part in parts.by_ref() {
        let next = real.join(part);
        match std::fs::canonicalize(&next) {
            Ok(r) => real = r,
            Err(_) => {
                real = next;
                break;
            }
        }
    }
    for part in parts {
        real.push(part);
    }
    real
}

/// Whether a build may replace `out`: it does not exist, is empty, or is a marked output.
pub fn replaceable(out: &Path) -> std::result::Result<(), String> {
    let Ok(meta) = std::fs::symlink_metadata(out) else { return Ok(()) };
    if !meta.is_dir() {
        return Err("exists and is not a directory".into());
    }
    if out.join(MARKER).is_file() {
        return Ok(());
    }
    let empty = std::fs::read_dir(out).map(|mut entries| entries.next().is_none()).unwrap_or(false);
    if empty {
        return Ok(());
    }
    Err(format!("exists and is not a previous build's output (it has no {MARKER} file); a build would replace all of it"))
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> Error + '_ {
    move |source| Error::Io { path: path.to_path_buf(), source }
}

/// Holds the output's lock file (`.<name>.lock` beside it) while writing.
pub struct OutputLock {
    _file: std::fs::File,
}

impl OutputLock {
    /// Waits for any other build writing the same output, saying so once.
    pub fn acquire(out: &Path) -> Result<OutputLock> {
        let path = sibling(out, "lock");
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(io(parent))?;
        }
        let file = std::fs::OpenOptions::new().create(true).truncate(false).write(true).open(&path).map_err(io(&path))?;
        match file.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => {
                let _ = writeln!(std::io::stderr(), "another build is running on {}; waiting", out.display());
                file.lock().map_err(io(&path))?;
            }
            Err(std::fs::TryLockError::Error(e)) => return Err(io(&path)(e)),
        }
        Ok(OutputLock { _file: file })
    }
}

/// `.<name>.<what>` beside `out`.
fn sibling(out: &Path, what: &str) -> PathBuf {
    let name = out.file_name().map_or_else(|| "output".into(), |n| n.to_string_lossy().to_string());
    out.with_file_name(format!(".{name}.{what}"))
}

/// A scratch or retired directory name nobody else uses: pid and a counter.
fn unique(out: &Path, what: &str) -> PathBuf {
    static COUNTER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    sibling(out, &format!("{what}-{}-{n}", std::process::id()))
}

/// Writes every file into a fresh scratch directory beside `out`, then swaps it into place,
/// holding the output lock throughout: the output is always one complete build.
pub fn replace_output<B: AsRef<[u8]>>(out: &Path, files: &[(PathBuf, B)]) -> Result<()> {
    let staged = Staged::begin(out)?;
    staged.write(files)?;
    staged.commit()
}

/// An output being written: files go into a scratch directory beside `out` while the
/// output's lock is held, so a build can write what is ready while it still makes the rest
/// (the web files while the PDF is typeset). Dropped before [`Staged::commit`], the scratch
/// directory goes and the previous output stays as it was.
pub struct Staged {
    out: PathBuf,
    scratch: PathBuf,
    _lock: OutputLock,
}

impl Staged {
    pub fn begin(out: &Path) -> Result<Staged> {
        let lock = OutputLock::acquire(out)?;
        replaceable(out).map_err(|why| InputError::new(out, why).hint(not_ours_hint()))?;
        remove_stale_scratch(out);
        let staged = Staged { out: out.to_path_buf(), scratch: unique(out, "new"), _lock: lock };
        write_marker(&staged.scratch)?;
        Ok(staged)
    }

    /// Adds files to the scratch directory.
    pub fn write<B: AsRef<[u8]>>(&self, files: &[(PathBuf, B)]) -> Result<()> {
        for (rel, bytes) in files {
            let path = self.scratch.join(rel);
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent).map_err(io(parent))?;
            }
            // A file of the previous output with the same bytes is linked, not written again:
            // a rebuild that changes little writes little. Nothing is ever modified in place.
            let (previous, bytes) = (self.out.join(rel), bytes.as_ref());
            if same_bytes(&previous, bytes) && std::fs::hard_link(&previous, &path).is_ok() {
                continue;
            }
            std::fs::write(&path, bytes).map_err(io(&path))?;
        }
        Ok(())
    }

    /// Swaps the scratch directory into place of the output.
    pub fn commit(self) -> Result<()> {
        let (out, scratch) = (&self.out, &self.scratch);
        let old = unique(out, "old");
        if out.exists() {
            std::fs::rename(out, &old).map_err(io(out))?;
        }
        if let Err(e) = std::fs::rename(scratch, out) {
            let _ = std::fs::rename(&old, out);
            return Err(io(out)(e));
        }
        if old.exists() {
            // A marked output, or an empty directory.
            std::fs::remove_dir_all(&old).map_err(io(&old))?;
        }
        Ok(())
    }
}

impl Drop for Staged {
    /// Not committed (an error, a panic): the scratch directory goes. Committed, it is
    /// the output now and no longer exists under the scratch name.
    fn drop(&mut self) {
        if self.scratch.exists() {
            let _ = std::fs::remove_dir_all(&self.scratch);
        }
    }
}

/// Adds files to the output directory (the audit that `check` writes), creating and
/// marking it if it does not exist yet.
pub fn add_to_output(out: &Path, files: &[(PathBuf, Vec<u8>)]) -> Result<()> {
    let _lock = OutputLock::acquire(out)?;
    replaceable(out).map_err(|why| InputError::new(out, why).hint(not_ours_hint()))?;
    write_marker(out)?;
    for (rel, bytes) in files {
        let path = out.join(rel);
        let tmp = unique(&path, "tmp");
        std::fs::write(&tmp, bytes).map_err(io(&tmp))?;
        std::fs::rename(&tmp, &path).map_err(io(&path))?;
    }
    Ok(())
}

/// A regular file (not a symlink) holding exactly `bytes`.
fn same_bytes(path: &Path, bytes: &[u8]) -> bool {
    std::fs::symlink_metadata(path).is_ok_and(|m| m.is_file() && m.len() == bytes.len() as u64)
        && std::fs::read(path).is_ok_and(|b| b == bytes)
}

fn write_marker(dir: &Path) -> Result<()> {
    std::fs::create_dir_all(dir).map_err(io(dir))?;
    let path = dir.join(MARKER);
    std::fs::write(&path, MARKER_TEXT).map_err(io(&path))
}

/// Scratch directories left by a build that was killed: only ours (`.<name>.new-…` or
/// `.<name>.old-…`, or the older `.<name>.new`/`.old`) and only when they carry the marker.
/// Called with the lock held, so no live build is writing them.
fn remove_stale_scratch(out: &Path) {
    let name = out.file_name().map_or_else(|| "output".into(), |n| n.to_string_lossy().to_string());
    let parent = match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let Ok(entries) = std::fs::read_dir(parent) else { return };
    for entry in entries.flatten() {
        let file = entry.file_name().to_string_lossy().to_string();
        let ours = [".new", ".old"].iter().any(|s| {
            let prefix = format!(".{name}{s}");
            file == prefix
                || file.strip_prefix(&format!("{prefix}-")).is_some_and(|rest| rest.chars().all(|c| c.is_ascii_digit() || c == '-'))
        });
        let path = entry.path();
        if ours && path.join(MARKER).is_file() {
            let _ = std::fs::remove_dir_all(&path);
        }
    }
}

/// Line and column of `settings.<key>`'s value in report.yaml, when it is written there.
pub fn setting_location(text: &str, key: &str) -> Option<(usize, usize)> {
    let mut in_settings = false;
    for (i, line) in text.lines().enumerate() {
        if !line.starts_with([' ', '\t', '#']) && !line.trim().is_empty() {
            in_settings = line.trim_end().starts_with("settings:");
        }
        let trimmed = line.trim_start();
        if in_settings
            && line.starts_with([' ', '\t'])
            && let Some(rest) = trimmed.strip_prefix(key).and_then(|r| r.strip_prefix(':'))
        {
            let indent = line.chars().count() - trimmed.chars().count();
            let value = rest.chars().take_while(|c| *c == ' ').count();
            return Some((i + 1, indent + key.chars().count() + 1 + value + 1));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalise_folds_and_refuses_escapes() {
        assert_eq!(normalise(Path::new("a/./b/../c")), Some(PathBuf::from("a/c")));
        assert_eq!(normalise(Path::new("a/../..")), None);
        assert_eq!(normalise(Path::new("/etc")), None);
        assert_eq!(normalise(Path::new(".")), Some(PathBuf::new()));
    }

    #[test]
    fn finds_a_setting_in_report_yaml() {
        let text = "edition:\n  output_dir: x\nsettings:\n  data_dir: data\n  output_dir: data\n";
        assert_eq!(setting_location(text, "output_dir"), Some((5, 15)));
        assert_eq!(setting_location(text, "assets_dir"), None);
    }
}

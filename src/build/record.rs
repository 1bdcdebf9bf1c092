//! The record of an output directory's last build: a fingerprint of everything that build
//! read, and the size, times and hash of every file it read or wrote. A build whose inputs
//! and outputs are still as recorded has nothing to do, so `build` with nothing changed
//! answers from the record (in the cache directory, `.cache/builds/`).
//!
//! Files are hashed with XXH3. A file's size and modification and change times (inode
//! change time, which no tool can set back) say that it is unchanged, except for a file
//! modified within [`RACY`] of the moment the record took its times: a rewrite within a
//! timestamp's resolution keeps them, so such a file is always hashed again.

use std::collections::BTreeMap;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::Summary;

/// How close to the record's moment a modification must be hashed again (coarse
/// filesystems keep times to 1 or 2 s).
const RACY: i128 = 2_000_000_000;

/// What the record knows of one file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Seen {
    len: u64,
    /// Modification and change times, in nanoseconds since the epoch.
    modified: i128,
    changed: i128,
    hash: String,
}

#[derive(Debug, Serialize, Deserialize)]
struct Record {
    /// When the record took the files' times.
    at: i128,
    /// The fingerprint of the inputs (and of the program and its options).
    inputs: String,
    /// Every input and output file, by path.
    files: BTreeMap<PathBuf, Seen>,
    outputs: Vec<PathBuf>,
    summary: Summary,
}

/// Hashes files, trusting the previous record's hashes where a file's times allow.
pub struct Fingerprint {
    previous: Option<Record>,
    path: PathBuf,
    seen: BTreeMap<PathBuf, Seen>,
}

fn now() -> i128 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos() as i128)
}

fn hex(hash: u128) -> String {
    format!("{hash:032x}")
}

impl Fingerprint {
    /// Reads the record at `path` (none, or one unreadable, means a full build).
    pub fn open(path: PathBuf) -> Fingerprint {
        let previous = std::fs::read(&path).ok().and_then(|bytes| serde_json::from_slice(&bytes).ok());
        Fingerprint { previous, path, seen: BTreeMap::new() }
    }

    /// What the file is now, hashed only when the record cannot vouch for it.
    fn see(&mut self, path: &Path) -> Option<Seen> {
        let meta = std::fs::metadata(path).ok()?;
        let modified = meta.mtime() as i128 * 1_000_000_000 + meta.mtime_nsec() as i128;
        let changed = meta.ctime() as i128 * 1_000_000_000 + meta.ctime_nsec() as i128;
        let known = self.previous.as_ref().and_then(|r| {
            let seen = r.files.get(path)?;
            let racy = modified.max(changed) + RACY > r.at;
            (seen.len == meta.len() && seen.modified == modified && seen.changed == changed && !racy).then(|| seen.hash.clone())
        });
        let hash = match known {
            Some(hash) => hash,
            None => hex(xxhash_rust::xxh3::xxh3_128(&std::fs::read(path).ok()?)),
        };
        let seen = Seen { len: meta.len(), modified, changed, hash };
        self.seen.insert(path.to_path_buf(), seen.clone());
        Some(seen)
    }

    /// The fingerprint of every file under `roots` (files or directories), of `program`
    /// (what else decides the outputs: the program's identity and the build's options).
    pub fn inputs(&mut self, roots: &[PathBuf], program: &str) -> String {
        let mut files = Vec::new();
        for root in roots {
            walk(root, &mut files);
        }
        files.sort();
        let mut all = String::from(program);
        for file in files {
            let hash = self.see(&file).map_or_else(|| "unreadable".into(), |s| s.hash);
            all.push_str(&format!("\n{}\t{hash}", file.display()));
        }
        hex(xxhash_rust::xxh3::xxh3_128(all.as_bytes()))
    }

    /// The previous build's summary, if its inputs were `inputs` and every file it wrote
    /// under `out` still holds what it wrote.
    pub fn unchanged(&mut self, inputs: &str, out: &Path) -> Option<Summary> {
        let record = self.previous.as_ref().filter(|r| r.inputs == inputs)?;
        let summary = record.summary.clone();
        let wanted: Vec<(PathBuf, Option<String>)> =
            record.outputs.iter().map(|rel| (out.join(rel), record.files.get(&out.join(rel)).map(|s| s.hash.clone()))).collect();
        for (path, hash) in wanted {
            if Some(self.see(&path)?.hash) != hash {
                return None;
            }
        }
        Some(summary)
    }

    /// Records this build: its inputs' fingerprint, the files written under `out`, and the
    /// summary to answer with next time. A record that cannot be written only costs the
    /// next build its shortcut.
    pub fn write(mut self, inputs: String, out: &Path, outputs: &[PathBuf], summary: &Summary) {
        let at = now();
        for rel in outputs {
            self.see(&out.join(rel));
        }
        let record = Record { at, inputs, files: self.seen, outputs: outputs.to_vec(), summary: summary.clone() };
        let Ok(bytes) = serde_json::to_vec(&record) else { return };
        if let Some(dir) = self.path.parent() {
            let _ = std::fs::create_dir_all(dir);
        }
        let scratch = self.path.with_extension("new");
        if std::fs::write(&scratch, bytes).and_then(|_| std::fs::rename(&scratch, &self.path)).is_err() {
            let _ = std::fs::remove_file(&scratch);
        }
    }
}

/// Every file under `path`, or `path` itself.
fn walk(path: &Path, out: &mut Vec<PathBuf>) {
    match std::fs::read_dir(path) {
        Ok(entries) => entries.flatten().for_each(|e| walk(&e.path(), out)),
        Err(_) if path.is_file() => out.push(path.to_path_buf()),
        Err(_) => {}
    }
}

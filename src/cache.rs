//! A content-addressed cache of expensive artefacts (rasterised charts; the typeset PDF is
//! one more kind), so a rebuild with nothing changed does not redo them.
//!
//! An entry is keyed by the SHA-256 of exactly what determines its bytes (for a chart PNG:
//! the SVG, the scale, the font and the renderer's crate versions) and stored as
//! `<dir>/<kind>/<key>`: a 32-byte SHA-256 of the payload, then the payload. Every read
//! checks that hash, so a truncated or corrupted entry is rebuilt, never served. The
//! directory (`.cache/` beside report.yaml, ignored by git) is safe to delete at any time;
//! failing to write it never fails a build.

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

/// The crates whose versions are part of every key: a new resvg or png release may draw or
/// compress differently (ab_glyph draws the charts' text, src/charts/raster.rs).
const RENDERER_CRATES: [&str; 10] =
    ["resvg", "usvg", "tiny-skia", "png", "fdeflate", "harfrust", "skrifa", "fontdb", "ab_glyph", "ab_glyph_rasterizer"];

/// Versions of the crates that turn an SVG into PNG bytes, e.g. `resvg 0.49.0; usvg 0.49.0; …`
/// (with Typst's own resvg 0.47 beside them: a key may name more than draws, never less).
pub fn renderer() -> &'static str {
    static RENDERER: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    RENDERER.get_or_init(|| versions(&RENDERER_CRATES))
}

/// The versions of `crates` in the Cargo.lock this binary was built with, as one string.
pub fn versions(crates: &[&str]) -> String {
    let lock = include_str!("../Cargo.lock");
    let mut found = Vec::new();
    for package in lock.split("[[package]]") {
        let field = |name: &str| package.lines().find_map(|l| l.strip_prefix(name)?.trim().strip_prefix("= ")).map(|v| v.trim_matches('"'));
        if let (Some(name), Some(version)) = (field("name "), field("version "))
            && crates.contains(&name)
        {
            found.push(format!("{name} {version}"));
        }
    }
    found.join("; ")
}

/// Where cached artefacts live, or nothing (`build --no-cache`).
#[derive(Debug, Clone, Default)]
pub struct Cache {
    dir: Option<PathBuf>,
}

/// The name of a cached artefact: the hex SHA-256 of its inputs.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Key(String);

impl Key {
    /// Hashes every part, each prefixed by its length so that no two lists of parts collide.
    pub fn new(kind: &str, parts: &[&[u8]]) -> Key {
        let mut h = Sha256::new();
        for part in [kind.as_bytes(), renderer().as_bytes()].iter().chain(parts) {
            h.update((part.len() as u64).to_le_bytes());
            h.update(part);
        }
        Key(hex(&h.finalize()))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

impl Cache {
    /// The project's cache: `.cache/` in the directory of report.yaml.
    pub fn in_dir(dir: &Path) -> Cache {
        Cache { dir: Some(dir.to_path_buf()) }
    }

    /// No cache: every artefact is made afresh and nothing is stored.
    pub fn disabled() -> Cache {
        Cache { dir: None }
    }

    pub fn is_enabled(&self) -> bool {
        self.dir.is_some()
    }

    fn path(&self, kind: &str, key: &Key) -> Option<PathBuf> {
        self.dir.as_ref().map(|d| d.join(kind).join(key.as_str()))
    }

    /// The stored bytes, if present and intact.
    pub fn get(&self, kind: &str, key: &Key) -> Option<Vec<u8>> {
        let path = self.path(kind, key)?;
        let mut stored = std::fs::read(&path).ok()?;
        if stored.len() >= 32 && Sha256::digest(&stored[32..]).as_slice() == &stored[..32] {
            stored.drain(..32);
            Some(stored)
        } else {
            // Corrupted or truncated: drop it; the caller rebuilds and stores it again.
            let _ = std::fs::remove_file(&path);
            None
        }
    }

    /// Stores bytes under a key. Written to a temporary file and renamed, so a reader never
    /// sees half an entry; errors are ignored (the cache only saves time).
    pub fn put(&self, kind: &str, key: &Key, bytes: &[u8]) {
        let Some(path) = self.path(kind, key) else { return };
        let Some(dir) = path.parent() else { return };
        let tmp = dir.join(format!(".{}.{}.tmp", key.as_str(), std::process::id()));
        let write = || -> std::io::Result<()> {
            std::fs::create_dir_all(dir)?;
            let mut stored = Vec::with_capacity(32 + bytes.len());
            stored.extend_from_slice(&Sha256::digest(bytes));
            stored.extend_from_slice(bytes);
            std::fs::write(&tmp, &stored)?;
            std::fs::rename(&tmp, &path)
        };
        if write().is_err() {
            let _ = std::fs::remove_file(&tmp);
        }
    }

    /// The cached bytes, or `make()`'s, stored for next time.
    pub fn get_or_make<E>(&self, kind: &str, key: &Key, make: impl FnOnce() -> Result<Vec<u8>, E>) -> Result<Vec<u8>, E> {
        if let Some(bytes) = self.get(kind, key) {
            return Ok(bytes);
        }
        let bytes = make()?;
        self.put(kind, key, &bytes);
        Ok(bytes)
    }
}

#[cfg(test)]
mod tests {
    /// Every crate named in the key is in Cargo.lock: a name the renderer no longer uses
    /// would be silently left out of the key.
    #[test]
    fn each_renderer_crate_is_locked() {
        let renderer = super::renderer();
        for name in super::RENDERER_CRATES {
            let found = renderer.split("; ").filter(|entry| entry.split(' ').next() == Some(name)).count();
            assert!(found >= 1, "{name} in {renderer}");
        }
    }
}

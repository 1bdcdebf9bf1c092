//! `diff OLD NEW`: what changed between two builds or two editions, figure by figure.
//! OLD and NEW are output directories (with figures.json), project directories (with
//! report.yaml), or git revisions of this repository; the last two are built first.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::error::{Error, InputError, Result};
use crate::manifest::{Manifest, PointEntry};
use crate::numfmt;

#[derive(Debug, Clone, Serialize)]
pub struct Change {
    pub what: String,
    pub old: Option<String>,
    pub new: Option<String>,
    /// +12.5% for amounts, +2.3 pp for percentages.
    pub delta: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ItemDiff {
    pub kind: String,
    pub id: String,
    pub number: String,
    pub title: String,
    pub status: String,
    pub changes: Vec<Change>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub old_edition: i32,
    pub new_edition: i32,
    pub items: Vec<ItemDiff>,
}

impl Report {
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }
}

/// Loads the manifest behind a path, a git revision or an edition of the project's series
/// (`2023`), building when needed.
pub fn load(spec: &str, project_root: &Path, scratch: &Path) -> Result<Manifest> {
    let path = PathBuf::from(spec);
    let edition = spec.parse::<i32>().ok().filter(|_| !path.exists() && spec.len() == 4);
    let manifest_of = |dir: &Path| -> Result<Manifest> {
        let file = dir.join("figures.json");
        let text = crate::error::read_to_string(&file)?;
        serde_json::from_str(&text).map_err(|e| {
            InputError::new(&file, format!("not a build manifest: {e}")).at(e.line(), e.column()).hint("rebuild it with `build`").into()
        })
    };
    if path.join("figures.json").exists() {
        return manifest_of(&path);
    }
    let project = if edition.is_some() || path.join("report.yaml").exists() {
        if edition.is_some() { project_root.to_path_buf() } else { path.clone() }
    } else {
        let dir = scratch.join(spec.replace(['/', ':', '.'], "_"));
        export_revision(spec, project_root, &dir)?;
        dir
    };
    // Build into the scratch area so neither side's output/ is touched.
    let copy = scratch.join(format!("{}-project", spec.replace(['/', ':', '.'], "_")));
    copy_project(&project, &copy)?;
    let p = crate::build::Project::open_edition(&copy.join("report.yaml"), edition)?;
    crate::build::build(&p, Default::default())?;
    manifest_of(&p.output_dir())
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> Error + '_ {
    move |source| Error::Io { path: path.to_path_buf(), source }
}

fn copy_project(from: &Path, to: &Path) -> Result<()> {
    let settings = crate::config::Series::load(&from.join("report.yaml"))?.settings;
    std::fs::create_dir_all(to).map_err(io(to))?;
    std::fs::copy(from.join("report.yaml"), to.join("report.yaml")).map_err(io(from))?;
    for dir in [&settings.data_dir, &settings.templates_dir, &settings.assets_dir, &settings.editions_dir] {
        let src = from.join(dir);
        if src.starts_with(from) && src.is_dir() && !to.join(dir).exists() {
            copy_dir(&src, &to.join(dir))?;
        }
    }
    Ok(())
}

/// Copies a directory tree (a project's data/, templates/, assets/).
pub fn copy_dir(from: &Path, to: &Path) -> Result<()> {
    std::fs::create_dir_all(to).map_err(io(to))?;
    for entry in std::fs::read_dir(from).map_err(io(from))? {
        let path = entry.map_err(io(from))?.path();
        let target = to.join(path.file_name().unwrap_or_default());
        if path.is_dir() {
            copy_dir(&path, &target)?;
        } else {
            std::fs::copy(&path, &target).map_err(io(&path))?;
        }
    }
    Ok(())
}

fn export_revision(rev: &str, repo: &Path, to: &Path) -> Result<()> {
    let not_found = || {
        InputError::new(Path::new(rev), "neither a directory with figures.json or report.yaml, nor a git revision")
            .hint("give an output directory, a project directory, or a revision such as HEAD~1")
    };
    std::fs::create_dir_all(to).map_err(io(to))?;
    let archive =
        std::process::Command::new("git").arg("-C").arg(repo).args(["archive", "--format=tar", rev]).output().map_err(|_| not_found())?;
    if !archive.status.success() {
        return Err(not_found().into());
    }
    let mut tar =
        std::process::Command::new("tar").arg("-x").arg("-C").arg(to).stdin(std::process::Stdio::piped()).spawn().map_err(io(to))?;
    use std::io::Write as _;
    tar.stdin.take().map(|mut s| s.write_all(&archive.stdout)).transpose().map_err(io(to))?;
    tar.wait().map_err(io(to))?;
    if !to.join("report.yaml").exists() {
        return Err(InputError::new(Path::new(rev), "that revision has no report.yaml").into());
    }
    upgrade_partials(to)
}

/// A revision from before the document model printed its tables and figures in the partials
/// (`{% if target == "html" %}` …); the current pipeline places them as nodes, so such a
/// revision is built with partials that print the nodes (its wording is unchanged).
fn upgrade_partials(project: &Path) -> Result<()> {
    let settings = crate::config::Series::load(&project.join("report.yaml"))?.settings;
    for (name, node) in [("figure.md", "{{ f.node }}"), ("table.md", "{{ t.node }}")] {
        let path = project.join(&settings.templates_dir).join("partials").join(name);
        let Ok(text) = std::fs::read_to_string(&path) else { continue };
        if text.contains("target ==") && !text.contains(node) {
            std::fs::write(&path, format!("{node}\n")).map_err(io(&path))?;
        }
    }
    Ok(())
}

fn show(v: Option<f64>) -> String {
    v.map_or("—".to_string(), |v| numfmt::number(v, 4))
}

fn delta(old: Option<f64>, new: Option<f64>, unit: &str) -> Option<String> {
    let (o, n) = (old?, new?);
    if unit == "%" {
        return Some(format!("{:+} pp", numfmt::number(n - o, 2).parse::<f64>().unwrap_or(0.0)));
    }
    (o != 0.0).then(|| format!("{}{}%", if n >= o { "+" } else { "" }, numfmt::number((n - o) / o * 100.0, 1)))
}

fn point_key(p: &PointEntry) -> String {
    if p.series.is_empty() { p.category.clone() } else { format!("{} / {}", p.series, p.category) }
}

pub fn compare(old: &Manifest, new: &Manifest) -> Report {
    let mut items = Vec::new();
    let old_figures: BTreeMap<_, _> = old.figures.iter().map(|f| (&f.id, f)).collect();
    let new_figures: BTreeMap<_, _> = new.figures.iter().map(|f| (&f.id, f)).collect();
    for id in old_figures.keys().chain(new_figures.keys()).collect::<BTreeSet<_>>() {
        let item = |f: &crate::manifest::FigureEntry, status: &str, changes| ItemDiff {
            kind: "figure".into(),
            id: f.id.clone(),
            number: f.number.clone(),
            title: f.caption.clone(),
            status: status.into(),
            changes,
        };
        match (old_figures.get(id), new_figures.get(id)) {
            (Some(o), None) => items.push(item(o, "removed", Vec::new())),
            (None, Some(n)) => items.push(item(n, "added", Vec::new())),
            (Some(o), Some(n)) => {
                let mut changes = Vec::new();
                let op: BTreeMap<_, _> = o.points.iter().map(|p| (point_key(p), p)).collect();
                let np: BTreeMap<_, _> = n.points.iter().map(|p| (point_key(p), p)).collect();
                for key in op.keys().chain(np.keys()).collect::<BTreeSet<_>>() {
                    let (a, b) = (op.get(key), np.get(key));
                    let (av, bv) = (a.and_then(|p| p.value), b.and_then(|p| p.value));
                    let (ast, bst) = (a.map(|p| p.status.as_str()), b.map(|p| p.status.as_str()));
                    if a.is_some() && b.is_some() && av == bv && ast == bst {
                        continue;
                    }
                    let label = |p: Option<&&PointEntry>| p.map(|p| format!("{} ({})", show(p.value), p.status));
                    changes.push(Change { what: key.clone(), old: label(a), new: label(b), delta: delta(av, bv, &n.unit) });
                }
                if o.caption != n.caption {
                    changes.push(Change {
                        what: "caption".into(),
                        old: Some(o.caption.clone()),
                        new: Some(n.caption.clone()),
                        delta: None,
                    });
                }
                let image = o.svg_sha256 != n.svg_sha256 || o.png_sha256 != n.png_sha256;
                if !changes.is_empty() {
                    items.push(item(n, "changed", changes));
                } else if image {
                    items.push(item(n, "image changed, data unchanged", Vec::new()));
                }
            }
            (None, None) => {}
        }
    }
    let old_tables: BTreeMap<_, _> = old.tables.iter().map(|t| (&t.id, t)).collect();
    let new_tables: BTreeMap<_, _> = new.tables.iter().map(|t| (&t.id, t)).collect();
    for id in old_tables.keys().chain(new_tables.keys()).collect::<BTreeSet<_>>() {
        let item = |t: &crate::manifest::TableEntry, status: &str, changes| ItemDiff {
            kind: "table".into(),
            id: t.id.clone(),
            number: t.number.clone(),
            title: t.title.clone(),
            status: status.into(),
            changes,
        };
        match (old_tables.get(id), new_tables.get(id)) {
            (Some(o), None) => items.push(item(o, "removed", Vec::new())),
            (None, Some(n)) => items.push(item(n, "added", Vec::new())),
            (Some(o), Some(n)) => {
                let keyed = |t: &crate::manifest::TableEntry| -> BTreeMap<String, Vec<String>> {
                    let idx: Vec<usize> = t.key.iter().filter_map(|k| t.columns.iter().position(|c| c == k)).collect();
                    t.rows.iter().map(|r| (idx.iter().map(|&i| r[i].clone()).collect::<Vec<_>>().join(" / "), r.clone())).collect()
                };
                let (or, nr) = (keyed(o), keyed(n));
                let mut changes = Vec::new();
                for key in or.keys().chain(nr.keys()).collect::<BTreeSet<_>>() {
                    match (or.get(key), nr.get(key)) {
                        (Some(_), None) => {
                            changes.push(Change { what: format!("row {key}"), old: Some("present".into()), new: None, delta: None })
                        }
                        (None, Some(_)) => {
                            changes.push(Change { what: format!("row {key}"), old: None, new: Some("added".into()), delta: None })
                        }
                        (Some(a), Some(b)) => {
                            for (i, (x, y)) in a.iter().zip(b).enumerate() {
                                if x != y {
                                    let column = n.columns.get(i).cloned().unwrap_or_default();
                                    changes.push(Change {
                                        what: format!("{key}: {column}"),
                                        old: Some(x.clone()),
                                        new: Some(y.clone()),
                                        delta: None,
                                    });
                                }
                            }
                        }
                        (None, None) => {}
                    }
                }
                if !changes.is_empty() {
                    items.push(item(n, "changed", changes));
                }
            }
            (None, None) => {}
        }
    }
    let mut numbers = Vec::new();
    for key in old.numbers.keys().chain(new.numbers.keys()).collect::<BTreeSet<_>>() {
        let (a, b) = (old.numbers.get(key), new.numbers.get(key));
        if a.map(|n| n.value) == b.map(|n| n.value) {
            continue;
        }
        let unit = b.or(a).map(|n| n.unit.clone()).unwrap_or_default();
        numbers.push(Change {
            what: key.clone(),
            old: a.map(|n| format!("{}{unit}", show(Some(n.value)))),
            new: b.map(|n| format!("{}{unit}", show(Some(n.value)))),
            delta: delta(a.map(|n| n.value), b.map(|n| n.value), &unit),
        });
    }
    if !numbers.is_empty() {
        items.push(ItemDiff {
            kind: "prose".into(),
            id: "numbers".into(),
            number: String::new(),
            title: "正文数字".into(),
            status: "changed".into(),
            changes: numbers,
        });
    }
    Report { old_edition: old.edition, new_edition: new.edition, items }
}

fn arrow(c: &Change) -> String {
    format!(
        "{} → {}{}",
        c.old.as_deref().unwrap_or("—"),
        c.new.as_deref().unwrap_or("—"),
        c.delta.as_deref().map(|d| format!(" ({d})")).unwrap_or_default()
    )
}

pub fn terminal(r: &Report) -> String {
    if r.is_empty() {
        return "no changes\n".into();
    }
    let mut out = String::new();
    for item in &r.items {
        out.push_str(&format!("{} {} {} — {} [{}]\n", item.kind, item.number, item.id, item.title, item.status));
        for c in &item.changes {
            out.push_str(&format!("  {}: {}\n", c.what, arrow(c)));
        }
    }
    out.push_str(&format!("{} items changed (edition {} → {})\n", r.items.len(), r.old_edition, r.new_edition));
    out
}

/// For a pull-request comment.
pub fn markdown(r: &Report) -> String {
    let mut md = format!("### 图表变更（{} → {} 版）\n\n", r.old_edition, r.new_edition);
    if r.is_empty() {
        md.push_str("无变化。\n");
        return md;
    }
    for item in &r.items {
        let name = [item.number.as_str(), &crate::text::md_escape(&item.title)]
            .iter()
            .filter(|s| !s.is_empty())
            .copied()
            .collect::<Vec<_>>()
            .join(" ");
        md.push_str(&format!("**{name}** `{}` — {}\n\n", item.id, item.status));
        if !item.changes.is_empty() {
            md.push_str("| 项 | 旧 | 新 | 变化 |\n| --- | --- | --- | --- |\n");
            for c in &item.changes {
                let cell = |s: Option<&str>| crate::text::md_escape(s.unwrap_or("—"));
                md.push_str(&format!(
                    "| {} | {} | {} | {} |\n",
                    cell(Some(&c.what)),
                    cell(c.old.as_deref()),
                    cell(c.new.as_deref()),
                    cell(c.delta.as_deref())
                ));
            }
            md.push('\n');
        }
    }
    md
}

//! The series of editions: starting the next edition, and what a later edition revised in
//! an earlier one's numbers.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::build::{self, Project};
use crate::config::Series;
use crate::error::{Error, InputError, Result};
use crate::model::{Facts, NumberKind};

/// What `new-edition` wrote, and what the analyst and the editor must still supply.
#[derive(Debug, Serialize)]
pub struct Started {
    pub year: i32,
    pub from: i32,
    pub dir: PathBuf,
    pub checklist: Checklist,
}

#[derive(Debug, Default, Serialize)]
pub struct Checklist {
    /// Primaries the templates print that have no value for the year: (name, where typed).
    pub primaries: Vec<(String, String)>,
    /// Derived numbers the templates print whose inputs lack the year: (name, formula).
    pub derived: Vec<(String, String)>,
    /// Registers not yet collected for the year: (id, YAML).
    pub registers: Vec<(String, String)>,
    /// Copied sentences that name a year or compare with the previous one: (file:line, text).
    pub wording: Vec<(String, String)>,
    /// The data could not be computed for the year (the first error).
    pub error: Option<String>,
}

/// Starts the edition for `year` from the latest one: its report.yaml (year and title moved
/// on) and its templates, copied. Refuses a year that has an edition or does not follow the
/// latest, writing nothing.
pub fn new_edition(config_path: &Path, year: i32) -> Result<Started> {
    let series = Series::load(config_path)?;
    let root = config_path.parent().map(Path::to_path_buf).unwrap_or_default();
    let editions_dir = root.join(&series.settings.editions_dir);
    let editions = build::editions(&editions_dir)?;
    let Some(&latest) = editions.last() else {
        return Err(InputError::new(&editions_dir, "the series has no edition to start from")
            .hint("write the first edition's editions/<year>/report.yaml and templates/ by hand")
            .into());
    };
    let dir = editions_dir.join(year.to_string());
    if editions.contains(&year) || dir.exists() {
        return Err(InputError::new(&dir, format!("the {year} edition exists already"))
            .hint(format!("build it with `build --edition {year}`; a new edition follows the latest, {latest}"))
            .into());
    }
    if year != latest + 1 {
        return Err(InputError::new(&editions_dir, format!("{year} does not follow the latest edition, {latest}"))
            .hint(format!("editions follow one another: the next is {}", latest + 1))
            .into());
    }
    let from = editions_dir.join(latest.to_string());
    let text = crate::error::read_to_string(&from.join("report.yaml"))?;
    let scratch = editions_dir.join(format!(".new-{year}-{}", std::process::id()));
    let written = (|| -> Result<()> {
        crate::diff::copy_dir(&from.join("templates"), &scratch.join("templates"))?;
        rename_tables(&scratch.join("templates"), &renamed_tables(&text, latest, year))?;
        write(&scratch.join("report.yaml"), &next_report_yaml(&text, latest, year))?;
        std::fs::rename(&scratch, &dir).map_err(|source| Error::Io { path: dir.clone(), source })
    })();
    if let Err(e) = written {
        let _ = std::fs::remove_dir_all(&scratch);
        return Err(e);
    }
    let checklist = checklist(config_path, year)?;
    Ok(Started { year, from: latest, dir, checklist })
}

/// The tables whose ids name the latest edition's year: (old id, new id).
fn renamed_tables(text: &str, latest: i32, year: i32) -> Vec<(String, String)> {
    text.lines()
        .filter_map(|l| l.trim_start().strip_prefix("- id:"))
        .map(str::trim)
        .filter(|id| id.contains(&latest.to_string()))
        .map(|id| (id.to_string(), id.replace(&latest.to_string(), &year.to_string())))
        .collect()
}

/// The copied templates place the renamed tables by their new ids.
fn rename_tables(dir: &Path, renamed: &[(String, String)]) -> Result<()> {
    for (file, text) in template_files(dir)? {
        let mut new = text.clone();
        for (old, id) in renamed {
            new = new.replace(&format!("\"{old}\""), &format!("\"{id}\""));
        }
        if new != text {
            write(&dir.join(file.trim_start_matches("templates/")), &new)?;
        }
    }
    Ok(())
}

fn write(path: &Path, text: &str) -> Result<()> {
    std::fs::write(path, text).map_err(|source| Error::Io { path: path.to_path_buf(), source })
}

/// The latest edition's report.yaml for the next year: the year, the title's years
/// (`2023-2024` → `2024-2025`) and the publication month's year move on by one, and so do
/// the years in its tables' ids and titles (`local-standards-2023`, `2023 年新增…`).
fn next_report_yaml(text: &str, latest: i32, year: i32) -> String {
    let header = format!(
        "# The {year} edition, started from the {latest} edition by `new-edition {year}`: check the title, the date and the tables.\n"
    );
    let mut in_tables = false;
    let body: String = text
        .lines()
        .filter(|l| !l.starts_with('#'))
        .map(|line| {
            let t = line.trim_start();
            if !line.starts_with(' ') && !line.starts_with('-') && !t.is_empty() {
                in_tables = t.starts_with("tables:");
            }
            let moved = if t.starts_with("year:") || (in_tables && (t.starts_with("- id:") || t.starts_with("title:"))) {
                line.replace(&latest.to_string(), &year.to_string())
            } else if t.starts_with("title:") {
                line.replace(&format!("{latest}-{}", latest + 1), &format!("{year}-{}", year + 1))
            } else if t.starts_with("published:") {
                line.replace(&(latest + 1).to_string(), &(year + 1).to_string())
            } else {
                line.to_string()
            };
            moved + "\n"
        })
        .collect();
    header + &body
}

/// What the edition of `year` still needs: its templates' numbers without a value for the
/// year, registers not collected for it, and sentences to reword.
pub fn checklist(config_path: &Path, year: i32) -> Result<Checklist> {
    let project = Project::open_edition(config_path, Some(year))?;
    let mut list = Checklist::default();
    let templates = template_files(&project.edition_dir.join("templates"))?;
    let used: BTreeSet<String> = templates.iter().flat_map(|(_, text)| numbers_used(text)).collect();
    let catalog = project.catalog()?;
    for t in catalog.datasets.iter().map(|(_, t)| t) {
        if !t.collected_years(year).any(|y| y == year) {
            list.registers.push((t.id.clone(), format!("data/tables/{}.yaml", t.id)));
        }
    }
    match crate::data::load(&catalog, year) {
        Ok(facts) => missing(&facts, &used, &mut list),
        Err(e) => list.error = Some(e.to_string()),
    }
    for (file, text) in &templates {
        for (i, line) in text.lines().enumerate() {
            if names_a_year(line) {
                let excerpt: String = strip_tags(line).chars().take(60).collect();
                list.wording.push((format!("{file}:{}", i + 1), excerpt));
            }
        }
    }
    Ok(list)
}

fn missing(facts: &Facts, used: &BTreeSet<String>, list: &mut Checklist) {
    for n in facts.numbers.iter().filter(|n| used.contains(&n.name) && !n.value.is_finite()) {
        match n.kind {
            NumberKind::Primary => list.primaries.push((n.name.clone(), n.defined.clone())),
            NumberKind::Derived => list.derived.push((n.name.clone(), n.formula.clone().unwrap_or_default())),
        }
    }
}

/// The edition's template files, relative to its templates/ directory.
fn template_files(dir: &Path) -> Result<Vec<(String, String)>> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).map_err(|source| Error::Io { path: d.clone(), source })? {
            let path = entry.map_err(|source| Error::Io { path: d.clone(), source })?.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "md") {
                let name = path.strip_prefix(dir).unwrap_or(&path).display().to_string();
                out.push((format!("templates/{name}"), crate::error::read_to_string(&path)?));
            }
        }
    }
    out.sort();
    Ok(out)
}

/// Every `n.NAME` a template prints.
pub fn numbers_used(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(at) = rest.find("n.") {
        let before = rest[..at].chars().last();
        rest = &rest[at + 2..];
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '.') {
            continue;
        }
        let name: String = rest.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
        if !name.is_empty() {
            out.push(name);
        }
    }
    out
}

/// Whether a line of wording names a year or compares with the previous one.
fn names_a_year(line: &str) -> bool {
    const COMPARISONS: [&str; 7] = ["比去年", "同比", "较上年", "与上年", "上一年", "去年", "环比"];
    let text = strip_tags(line);
    let digits: Vec<char> = text.chars().collect();
    let year = digits.windows(4).enumerate().any(|(i, w)| {
        let s: String = w.iter().collect();
        let bounded = |j: Option<&char>| j.is_none_or(|c| !c.is_ascii_digit());
        (s.starts_with("19") || s.starts_with("20"))
            && w.iter().all(char::is_ascii_digit)
            && bounded(i.checked_sub(1).and_then(|j| digits.get(j)))
            && bounded(digits.get(i + 4))
    });
    year || COMPARISONS.iter().any(|c| text.contains(c))
}

/// The wording without template tags (a year computed by `{{ year - 1 }}` needs no rewording).
fn strip_tags(line: &str) -> String {
    let mut out = String::new();
    let mut rest = line;
    while let Some(open) = rest.find(['{']).filter(|&o| matches!(rest.as_bytes().get(o + 1), Some(b'{' | b'%' | b'#'))) {
        out.push_str(&rest[..open]);
        let close = rest[open..].find(['}']).map(|c| open + c + 2).unwrap_or(rest.len()).min(rest.len());
        rest = &rest[close..];
    }
    out.push_str(rest);
    out.trim().to_string()
}

/// The checklist as the terminal prints it.
pub fn checklist_text(started: &Started) -> String {
    let list = &started.checklist;
    let mut out = format!(
        "started the {} edition in {} from the {} edition (report.yaml and templates/)\n",
        started.year,
        started.dir.display(),
        started.from
    );
    let section = |out: &mut String, title: &str, rows: &[(String, String)]| {
        out.push_str(&format!("\n{title} ({}):\n", rows.len()));
        for (a, b) in rows {
            out.push_str(&format!("  {a}  {b}\n"));
        }
    };
    section(
        &mut out,
        &format!("primaries the templates print with no value for {}: add a row KEY,{},… to data/stated/", started.year, started.year),
        &list.primaries,
    );
    section(&mut out, &format!("derived numbers the templates print whose inputs lack {}", started.year), &list.derived);
    section(
        &mut out,
        &format!(
            "registers not collected for {}: add {{edition: {}}} to `collected` and the year's rows (edition column {})",
            started.year, started.year, started.year
        ),
        &list.registers,
    );
    section(&mut out, "sentences that name a year or compare with the previous one: reword them", &list.wording);
    if let Some(e) = &list.error {
        out.push_str(&format!("\nthe data does not compute for {} yet:\n{e}\n", started.year));
    }
    out.push_str(&format!("\nthen: blockchain-report build --edition {}\n", started.year));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn years_and_comparisons_in_wording() {
        assert!(names_a_year("截至 2023 年底，共 18 项"));
        assert!(names_a_year("同比增长 {{ n.x | pct }}"));
        assert!(!names_a_year("截至 {{ year }} 年底，共 {{ n.x | num }} 项"));
        assert!(!names_a_year("编号 T/CCSA 12345-2"));
    }

    #[test]
    fn the_next_report_yaml_moves_the_years_on() {
        let text = "# the 2023 edition\nedition:\n  year: 2023\n  title: 2023-2024 中国区块链年度发展报告\n  published: 2024-05\n";
        let next = next_report_yaml(text, 2023, 2024);
        assert!(next.contains("year: 2024\n") && next.contains("2024-2025 中国") && next.contains("published: 2025-05"), "{next}");
        let views = "edition:\n  year: 2023\ntables:\n  - id: new-funds-2023\n    of: industry-funds\n    title: 2023 年新增基金\n";
        let next = next_report_yaml(views, 2023, 2024);
        assert!(next.contains("- id: new-funds-2024\n") && next.contains("title: 2024 年新增基金"), "{next}");
        assert_eq!(renamed_tables(views, 2023, 2024), [("new-funds-2023".to_string(), "new-funds-2024".to_string())]);
    }

    #[test]
    fn numbers_a_template_prints() {
        assert_eq!(numbers_used("{{ n.a_1 | num }} {{ at[year - 1].b | num }} {{ x.n.c }}"), ["a_1"]);
    }
}

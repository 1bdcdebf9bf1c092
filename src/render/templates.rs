//! Reading the templates: where they are (the edition's wording over the series' designs),
//! checking every `n.NAME` before rendering, and reshaping tera's errors like every other
//! input error (file, line, excerpt, hint).

use std::path::Path;

use crate::error::{Error, Result};
use crate::model::Facts;

/// Where an edition's templates are: its own wording (`editions/<year>/templates/`: report.md,
/// chapters) over the series' page designs and partials (`templates/`). A name is looked up in
/// the wording first, so an edition may also override a design.
#[derive(Debug, Clone)]
pub struct TemplateDirs {
    pub wording: std::path::PathBuf,
    pub designs: std::path::PathBuf,
}

impl TemplateDirs {
    /// One directory holding everything (the property tests' mutated templates).
    pub fn single(dir: &Path) -> TemplateDirs {
        TemplateDirs { wording: dir.to_path_buf(), designs: dir.to_path_buf() }
    }
    /// The file a template name stands for.
    pub fn path(&self, name: &str) -> std::path::PathBuf {
        let own = self.wording.join(name);
        if own.exists() || !self.designs.join(name).exists() { own } else { self.designs.join(name) }
    }
}

/// Every template file (wording first, then the designs it does not replace), as
/// (name, text).
pub fn read(dirs: &TemplateDirs) -> Result<Vec<(String, String)>> {
    let mut files = Vec::new();
    collect(&dirs.wording, &dirs.wording, &mut files)?;
    if dirs.designs != dirs.wording {
        let mut designs = Vec::new();
        collect(&dirs.designs, &dirs.designs, &mut designs)?;
        designs.retain(|(name, _)| !files.iter().any(|(n, _)| n == name));
        files.extend(designs);
    }
    files.sort();
    files.iter().map(|(name, path)| Ok((name.clone(), crate::error::read_to_string(path)?))).collect()
}

/// Every `n.NAME` inside `{{ }}` must exist; a typo is reported with its line,
/// column and the nearest existing name before anything is rendered.
pub fn check_numbers(path: &Path, text: &str, facts: &Facts) -> Result<()> {
    let names: Vec<&str> = facts.numbers.iter().map(|n| n.name.as_str()).collect();
    for (line_no, line) in text.lines().enumerate() {
        let mut offset = 0;
        while let Some(open) = line[offset..].find("{{").map(|o| o + offset) {
            let Some(close) = line[open..].find("}}").map(|c| c + open) else { break };
            let expr = &line[open + 2..close];
            for (scope, names) in [("n.", &names), ("].", &names)] {
                let mut search = 0;
                while let Some(start) = expr[search..].find(scope).map(|a| a + search) {
                    let preceded =
                        scope == "n." && expr[..start].chars().last().is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '.');
                    let key: String = expr[start + 2..].chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
                    search = start + 2 + key.len();
                    if preceded || key.is_empty() || names.contains(&key.as_str()) {
                        continue;
                    }
                    let column = line[..open + 2 + start].chars().count() + 1;
                    let hint = match crate::data::nearest(&key, names.iter().copied()) {
                        Some(n) => format!("did you mean `{}{n}`? `blockchain-report vars` lists every name", if scope == "n." { "n." } else { "" }),
                        None => "`blockchain-report vars` lists every name; a new number goes into data/stated/ (typed) or data/derived/ (computed)".to_string(),
                    };
                    return Err(crate::error::InputError::new(
                        path,
                        format!("`{}{key}` is not defined", if scope == "n." { "n." } else { "" }),
                    )
                    .at(line_no + 1, column)
                    .excerpt_from(text)
                    .hint(hint)
                    .into());
                }
            }
            offset = close + 2;
        }
    }
    Ok(())
}

fn collect(root: &Path, dir: &Path, out: &mut Vec<(String, std::path::PathBuf)>) -> Result<()> {
    let entries = std::fs::read_dir(dir).map_err(|source| Error::Io { path: dir.to_path_buf(), source })?;
    for entry in entries {
        let entry = entry.map_err(|source| Error::Io { path: dir.to_path_buf(), source })?;
        let path = entry.path();
        // A symlink could lead out of the project, or back up into templates/ (a loop).
        if entry.file_type().is_ok_and(|t| t.is_symlink()) {
            let target = std::fs::canonicalize(&path).map(|p| p.display().to_string()).unwrap_or_else(|_| "nowhere".into());
            return Err(crate::error::InputError::new(&path, format!("a template path is a symlink (to {target})"))
                .hint("put the template itself in the templates directory: a build reads only the project's own files")
                .into());
        }
        if path.is_dir() {
            collect(root, &path, out)?;
        } else if path.extension().is_some_and(|e| e == "md" || e == "html") && path.file_name().is_some_and(|n| n != "README.md") {
            let name = path.strip_prefix(root).unwrap_or(&path).to_string_lossy().replace('\\', "/");
            out.push((name, path));
        }
    }
    Ok(())
}

pub fn template_error(dirs: &TemplateDirs, e: &tera::Error) -> Error {
    let mut msg = format!("{e}");
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        msg.push_str(&format!("\n{s}"));
        source = s.source();
    }
    Error::Template(locate_template_error(dirs, &msg))
}

/// Tera's report, reshaped as every other input error: the message first, the template's
/// path from the project (`--> templates/chapters/01.md:6:81`), tera's excerpt, then a hint.
fn locate_template_error(dirs: &TemplateDirs, tera_report: &str) -> String {
    let mut headline = None;
    let mut body = Vec::new();
    for line in tera_report.lines() {
        match (line.strip_prefix("error: "), line.trim_start().strip_prefix("--> ")) {
            (Some(message), _) if headline.is_none() => headline = Some(message.to_string()),
            (_, Some(place)) => {
                let (name, at) = place.split_once(':').unwrap_or((place, ""));
                let at = if at.is_empty() { String::new() } else { format!(":{at}") };
                body.push(format!("  --> {}{at}", dirs.path(name).display()))
            }
            _ if !line.trim().is_empty() => body.push(line.to_string()),
            _ => {}
        }
    }
    // Some of tera's errors (a missing template, an include loop) carry their text in the
    // error's source rather than on an `error:` line.
    let headline = match headline.filter(|h| !h.trim().is_empty()) {
        Some(h) => h,
        None if !body.is_empty() && !body[0].contains("-->") => body.remove(0),
        None => String::new(),
    };
    if !body.iter().any(|l| l.contains("-->")) {
        body.insert(0, format!("  --> {}", dirs.wording.display()));
    }
    let lower = headline.to_lowercase();
    let hint = if lower.contains("filter") {
        "the filters are num, pct, change, pp, yi, wan, cn and fixed (templates/README.md)"
    } else if lower.contains("circular") || lower.contains("recursion") || lower.contains("itself") {
        "a template includes itself, directly or through others: remove the loop"
    } else if lower.contains("'report.md' not found") || lower.contains("'page.html' not found") {
        "the templates directory needs report.md (the report) and page.html (the HTML page around it)"
    } else if lower.contains("unknown template") || lower.contains("not found") {
        "include paths are relative to the templates directory, e.g. \"partials/table.md\""
    } else if lower.contains("placed") || lower.contains("unknown table") || lower.contains("unknown figure") {
        "place each table or figure once with table(id=…) or figure(id=…), refer to it elsewhere with ref(id=…); \
         ids are the file names under data/tables/ and data/figures/"
    } else if lower.contains("has no value for") {
        "the number is defined but has no value in that year: add the year's row (data/stated/) or data, or print another year with at[YEAR].NAME"
    } else if lower.contains("not defined") {
        "check the spelling; `blockchain-report vars` lists every number, templates/README.md the fields of tables and figures"
    } else {
        "every {{ closes with }}, every {% if %} and {% for %} with {% endif %} and {% endfor %} (templates/README.md)"
    };
    format!("{headline}\n{}\n  = hint: {hint}", body.join("\n"))
}

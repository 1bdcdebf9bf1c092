//! The definitions of derived numbers as the files write them: `data/derived/*.yaml` and the
//! edition's `printed.yaml`, read with the line and column of each formula for errors.

use super::*;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Definition {
    pub(super) formula: String,
    pub(super) unit: String,
    #[serde(default)]
    pub(super) explain: Option<String>,
    /// Decimals shown; by default those of the printed value, else 2.
    #[serde(default)]
    pub(super) digits: Option<usize>,
    #[serde(default)]
    pub(super) whole: bool,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct PrintedDef {
    pub(super) value: f64,
    #[serde(default)]
    pub(super) qualifier: Option<String>,
    #[serde(rename = "where")]
    pub(super) location: String,
    pub(super) quote: String,
    #[serde(default)]
    pub(super) sole: bool,
}

/// One definition with where it stands, parsed.
pub(super) struct Defined {
    pub(super) name: String,
    pub(super) def: Definition,
    /// What the edition printed for it (`editions/<year>/printed.yaml`).
    pub(super) printed: Option<PrintedDef>,
    pub(super) formula: Formula,
    pub(super) file: PathBuf,
    pub(super) line: usize,
    /// Where the formula text starts: (line, column), for carets.
    pub(super) formula_at: (usize, usize),
    pub(super) text: std::sync::Arc<String>,
}

impl Defined {
    pub(super) fn error(&self, message: impl Into<String>) -> InputError {
        InputError::new(&self.file, message).at(self.line, 1).excerpt_from(&self.text)
    }
    pub(super) fn formula_error(&self, message: impl Into<String>, offset: usize) -> InputError {
        InputError::new(&self.file, message).at(self.formula_at.0, self.formula_at.1 + offset).excerpt_from(&self.text)
    }
}

/// Reads every `data/derived/*.yaml` (a project without the directory has none).
pub(super) fn read_definitions(dir: &Path) -> Result<Vec<Defined>> {
    if !dir.is_dir() {
        return Ok(Vec::new());
    }
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|source| error::Error::Io { path: dir.to_path_buf(), source })?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    paths.sort();
    let mut out: Vec<Defined> = Vec::new();
    for path in paths {
        let text = std::sync::Arc::new(error::read_to_string(&path)?);
        // A mapping keeps the file's order only as a Vec of pairs.
        let defs: serde_yaml::Mapping = error::parse_yaml(&path, &text)?;
        for (key, value) in defs {
            let name = key.as_str().unwrap_or_default().to_string();
            let line = top_level_line(&text, &name);
            let def: Definition = serde_yaml::from_value(value).map_err(|e| {
                InputError::new(&path, format!("`{name}`: {}", e.to_string().split(" at line ").next().unwrap_or_default()))
                    .at(line, 1)
                    .excerpt_from(&text)
                    .hint("a derived number has formula, unit, and optionally explain, digits, whole; what an edition printed goes into editions/<year>/printed.yaml")
            })?;
            let formula_at = formula_position(&text, line, &def.formula);
            let defined = Defined {
                formula: Formula::Number(0.0),
                name,
                def,
                printed: None,
                file: path.clone(),
                line,
                formula_at,
                text: text.clone(),
            };
            if !is_name(&defined.name) {
                return Err(defined
                    .error(format!("`{}` is not a usable name", defined.name))
                    .hint("names are lower-case letters, digits and _, starting with a letter: parks_growth_2023")
                    .into());
            }
            let formula = formula::parse(&defined.def.formula)
                .map_err(|e| defined.formula_error(format!("`{}`: {}", defined.name, e.message), e.offset).hint(e.hint))?;
            if let Some(first) = out.iter().find(|d| d.name == defined.name) {
                return Err(defined
                    .error(format!("`{}` is already defined at {}:{}", defined.name, first.file.display(), first.line))
                    .hint("a derived number is defined once; rename one of them")
                    .into());
            }
            out.push(Defined { formula, ..defined });
        }
    }
    Ok(out)
}

/// The edition's `printed.yaml`: for each derived number the edition prints, the value as
/// printed, the audit's reference. An edition that prints none has no file.
pub(super) fn read_printed(path: &Path, defs: &mut [Defined]) -> Result<()> {
    if !path.is_file() {
        return Ok(());
    }
    let text = error::read_to_string(path)?;
    let printed: serde_yaml::Mapping = error::parse_yaml(path, &text)?;
    for (key, value) in printed {
        let name = key.as_str().unwrap_or_default().to_string();
        let line = top_level_line(&text, &name);
        let located = |message: String| InputError::new(path, message).at(line, 1).excerpt_from(&text);
        let p: PrintedDef = serde_yaml::from_value(value).map_err(|e| {
            located(format!("`{name}`: {}", e.to_string().split(" at line ").next().unwrap_or_default()))
                .hint("a printed value is {value, qualifier, where, quote, sole}")
        })?;
        if Claim::of(p.qualifier.as_deref()).is_none() {
            return Err(located(format!("`{name}`: the audit does not know the qualifier `{}`", p.qualifier.unwrap_or_default()))
                .hint("write one of 超, 超过, 余, 多, 以上, 突破, + (more than), 近 (nearly), 约, 左右 (about), or none for a value as rounded")
                .into());
        }
        let Some(d) = defs.iter_mut().find(|d| d.name == name) else {
            let hint = match super::super::nearest(&name, defs.iter().map(|d| d.name.as_str())) {
                Some(n) => format!("did you mean `{n}`? printed values are given for derived numbers of data/derived/"),
                None => "printed values are given for derived numbers of data/derived/ (a primary carries its own in data/stated/)".into(),
            };
            return Err(located(format!("`{name}` is not a derived number")).hint(hint).into());
        };
        d.printed = Some(p);
    }
    Ok(())
}

pub(super) fn is_name(s: &str) -> bool {
    s.chars().next().is_some_and(|c| c.is_ascii_lowercase()) && s.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

/// The 1-based line of a top-level key.
pub(super) fn top_level_line(text: &str, key: &str) -> usize {
    text.lines().position(|l| l.strip_prefix(key).is_some_and(|rest| rest.trim_start().starts_with(':'))).map_or(1, |i| i + 1)
}

/// Where a definition's formula text starts, for a caret under the offending character.
pub(super) fn formula_position(text: &str, line: usize, formula: &str) -> (usize, usize) {
    for (i, l) in text.lines().enumerate().skip(line - 1) {
        if i >= line && !l.starts_with(' ') && !l.is_empty() {
            break;
        }
        if let Some(at) = l.find(formula) {
            return (i + 1, l[..at].chars().count() + 1);
        }
    }
    (line, 1)
}

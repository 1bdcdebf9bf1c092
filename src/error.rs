//! Errors for people: every input problem names the file, and the line and column where
//! known, says what is wrong and gives a hint. Library code returns these; the CLI prints
//! them through anyhow.

use std::fmt;
use std::path::{Path, PathBuf};

/// A problem in an input file (report.yaml, data/, templates/), with its location.
#[derive(Debug, Clone, PartialEq)]
pub struct InputError {
    pub file: PathBuf,
    pub line: Option<usize>,
    pub column: Option<usize>,
    /// The CSV column or YAML field the problem is in, when there is one.
    pub field: Option<String>,
    pub message: String,
    pub hint: Option<String>,
    /// The offending source line, shown under the location with a caret.
    pub excerpt: Option<String>,
    /// Characters of a long line left out before the excerpt, so the caret still points right.
    pub excerpt_skipped: usize,
}

impl InputError {
    pub fn new(file: &Path, message: impl Into<String>) -> Self {
        Self {
            file: file.to_path_buf(),
            line: None,
            column: None,
            field: None,
            message: message.into(),
            hint: None,
            excerpt: None,
            excerpt_skipped: 0,
        }
    }
    pub fn at(mut self, line: usize, column: usize) -> Self {
        self.line = Some(line);
        self.column = Some(column);
        self
    }
    pub fn line(mut self, line: usize) -> Self {
        self.line = Some(line);
        self
    }
    pub fn field(mut self, field: impl Into<String>) -> Self {
        self.field = Some(field.into());
        self
    }
    /// The line of `source` this error points at, shown with a caret.
    pub fn excerpt_from(mut self, source: &str) -> Self {
        // A very long line (a lost quote, a generated file) is shown around the caret only.
        let column = self.column.unwrap_or(1);
        let skip = column.saturating_sub(60);
        self.excerpt_skipped = skip;
        self.excerpt = self.line.and_then(|l| source.lines().nth(l.saturating_sub(1))).map(|line| {
            let mut chars = line.chars().skip(skip);
            let shown: String =
                chars.by_ref().take(column - skip + 80).map(|c| if c.is_control() && c != '\t' { '\u{fffd}' } else { c }).collect();
            let start = if skip > 0 { "…" } else { "" };
            let end = if chars.next().is_some() { "…" } else { "" };
            format!("{start}{shown}{end}")
        });
        self
    }
    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.message)?;
        write!(f, "\n  --> {}", self.file.display())?;
        match (self.line, self.column) {
            (Some(l), Some(c)) => write!(f, ":{l}:{c}")?,
            (Some(l), None) => write!(f, ":{l}")?,
            _ => {}
        }
        if let Some(field) = &self.field {
            write!(f, " (column `{field}`)")?;
        }
        if let (Some(excerpt), Some(line)) = (&self.excerpt, self.line) {
            let width = line.to_string().len();
            write!(f, "\n{:width$} |\n{line} | {excerpt}", "")?;
            if let Some(column) = self.column {
                // Full-width characters take two columns in a terminal.
                let before = column.saturating_sub(1) - self.excerpt_skipped.min(column.saturating_sub(1));
                let lead = usize::from(self.excerpt_skipped > 0);
                let pad: usize = excerpt.chars().take(before + lead).map(|c| if (c as u32) >= 0x1100 && c != '…' { 2 } else { 1 }).sum();
                write!(f, "\n{:width$} | {:pad$}^", "", "")?;
            }
        }
        if let Some(hint) = &self.hint {
            write!(f, "\n  = hint: {hint}")?;
        }
        Ok(())
    }
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{0}")]
    Input(Box<InputError>),
    /// Tera's own report: file, line, column and a caret under the offending text.
    #[error("template error: {0}")]
    Template(String),
    #[error("chart {figure}: {message}")]
    Chart { figure: String, message: String },
    /// Typst could not typeset the PDF (an error outside templates/report.typ).
    #[error("PDF: {0}")]
    Pdf(String),
    /// The standalone page's font could not be cut from the bundled font.
    #[error("web font for report-standalone.html: {0}")]
    WebFont(String),
    #[error("{path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
}

impl From<InputError> for Error {
    fn from(e: InputError) -> Self {
        Error::Input(Box::new(e))
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Reads a file, naming it in the error.
pub fn read_to_string(path: &Path) -> Result<String> {
    let bytes = std::fs::read(path).map_err(|source| Error::Io { path: path.to_path_buf(), source })?;
    decode(path, bytes)
}

/// The text of a file's bytes: UTF-8, or an error naming the likely encoding.
pub fn decode(path: &Path, bytes: Vec<u8>) -> Result<String> {
    String::from_utf8(bytes).map_err(|e| {
        let at = e.utf8_error().valid_up_to();
        let valid = &e.as_bytes()[..at];
        let text = String::from_utf8_lossy(valid);
        let line = text.matches('\n').count() + 1;
        let column = text.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
        let message = match guess_encoding(e.as_bytes(), at) {
            Some(name) => format!("file is not valid UTF-8: it looks like {name}"),
            None => "file is not valid UTF-8".to_string(),
        };
        InputError::new(path, message)
            .at(line, column)
            .hint("save the file as UTF-8 (Excel: 另存为 → “CSV UTF-8”; an editor: save with encoding UTF-8)")
            .into()
    })
}

/// Names the encoding a non-UTF-8 file is probably in, from the bytes where decoding failed:
/// Chinese files saved by Windows tools are GBK or GB18030.
fn guess_encoding(bytes: &[u8], at: usize) -> Option<&'static str> {
    if bytes.starts_with(&[0xff, 0xfe]) || bytes.starts_with(&[0xfe, 0xff]) {
        return Some("UTF-16");
    }
    let rest = &bytes[at..];
    let lead = |b: u8| (0x81..=0xfe).contains(&b);
    match rest {
        [a, b, c, d, ..] if lead(*a) && b.is_ascii_digit() && lead(*c) && d.is_ascii_digit() => Some("GB18030"),
        [a, b, ..] if lead(*a) && (0x40..=0xfe).contains(b) && *b != 0x7f => Some("GBK or GB18030 (Chinese Windows encodings)"),
        _ => None,
    }
}

/// Parses YAML into `T`, turning serde errors into located input errors.
pub fn parse_yaml<T: serde::de::DeserializeOwned>(path: &Path, text: &str) -> Result<T> {
    check_nesting(path, text)?;
    serde_yaml::from_str(text).map_err(|e| {
        let mut err = InputError::new(path, format!("invalid YAML: {}", strip_location(&e.to_string())));
        if let Some(loc) = e.location() {
            err = err.at(loc.line(), loc.column());
        }
        let line_text = e.location().and_then(|l| text.lines().nth(l.line().saturating_sub(1))).unwrap_or("");
        let message = e.to_string();
        let hint = if message.contains("unknown field") {
            "remove the key or fix its spelling; the expected keys are listed above"
        } else if line_text.contains('\t') || message.contains("tab") {
            "YAML indents with spaces only: replace the tab characters with spaces"
        } else if message.contains("duplicate") {
            "a key may appear once in a mapping: remove or rename one of them"
        } else if message.contains("recursion limit") {
            "the value is nested too deeply; metadata needs at most a few levels"
        } else if message.contains("repetition limit") || message.contains("alias") {
            "the file expands anchors and aliases (&, *) too many times; write the values out"
        } else if message.contains("did not find expected") {
            "a bracket or a quote opened on this line or above is not closed"
        } else if text.trim().is_empty() {
            "the file is empty; see data/README.md for the keys it needs"
        } else {
            "check the value's type and indentation against data/README.md"
        };
        if e.location().is_some() {
            err = err.excerpt_from(text);
        }
        err.hint(hint).into()
    })
}

/// Metadata needs a few levels of `[ ]` and `{ }`; far deeper nesting is refused before the
/// parser sees it, with its place, instead of a parser limit's puzzling message.
fn check_nesting(path: &Path, text: &str) -> Result<()> {
    const MAX_DEPTH: usize = 64;
    let mut depth = 0usize;
    let mut quote: Option<char> = None;
    for (line_no, line) in text.lines().enumerate() {
        let mut comment_ok = true;
        for (col, c) in line.chars().enumerate() {
            match (quote, c) {
                (Some(q), c) if c == q => quote = None,
                (Some(_), _) => {}
                (None, '"' | '\'') if comment_ok => quote = Some(c),
                (None, '#') if comment_ok => break,
                (None, '[' | '{') => {
                    depth += 1;
                    if depth > MAX_DEPTH {
                        return Err(InputError::new(path, format!("a value nested more than {MAX_DEPTH} levels deep"))
                            .at(line_no + 1, col + 1)
                            .excerpt_from(text)
                            .hint("metadata needs a few levels of [ ] and { }; check for brackets that are never closed")
                            .into());
                    }
                }
                (None, ']' | '}') => depth = depth.saturating_sub(1),
                _ => {}
            }
            comment_ok = c == ' ' || c == '\t' || c == '[' || c == '{' || c == ',';
        }
        quote = None; // a quote does not run past its line in metadata
    }
    Ok(())
}

/// serde_yaml appends " at line L column C" to messages; the location is shown separately.
fn strip_location(message: &str) -> String {
    match message.find(" at line ") {
        Some(i) => message[..i].to_string(),
        None => message.to_string(),
    }
}

/// The closest name by edit distance, if it is close enough to be a typo.
pub fn nearest<'a>(name: &str, candidates: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    candidates.map(|c| (levenshtein(name, c), c)).filter(|(d, c)| *d <= (c.chars().count() / 2).max(2)).min().map(|(_, c)| c)
}

fn levenshtein(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            cur.push((prev[j] + usize::from(ca != *cb)).min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()]
}

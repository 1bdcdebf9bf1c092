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
}

impl InputError {
    pub fn new(file: &Path, message: impl Into<String>) -> Self {
        Self { file: file.to_path_buf(), line: None, column: None, field: None, message: message.into(), hint: None, excerpt: None }
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
        self.excerpt = self.line.and_then(|l| source.lines().nth(l.saturating_sub(1))).map(str::to_string);
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
                let pad: usize = excerpt.chars().take(column.saturating_sub(1)).map(|c| if (c as u32) >= 0x1100 { 2 } else { 1 }).sum();
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
    String::from_utf8(bytes).map_err(|e| {
        let valid = &e.as_bytes()[..e.utf8_error().valid_up_to()];
        let text = String::from_utf8_lossy(valid);
        let line = text.matches('\n').count() + 1;
        let column = text.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
        InputError::new(path, "file is not valid UTF-8").at(line, column).hint("save the file as UTF-8 (without BOM)").into()
    })
}

/// Parses YAML into `T`, turning serde errors into located input errors.
pub fn parse_yaml<T: serde::de::DeserializeOwned>(path: &Path, text: &str) -> Result<T> {
    serde_yaml::from_str(text).map_err(|e| {
        let mut err = InputError::new(path, format!("invalid YAML: {}", strip_location(&e.to_string())));
        if let Some(loc) = e.location() {
            err = err.at(loc.line(), loc.column());
        }
        let hint = if e.to_string().contains("unknown field") {
            "remove the key or fix its spelling; the expected keys are listed above"
        } else {
            "check the value's type and indentation against data/README.md"
        };
        err.hint(hint).into()
    })
}

/// serde_yaml appends " at line L column C" to messages; the location is shown separately.
fn strip_location(message: &str) -> String {
    match message.find(" at line ") {
        Some(i) => message[..i].to_string(),
        None => message.to_string(),
    }
}

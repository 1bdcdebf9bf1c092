//! Reads one CSV against its declared schema into a DataFrame. Every problem is reported
//! with the file, the line and the column, and a hint; nothing here panics on bad input.

use std::collections::BTreeMap;
use std::path::Path;

use polars::prelude::*;

use crate::catalog::{ColumnSpec, ColumnType};
use crate::error::{self, InputError, Result};

/// Months are stored as `year * 100 + month` and dates as `year * 10000 + month * 100 + day`,
/// so metrics can group by year with integer arithmetic.
pub fn read(path: &Path, columns: &[ColumnSpec], key: &[String]) -> Result<DataFrame> {
    parse(path, &error::read_to_string(path)?, columns, key)
}

/// Parses a CSV's text (`path` names it in errors).
pub fn parse(path: &Path, text: &str, columns: &[ColumnSpec], key: &[String]) -> Result<DataFrame> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if text.trim().is_empty() {
        return Err(InputError::new(path, "file is empty").hint(format!("the first line must be the header: {}", names(columns))).into());
    }
    let mut reader = csv::ReaderBuilder::new().has_headers(true).from_reader(text.as_bytes());
    let header = reader.headers().map_err(|e| csv_error(path, text, &e))?.clone();
    let positions = match_header(path, &header, columns)?;

    let mut cells: Vec<Vec<Option<String>>> = vec![Vec::new(); columns.len()];
    let mut lines = Vec::new();
    let mut keys: BTreeMap<Vec<String>, usize> = BTreeMap::new();
    for record in reader.records() {
        let record = record.map_err(|e| csv_error(path, text, &e))?;
        let line = record.position().map_or(0, |p| p.line() as usize);
        let mut key_values = Vec::new();
        for (i, spec) in columns.iter().enumerate() {
            let pos = positions[i];
            let raw = record.get(pos).unwrap_or("");
            // The column is worked out only for an error: finding the line is linear in the file.
            let located = |msg: String| {
                let column = text.lines().nth(line.saturating_sub(1)).map_or(pos + 1, |l| field_column(l, pos));
                InputError::new(path, msg).at(line, column).field(&spec.name).excerpt_from(text)
            };
            let length = raw.chars().count();
            if length > MAX_CELL {
                return Err(located(format!("cell is {length} characters long; a cell holds at most {MAX_CELL}"))
                    .hint("a cell holds one printed value; a quote that is opened and never closed swallows the rest of the file")
                    .into());
            }
            if raw.contains(['\n', '\r']) {
                return Err(located("cell contains a line break".into())
                    .hint("write the cell on one line: a report table cannot show a line break inside a cell")
                    .into());
            }
            if let Some(c) = raw.chars().find(|c| c.is_control()) {
                return Err(located(format!("cell contains the invisible control character U+{:04X}", c as u32))
                    .hint("delete it: it is not printed in the document (it often comes from copying out of a PDF)")
                    .into());
            }
            if raw != raw.trim() {
                return Err(located(format!("cell `{raw}` has leading or trailing spaces"))
                    .hint("remove the spaces; data/README.md keeps cells trimmed")
                    .into());
            }
            if raw.is_empty() && !spec.nullable {
                return Err(located("empty cell in a column that may not be empty".into())
                    .hint("fill in the printed value, or declare the column `nullable: true` if the document leaves it blank")
                    .into());
            }
            if !raw.is_empty() {
                check_type(raw, spec.kind)
                    .map_err(|hint| located(format!("`{raw}` is not a valid {}", type_name(spec.kind))).hint(hint))?;
                check_range(raw, spec).map_err(|(msg, hint)| located(msg).hint(hint))?;
            }
            if key.contains(&spec.name) {
                key_values.push(raw.to_string());
            }
            cells[i].push((!raw.is_empty()).then(|| raw.to_string()));
        }
        if let Some(first) = keys.insert(key_values.clone(), line) {
            return Err(InputError::new(path, format!("duplicate key ({}) = ({})", key.join(", "), key_values.join(", ")))
                .line(line)
                .hint(format!("line {first} has the same key; if both rows are really printed, add a column to `key` in the YAML"))
                .into());
        }
        lines.push(line);
    }
    if lines.is_empty() {
        return Err(InputError::new(path, "file has a header but no rows").hint("a dataset needs at least one record").into());
    }
    let height = lines.len();
    let series: Vec<Column> = columns.iter().zip(cells).map(|(spec, values)| to_column(spec, values)).collect();
    DataFrame::new(height, series).map_err(|e| InputError::new(path, format!("could not build the table: {e}")).into())
}

/// Longer cells are refused: no printed value is this long, and a lost quote produces one.
const MAX_CELL: usize = 10_000;

/// The 1-based character column where field `index` of a CSV line starts.
fn field_column(line: &str, index: usize) -> usize {
    let (mut field, mut quoted) = (0, false);
    for (i, c) in line.chars().enumerate() {
        if field == index {
            return i + 1;
        }
        match c {
            '"' => quoted = !quoted,
            ',' if !quoted => field += 1,
            _ => {}
        }
    }
    line.chars().count() + 1
}

fn names(columns: &[ColumnSpec]) -> String {
    columns.iter().map(|c| c.name.as_str()).collect::<Vec<_>>().join(",")
}

fn match_header(path: &Path, header: &csv::StringRecord, columns: &[ColumnSpec]) -> Result<Vec<usize>> {
    let found: Vec<&str> = header.iter().collect();
    for (i, name) in found.iter().enumerate() {
        if name.trim().is_empty() {
            return Err(InputError::new(path, format!("header cell {} is empty", i + 1))
                .at(1, text_header_column(header, i))
                .hint(format!("name every column (a trailing comma makes an empty one); declared columns: {}", names(columns)))
                .into());
        }
        if !columns.iter().any(|c| c.name == *name) {
            let nearest = crate::error::nearest(name, columns.iter().map(|c| c.name.as_str()));
            let hint = match nearest {
                Some(n) => format!("did you mean `{n}`? Declared columns: {}", names(columns)),
                None => format!("declare it in the YAML, or remove it; declared columns: {}", names(columns)),
            };
            let column = text_header_column(header, i);
            return Err(InputError::new(path, format!("unknown column `{name}`")).at(1, column).hint(hint).into());
        }
        if found[..i].contains(name) {
            return Err(InputError::new(path, format!("column `{name}` appears twice in the header"))
                .at(1, text_header_column(header, i))
                .hint(format!("name each column once; declared columns: {}", names(columns)))
                .into());
        }
    }
    columns
        .iter()
        .map(|c| {
            found.iter().position(|n| *n == c.name).ok_or_else(|| {
                InputError::new(path, format!("missing column `{}`", c.name))
                    .line(1)
                    .hint(format!("the header must name every declared column: {}", names(columns)))
                    .into()
            })
        })
        .collect()
}

/// The character column where header field `i` starts.
fn text_header_column(header: &csv::StringRecord, i: usize) -> usize {
    header.iter().take(i).map(|f| f.chars().count() + 1).sum::<usize>() + 1
}

fn csv_error(path: &Path, text: &str, e: &csv::Error) -> crate::error::Error {
    let line = e.position().map(|p| p.line() as usize);
    let source_line = line.and_then(|l| text.lines().nth(l.saturating_sub(1))).unwrap_or("");
    let mut err = match e.kind() {
        csv::ErrorKind::UnequalLengths { .. } if source_line.matches('"').count() % 2 == 1 => {
            let column = source_line.chars().position(|c| c == '"').map_or(1, |c| c + 1);
            let mut err = InputError::new(path, "a quote opened on this line is never closed")
                .hint("close the quoted cell; a quote inside a quoted cell is written twice (\"\")");
            if let Some(l) = line {
                err = err.at(l, column);
            }
            err
        }
        csv::ErrorKind::UnequalLengths { expected_len, len, .. } => {
            InputError::new(path, format!("row has {len} fields, the header has {expected_len}")).hint(if len > expected_len {
                "a cell that contains a comma must be quoted: \"a, b\""
            } else {
                "every row needs a cell for each column; leave it empty (a,,c) where the document prints nothing"
            })
        }
        csv::ErrorKind::Utf8 { .. } => InputError::new(path, "file is not valid UTF-8").hint("save the file as UTF-8"),
        _ => {
            InputError::new(path, format!("malformed CSV: {e}")).hint("check quoting: a quote inside a quoted cell is written twice (\"\")")
        }
    };
    if let (Some(l), None) = (line, err.line) {
        err = err.line(l);
    }
    err.excerpt_from(text).into()
}

/// The declared `min` and `max` of a numeric column.
fn check_range(raw: &str, spec: &ColumnSpec) -> std::result::Result<(), (String, String)> {
    let Ok(value) = raw.parse::<f64>() else { return Ok(()) };
    let declared = |bound: &str, limit: f64| {
        format!(
            "the column `{}` ({}) is declared with {bound}: {} in the YAML; check the sign and the unit",
            spec.name,
            spec.title,
            crate::numfmt::number(limit, 6)
        )
    };
    if let Some(min) = spec.min.filter(|min| value < *min) {
        return Err((format!("`{raw}` is below the column's minimum {}", crate::numfmt::number(min, 6)), declared("min", min)));
    }
    if let Some(max) = spec.max.filter(|max| value > *max) {
        return Err((format!("`{raw}` is above the column's maximum {}", crate::numfmt::number(max, 6)), declared("max", max)));
    }
    Ok(())
}

fn type_name(kind: ColumnType) -> &'static str {
    match kind {
        ColumnType::String => "text",
        ColumnType::Integer => "integer",
        ColumnType::Number => "number",
        ColumnType::Month => "month",
        ColumnType::Date => "date",
    }
}

pub(crate) fn check_type(raw: &str, kind: ColumnType) -> std::result::Result<(), String> {
    match kind {
        ColumnType::String => Ok(()),
        ColumnType::Integer => {
            raw.parse::<i64>().map(|_| ()).map_err(|_| "write a whole number without separators or units, e.g. 1900".into())
        }
        ColumnType::Number => match raw.parse::<f64>() {
            Ok(v) if v.is_finite() => Ok(()),
            Ok(_) => Err("NaN, infinity and numbers beyond ±1.8e308 cannot be printed: write the value the document prints".into()),
            _ => Err("write a plain number in the column's unit, without 亿/万 or thousands separators, e.g. 10.5".into()),
        },
        ColumnType::Month => parse_month(raw).map(|_| ()).ok_or_else(|| "write months as YYYY-MM, e.g. 2023-01 for 2023.1".into()),
        ColumnType::Date => parse_date(raw).map(|_| ()).ok_or_else(|| "write dates as YYYY-MM-DD, e.g. 2023-03-22".into()),
    }
}

pub fn parse_month(raw: &str) -> Option<i32> {
    let (y, m) = raw.split_once('-')?;
    let (y, m) = (y.parse::<i32>().ok()?, m.parse::<i32>().ok()?);
    (raw.len() == 7 && (1..=12).contains(&m)).then_some(y * 100 + m)
}

pub fn parse_date(raw: &str) -> Option<i32> {
    let ym = parse_month(raw.get(..7)?)?;
    let d = raw.get(8..)?.parse::<i32>().ok()?;
    (raw.len() == 10 && raw.as_bytes()[7] == b'-' && (1..=31).contains(&d)).then_some(ym * 100 + d)
}

fn to_column(spec: &ColumnSpec, values: Vec<Option<String>>) -> Column {
    let name: PlSmallStr = spec.name.as_str().into();
    // The values were checked above, so these parses cannot fail.
    match spec.kind {
        ColumnType::String => Column::new(name, values),
        ColumnType::Integer => {
            Column::new(name, values.iter().map(|v| v.as_deref().and_then(|s| s.parse::<i64>().ok())).collect::<Vec<_>>())
        }
        ColumnType::Number => {
            Column::new(name, values.iter().map(|v| v.as_deref().and_then(|s| s.parse::<f64>().ok())).collect::<Vec<_>>())
        }
        ColumnType::Month => Column::new(name, values.iter().map(|v| v.as_deref().and_then(parse_month)).collect::<Vec<_>>()),
        ColumnType::Date => Column::new(name, values.iter().map(|v| v.as_deref().and_then(parse_date)).collect::<Vec<_>>()),
    }
}

//! `check`: recomputes the numbers the text states and reports every contradiction.
//!
//! `data/claims.yaml` says, for each stated number that has a recomputable counterpart, how
//! to recompute it (a table count, a sum, a share, a growth, a rank, a date). Automatic
//! checks add qualifiers (超, 约, 近) against the value, caption year ranges against the
//! data, printed group totals against row counts, and items listed twice in one table.
//! `data/audit-acknowledged.yaml` lists reviewed contradictions of the published document,
//! so that `check --strict` fails only on new ones.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::catalog::Catalog;
use crate::error::{self, InputError, Result};
use crate::model::{Cell, Facts, Stated};
use crate::numfmt;

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Claims {
    pub claims: Vec<Claim>,
    /// Stated numbers that cannot be recomputed, with the reason.
    #[serde(default)]
    pub unverifiable: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Claim {
    pub id: String,
    /// The registry key of the printed number (for `date`: the key of the sentence's quote).
    pub stated: String,
    /// count, total, share, growth, rank or date: what kind of claim it is.
    pub kind: String,
    /// How to recompute it.
    #[serde(default)]
    pub recompute: Option<Expr>,
    /// growth: the current value; the check asks whether a whole previous value exists.
    #[serde(default)]
    pub current: Option<Expr>,
    /// date: the date the text prints (YYYY-MM) and the table cell it is compared with.
    #[serde(default)]
    pub printed: Option<String>,
    #[serde(default)]
    pub table_date: Option<TableCell>,
    /// What the recomputation uses, in a sentence.
    pub explain: String,
    /// For claims about words rather than a registered number (a date in a sentence): the
    /// printed clause and where it stands.
    #[serde(default)]
    pub quote: Option<String>,
    #[serde(default, rename = "where")]
    pub location: Option<String>,
    /// rank: the text names this item alone at its rank ("居首", "紧随其后"), so a tie in
    /// the data is worth a note.
    #[serde(default)]
    pub sole: bool,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct TableCell {
    pub table: String,
    pub column: String,
    #[serde(rename = "where")]
    pub filter: BTreeMap<String, String>,
}

/// How a number is recomputed: exactly one of the fields.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Expr {
    #[serde(default)]
    pub metric: Option<String>,
    #[serde(default)]
    pub stated: Option<String>,
    #[serde(default)]
    pub value: Option<f64>,
    #[serde(default)]
    pub count: Option<Count>,
    #[serde(default)]
    pub sum: Option<Vec<Expr>>,
    #[serde(default)]
    pub share: Option<Box<Share>>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Share {
    pub part: Expr,
    pub whole: Expr,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Count {
    pub table: String,
    /// column → exact text.
    #[serde(default, rename = "where")]
    pub filter: BTreeMap<String, String>,
    /// column → text the cell must contain.
    #[serde(default)]
    pub contains: BTreeMap<String, String>,
    /// (month column, year): rows dated in that year.
    #[serde(default)]
    pub year: Option<(String, i32)>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Acknowledged {
    pub claim: String,
    pub reason: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// The text and its own data disagree beyond the rounding the text used.
    Contradiction,
    /// A qualifier or a rounding that does not quite fit (超 905 for exactly 905).
    Minor,
    Agrees,
}

#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    pub id: String,
    pub kind: String,
    pub severity: Severity,
    pub location: String,
    pub quote: String,
    pub stated: String,
    pub recomputed: String,
    pub inputs: String,
    pub message: String,
    pub acknowledged: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Audit {
    pub findings: Vec<Finding>,
    pub unchecked: Vec<(String, String)>,
}

impl Audit {
    pub fn open_contradictions(&self) -> impl Iterator<Item = &Finding> {
        self.findings.iter().filter(|f| f.severity == Severity::Contradiction && f.acknowledged.is_none())
    }
    pub fn count(&self, s: Severity) -> usize {
        self.findings.iter().filter(|f| f.severity == s).count()
    }
}

fn claims_error(path: &Path, msg: String) -> error::Error {
    InputError::new(path, msg).hint("see the header of data/claims.yaml").into()
}

/// Evaluates an expression, saying in words what it used.
fn eval(e: &Expr, facts: &Facts, path: &Path) -> Result<(f64, String)> {
    if let Some(name) = &e.metric {
        let m = facts.metric(name).ok_or_else(|| claims_error(path, format!("unknown metric `{name}`")))?;
        return Ok((m.value, format!("{name} = {}", numfmt::number(m.value, 4))));
    }
    if let Some(key) = &e.stated {
        let s = facts.stated(key).ok_or_else(|| claims_error(path, format!("unknown stated key `{key}`")))?;
        return Ok((s.value, format!("{key} = {}", numfmt::number(s.value, 4))));
    }
    if let Some(v) = e.value {
        return Ok((v, numfmt::number(v, 4)));
    }
    if let Some(c) = &e.count {
        let t = facts.table(&c.table).ok_or_else(|| claims_error(path, format!("unknown table `{}`", c.table)))?;
        let col = |name: &str| {
            t.columns.iter().position(|c| c == name).ok_or_else(|| claims_error(path, format!("table `{}` has no column `{name}`", t.id)))
        };
        let mut n = 0;
        'rows: for row in &t.rows {
            for (column, want) in &c.filter {
                if row[col(column)?] != Cell::Text(want.clone()) {
                    continue 'rows;
                }
            }
            for (column, want) in &c.contains {
                if !matches!(&row[col(column)?], Cell::Text(s) if s.contains(want.as_str())) {
                    continue 'rows;
                }
            }
            if let Some((column, year)) = &c.year
                && !matches!(row[col(column)?], Cell::Month(y, _) | Cell::Date(y, _, _) if y == *year)
            {
                continue 'rows;
            }
            n += 1;
        }
        let mut what = vec![format!("rows of {}", c.table)];
        what.extend(c.filter.iter().map(|(k, v)| format!("{k} = {v}")));
        what.extend(c.contains.iter().map(|(k, v)| format!("{k} contains {v}")));
        if let Some((k, y)) = &c.year {
            what.push(format!("{k} in {y}"));
        }
        return Ok((n as f64, format!("{} = {n}", what.join(", "))));
    }
    if let Some(parts) = &e.sum {
        let mut total = 0.0;
        let mut words = Vec::new();
        for p in parts {
            let (v, w) = eval(p, facts, path)?;
            total += v;
            words.push(w);
        }
        return Ok((total, format!("sum of [{}] = {}", words.join("; "), numfmt::number(total, 4))));
    }
    if let Some(share) = &e.share {
        let (p, pw) = eval(&share.part, facts, path)?;
        let (w, ww) = eval(&share.whole, facts, path)?;
        let v = p / w * 100.0;
        return Ok((v, format!("({pw}) / ({ww}) × 100 = {}", numfmt::number(v, 4))));
    }
    Err(claims_error(path, "an expression needs one of metric, stated, value, count, sum, share".into()))
}

/// For a rank metric (`…_rank:NAME`): the others that share the rank, which a text saying
/// "first" or "leads" passes over.
fn ties<'a>(e: &Expr, rank: f64, facts: &'a Facts) -> Vec<&'a str> {
    let Some((prefix, name)) = e.metric.as_deref().and_then(|m| m.split_once(':')) else { return Vec::new() };
    facts
        .metrics
        .iter()
        .filter_map(|m| m.name.split_once(':').filter(|(p, n)| *p == prefix && *n != name && m.value == rank).map(|(_, n)| n))
        .collect()
}

/// Decimals as printed: 34.3 → 1, 14.89 → 2, 56 → 0.
fn decimals(v: f64) -> usize {
    let s = numfmt::number(v, 6);
    s.split_once('.').map_or(0, |(_, f)| f.len())
}

fn shown(s: &Stated) -> String {
    format!("{}{}{}", s.qualifier.as_deref().unwrap_or(""), numfmt::number(s.value, 4), s.unit)
}

/// Compares a stated value with its recomputation, within the rounding the text used and
/// the meaning of its qualifier.
fn compare(s: &Stated, actual: f64) -> (Severity, String) {
    let d = decimals(s.value);
    let rounded = numfmt::round_half_away(actual, d);
    let q = s.qualifier.as_deref().unwrap_or("");
    let close = (rounded - s.value).abs() < 1e-9;
    let rel = if s.value != 0.0 { (actual - s.value).abs() / s.value.abs() } else { actual.abs() };
    let over = q.contains('超') || q.contains('余') || q.contains("以上") || q.contains('多');
    if over {
        if actual > s.value {
            return (Severity::Agrees, "数据高于所述数值，与“超/余”相符".into());
        }
        if close {
            return (
                Severity::Minor,
                format!("正文称“{q}{}”，数据恰为 {}，并未超过", numfmt::number(s.value, 4), numfmt::number(actual, 4)),
            );
        }
        return (Severity::Contradiction, format!("正文称“{q}{}”，数据只有 {}", numfmt::number(s.value, 4), numfmt::number(actual, d + 2)));
    }
    if q.contains('近') {
        return if actual <= s.value && rel <= 0.1 {
            (Severity::Agrees, "数据略低于所述数值，与“近”相符".into())
        } else {
            (Severity::Contradiction, format!("“近{}”与数据 {} 不符", numfmt::number(s.value, 4), numfmt::number(actual, d + 2)))
        };
    }
    if q.contains('约') || q.contains("左右") {
        return if rel <= 0.05 || close {
            (Severity::Agrees, "相差在 5% 以内，与“约”相符".into())
        } else {
            (
                Severity::Contradiction,
                format!("“约{}”与数据 {} 相差 {:.0}%", numfmt::number(s.value, 4), numfmt::number(actual, d + 2), rel * 100.0),
            )
        };
    }
    if close {
        (Severity::Agrees, format!("数据 {} 四舍五入后即为所述的 {}", numfmt::number(actual, d + 2), numfmt::number(s.value, 4)))
    } else {
        (Severity::Contradiction, format!("正文为 {}，按数据重算为 {}", numfmt::number(s.value, 4), numfmt::number(actual, d + 2)))
    }
}

/// Whether some whole previous value gives the printed growth rate from the current one.
fn growth_has_whole_previous(current: f64, growth: f64) -> (bool, f64) {
    let d = decimals(growth);
    let implied = current / (1.0 + growth / 100.0);
    let ok = [implied.floor(), implied.ceil()]
        .iter()
        .any(|&prev| prev > 0.0 && (numfmt::round_half_away((current - prev) / prev * 100.0, d) - growth).abs() < 1e-9);
    (ok, implied)
}

pub fn run(catalog: &Catalog, facts: &Facts) -> Result<Audit> {
    let path = catalog.root.join("claims.yaml");
    // A project without claims still gets the automatic checks.
    let claims: Claims = if path.exists() {
        error::parse_yaml(&path, &error::read_to_string(&path)?)?
    } else {
        Claims { claims: Vec::new(), unverifiable: BTreeMap::new() }
    };
    let ack_path = catalog.root.join("audit-acknowledged.yaml");
    let acknowledged: Vec<Acknowledged> =
        if ack_path.exists() { error::parse_yaml(&ack_path, &error::read_to_string(&ack_path)?)? } else { Vec::new() };
    let mut findings = Vec::new();
    let mut checked = std::collections::BTreeSet::new();

    for c in &claims.claims {
        let s =
            facts.stated(&c.stated).ok_or_else(|| claims_error(&path, format!("claim `{}`: unknown stated key `{}`", c.id, c.stated)))?;
        checked.insert(s.key.clone());
        let (severity, recomputed, inputs, message) = match c.kind.as_str() {
            "growth" if c.current.is_some() => {
                let e = c.current.as_ref().expect("checked");
                let (cur, words) = eval(e, facts, &path)?;
                let (ok, implied) = growth_has_whole_previous(cur, s.value);
                if ok {
                    (
                        Severity::Agrees,
                        format!("上年约 {}", numfmt::number(implied, 2)),
                        words,
                        "存在整数的上年数量可得出此增长率".to_string(),
                    )
                } else {
                    let msg = format!(
                        "由 {} 与增长率 {} 反推上年为 {}，不是整数，没有整数的上年数量能得出这一增长率",
                        numfmt::number(cur, 4),
                        numfmt::number(s.value, 4) + "%",
                        numfmt::number(implied, 2)
                    );
                    (Severity::Contradiction, format!("上年 {}", numfmt::number(implied, 2)), words, msg)
                }
            }
            "date" => {
                let cell =
                    c.table_date.as_ref().ok_or_else(|| claims_error(&path, format!("claim `{}`: date needs `table_date`", c.id)))?;
                let printed = c.printed.clone().unwrap_or_default();
                let t = facts.table(&cell.table).ok_or_else(|| claims_error(&path, format!("unknown table `{}`", cell.table)))?;
                let col = |n: &str| t.columns.iter().position(|c| c == n);
                let row = t.rows.iter().find(|r| cell.filter.iter().all(|(k, v)| col(k).is_some_and(|i| r[i] == Cell::Text(v.clone()))));
                let found = match row.and_then(|r| col(&cell.column).map(|i| &r[i])) {
                    Some(Cell::Month(y, m)) => format!("{y}-{m:02}"),
                    Some(Cell::Date(y, m, d)) => format!("{y}-{m:02}-{d:02}"),
                    _ => return Err(claims_error(&path, format!("claim `{}`: no such row in `{}`", c.id, cell.table))),
                };
                let sev = if found.starts_with(&printed) { Severity::Agrees } else { Severity::Contradiction };
                let msg = format!(
                    "正文所述日期为 {printed}，{} 中为 {found}",
                    catalog.table(&cell.table).map_or(cell.table.clone(), |m| m.printed_number.clone())
                );
                (sev, found, format!("{} {} where {:?}", cell.table, cell.column, cell.filter), msg)
            }
            _ => {
                let e = c.recompute.as_ref().ok_or_else(|| claims_error(&path, format!("claim `{}`: needs `recompute`", c.id)))?;
                let (v, words) = eval(e, facts, &path)?;
                let (mut sev, mut msg) = compare(s, v);
                if c.kind == "rank" {
                    let tied = ties(e, v, facts);
                    msg = if sev == Severity::Agrees {
                        format!("名次一致：第 {} 位", numfmt::number(v, 0))
                    } else {
                        format!("正文为第 {} 位，数据为第 {} 位", numfmt::number(s.value, 0), numfmt::number(v, 0))
                    };
                    match (tied.is_empty(), c.sole && sev == Severity::Agrees) {
                        (true, _) => {}
                        (false, true) => {
                            sev = Severity::Minor;
                            msg.push_str(&format!("，但正文只提此一项，数据中与{}并列", tied.join("、")));
                        }
                        (false, false) => msg.push_str(&format!("，与{}并列", tied.join("、"))),
                    }
                }
                (sev, format!("{}{}", numfmt::number(v, 4), s.unit), words, msg)
            }
        };
        findings.push(Finding {
            id: c.id.clone(),
            kind: c.kind.clone(),
            severity,
            location: c.location.clone().unwrap_or_else(|| s.location.clone()),
            quote: c.quote.clone().unwrap_or_else(|| s.quote.clone()),
            stated: if c.kind == "date" { c.printed.clone().unwrap_or_default() } else { shown(s) },
            recomputed,
            inputs: inputs + &format!(" ({})", c.explain),
            message,
            acknowledged: None,
        });
    }
    findings.extend(automatic(catalog, facts));
    for f in &mut findings {
        if f.severity != Severity::Agrees {
            f.acknowledged = acknowledged.iter().find(|a| a.claim == f.id).map(|a| a.reason.clone());
        }
    }
    findings.sort_by(|a, b| (a.severity, &a.location, &a.id).cmp(&(b.severity, &b.location, &b.id)));
    let unchecked = facts
        .stated
        .iter()
        .filter(|s| !checked.contains(&s.key))
        .map(|s| (s.key.clone(), claims.unverifiable.get(&s.key).cloned().unwrap_or_else(|| "没有可据以重算的数据表或其他陈述数字".into())))
        .collect();
    Ok(Audit { findings, unchecked })
}

/// Checks that need no claim: caption year ranges, printed group totals, duplicates.
fn automatic(catalog: &Catalog, facts: &Facts) -> Vec<Finding> {
    let mut out = Vec::new();
    for (_, meta) in &catalog.figures {
        let Some(data) = facts.figure(&meta.id) else { continue };
        let years: Vec<i32> =
            meta.caption.split(|c: char| !c.is_ascii_digit()).filter_map(|s| s.parse().ok()).filter(|y| (1990..2100).contains(y)).collect();
        let shown: Vec<i32> = data.points.iter().filter_map(|p| p.category.parse().ok()).filter(|y| (1990..2100).contains(y)).collect();
        if let ([a, b], false) = (years.as_slice(), shown.is_empty()) {
            let (lo, hi) = (*shown.iter().min().unwrap_or(&0), *shown.iter().max().unwrap_or(&0));
            let agrees = (*a, *b) == (lo, hi);
            out.push(Finding {
                id: format!("caption-years-{}", meta.id),
                kind: "caption".into(),
                severity: if agrees { Severity::Agrees } else { Severity::Contradiction },
                location: format!("{} {}", meta.printed_number, meta.section),
                quote: meta.caption.clone(),
                stated: format!("{a}—{b}"),
                recomputed: format!("{lo}—{hi}"),
                inputs: format!("years of data/figures/{}", meta.id),
                message: if agrees {
                    "图题年份与数据年份一致".into()
                } else {
                    format!("图题为 {a}—{b} 年，数据覆盖 {lo}—{hi} 年")
                },
                acknowledged: None,
            });
        }
    }
    for (_, meta) in &catalog.tables {
        let Some(table) = facts.table(&meta.id) else { continue };
        if let Some(totals) = &meta.group_totals {
            let Some(i) = table.columns.iter().position(|c| *c == totals.column) else { continue };
            for (group, printed) in &totals.printed {
                let n = table.rows.iter().filter(|r| r[i] == Cell::Text(group.clone())).count() as i64;
                out.push(Finding {
                    id: format!("group-total-{}-{group}", meta.id),
                    kind: "total".into(),
                    severity: if n == *printed { Severity::Agrees } else { Severity::Contradiction },
                    location: meta.printed_number.clone(),
                    quote: format!("{group}({printed})"),
                    stated: printed.to_string(),
                    recomputed: n.to_string(),
                    inputs: format!("rows of {} with {} = {group}", meta.id, totals.column),
                    message: format!("{group} 的印刷小计与其行数对照"),
                    acknowledged: None,
                });
            }
        }
        let name_col = ["name", "policy", "project", "service", "park"].iter().find_map(|n| table.columns.iter().position(|c| c == n));
        if let Some(i) = name_col {
            let mut seen: BTreeMap<&str, usize> = BTreeMap::new();
            for row in &table.rows {
                if let Cell::Text(name) = &row[i] {
                    *seen.entry(name.as_str()).or_default() += 1;
                }
            }
            for (name, n) in seen.into_iter().filter(|(_, n)| *n > 1) {
                out.push(Finding {
                    id: format!("duplicate-{}-{name}", meta.id),
                    kind: "duplicate".into(),
                    severity: Severity::Contradiction,
                    location: meta.printed_number.clone(),
                    quote: name.to_string(),
                    stated: "1".into(),
                    recomputed: n.to_string(),
                    inputs: format!("{} column {}", meta.id, table.columns[i]),
                    message: format!("「{name}」在{}中出现 {n} 次", meta.printed_number),
                    acknowledged: None,
                });
            }
        }
    }
    out
}

fn md_cell(s: &str) -> String {
    crate::render::md_escape(s)
}

/// The audit as Markdown, for editors and pull requests.
pub fn markdown(audit: &Audit) -> String {
    let mut md = String::from("# 数据核查报告（audit）\n\n");
    md.push_str(&format!(
        "核查 {} 项：矛盾 {}（其中已确认 {}），轻微 {}，一致 {}；无法核查的陈述数字 {} 项。\n\n",
        audit.findings.len(),
        audit.count(Severity::Contradiction),
        audit.findings.iter().filter(|f| f.severity == Severity::Contradiction && f.acknowledged.is_some()).count(),
        audit.count(Severity::Minor),
        audit.count(Severity::Agrees),
        audit.unchecked.len()
    ));
    for (severity, title) in [(Severity::Contradiction, "矛盾"), (Severity::Minor, "轻微"), (Severity::Agrees, "一致")] {
        md.push_str(&format!(
            "## {title}\n\n| id | 类型 | 位置 | 原文 | 陈述 | 重算 | 说明 | 依据 |\n| --- | --- | --- | --- | --- | --- | --- | --- |\n"
        ));
        for f in audit.findings.iter().filter(|f| f.severity == severity) {
            let note = match &f.acknowledged {
                Some(r) => format!("{}（已确认：{r}）", f.message),
                None => f.message.clone(),
            };
            md.push_str(&format!(
                "| {} | {} | {} | {} | {} | {} | {} | {} |\n",
                md_cell(&f.id),
                f.kind,
                md_cell(&f.location),
                md_cell(&f.quote),
                md_cell(&f.stated),
                md_cell(&f.recomputed),
                md_cell(&note),
                md_cell(&f.inputs)
            ));
        }
        md.push('\n');
    }
    md.push_str("## 无法核查\n\n| key | 原因 |\n| --- | --- |\n");
    for (k, why) in &audit.unchecked {
        md.push_str(&format!("| {} | {} |\n", md_cell(k), md_cell(why)));
    }
    md
}

/// The terminal summary: contradictions in full, the rest counted.
pub fn terminal(audit: &Audit) -> String {
    let mut out = String::new();
    for f in audit.findings.iter().filter(|f| f.severity != Severity::Agrees) {
        let tag = match (f.severity, &f.acknowledged) {
            (Severity::Contradiction, None) => "contradiction",
            (Severity::Contradiction, Some(_)) => "acknowledged",
            _ => "minor",
        };
        out.push_str(&format!(
            "{tag}: {} [{}] {}\n  at {}: 「{}」\n  stated {}, recomputed {} from {}\n",
            f.id, f.kind, f.message, f.location, f.quote, f.stated, f.recomputed, f.inputs
        ));
    }
    out.push_str(&format!(
        "{} checks: {} contradictions ({} acknowledged), {} minor, {} agree; {} stated numbers cannot be checked (see audit.md)\n",
        audit.findings.len(),
        audit.count(Severity::Contradiction),
        audit.findings.iter().filter(|f| f.severity == Severity::Contradiction && f.acknowledged.is_some()).count(),
        audit.count(Severity::Minor),
        audit.count(Severity::Agrees),
        audit.unchecked.len()
    ));
    out
}

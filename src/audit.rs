//! `check`: compares every derived number the document prints with its computation, and
//! reports every contradiction.
//!
//! A derived number (`data/derived/*.yaml`) that the document prints keeps the printed value
//! beside its formula; the audit compares the two within the rounding the text used and the
//! meaning of its qualifier (超, 约, 近), checks that counts are whole and that a rank the
//! text gives to one item alone is not tied. Automatic checks add caption year ranges,
//! printed group totals and items listed twice in one table. `data/audit-acknowledged.yaml`
//! lists reviewed contradictions of the published document with the editor's choice for the
//! edition (print as published, or the computed value), so that `check --strict` fails only
//! on new ones, or on reviewed ones whose computed value has changed since the review.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::catalog::Catalog;
use crate::error::{self, Result};
use crate::model::{Cell, Claim, Facts, Number, NumberKind};
use crate::numfmt;

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Acknowledged {
    pub claim: String,
    pub reason: String,
    /// What the edition prints: the published value, or the computed one.
    #[serde(default)]
    pub print: Print,
    /// The computed value the review saw; a different one reopens the contradiction.
    #[serde(default)]
    pub computed: Option<String>,
}

/// The editor's choice for a reviewed contradiction.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Print {
    /// Print what the published document prints (a faithful reproduction).
    #[default]
    AsPublished,
    /// Print the computed value.
    Computed,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// The text and its own data disagree beyond the rounding the text used.
    Contradiction,
    /// A qualifier or a rounding that does not quite fit (超 905 for exactly 905).
    Minor,
    Agrees,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
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
    /// For a reviewed contradiction: what the edition prints.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub print: Option<Print>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Audit {
    pub findings: Vec<Finding>,
    pub unchecked: Vec<(String, String)>,
    /// What this edition's data changed in earlier editions (修订说明; see src/revisions.rs).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub revisions: Vec<crate::model::Revision>,
}

impl Audit {
    pub fn open_contradictions(&self) -> impl Iterator<Item = &Finding> {
        self.findings.iter().filter(|f| f.severity == Severity::Contradiction && f.acknowledged.is_none())
    }
    pub fn count(&self, s: Severity) -> usize {
        self.findings.iter().filter(|f| f.severity == s).count()
    }
}

/// Decimals as printed: 34.3 → 1, 14.89 → 2, 56 → 0.
use crate::data::decimals;
use crate::model::Printed;

/// A value with its unit, as an editor reads it (months as 2023-12).
fn with_unit(v: f64, unit: &str) -> String {
    if unit == "年月" {
        let m = v.round() as i64;
        return format!("{}-{:02}", m / 100, m % 100);
    }
    format!("{}{unit}", numfmt::number(v, 4))
}

fn printed_text(p: &Printed, unit: &str) -> String {
    format!("{}{}", p.qualifier.as_deref().unwrap_or(""), with_unit(p.value, unit))
}

/// Compares a printed value with its computation, within the rounding the text used and
/// the meaning of its qualifier.
fn compare(s: &Printed, actual: f64) -> (Severity, String) {
    let d = decimals(s.value);
    let rounded = numfmt::round_half_away(actual, d);
    let q = s.qualifier.as_deref().unwrap_or("");
    let close = (rounded - s.value).abs() < 1e-9;
    let rel = if s.value != 0.0 { (actual - s.value).abs() / s.value.abs() } else { actual.abs() };
    let claim = s.claim();
    if claim == Claim::MoreThan {
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
    if claim == Claim::Nearly {
        return if actual <= s.value && rel <= 0.1 {
            (Severity::Agrees, "数据略低于所述数值，与“近”相符".into())
        } else {
            (Severity::Contradiction, format!("“近{}”与数据 {} 不符", numfmt::number(s.value, 4), numfmt::number(actual, d + 2)))
        };
    }
    if claim == Claim::About {
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

/// What kind of claim a printed derived number makes, from its formula.
fn kind_of(n: &Number) -> &'static str {
    let f = n.formula.as_deref().unwrap_or("");
    match f.split('(').next().unwrap_or("") {
        _ if n.unit == "年月" => "date",
        "count" | "distinct" => "count",
        "rank" => "rank",
        "share" => "share",
        "growth" | "cagr" => "growth",
        "previous" => "growth",
        _ if n.unit == "%" => "share",
        _ => "total",
    }
}

/// How the computation is described in the audit: the sentence, the formula and its inputs.
fn inputs_of(n: &Number, facts: &Facts) -> String {
    let values: Vec<String> =
        n.inputs.iter().filter_map(|i| facts.number(i).map(|v| format!("{i} = {}", numfmt::number(v.value, 4)))).collect();
    let mut out = format!("{} = {}", n.formula.as_deref().unwrap_or(""), numfmt::number(n.value, 4));
    if !values.is_empty() {
        out.push_str(&format!("；{}", values.join("，")));
    }
    if let Some(e) = n.explained(facts.edition) {
        out.push_str(&format!("（{e}）"));
    }
    out
}

/// Reads the edition's `audit-acknowledged.yaml` (an edition without it has reviewed nothing).
pub fn acknowledgments(edition_dir: &Path) -> Result<Vec<Acknowledged>> {
    let path = edition_dir.join("audit-acknowledged.yaml");
    if !path.exists() {
        return Ok(Vec::new());
    }
    error::parse_yaml(&path, &error::read_to_string(&path)?)
}

pub fn run(catalog: &Catalog, facts: &Facts) -> Result<Audit> {
    let acknowledged = acknowledgments(&catalog.edition_dir)?;
    let mut findings = Vec::new();

    for n in facts.numbers.iter().filter(|n| n.kind == NumberKind::Derived) {
        let inputs = inputs_of(n, facts);
        // A number without a value in the edition's year is the template's error, not a finding.
        if n.whole && n.value.is_finite() {
            let (ok, message) = whole(n, facts);
            findings.push(Finding {
                id: n.name.clone(),
                kind: "growth".into(),
                severity: if ok { Severity::Agrees } else { Severity::Contradiction },
                location: n.defined.clone(),
                quote: n.explained(facts.edition).unwrap_or_default(),
                stated: "整数".into(),
                recomputed: with_unit(n.value, &n.unit),
                inputs: inputs.clone(),
                message,
                acknowledged: None,
                print: None,
            });
        }
        let Some(p) = &n.printed else { continue };
        let kind = kind_of(n);
        let (mut severity, mut message) = if kind == "date" {
            if (n.value - p.value).abs() < 1e-9 {
                (Severity::Agrees, "正文所述年月与数据表一致".to_string())
            } else {
                (Severity::Contradiction, format!("正文所述为 {}，数据表中为 {}", with_unit(p.value, &n.unit), with_unit(n.value, &n.unit)))
            }
        } else {
            compare(p, n.value)
        };
        if kind == "rank" {
            message = if severity == Severity::Agrees {
                format!("名次一致：第 {} 位", numfmt::number(n.value, 0))
            } else {
                format!("正文为第 {} 位，数据为第 {} 位", numfmt::number(p.value, 0), numfmt::number(n.value, 0))
            };
            match (n.ties.is_empty(), p.sole && severity == Severity::Agrees) {
                (true, _) => {}
                (false, true) => {
                    severity = Severity::Minor;
                    message.push_str(&format!("，但正文只提此一项，数据中与{}并列", n.ties.join("、")));
                }
                (false, false) => message.push_str(&format!("，与{}并列", n.ties.join("、"))),
            }
        }
        findings.push(Finding {
            id: n.name.clone(),
            kind: kind.into(),
            severity,
            location: p.location.clone(),
            quote: p.quote.clone(),
            stated: printed_text(p, &n.unit),
            recomputed: with_unit(n.value, &n.unit),
            inputs,
            message,
            acknowledged: None,
            print: None,
        });
    }
    findings.extend(automatic(catalog, facts));
    for f in &mut findings {
        if f.severity == Severity::Agrees {
            continue;
        }
        let Some(a) = acknowledged.iter().find(|a| a.claim == f.id) else { continue };
        match &a.computed {
            Some(seen) if *seen != f.recomputed => {
                // The data changed since the review: the contradiction is open again.
                f.message.push_str(&format!("（复核时计算值为 {seen}，现为 {}，需重新复核）", f.recomputed));
            }
            _ => {
                f.acknowledged = Some(a.reason.clone());
                f.print = Some(a.print);
            }
        }
    }
    findings.sort_by(|a, b| (a.severity, &a.location, &a.id).cmp(&(b.severity, &b.location, &b.id)));
    let unchecked = facts
        .numbers
        .iter()
        .filter(|n| n.kind == NumberKind::Primary)
        .map(|n| (n.name.clone(), "主要数字：data/ 中没有可据以计算它的数据".to_string()))
        .collect();
    Ok(Audit { findings, unchecked, revisions: Vec::new() })
}

/// A count that must be whole. For a previous year implied by a printed growth rate, the
/// question is whether some whole previous count gives that rate at the printed precision.
fn whole(n: &Number, facts: &Facts) -> (bool, String) {
    let formula = n.formula.as_deref().unwrap_or("");
    if formula.starts_with("previous(")
        && n.inputs.len() >= 2
        && let (Some(cur), Some(g)) = (facts.number(&n.inputs[0]), facts.number(&n.inputs[1]))
    {
        let (ok, implied) = growth_has_whole_previous(cur.value, g.value);
        let msg = if ok {
            "存在整数的上年数量可得出此增长率".to_string()
        } else {
            format!(
                "由 {} 与增长率 {}% 反推上年为 {}，不是整数，没有整数的上年数量能得出这一增长率",
                numfmt::number(cur.value, 4),
                numfmt::number(g.value, 4),
                numfmt::number(implied, 2)
            )
        };
        return (ok, msg);
    }
    let ok = (n.value - n.value.round()).abs() < 1e-9;
    (ok, if ok { "数量为整数".into() } else { format!("数量应为整数，计算得 {}", numfmt::number(n.value, 4)) })
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
                print: None,
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
                    print: None,
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
                    print: None,
                });
            }
        }
    }
    out
}

fn md_cell(s: &str) -> String {
    crate::text::md_escape(s)
}

/// The audit as Markdown, for editors and pull requests.
pub fn markdown(audit: &Audit) -> String {
    let mut md = String::from("# 数据核查报告（audit）\n\n");
    md.push_str(&format!(
        "核查 {} 项：矛盾 {}（其中已确认 {}），轻微 {}，一致 {}；主要数字（数据无法计算、按原文录入）{} 项。\n\n",
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
    md.push_str("## 主要数字（按原文录入，无法由数据计算）\n\n| key | 原因 |\n| --- | --- |\n");
    for (k, why) in &audit.unchecked {
        md.push_str(&format!("| {} | {} |\n", md_cell(k), md_cell(why)));
    }
    if !audit.revisions.is_empty() {
        md.push_str("\n## 修订说明\n\n往期报告按其出版时已知的数据计算；本版数据对其所印数值的修订如下。\n\n| 往期 | 数值或表 | 往期所印 | 现值 | 说明 |\n| --- | --- | --- | --- | --- |\n");
        for r in &audit.revisions {
            md.push_str(&format!(
                "| {} 年版 | {} | {} | {} | {} |\n",
                r.edition,
                md_cell(&r.name),
                md_cell(&r.printed),
                md_cell(&r.now),
                md_cell(&r.because)
            ));
        }
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
        "{} checks: {} contradictions ({} acknowledged), {} minor, {} agree; {} primaries are typed, not computed (see audit.md)\n",
        audit.findings.len(),
        audit.count(Severity::Contradiction),
        audit.findings.iter().filter(|f| f.severity == Severity::Contradiction && f.acknowledged.is_some()).count(),
        audit.count(Severity::Minor),
        audit.count(Severity::Agrees),
        audit.unchecked.len()
    ));
    out
}

#[cfg(test)]
mod tests;

//! How much of the source document the rendered report reproduces: the share of sentences,
//! table cells, captions and numbers of sources/report-2023-2024.txt found in
//! output/report.md, after removing PDF-extraction artefacts and white space on both sides.
//! Each share must stay at or above 99%. The figures are printed with --nocapture.

mod common;
use common::*;

/// Removes white space, folds bracket widths and undoes the `and` extracted for 与.
fn normalize(s: &str) -> String {
    let s = s.replace(" and ", "与").replace("**", "").replace('¹', "");
    s.chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| match c {
            '(' => '（',
            ')' => '）',
            ',' => '，',
            ':' => '：',
            ';' => '；',
            '—' | '–' => '-',
            _ => c,
        })
        .collect()
}

/// The rendered Markdown as plain text: no anchors, escapes, emphasis, table pipes or links.
fn plain(markdown: &str) -> String {
    let mut out = String::new();
    for line in markdown.lines() {
        if line.starts_with("<a id=") || line.starts_with("| ---") || line.starts_with("![") {
            continue;
        }
        let line = line.replace("<strong>", "").replace("</strong>", "").replace('\\', "").replace('|', "\n");
        let line = line.trim_start_matches('#').trim_start_matches("- ");
        out.push_str(line);
        out.push('\n');
    }
    out
}

fn is_artefact(line: &str) -> bool {
    let t = line.trim();
    t.is_empty() || t.eq_ignore_ascii_case("CCID 赛迪区块链") || t == "**" || t.chars().all(|c| c == '-' || c == '|' || c.is_whitespace())
}

struct Measure {
    name: &'static str,
    found: usize,
    total: usize,
    missing: Vec<String>,
}

impl Measure {
    fn new(name: &'static str) -> Self {
        Measure { name, found: 0, total: 0, missing: Vec::new() }
    }
    fn check(&mut self, unit: &str, output: &str) {
        let unit = normalize(unit);
        if unit.chars().count() < 2 {
            return;
        }
        self.total += 1;
        if output.contains(&unit) {
            self.found += 1;
        } else {
            self.missing.push(unit);
        }
    }
    fn share(&self) -> f64 {
        if self.total == 0 { 1.0 } else { self.found as f64 / self.total as f64 }
    }
}

#[test]
fn the_report_reproduces_the_source_document() {
    let source = std::fs::read_to_string(repo().join("sources/report-2023-2024.txt"))
        .expect("sources/report-2023-2024.txt, the project's copy of the source text");
    let dir = real();
    build(dir.path()).unwrap();
    // What a reader sees: the report's text and the text drawn in its charts (图 1-1 is a
    // keyword graphic whose words the PDF extraction kept).
    let mut seen = plain(&read(dir.path(), "output/2023/report.md"));
    let mut charts: Vec<_> = std::fs::read_dir(dir.path().join("output/2023/charts"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "svg"))
        .collect();
    charts.sort();
    for svg in charts {
        let svg = std::fs::read_to_string(svg).unwrap();
        for text in svg.split("<text").skip(1).filter_map(|t| t.split_once('>')).map(|(_, rest)| rest.split("</text>").next().unwrap_or(""))
        {
            seen.push_str(text.trim());
        }
        seen.push('\n');
    }
    let output = normalize(&seen);

    let lines: Vec<&str> = source.lines().collect();
    // The contents page (目 录 … 附件:) is generated with links, without page numbers.
    let toc_start = lines.iter().position(|l| l.trim() == "目 录").unwrap_or(0);
    let toc_end = lines.iter().position(|l| l.starts_with("附件:")).map_or(toc_start, |i| i + 1);

    let mut sentences = Measure::new("sentences");
    let mut cells = Measure::new("table cells");
    let mut captions = Measure::new("captions");
    let mut numbers = Measure::new("numbers");
    let mut prose: Vec<String> = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        if (toc_start..toc_end).contains(&i) || is_artefact(line) {
            continue;
        }
        let t = line.trim();
        if t.contains('\t') {
            for cell in t.split('\t').filter(|c| !c.trim().chars().all(|c| c == '-')) {
                cells.check(cell, &output);
            }
        } else if t.starts_with("图 ") || t.starts_with("表 ") || t.starts_with("附表") {
            // 表 1-1 TITLE, 图 2-3 TITLE, 附表 4 TITLE, 附表5 TITLE: drop the printed number.
            let rest = t.trim_start_matches("附表").trim_start_matches(['图', '表']).trim_start();
            let caption = rest.trim_start_matches(|c: char| c.is_ascii_digit() || c == '-').trim_start();
            captions.check(caption, &output);
        } else {
            prose.push(t.to_string());
        }
        for n in t.split(|c: char| !(c.is_ascii_digit() || c == '.')).filter(|n| n.chars().any(|c| c.is_ascii_digit())) {
            numbers.check(n.trim_matches('.'), &output);
        }
    }
    // Sentences within a line; a line that stops mid-sentence (a page break) is joined to
    // the next line's first sentence unless it is complete on its own (a heading, a name).
    const ENDS: [char; 4] = ['。', '；', '！', '？'];
    let mut carry = String::new();
    for line in &prose {
        let mut units: Vec<&str> = line.split_inclusive(ENDS).collect();
        if !carry.is_empty() {
            let first = units.first().copied().unwrap_or("");
            let joined = format!("{carry}{first}");
            if !units.is_empty() && output.contains(&normalize(joined.trim_end_matches(ENDS))) {
                units.remove(0);
                sentences.check(joined.trim_end_matches(ENDS), &output);
            } else {
                sentences.check(&carry, &output);
            }
            carry.clear();
        }
        let open = !line.ends_with(ENDS);
        let last = if open { units.pop() } else { None };
        for u in units {
            sentences.check(u.trim_end_matches(ENDS), &output);
        }
        if let Some(last) = last {
            if output.contains(&normalize(last)) {
                sentences.check(last, &output);
            } else {
                carry = last.to_string();
            }
        }
    }
    if !carry.is_empty() {
        sentences.check(&carry, &output);
    }

    let mut failed = Vec::new();
    for m in [&sentences, &cells, &captions, &numbers] {
        println!("{:<12} {:>5} of {:>5} found: {:.2}%", m.name, m.found, m.total, m.share() * 100.0);
        for missing in m.missing.iter().take(40) {
            println!("    missing: {}", missing.chars().take(60).collect::<String>());
        }
        if m.share() < 0.99 {
            failed.push(m.name);
        }
    }
    assert!(failed.is_empty(), "below 99%: {failed:?}");
}

/// Every printed number's quote (primaries, and derived numbers the document prints) is in
/// the source document: its provenance is real.
#[test]
fn every_printed_quote_is_in_the_source() {
    let source = std::fs::read_to_string(repo().join("sources/report-2023-2024.txt")).unwrap();
    let lines: Vec<&str> = source.lines().filter(|l| !is_artefact(l)).collect();
    let text = normalize(&lines.join(""));
    let (_, facts) = blockchain_report::build::Project::open(&repo().join("report.yaml")).unwrap().load().unwrap();
    let missing: Vec<String> = facts
        .numbers
        .iter()
        .filter_map(|n| n.printed.as_ref().map(|p| (n, p)))
        .filter(|(_, p)| !text.contains(&normalize(&p.quote)))
        .map(|(n, p)| format!("{}: {}", n.name, p.quote))
        .collect();
    assert!(missing.is_empty(), "{} quotes not found in the source:\n{}", missing.len(), missing.join("\n"));
}

/// Every external source is quoted from the collected historical data, and only high- or
/// medium-confidence values are used.
#[test]
fn every_external_source_is_quoted_from_the_reference() {
    let reference = normalize(&std::fs::read_to_string(repo().join("sources/historical-data.md")).unwrap());
    let (catalog, facts) = blockchain_report::build::Project::open(&repo().join("report.yaml")).unwrap().load().unwrap();
    let mut checked = 0;
    for (_, meta) in &catalog.figures {
        for (key, source) in &meta.sources {
            let quote = source.quote.as_deref().unwrap_or_else(|| panic!("{} {key}: an external source needs its quote", meta.id));
            assert!(reference.contains(&normalize(quote)), "{} {key}: quote not in historical-data.md: {quote}", meta.id);
            checked += 1;
        }
        let used: Vec<_> =
            facts.figure(&meta.id).unwrap().points.iter().filter(|p| p.status == blockchain_report::model::Status::External).collect();
        assert!(
            used.iter().all(|p| p.provenance.detail.contains("可信度 high") || p.provenance.detail.contains("可信度 medium")),
            "{}: only high or medium confidence",
            meta.id
        );
    }
    assert!(checked >= 5, "{checked}");
}

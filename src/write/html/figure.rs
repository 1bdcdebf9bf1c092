//! A figure in the web page: both drawings of its chart inline (the desktop body and the
//! narrow drawing, swapped by the page's width in the stylesheet, no script), its marks as
//! JSON for the page script, the 数据表 of exactly the values drawn, and its caption, source,
//! notes and files.

use super::{Links, esc};
use crate::charts::{Chart, ChartTable, marks};
use crate::document::Figure;
use crate::model::Status;
use crate::text::html_escape;

pub(super) fn figure(f: &Figure, charts: &[Chart], links: Links) -> String {
    let (a, l) = (&f.anchor, f.label);
    let mut s = format!("<figure class=\"figure\" id=\"{a}\">\n");
    match charts.iter().find(|c| c.id == f.id) {
        Some(chart) => {
            s.push_str(&chart_html(f, chart));
            s.push_str(&data_table(f, &chart.table));
        }
        None if links == Links::Files => s.push_str(&format!("<img src=\"{}\" alt=\"{}\" />\n", f.png(), esc(&f.alt))),
        None => {}
    }
    s.push_str("<figcaption>\n");
    s.push_str(&format!("<p class=\"caption\"><a class=\"self-link\" href=\"#{a}\">{l}</a> {}</p>\n", esc(&f.caption)));
    if let Some(src) = &f.source {
        s.push_str(&format!("<p class=\"source\">{}：{}</p>\n", esc(&src.label), esc(&src.text)));
    }
    for n in &f.notes {
        s.push_str(&format!("<p class=\"note\">注：{}</p>\n", esc(n)));
    }
    if links == Links::Files {
        s.push_str(&format!(
            "<p class=\"downloads\">数据与图片：<a href=\"{}\" type=\"text/csv\" aria-label=\"{l} CSV 数据\">CSV 数据</a> <a href=\"{}\" type=\"image/svg+xml\" aria-label=\"{l} SVG\">SVG</a> <a href=\"{}\" type=\"image/png\" aria-label=\"{l} PNG\">PNG</a></p>\n",
            f.csv(),
            f.svg(),
            f.png()
        ));
    }
    s.push_str("</figcaption>\n</figure>\n");
    s
}

/// The chart: one tab stop described by its alt text, holding both drawings (hidden from
/// screen readers, which get the alt text and the 数据表), and its marks for the script.
fn chart_html(f: &Figure, chart: &Chart) -> String {
    let svg = |svg: &str| {
        let svg = svg.trim_start_matches(|c| c != '<');
        svg.replacen("<svg ", "<svg aria-hidden=\"true\" focusable=\"false\" ", 1)
    };
    format!(
        "<div class=\"chart\" tabindex=\"0\" role=\"img\" aria-label=\"{alt}\" data-marks=\"{id}-marks\">\n\
         <div class=\"chart-wide\">{wide}</div>\n<div class=\"chart-narrow\">{narrow}</div>\n</div>\n\
         <script type=\"application/json\" id=\"{id}-marks\">{json}</script>\n",
        alt = esc(&f.alt),
        id = html_escape(&chart.id),
        wide = svg(&chart.body_svg()),
        narrow = svg(&chart.narrow_svg),
        json = chart.marks_json(),
    )
}

/// The 数据表: a toggle under the chart with exactly the values drawn, as a table whose
/// first column names each row.
fn data_table(f: &Figure, table: &ChartTable) -> String {
    let mut s = format!(
        "<details class=\"chart-table\">\n<summary>数据表</summary>\n<div class=\"table-scroll\">\n<table>\n<caption>{} {}：数据表</caption>\n<thead><tr>",
        f.label,
        esc(&f.caption)
    );
    for c in &table.columns {
        s.push_str(&format!("<th scope=\"col\">{}</th>", html_escape(c)));
    }
    s.push_str("</tr></thead>\n<tbody>\n");
    // Without a column that says each value's status, a cell says it when it is not the
    // report's own.
    let says_status = table.columns.last().is_some_and(|c| c == "来源");
    for row in &table.rows {
        s.push_str("<tr>");
        for (i, cell) in row.iter().enumerate() {
            let mut text = html_escape(&cell.text);
            if let Some(status @ (Status::Derived | Status::External)) = cell.status
                && !says_status
            {
                text.push_str(&format!("<span class=\"status\">（{}）</span>", marks::status_word(status)));
            }
            match i {
                0 => s.push_str(&format!("<th scope=\"row\">{text}</th>")),
                _ => s.push_str(&format!("<td>{text}</td>")),
            }
        }
        s.push_str("</tr>\n");
    }
    s.push_str("</tbody>\n</table>\n</div>\n</details>\n");
    s
}

//! Data tables as Word tables: the report's table style, the header row repeated at the top
//! of every page the table runs onto, rows that do not break inside, and column widths in
//! proportion to what the columns hold (LibreOffice lays a table out by its grid).

use super::styles::{ParaStyle, TableStyle};
use super::xml::{RunFormat, paragraph, run};

/// The text column in twentieths of a point (16 cm).
pub const TEXT_WIDTH_TWIPS: u32 = 9070;

/// How wide a text is set: a CJK or full-width character counts two, others one.
fn display_width(text: &str) -> usize {
    text.chars().map(|c| if super::xml::is_east_asian(&c.to_string()) { 2 } else { 1 }).sum()
}

/// Column widths (twips) summing to the text column: each column's widest cell, kept
/// between a narrow column (a year) and a wide one (a policy's name) so no column starves.
pub fn column_widths(header: &[String], rows: &[Vec<String>]) -> Vec<u32> {
    let columns = header.len().max(rows.iter().map(Vec::len).max().unwrap_or(0));
    if columns == 0 {
        return Vec::new();
    }
    let weights: Vec<usize> = (0..columns)
        .map(|i| {
            let widest = std::iter::once(header.get(i)).chain(rows.iter().map(|r| r.get(i))).flatten().map(|t| display_width(t)).max().unwrap_or(0);
            widest.clamp(6, 48)
        })
        .collect();
    let total: usize = weights.iter().sum();
    let mut widths: Vec<u32> = weights.iter().map(|w| (TEXT_WIDTH_TWIPS as usize * w / total) as u32).collect();
    // Rounding leaves a few twips: the last column takes them.
    let rest = TEXT_WIDTH_TWIPS - widths.iter().sum::<u32>();
    if let Some(last) = widths.last_mut() {
        *last += rest;
    }
    widths
}

fn cell(text: &str, width: u32, style: ParaStyle) -> String {
    format!(r#"<w:tc><w:tcPr><w:tcW w:w="{width}" w:type="dxa"/></w:tcPr>{}</w:tc>"#, paragraph(style, &run(text, RunFormat::PLAIN)))
}

/// A table: the header row (repeated on each page) and the rows, cells as printed.
pub fn table(header: &[String], rows: &[Vec<String>]) -> String {
    let widths = column_widths(header, rows);
    let mut out = format!(
        concat!(
            r#"<w:tbl><w:tblPr><w:tblStyle w:val="{}"/><w:tblW w:w="{}" w:type="dxa"/>"#,
            r#"<w:tblLayout w:type="fixed"/><w:tblLook w:val="04A0" w:firstRow="1" w:lastRow="0" w:firstColumn="0" w:lastColumn="0" w:noHBand="1" w:noVBand="1"/></w:tblPr><w:tblGrid>"#
        ),
        TableStyle::Data.id(),
        TEXT_WIDTH_TWIPS
    );
    for w in &widths {
        out.push_str(&format!(r#"<w:gridCol w:w="{w}"/>"#));
    }
    out.push_str("</w:tblGrid>");
    let empty = String::new();
    let row = |cells: &[String], style: ParaStyle, properties: &str| {
        let mut r = format!("<w:tr><w:trPr><w:cantSplit/>{properties}</w:trPr>");
        for (i, w) in widths.iter().enumerate() {
            r.push_str(&cell(cells.get(i).unwrap_or(&empty), *w, style));
        }
        r.push_str("</w:tr>");
        r
    };
    out.push_str(&row(header, ParaStyle::TableHeading, "<w:tblHeader/>"));
    for cells in rows {
        out.push_str(&row(cells, ParaStyle::TableText, ""));
    }
    out.push_str("</w:tbl>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|x| x.to_string()).collect()
    }

    #[test]
    fn the_header_row_repeats_on_each_page_and_rows_do_not_split() {
        let t = table(&s(&["发布主体", "时间"]), &[s(&["国家能源局", "2023.3"]), s(&["科技部", "2023.5"])]);
        assert_eq!(t.matches("<w:tblHeader/>").count(), 1);
        assert_eq!(t.matches("<w:tr>").count(), 3);
        assert_eq!(t.matches("<w:cantSplit/>").count(), 3);
        assert!(t.contains(r#"<w:tblStyle w:val="ReportTable"/>"#));
        assert!(t.find(r#"w:val="TableHeading""#).unwrap() < t.find("国家能源局").unwrap());
        assert_eq!(t.matches(r#"w:val="TableText""#).count(), 4);
    }

    #[test]
    fn columns_share_the_text_width_by_what_they_hold() {
        let w = column_widths(&s(&["时间", "政策名称"]), &[s(&["2023.1", "《关于促进数据安全产业发展的指导意见》"])]);
        assert_eq!(w.iter().sum::<u32>(), TEXT_WIDTH_TWIPS);
        assert!(w[1] > 3 * w[0], "{w:?}");
        // A short row gets empty cells, never a ragged table.
        let t = table(&s(&["a", "b", "c"]), &[s(&["1"])]);
        assert_eq!(t.matches("<w:tc>").count(), 6);
    }
}

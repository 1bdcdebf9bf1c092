//! Data tables as Word tables: the report's table style, the header row repeated at the top
//! of every page the table runs onto, rows that do not break inside, and column widths in
//! proportion to what the columns hold (LibreOffice lays a table out by its grid).

use super::styles::{ParaStyle, TableStyle};
use super::xml::{RunFormat, paragraph, run};

/// The text column in twentieths of a point (16 cm).
pub const TEXT_WIDTH_TWIPS: u32 = 9070;

/// How wide a text is set, in half-characters: a CJK or full-width character counts two.
fn display_width(text: &str) -> u32 {
    text.chars().map(|c| if super::xml::is_east_asian(c.encode_utf8(&mut [0; 4])) { 2 } else { 1 }).sum()
}

/// Twips per half-character of table text (9 pt: a CJK character is 180 twips, a digit
/// about 100, the unit that keeps `2023.11` on one line) and the
/// cell's own margins (100 twips each side in the table style).
const HALF_CHARACTER: u32 = 104;
const CELL_MARGINS: u32 = 200;

/// The least a column that wraps is given: eight CJK characters a line.
const WIDE_FLOOR: u32 = 16 * HALF_CHARACTER + CELL_MARGINS;

/// Column widths (twips) summing to the text column. A column gets what its longest cell
/// needs on one line when that is no more than an even share (a year, a short name), and the
/// wide columns share the rest in proportion to their longest cells, so a year never wraps
/// while a policy's name does.
pub fn column_widths(header: &[String], rows: &[Vec<String>]) -> Vec<u32> {
    let columns = header.len().max(rows.iter().map(Vec::len).max().unwrap_or(0));
    if columns == 0 {
        return Vec::new();
    }
    let wanted: Vec<u32> = (0..columns)
        .map(|i| {
            let widest =
                std::iter::once(header.get(i)).chain(rows.iter().map(|r| r.get(i))).flatten().map(|t| display_width(t)).max().unwrap_or(0);
            widest.max(4) * HALF_CHARACTER + CELL_MARGINS
        })
        .collect();
    let total_wanted: u32 = wanted.iter().sum();
    let mut widths = vec![0u32; columns];
    if total_wanted <= TEXT_WIDTH_TWIPS {
        // Everything fits on one line: widen each column in proportion.
        for (w, want) in widths.iter_mut().zip(&wanted) {
            *w = (*want as u64 * TEXT_WIDTH_TWIPS as u64 / total_wanted as u64) as u32;
        }
    } else {
        let mut order: Vec<usize> = (0..columns).collect();
        order.sort_by_key(|&i| (wanted[i], i));
        let mut remaining = TEXT_WIDTH_TWIPS;
        let mut left = columns as u32;
        let mut wide = Vec::new();
        for i in order {
            if wide.is_empty() && wanted[i] <= remaining / left {
                widths[i] = wanted[i];
                remaining -= wanted[i];
                left -= 1;
            } else {
                wide.push(i);
            }
        }
        // Each wide column first gets a floor (a name beside a paragraph keeps a readable
        // width, not one character a line), then the rest in proportion to what it wants more.
        let floor: Vec<u64> = wide.iter().map(|&i| wanted[i].min(WIDE_FLOOR) as u64).collect();
        let floors: u64 = floor.iter().sum();
        let (base, share): (Vec<u64>, Vec<u64>) = if floors <= remaining as u64 {
            (floor.clone(), wide.iter().zip(&floor).map(|(&i, f)| wanted[i] as u64 - f).collect())
        } else {
            (vec![0; wide.len()], floor.clone())
        };
        let extra = remaining as u64 - base.iter().sum::<u64>();
        let share_total: u64 = share.iter().sum::<u64>().max(1);
        for (k, &i) in wide.iter().enumerate() {
            widths[i] = (base[k] + share[k] * extra / share_total) as u32;
        }
    }
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

/// Paragraphs set in columns without borders (the `names` block, two to a row); each cell
/// holds one paragraph's runs.
pub fn columns(cells: &[String], columns: usize, style: ParaStyle) -> String {
    let width = TEXT_WIDTH_TWIPS / columns.max(1) as u32;
    let mut out = format!(
        concat!(
            r#"<w:tbl><w:tblPr><w:tblW w:w="{}" w:type="dxa"/><w:tblBorders><w:top w:val="nil"/><w:left w:val="nil"/><w:bottom w:val="nil"/>"#,
            r#"<w:right w:val="nil"/><w:insideH w:val="nil"/><w:insideV w:val="nil"/></w:tblBorders><w:tblLayout w:type="fixed"/></w:tblPr><w:tblGrid>"#
        ),
        width * columns as u32
    );
    out.push_str(&format!(r#"<w:gridCol w:w="{width}"/>"#).repeat(columns));
    out.push_str("</w:tblGrid>");
    for row in cells.chunks(columns.max(1)) {
        out.push_str("<w:tr><w:trPr><w:cantSplit/></w:trPr>");
        for i in 0..columns {
            let runs = row.get(i).map(String::as_str).unwrap_or("");
            out.push_str(&format!(r#"<w:tc><w:tcPr><w:tcW w:w="{width}" w:type="dxa"/></w:tcPr>{}</w:tc>"#, paragraph(style, runs)));
        }
        out.push_str("</w:tr>");
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
    fn names_are_set_two_to_a_row_without_borders() {
        let t = columns(&s(&["a", "b", "c"]), 2, ParaStyle::Names);
        assert_eq!(t.matches("<w:tr>").count(), 2);
        assert_eq!(t.matches("<w:tc>").count(), 4);
        assert!(t.contains(r#"<w:insideV w:val="nil"/>"#) && !t.contains("tblHeader"));
    }

    #[test]
    fn columns_share_the_text_width_by_what_they_hold() {
        let w = column_widths(&s(&["时间", "政策名称"]), &[s(&["2023.1", "《关于促进数据安全产业发展的指导意见》"])]);
        assert_eq!(w.iter().sum::<u32>(), TEXT_WIDTH_TWIPS);
        assert!(w[1] > 3 * w[0], "{w:?}");
        // Two long columns and a date: the date keeps its one line, the long ones share.
        let long = "交通运输部中国人民银行国家金融监督管理总局中国证券监督管理委员会国家外汇管理局";
        let w = column_widths(&s(&["发布主体", "时间", "政策名称"]), &[s(&[long, "2023.12", long])]);
        assert_eq!(w.iter().sum::<u32>(), TEXT_WIDTH_TWIPS);
        assert_eq!(w[1], 7 * HALF_CHARACTER + CELL_MARGINS, "{w:?}");
        assert_eq!(w[0], w[2]);
        // A name beside a paragraph keeps eight characters a line (regression: the 名称 of
        // 附表 5 was set one character a line in LibreOffice).
        let paragraph = "联盟共同缔约方为从事区块链技术创新与应用的相关方".repeat(6);
        let w = column_widths(
            &s(&["名称", "成立时间", "主要内容"]),
            &[s(&["供应链区块链联盟（Supply Chain Blockchain League）", "2016 年 11 月", &paragraph])],
        );
        assert!(w[0] >= WIDE_FLOOR, "{w:?}");
        assert!(w[2] > 2 * w[0], "{w:?}");
        // A short row gets empty cells, never a ragged table.
        let t = table(&s(&["a", "b", "c"]), &[s(&["1"])]);
        assert_eq!(t.matches("<w:tc>").count(), 6);
    }
}

//! WordprocessingML fragments: escaped text, runs and paragraphs. The look of every element
//! comes from a named style in templates/docx/styles.xml; runs carry only what the text
//! itself says (bold, italic) and the East Asian hint, never a font or a size.

use super::styles::{CharStyle, ParaStyle};

/// Text escaped for XML content and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            // Characters XML 1.0 forbids (control characters a data file might carry).
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => {}
            c => out.push(c),
        }
    }
    out
}

/// Whether Word should take a run's ambiguous characters (“ ” — · …) from the East Asian
/// font: true for runs with any CJK character or full-width punctuation.
pub fn is_east_asian(text: &str) -> bool {
    text.chars().any(|c| {
        matches!(c as u32,
            0x2E80..=0x9FFF | 0xF900..=0xFAFF | 0xFE30..=0xFE4F | 0xFF00..=0xFFEF | 0x20000..=0x2FFFF)
    })
}

/// How a run of text is set: direct emphasis from the Markdown, or a character style.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RunFormat {
    pub bold: bool,
    pub italic: bool,
    pub style: Option<CharStyle>,
}

impl RunFormat {
    pub const PLAIN: RunFormat = RunFormat { bold: false, italic: false, style: None };
    pub fn bold() -> RunFormat {
        RunFormat { bold: true, ..RunFormat::PLAIN }
    }
    pub fn italic() -> RunFormat {
        RunFormat { italic: true, ..RunFormat::PLAIN }
    }
    pub fn styled(style: CharStyle) -> RunFormat {
        RunFormat { style: Some(style), ..RunFormat::PLAIN }
    }
}

/// The run properties: East Asian hint (with `zh-CN` from the styles' defaults), style,
/// bold, italic, in the order the schema wants them.
fn run_properties(text: &str, format: RunFormat) -> String {
    let mut p = String::new();
    if let Some(style) = format.style {
        p.push_str(&format!(r#"<w:rStyle w:val="{}"/>"#, style.id()));
    }
    if is_east_asian(text) {
        p.push_str(r#"<w:rFonts w:hint="eastAsia"/>"#);
    }
    if format.bold {
        p.push_str("<w:b/><w:bCs/>");
    }
    if format.italic {
        p.push_str("<w:i/><w:iCs/>");
    }
    if p.is_empty() { p } else { format!("<w:rPr>{p}</w:rPr>") }
}

/// One run of text; a line break in the text becomes `<w:br/>`, a tab `<w:tab/>`.
pub fn run(text: &str, format: RunFormat) -> String {
    if text.is_empty() {
        return String::new();
    }
    let mut body = String::new();
    for (i, line) in text.split('\n').enumerate() {
        if i > 0 {
            body.push_str("<w:br/>");
        }
        for (j, piece) in line.split('\t').enumerate() {
            if j > 0 {
                body.push_str("<w:tab/>");
            }
            if !piece.is_empty() {
                body.push_str(&format!(r#"<w:t xml:space="preserve">{}</w:t>"#, escape(piece)));
            }
        }
    }
    format!("<w:r>{}{body}</w:r>", run_properties(text, format))
}

/// A paragraph of the given style around runs (and fields, bookmarks, hyperlinks).
pub fn paragraph(style: ParaStyle, content: &str) -> String {
    format!(r#"<w:p><w:pPr><w:pStyle w:val="{}"/></w:pPr>{content}</w:p>"#, style.id())
}

/// A paragraph with more paragraph properties after the style (numbering, section break).
pub fn paragraph_with(style: ParaStyle, properties: &str, content: &str) -> String {
    format!(r#"<w:p><w:pPr><w:pStyle w:val="{}"/>{properties}</w:pPr>{content}</w:p>"#, style.id())
}

/// A link inside the document, to a bookmark.
pub fn internal_link(bookmark: &str, runs: &str) -> String {
    format!(r#"<w:hyperlink w:anchor="{}" w:history="1">{runs}</w:hyperlink>"#, escape(bookmark))
}

/// A link out of the document, through a relationship of document.xml.
pub fn external_link(relationship: &str, runs: &str) -> String {
    format!(r#"<w:hyperlink r:id="{relationship}" w:history="1">{runs}</w:hyperlink>"#)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_escaped_and_control_characters_dropped() {
        assert_eq!(escape(r#"A&B <c> "d" e"#), "A&amp;B &lt;c&gt; &quot;d&quot; e");
        assert_eq!(escape("a\u{1}b\u{b}"), "ab");
    }

    #[test]
    fn chinese_runs_carry_the_east_asian_hint_and_latin_ones_not() {
        let zh = run("增长率为 7.7%", RunFormat::PLAIN);
        assert_eq!(zh, r#"<w:r><w:rPr><w:rFonts w:hint="eastAsia"/></w:rPr><w:t xml:space="preserve">增长率为 7.7%</w:t></w:r>"#);
        let en = run("Web3.0", RunFormat::bold());
        assert_eq!(en, r#"<w:r><w:rPr><w:b/><w:bCs/></w:rPr><w:t xml:space="preserve">Web3.0</w:t></w:r>"#);
        assert!(is_east_asian("“引号”，"));
        assert!(!is_east_asian("IPv6 5G+"));
    }

    #[test]
    fn line_breaks_and_tabs_become_elements() {
        let r = run("一\n二\t三", RunFormat::italic());
        assert!(r.contains(r#"<w:t xml:space="preserve">一</w:t><w:br/><w:t xml:space="preserve">二</w:t><w:tab/>"#), "{r}");
        assert!(r.contains("<w:i/>"));
        assert_eq!(run("", RunFormat::PLAIN), "");
    }

    #[test]
    fn paragraphs_name_their_style() {
        let p = paragraph(ParaStyle::Body, &run("正文", RunFormat::PLAIN));
        assert!(p.starts_with(r#"<w:p><w:pPr><w:pStyle w:val="BodyText"/></w:pPr><w:r>"#), "{p}");
        assert!(internal_link("_Ref_a", "").contains(r#"w:anchor="_Ref_a""#));
    }
}

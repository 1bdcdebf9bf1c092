//! The parts of report.docx around the body: content types, relationships, document
//! properties, settings, fonts, numbering, the running header and footer, comments, and the
//! page (A4 with the PDF's margins). Each part is written in full here; the zip keeps their
//! order.

use super::fields;
use super::font::{ALT_NAME, Embedded, FAMILY};
use super::styles::{CharStyle, ParaStyle};
use super::xml::{RunFormat, escape, paragraph, run};
use super::zip::{Method, Zip};

const DECLARATION: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"#;
const W: &str = "http://schemas.openxmlformats.org/wordprocessingml/2006/main";
const R: &str = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";
const REL: &str = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";

/// The page, in twentieths of a point: A4 and the margins of templates/report.typ
/// (`margin: (x: 2.5cm, top: 2.6cm, bottom: 2.4cm)`; a test keeps the two the same).
pub struct Page;
impl Page {
    pub const WIDTH: u32 = 11906;
    pub const HEIGHT: u32 = 16838;
    pub const LEFT_RIGHT: u32 = 1417;
    pub const TOP: u32 = 1474;
    pub const BOTTOM: u32 = 1361;
    /// Header and footer distances from the page's edge.
    pub const HEADER: u32 = 680;
    pub const FOOTER: u32 = 567;
}

/// Which pages a section holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    /// The cover: no header, footer or page number.
    Cover,
    /// A chapter (0-based), with its own running header; the first counts pages from 1.
    Chapter(usize),
}

/// A section's properties. Each chapter is a section of its own, so its running header can
/// hold the chapter's title as text every reader shows (a STYLEREF field, filled in).
pub fn section(which: Section) -> String {
    let (refs, numbering) = match which {
        Section::Cover => (String::new(), ""),
        Section::Chapter(n) => (
            format!(
                r#"<w:headerReference w:type="default" r:id="rIdHeader{}"/><w:footerReference w:type="default" r:id="rIdFooter"/>"#,
                n + 1
            ),
            if n == 0 { r#"<w:pgNumType w:start="1"/>"# } else { "" },
        ),
    };
    format!(
        concat!(
            r#"<w:sectPr>{refs}<w:type w:val="nextPage"/><w:pgSz w:w="{w}" w:h="{h}"/>"#,
            r#"<w:pgMar w:top="{top}" w:right="{lr}" w:bottom="{bottom}" w:left="{lr}" w:header="{hd}" w:footer="{ft}" w:gutter="0"/>"#,
            r#"{numbering}<w:cols w:space="425"/><w:docGrid w:linePitch="312"/></w:sectPr>"#
        ),
        refs = refs,
        w = Page::WIDTH,
        h = Page::HEIGHT,
        top = Page::TOP,
        lr = Page::LEFT_RIGHT,
        bottom = Page::BOTTOM,
        hd = Page::HEADER,
        ft = Page::FOOTER,
        numbering = numbering
    )
}

/// Document properties: title, authors, language and date (report.yaml's `published`,
/// year and month, as W3CDTF allows).
pub struct Properties<'a> {
    pub title: &'a str,
    pub authors: &'a [String],
    pub published: (i32, u32),
    pub organisation: Option<&'a str>,
}

pub fn core(p: &Properties) -> String {
    let date = format!("{:04}-{:02}", p.published.0, p.published.1);
    format!(
        concat!(
            "{decl}",
            r#"<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" xmlns:dcmitype="http://purl.org/dc/dcmitype/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">"#,
            "<dc:title>{title}</dc:title><dc:creator>{creator}</dc:creator><dc:language>zh-CN</dc:language>",
            r#"<dcterms:created xsi:type="dcterms:W3CDTF">{date}</dcterms:created><dcterms:modified xsi:type="dcterms:W3CDTF">{date}</dcterms:modified>"#,
            "</cp:coreProperties>"
        ),
        decl = DECLARATION,
        title = escape(p.title),
        creator = escape(&p.authors.join("；")),
        date = date
    )
}

fn app(p: &Properties) -> String {
    let company = p.organisation.map(|o| format!("<Company>{}</Company>", escape(o))).unwrap_or_default();
    format!(
        r#"{DECLARATION}<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties"><Application>blockchain-report</Application>{company}</Properties>"#
    )
}

fn settings() -> String {
    // updateFields: Word fills the contents' page numbers on opening (it asks first).
    format!(
        concat!(
            "{}",
            r#"<w:settings xmlns:w="{}"><w:embedTrueTypeFonts/><w:defaultTabStop w:val="420"/>"#,
            r#"<w:characterSpacingControl w:val="compressPunctuation"/><w:updateFields w:val="true"/>"#,
            r#"<w:compat><w:compatSetting w:name="compatibilityMode" w:uri="http://schemas.microsoft.com/office/word" w:val="15"/></w:compat>"#,
            r#"<w:themeFontLang w:val="zh-CN" w:eastAsia="zh-CN"/></w:settings>"#
        ),
        DECLARATION, W
    )
}

fn font_table(fonts: &[Embedded]) -> String {
    let mut embeds = String::new();
    for (i, (font, element)) in fonts.iter().zip(["embedRegular", "embedBold"]).enumerate() {
        embeds.push_str(&format!(r#"<w:{element} r:id="rIdFont{}" w:fontKey="{}"/>"#, i + 1, font.key));
    }
    format!(
        concat!(
            r#"{}<w:fonts xmlns:w="{}" xmlns:r="{}"><w:font w:name="{}"><w:altName w:val="{}"/>"#,
            r#"<w:charset w:val="86"/><w:family w:val="swiss"/><w:pitch w:val="variable"/>{}</w:font></w:fonts>"#
        ),
        DECLARATION, W, R, FAMILY, ALT_NAME, embeds
    )
}

/// Bullet lists share one numbering; each ordered list has its own, starting where the
/// wording's list starts. Three levels of nesting.
fn numbering(ordered: &[u64]) -> String {
    let levels = |bullet: bool| {
        (0..3)
            .map(|l| {
                let indent = 840 + 420 * l;
                let (fmt, text) = if bullet { ("bullet", "•".to_string()) } else { ("decimal", format!("%{}.", l + 1)) };
                format!(
                    r#"<w:lvl w:ilvl="{l}"><w:start w:val="1"/><w:numFmt w:val="{fmt}"/><w:lvlText w:val="{text}"/><w:lvlJc w:val="left"/><w:pPr><w:ind w:left="{indent}" w:hanging="420"/></w:pPr></w:lvl>"#
                )
            })
            .collect::<String>()
    };
    let mut out = format!(
        r#"{DECLARATION}<w:numbering xmlns:w="{W}"><w:abstractNum w:abstractNumId="0">{}</w:abstractNum><w:abstractNum w:abstractNumId="1">{}</w:abstractNum><w:num w:numId="1"><w:abstractNumId w:val="0"/></w:num>"#,
        levels(true),
        levels(false)
    );
    for (i, start) in ordered.iter().enumerate() {
        out.push_str(&format!(
            r#"<w:num w:numId="{}"><w:abstractNumId w:val="1"/><w:lvlOverride w:ilvl="0"><w:startOverride w:val="{start}"/></w:lvlOverride></w:num>"#,
            i + 2
        ));
    }
    out.push_str("</w:numbering>");
    out
}

/// A chapter's running header: the report's title, and at the right the chapter's.
fn header(title: &str, chapter: &str) -> String {
    let body = format!("{}<w:r><w:tab/></w:r>{}", run(title, RunFormat::PLAIN), fields::chapter_title(chapter));
    format!(r#"{DECLARATION}<w:hdr xmlns:w="{W}" xmlns:r="{R}">{}</w:hdr>"#, paragraph(ParaStyle::Header, &body))
}

/// The footer: the page number, centred.
fn footer() -> String {
    format!(r#"{DECLARATION}<w:ftr xmlns:w="{W}" xmlns:r="{R}">{}</w:ftr>"#, paragraph(ParaStyle::Footer, &fields::page_number()))
}

/// Word comments (each number's provenance), without dates so the bytes stay the same.
fn comments(sentences: &[String]) -> String {
    let mut out = format!(r#"{DECLARATION}<w:comments xmlns:w="{W}">"#);
    for (id, sentence) in sentences.iter().enumerate() {
        let reference = format!(r#"<w:r><w:rPr><w:rStyle w:val="{}"/></w:rPr><w:annotationRef/></w:r>"#, CharStyle::CommentReference.id());
        out.push_str(&format!(
            r#"<w:comment w:id="{id}" w:author="blockchain-report" w:initials="BR">{}</w:comment>"#,
            paragraph(ParaStyle::CommentText, &format!("{reference}{}", run(sentence, RunFormat::PLAIN)))
        ));
    }
    out.push_str("</w:comments>");
    out
}

/// The document part around a body (which ends with the report's section properties).
pub fn document(body: &str) -> String {
    format!(
        concat!(
            "{}",
            r#"<w:document xmlns:w="{}" xmlns:r="{}" xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing" xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" xmlns:pic="http://schemas.openxmlformats.org/drawingml/2006/picture">"#,
            "<w:body>{}</w:body></w:document>"
        ),
        DECLARATION, W, R, body
    )
}

/// A picture's part and the relationship that names it.
pub struct Media {
    pub relationship: String,
    /// Under word/: media/<id>.png.
    pub target: String,
    pub bytes: Vec<u8>,
}

/// Everything the body refers to outside itself.
pub struct Parts<'a> {
    pub properties: Properties<'a>,
    pub styles: &'a str,
    pub document: String,
    pub media: Vec<Media>,
    /// External links: (relationship id, URL).
    pub links: Vec<(String, String)>,
    /// The start of each ordered list, in the order their numbering ids were given (2, 3, …).
    pub ordered_lists: Vec<u64>,
    pub comments: Vec<String>,
    pub fonts: &'a [Embedded],
    /// Each chapter's title, for its section's running header.
    pub chapters: Vec<String>,
}

fn relationships(items: &[(String, String, String, bool)]) -> String {
    let mut out = format!(r#"{DECLARATION}<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">"#);
    for (id, kind, target, external) in items {
        let mode = if *external { r#" TargetMode="External""# } else { "" };
        out.push_str(&format!(r#"<Relationship Id="{id}" Type="{kind}" Target="{}"{mode}/>"#, escape(target)));
    }
    out.push_str("</Relationships>");
    out
}

/// The finished .docx.
pub fn package(parts: Parts) -> Vec<u8> {
    let comments_part = !parts.comments.is_empty();
    let mut types = format!(
        concat!(
            r#"{}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">"#,
            r#"<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>"#,
            r#"<Default Extension="xml" ContentType="application/xml"/>"#,
            r#"<Default Extension="png" ContentType="image/png"/>"#,
            r#"<Default Extension="odttf" ContentType="application/vnd.openxmlformats-officedocument.obfuscatedFont"/>"#
        ),
        DECLARATION
    );
    let wml = "application/vnd.openxmlformats-officedocument.wordprocessingml";
    let mut overrides = vec![
        ("/word/document.xml", format!("{wml}.document.main+xml")),
        ("/word/styles.xml", format!("{wml}.styles+xml")),
        ("/word/settings.xml", format!("{wml}.settings+xml")),
        ("/word/fontTable.xml", format!("{wml}.fontTable+xml")),
        ("/word/numbering.xml", format!("{wml}.numbering+xml")),
        ("/word/footer1.xml", format!("{wml}.footer+xml")),
        ("/docProps/core.xml", "application/vnd.openxmlformats-package.core-properties+xml".to_string()),
        ("/docProps/app.xml", "application/vnd.openxmlformats-officedocument.extended-properties+xml".to_string()),
    ];
    if comments_part {
        overrides.push(("/word/comments.xml", format!("{wml}.comments+xml")));
    }
    let headers: Vec<String> = (1..=parts.chapters.len()).map(|n| format!("/word/header{n}.xml")).collect();
    for part in &headers {
        overrides.push((part, format!("{wml}.header+xml")));
    }
    for (part, kind) in &overrides {
        types.push_str(&format!(r#"<Override PartName="{part}" ContentType="{kind}"/>"#));
    }
    types.push_str("</Types>");

    let item = |id: &str, kind: &str, target: &str| (id.to_string(), format!("{REL}/{kind}"), target.to_string(), false);
    let root = relationships(&[
        item("rId1", "officeDocument", "word/document.xml"),
        (
            "rId2".into(),
            "http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties".into(),
            "docProps/core.xml".into(),
            false,
        ),
        item("rId3", "extended-properties", "docProps/app.xml"),
    ]);
    let mut document_rels = vec![
        item("rIdStyles", "styles", "styles.xml"),
        item("rIdSettings", "settings", "settings.xml"),
        item("rIdFontTable", "fontTable", "fontTable.xml"),
        item("rIdNumbering", "numbering", "numbering.xml"),
        item("rIdFooter", "footer", "footer1.xml"),
    ];
    for n in 1..=parts.chapters.len() {
        document_rels.push(item(&format!("rIdHeader{n}"), "header", &format!("header{n}.xml")));
    }
    if comments_part {
        document_rels.push(item("rIdComments", "comments", "comments.xml"));
    }
    for m in &parts.media {
        document_rels.push(item(&m.relationship, "image", &m.target));
    }
    for (id, url) in &parts.links {
        document_rels.push((id.clone(), format!("{REL}/hyperlink"), url.clone(), true));
    }
    let font_rels: Vec<_> =
        (1..=parts.fonts.len()).map(|i| item(&format!("rIdFont{i}"), "font", &format!("fonts/font{i}.odttf"))).collect();

    let mut zip = Zip::new();
    let xml = |zip: &mut Zip, name: &str, text: &str| zip.add(name, text.as_bytes(), Method::Deflated);
    xml(&mut zip, "[Content_Types].xml", &types);
    xml(&mut zip, "_rels/.rels", &root);
    xml(&mut zip, "docProps/core.xml", &core(&parts.properties));
    xml(&mut zip, "docProps/app.xml", &app(&parts.properties));
    xml(&mut zip, "word/document.xml", &parts.document);
    xml(&mut zip, "word/_rels/document.xml.rels", &relationships(&document_rels));
    xml(&mut zip, "word/styles.xml", parts.styles);
    xml(&mut zip, "word/settings.xml", &settings());
    xml(&mut zip, "word/fontTable.xml", &font_table(parts.fonts));
    xml(&mut zip, "word/_rels/fontTable.xml.rels", &relationships(&font_rels));
    xml(&mut zip, "word/numbering.xml", &numbering(&parts.ordered_lists));
    for (n, chapter) in parts.chapters.iter().enumerate() {
        xml(&mut zip, &format!("word/header{}.xml", n + 1), &header(parts.properties.title, chapter));
    }
    xml(&mut zip, "word/footer1.xml", &footer());
    if comments_part {
        xml(&mut zip, "word/comments.xml", &comments(&parts.comments));
    }
    for m in &parts.media {
        zip.add(&format!("word/{}", m.target), &m.bytes, Method::Stored);
    }
    for (i, font) in parts.fonts.iter().enumerate() {
        zip.add(&format!("word/fonts/font{}.odttf", i + 1), &font.bytes, Method::Stored);
    }
    zip.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_has_the_margins_of_the_pdf() {
        let typ = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/templates/report.typ")).unwrap();
        assert!(typ.contains(r#"paper: "a4""#));
        assert!(typ.contains("margin: (x: 2.5cm, top: 2.6cm, bottom: 2.4cm)"), "report.typ's margins changed: change Page too");
        let twips = |cm: f64| (cm / 2.54 * 1440.0).round() as u32;
        assert_eq!((Page::LEFT_RIGHT, Page::TOP, Page::BOTTOM), (twips(2.5), twips(2.6), twips(2.4)));
        assert_eq!((Page::WIDTH, Page::HEIGHT), (twips(21.0), twips(29.7)));
        let s = section(Section::Chapter(0));
        assert!(
            s.contains(r#"<w:pgSz w:w="11906" w:h="16838"/>"#)
                && s.contains(r#"<w:pgNumType w:start="1"/>"#)
                && s.contains(r#"r:id="rIdHeader1""#)
        );
        assert!(!section(Section::Chapter(1)).contains("pgNumType") && section(Section::Chapter(1)).contains("rIdHeader2"));
        assert!(!section(Section::Cover).contains("headerReference"));
    }

    #[test]
    fn the_properties_carry_title_authors_language_and_date() {
        let authors = vec!["中国电子信息产业发展研究院".to_string(), "赛迪（青岛）区块链研究院".to_string()];
        let c =
            core(&Properties {
                title: "2023-2024 中国区块链年度发展报告", authors: &authors, published: (2024, 5), organisation: None
            });
        assert!(c.contains("<dc:title>2023-2024 中国区块链年度发展报告</dc:title>"));
        assert!(c.contains("<dc:creator>中国电子信息产业发展研究院；赛迪（青岛）区块链研究院</dc:creator>"));
        assert!(c.contains(r#"<dcterms:created xsi:type="dcterms:W3CDTF">2024-05</dcterms:created>"#));
        assert!(c.contains("<dc:language>zh-CN</dc:language>"));
    }

    #[test]
    fn ordered_lists_get_their_own_numbering_from_their_start() {
        let n = numbering(&[1, 3]);
        assert!(
            n.contains(r#"<w:num w:numId="3"><w:abstractNumId w:val="1"/><w:lvlOverride w:ilvl="0"><w:startOverride w:val="3"/>"#),
            "{n}"
        );
        assert!(n.find("<w:num ").unwrap() > n.rfind("</w:abstractNum>").unwrap(), "abstract numberings come first");
    }

    #[test]
    fn header_and_footer_hold_the_chapter_and_the_page() {
        let h = header("报告", "一、总体现状");
        assert!(h.contains("STYLEREF") && h.contains(">一、总体现状</w:t>"), "{h}");
        assert!(footer().contains(" PAGE "));
        let c = comments(&["来源：赛迪区块链研究院".to_string()]);
        assert!(c.contains(r#"<w:comment w:id="0" w:author="blockchain-report""#) && !c.contains("w:date"));
    }
}

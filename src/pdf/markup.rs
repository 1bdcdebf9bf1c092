//! The rendered Markdown as Typst markup: pulldown-cmark events grouped into the blocks the
//! print template knows (cover, headings, paragraphs, figures, tables, contents entries),
//! each written as a call of a function of `templates/report.typ`, which holds the design.
//!
//! The blocks follow the partials (`templates/partials/figure.md`, `table.md`): an anchor,
//! then the image, source note, caption and notes of a figure, or the caption, table and
//! source note of a table. Anything that does not match is written as plain paragraphs.

use std::collections::BTreeMap;

use pulldown_cmark::{Event, HeadingLevel, Options, Parser, Tag, TagEnd};

/// One character of the text, where it comes from: a byte offset into the Markdown and the
/// section it is in (for error messages).
#[derive(Debug, Clone, PartialEq)]
pub struct Place {
    pub offset: usize,
    pub section: String,
}

#[derive(Debug)]
enum Block {
    Anchor(String),
    Heading {
        level: usize,
        markup: String,
    },
    Para {
        markup: String,
        plain: String,
        strong_only: bool,
    },
    Image {
        src: String,
        alt: String,
    },
    /// Cells as markup; `widths` the printed width of each column's cells (for sizing).
    Table {
        header: Vec<String>,
        rows: Vec<Vec<String>>,
        widths: Vec<Vec<usize>>,
    },
    /// A list item that is one internal link: a contents entry.
    Entry {
        depth: usize,
        target: String,
        markup: String,
    },
    Item {
        depth: usize,
        markup: String,
    },
    /// `<div class="NAME">` … `</div>`: the blocks between become `#NAME[…]`, a function of
    /// the page design (report.typ), as the class is a style of the web page.
    Open(String),
    Close,
}

/// Escapes text for Typst markup: every ASCII punctuation character is written escaped, so
/// that no text can become markup (`//` comments, `=` headings, `*` strong, URLs, labels).
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if c.is_ascii_punctuation() {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// A Typst string literal.
pub fn string(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            _ => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A label name is kept to what the Markdown anchors use.
fn label_ok(id: &str) -> bool {
    !id.is_empty() && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

/// `<a id="x"></a>` → `x`.
fn anchor_id(html: &str) -> Option<String> {
    let rest = html.trim().strip_prefix("<a id=\"")?;
    let id = &rest[..rest.find('"')?];
    label_ok(id).then(|| id.to_string())
}

/// The class of a `<div class="…">` line, when it can name a function of report.typ.
fn div_class(html: &str) -> Option<String> {
    let class = html.strip_prefix("<div class=\"")?.strip_suffix("\">")?;
    let ident = class.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && class.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    ident.then(|| class.to_string())
}

/// Every piece of text the PDF prints, with its place, in document order.
pub type TextRuns = Vec<(String, Place)>;

/// Parses the Markdown into blocks, collecting the printed text for the glyph check.
fn blocks(markdown: &str) -> (Vec<Block>, TextRuns) {
    let mut options = Options::empty();
    options.insert(Options::ENABLE_TABLES);
    let mut out = Vec::new();
    let mut runs: TextRuns = Vec::new();
    let mut section = String::new();
    let mut chapter = String::new();

    let mut markup = String::new();
    let mut plain = String::new();
    let mut strong_depth = 0usize;
    let mut outside_strong = false;
    let mut in_image: Option<(String, String)> = None;
    let mut in_heading: Option<usize> = None;
    let mut link_stack: Vec<Option<String>> = Vec::new();
    let mut list_depth = 0usize;
    let mut item_link: Option<String> = None;
    let mut item_links = 0usize;
    let mut item_plain_outside_link = false;
    let mut table: Option<(Vec<String>, Vec<Vec<String>>, bool)> = None;
    let mut widths: Vec<Vec<usize>> = Vec::new();

    for (event, range) in Parser::new_ext(markdown, options).into_offset_iter() {
        match event {
            Event::Start(Tag::Paragraph) if list_depth > 0 => {}
            Event::Start(Tag::Paragraph) | Event::Start(Tag::TableCell) => {
                markup.clear();
                plain.clear();
                outside_strong = false;
            }
            Event::Start(Tag::Item) => {
                markup.clear();
                plain.clear();
                item_link = None;
                item_links = 0;
                item_plain_outside_link = false;
            }
            Event::Start(Tag::Heading { level, .. }) => {
                markup.clear();
                plain.clear();
                in_heading = Some(match level {
                    HeadingLevel::H1 => 1,
                    HeadingLevel::H2 => 2,
                    HeadingLevel::H3 => 3,
                    HeadingLevel::H4 => 4,
                    HeadingLevel::H5 => 5,
                    HeadingLevel::H6 => 6,
                });
            }
            Event::End(TagEnd::Heading(_)) => {
                let level = in_heading.take().unwrap_or(2);
                if level <= 2 {
                    chapter = plain.clone();
                    section = chapter.clone();
                } else {
                    section = format!("{chapter} › {plain}");
                }
                out.push(Block::Heading { level, markup: std::mem::take(&mut markup) });
            }
            Event::End(TagEnd::Paragraph) => {
                if let Some((src, alt)) = in_image.take().filter(|_| plain.is_empty()) {
                    out.push(Block::Image { src, alt });
                } else if list_depth == 0 && !(markup.trim().is_empty() && plain.is_empty()) {
                    // (A paragraph of nothing but an anchor leaves nothing to print.)
                    let strong_only = !outside_strong && !plain.is_empty();
                    out.push(Block::Para { markup: std::mem::take(&mut markup), plain: std::mem::take(&mut plain), strong_only });
                }
            }
            Event::End(TagEnd::Item) => {
                let depth = list_depth.max(1);
                let markup = std::mem::take(&mut markup);
                match item_link.take() {
                    // An item whose text went out before its nested list.
                    _ if markup.trim().is_empty() => {}
                    Some(target) if item_links == 1 && !item_plain_outside_link => out.push(Block::Entry { depth, target, markup }),
                    _ => out.push(Block::Item { depth, markup }),
                }
                plain.clear();
            }
            Event::Start(Tag::List(_)) => {
                if list_depth > 0 && !markup.is_empty() {
                    // An item's own text before its nested list.
                    let depth = list_depth;
                    let m = std::mem::take(&mut markup);
                    match item_link.take() {
                        Some(target) if item_links == 1 && !item_plain_outside_link => out.push(Block::Entry { depth, target, markup: m }),
                        _ => out.push(Block::Item { depth, markup: m }),
                    }
                    plain.clear();
                    item_links = 0;
                }
                list_depth += 1;
            }
            Event::End(TagEnd::List(_)) => list_depth = list_depth.saturating_sub(1),
            Event::Start(Tag::Table(_)) => {
                table = Some((Vec::new(), Vec::new(), true));
                widths.clear();
            }
            Event::End(TagEnd::TableHead) => {
                if let Some(t) = &mut table {
                    t.2 = false;
                }
            }
            Event::Start(Tag::TableRow) => {
                if let Some(t) = &mut table {
                    t.1.push(Vec::new());
                }
            }
            Event::End(TagEnd::TableCell) => {
                if let Some((header, rows, in_head)) = &mut table {
                    let cell = std::mem::take(&mut markup);
                    let column = if *in_head { header.len() } else { rows.last().map_or(0, Vec::len) };
                    if widths.len() <= column {
                        widths.resize(column + 1, Vec::new());
                    }
                    widths[column].push(plain.chars().map(|c| if (c as u32) >= 0x1100 { 2 } else { 1 }).sum());
                    if *in_head {
                        header.push(cell);
                    } else if let Some(row) = rows.last_mut() {
                        row.push(cell);
                    }
                }
                plain.clear();
            }
            Event::End(TagEnd::Table) => {
                if let Some((header, rows, _)) = table.take() {
                    out.push(Block::Table { header, rows, widths: std::mem::take(&mut widths) });
                }
            }
            Event::Start(Tag::Strong) => {
                strong_depth += 1;
                markup.push_str("#strong[");
            }
            Event::End(TagEnd::Strong) => {
                strong_depth = strong_depth.saturating_sub(1);
                markup.push_str("];");
            }
            Event::Start(Tag::Emphasis) => markup.push_str("#emph["),
            Event::End(TagEnd::Emphasis) => markup.push_str("];"),
            Event::Start(Tag::Link { dest_url, .. }) => {
                let target = dest_url.strip_prefix('#').filter(|t| label_ok(t)).map(str::to_string);
                match &target {
                    Some(t) => {
                        markup.push_str(&format!("#link(<{t}>)["));
                        item_link = Some(t.clone());
                        item_links += 1;
                    }
                    None => markup.push_str(&format!("#link({})[", string(&dest_url))),
                }
                link_stack.push(target);
            }
            Event::End(TagEnd::Link) => {
                link_stack.pop();
                markup.push_str("];");
            }
            Event::Start(Tag::Image { dest_url, .. }) => in_image = Some((dest_url.to_string(), String::new())),
            Event::End(TagEnd::Image) => {}
            Event::Text(text) | Event::Code(text) => {
                if let Some((_, alt)) = &mut in_image {
                    alt.push_str(&text);
                    continue;
                }
                if strong_depth == 0 && !text.trim().is_empty() {
                    outside_strong = true;
                }
                if list_depth > 0 && link_stack.is_empty() && !text.trim().is_empty() {
                    item_plain_outside_link = true;
                }
                runs.push((text.to_string(), Place { offset: range.start, section: section.clone() }));
                markup.push_str(&escape(&text));
                plain.push_str(&text);
            }
            Event::SoftBreak => markup.push('\n'),
            Event::HardBreak => markup.push_str("\\\n"),
            // A styled block's tags are HTML blocks of their own, never inline.
            Event::Html(html) if div_class(html.trim()).is_some() => out.extend(div_class(html.trim()).map(Block::Open)),
            Event::Html(html) if html.trim() == "</div>" => out.push(Block::Close),
            Event::Html(html) | Event::InlineHtml(html) => {
                let tag = html.trim();
                if let Some(id) = anchor_id(tag) {
                    if markup.is_empty() && plain.is_empty() {
                        out.push(Block::Anchor(id));
                    } else {
                        markup.push_str(&format!("#metadata({}) <{id}>", string(&id)));
                    }
                } else {
                    match tag {
                        "<strong>" | "<b>" => {
                            strong_depth += 1;
                            markup.push_str("#strong[");
                        }
                        "</strong>" | "</b>" => {
                            strong_depth = strong_depth.saturating_sub(1);
                            markup.push_str("];");
                        }
                        "<em>" | "<i>" => markup.push_str("#emph["),
                        "</em>" | "</i>" => markup.push_str("];"),
                        "<br>" | "<br/>" | "<br />" => markup.push_str("\\\n"),
                        // Other HTML (closing anchors, comments) prints nothing.
                        _ => {}
                    }
                }
            }
            Event::Rule => out.push(Block::Para { markup: "#line(length: 100%)".into(), plain: String::new(), strong_only: false }),
            _ => {}
        }
    }
    (out, runs)
}

fn list(items: &[String]) -> String {
    let mut s = String::from("(");
    for i in items {
        s.push('[');
        s.push_str(i);
        s.push_str("], ");
    }
    s.push(')');
    s
}

/// The chart id of an image path `charts/<id>.png`.
fn chart_id(src: &str) -> Option<&str> {
    src.strip_prefix("charts/")?.strip_suffix(".png")
}

/// The whole report as Typst markup, calling the functions of `report.typ`. `numbers` are
/// the printed numbers of tables and figures by id (表 1-1), to recognise their captions;
/// `charts` the ids of the figures whose SVG the World provides.
pub fn to_typst(markdown: &str, numbers: &BTreeMap<String, String>, charts: &[&str]) -> (String, TextRuns) {
    let (blocks, runs) = blocks(markdown);
    let mut out = String::with_capacity(markdown.len() * 2);
    let mut i = 0;
    // The cover: everything before the first chapter-level heading.
    let mut first = blocks.iter().position(|b| matches!(b, Block::Heading { level: 2.., .. })).unwrap_or(0);
    if first > 0 && matches!(blocks[first - 1], Block::Anchor(_)) {
        first -= 1;
    }
    let mut title = String::new();
    let mut lines = Vec::new();
    while i < first {
        match &blocks[i] {
            Block::Heading { markup, .. } if title.is_empty() => title = markup.clone(),
            Block::Heading { markup, .. } | Block::Para { markup, .. } | Block::Item { markup, .. } => lines.push(markup.clone()),
            _ => {}
        }
        i += 1;
    }
    out.push_str(&format!("#cover(title: [{title}], lines: {})\n\n", list(&lines)));

    let anchor = |id: &str| format!("[#metadata({}) <{id}>]", string(id));
    while i < blocks.len() {
        match &blocks[i] {
            Block::Anchor(id) => {
                // A heading takes the label itself.
                if let Some(Block::Heading { level, markup }) = blocks.get(i + 1) {
                    out.push_str(&format!("{} {markup} <{id}>\n\n", "=".repeat(level.saturating_sub(1).max(1))));
                    i += 2;
                    continue;
                }
                if let Some(next) = figure(&blocks[i..], id, numbers, charts, &anchor) {
                    out.push_str(&next.0);
                    i += next.1;
                    continue;
                }
                if let Some(next) = table(&blocks[i..], id, numbers, &anchor) {
                    out.push_str(&next.0);
                    i += next.1;
                    continue;
                }
                out.push_str(&format!("#metadata({}) <{id}>\n\n", string(id)));
            }
            Block::Heading { level, markup } => out.push_str(&format!("{} {markup}\n\n", "=".repeat(level.saturating_sub(1).max(1)))),
            Block::Para { markup, .. } => {
                out.push_str(markup);
                out.push_str("\n\n");
            }
            Block::Image { src, alt } => match chart_id(src).filter(|id| charts.contains(id)) {
                Some(id) => out.push_str(&format!("#image({}, alt: {})\n\n", string(&format!("/charts/{id}.svg")), string(alt))),
                None => out.push_str(&format!("{}\n\n", escape(alt))),
            },
            Block::Table { header, rows, widths } => {
                let rows: Vec<String> = rows.iter().map(|r| list(r)).collect();
                out.push_str(&format!(
                    "#data-table(header: {}, rows: ({}{}), columns: {})\n\n",
                    list(header),
                    rows.join(", "),
                    if rows.len() == 1 { "," } else { "" },
                    columns(widths)
                ));
            }
            Block::Entry { depth, target, markup } => {
                // The link's text without the link: the template links the whole entry.
                let text = markup.strip_prefix(&format!("#link(<{target}>)[")).and_then(|m| m.strip_suffix("];")).unwrap_or(markup);
                out.push_str(&format!("#contents-entry(level: {depth}, <{target}>)[{text}]\n"));
            }
            Block::Item { depth, markup } => out.push_str(&format!("{}- {markup}\n", "  ".repeat(depth.saturating_sub(1)))),
            Block::Open(class) => out.push_str(&format!("#{class}[\n\n")),
            Block::Close => out.push_str("]\n\n"),
        }
        i += 1;
    }
    (out, runs)
}

/// anchor, image, source note(s), caption (bold, starting with the figure's number), notes.
fn figure(
    blocks: &[Block],
    id: &str,
    numbers: &BTreeMap<String, String>,
    charts: &[&str],
    anchor: &dyn Fn(&str) -> String,
) -> Option<(String, usize)> {
    let number = numbers.get(id.strip_prefix("fig-")?)?;
    let Some(Block::Image { src, alt }) = blocks.get(1) else { return None };
    let chart = chart_id(src).filter(|c| charts.contains(c))?;
    let mut k = 2;
    let mut sources = Vec::new();
    let caption = loop {
        match blocks.get(k)? {
            Block::Para { markup, plain, strong_only: true } if plain.starts_with(number.as_str()) => break markup,
            Block::Para { markup, .. } if sources.len() < 3 => sources.push(markup.clone()),
            _ => return None,
        }
        k += 1;
    };
    k += 1;
    let mut notes = Vec::new();
    while let Some(Block::Para { markup, plain, .. }) = blocks.get(k) {
        if !plain.starts_with("注") {
            break;
        }
        notes.push(markup.clone());
        k += 1;
    }
    let caption = strip_strong(caption);
    let call = format!(
        "#chart-figure(anchor: {}, image: image({}, alt: {}), sources: {}, caption: [{caption}], notes: {})\n\n",
        anchor(id),
        string(&format!("/charts/{chart}.svg")),
        string(alt),
        list(&sources),
        list(&notes)
    );
    Some((call, k))
}

/// anchor, caption (bold, starting with the table's number), table, source note.
fn table(blocks: &[Block], id: &str, numbers: &BTreeMap<String, String>, anchor: &dyn Fn(&str) -> String) -> Option<(String, usize)> {
    let number = numbers.get(id.strip_prefix("tab-")?)?;
    let Some(Block::Para { markup: caption, plain, strong_only: true }) = blocks.get(1) else { return None };
    if !plain.starts_with(number.as_str()) {
        return None;
    }
    let Some(Block::Table { header, rows, widths }) = blocks.get(2) else { return None };
    let mut k = 3;
    let mut source = "none".to_string();
    if let Some(Block::Para { markup, plain, .. }) = blocks.get(3)
        && (plain.starts_with("数据来源") || plain.starts_with("来源"))
    {
        source = format!("[{markup}]");
        k += 1;
    }
    let rows: Vec<String> = rows.iter().map(|r| list(r)).collect();
    let call = format!(
        "#data-table(anchor: {}, caption: [{}], header: {}, rows: ({}{}), columns: {}, source: {source})\n\n",
        anchor(id),
        strip_strong(caption),
        list(header),
        rows.join(", "),
        if rows.len() == 1 { "," } else { "" },
        columns(widths)
    );
    Some((call, k))
}

/// Column widths for a table: a column of short cells (dates, numbers, names of up to six
/// characters) takes its natural width; the others share the rest by the square root of
/// their cells' mean width, so that a column of long descriptions gets most of the page but
/// a column of names keeps room.
fn columns(widths: &[Vec<usize>]) -> String {
    const SHORT: usize = 12;
    let spec: Vec<String> = widths
        .iter()
        .map(|cells| {
            let max = cells.iter().copied().max().unwrap_or(0);
            let mean = cells.iter().sum::<usize>() as f64 / cells.len().max(1) as f64;
            if max <= SHORT { "auto".to_string() } else { format!("{:.2}fr", mean.max(1.0).sqrt()) }
        })
        .collect();
    format!("({},)", spec.join(", "))
}

/// A caption paragraph is bold in the Markdown; the template styles captions itself.
fn strip_strong(markup: &str) -> &str {
    markup.strip_prefix("#strong[").and_then(|m| m.strip_suffix("];")).unwrap_or(markup)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_cannot_become_markup() {
        assert_eq!(escape("a//b *c* <d> #e 1.5"), "a\\/\\/b \\*c\\* \\<d\\> \\#e 1\\.5");
        assert_eq!(escape("中文（全角）"), "中文（全角）");
    }

    #[test]
    fn figures_tables_and_contents_become_template_calls() {
        let md = "# 标题\n\n单位  \n二零二四年五月\n\n<a id=\"sec-1\"></a>\n\n## 目录\n\n- [一、总体](#sec-2)\n  - [（一）政策](#sec-2-1)\n\n\
                  <a id=\"sec-2\"></a>\n\n## 一、总体\n\n正文**粗体**，2.5%。\n\n<a id=\"fig-x\"></a>\n\n![说明](charts/x.png)\n\n数据来源：整理\n\n**图 1-1 测试**\n\n注：派生值。\n\n\
                  <a id=\"tab-t\"></a>\n\n**表 1-1 表题**\n\n| 甲 | 乙 |\n| --- | --- |\n| 1 | 2 |\n\n数据来源：整理\n";
        let numbers = BTreeMap::from([("x".to_string(), "图 1-1".to_string()), ("t".to_string(), "表 1-1".to_string())]);
        let (typ, runs) = to_typst(md, &numbers, &["x"]);
        assert!(typ.starts_with("#cover(title: [标题], lines: ([单位\\\n二零二四年五月], ))"), "{typ}");
        assert!(typ.contains("= 目录 <sec-1>"), "{typ}");
        assert!(typ.contains("#contents-entry(level: 1, <sec-2>)[一、总体]"), "{typ}");
        assert!(typ.contains("#contents-entry(level: 2, <sec-2-1>)[（一）政策]"), "{typ}");
        assert!(typ.contains("正文#strong[粗体];，2\\.5\\%。"), "{typ}");
        assert!(typ.contains("#chart-figure(anchor: [#metadata(\"fig-x\") <fig-x>], image: image(\"/charts/x.svg\", alt: \"说明\"), sources: ([数据来源：整理], ), caption: [图 1\\-1 测试], notes: ([注：派生值。], ))"), "{typ}");
        assert!(typ.contains("#data-table(anchor: [#metadata(\"tab-t\") <tab-t>], caption: [表 1\\-1 表题], header: ([甲], [乙], ), rows: (([1], [2], ),), columns: (auto, auto,), source: [数据来源：整理])"), "{typ}");
        let section = runs.iter().find(|(t, _)| t == "粗体").map(|(_, p)| p.section.clone());
        assert_eq!(section.as_deref(), Some("一、总体"));
    }
}

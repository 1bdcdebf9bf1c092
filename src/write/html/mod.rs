//! The HTML edition's body (the page around it is templates/page.html): the wording's
//! Markdown structure written as pulldown-cmark writes it, figures with both drawings of
//! their chart inline (see [`figure`]), tables with their data linked, and every number
//! focusable with its provenance in a popover. The popovers live after the text, hidden,
//! referenced by id: a paragraph's text is exactly its sentence.

mod figure;

use std::collections::BTreeMap;

use pulldown_cmark::{CowStr, Event, LinkType, Tag, TagEnd};
use serde::Serialize;

use crate::charts::Chart;
use crate::document::{Block, Contents, ContentsKind, Document, Inline, NumberSpan, Spaced, Table};
use crate::text::html_escape;

/// Whether the page may link the files written beside it (`report.html`), or must work
/// alone (`report-standalone.html`: such links are left out, the 数据表 stays).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Links {
    Files,
    Standalone,
}

/// tera's `escape_html` (what the HTML partials used): & < > " '.
fn esc(s: &str) -> String {
    let mut buf = Vec::with_capacity(s.len());
    let _ = tera::escape_html(s, &mut buf);
    String::from_utf8(buf).unwrap_or_default()
}

/// Text as pulldown-cmark escapes it in an element.
fn body_text(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

/// An entry of the page's contents panel: a chapter with its sections.
#[derive(Serialize)]
pub struct TocEntry {
    anchor: String,
    text: String,
    sections: Vec<TocEntry>,
}

/// The contents panel: every chapter with its sections, except the printed contents.
pub fn toc(doc: &Document) -> Vec<TocEntry> {
    let mut out: Vec<TocEntry> = Vec::new();
    for b in doc.walk() {
        let Block::Heading(h) = b else { continue };
        let Some(anchor) = &h.anchor else { continue };
        let text = crate::document::plain(&h.inlines);
        if text == "目录" {
            continue;
        }
        let entry = TocEntry { anchor: anchor.clone(), text, sections: Vec::new() };
        match out.last_mut() {
            Some(chapter) if h.level == 3 => chapter.sections.push(entry),
            _ => out.push(entry),
        }
    }
    out
}

struct Writer<'a> {
    doc: &'a Document,
    charts: &'a [Chart],
    links: Links,
    /// The label of each placed table, by its CSV's path: a number's data links to it.
    table_csvs: BTreeMap<String, String>,
    events: Vec<Event<'static>>,
    /// The numbers' popovers, written after the text.
    popovers: Vec<String>,
}

/// The report body as HTML: the text, then the popovers of its numbers and the one popover
/// the charts' marks share.
pub fn body(doc: &Document, charts: &[Chart], links: Links) -> String {
    let table_csvs = doc
        .walk()
        .into_iter()
        .filter_map(|b| match b {
            Block::Table(t) => Some((t.csv.clone(), t.label.to_string())),
            _ => None,
        })
        .collect();
    let mut w = Writer { doc, charts, links, table_csvs, events: Vec::new(), popovers: Vec::new() };
    w.blocks(&doc.blocks, false);
    let mut out = String::with_capacity(512 * 1024);
    pulldown_cmark::html::push_html(&mut out, w.events.into_iter());
    out.push_str("<div class=\"popovers\">\n");
    for p in &w.popovers {
        out.push_str(p);
    }
    out.push_str("<div class=\"prov\" id=\"mark-tip\" role=\"status\" hidden></div>\n</div>\n");
    out
}

fn html(s: String) -> Event<'static> {
    Event::Html(CowStr::from(s))
}

impl Writer<'_> {
    fn blocks(&mut self, list: &[Spaced], tight: bool) {
        for s in list {
            self.block(&s.block, tight);
        }
    }

    fn block(&mut self, b: &Block, tight: bool) {
        match b {
            Block::Heading(h) => {
                let level = pulldown_cmark::HeadingLevel::try_from(h.level as usize).unwrap_or(pulldown_cmark::HeadingLevel::H6);
                let id = h.anchor.clone().map(CowStr::from);
                self.events.push(Event::Start(Tag::Heading { level, id: id.clone(), classes: Vec::new(), attrs: Vec::new() }));
                match &h.anchor {
                    // The heading links to itself; a number in it is plain text (no
                    // focusable provenance inside a link).
                    Some(a) => {
                        self.events.push(Event::InlineHtml(CowStr::from(format!("<a class=\"self-link\" href=\"#{}\">", html_escape(a)))));
                        self.plain(&h.inlines);
                        self.events.push(Event::InlineHtml(CowStr::from("</a>")));
                    }
                    None => self.inlines(&h.inlines),
                }
                self.events.push(Event::End(TagEnd::Heading(level)));
            }
            Block::Paragraph(i) if tight => self.inlines(i),
            Block::Paragraph(i) => {
                self.events.push(Event::Start(Tag::Paragraph));
                self.inlines(i);
                self.events.push(Event::End(TagEnd::Paragraph));
            }
            Block::List(l) => {
                self.events.push(Event::Start(Tag::List(l.start)));
                for item in &l.items {
                    self.events.push(Event::Start(Tag::Item));
                    self.blocks(item, l.tight);
                    self.events.push(Event::End(TagEnd::Item));
                }
                self.events.push(Event::End(TagEnd::List(l.start.is_some())));
            }
            Block::Table(t) => self.events.push(html(table(t, self.links))),
            Block::Figure(f) => self.events.push(html(figure::figure(f, self.charts, self.links))),
            Block::Styled { style, blocks } => {
                self.events.push(html(format!("<div class=\"{}\">\n", style.class())));
                self.blocks(blocks, false);
                self.events.push(html("</div>\n".into()));
            }
            Block::Contents(c) => self.contents(c),
            Block::Rule => self.events.push(Event::Rule),
        }
    }

    /// A contents list as the Markdown list of links it is in the Markdown edition.
    fn contents(&mut self, c: &Contents) {
        if c.entries.is_empty() {
            return;
        }
        let link = |e: &crate::document::Entry| {
            vec![
                Event::Start(Tag::Link {
                    link_type: LinkType::Inline,
                    dest_url: CowStr::from(format!("#{}", e.anchor)),
                    title: "".into(),
                    id: "".into(),
                }),
                Event::Text(CowStr::from(e.display())),
                Event::End(TagEnd::Link),
            ]
        };
        self.events.push(Event::Start(Tag::List(None)));
        let mut open_sub = false;
        for (k, e) in c.entries.iter().enumerate() {
            let sub = c.kind == ContentsKind::Sections && e.level > 1;
            match (sub, open_sub) {
                (true, false) => {
                    self.events.push(Event::Start(Tag::List(None)));
                    open_sub = true;
                }
                (false, true) => {
                    self.events.extend([Event::End(TagEnd::List(false)), Event::End(TagEnd::Item)]);
                    open_sub = false;
                }
                (false, false) if k > 0 => self.events.push(Event::End(TagEnd::Item)),
                _ => {}
            }
            self.events.push(Event::Start(Tag::Item));
            self.events.extend(link(e));
            if sub {
                self.events.push(Event::End(TagEnd::Item));
            }
        }
        if open_sub {
            self.events.push(Event::End(TagEnd::List(false)));
        }
        self.events.push(Event::End(TagEnd::Item));
        self.events.push(Event::End(TagEnd::List(false)));
    }

    fn plain(&mut self, list: &[Inline]) {
        self.events.push(Event::Text(CowStr::from(crate::document::plain(list))));
    }

    fn inlines(&mut self, list: &[Inline]) {
        for i in list {
            match i {
                Inline::Text(t) => self.events.push(Event::Text(CowStr::from(t.clone()))),
                Inline::Code(t) => self.events.push(Event::Code(CowStr::from(t.clone()))),
                Inline::Emph(c) => {
                    self.events.push(Event::Start(Tag::Emphasis));
                    self.inlines(c);
                    self.events.push(Event::End(TagEnd::Emphasis));
                }
                Inline::Strong(c) => {
                    self.events.push(Event::Start(Tag::Strong));
                    self.inlines(c);
                    self.events.push(Event::End(TagEnd::Strong));
                }
                Inline::Link { url, inlines } => {
                    self.events.push(Event::Start(Tag::Link {
                        link_type: LinkType::Inline,
                        dest_url: CowStr::from(url.clone()),
                        title: "".into(),
                        id: "".into(),
                    }));
                    self.inlines(inlines);
                    self.events.push(Event::End(TagEnd::Link));
                }
                Inline::SoftBreak => self.events.push(Event::SoftBreak),
                Inline::HardBreak => self.events.push(Event::HardBreak),
                Inline::Number(n) => {
                    let span = self.number(n);
                    self.events.push(Event::InlineHtml(CowStr::from(span)));
                }
                Inline::CrossRef(r) => {
                    let link = format!("<a class=\"ref\" href=\"#{}\">{}</a>", html_escape(&r.anchor), r.label);
                    self.events.push(Event::InlineHtml(CowStr::from(link)));
                }
            }
        }
    }
}

impl Writer<'_> {
    /// A number in the prose: focusable, described by its popover (written after the text,
    /// hidden until hover, focus or tap), which says its kind once, how it is known, and
    /// links the data files the page has.
    fn number(&mut self, n: &NumberSpan) -> String {
        let text = body_text(&n.shown);
        let Some(p) = self.doc.provenance.get(&n.id) else { return text };
        let id = format!("prov-{}", self.popovers.len() + 1);
        let file = |path: &str| match (self.table_csvs.get(path), self.links) {
            (Some(label), Links::Files) => format!("<a href=\"{}\" type=\"text/csv\">{label} CSV</a>", html_escape(path)),
            (Some(label), Links::Standalone) => format!("{label}（{}）", html_escape(path)),
            (None, _) => html_escape(path),
        };
        let told = p.parts.compose(|label| format!("<span class=\"prov-kind\">{label}</span>"), html_escape, file);
        let tip = format!(
            "<div class=\"prov\" id=\"{id}\" role=\"tooltip\" hidden>{told}<code class=\"prov-name\">{}</code></div>\n",
            html_escape(&n.id)
        );
        self.popovers.push(tip);
        format!(
            "<span class=\"num num-{kind}\" tabindex=\"0\" data-name=\"{name}\" aria-describedby=\"{id}\">{text}</span>",
            kind = p.kind.as_str(),
            name = html_escape(&n.id),
        )
    }
}

fn table(t: &Table, links: Links) -> String {
    let (a, l) = (&t.anchor, t.label);
    let mut s = format!(
        "<div class=\"table\" id=\"{a}\">\n<div class=\"table-scroll\" role=\"region\" tabindex=\"0\" aria-labelledby=\"{a}-caption\">\n<table>\n\
         <caption id=\"{a}-caption\"><a class=\"self-link\" href=\"#{a}\">{l}</a> {}</caption>\n<thead><tr>",
        esc(&t.caption)
    );
    for title in &t.header {
        match title.as_str() {
            // A column the document prints without a title: no empty header cell.
            "" => s.push_str("<td></td>"),
            _ => s.push_str(&format!("<th scope=\"col\">{}</th>", html_escape(title))),
        }
    }
    s.push_str("</tr></thead>\n<tbody>\n");
    for row in &t.rows {
        s.push_str("<tr>");
        for cell in row {
            s.push_str(&format!("<td>{}</td>", html_escape(cell)));
        }
        s.push_str("</tr>\n");
    }
    s.push_str("</tbody>\n</table>\n</div>\n");
    if let Some(src) = &t.source {
        s.push_str(&format!("<p class=\"source\">{}：{}</p>\n", esc(&src.label), esc(&src.text)));
    }
    for n in &t.notes {
        s.push_str(&format!("<p class=\"note\">注：{}</p>\n", esc(n)));
    }
    if links == Links::Files {
        s.push_str(&format!(
            "<p class=\"downloads\">数据：<a href=\"{}\" type=\"text/csv\" aria-label=\"{l} CSV 数据\">CSV</a></p>\n",
            t.csv
        ));
    }
    s.push_str("</div>\n");
    s
}

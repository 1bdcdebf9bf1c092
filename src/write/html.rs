//! The HTML edition's body (the page around it is templates/page.html): the wording's
//! Markdown structure written as pulldown-cmark writes it, figures with their SVG inline
//! (crisp, in the page's font), tables with their data linked, and every number focusable
//! with its provenance in a popover.

use pulldown_cmark::{CowStr, Event, LinkType, Tag, TagEnd};
use serde::Serialize;

use crate::charts::Chart;
use crate::document::{Block, Contents, ContentsKind, Document, Figure, Inline, NumberSpan, Spaced, Table};
use crate::text::html_escape;

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
    events: Vec<Event<'static>>,
    spans: usize,
}

/// The report body as HTML.
pub fn body(doc: &Document, charts: &[Chart]) -> String {
    let mut w = Writer { doc, charts, events: Vec::new(), spans: 0 };
    w.blocks(&doc.blocks, false);
    let mut out = String::with_capacity(512 * 1024);
    pulldown_cmark::html::push_html(&mut out, w.events.into_iter());
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
            Block::Table(t) => self.events.push(html(table(t))),
            Block::Figure(f) => self.events.push(html(figure(f, self.charts))),
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
                Event::Start(Tag::Link { link_type: LinkType::Inline, dest_url: CowStr::from(format!("#{}", e.anchor)), title: "".into(), id: "".into() }),
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
                    self.events.push(Event::Start(Tag::Link { link_type: LinkType::Inline, dest_url: CowStr::from(url.clone()), title: "".into(), id: "".into() }));
                    self.inlines(inlines);
                    self.events.push(Event::End(TagEnd::Link));
                }
                Inline::SoftBreak => self.events.push(Event::SoftBreak),
                Inline::HardBreak => self.events.push(Event::HardBreak),
                Inline::Number(n) => {
                    self.spans += 1;
                    let span = number(self.spans, n, self.doc);
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

/// A number in the prose: focusable, with its provenance in a popover that shows on
/// hover, on focus (keyboard) and on tap, and describes the number to screen readers.
fn number(index: usize, n: &NumberSpan, doc: &Document) -> String {
    let text = body_text(&n.shown);
    let Some(p) = doc.provenance.get(&n.id) else { return text };
    format!(
        "<span class=\"num num-{kind}\" tabindex=\"0\" data-name=\"{name}\" aria-describedby=\"prov-{index}\">{text}\
         <span class=\"prov\" id=\"prov-{index}\" role=\"tooltip\"><span class=\"prov-kind\">{label}</span> {provenance} \
         <code class=\"prov-name\">{name}</code></span></span>",
        kind = p.kind.as_str(),
        name = html_escape(&n.id),
        label = p.label,
        provenance = html_escape(&p.sentence),
    )
}

/// The chart's SVG cut to its body (the caption and source line are printed under it).
fn chart_svg(f: &Figure, charts: &[Chart]) -> String {
    let alt = esc(&f.alt);
    match charts.iter().find(|c| c.id == f.id) {
        Some(chart) => {
            let body = chart.body_svg();
            let svg = body.trim_start_matches(|c| c != '<').replacen("<svg ", &format!("<svg role=\"img\" aria-label=\"{alt}\" "), 1);
            format!("<span class=\"chart\">{svg}</span>")
        }
        None => format!("<img src=\"{}\" alt=\"{alt}\" />", f.png()),
    }
}

fn figure(f: &Figure, charts: &[Chart]) -> String {
    let (a, l) = (&f.anchor, f.label);
    let mut s = format!("<figure class=\"figure\" id=\"{a}\">\n{}\n<figcaption>\n", chart_svg(f, charts));
    s.push_str(&format!("<p class=\"caption\"><a class=\"self-link\" href=\"#{a}\">{l}</a> {}</p>\n", esc(&f.caption)));
    if let Some(src) = &f.source {
        s.push_str(&format!("<p class=\"source\">{}：{}</p>\n", esc(&src.label), esc(&src.text)));
    }
    for n in &f.notes {
        s.push_str(&format!("<p class=\"note\">注：{}</p>\n", esc(n)));
    }
    s.push_str(&format!(
        "<p class=\"downloads\">数据与图片：<a href=\"{}\" type=\"text/csv\" aria-label=\"{l} CSV 数据\">CSV 数据</a> <a href=\"{}\" type=\"image/svg+xml\" aria-label=\"{l} SVG\">SVG</a> <a href=\"{}\" type=\"image/png\" aria-label=\"{l} PNG\">PNG</a></p>\n</figcaption>\n</figure>\n",
        f.csv(),
        f.svg(),
        f.png()
    ));
    s
}

fn table(t: &Table) -> String {
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
    s.push_str(&format!("<p class=\"downloads\">数据：<a href=\"{}\" type=\"text/csv\" aria-label=\"{l} CSV 数据\">CSV</a></p>\n</div>\n", t.csv));
    s
}

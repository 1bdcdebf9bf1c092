//! Builds the document from the tera templates, then writes its Markdown and HTML editions.
//! Templates see only plain values; numbers are shown through filters that round 四舍五入
//! at display and become typed spans; tables and figures are placed as typed nodes. See
//! [`crate::document`] for the tree and [`crate::write`] for the writers.

mod filters;
mod place;
mod templates;

use std::collections::BTreeMap;

use tera::{Context, Tera};

pub use place::cell_text;
pub use templates::TemplateDirs;

use crate::catalog::Catalog;
use crate::charts::Chart;
use crate::config::Config;
use crate::document::build::{Placed, Sources, Token};
use crate::document::{ContentsKind, Document, FrontMatter, NumberSpan, Provenance};
use crate::edition::{Edition, Shown};
use crate::error::{Error, Result};
use crate::model::Facts;

type Shared<T> = std::sync::Arc<std::sync::Mutex<T>>;

pub struct Rendered {
    pub document: Document,
    pub markdown: String,
    pub html: String,
    /// `report-standalone.html`, when the page's stylesheet and font were given.
    pub standalone: Option<String>,
    /// The label each placed table and figure got (表 1-1, 图 2-3), by id.
    pub numbers: BTreeMap<String, String>,
    /// Every number printed in the prose, once per occurrence, in reading order.
    pub used: Vec<NumberSpan>,
}

#[allow(clippy::too_many_arguments)]
pub fn render(
    dirs: &TemplateDirs,
    config: &Config,
    catalog: &Catalog,
    facts: &Facts,
    charts: &[Chart],
    shown: &BTreeMap<String, Shown>,
    which: Edition,
    standalone: Option<&Standalone>,
) -> Result<Rendered> {
    let sources = templates::read(dirs)?;
    render_sources(dirs, &sources, config, catalog, facts, charts, shown, which, standalone)
}

/// What `report-standalone.html` inlines: the page's stylesheet and the OpenType font its
/// web font is cut from.
pub struct Standalone<'a> {
    pub css: &'a str,
    /// Where the stylesheet names the web font (`url("…") format("woff2")`).
    pub font_url: &'a str,
    pub font: &'a [u8],
}

/// Renders templates given as (name relative to the templates directory, text): what
/// `render` does after reading the files, and what the property tests feed with mutated
/// templates.
#[allow(clippy::too_many_arguments)]
pub fn render_sources(
    dirs: &TemplateDirs,
    sources: &[(String, String)],
    config: &Config,
    catalog: &Catalog,
    facts: &Facts,
    charts: &[Chart],
    shown: &BTreeMap<String, Shown>,
    which: Edition,
    standalone: Option<&Standalone>,
) -> Result<Rendered> {
    let document = document(dirs, sources, config, catalog, facts, shown, charts, which)?;
    let markdown = crate::write::markdown::write(&document);
    let body = crate::write::html::body(&document, charts, crate::write::html::Links::Files);
    let page_text = sources.iter().find(|(n, _)| n == PAGE).map(|(_, t)| t.as_str());
    let page = Page::new(dirs, page_text)?;
    let html = page.render(config, &document, &body, None)?;
    let standalone = standalone.map(|s| page.standalone(config, &document, charts, s)).transpose()?;
    let numbers = document.labels().into_iter().map(|(id, l)| (id, l.to_string())).collect();
    let used = crate::write::number_spans(&document).into_iter().cloned().collect();
    Ok(Rendered { document, markdown, html, standalone, numbers, used })
}

/// The document: two tera passes (the first records where each table and figure is placed,
/// so a reference may come first), then the second pass's text parsed once.
#[allow(clippy::too_many_arguments)]
fn document(
    dirs: &TemplateDirs,
    sources: &[(String, String)],
    config: &Config,
    catalog: &Catalog,
    facts: &Facts,
    shown: &BTreeMap<String, Shown>,
    charts: &[Chart],
    which: Edition,
) -> Result<Document> {
    let placed: Shared<Placed> = Default::default();
    let passes: Shared<place::Passes> = Default::default();
    let mut tera = Tera::new();
    tera.autoescape_on([".html"]);
    filters::register(&mut tera, &placed);
    place::register(&mut tera, place::placeable(catalog, facts, charts), &placed, &passes);
    for (name, text) in sources {
        templates::check_numbers(&dirs.path(name), text, facts)?;
    }
    // page.html is the HTML edition's page, rendered around the body afterwards.
    let report: Vec<(&str, &str)> = sources.iter().filter(|(n, _)| n != "page.html").map(|(n, s)| (n.as_str(), s.as_str())).collect();
    tera.add_raw_templates(report).map_err(|e| templates::template_error(dirs, &e))?;

    let edition = config.edition.year;
    let (year, month) = config.published();
    let mut ctx = Context::new();
    ctx.insert("edition", &config.edition);
    ctx.insert("year", &edition);
    ctx.insert("published", &crate::text::chinese_month(year, month));
    let (n, at) = filters::named(facts, shown, edition);
    ctx.insert("n", &n);
    ctx.insert("at", &at);
    ctx.insert("contents", &Token::Contents(ContentsKind::Sections).text());
    ctx.insert("list_of_figures", &Token::Contents(ContentsKind::Figures).text());
    ctx.insert("list_of_tables", &Token::Contents(ContentsKind::Tables).text());

    let lock = || placed.lock().map_err(|_| Error::Template("placement lock poisoned".into()));
    tera.render("report.md", &ctx).map_err(|e| templates::template_error(dirs, &e))?;
    *lock()? = Placed::default();
    passes.lock().map_err(|_| Error::Template("placement lock poisoned".into()))?.second = true;
    let text = tera.render("report.md", &ctx).map_err(|e| templates::template_error(dirs, &e))?;
    // As the Markdown edition always was: lines end with \n, the last one too.
    let mut text = text.replace("\r\n", "\n");
    if !text.ends_with('\n') {
        text.push('\n');
    }

    let placed = std::mem::take(&mut *lock()?);
    let paths: Vec<(std::path::PathBuf, &str)> = sources.iter().map(|(name, text)| (dirs.path(name), text.as_str())).collect();
    let (mut blocks, end) = crate::document::build::parse(&text, &placed, &Sources { files: paths })?;
    crate::document::resolve::resolve(&mut blocks, &placed);

    let as_published = |name: &str| shown.get(name).is_some_and(|s| s.as_published);
    let provenance = placed
        .numbers
        .iter()
        .filter_map(|span| {
            let number = facts.number(&span.name)?;
            let parts = crate::model::provenance::told(number, span.year, edition, span.year == edition && as_published(&span.name));
            Some((span.id.clone(), Provenance { kind: number.kind, label: parts.label, sentence: parts.sentence(), parts }))
        })
        .collect();
    let front = FrontMatter {
        title: config.edition.title.clone(),
        authors: config.edition.publishers.clone(),
        date: crate::text::chinese_month(year, month),
        published: (year, month),
        language: "zh-CN",
    };
    Ok(Document { edition, corrected: which == Edition::Corrected, front, blocks, provenance, end })
}

const PAGE: &str = "page.html";

/// `templates/page.html`, the HTML page around the rendered body.
struct Page<'a> {
    tera: Tera,
    dirs: &'a TemplateDirs,
}

impl<'a> Page<'a> {
    /// The page template from its text (`None`: there is no page.html).
    fn new(dirs: &'a TemplateDirs, text: Option<&str>) -> Result<Page<'a>> {
        let Some(text) = text else {
            return Err(Error::Template(format!(
                "template 'page.html' not found\n  --> {}\n  = hint: the templates directory needs report.md (the report) and page.html (the HTML page around it)",
                dirs.designs.display()
            )));
        };
        let mut tera = Tera::new();
        tera.autoescape_on([".html"]);
        tera.add_raw_template(PAGE, text).map_err(|e| templates::template_error(dirs, &e))?;
        Ok(Page { tera, dirs })
    }

    /// The page around `body`; `style` is the stylesheet to inline (the standalone page).
    fn render(&self, config: &Config, document: &Document, body: &str, style: Option<&str>) -> Result<String> {
        let mut page = Context::new();
        page.insert("edition", &config.edition);
        page.insert("toc", &crate::write::html::toc(document));
        page.insert("body", body);
        page.insert("standalone", &style.is_some());
        page.insert("style", style.unwrap_or(""));
        self.tera.render(PAGE, &page).map_err(|e| templates::template_error(self.dirs, &e))
    }

    /// `report-standalone.html`: the page with its stylesheet, its charts and a font of
    /// exactly its characters inlined.
    fn standalone(&self, config: &Config, document: &Document, charts: &[Chart], s: &Standalone) -> Result<String> {
        let body = crate::write::html::body(document, charts, crate::write::html::Links::Standalone);
        // The font has exactly the characters of the page with its stylesheet (whose
        // generated content draws some too); inlining the font adds none but ASCII.
        let chars = self.render(config, document, &body, Some(s.css))?.chars().filter(|c| !c.is_control()).collect();
        let font = crate::write::webfont::subset_remembered(s.font, &chars).map_err(Error::WebFont)?;
        let url = format!("url(data:font/otf;base64,{}) format(\"opentype\")", crate::write::webfont::base64(&font));
        let named = format!("url(\"{}\") format(\"woff2\")", s.font_url);
        let css = match s.css.contains(&named) {
            true => s.css.replace(&named, &url),
            false => format!("@font-face {{ font-family: \"{}\"; src: {url}; }}\n{}", crate::charts::FAMILY, s.css),
        };
        self.render(config, document, &body, Some(&css))
    }
}

/// `report-standalone.html` of a rendered document, made apart from the rest: `serve`
/// makes it once edits pause, as it does the PDF.
pub fn standalone(dirs: &TemplateDirs, config: &Config, document: &Document, charts: &[Chart], s: &Standalone) -> Result<String> {
    let path = dirs.path(PAGE);
    let text = std::fs::read_to_string(&path).ok();
    Page::new(dirs, text.as_deref())?.standalone(config, document, charts, s)
}

//! The print edition: the rendered Markdown typeset as an A4 PDF by Typst, used as a library.
//! The page design lives in `templates/report.typ`; [`markup`] writes the report as calls of
//! its functions, and a small in-memory [`typst::World`] gives Typst that file, the chart
//! SVGs (embedded as vectors) and the bundled fonts, nothing else: no system fonts, no
//! network, no clock (the date is report.yaml's `edition.published`), so the bytes are the
//! same on every build.

pub mod markup;

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use typst::diag::{FileError, FileResult, Severity, SourceDiagnostic};
use typst::foundations::{Bytes, Datetime, Smart};
use typst::layout::{Frame, FrameItem};
use typst::syntax::{FileId, RootedPath, Source, VirtualPath, VirtualRoot};
use typst::text::{Font, FontBook};
use typst::utils::LazyHash;
use typst::{Library, LibraryExt, WorldExt};
use typst_layout::PagedDocument;

use crate::charts::Chart;
use crate::config::Config;
use crate::error::{Error, InputError, Result};

/// The page design, under the templates directory.
pub const TEMPLATE: &str = "report.typ";

/// The fonts the PDF may use (the bundled ones, parsed once) and Typst's standard library.
pub struct Typesetter {
    library: LazyHash<Library>,
    book: LazyHash<FontBook>,
    fonts: Vec<Font>,
}

/// A typeset report: the PDF and what tests and the build check on it.
pub struct Print {
    pub pdf: Vec<u8>,
    pub pages: usize,
    /// The text of every page in reading order, pages separated by form feeds.
    pub text: String,
}

impl Typesetter {
    /// Loads the bundled font files (regular and bold faces of one family).
    pub fn load(paths: &[PathBuf]) -> Result<Typesetter> {
        let mut fonts = Vec::new();
        for path in paths {
            let bytes = std::fs::read(path).map_err(|source| Error::Io { path: path.clone(), source })?;
            let before = fonts.len();
            fonts.extend(Font::iter(Bytes::new(bytes)));
            if fonts.len() == before {
                return Err(InputError::new(path, "not a usable OpenType font").hint("regenerate it with scripts/subset-font.py").into());
            }
        }
        let book = LazyHash::new(FontBook::from_fonts(&fonts));
        Ok(Typesetter { library: LazyHash::new(Library::default()), book, fonts })
    }

    /// The first character of `text` that some bundled face cannot draw.
    fn missing_glyph(&self, text: &str) -> Option<char> {
        text.chars()
            .filter(|c| !c.is_whitespace() && !c.is_control())
            .find(|c| self.fonts.iter().any(|f| !f.info().coverage.contains(*c as u32)))
    }

    /// Typesets the report. `markdown` is the rendered report (as report.md), `numbers` the
    /// printed number of each table and figure by id, `charts` the drawn figures.
    pub fn typeset(
        &self,
        templates_dir: &Path,
        config: &Config,
        markdown: &str,
        numbers: &BTreeMap<String, String>,
        charts: &[Chart],
    ) -> Result<Print> {
        let template_path = templates_dir.join(TEMPLATE);
        let template = crate::error::read_to_string(&template_path)?;
        let ids: Vec<&str> = charts.iter().map(|c| c.id.as_str()).collect();
        let (body, runs) = markup::to_typst(markdown, numbers, &ids);

        // Every character is checked against the fonts before typesetting: Typst would
        // draw a missing one as an empty box without a word.
        for (text, place) in &runs {
            if let Some(c) = self.missing_glyph(text) {
                let offset = place.offset + text.find(c).unwrap_or(0);
                let line = markdown[..offset].matches('\n').count() + 1;
                let column = markdown[..offset].rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
                let section = if place.section.is_empty() { "the cover".to_string() } else { place.section.clone() };
                return Err(InputError::new(
                    Path::new("report.md"),
                    format!("character {c:?} (U+{:04X}) in {section} is not in the bundled font, so the PDF cannot print it", c as u32),
                )
                .at(line, column)
                .excerpt_from(markdown)
                .hint("replace it in templates/ or data/, or add it to the font subset (scripts/subset-font.py)")
                .into());
            }
        }
        let edition = &config.edition;
        if let Some(c) = self.missing_glyph(&format!("{}{}", edition.title, edition.publishers.concat())) {
            return Err(InputError::new(
                Path::new("report.yaml"),
                format!("character {c:?} (U+{:04X}) is not in the bundled font", c as u32),
            )
            .field("edition")
            .into());
        }

        let (year, month) = config.published();
        let authors: Vec<String> = edition.publishers.iter().map(|p| markup::string(p)).collect();
        let main = format!(
            "#import {}: *\n#show: report.with(title: {}, authors: ({}), date: datetime(year: {year}, month: {month}, day: 1))\n\n{body}",
            markup::string(TEMPLATE),
            markup::string(&edition.title),
            authors.iter().map(|a| format!("{a},")).collect::<String>(),
        );
        let world = ReportWorld::new(self, &template_path, template, main, charts, (year, month))?;
        let warned = typst::compile::<PagedDocument>(&world);
        let document = warned.output.map_err(|errors| world.error(&errors))?;

        let (pages, text) = page_text(&document);
        // The template's own words are not in the Markdown: a glyph Typst could not find
        // anywhere shows as glyph 0 after layout.
        for (n, page) in document.pages().iter().enumerate() {
            if let Some(text) = notdef_text(&page.frame) {
                let c = self.missing_glyph(&text).unwrap_or('\u{FFFD}');
                return Err(InputError::new(
                    &template_path,
                    format!("character {c:?} (U+{:04X}) on page {} is not in the bundled font", c as u32, n + 1),
                )
                .hint("replace it in templates/report.typ, or add it to the font subset (scripts/subset-font.py)")
                .into());
            }
        }
        let date = Datetime::from_ymd(year, month as u8, 1);
        let options = typst_pdf::PdfOptions {
            ident: Smart::Custom(edition.title.clone()),
            timestamp: date.map(typst_pdf::Timestamp::new_utc),
            ..Default::default()
        };
        let pdf = typst_pdf::pdf(&document, &options).map_err(|errors| world.error(&errors))?;
        Ok(Print { pdf, pages, text })
    }
}

/// Frees Typst's memoised results not used in the last `max_age` typesettings: Typst's
/// cache is global and would grow with every rebuild in `serve`. 0 forgets everything.
pub fn evict_cache(max_age: usize) {
    typst::comemo::evict(max_age);
}

/// The text of each page, in the order it was laid out.
fn page_text(document: &PagedDocument) -> (usize, String) {
    fn walk(frame: &Frame, out: &mut String) {
        for (_, item) in frame.items() {
            match item {
                FrameItem::Group(group) => walk(&group.frame, out),
                FrameItem::Text(text) => out.push_str(&text.text),
                _ => {}
            }
        }
    }
    let mut text = String::new();
    for page in document.pages() {
        walk(&page.frame, &mut text);
        text.push('\u{c}');
    }
    (document.pages().len(), text)
}

/// The text of the first run on a page that has a glyph the font lacks.
fn notdef_text(frame: &Frame) -> Option<String> {
    frame.items().find_map(|(_, item)| match item {
        FrameItem::Group(group) => notdef_text(&group.frame),
        FrameItem::Text(text) if text.glyphs.iter().any(|g| g.id == 0) => Some(text.text.to_string()),
        _ => None,
    })
}

fn file_id(path: &str) -> FileId {
    let vpath = VirtualPath::new(path).unwrap_or_else(|_| VirtualPath::new("invalid").expect("a plain name is a path"));
    RootedPath::new(VirtualRoot::Project, vpath).intern()
}

/// What Typst sees: main.typ (the report), report.typ (the design), charts/*.svg, fonts.
struct ReportWorld<'a> {
    typesetter: &'a Typesetter,
    main: FileId,
    template: (FileId, PathBuf),
    sources: HashMap<FileId, Source>,
    files: HashMap<FileId, Bytes>,
    today: Option<Datetime>,
}

impl<'a> ReportWorld<'a> {
    fn new(
        typesetter: &'a Typesetter,
        template_path: &Path,
        template: String,
        main: String,
        charts: &[Chart],
        (year, month): (i32, u32),
    ) -> Result<Self> {
        let main_id = file_id("main.typ");
        let template_id = file_id(TEMPLATE);
        let sources = HashMap::from([(main_id, Source::new(main_id, main)), (template_id, Source::new(template_id, template))]);
        let files = charts.iter().map(|c| (file_id(&format!("charts/{}.svg", c.id)), Bytes::new(c.svg.clone().into_bytes()))).collect();
        Ok(ReportWorld {
            typesetter,
            main: main_id,
            template: (template_id, template_path.to_path_buf()),
            sources,
            files,
            today: Datetime::from_ymd(year, month as u8, 1),
        })
    }

    /// Typst's errors as one error for people: in report.typ with its line and column; in
    /// the generated markup with the offending line.
    fn error(&self, diagnostics: &[SourceDiagnostic]) -> Error {
        let Some(d) = diagnostics.iter().find(|d| d.severity == Severity::Error).or(diagnostics.first()) else {
            return Error::Pdf("Typst failed without a message".into());
        };
        let hints: Vec<String> = d.hints.iter().map(|h| h.v.to_string()).collect();
        let id = d.span.id();
        let location = id.and_then(|id| {
            let source = self.sources.get(&id)?;
            let range = self.range(d.span)?;
            let (line, column) = source.lines().byte_to_line_column(range.start)?;
            Some((id, source, line + 1, column + 1))
        });
        match location {
            Some((id, source, line, column)) if id == self.template.0 => {
                let mut e = InputError::new(&self.template.1, d.message.to_string()).at(line, column).excerpt_from(source.text());
                if !hints.is_empty() {
                    e = e.hint(hints.join("; "));
                }
                e.into()
            }
            Some((_, source, line, _)) => Error::Pdf(format!(
                "{} (in the Typst markup written from report.md, line {line}: `{}`){}",
                d.message,
                source.text().lines().nth(line - 1).unwrap_or("").chars().take(160).collect::<String>(),
                hints.iter().map(|h| format!("\n  = hint: {h}")).collect::<String>()
            )),
            None => Error::Pdf(format!("{}{}", d.message, hints.iter().map(|h| format!("\n  = hint: {h}")).collect::<String>())),
        }
    }
}

impl typst::World for ReportWorld<'_> {
    fn library(&self) -> &LazyHash<Library> {
        &self.typesetter.library
    }
    fn book(&self) -> &LazyHash<FontBook> {
        &self.typesetter.book
    }
    fn main(&self) -> FileId {
        self.main
    }
    fn source(&self, id: FileId) -> FileResult<Source> {
        self.sources.get(&id).cloned().ok_or_else(|| not_found(id))
    }
    fn file(&self, id: FileId) -> FileResult<Bytes> {
        match self.sources.get(&id) {
            Some(source) => Ok(Bytes::from_string(source.clone())),
            None => self.files.get(&id).cloned().ok_or_else(|| not_found(id)),
        }
    }
    fn font(&self, index: usize) -> Option<Font> {
        self.typesetter.fonts.get(index).cloned()
    }
    fn today(&self, _offset: Option<typst::foundations::Duration>) -> Option<Datetime> {
        self.today
    }
}

fn not_found(id: FileId) -> FileError {
    FileError::NotFound(id.vpath().realize(Path::new("")).unwrap_or_default())
}

//! The print edition: the document typeset as an A4 PDF by Typst, used as a library.
//! The page design lives in `templates/report.typ`; [`crate::write::typst`] writes the report
//! as calls of its functions, and a small in-memory [`typst::World`] gives Typst that file, the chart
//! SVGs (embedded as vectors) and the bundled fonts, nothing else: no system fonts, no
//! network, no clock (the date is report.yaml's `edition.published`), so the bytes are the
//! same on every build.

use crate::write::typst as markup;

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use typst::diag::{FileError, FileResult, Severity, SourceDiagnostic};
use typst::foundations::{Bytes, Datetime, Smart};
use typst::layout::{Frame, FrameItem};
use typst::syntax::{FileId, RootedPath, Source, VirtualPath, VirtualRoot};
use typst::text::{Font, FontBook};
use typst::utils::LazyHash;
use typst::{Library, LibraryExt, WorldExt};
use typst_layout::PagedDocument;

use sha2::{Digest, Sha256};

use crate::cache::Key;
use crate::charts::Chart;
use crate::config::Config;
use crate::document::Document;
use crate::error::{Error, InputError, Result};

/// The page design, under the templates directory.
pub const TEMPLATE: &str = "report.typ";

/// The cache's name for typeset PDFs.
pub const PDF_KIND: &str = "report-pdf";

/// The crates whose versions are part of the PDF's cache key.
const TYPST_CRATES: [&str; 8] = ["typst", "typst-library", "typst-layout", "typst-pdf", "krilla", "krilla-svg", "usvg", "subsetter"];

/// The fonts the PDF may use (the bundled ones, parsed once) and Typst's standard library.
pub struct Typesetter {
    library: LazyHash<Library>,
    book: LazyHash<FontBook>,
    fonts: Vec<Font>,
    /// SHA-256 of the font files, for the cache key (computed on first use).
    font_hash: std::sync::OnceLock<[u8; 32]>,
}

/// What Typst compiles: the generated `main.typ`, the page design and the document's
/// metadata, checked against the fonts.
pub struct TypstSource {
    template_path: PathBuf,
    template: String,
    main: String,
    title: String,
    date: (i32, u32),
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
        Ok(Typesetter { library: LazyHash::new(Library::default()), book, fonts, font_hash: Default::default() })
    }

    /// The first character of `text` that some bundled face cannot draw.
    fn missing_glyph(&self, text: &str) -> Option<char> {
        let missing = self.missing_glyphs(text);
        text.chars().find(|c| missing.contains(c))
    }

    /// Every character of `text` that some bundled face cannot draw. Each distinct character
    /// is looked up once: a font's coverage is searched range by range, and the report has
    /// about 100,000 characters but only a few thousand distinct ones (checking every
    /// occurrence took 200 ms).
    fn missing_glyphs(&self, text: &str) -> BTreeSet<char> {
        let distinct: BTreeSet<char> = text.chars().filter(|c| !c.is_whitespace() && !c.is_control()).collect();
        distinct.into_iter().filter(|c| self.fonts.iter().any(|f| !f.info().coverage.contains(*c as u32))).collect()
    }

    /// What Typst will compile: the report as markup calling the design's functions, every
    /// character checked against the fonts first (Typst would draw a missing one as an empty
    /// box without a word). An error points to the first file under `sources` (the
    /// wording, then the data) that has the character.
    pub fn source(&self, templates_dir: &Path, config: &Config, document: &Document, sources: &[PathBuf]) -> Result<TypstSource> {
        let template_path = templates_dir.join(TEMPLATE);
        let template = crate::error::read_to_string(&template_path)?;
        let (body, runs) = markup::write(document);

        let all: String = runs.iter().map(|(text, _)| text.as_str()).collect();
        let missing = self.missing_glyphs(&all);
        for (text, section) in runs.iter().filter(|_| !missing.is_empty()) {
            if let Some(c) = text.chars().find(|c| missing.contains(c)) {
                let section = if section.is_empty() { "the cover".to_string() } else { section.clone() };
                let message =
                    format!("character {c:?} (U+{:04X}) in {section} is not in the bundled font, so the PDF cannot print it", c as u32);
                let error = match first_use(sources, c) {
                    Some((path, text, line, column)) => InputError::new(&path, message).at(line, column).excerpt_from(&text),
                    None => InputError::new(templates_dir, message),
                };
                return Err(error.hint("replace it in templates/ or data/, or add it to the font subset (scripts/subset-font.py)").into());
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
        Ok(TypstSource { template_path, template, main, title: edition.title.clone(), date: (year, month) })
    }

    /// The cache key of the PDF typeset from `source` and `charts`: everything that
    /// determines its bytes (the markup, the design, the chart SVGs, the font files, Typst's
    /// version and this module's own code, which sets the PDF's options).
    pub fn cache_key(&self, source: &TypstSource, charts: &[Chart]) -> Key {
        let fonts = self.font_hash.get_or_init(|| {
            let mut h = Sha256::new();
            for font in &self.fonts {
                h.update(font.data().as_slice());
                h.update(font.index().to_le_bytes());
            }
            h.finalize().into()
        });
        let date = format!("{}-{}", source.date.0, source.date.1);
        let typst = crate::cache::versions(&TYPST_CRATES);
        let mut parts: Vec<&[u8]> = vec![
            source.main.as_bytes(),
            source.template.as_bytes(),
            source.title.as_bytes(),
            date.as_bytes(),
            fonts,
            typst.as_bytes(),
            include_str!("pdf.rs").as_bytes(),
        ];
        let bodies: Vec<String> = charts.iter().map(Chart::body_svg).collect();
        for (chart, body) in charts.iter().zip(&bodies) {
            parts.extend([chart.id.as_bytes(), body.as_bytes()]);
        }
        Key::new(PDF_KIND, &parts)
    }

    /// Typesets a checked source with the drawn charts.
    pub fn compile(&self, source: &TypstSource, charts: &[Chart]) -> Result<Print> {
        let TypstSource { template_path, template, main, title, date: (year, month) } = source;
        let (year, month) = (*year, *month);
        let world = ReportWorld::new(self, template_path, template.clone(), main.clone(), charts, (year, month))?;
        let warned = typst::compile::<PagedDocument>(&world);
        let document = warned.output.map_err(|errors| world.error(&errors))?;

        let (pages, text) = page_text(&document);
        // The template's own words are not in the Markdown: a glyph Typst could not find
        // anywhere shows as glyph 0 after layout.
        for (n, page) in document.pages().iter().enumerate() {
            if let Some(text) = notdef_text(&page.frame) {
                let c = self.missing_glyph(&text).unwrap_or('\u{FFFD}');
                return Err(InputError::new(
                    template_path,
                    format!("character {c:?} (U+{:04X}) on page {} is not in the bundled font", c as u32, n + 1),
                )
                .hint("replace it in templates/report.typ, or add it to the font subset (scripts/subset-font.py)")
                .into());
            }
        }
        let date = Datetime::from_ymd(year, month as u8, 1);
        let options = typst_pdf::PdfOptions {
            ident: Smart::Custom(title.clone()),
            timestamp: date.map(typst_pdf::Timestamp::new_utc),
            standards: standards(),
            ..Default::default()
        };
        let pdf = typst_pdf::pdf(&document, &options).map_err(|errors| world.error(&errors))?;
        Ok(Print { pdf, pages, text })
    }
}

/// The standards the print edition declares and Typst enforces while writing it: PDF/UA-1
/// (tagged, every image with alt text, language and title shown) and PDF/A-2a (archival,
/// fonts embedded, tagged). Typst allows one of each family at once; both fix PDF 1.7.
pub const STANDARDS: [typst_pdf::PdfStandard; 2] = [typst_pdf::PdfStandard::Ua_1, typst_pdf::PdfStandard::A_2a];

fn standards() -> typst_pdf::PdfStandards {
    typst_pdf::PdfStandards::new(&STANDARDS).expect("PDF/UA-1 and PDF/A-2a are compatible (both PDF 1.7)")
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
        let files = charts.iter().map(|c| (file_id(&format!("charts/{}.svg", c.id)), Bytes::new(c.body_svg().into_bytes()))).collect();
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

/// The first file under `roots` (each walked in name order) that has `c`: the file, its
/// text, and the line and column of `c` in it.
fn first_use(roots: &[PathBuf], c: char) -> Option<(PathBuf, String, usize, usize)> {
    fn walk(path: &Path, files: &mut Vec<PathBuf>) {
        match std::fs::read_dir(path) {
            Ok(entries) => {
                let mut inside: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
                inside.sort();
                inside.iter().for_each(|p| walk(p, files));
            }
            Err(_) => files.push(path.to_path_buf()),
        }
    }
    let mut files = Vec::new();
    roots.iter().for_each(|root| walk(root, &mut files));
    files.into_iter().find_map(|path| {
        let text = std::fs::read_to_string(&path).ok()?;
        let offset = text.find(c)?;
        let line = text[..offset].matches('\n').count() + 1;
        let column = text[..offset].rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
        Some((path, text, line, column))
    })
}

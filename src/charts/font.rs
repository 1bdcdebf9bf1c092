//! The one CJK font used to measure, draw and rasterise all chart text (and served to the
//! HTML report), so what plotters lays out is what resvg and the browser draw.

use std::path::Path;
use std::sync::{Arc, OnceLock};

use ab_glyph::{Font, FontRef};
use plotters::style::FontStyle;
use sha2::{Digest, Sha256};

use crate::cache::Key;
use crate::error::{Error, InputError, Result};

/// The family name inside the font file; SVGs name it and the HTML declares it.
pub const FAMILY: &str = "Noto Sans CJK SC";

pub struct ChartFont {
    /// Parsed once; every width measurement uses it.
    font: FontRef<'static>,
    /// SHA-256 of the font file: part of every cached PNG's key.
    hash: [u8; 32],
    fontdb: Arc<resvg::usvg::fontdb::Database>,
}

static REGISTERED: OnceLock<&'static [u8]> = OnceLock::new();

/// How PNGs are encoded: part of every cached PNG's key, so a change here is a new key.
const PNG_ENCODING: &str = "rgba8; fdeflate; sub filter";

impl ChartFont {
    pub fn load(path: &Path) -> Result<ChartFont> {
        let bytes = std::fs::read(path).map_err(|source| Error::Io { path: path.to_path_buf(), source })?;
        FontRef::try_from_slice(&bytes)
            .map_err(|_| InputError::new(path, "not a usable OpenType font").hint("regenerate it with scripts/subset-font.py"))?;
        let hash: [u8; 32] = Sha256::digest(&bytes).into();
        // plotters keeps fonts in a process-wide registry that needs 'static bytes; the font
        // is registered once per process, under its family and under the generic name that
        // some plotters elements use by default. A later load of different bytes (another
        // project in the same process) leaks its own copy.
        let mut bytes = Some(bytes);
        let registered = *REGISTERED.get_or_init(|| {
            let leaked: &'static [u8] = Box::leak(bytes.take().unwrap_or_default().into_boxed_slice());
            for family in [FAMILY, "sans-serif"] {
                let _ = plotters::style::register_font(family, FontStyle::Normal, leaked);
            }
            leaked
        });
        let bytes: &'static [u8] = match bytes {
            Some(b) if b.as_slice() != registered => Box::leak(b.into_boxed_slice()),
            _ => registered,
        };
        let font = FontRef::try_from_slice(bytes).map_err(|_| InputError::new(path, "not a usable OpenType font"))?;
        // resvg reads the same bytes: no second copy of the font.
        let mut db = resvg::usvg::fontdb::Database::new();
        db.load_font_source(resvg::usvg::fontdb::Source::Binary(Arc::new(bytes)));
        db.set_sans_serif_family(FAMILY);
        Ok(ChartFont { font, hash, fontdb: Arc::new(db) })
    }

    /// The first character the font has no glyph for.
    pub fn check_text(&self, text: &str) -> std::result::Result<(), char> {
        match text.chars().find(|c| !c.is_whitespace() && !c.is_control() && self.font.glyph_id(*c).0 == 0) {
            Some(c) => Err(c),
            None => Ok(()),
        }
    }

    /// Width in pixels of `text` at `size` px, measured with the font itself.
    pub fn width(&self, text: &str, size: f32) -> f32 {
        let scale = size / self.font.units_per_em().unwrap_or(1000.0);
        text.chars().map(|c| self.font.h_advance_unscaled(self.font.glyph_id(c)) * scale).sum()
    }

    /// The cache key of the PNG drawn from `svg` at `scale`: everything that determines its
    /// bytes.
    pub fn png_key(&self, svg: &str, scale: f32) -> Key {
        Key::new(super::PNG_KIND, &[svg.as_bytes(), &scale.to_le_bytes(), &self.hash, PNG_ENCODING.as_bytes()])
    }

    /// Rasterises the SVG at `scale` on white and encodes it as PNG.
    pub fn to_png(&self, svg: &str, scale: f32) -> std::result::Result<Vec<u8>, String> {
        let options = resvg::usvg::Options { fontdb: self.fontdb.clone(), ..Default::default() };
        let tree = resvg::usvg::Tree::from_str(svg, &options).map_err(|e| format!("SVG not readable: {e}"))?;
        let size = tree.size().to_int_size().scale_by(scale).ok_or("empty chart")?;
        CANVAS.with_borrow_mut(|canvas| {
            // One canvas per thread, reused while charts keep their size: no 8 MiB
            // allocation per chart.
            if canvas.as_ref().is_none_or(|c| (c.width(), c.height()) != (size.width(), size.height())) {
                *canvas = Some(resvg::tiny_skia::Pixmap::new(size.width(), size.height()).ok_or("chart too large")?);
            }
            let pixmap = canvas.as_mut().expect("canvas just made");
            pixmap.fill(resvg::tiny_skia::Color::WHITE);
            resvg::render(&tree, resvg::tiny_skia::Transform::from_scale(scale, scale), &mut pixmap.as_mut());
            encode_png(pixmap).map_err(|e| format!("PNG encoding failed: {e}"))
        })
    }
}

thread_local! {
    static CANVAS: std::cell::RefCell<Option<resvg::tiny_skia::Pixmap>> = const { std::cell::RefCell::new(None) };
}

/// Encodes the canvas as it is, 8-bit RGBA: on an opaque white canvas premultiplied and
/// straight colours agree, so no demultiplied copy is needed (tiny-skia's own encoder
/// makes one). The png crate's fast deflate (fdeflate) with the Sub filter: measured on
/// the 39 charts, about 3× quicker than the default level with adaptive filtering (the
/// previous setting), files about 3× as large (6.4 MB in all instead of 2.1 MB; fdeflate
/// with adaptive filtering gives 4.8 MB at twice the time). Deterministic: the same pixels
/// give the same bytes.
fn encode_png(pixmap: &resvg::tiny_skia::Pixmap) -> std::result::Result<Vec<u8>, png::EncodingError> {
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, pixmap.width(), pixmap.height());
    encoder.set_color(png::ColorType::Rgba);
    encoder.set_depth(png::BitDepth::Eight);
    encoder.set_compression(png::Compression::Fast);
    encoder.set_filter(png::Filter::Sub);
    let mut writer = encoder.write_header()?;
    writer.write_image_data(pixmap.data())?;
    writer.finish()?;
    Ok(out)
}

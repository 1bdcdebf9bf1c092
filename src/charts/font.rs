//! The one CJK font used to measure, draw and rasterise all chart text (and served to the
//! HTML report), so what plotters lays out is what resvg and the browser draw.

use std::path::Path;
use std::sync::{Arc, OnceLock};

use ab_glyph::{Font, FontRef};
use plotters::style::FontStyle;

use crate::error::{Error, InputError, Result};

/// The family name inside the font file; SVGs name it and the HTML declares it.
pub const FAMILY: &str = "Noto Sans CJK SC";

pub struct ChartFont {
    bytes: &'static [u8],
    fontdb: Arc<resvg::usvg::fontdb::Database>,
}

static REGISTERED: OnceLock<&'static [u8]> = OnceLock::new();

impl ChartFont {
    pub fn load(path: &Path) -> Result<ChartFont> {
        let bytes = std::fs::read(path).map_err(|source| Error::Io { path: path.to_path_buf(), source })?;
        FontRef::try_from_slice(&bytes)
            .map_err(|_| InputError::new(path, "not a usable OpenType font").hint("regenerate it with scripts/subset-font.py"))?;
        // plotters keeps fonts in a process-wide registry that needs 'static bytes; the font
        // is registered once per process, under its family and under the generic name that
        // some plotters elements use by default.
        let bytes: &'static [u8] = REGISTERED.get_or_init(|| {
            let leaked: &'static [u8] = Box::leak(bytes.into_boxed_slice());
            for family in [FAMILY, "sans-serif"] {
                let _ = plotters::style::register_font(family, FontStyle::Normal, leaked);
            }
            leaked
        });
        let mut db = resvg::usvg::fontdb::Database::new();
        db.load_font_data(bytes.to_vec());
        db.set_sans_serif_family(FAMILY);
        Ok(ChartFont { bytes, fontdb: Arc::new(db) })
    }

    /// The first character the font has no glyph for.
    pub fn check_text(&self, text: &str) -> std::result::Result<(), char> {
        let font = FontRef::try_from_slice(self.bytes).map_err(|_| '\u{fffd}')?;
        match text.chars().find(|c| !c.is_whitespace() && !c.is_control() && font.glyph_id(*c).0 == 0) {
            Some(c) => Err(c),
            None => Ok(()),
        }
    }

    /// Width in pixels of `text` at `size` px, measured with the font itself.
    pub fn width(&self, text: &str, size: f32) -> f32 {
        let Ok(font) = FontRef::try_from_slice(self.bytes) else { return text.chars().count() as f32 * size };
        let scale = size / font.units_per_em().unwrap_or(1000.0);
        text.chars().map(|c| font.h_advance_unscaled(font.glyph_id(c)) * scale).sum()
    }

    pub fn to_png(&self, svg: &str, scale: f32) -> std::result::Result<Vec<u8>, String> {
        let options = resvg::usvg::Options { fontdb: self.fontdb.clone(), ..Default::default() };
        let tree = resvg::usvg::Tree::from_str(svg, &options).map_err(|e| format!("SVG not readable: {e}"))?;
        let size = tree.size().to_int_size().scale_by(scale).ok_or("empty chart")?;
        let mut pixmap = resvg::tiny_skia::Pixmap::new(size.width(), size.height()).ok_or("chart too large")?;
        pixmap.fill(resvg::tiny_skia::Color::WHITE);
        resvg::render(&tree, resvg::tiny_skia::Transform::from_scale(scale, scale), &mut pixmap.as_mut());
        pixmap.encode_png().map_err(|e| format!("PNG encoding failed: {e}"))
    }
}

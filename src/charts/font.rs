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
const PNG_ENCODING: &str = "rgba8; fdeflate; sub filter; text from glyph masks";

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

    /// Tells this font's glyphs from another's in the glyph cache.
    fn font_id(&self) -> u64 {
        u64::from_le_bytes(self.hash[..8].try_into().expect("8 bytes"))
    }

    /// The cache key of the PNG drawn from `svg` at `scale`: everything that determines its
    /// bytes.
    pub fn png_key(&self, svg: &str, scale: f32) -> Key {
        Key::new(super::PNG_KIND, &[svg.as_bytes(), &scale.to_le_bytes(), &self.hash, PNG_ENCODING.as_bytes()])
    }

    /// Rasterises the SVG at `scale` on white and encodes it as PNG.
    pub fn to_png(&self, svg: &str, scale: f32) -> std::result::Result<Vec<u8>, String> {
        self.rasterise(svg, super::raster::split(svg, FAMILY), scale)
    }

    /// Rasterises the shapes of `split` with resvg and its texts from the glyph cache, or,
    /// without a split, the whole SVG with resvg.
    fn rasterise(&self, svg: &str, split: Option<super::raster::Split>, scale: f32) -> std::result::Result<Vec<u8>, String> {
        let options = resvg::usvg::Options { fontdb: self.fontdb.clone(), ..Default::default() };
        let shapes = split.as_ref().map_or(svg, |s| s.shapes.as_str());
        let tree = resvg::usvg::Tree::from_str(shapes, &options).map_err(|e| format!("SVG not readable: {e}"))?;
        let size = tree.size().to_int_size().scale_by(scale).ok_or("empty chart")?;
        CANVAS.with_borrow_mut(|canvas| {
            // One canvas per thread, reused while charts keep their size: no 8 MiB
            // allocation per chart.
            if canvas.as_ref().is_none_or(|c| (c.width(), c.height()) != (size.width(), size.height())) {
                *canvas = Some(resvg::tiny_skia::Pixmap::new(size.width(), size.height()).ok_or("chart too large")?);
            }
            let pixmap = canvas.as_mut().expect("canvas just made");
            pixmap.fill(resvg::tiny_skia::Color::WHITE);
            match &split {
                Some(split) => super::raster::render(split, &tree, &self.font, self.font_id(), scale, pixmap),
                None => resvg::render(&tree, resvg::tiny_skia::Transform::from_scale(scale, scale), &mut pixmap.as_mut()),
            }
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

#[cfg(test)]
mod tests {
    use super::*;

    fn font() -> ChartFont {
        ChartFont::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("assets").join(crate::build::FONT)).unwrap()
    }

    fn pixels(png: &[u8]) -> Vec<u8> {
        let mut reader = png::Decoder::new(std::io::Cursor::new(png)).read_info().unwrap();
        let mut buf = vec![0; reader.output_buffer_size().unwrap()];
        reader.next_frame(&mut buf).unwrap();
        buf
    }

    /// Labels of every anchor and size plotters writes, white text on a bar, and a rect
    /// drawn over a label, as plotters writes them.
    const CHART: &str = r##"<svg width="200" height="120" viewBox="0 0 200 120" xmlns="http://www.w3.org/2000/svg">
<rect x="0" y="0" width="200" height="120" opacity="1" fill="#FFFFFF" stroke="none"/>
<text x="100" y="14" dy="0.5ex" text-anchor="middle" font-family="Noto Sans CJK SC" font-size="17.741935483870968" opacity="1" fill="#222222">
2019 年—2023 年区块链
</text>
<polyline fill="none" opacity="1" stroke="#E3E3E3" stroke-width="1" points="40,90 190,90 "/>
<text x="36" y="90" dy="0.5ex" text-anchor="end" font-family="Noto Sans CJK SC" font-size="11.290322580645162" opacity="1" fill="#777777">
1,250.5
</text>
<g id="c-m0" data-mark="0">
<rect x="60" y="40" width="60" height="50" opacity="1" fill="#1F5FA8" stroke="none"/>
<text x="90" y="60" dy="0.5ex" text-anchor="middle" font-family="Noto Sans CJK SC" font-size="12.096774193548388" opacity="1" fill="#FFFFFF">
未披露 &amp; 5
</text>
</g>
<text x="130" y="60" dy="0.5ex" text-anchor="start" font-family="Noto Sans CJK SC" font-size="12.096774193548388" opacity="1" fill="#C43C3C">
被盖住
</text>
<rect x="128" y="50" width="30" height="20" opacity="1" fill="#3A9A5B" stroke="none"/>
</svg>
"##;

    #[test]
    fn text_from_glyph_masks_lands_where_resvg_draws_it() {
        let font = font();
        let split = super::super::raster::split(CHART, FAMILY).expect("plotters' SVG is split");
        let fast = pixels(&font.rasterise(CHART, Some(split), 2.0).unwrap());
        let resvg = pixels(&font.rasterise(CHART, None, 2.0).unwrap());
        assert_eq!(fast.len(), resvg.len());
        let diff: Vec<u8> = fast.iter().zip(&resvg).map(|(a, b)| a.abs_diff(*b)).collect();
        let inked = resvg.chunks(4).filter(|p| p[..3] != [255, 255, 255]).count();
        let far = diff.chunks(4).filter(|d| d.iter().any(|&c| c > 64)).count();
        assert!(far * 50 < inked, "{far} of {inked} inked pixels differ by more than 64");
        // Glyph edges differ a little (another rasteriser, quarter-pixel places): 0.2–0.3
        // on the 39 charts, 0.53 on this canvas, which is mostly text.
        let mean = diff.iter().map(|&d| f64::from(d)).sum::<f64>() / diff.len() as f64;
        assert!(mean < 1.0, "mean difference {mean}");
        // The rect drawn after the red label hides it, in both.
        let at = |x: usize, y: usize| &fast[(y * 400 + x) * 4..(y * 400 + x) * 4 + 3];
        assert!((260..310).all(|x| at(x, 120) == [0x3A, 0x9A, 0x5B]), "the later rect covers the text");
        // Regression: resvg::render_node skips a node whose bounding box has no area, which
        // had dropped every horizontal and vertical line.
        assert_eq!(at(200, 180), &resvg[(180 * 400 + 200) * 4..(180 * 400 + 200) * 4 + 3], "the grid line is drawn");
        assert_ne!(at(200, 180), [255, 255, 255], "the grid line is drawn");
    }

    #[test]
    fn anything_but_plotters_plain_text_is_left_to_resvg() {
        let split = |svg: &str| super::super::raster::split(svg, FAMILY).is_some();
        assert!(split(CHART));
        let with = |from: &str, to: &str| CHART.replacen(from, to, 1);
        assert!(!split(&with("2019 年", "<tspan>2019</tspan> 年")), "markup inside a text");
        assert!(!split(&with("text-anchor=\"end\"", "transform=\"rotate(90)\" text-anchor=\"end\"")), "a transform");
        assert!(!split(&with("opacity=\"1\" fill=\"#777777\"", "opacity=\"0.5\" fill=\"#777777\"")), "a text's opacity");
        assert!(!split(&with("<g id=\"c-m0\"", "<g opacity=\"0.5\" id=\"c-m0\"")), "a group that draws");
        assert!(!split(&with("&amp;", "&#x4E00;")), "a character reference");
        assert!(!split(&with("Noto Sans CJK SC", "serif")), "another font");
    }
}

//! Charts in the Word edition: the same 2× PNG as the Markdown edition, inline in its own
//! paragraph, sized as the HTML page shows it (half its pixels, at 96 px to the inch) and
//! no wider than the text column, with the alt text Word and screen readers show.

use super::xml::escape;

/// EMU (English Metric Units) per CSS pixel at 96 dpi.
const EMU_PER_PX: u64 = 9525;

/// The text column of an A4 page with 2.5 cm margins left and right: 16 cm.
pub const TEXT_WIDTH_EMU: u64 = 16 * 360_000;
/// The tallest a chart may be, to leave room for its caption on the page: 18 cm.
const MAX_HEIGHT_EMU: u64 = 18 * 360_000;

/// A PNG's width and height in pixels, from its header; None for anything else.
pub fn png_size(png: &[u8]) -> Option<(u32, u32)> {
    if png.len() < 24 || &png[..8] != b"\x89PNG\r\n\x1a\n" || &png[12..16] != b"IHDR" {
        return None;
    }
    let be = |i: usize| u32::from_be_bytes([png[i], png[i + 1], png[i + 2], png[i + 3]]);
    Some((be(16), be(20)))
}

/// The size a chart is drawn at, in EMU: its pixels divided by the PNG's scale, shrunk to
/// fit the column (and a page's height) with its proportions kept.
pub fn extent((width, height): (u32, u32), scale: f32) -> (u64, u64) {
    let scale = if scale > 0.0 { scale as f64 } else { 1.0 };
    let (w, h) = ((width as f64 / scale) * EMU_PER_PX as f64, (height as f64 / scale) * EMU_PER_PX as f64);
    let shrink = (TEXT_WIDTH_EMU as f64 / w).min(MAX_HEIGHT_EMU as f64 / h).min(1.0);
    ((w * shrink).round() as u64, (h * shrink).round() as u64)
}

/// An inline picture run. `id` is unique in the document (wp:docPr and pic:cNvPr share it),
/// `relationship` names the media part in document.xml.rels.
pub fn picture(id: u32, name: &str, alt: &str, relationship: &str, (cx, cy): (u64, u64)) -> String {
    let (name, alt) = (escape(name), escape(alt));
    format!(
        concat!(
            r#"<w:r><w:drawing><wp:inline distT="0" distB="0" distL="0" distR="0">"#,
            r#"<wp:extent cx="{cx}" cy="{cy}"/><wp:effectExtent l="0" t="0" r="0" b="0"/>"#,
            r#"<wp:docPr id="{id}" name="{name}" descr="{alt}"/>"#,
            r#"<wp:cNvGraphicFramePr><a:graphicFrameLocks noChangeAspect="1"/></wp:cNvGraphicFramePr>"#,
            r#"<a:graphic><a:graphicData uri="http://schemas.openxmlformats.org/drawingml/2006/picture">"#,
            r#"<pic:pic><pic:nvPicPr><pic:cNvPr id="{id}" name="{name}" descr="{alt}"/><pic:cNvPicPr/></pic:nvPicPr>"#,
            r#"<pic:blipFill><a:blip r:embed="{rel}"/><a:stretch><a:fillRect/></a:stretch></pic:blipFill>"#,
            r#"<pic:spPr><a:xfrm><a:off x="0" y="0"/><a:ext cx="{cx}" cy="{cy}"/></a:xfrm><a:prstGeom prst="rect"><a:avLst/></a:prstGeom></pic:spPr>"#,
            r#"</pic:pic></a:graphicData></a:graphic></wp:inline></w:drawing></w:r>"#
        ),
        cx = cx,
        cy = cy,
        id = id,
        name = name,
        alt = alt,
        rel = relationship
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png_header(w: u32, h: u32) -> Vec<u8> {
        let mut b = b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR".to_vec();
        b.extend_from_slice(&w.to_be_bytes());
        b.extend_from_slice(&h.to_be_bytes());
        b
    }

    #[test]
    fn the_size_comes_from_the_png_header() {
        assert_eq!(png_size(&png_header(1600, 900)), Some((1600, 900)));
        assert_eq!(png_size(b"GIF89a not a png at all"), None);
    }

    #[test]
    fn a_2x_chart_is_drawn_at_half_its_pixels_and_never_wider_than_the_column() {
        // 400×300 px at 2× = 200×150 CSS px.
        assert_eq!(extent((400, 300), 2.0), (200 * 9525, 150 * 9525));
        let (w, h) = extent((2000, 1000), 2.0);
        assert_eq!(w, TEXT_WIDTH_EMU);
        assert_eq!(h, TEXT_WIDTH_EMU / 2);
        let (_, h) = extent((200, 4000), 1.0);
        assert!(h <= MAX_HEIGHT_EMU);
    }

    #[test]
    fn a_picture_has_its_id_and_alt_text_twice() {
        let p = picture(7, "industry-scale.png", "产业规模 \"亿元\"", "rIdImage7", (100, 50));
        assert!(p.contains(r#"<wp:docPr id="7" name="industry-scale.png" descr="产业规模 &quot;亿元&quot;"/>"#), "{p}");
        assert!(p.contains(r#"<pic:cNvPr id="7" name="industry-scale.png" descr="产业规模 &quot;亿元&quot;"/>"#), "{p}");
        assert!(p.contains(r#"r:embed="rIdImage7""#) && p.contains(r#"<wp:extent cx="100" cy="50"/>"#));
    }
}

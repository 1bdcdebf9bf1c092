//! Rasterises a chart's SVG for the PNG editions. resvg draws the shapes; the text is drawn
//! from coverage masks cached per glyph, size and quarter-pixel offset, in the SVG's own
//! order. Why: laying out the 39 charts' 751 labels and filling every glyph's outline was
//! more than half of resvg's time, and the same few hundred glyphs recur in every chart.
//! Only the SVG plotters writes is read this way (one element per line; plain text with one
//! fill, no transform, no markup inside); any other SVG is left to resvg whole.

use std::cell::RefCell;
use std::collections::HashMap;

use ab_glyph::{Font, FontRef, GlyphId, PxScale, point};
use resvg::tiny_skia::{Pixmap, Transform};
use resvg::usvg;

/// The chart's shapes as an SVG of their own, and its texts. Each run of shapes between two
/// texts is a group `<g id="r{n}">`, `n` the number of texts before it, so the texts can be
/// drawn in their place between the runs (plotters' own groups only carry ids: dropped).
pub(super) struct Split {
    pub shapes: String,
    texts: Vec<Label>,
}

/// One `<text>` element.
struct Label {
    x: f32,
    /// The baseline: `y` plus `dy`.
    y: f32,
    anchor: Anchor,
    size: f32,
    fill: [u8; 3],
    text: String,
}

#[derive(Clone, Copy)]
enum Anchor {
    Start,
    Middle,
    End,
}

const SHAPES: [&str; 7] = ["rect", "polyline", "polygon", "circle", "ellipse", "line", "path"];

/// Splits plotters' SVG into shapes and texts, or `None` when it holds anything else.
pub(super) fn split(svg: &str, family: &str) -> Option<Split> {
    let mut shapes = String::with_capacity(svg.len());
    let mut texts = Vec::new();
    let mut in_run = false;
    // The canvas is white already: plotters' white background rect need not be filled.
    let mut background = None;
    let mut lines = svg.lines();
    while let Some(line) = lines.next() {
        if line == "</g>" || line.is_empty() || Some(line) == background.as_deref() {
            continue;
        } else if line == "</svg>" || line.starts_with("<svg ") {
            if let Some(tag) = line.strip_prefix("<svg ").and_then(|t| t.strip_suffix('>')) {
                let size = attributes(tag)?;
                let get = |name: &str| size.iter().find(|(n, _)| *n == name).map(|(_, v)| *v);
                background = Some(format!(
                    r##"<rect x="0" y="0" width="{}" height="{}" opacity="1" fill="#FFFFFF" stroke="none"/>"##,
                    get("width")?,
                    get("height")?
                ));
            }
            if std::mem::take(&mut in_run) {
                shapes.push_str("</g>\n");
            }
            shapes.push_str(line);
            shapes.push('\n');
        } else if let Some(tag) = line.strip_prefix("<g ") {
            attributes(tag.strip_suffix('>')?)?.iter().all(|(name, _)| matches!(*name, "id" | "data-mark")).then_some(())?;
        } else if let Some(tag) = line.strip_prefix("<text ") {
            let mut content = Vec::new();
            for line in lines.by_ref() {
                if line == "</text>" {
                    break;
                }
                content.push(line);
            }
            if std::mem::take(&mut in_run) {
                shapes.push_str("</g>\n");
            }
            texts.push(label(tag.strip_suffix('>')?, &content.join("\n"), family)?);
        } else {
            let (name, rest) = line.strip_prefix('<')?.split_once(' ')?;
            if !SHAPES.contains(&name) || !rest.ends_with("/>") {
                return None;
            }
            if !std::mem::replace(&mut in_run, true) {
                shapes.push_str(&format!("<g id=\"r{}\">\n", texts.len()));
            }
            shapes.push_str(line);
            shapes.push('\n');
        }
    }
    Some(Split { shapes, texts })
}

fn label(tag: &str, content: &str, family: &str) -> Option<Label> {
    if content.contains('<') {
        return None;
    }
    let (mut x, mut y, mut dy, mut size, mut anchor, mut fill) = (0.0, 0.0, 0.0, None, Anchor::Start, [0, 0, 0]);
    let mut dy_ex = None;
    for (name, value) in attributes(tag)? {
        match name {
            "x" => x = value.parse().ok()?,
            "y" => y = value.parse().ok()?,
            "dy" => match value.strip_suffix("ex") {
                Some(ex) => dy_ex = Some(ex.parse::<f32>().ok()?),
                None => dy = value.parse().ok()?,
            },
            "font-size" => size = Some(value.parse::<f32>().ok()?),
            "text-anchor" => {
                anchor = match value {
                    "start" => Anchor::Start,
                    "middle" => Anchor::Middle,
                    "end" => Anchor::End,
                    _ => return None,
                }
            }
            "font-family" if value == family || value == "sans-serif" => {}
            "opacity" if value == "1" => {}
            "fill" => fill = hex_colour(value)?,
            _ => return None,
        }
    }
    let size = size?;
    // usvg's `ex` is half the font size.
    let dy = dy + dy_ex.map_or(0.0, |ex| ex * size / 2.0);
    Some(Label { x, y: y + dy, anchor, size, fill, text: xml_text(content)? })
}

/// `name="value"` pairs.
fn attributes(tag: &str) -> Option<Vec<(&str, &str)>> {
    let mut out = Vec::new();
    let mut rest = tag.trim();
    while !rest.is_empty() {
        let (name, after) = rest.split_once("=\"")?;
        let (value, after) = after.split_once('"')?;
        out.push((name.trim(), value));
        rest = after.trim_start();
    }
    Some(out)
}

fn hex_colour(value: &str) -> Option<[u8; 3]> {
    let hex = value.strip_prefix('#').filter(|h| h.len() == 6)?;
    let channel = |i: usize| u8::from_str_radix(hex.get(i..i + 2)?, 16).ok();
    Some([channel(0)?, channel(2)?, channel(4)?])
}

/// Character data as SVG shows it by default: white space collapsed and trimmed, the five
/// predefined entities resolved (any other reference: `None`, left to resvg).
fn xml_text(raw: &str) -> Option<String> {
    let collapsed = raw.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut out = String::with_capacity(collapsed.len());
    let mut rest = collapsed.as_str();
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        let (entity, after) = rest[at + 1..].split_once(';')?;
        out.push(match entity {
            "amp" => '&',
            "lt" => '<',
            "gt" => '>',
            "quot" => '"',
            "apos" => '\'',
            _ => return None,
        });
        rest = after;
    }
    out.push_str(rest);
    Some(out)
}

/// Draws `tree` (parsed from [`Split::shapes`]) and the texts at `scale`, in document order.
pub(super) fn render(split: &Split, tree: &usvg::Tree, font: &FontRef, font_id: u64, scale: f32, pixmap: &mut Pixmap) {
    let transform = Transform::from_scale(scale, scale);
    let mut drawn = 0;
    GLYPHS.with_borrow_mut(|glyphs| {
        for node in tree.root().children() {
            if let Some(before) = node.id().strip_prefix('r').and_then(|n| n.parse::<usize>().ok()) {
                for text in split.texts.get(drawn..before).unwrap_or_default() {
                    draw(text, font, font_id, scale, glyphs, pixmap);
                }
                drawn = drawn.max(before);
            }
            // render_node draws a node at its own bounding box's origin (a group always
            // has one): undo that.
            if let Some(bbox) = node.abs_layer_bounding_box() {
                resvg::render_node(node, transform.pre_translate(bbox.x(), bbox.y()), &mut pixmap.as_mut());
            }
        }
        for text in split.texts.get(drawn..).unwrap_or_default() {
            draw(text, font, font_id, scale, glyphs, pixmap);
        }
    });
}

/// A glyph's coverage, 0–255, at its place relative to the pen.
struct Mask {
    left: i32,
    top: i32,
    width: usize,
    coverage: Vec<u8>,
}

/// (font, glyph, size in px, quarter-pixel offsets x and y).
type GlyphKey = (u64, u16, u32, u8, u8);

/// Quarter-pixel offsets: the largest error in a glyph's place is an eighth of a pixel.
const STEPS: f32 = 4.0;

thread_local! {
    static GLYPHS: RefCell<HashMap<GlyphKey, Option<Mask>>> = RefCell::new(HashMap::new());
}

fn draw(text: &Label, font: &FontRef, font_id: u64, scale: f32, glyphs: &mut HashMap<GlyphKey, Option<Mask>>, pixmap: &mut Pixmap) {
    let size = text.size * scale;
    let per_unit = size / font.units_per_em().unwrap_or(1000.0);
    let ids: Vec<GlyphId> = text.text.chars().map(|c| font.glyph_id(c)).collect();
    let width: f32 = ids.iter().map(|&id| font.h_advance_unscaled(id) * per_unit).sum();
    let mut pen = text.x * scale
        - match text.anchor {
            Anchor::Start => 0.0,
            Anchor::Middle => width / 2.0,
            Anchor::End => width,
        };
    let (row, fy) = quantise(text.y * scale);
    let px_scale = PxScale::from(size * font.height_unscaled() / font.units_per_em().unwrap_or(1000.0));
    for id in ids {
        let (column, fx) = quantise(pen);
        let mask = glyphs.entry((font_id, id.0, size.to_bits(), fx, fy)).or_insert_with(|| {
            let glyph = id.with_scale_and_position(px_scale, point(f32::from(fx) / STEPS, f32::from(fy) / STEPS));
            let outline = font.outline_glyph(glyph)?;
            let bounds = outline.px_bounds();
            let width = bounds.width() as usize;
            let mut coverage = vec![0; width * bounds.height() as usize];
            outline.draw(|x, y, c| coverage[y as usize * width + x as usize] = (c.clamp(0.0, 1.0) * 255.0).round() as u8);
            Some(Mask { left: bounds.min.x as i32, top: bounds.min.y as i32, width, coverage })
        });
        if let Some(mask) = mask {
            blend(mask, column + mask.left, row + mask.top, text.fill, pixmap);
        }
        pen += font.h_advance_unscaled(id) * per_unit;
    }
}

/// The whole pixel and the quarter-pixel step of a coordinate.
fn quantise(v: f32) -> (i32, u8) {
    let steps = (v * STEPS).round() as i32;
    (steps.div_euclid(STEPS as i32), steps.rem_euclid(STEPS as i32) as u8)
}

/// Paints `colour` through the mask onto the opaque canvas (premultiplied and straight
/// colours agree when every pixel is opaque), clipped to the canvas.
fn blend(mask: &Mask, left: i32, top: i32, colour: [u8; 3], pixmap: &mut Pixmap) {
    let (canvas_width, canvas_height) = (pixmap.width() as i32, pixmap.height() as i32);
    let data = pixmap.data_mut();
    for (dy, row) in mask.coverage.chunks(mask.width).enumerate() {
        let y = top + dy as i32;
        if !(0..canvas_height).contains(&y) {
            continue;
        }
        for (dx, &a) in row.iter().enumerate() {
            let x = left + dx as i32;
            if a == 0 || !(0..canvas_width).contains(&x) {
                continue;
            }
            let at = (y * canvas_width + x) as usize * 4;
            let a = u32::from(a);
            for (channel, c) in data[at..at + 3].iter_mut().zip(colour) {
                *channel = ((u32::from(*channel) * (255 - a) + u32::from(c) * a + 127) / 255) as u8;
            }
        }
    }
}

//! The narrow drawing of every chart, for screens up to 480 px: the same data, colours and
//! marks as the desktop drawing, laid out for a phone: bars turned horizontal where labels
//! need room, legends below the plot, and no text under 13 units on a 360-unit-wide canvas
//! (13 CSS px at 360 px, 14 at 390). The page sets the caption and the source line under
//! the figure, so this drawing is the body only. Written directly (not through plotters) so
//! that marks are groups and every text is placed by its measured box.

mod bars;
mod round;
mod text;

use plotters::style::RGBColor;

use super::font::{ChartFont, FAMILY};
use super::marks;
use crate::catalog::{ChartKind, FigureMeta};
use crate::model::{FigureData, Status};

/// The canvas width in SVG units; the height follows the content.
pub const WIDTH: i32 = 360;
/// Text sizes in SVG units (font-size as written).
pub const SMALL: f32 = 13.0;
pub const LABEL: f32 = 14.0;
/// The margin on every side.
pub const PAD: i32 = 8;
/// Where a text's alphabetic baseline sits below its centre, in em: the CJK em box runs
/// 0.88 em above the baseline and 0.12 em below, so this centres the box on the line.
pub const BASELINE: f32 = 0.38;

/// Text the narrow drawings draw besides the data, for the glyph check.
pub const FIXED_TEXT: &str = "单位：企业占比%报告未给出数值灰色短线未披露";

/// Draws the narrow SVG of one figure; mark groups have ids `{id}-n{N}`.
pub fn draw(meta: &FigureMeta, data: &FigureData, font: &ChartFont) -> Result<String, String> {
    let mut svg = Svg::new(font, &format!("{}-n", meta.id));
    let height = match meta.kind() {
        ChartKind::Keywords => text::keywords(&mut svg, meta),
        ChartKind::Cards => text::cards(&mut svg, data),
        ChartKind::Structure => text::structure(&mut svg, meta, data),
        ChartKind::Pie => round::draw(&mut svg, data, false),
        ChartKind::Donut => round::draw(&mut svg, data, true),
        ChartKind::Bar | ChartKind::BarLine | ChartKind::Hbar | ChartKind::GroupedBar | ChartKind::StackedBar => {
            bars::draw(&mut svg, meta, data)
        }
    };
    Ok(svg.finish(height))
}

/// Horizontal anchor of a text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Anchor {
    Start,
    Middle,
    End,
}

/// A minimal SVG writer with the chart font for measuring.
pub struct Svg<'a> {
    pub font: &'a ChartFont,
    body: String,
    prefix: String,
    seen: std::collections::BTreeSet<usize>,
}

pub fn hex(c: &RGBColor) -> String {
    format!("#{:02X}{:02X}{:02X}", c.0, c.1, c.2)
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

fn points(pts: &[(i32, i32)]) -> String {
    pts.iter().map(|(x, y)| format!("{x},{y}")).collect::<Vec<_>>().join(" ")
}

impl<'a> Svg<'a> {
    pub fn new(font: &'a ChartFont, prefix: &str) -> Svg<'a> {
        Svg { font, body: String::new(), prefix: prefix.to_string(), seen: Default::default() }
    }

    pub fn width(&self, s: &str, size: f32) -> i32 {
        self.font.width(s, size).ceil() as i32
    }

    pub fn rect(&mut self, (x0, y0): (i32, i32), (x1, y1): (i32, i32), fill: &RGBColor) {
        let (w, h) = ((x1 - x0).max(0), (y1 - y0).max(0));
        self.body.push_str(&format!("<rect x=\"{x0}\" y=\"{y0}\" width=\"{w}\" height=\"{h}\" fill=\"{}\"/>\n", hex(fill)));
    }

    /// The dashed outline that marks a derived value, as on the desktop drawing.
    pub fn dashed(&mut self, pts: &[(i32, i32)], color: &RGBColor, dash: (u32, u32)) {
        self.body.push_str(&format!(
            "<polyline points=\"{}\" fill=\"none\" stroke=\"{}\" stroke-width=\"1\" stroke-dasharray=\"{} {}\"/>\n",
            points(pts),
            hex(color),
            dash.0,
            dash.1
        ));
    }

    pub fn line(&mut self, pts: &[(i32, i32)], color: &RGBColor, width: u32) {
        self.body.push_str(&format!(
            "<polyline points=\"{}\" fill=\"none\" stroke=\"{}\" stroke-width=\"{width}\"/>\n",
            points(pts),
            hex(color)
        ));
    }

    pub fn polygon(&mut self, pts: &[(i32, i32)], fill: &RGBColor) {
        self.body.push_str(&format!("<polygon points=\"{}\" fill=\"{}\"/>\n", points(pts), hex(fill)));
    }

    pub fn circle(&mut self, (cx, cy): (i32, i32), r: i32, fill: &RGBColor) {
        self.body.push_str(&format!("<circle cx=\"{cx}\" cy=\"{cy}\" r=\"{r}\" fill=\"{}\"/>\n", hex(fill)));
    }

    /// A line of text centred vertically on `cy`.
    pub fn text(&mut self, s: &str, x: i32, cy: i32, size: f32, fill: &RGBColor, anchor: Anchor) {
        let anchor = match anchor {
            Anchor::Start => "start",
            Anchor::Middle => "middle",
            Anchor::End => "end",
        };
        let baseline = cy as f32 + BASELINE * size;
        self.body.push_str(&format!(
            "<text x=\"{x}\" y=\"{baseline:.1}\" text-anchor=\"{anchor}\" font-family=\"{FAMILY}\" font-size=\"{size}\" fill=\"{}\">{}</text>\n",
            hex(fill),
            escape(s)
        ));
    }

    /// Draws `draw`'s elements as mark `index`: the first group of a mark carries its id.
    pub fn mark(&mut self, index: usize, draw: impl FnOnce(&mut Self)) {
        if self.seen.insert(index) {
            self.body.push_str(&format!("<g id=\"{}{index}\" data-mark=\"{index}\">\n", self.prefix));
        } else {
            self.body.push_str(&format!("<g data-mark=\"{index}\">\n"));
        }
        draw(self);
        self.body.push_str("</g>\n");
    }

    fn finish(self, height: i32) -> String {
        let h = height.max(1);
        format!(
            "<svg width=\"{WIDTH}\" height=\"{h}\" viewBox=\"0 0 {WIDTH} {h}\" xmlns=\"http://www.w3.org/2000/svg\">\n<rect x=\"0\" y=\"0\" width=\"{WIDTH}\" height=\"{h}\" fill=\"#FFFFFF\"/>\n{}</svg>\n",
            self.body
        )
    }
}

/// What a legend entry shows before its name.
#[derive(Debug, Clone, Copy)]
pub enum Swatch {
    Fill(RGBColor),
    /// Filled and outlined dashed: a derived value.
    Dashed(RGBColor, RGBColor),
    Line(RGBColor),
    /// The short grey line of a value the report does not give: across the foot of a
    /// vertical bar's place.
    Tick,
    /// The same at the root of a horizontal bar's place.
    Stub,
    /// Text alone (the note that every value is derived).
    None,
}

/// Lays legend entries out in rows from `y` (the first row's centre), wrapping to the
/// canvas; returns the y below the last row.
pub fn legend(svg: &mut Svg, entries: &[(Swatch, String)], y: i32) -> i32 {
    const PITCH: i32 = 20;
    let (mut x, mut y, right) = (PAD, y, WIDTH - PAD);
    let mut any = false;
    for (swatch, name) in entries {
        let lead = if matches!(swatch, Swatch::None) { 0 } else { 19 };
        let lines = super::bars::wrap(svg.font, name, (right - PAD - lead) as f32, SMALL, 3);
        let w = lead + lines.iter().map(|l| svg.width(l, SMALL)).max().unwrap_or(0);
        if x > PAD && (x + w > right || lines.len() > 1) {
            (x, y) = (PAD, y + PITCH);
        }
        match *swatch {
            Swatch::Fill(c) => svg.rect((x, y - 7), (x + 14, y + 7), &c),
            Swatch::Dashed(fill, c) => {
                svg.rect((x, y - 7), (x + 14, y + 7), &fill);
                svg.dashed(&[(x, y + 7), (x, y - 7), (x + 14, y - 7), (x + 14, y + 7), (x, y + 7)], &c, (3, 2));
            }
            Swatch::Line(c) => {
                svg.line(&[(x, y), (x + 14, y)], &c, 2);
                svg.circle((x + 7, y), 3, &c);
            }
            Swatch::Tick => svg.rect((x, y - 2), (x + 14, y + 2), &super::bars::GREY),
            Swatch::Stub => svg.rect((x + 5, y - 7), (x + 9, y + 7), &super::bars::mix(&super::bars::GREY, 0.7)),
            Swatch::None => {}
        }
        for (i, line) in lines.iter().enumerate() {
            svg.text(line, x + lead, y + i as i32 * 18, SMALL, &super::bars::INK, Anchor::Start);
        }
        y += (lines.len() as i32 - 1) * 18;
        x += w + 16;
        any = true;
        if lines.len() > 1 {
            (x, y) = (right, y);
        }
    }
    if any { y + PITCH / 2 + 4 } else { y - PITCH / 2 }
}

/// The provenance keys the chart needs, as on the desktop drawing (see
/// `bars::legend_keys`), and the key for the grey line drawn as `tick` when one is.
pub fn keys(data: &FigureData, tick: Option<Swatch>) -> Vec<(Swatch, String)> {
    use super::bars::{PALETTE, all_derived, mix};
    let mut out = Vec::new();
    if all_derived(data) {
        out.push((Swatch::None, "注：全部数值由报告数据表计算得出（派生值）".to_string()));
    } else {
        let has = |s: Status| data.points.iter().any(|p| p.status == s && p.value.is_some());
        if has(Status::Derived) {
            out.push((Swatch::Dashed(mix(&PALETTE[0], 0.7), PALETTE[0]), "派生值（浅色虚线框）".to_string()));
        }
        if has(Status::External) {
            out.push((Swatch::Fill(mix(&PALETTE[0], 0.45)), "外部来源（中间色）".to_string()));
        }
    }
    if let Some(tick) = tick {
        out.push((tick, "灰色短线：报告未给出数值".to_string()));
    }
    out
}

/// A mark's fill and whether it is outlined dashed, from its status as shown.
pub fn fill(data: &FigureData, status: Status, color: RGBColor) -> (RGBColor, bool) {
    use super::bars::{mix, shown};
    match shown(data, status) {
        Status::Derived => (mix(&color, 0.7), true),
        Status::External => (mix(&color, 0.45), false),
        _ => (color, false),
    }
}

/// The unit line above a plot; returns the y below it.
pub fn unit_line(svg: &mut Svg, data: &FigureData, y: i32) -> i32 {
    match data.unit.as_deref().filter(|u| !u.is_empty()) {
        Some(unit) => {
            svg.text(&format!("单位：{unit}"), PAD, y + 8, SMALL, &super::bars::GREY, Anchor::Start);
            y + 24
        }
        None => y,
    }
}

pub use marks::value_text;

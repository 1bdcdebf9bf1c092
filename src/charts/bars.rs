//! Bar charts drawn from primitives, so that labels can be measured, wrapped and placed:
//! grouped bars, an optional growth line on a second axis, data labels, and provenance
//! shown in the marks (derived lighter and dashed, external lighter, missing as a gap).

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::font::{ChartFont, FAMILY};
use super::{HEIGHT, WIDTH};
use crate::catalog::FigureMeta;
use crate::model::{FigureData, Point, Status};
use crate::numfmt;

/// Text the bar charts draw besides the data, for the glyph check.
pub const FIXED_TEXT: &str =
    "单位：注浅色虚线框为派生值中间色为外部来源未披露报告未给出数值灰色短线全部由数据表计算得出企业占比0123456789.-%（）";

/// Text sizes as plotters takes them (it writes `font-size` at 0.806 of the size given).
/// The 720 px canvas is printed 16 cm wide and shown at most 720 px wide in the HTML: 14
/// gives 11.3 px, 7.1 pt on paper, the smallest chart text.
pub const SMALL: f64 = 14.0;
pub const LABEL: f64 = 15.0;
pub const TITLE: f64 = 22.0;
/// Pitch of the rows of small text under a chart (legend, keys, source), so they never touch.
pub const ROW: i32 = 22;

pub const PALETTE: [RGBColor; 8] = [
    RGBColor(0x1f, 0x5f, 0xa8),
    RGBColor(0xe0, 0x7b, 0x24),
    RGBColor(0x3a, 0x9a, 0x5b),
    RGBColor(0xc4, 0x3c, 0x3c),
    RGBColor(0x7a, 0x5c, 0xb0),
    RGBColor(0x8c, 0x6d, 0x3f),
    RGBColor(0xd2, 0x6f, 0xb0),
    RGBColor(0x5f, 0x6b, 0x78),
];
pub const INK: RGBColor = RGBColor(0x22, 0x22, 0x22);
pub const GREY: RGBColor = RGBColor(0x77, 0x77, 0x77);
const GRID: RGBColor = RGBColor(0xe3, 0xe3, 0xe3);

pub type Area<'a> = DrawingArea<SVGBackend<'a>, Shift>;

pub fn style<'a>(size: f64, color: &'a RGBColor, pos: Pos) -> TextStyle<'a> {
    TextStyle::from((FAMILY, size).into_font()).color(color).pos(pos)
}

pub fn text(area: &Area, s: &str, x: i32, y: i32, size: f64, color: &RGBColor, pos: Pos) -> Result<(), String> {
    area.draw(&Text::new(s.to_string(), (x, y), style(size, color, pos))).map_err(|e| e.to_string())
}

/// Marks that never start a line (closing brackets, punctuation) and that never end one.
const NO_LINE_START: &str = "）」』》〉】〕，。、；：！？)]},.;:!?%…";
const NO_LINE_END: &str = "（「『《〈【〔([{";

/// Splits text into lines no wider than `width` px, at most `max_lines` (the last one
/// ends in … if cut). A line breaks after 、，； or before an opening bracket when one is
/// among its last few characters; otherwise, as in Chinese typesetting, a closing bracket
/// or punctuation mark takes the character before it to the next line rather than start a
/// line alone, and an opening bracket moves to the line it opens.
pub fn wrap(font: &ChartFont, s: &str, width: f32, size: f32, max_lines: usize) -> Vec<String> {
    let mut lines = vec![String::new()];
    for c in s.chars() {
        let line = lines.last_mut().expect("one line");
        if !line.is_empty() && font.width(&format!("{line}{c}"), size) > width {
            let chars: Vec<char> = line.chars().collect();
            let natural = (chars.len().saturating_sub(3).max(2)..chars.len())
                .rev()
                .find(|&k| "、，；".contains(chars[k - 1]) || NO_LINE_END.contains(chars[k]));
            if let Some(k) = natural.filter(|_| !NO_LINE_END.contains(c)) {
                let carry: String = chars[k..].iter().chain(std::iter::once(&c)).collect();
                *line = chars[..k].iter().collect();
                lines.push(carry);
                continue;
            }
            let mut carry = c.to_string();
            if NO_LINE_START.contains(c) && line.chars().count() > 1 {
                carry.insert(0, line.pop().expect("two characters"));
            }
            while line.chars().count() > 1 && line.ends_with(|l| NO_LINE_END.contains(l)) {
                carry.insert(0, line.pop().expect("two characters"));
            }
            lines.push(carry);
        } else {
            line.push(c);
        }
    }
    if lines.len() > max_lines {
        lines.truncate(max_lines);
        if let Some(last) = lines.last_mut() {
            last.pop();
            last.push('…');
        }
    }
    lines
}

pub fn mix(c: &RGBColor, white: f64) -> RGBColor {
    let m = |v: u8| (v as f64 + (255.0 - v as f64) * white).round() as u8;
    RGBColor(m(c.0), m(c.1), m(c.2))
}

/// A round tick step for an axis up to `max`, about five intervals. A count axis
/// (`integer`) has whole steps only: no 2.5 funds.
pub(super) fn nice_step(max: f64, integer: bool) -> f64 {
    let step = nice_at_least((max / 5.0).max(f64::MIN_POSITIVE), integer);
    if integer { step.max(1.0) } else { step }
}

/// The smallest round number ≥ `raw`: 1, 2, 2.5 or 5 × 10ⁿ (2.5 × 10ⁿ is a whole
/// number only from 25 up).
pub(super) fn nice_at_least(raw: f64, integer: bool) -> f64 {
    let mag = 10f64.powf(raw.log10().floor());
    let n = raw / mag;
    let fits = |f: &f64| n <= *f + 1e-9 && !(integer && *f == 2.5 && mag < 10.0);
    mag * [1.0, 2.0, 2.5, 5.0, 10.0].into_iter().find(fits).unwrap_or(10.0)
}

/// Whether every value is a whole number: counts get whole ticks.
pub(super) fn whole(values: impl IntoIterator<Item = f64>) -> bool {
    values.into_iter().all(|v| v.fract() == 0.0)
}

/// A label's box on the canvas: left, top, right, bottom.
type Box2 = (i32, i32, i32, i32);

fn overlaps(a: Box2, b: Box2) -> bool {
    a.0 < b.2 && b.0 < a.2 && a.1 < b.3 && b.1 < a.3
}

fn label(p: &Point) -> String {
    format!("{}{}", p.qualifier.as_deref().unwrap_or(""), numfmt::number(p.value.unwrap_or(0.0), 2))
}

fn ordered<'a>(items: impl Iterator<Item = &'a str>) -> Vec<&'a str> {
    let mut out: Vec<&str> = Vec::new();
    for i in items {
        if !out.contains(&i) {
            out.push(i);
        }
    }
    out
}

/// An SVG drawing area of the chart size on a white background; `draw` fills it.
pub fn canvas(draw: impl FnOnce(&Area) -> Result<(), String>) -> Result<String, String> {
    let mut svg = String::new();
    {
        let area = SVGBackend::with_string(&mut svg, (WIDTH, HEIGHT)).into_drawing_area();
        area.fill(&WHITE).map_err(|e| e.to_string())?;
        draw(&area)?;
        area.present().map_err(|e| e.to_string())?;
    }
    Ok(svg)
}

pub fn draw(meta: &FigureMeta, data: &FigureData, font: &ChartFont) -> Result<String, String> {
    canvas(|area| draw_on(area, meta, data, font))
}

/// Rows of small text under the plot, from the bottom up: the source note, then each
/// row asked for. Returns the rows' centre lines and the y above the topmost.
pub fn rows_above_source(wanted: &[bool]) -> (Vec<Option<i32>>, i32) {
    let mut y = HEIGHT as i32 - 16 - ROW;
    let rows = wanted
        .iter()
        .map(|w| {
            w.then(|| {
                y -= ROW;
                y + ROW
            })
        })
        .collect();
    (rows, y + ROW / 2)
}

fn draw_on(area: &Area, meta: &FigureMeta, data: &FigureData, font: &ChartFont) -> Result<(), String> {
    let w = WIDTH as i32;
    let all_series = ordered(data.points.iter().map(|p| p.series.as_str()));
    let line_series =
        (meta.kind() == crate::catalog::ChartKind::BarLine && all_series.len() > 1).then(|| *all_series.last().expect("two series"));
    let bar_series: Vec<&str> = all_series.iter().copied().filter(|s| Some(*s) != line_series).collect();
    let bars: Vec<&Point> = data.points.iter().filter(|p| Some(p.series.as_str()) != line_series).collect();
    let categories = ordered(bars.iter().map(|p| p.category.as_str()));

    let title_lines = title(area, meta, font)?;
    let (left, right, top) = (64, if line_series.is_some() { w - 60 } else { w - 20 }, 66 + title_lines * 28);
    if let Some(unit) = &data.unit {
        text(area, &format!("单位：{unit}"), left - 10, top - 24, SMALL, &GREY, Pos::new(HPos::Left, VPos::Center))?;
    }

    // Bar geometry; then what goes under the plot, from the bottom up: the source note,
    // the provenance keys, the series legend, the category labels.
    let n_cat = categories.len().max(1) as i32;
    let group = (right - left) / n_cat;
    let stacked = meta.kind() == crate::catalog::ChartKind::StackedBar;
    let slots = if stacked { 1 } else { bar_series.len().max(1) };
    let bar_w = ((group as f64 * 0.72) / slots as f64).min(80.0) as i32;
    let narrow_missing = bars.iter().any(|p| p.value.is_none()) && font.width("未披露", SMALL as f32) > (bar_w + 4) as f32;
    let legend = bar_series.len() > 1 || line_series.is_some();
    let (rows, above) = rows_above_source(&[has_keys(data) || narrow_missing, legend]);
    let labels: Vec<Vec<String>> = categories.iter().map(|c| wrap(font, c, (group - 6) as f32, LABEL as f32, 3)).collect();
    let label_lines = labels.iter().map(Vec::len).max().unwrap_or(1) as i32;
    let bottom = above - 8 - label_lines * 18;

    // Y axis.
    let max = if stacked {
        categories.iter().map(|c| bars.iter().filter(|p| p.category == *c).filter_map(|p| p.value).sum::<f64>()).fold(0.0_f64, f64::max)
    } else {
        bars.iter().filter_map(|p| p.value).fold(0.0_f64, f64::max)
    };
    let step = nice_step(if max > 0.0 { max * 1.1 } else { 1.0 }, whole(bars.iter().filter_map(|p| p.value)));
    let y_max = (max * 1.12 / step).ceil().max(1.0) * step;
    let intervals = (y_max / step).round() as i32;
    let y = |v: f64| bottom - ((v / y_max) * (bottom - top) as f64).round() as i32;
    for k in 0..=intervals {
        let tick = step * k as f64;
        area.draw(&PathElement::new(vec![(left, y(tick)), (right, y(tick))], GRID.stroke_width(1))).map_err(|e| e.to_string())?;
        text(area, &numfmt::number(tick, 2), left - 8, y(tick), SMALL, &GREY, Pos::new(HPos::Right, VPos::Center))?;
    }
    area.draw(&PathElement::new(vec![(left, bottom), (right, bottom)], INK.stroke_width(1))).map_err(|e| e.to_string())?;

    // Bars, and the boxes of their value labels (the line's labels keep clear of them).
    let mut label_boxes: Vec<Box2> = Vec::new();
    let x_of = |cat: usize, series: usize| {
        left + group * cat as i32 + (group - bar_w * slots as i32) / 2 + bar_w * if stacked { 0 } else { series as i32 }
    };
    let mut stack_base = vec![0.0_f64; categories.len()];
    for p in &bars {
        let ci = categories.iter().position(|c| *c == p.category).unwrap_or(0);
        let si = bar_series.iter().position(|s| *s == p.series).unwrap_or(0);
        let color = PALETTE[si % PALETTE.len()];
        let x0 = x_of(ci, si);
        let x1 = x0 + bar_w - 2;
        super::marks::group(area, super::marks::index(data, p), || {
            match p.value {
                None if narrow_missing => {
                    // Too narrow for the word: a grey tick at the baseline, explained in the legend.
                    area.draw(&Rectangle::new([(x0 + 1, bottom - 3), (x1 - 1, bottom)], GREY.filled())).map_err(|e| e.to_string())?;
                }
                None => {
                    text(area, "未披露", (x0 + x1) / 2, bottom - 12, SMALL, &GREY, Pos::new(HPos::Center, VPos::Center))?;
                }
                Some(v) if stacked => {
                    let (lo, hi) = (stack_base[ci], stack_base[ci] + v.max(0.0));
                    stack_base[ci] = hi;
                    area.draw(&Rectangle::new([(x0, y(hi)), (x1, y(lo))], color.filled())).map_err(|e| e.to_string())?;
                    if y(lo) - y(hi) >= 16 && font.width(&label(p), SMALL as f32) <= (bar_w - 2) as f32 {
                        text(area, &label(p), (x0 + x1) / 2, (y(lo) + y(hi)) / 2, SMALL, &WHITE, Pos::new(HPos::Center, VPos::Center))?;
                    }
                }
                Some(v) => {
                    let y0 = y(v.max(0.0));
                    let (fill, dashed) = match shown(data, p.status) {
                        Status::Derived => (mix(&color, 0.7), true),
                        Status::External => (mix(&color, 0.45), false),
                        _ => (color, false),
                    };
                    area.draw(&Rectangle::new([(x0, y0), (x1, bottom)], fill.filled())).map_err(|e| e.to_string())?;
                    if dashed {
                        let outline = vec![(x0, bottom), (x0, y0), (x1, y0), (x1, bottom)];
                        area.draw(&plotters::element::DashedPathElement::new(outline, 5, 3, color.stroke_width(1)))
                            .map_err(|e| e.to_string())?;
                    }
                    let half = (font.width(&label(p), SMALL as f32) / 2.0).ceil() as i32;
                    label_boxes.push(((x0 + x1) / 2 - half, y0 - 4 - SMALL as i32, (x0 + x1) / 2 + half, y0 - 4));
                    text(area, &label(p), (x0 + x1) / 2, y0 - 4, SMALL, &INK, Pos::new(HPos::Center, VPos::Bottom))?;
                }
            }
            Ok(())
        })?;
    }

    if stacked {
        for (ci, total) in stack_base.iter().enumerate() {
            let x0 = x_of(ci, 0);
            text(area, &numfmt::number(*total, 2), x0 + bar_w / 2, y(*total) - 4, SMALL, &INK, Pos::new(HPos::Center, VPos::Bottom))?;
        }
    }

    // Category labels, wrapped to the group width.
    for (ci, lines) in labels.iter().enumerate() {
        let cx = left + group * ci as i32 + group / 2;
        for (li, line) in lines.iter().enumerate() {
            text(area, line, cx, bottom + 16 + li as i32 * 18, LABEL, &INK, Pos::new(HPos::Center, VPos::Center))?;
        }
    }

    if let Some(series) = line_series {
        draw_line(area, data, series, &categories, (left, right, top, bottom), (group, intervals), font, &label_boxes)?;
    }

    // Legend: series (when several), then the provenance keys actually used.
    if let Some(ly) = rows[1] {
        let mut lx = left;
        for (i, name) in bar_series.iter().enumerate() {
            area.draw(&Rectangle::new([(lx, ly - 7), (lx + 14, ly + 7)], PALETTE[i % PALETTE.len()].filled()))
                .map_err(|e| e.to_string())?;
            text(area, name, lx + 20, ly, SMALL, &INK, Pos::new(HPos::Left, VPos::Center))?;
            lx += 34 + font.width(name, SMALL as f32) as i32;
        }
        if let Some(series) = line_series {
            let color = PALETTE[bar_series.len() % PALETTE.len()];
            area.draw(&PathElement::new(vec![(lx, ly), (lx + 18, ly)], color.stroke_width(2))).map_err(|e| e.to_string())?;
            area.draw(&Circle::new((lx + 9, ly), 3, color.filled())).map_err(|e| e.to_string())?;
            text(area, series, lx + 24, ly, SMALL, &INK, Pos::new(HPos::Left, VPos::Center))?;
        }
    }
    if let Some(ky) = rows[0] {
        let kx = legend_keys(area, data, font, left, ky)?;
        if narrow_missing {
            area.draw(&Rectangle::new([(kx, ky - 2), (kx + 14, ky + 2)], GREY.filled())).map_err(|e| e.to_string())?;
            text(area, "灰色短线：报告未给出数值", kx + 20, ky, SMALL, &INK, Pos::new(HPos::Left, VPos::Center))?;
        }
    }
    source(area, meta)
}

/// The caption as the chart's title, wrapped to two lines; returns the number of lines.
pub fn title(area: &Area, meta: &FigureMeta, font: &ChartFont) -> Result<i32, String> {
    let w = WIDTH as i32;
    let lines = wrap(font, &meta.caption, (w - 60) as f32, TITLE as f32, 2);
    for (i, line) in lines.iter().enumerate() {
        text(area, line, w / 2, 30 + i as i32 * 28, TITLE, &INK, Pos::new(HPos::Center, VPos::Center))?;
    }
    Ok(lines.len() as i32)
}

/// The printed source note, bottom left, on a row of its own.
pub fn source(area: &Area, meta: &FigureMeta) -> Result<(), String> {
    match meta.source_note.as_deref() {
        Some(note) => {
            text(area, &format!("{}：{note}", meta.source_label), 20, HEIGHT as i32 - 16, SMALL, &GREY, Pos::new(HPos::Left, VPos::Center))
        }
        None => Ok(()),
    }
}

/// A chart computed entirely from the tables is drawn plainly, with one note saying so;
/// lighter marks are kept for charts that mix derived values with stated ones. (A chart
/// with no value at all has nothing derived to note.)
pub fn all_derived(data: &FigureData) -> bool {
    data.points.iter().any(|p| p.value.is_some()) && data.points.iter().all(|p| p.status == Status::Derived || p.value.is_none())
}

/// How a point is drawn: its status, unless every point is derived.
pub fn shown(data: &FigureData, status: Status) -> Status {
    if all_derived(data) { Status::Stated } else { status }
}

/// Whether the chart has a row of provenance keys (派生值, 外部来源, or the note that
/// every value is derived).
pub fn has_keys(data: &FigureData) -> bool {
    all_derived(data) || data.points.iter().any(|p| matches!(p.status, Status::Derived | Status::External) && p.value.is_some())
}

/// Keys for derived and external values, when the chart has any.
pub fn legend_keys(area: &Area, data: &FigureData, font: &ChartFont, mut x: i32, y: i32) -> Result<i32, String> {
    if all_derived(data) {
        let note = "注：全部数值由报告数据表计算得出（派生值）";
        text(area, note, x, y, SMALL, &INK, Pos::new(HPos::Left, VPos::Center))?;
        return Ok(x + 20 + font.width(note, SMALL as f32) as i32);
    }
    let has = |s: Status| data.points.iter().any(|p| p.status == s && p.value.is_some());
    let mut keys = Vec::new();
    if has(Status::Derived) {
        keys.push(("派生值（浅色虚线框）", mix(&PALETTE[0], 0.7), true));
    }
    if has(Status::External) {
        keys.push(("外部来源（中间色）", mix(&PALETTE[0], 0.45), false));
    }
    for (name, color, dashed) in keys {
        area.draw(&Rectangle::new([(x, y - 7), (x + 14, y + 7)], color.filled())).map_err(|e| e.to_string())?;
        if dashed {
            let outline = vec![(x, y + 7), (x, y - 7), (x + 14, y - 7), (x + 14, y + 7), (x, y + 7)];
            area.draw(&plotters::element::DashedPathElement::new(outline, 3, 2, PALETTE[0].stroke_width(1))).map_err(|e| e.to_string())?;
        }
        text(area, name, x + 20, y, SMALL, &INK, Pos::new(HPos::Left, VPos::Center))?;
        x += 34 + font.width(name, SMALL as f32) as i32;
    }
    Ok(x)
}

/// The last series as a line on a second axis (growth rates, or a count beside amounts).
/// Unknown points break the line: a missing year is a gap, never a zero. The axis has as
/// many intervals as the bars' axis, so its ticks sit on the same grid lines, and a count
/// gets whole ticks. Each value label takes the first place around its point that keeps
/// clear of the bars' labels and the other points, on a white ground to read over a bar.
#[allow(clippy::too_many_arguments)]
fn draw_line(
    area: &Area,
    data: &FigureData,
    series: &str,
    categories: &[&str],
    (left, right, top, bottom): (i32, i32, i32, i32),
    (group, intervals): (i32, i32),
    font: &ChartFont,
    label_boxes: &[Box2],
) -> Result<(), String> {
    let color = PALETTE[(ordered(data.points.iter().map(|p| p.series.as_str())).len() - 1) % PALETTE.len()];
    let pts: Vec<(usize, f64, usize)> = data
        .points
        .iter()
        .enumerate()
        .filter(|(_, p)| p.series == series)
        .filter_map(|(k, p)| Some((categories.iter().position(|c| *c == p.category)?, p.value?, k)))
        .collect();
    if pts.is_empty() {
        return text(area, &format!("{series}：报告未给出"), right, top - 24, SMALL, &GREY, Pos::new(HPos::Right, VPos::Center));
    }
    let integer = whole(pts.iter().map(|(_, v, _)| *v)) && !series.contains('率');
    let lo0 = pts.iter().map(|(_, v, _)| *v).fold(0.0_f64, f64::min);
    let hi0 = pts.iter().map(|(_, v, _)| *v).fold(0.0_f64, f64::max);
    let n = intervals.max(1);
    let mut step = nice_at_least(((hi0 - lo0) * 1.08 / n as f64).max(1e-9), integer);
    if integer {
        step = step.max(1.0);
    }
    let mut lo = (lo0 / step).floor() * step;
    while lo + step * (n as f64) < hi0 * 1.04 {
        step = nice_at_least(step * 1.01, integer);
        lo = (lo0 / step).floor() * step;
    }
    let span = step * n as f64;
    let y = |v: f64| bottom - (((v - lo) / span) * (bottom - top) as f64).round() as i32;
    let x = |i: usize| left + group * i as i32 + group / 2;
    for k in 0..=n {
        let v = lo + step * k as f64;
        text(area, &numfmt::number(v, 2), right + 8, y(v), SMALL, &GREY, Pos::new(HPos::Left, VPos::Center))?;
    }
    for pair in pts.windows(2) {
        if pair[1].0 == pair[0].0 + 1 {
            area.draw(&PathElement::new(vec![(x(pair[0].0), y(pair[0].1)), (x(pair[1].0), y(pair[1].1))], color.stroke_width(2)))
                .map_err(|e| e.to_string())?;
        }
    }
    let markers: Vec<Box2> = pts.iter().map(|(i, v, _)| (x(*i) - 5, y(*v) - 5, x(*i) + 5, y(*v) + 5)).collect();
    let mut taken: Vec<Box2> = label_boxes.to_vec();
    for (i, v, k) in &pts {
        super::marks::group(area, *k, || area.draw(&Circle::new((x(*i), y(*v)), 4, color.filled())).map_err(|e| e.to_string()))?;
        let label = numfmt::number(*v, 1);
        let (w, h) = (font.width(&label, SMALL as f32).ceil() as i32 + 6, SMALL as i32 + 3);
        let (px, py) = (x(*i), y(*v));
        let candidates = [
            (px - w / 2, py - 7 - h),
            (px + 8, py - h / 2),
            (px - 8 - w, py - h / 2),
            (px - w / 2, py + 7),
            (px + 6, py - 7 - h),
            (px - 6 - w, py + 7),
        ];
        let clear = |b: Box2| b.1 >= top - 16 && b.3 <= bottom && !taken.iter().chain(&markers).any(|t| overlaps(b, *t));
        let (bx, by) = candidates.iter().copied().find(|(bx, by)| clear((*bx, *by, bx + w, by + h))).unwrap_or(candidates[0]);
        taken.push((bx, by, bx + w, by + h));
        area.draw(&Rectangle::new([(bx, by), (bx + w, by + h)], WHITE.filled())).map_err(|e| e.to_string())?;
        text(area, &label, bx + w / 2, by + h / 2, SMALL, &color, Pos::new(HPos::Center, VPos::Center))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn font() -> ChartFont {
        ChartFont::load(&std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("assets").join(crate::build::FONT)).unwrap()
    }

    #[test]
    fn labels_break_after_punctuation_and_no_line_starts_with_a_closing_bracket() {
        let font = font();
        assert_eq!(wrap(&font, "其他（含广东、湖南、江西）", 160.0, 14.0, 2), ["其他（含广东、湖南、", "江西）"]);
        for width in (30..200).step_by(7) {
            for label in ["其他（含上列未披露领域）", "其他类型（未披露）", "应用技术指南与应用技术要求"]
            {
                let lines = wrap(&font, label, width as f32, 14.0, 12);
                assert!(lines.iter().skip(1).all(|l| !l.starts_with(|c| NO_LINE_START.contains(c))), "{label} at {width}: {lines:?}");
                assert!(lines.iter().all(|l| l.chars().count() == 1 || !l.ends_with(|c| NO_LINE_END.contains(c))), "{lines:?}");
            }
        }
    }

    #[test]
    fn count_axes_have_whole_ticks() {
        assert_eq!(nice_step(11.0, true), 5.0, "no 2.5 funds");
        assert_eq!(nice_step(11.0, false), 2.5);
        assert_eq!(nice_step(2.2, true), 1.0, "no 0.5 parks");
        assert_eq!(nice_at_least(1.728, true), 2.0);
        assert_eq!(nice_at_least(26.0, true), 50.0);
        assert_eq!(nice_at_least(24.0, true), 25.0);
    }
}

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

/// Splits text into lines no wider than `width` px, at most `max_lines` (the last one
/// ends in … if cut).
pub fn wrap(font: &ChartFont, s: &str, width: f32, size: f32, max_lines: usize) -> Vec<String> {
    let mut lines = vec![String::new()];
    for c in s.chars() {
        let line = lines.last_mut().expect("one line");
        if !line.is_empty() && font.width(&format!("{line}{c}"), size) > width {
            lines.push(c.to_string());
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

fn nice_step(max: f64) -> f64 {
    let raw = (max / 5.0).max(f64::MIN_POSITIVE);
    let mag = 10f64.powf(raw.log10().floor());
    let n = raw / mag;
    mag * if n <= 1.0 {
        1.0
    } else if n <= 2.0 {
        2.0
    } else if n <= 2.5 {
        2.5
    } else if n <= 5.0 {
        5.0
    } else {
        10.0
    }
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

fn draw_on(area: &Area, meta: &FigureMeta, data: &FigureData, font: &ChartFont) -> Result<(), String> {
    let w = WIDTH as i32;
    let h = HEIGHT as i32;
    let all_series = ordered(data.points.iter().map(|p| p.series.as_str()));
    let line_series = (meta.chart == "bar_line" && all_series.len() > 1).then(|| *all_series.last().expect("two series"));
    let bar_series: Vec<&str> = all_series.iter().copied().filter(|s| Some(*s) != line_series).collect();
    let bars: Vec<&Point> = data.points.iter().filter(|p| Some(p.series.as_str()) != line_series).collect();
    let categories = ordered(bars.iter().map(|p| p.category.as_str()));

    title(area, meta, font)?;
    let (left, right, top, bottom) = (90, if line_series.is_some() { w - 90 } else { w - 40 }, 96, h - 150);
    if let Some(unit) = &data.unit {
        text(area, &format!("单位：{unit}"), left - 10, top - 22, 14.0, &GREY, Pos::new(HPos::Left, VPos::Center))?;
    }

    // Y axis.
    let stacked = meta.chart == "stacked_bar";
    let max = if stacked {
        categories.iter().map(|c| bars.iter().filter(|p| p.category == *c).filter_map(|p| p.value).sum::<f64>()).fold(0.0_f64, f64::max)
    } else {
        bars.iter().filter_map(|p| p.value).fold(0.0_f64, f64::max)
    };
    let step = nice_step(if max > 0.0 { max * 1.1 } else { 1.0 });
    let y_max = (max * 1.12 / step).ceil().max(1.0) * step;
    let y = |v: f64| bottom - ((v / y_max) * (bottom - top) as f64).round() as i32;
    let mut tick = 0.0;
    while tick <= y_max + step / 2.0 {
        area.draw(&PathElement::new(vec![(left, y(tick)), (right, y(tick))], GRID.stroke_width(1))).map_err(|e| e.to_string())?;
        text(area, &numfmt::number(tick, 2), left - 8, y(tick), 13.0, &GREY, Pos::new(HPos::Right, VPos::Center))?;
        tick += step;
    }
    area.draw(&PathElement::new(vec![(left, bottom), (right, bottom)], INK.stroke_width(1))).map_err(|e| e.to_string())?;

    // Bars.
    let n_cat = categories.len().max(1) as i32;
    let group = (right - left) / n_cat;
    let slots = if stacked { 1 } else { bar_series.len().max(1) };
    let bar_w = ((group as f64 * 0.72) / slots as f64).min(90.0) as i32;
    let x_of = |cat: usize, series: usize| {
        left + group * cat as i32 + (group - bar_w * slots as i32) / 2 + bar_w * if stacked { 0 } else { series as i32 }
    };
    let mut stack_base = vec![0.0_f64; categories.len()];
    let mut narrow_missing = false;
    for p in &bars {
        let ci = categories.iter().position(|c| *c == p.category).unwrap_or(0);
        let si = bar_series.iter().position(|s| *s == p.series).unwrap_or(0);
        let color = PALETTE[si % PALETTE.len()];
        let x0 = x_of(ci, si);
        let x1 = x0 + bar_w - 2;
        match p.value {
            None if font.width("未披露", 12.0) > (bar_w + 4) as f32 => {
                // Too narrow for the word: a grey tick at the baseline, explained in the legend.
                area.draw(&Rectangle::new([(x0 + 1, bottom - 3), (x1 - 1, bottom)], GREY.filled())).map_err(|e| e.to_string())?;
                narrow_missing = true;
            }
            None => {
                text(area, "未披露", (x0 + x1) / 2, bottom - 12, 12.0, &GREY, Pos::new(HPos::Center, VPos::Center))?;
            }
            Some(v) if stacked => {
                let (lo, hi) = (stack_base[ci], stack_base[ci] + v.max(0.0));
                stack_base[ci] = hi;
                area.draw(&Rectangle::new([(x0, y(hi)), (x1, y(lo))], color.filled())).map_err(|e| e.to_string())?;
                if y(lo) - y(hi) >= 16 {
                    text(area, &label(p), (x0 + x1) / 2, (y(lo) + y(hi)) / 2, 12.0, &WHITE, Pos::new(HPos::Center, VPos::Center))?;
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
                text(area, &label(p), (x0 + x1) / 2, y0 - 4, 13.0, &INK, Pos::new(HPos::Center, VPos::Bottom))?;
            }
        }
    }

    if stacked {
        for (ci, total) in stack_base.iter().enumerate() {
            let x0 = x_of(ci, 0);
            text(area, &numfmt::number(*total, 2), x0 + bar_w / 2, y(*total) - 4, 13.0, &INK, Pos::new(HPos::Center, VPos::Bottom))?;
        }
    }

    // Category labels, wrapped to the group width.
    for (ci, cat) in categories.iter().enumerate() {
        let cx = left + group * ci as i32 + group / 2;
        for (li, line) in wrap(font, cat, (group - 6) as f32, 14.0, 3).iter().enumerate() {
            text(area, line, cx, bottom + 16 + li as i32 * 18, 14.0, &INK, Pos::new(HPos::Center, VPos::Center))?;
        }
    }

    if let Some(series) = line_series {
        draw_line(area, data, series, &categories, (left, right, top, bottom), group)?;
    }

    // Legend: series (when several), then the provenance keys actually used.
    let mut lx = left;
    let ly = h - 62;
    if bar_series.len() > 1 || line_series.is_some() {
        for (i, name) in bar_series.iter().enumerate() {
            area.draw(&Rectangle::new([(lx, ly - 7), (lx + 14, ly + 7)], PALETTE[i % PALETTE.len()].filled()))
                .map_err(|e| e.to_string())?;
            text(area, name, lx + 20, ly, 13.0, &INK, Pos::new(HPos::Left, VPos::Center))?;
            lx += 34 + font.width(name, 13.0) as i32;
        }
    }
    if let Some(series) = line_series {
        let color = PALETTE[bar_series.len() % PALETTE.len()];
        area.draw(&PathElement::new(vec![(lx, ly), (lx + 18, ly)], color.stroke_width(2))).map_err(|e| e.to_string())?;
        text(area, series, lx + 24, ly, 13.0, &INK, Pos::new(HPos::Left, VPos::Center))?;
    }
    let kx = legend_keys(area, data, font, left, ly + 26)?;
    if narrow_missing {
        area.draw(&Rectangle::new([(kx, ly + 24), (kx + 14, ly + 28)], GREY.filled())).map_err(|e| e.to_string())?;
        text(area, "灰色短线：报告未给出数值", kx + 20, ly + 26, 13.0, &INK, Pos::new(HPos::Left, VPos::Center))?;
    }
    source(area, meta)
}

/// The caption as the chart's title, wrapped to two lines.
pub fn title(area: &Area, meta: &FigureMeta, font: &ChartFont) -> Result<(), String> {
    let w = WIDTH as i32;
    for (i, line) in wrap(font, &meta.caption, (w - 80) as f32, 22.0, 2).iter().enumerate() {
        text(area, line, w / 2, 34 + i as i32 * 28, 22.0, &INK, Pos::new(HPos::Center, VPos::Center))?;
    }
    Ok(())
}

/// The printed source note, bottom left.
pub fn source(area: &Area, meta: &FigureMeta) -> Result<(), String> {
    match meta.source_note.as_deref() {
        Some(note) => {
            text(area, &format!("{}：{note}", meta.source_label), 40, HEIGHT as i32 - 24, 13.0, &GREY, Pos::new(HPos::Left, VPos::Center))
        }
        None => Ok(()),
    }
}

/// A chart computed entirely from the tables is drawn plainly, with one note saying so;
/// lighter marks are kept for charts that mix derived values with stated ones.
pub fn all_derived(data: &FigureData) -> bool {
    data.points.iter().all(|p| p.status == Status::Derived || p.value.is_none())
}

/// How a point is drawn: its status, unless every point is derived.
pub fn shown(data: &FigureData, status: Status) -> Status {
    if all_derived(data) { Status::Stated } else { status }
}

/// Keys for derived and external values, when the chart has any.
pub fn legend_keys(area: &Area, data: &FigureData, font: &ChartFont, mut x: i32, y: i32) -> Result<i32, String> {
    if all_derived(data) {
        let note = "注：全部数值由报告数据表计算得出（派生值）";
        text(area, note, x, y, 13.0, &INK, Pos::new(HPos::Left, VPos::Center))?;
        return Ok(x + 20 + font.width(note, 13.0) as i32);
    }
    let has = |s: Status| data.points.iter().any(|p| p.status == s && p.value.is_some());
    let mut keys = Vec::new();
    if has(Status::Derived) {
        keys.push(("派生值（浅色虚线框）", mix(&PALETTE[0], 0.7)));
    }
    if has(Status::External) {
        keys.push(("外部来源（中间色）", mix(&PALETTE[0], 0.45)));
    }
    for (name, color) in keys {
        area.draw(&Rectangle::new([(x, y - 7), (x + 14, y + 7)], color.filled())).map_err(|e| e.to_string())?;
        text(area, name, x + 20, y, 13.0, &INK, Pos::new(HPos::Left, VPos::Center))?;
        x += 34 + font.width(name, 13.0) as i32;
    }
    Ok(x)
}

/// The last series as a line on a second axis (growth rates, or a count beside amounts).
/// Unknown points break the line: a missing year is a gap, never a zero.
fn draw_line(
    area: &Area,
    data: &FigureData,
    series: &str,
    categories: &[&str],
    (left, right, top, bottom): (i32, i32, i32, i32),
    group: i32,
) -> Result<(), String> {
    let color = PALETTE[(ordered(data.points.iter().map(|p| p.series.as_str())).len() - 1) % PALETTE.len()];
    let pts: Vec<(usize, f64)> = data
        .points
        .iter()
        .filter(|p| p.series == series)
        .filter_map(|p| Some((categories.iter().position(|c| *c == p.category)?, p.value?)))
        .collect();
    if pts.is_empty() {
        return text(area, &format!("{series}：报告未给出"), right, top - 22, 13.0, &GREY, Pos::new(HPos::Right, VPos::Center));
    }
    let lo = pts.iter().map(|(_, v)| *v).fold(0.0_f64, f64::min);
    let hi = pts.iter().map(|(_, v)| *v).fold(0.0_f64, f64::max).max(lo + 1.0);
    let span = (hi - lo) * 1.25;
    let y = |v: f64| bottom - (((v - lo) / span) * (bottom - top) as f64).round() as i32;
    let x = |i: usize| left + group * i as i32 + group / 2;
    for step in 0..=4 {
        let v = lo + span * step as f64 / 4.0;
        text(area, &numfmt::number(v, 1), right + 8, y(v), 13.0, &GREY, Pos::new(HPos::Left, VPos::Center))?;
    }
    for pair in pts.windows(2) {
        if pair[1].0 == pair[0].0 + 1 {
            area.draw(&PathElement::new(vec![(x(pair[0].0), y(pair[0].1)), (x(pair[1].0), y(pair[1].1))], color.stroke_width(2)))
                .map_err(|e| e.to_string())?;
        }
    }
    for (i, v) in &pts {
        area.draw(&Circle::new((x(*i), y(*v)), 4, color.filled())).map_err(|e| e.to_string())?;
        text(area, &numfmt::number(*v, 1), x(*i) + 6, y(*v) - 8, 12.0, &color, Pos::new(HPos::Left, VPos::Bottom))?;
    }
    Ok(())
}

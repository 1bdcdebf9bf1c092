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
pub const FIXED_TEXT: &str = "单位：注浅色虚线框为派生值中间色为外部来源未披露报告未给出数值0123456789.-%（）";

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
const INK: RGBColor = RGBColor(0x22, 0x22, 0x22);
const GREY: RGBColor = RGBColor(0x77, 0x77, 0x77);
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

fn mix(c: &RGBColor, white: f64) -> RGBColor {
    let m = |v: u8| (v as f64 + (255.0 - v as f64) * white).round() as u8;
    RGBColor(m(c.0), m(c.1), m(c.2))
}

fn nice_step(max: f64) -> f64 {
    let raw = (max / 5.0).max(f64::MIN_POSITIVE);
    let mag = 10f64.powf(raw.log10().floor());
    let n = raw / mag;
    mag * if n <= 1.0 { 1.0 } else if n <= 2.0 { 2.0 } else if n <= 2.5 { 2.5 } else if n <= 5.0 { 5.0 } else { 10.0 }
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

pub fn draw(meta: &FigureMeta, data: &FigureData, font: &ChartFont) -> Result<String, String> {
    let mut svg = String::new();
    {
        let area = SVGBackend::with_string(&mut svg, (WIDTH, HEIGHT)).into_drawing_area();
        area.fill(&WHITE).map_err(|e| e.to_string())?;
        draw_on(&area, meta, data, font)?;
        area.present().map_err(|e| e.to_string())?;
    }
    Ok(svg)
}

fn draw_on(area: &Area, meta: &FigureMeta, data: &FigureData, font: &ChartFont) -> Result<(), String> {
    let w = WIDTH as i32;
    let h = HEIGHT as i32;
    let all_series = ordered(data.points.iter().map(|p| p.series.as_str()));
    let line_series = (meta.chart == "bar_line" && all_series.len() > 1).then(|| *all_series.last().expect("two series"));
    let bar_series: Vec<&str> = all_series.iter().copied().filter(|s| Some(*s) != line_series).collect();
    let bars: Vec<&Point> = data.points.iter().filter(|p| Some(p.series.as_str()) != line_series).collect();
    let categories = ordered(bars.iter().map(|p| p.category.as_str()));

    // Title and unit.
    for (i, line) in wrap(font, &meta.caption, (w - 80) as f32, 22.0, 2).iter().enumerate() {
        text(area, line, w / 2, 34 + i as i32 * 28, 22.0, &INK, Pos::new(HPos::Center, VPos::Center))?;
    }
    let (left, right, top, bottom) = (90, if line_series.is_some() { w - 90 } else { w - 40 }, 96, h - 150);
    if let Some(unit) = &data.unit {
        text(area, &format!("单位：{unit}"), left - 10, top - 22, 14.0, &GREY, Pos::new(HPos::Left, VPos::Center))?;
    }

    // Y axis.
    let max = bars.iter().filter_map(|p| p.value).fold(0.0_f64, f64::max);
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
    let bar_w = ((group as f64 * 0.72) / bar_series.len().max(1) as f64).min(90.0) as i32;
    let x_of = |cat: usize, series: usize| left + group * cat as i32 + (group - bar_w * bar_series.len() as i32) / 2 + bar_w * series as i32;
    let mut statuses = Vec::new();
    for p in &bars {
        let ci = categories.iter().position(|c| *c == p.category).unwrap_or(0);
        let si = bar_series.iter().position(|s| *s == p.series).unwrap_or(0);
        let color = PALETTE[si % PALETTE.len()];
        let x0 = x_of(ci, si);
        let x1 = x0 + bar_w - 2;
        statuses.push(p.status);
        match p.value {
            None => {
                text(area, "未披露", (x0 + x1) / 2, bottom - 12, 12.0, &GREY, Pos::new(HPos::Center, VPos::Center))?;
            }
            Some(v) => {
                let y0 = y(v.max(0.0));
                let (fill, dashed) = match p.status {
                    Status::Derived => (mix(&color, 0.7), true),
                    Status::External => (mix(&color, 0.45), false),
                    _ => (color, false),
                };
                area.draw(&Rectangle::new([(x0, y0), (x1, bottom)], fill.filled())).map_err(|e| e.to_string())?;
                if dashed {
                    let outline = vec![(x0, bottom), (x0, y0), (x1, y0), (x1, bottom)];
                    area.draw(&plotters::element::DashedPathElement::new(outline.into_iter(), 5, 3, color.stroke_width(1))).map_err(|e| e.to_string())?;
                }
                text(area, &label(p), (x0 + x1) / 2, y0 - 4, 13.0, &INK, Pos::new(HPos::Center, VPos::Bottom))?;
            }
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
    let mut keys: Vec<(String, RGBColor, Status)> = Vec::new();
    if bar_series.len() > 1 || line_series.is_some() {
        for (i, s) in bar_series.iter().enumerate() {
            keys.push((s.to_string(), PALETTE[i % PALETTE.len()], Status::Stated));
        }
    }
    if statuses.contains(&Status::Derived) {
        keys.push(("派生值（浅色虚线框）".into(), mix(&PALETTE[0], 0.7), Status::Derived));
    }
    if statuses.contains(&Status::External) {
        keys.push(("外部来源（中间色）".into(), mix(&PALETTE[0], 0.45), Status::External));
    }
    let mut lx = left;
    let ly = h - 62;
    for (name, color, _) in &keys {
        area.draw(&Rectangle::new([(lx, ly - 7), (lx + 14, ly + 7)], color.filled())).map_err(|e| e.to_string())?;
        text(area, name, lx + 20, ly, 13.0, &INK, Pos::new(HPos::Left, VPos::Center))?;
        lx += 34 + font.width(name, 13.0) as i32;
    }
    if let Some(series) = line_series {
        let color = PALETTE[bar_series.len() % PALETTE.len()];
        area.draw(&PathElement::new(vec![(lx, ly), (lx + 18, ly)], color.stroke_width(2))).map_err(|e| e.to_string())?;
        text(area, series, lx + 24, ly, 13.0, &INK, Pos::new(HPos::Left, VPos::Center))?;
    }
    let source = format!("{}：{}", meta.source_label, meta.source_note.as_deref().unwrap_or("报告未注明"));
    text(area, &source, left - 50, h - 24, 13.0, &GREY, Pos::new(HPos::Left, VPos::Center))?;
    Ok(())
}

/// The last series as a line on a second axis (growth rates, or a count beside amounts).
/// Unknown points break the line: a missing year is a gap, never a zero.
fn draw_line(area: &Area, data: &FigureData, series: &str, categories: &[&str], (left, right, top, bottom): (i32, i32, i32, i32), group: i32) -> Result<(), String> {
    let color = PALETTE[(ordered(data.points.iter().map(|p| p.series.as_str())).len() - 1) % PALETTE.len()];
    let pts: Vec<(usize, f64)> = data
        .points
        .iter()
        .filter(|p| p.series == series)
        .filter_map(|p| Some((categories.iter().position(|c| *c == p.category)?, p.value?)))
        .collect();
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
            area.draw(&PathElement::new(vec![(x(pair[0].0), y(pair[0].1)), (x(pair[1].0), y(pair[1].1))], color.stroke_width(2))).map_err(|e| e.to_string())?;
        }
    }
    for (i, v) in &pts {
        area.draw(&Circle::new((x(*i), y(*v)), 4, color.filled())).map_err(|e| e.to_string())?;
        text(area, &numfmt::number(*v, 1), x(*i) + 6, y(*v) - 8, 12.0, &color, Pos::new(HPos::Left, VPos::Bottom))?;
    }
    Ok(())
}

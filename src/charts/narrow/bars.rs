//! Bars on a phone. A single series of short categories (years) stays vertical, with a
//! second series drawn as a line in its own panel below (no label of one can fall on the
//! other's); everything else (rankings, long names, grouped and stacked bars) turns
//! horizontal, one row per bar, names beside the bars when they are short and above them
//! when they are not.

use super::{Anchor, LABEL, PAD, SMALL, Svg, Swatch, WIDTH, fill, keys, legend, unit_line, value_text};
use crate::catalog::{ChartKind, FigureMeta};
use crate::charts::bars::{GREY, INK, PALETTE, mix, nice_at_least, nice_step, whole, wrap};
use crate::charts::marks::{self, line_series};
use crate::model::{FigureData, Point};

/// A text's box: left, top, right, bottom.
type Box2 = (i32, i32, i32, i32);

fn overlaps(a: Box2, b: Box2) -> bool {
    a.0 < b.2 && b.0 < a.2 && a.1 < b.3 && b.1 < a.3
}
use crate::numfmt;

/// The most categories a vertical panel takes.
const MAX_VERTICAL: usize = 8;
/// Names up to this width sit beside the bars; longer ones get a line above.
const SIDE_LABEL: i32 = 112;

struct Parts<'a> {
    line: Option<&'a str>,
    bar_series: Vec<&'a str>,
    categories: Vec<&'a str>,
    /// Points with their index (the mark), bars only.
    bars: Vec<(usize, &'a Point)>,
}

fn parts<'a>(meta: &FigureMeta, data: &'a FigureData) -> Parts<'a> {
    let line = line_series(meta, data);
    let bar_series: Vec<&str> = marks::series(data).into_iter().filter(|s| Some(*s) != line).collect();
    let bars: Vec<(usize, &Point)> = data.points.iter().enumerate().filter(|(_, p)| Some(p.series.as_str()) != line).collect();
    let mut categories: Vec<&str> = Vec::new();
    for (_, p) in &bars {
        if !categories.contains(&p.category.as_str()) {
            categories.push(&p.category);
        }
    }
    Parts { line, bar_series, categories, bars }
}

pub fn draw(svg: &mut Svg, meta: &FigureMeta, data: &FigureData) -> i32 {
    let parts = parts(meta, data);
    let y = unit_line(svg, data, PAD);
    match vertical_left(svg, meta, data, &parts) {
        Some(left) => vertical(svg, meta, data, &parts, left, y),
        None => horizontal(svg, meta, data, &parts, y),
    }
}

/// The left edge of the plot when the chart fits a vertical panel: one bar series of at
/// most eight categories whose names and values fit their column on one line.
fn vertical_left(svg: &Svg, meta: &FigureMeta, data: &FigureData, parts: &Parts) -> Option<i32> {
    let fits = parts.bar_series.len() == 1 && !matches!(meta.kind(), ChartKind::StackedBar | ChartKind::Hbar);
    if !fits || parts.categories.len() > MAX_VERTICAL || parts.categories.is_empty() {
        return None;
    }
    let (max, step) = axis(parts.bars.iter().filter_map(|(_, p)| p.value));
    let ticks = (0..=(max / step).round() as i32).map(|k| svg.width(&numfmt::number(step * k as f64, 2), SMALL)).max().unwrap_or(0);
    let left = PAD + ticks + 6;
    let group = (WIDTH - PAD - left) / parts.categories.len() as i32;
    let names = parts.categories.iter().all(|c| svg.width(c, LABEL) <= group - 4);
    let values = data.points.iter().all(|p| svg.width(&value_text(meta, data, p), SMALL) <= group - 2);
    (names && values).then_some(left)
}

/// The axis top and tick step for values up to their maximum (about five intervals).
fn axis(values: impl Iterator<Item = f64> + Clone) -> (f64, f64) {
    let max = values.clone().fold(0.0_f64, f64::max);
    let step = nice_step(if max > 0.0 { max * 1.1 } else { 1.0 }, whole(values));
    ((max * 1.12 / step).ceil().max(1.0) * step, step)
}

const PANEL: i32 = 190;
const LINE_PANEL: i32 = 130;

fn vertical(svg: &mut Svg, meta: &FigureMeta, data: &FigureData, parts: &Parts, left: i32, y: i32) -> i32 {
    let right = WIDTH - PAD;
    let n = parts.categories.len() as i32;
    let group = (right - left) / n;
    let cx = |ci: usize| left + group * ci as i32 + group / 2;
    let (top, bottom) = (y + 10, y + 10 + PANEL);
    let (y_max, step) = axis(parts.bars.iter().filter_map(|(_, p)| p.value));
    grid(svg, (left, right, top, bottom), y_max, step, 0.0);
    let at = |v: f64| bottom - ((v / y_max) * (bottom - top) as f64).round() as i32;
    let bar_w = ((group as f64 * 0.62) as i32).min(44);
    let color = PALETTE[0];
    let mut ticks = false;
    for (i, p) in &parts.bars {
        let ci = parts.categories.iter().position(|c| *c == p.category).unwrap_or(0);
        let (x0, x1) = (cx(ci) - bar_w / 2, cx(ci) + bar_w / 2);
        let label = value_text(meta, data, p);
        svg.mark(*i, |svg| match p.value {
            None if svg.width(&label, SMALL) > group - 4 => {
                ticks = true;
                svg.rect((x0 + 1, bottom - 3), (x1 - 1, bottom), &GREY);
            }
            None => svg.text(&label, cx(ci), bottom - 10, SMALL, &GREY, Anchor::Middle),
            Some(v) => {
                let y0 = at(v.max(0.0));
                let (fill, dashed) = fill(data, p.status, color);
                svg.rect((x0, y0), (x1, bottom), &fill);
                if dashed {
                    svg.dashed(&[(x0, bottom), (x0, y0), (x1, y0), (x1, bottom)], &color, (5, 3));
                }
                svg.text(&label, cx(ci), y0 - 4 - SMALL as i32 / 2, SMALL, &INK, Anchor::Middle);
            }
        });
    }
    svg.line(&[(left, bottom), (right, bottom)], &INK, 1);
    for (ci, c) in parts.categories.iter().enumerate() {
        svg.text(c, cx(ci), bottom + 14, LABEL, &INK, Anchor::Middle);
    }
    let mut y = bottom + 30;
    let mut entries = Vec::new();
    if let Some(series) = parts.line {
        let line_color = PALETTE[parts.bar_series.len() % PALETTE.len()];
        y = line_panel(svg, data, series, &parts.categories, (left, right, y + 14), (group, line_color));
        entries.push((Swatch::Fill(color), parts.bar_series[0].to_string()));
        entries.push((Swatch::Line(line_color), series.to_string()));
    }
    entries.extend(keys(data, ticks.then_some(Swatch::Tick)));
    legend(svg, &entries, y + 10)
}

/// Grid lines and tick labels of a value axis from `lo` to `hi` in steps of `step`.
fn grid(svg: &mut Svg, (left, right, top, bottom): (i32, i32, i32, i32), hi: f64, step: f64, lo: f64) {
    let intervals = ((hi - lo) / step).round() as i32;
    for k in 0..=intervals {
        let v = lo + step * k as f64;
        let y = bottom - (((v - lo) / (hi - lo)) * (bottom - top) as f64).round() as i32;
        svg.line(&[(left, y), (right, y)], &RGB_GRID, 1);
        svg.text(&numfmt::number(v, 2), left - 6, y, SMALL, &GREY, Anchor::End);
    }
}

const RGB_GRID: plotters::style::RGBColor = plotters::style::RGBColor(0xe3, 0xe3, 0xe3);

/// The line series in a panel of its own under the bars, at the same x; each value above
/// its point, or below it when the line rises to the next point's label.
fn line_panel(
    svg: &mut Svg,
    data: &FigureData,
    series: &str,
    categories: &[&str],
    (left, right, top): (i32, i32, i32),
    (group, color): (i32, plotters::style::RGBColor),
) -> i32 {
    let bottom = top + LINE_PANEL;
    let pts: Vec<(usize, f64, usize)> = data
        .points
        .iter()
        .enumerate()
        .filter(|(_, p)| p.series == series)
        .filter_map(|(k, p)| Some((categories.iter().position(|c| *c == p.category)?, p.value?, k)))
        .collect();
    let cx = |ci: usize| left + group * ci as i32 + group / 2;
    if pts.is_empty() {
        // No value at all: one line says so, instead of an empty panel.
        svg.text(&format!("{series}：报告未给出"), PAD, top - 4, SMALL, &GREY, Anchor::Start);
        return top + 10;
    }
    {
        let integer = whole(pts.iter().map(|(_, v, _)| *v)) && !series.contains('率');
        let lo0 = pts.iter().map(|(_, v, _)| *v).fold(0.0_f64, f64::min);
        let hi0 = pts.iter().map(|(_, v, _)| *v).fold(0.0_f64, f64::max);
        let mut step = nice_at_least(((hi0 - lo0) * 1.2 / 4.0).max(1e-9), integer);
        if integer {
            step = step.max(1.0);
        }
        let lo = (lo0 / step).floor() * step;
        let hi = ((hi0 * 1.15 - lo) / step).ceil().max(1.0) * step + lo;
        // Room above the top grid line for the highest value's label.
        let plot_top = top + 18;
        grid(svg, (left, right, plot_top, bottom), hi, step, lo);
        let at = |v: f64| bottom - (((v - lo) / (hi - lo)) * (bottom - plot_top) as f64).round() as i32;
        for pair in pts.windows(2) {
            if pair[1].0 == pair[0].0 + 1 {
                svg.line(&[(cx(pair[0].0), at(pair[0].1)), (cx(pair[1].0), at(pair[1].1))], &color, 2);
            }
        }
        // Each label above its point, else below, else beside: the first place clear of
        // the points and the labels already placed.
        let markers: Vec<Box2> = pts.iter().map(|(ci, v, _)| (cx(*ci) - 5, at(*v) - 5, cx(*ci) + 5, at(*v) + 5)).collect();
        let mut taken: Vec<Box2> = Vec::new();
        for (ci, v, k) in &pts {
            let (px, py) = (cx(*ci), at(*v));
            let label = value_text_of(data, *k);
            let (w, h) = (svg.width(&label, SMALL), SMALL as i32 + 1);
            let candidates = [(px, py - 14), (px, py + 14), (px + 8 + w / 2, py), (px - 8 - w / 2, py)];
            let boxed = |(x, y): (i32, i32)| (x - w / 2, y - h / 2, x + w / 2, y + h / 2);
            let clear =
                |b: Box2| b.1 >= top && b.3 <= bottom && b.0 >= 0 && b.2 <= WIDTH && !taken.iter().chain(&markers).any(|t| overlaps(b, *t));
            let (lx, ly) = candidates.into_iter().find(|c| clear(boxed(*c))).unwrap_or(candidates[0]);
            taken.push(boxed((lx, ly)));
            svg.mark(*k, |svg| svg.circle((px, py), 4, &color));
            svg.text(&label, lx, ly, SMALL, &color, Anchor::Middle);
        }
    }
    svg.line(&[(left, bottom), (right, bottom)], &INK, 1);
    for (ci, c) in categories.iter().enumerate() {
        svg.text(c, cx(ci), bottom + 14, LABEL, &INK, Anchor::Middle);
    }
    bottom + 30
}

fn value_text_of(data: &FigureData, k: usize) -> String {
    let p = &data.points[k];
    format!("{}{}", p.qualifier.as_deref().unwrap_or(""), numfmt::number(p.value.unwrap_or(0.0), 1))
}

/// Row height and pitch of a horizontal bar.
const BAR: i32 = 14;
const ROW: i32 = 20;

fn horizontal(svg: &mut Svg, meta: &FigureMeta, data: &FigureData, parts: &Parts, y: i32) -> i32 {
    let stacked = meta.kind() == ChartKind::StackedBar;
    let mut rows: Vec<&str> = if stacked { vec![""] } else { parts.bar_series.clone() };
    if let Some(line) = parts.line {
        rows.push(line);
    }
    let name_w = parts.categories.iter().map(|c| svg.width(c, LABEL)).max().unwrap_or(0);
    let side = name_w <= SIDE_LABEL;
    let x0 = if side { PAD + name_w + 8 } else { PAD };
    let totals: Vec<f64> = parts
        .categories
        .iter()
        .map(|c| parts.bars.iter().filter(|(_, p)| p.category == *c).filter_map(|(_, p)| p.value).map(|v| v.max(0.0)).sum())
        .collect();
    let end_text = |p: &Point| value_text(meta, data, p);
    let value_w = if stacked {
        totals.iter().map(|t| svg.width(&numfmt::number(*t, 2), SMALL)).max().unwrap_or(0)
    } else {
        data.points.iter().map(|p| svg.width(&end_text(p), SMALL)).max().unwrap_or(0)
    };
    let max =
        if stacked { totals.iter().copied().fold(0.0, f64::max) } else { data.points.iter().filter_map(|p| p.value).fold(0.0, f64::max) }
            .max(f64::MIN_POSITIVE);
    let span = (WIDTH - PAD - x0 - value_w - 8) as f64;
    let len = |v: f64| ((v.max(0.0) / max) * span).round() as i32;
    let mut y = y + 4;
    let first = y;
    let mut ticks = false;
    for (ci, c) in parts.categories.iter().enumerate() {
        let block = rows.len() as i32 * ROW;
        if side {
            svg.text(c, x0 - 8, y + block / 2, LABEL, &INK, Anchor::End);
        } else {
            for line in wrap(svg.font, c, (WIDTH - 2 * PAD) as f32, LABEL, 2) {
                svg.text(&line, PAD, y + 9, LABEL, &INK, Anchor::Start);
                y += 20;
            }
        }
        let mut x = x0;
        for (ri, series) in rows.iter().enumerate() {
            let cy = y + ri as i32 * ROW + ROW / 2;
            let in_row: Vec<(usize, &Point)> = parts
                .bars
                .iter()
                .copied()
                .chain(line_points(data, parts.line))
                .filter(|(_, p)| p.category == *c && (stacked && Some(p.series.as_str()) != parts.line || p.series == *series))
                .collect();
            for (i, p) in in_row {
                let si = parts.bar_series.iter().position(|s| *s == p.series).unwrap_or(parts.bar_series.len());
                let color = PALETTE[si % PALETTE.len()];
                let label = end_text(p);
                svg.mark(i, |svg| match p.value {
                    // A value the report does not give: a grey stub, named 未披露 where a
                    // category has one bar, explained by the key where it has several.
                    None => {
                        let word = !stacked && rows.len() == 1;
                        ticks |= !word;
                        svg.rect((x, cy - BAR / 2), (x + 4, cy + BAR / 2), &mix(&GREY, 0.7));
                        if word {
                            svg.text(&label, x + 10, cy, SMALL, &GREY, Anchor::Start);
                        }
                    }
                    Some(v) if Some(p.series.as_str()) == parts.line => {
                        svg.circle((x0 + len(v), cy), 5, &color);
                        svg.text(&label, x0 + len(v) + 10, cy, SMALL, &color, Anchor::Start);
                    }
                    Some(v) if stacked => {
                        let x1 = x + len(v);
                        svg.rect((x, cy - BAR / 2 - 1), (x1, cy + BAR / 2 + 1), &color);
                        if svg.width(&label, SMALL) + 4 <= x1 - x {
                            svg.text(&label, (x + x1) / 2, cy, SMALL, &plotters::style::WHITE, Anchor::Middle);
                        }
                        x = x1;
                    }
                    Some(v) => {
                        let x1 = (x0 + len(v)).max(x0 + 1);
                        let (fill, dashed) = fill(data, p.status, color);
                        svg.rect((x0, cy - BAR / 2), (x1, cy + BAR / 2), &fill);
                        if dashed {
                            svg.dashed(&[(x0, cy - BAR / 2), (x1, cy - BAR / 2), (x1, cy + BAR / 2), (x0, cy + BAR / 2)], &color, (5, 3));
                        }
                        svg.text(&label, x1 + 6, cy, SMALL, &INK, Anchor::Start);
                    }
                });
            }
        }
        if stacked {
            svg.text(&numfmt::number(totals[ci], 2), x + 6, y + ROW / 2, SMALL, &INK, Anchor::Start);
        }
        y += block + if side { 6 } else { 10 };
    }
    // The baseline, where names sit beside the bars (above them it would run into them).
    if side {
        svg.line(&[(x0, first - 2), (x0, y - 4)], &INK, 1);
    }
    let mut entries: Vec<(Swatch, String)> = Vec::new();
    if parts.bar_series.len() > 1 || parts.line.is_some() {
        for (i, s) in parts.bar_series.iter().enumerate() {
            entries.push((Swatch::Fill(PALETTE[i % PALETTE.len()]), s.to_string()));
        }
        if let Some(line) = parts.line {
            entries.push((Swatch::Line(PALETTE[parts.bar_series.len() % PALETTE.len()]), line.to_string()));
        }
    }
    entries.extend(keys(data, ticks.then_some(Swatch::Stub)));
    legend(svg, &entries, y + 10)
}

fn line_points<'a>(data: &'a FigureData, line: Option<&str>) -> Vec<(usize, &'a Point)> {
    data.points.iter().enumerate().filter(|(_, p)| Some(p.series.as_str()) == line).collect()
}

//! Pies and donuts on a phone: the pie across the top, the legend under it with every
//! category, its value or 未披露 (the desktop legend sits beside the pie, where a phone has
//! no room).

use std::f64::consts::{FRAC_PI_2, TAU};

use super::{Anchor, LABEL, PAD, Svg, WIDTH, fill, keys, legend};
use crate::charts::bars::{GREY, INK, PALETTE, mix, wrap};
use crate::model::{FigureData, Status};
use crate::numfmt;

const R: f64 = 100.0;

fn slice(cx: f64, cy: f64, r: f64, from: f64, to: f64) -> Vec<(i32, i32)> {
    let steps = (((to - from) / TAU) * 180.0).ceil().max(2.0) as usize;
    let mut pts = vec![(cx.round() as i32, cy.round() as i32)];
    for i in 0..=steps {
        let a = from + (to - from) * i as f64 / steps as f64 - FRAC_PI_2;
        pts.push(((cx + r * a.cos()).round() as i32, (cy + r * a.sin()).round() as i32));
    }
    pts
}

pub fn draw(svg: &mut Svg, data: &FigureData, donut: bool) -> i32 {
    let unit = data.unit.as_deref().unwrap_or("");
    let known: Vec<usize> = (0..data.points.len()).filter(|&i| data.points[i].value.is_some_and(|v| v > 0.0)).collect();
    let total: f64 = known.iter().filter_map(|&i| data.points[i].value).sum();
    let (cx, cy) = (WIDTH as f64 / 2.0, PAD as f64 + 4.0 + R);
    let mut angle = 0.0;
    // Share labels: on the slice when it is wide enough, kept apart from each other.
    let mut labels: Vec<(i32, i32, String, plotters::style::RGBColor)> = Vec::new();
    let mut boxes: Vec<(i32, i32, i32, i32)> = Vec::new();
    let mut swatches = vec![mix(&GREY, 0.8); data.points.len()];
    for (n, &i) in known.iter().enumerate() {
        let p = &data.points[i];
        let v = p.value.unwrap_or(0.0);
        let sweep = v / total * TAU;
        let color = PALETTE[n % PALETTE.len()];
        let (shade, dashed) = fill(data, p.status, color);
        swatches[i] = shade;
        let pts = slice(cx, cy, R, angle, angle + sweep);
        svg.mark(i, |svg| {
            svg.polygon(&pts, &shade);
            let mut outline = pts.clone();
            outline.push(outline[0]);
            if dashed {
                svg.dashed(&outline, &color, (5, 3));
            } else {
                svg.line(&outline, &plotters::style::WHITE, 2);
            }
        });
        if sweep > 0.35 {
            let mid = angle + sweep / 2.0 - FRAC_PI_2;
            let rr = if donut { R * 0.76 } else { R * 0.64 };
            let (x, y) = ((cx + rr * mid.cos()).round() as i32, (cy + rr * mid.sin()).round() as i32);
            let share = if unit == "%" { v } else { v / total * 100.0 };
            let text = format!("{}%", numfmt::number(share, 1));
            let half = svg.width(&text, LABEL) / 2 + 1;
            let b = (x - half, y - 8, x + half, y + 8);
            if !boxes.iter().any(|o| b.0 < o.2 && o.0 < b.2 && b.1 < o.3 && o.1 < b.3) {
                boxes.push(b);
                let ink = if fill(data, p.status, color).0 == color { plotters::style::WHITE } else { INK };
                labels.push((x, y, text, ink));
            }
        }
        angle += sweep;
    }
    if donut {
        svg.circle((cx as i32, cy as i32), (R * 0.5) as i32, &plotters::style::WHITE);
    }
    if known.is_empty() {
        svg.circle((cx as i32, cy as i32), R as i32, &mix(&GREY, 0.85));
        svg.text("报告未给出数值", cx as i32, cy as i32, LABEL, &GREY, Anchor::Middle);
    }
    for (x, y, text, ink) in labels {
        svg.text(&text, x, y, LABEL, &ink, Anchor::Middle);
    }

    // Legend: every category in data order, its name wrapped beside the swatch, its value
    // (or 未披露) at the right.
    let value_text = |i: usize| {
        let p = &data.points[i];
        match p.value {
            Some(v) => format!("{}{}{}", p.qualifier.as_deref().unwrap_or(""), numfmt::number(v, 2), unit),
            None => crate::charts::marks::MISSING.to_string(),
        }
    };
    let value_w = (0..data.points.len()).map(|i| svg.width(&value_text(i), LABEL)).max().unwrap_or(0);
    let name_x = PAD + 22;
    let name_w = WIDTH - PAD - value_w - 12 - name_x;
    let mut y = (cy + R) as i32 + 24;
    for (i, p) in data.points.iter().enumerate() {
        let lines = wrap(svg.font, &p.category, name_w as f32, LABEL, 3);
        let derived = p.value.is_some_and(|v| v > 0.0) && crate::charts::bars::shown(data, p.status) == Status::Derived;
        let (swatch, value) = (swatches[i], value_text(i));
        svg.mark(i, |svg| {
            svg.rect((PAD, y - 7), (PAD + 14, y + 7), &swatch);
            if derived {
                svg.dashed(&[(PAD, y + 7), (PAD, y - 7), (PAD + 14, y - 7), (PAD + 14, y + 7), (PAD, y + 7)], &GREY, (3, 2));
            }
            for (li, line) in lines.iter().enumerate() {
                svg.text(line, name_x, y + li as i32 * 19, LABEL, &INK, Anchor::Start);
            }
            svg.text(&value, WIDTH - PAD, y, LABEL, if p.value.is_some() { &INK } else { &GREY }, Anchor::End);
        });
        y += 19 * lines.len() as i32 + 7;
    }
    legend(svg, &keys(data, None), y + 6)
}

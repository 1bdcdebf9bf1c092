//! Pie and donut charts for shares (占比). Slices are drawn only for known values; a known
//! remainder (其他, derived) is lighter and dashed; categories the report names without a
//! value are listed beside the chart as 未披露, never drawn as a slice.

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::WIDTH;
use super::bars::{Area, GREY, INK, LABEL, PALETTE, canvas, has_keys, legend_keys, mix, rows_above_source, shown, text, title, wrap};
use super::font::ChartFont;
use crate::catalog::FigureMeta;
use crate::model::{FigureData, Status};
use crate::numfmt;

pub fn draw(meta: &FigureMeta, data: &FigureData, font: &ChartFont, donut: bool) -> Result<String, String> {
    canvas(|area| draw_on(area, meta, data, font, donut))
}

fn slice(cx: f64, cy: f64, r: f64, from: f64, to: f64) -> Vec<(i32, i32)> {
    let steps = (((to - from) / std::f64::consts::TAU) * 180.0).ceil().max(2.0) as usize;
    let mut pts = vec![(cx.round() as i32, cy.round() as i32)];
    for i in 0..=steps {
        let a = from + (to - from) * i as f64 / steps as f64 - std::f64::consts::FRAC_PI_2;
        pts.push(((cx + r * a.cos()).round() as i32, (cy + r * a.sin()).round() as i32));
    }
    pts
}

fn draw_on(area: &Area, meta: &FigureMeta, data: &FigureData, font: &ChartFont, donut: bool) -> Result<(), String> {
    let title_lines = title(area, meta, font)?;
    let unit = data.unit.as_deref().unwrap_or("");
    let known: Vec<_> = data.points.iter().filter(|p| p.value.is_some_and(|v| v > 0.0)).collect();
    let total: f64 = known.iter().filter_map(|p| p.value).sum();
    let (rows, above) = rows_above_source(&[has_keys(data)]);
    let top = 50 + title_lines * 28;
    let r = ((above - top) as f64 / 2.0 - 8.0).min(150.0);
    let (cx, cy) = (24.0 + r, (top + above) as f64 / 2.0);
    let mut angle = 0.0;
    for (i, p) in known.iter().enumerate() {
        let v = p.value.unwrap_or(0.0);
        let sweep = v / total * std::f64::consts::TAU;
        let color = PALETTE[i % PALETTE.len()];
        let fill = if shown(data, p.status) == Status::Derived {
            mix(&color, 0.7)
        } else if shown(data, p.status) == Status::External {
            mix(&color, 0.45)
        } else {
            color
        };
        let pts = slice(cx, cy, r, angle, angle + sweep);
        super::marks::group(area, super::marks::index(data, p), || {
            area.draw(&Polygon::new(pts.clone(), fill.filled())).map_err(|e| e.to_string())?;
            let mut outline = pts;
            outline.push(outline[0]);
            if shown(data, p.status) == Status::Derived {
                area.draw(&plotters::element::DashedPathElement::new(outline, 5, 3, color.stroke_width(1))).map_err(|e| e.to_string())?;
            } else {
                area.draw(&PathElement::new(outline, WHITE.stroke_width(2))).map_err(|e| e.to_string())?;
            }
            Ok(())
        })?;
        // The share on the slice when it is wide enough to hold it.
        if sweep > 0.3 {
            let mid = angle + sweep / 2.0 - std::f64::consts::FRAC_PI_2;
            let rr = if donut { r * 0.78 } else { r * 0.62 };
            let (x, y) = ((cx + rr * mid.cos()) as i32, (cy + rr * mid.sin()) as i32);
            let share = if unit == "%" { v } else { v / total * 100.0 };
            let ink = if shown(data, p.status) == Status::Stated { WHITE } else { INK };
            text(area, &format!("{}%", numfmt::number(share, 1)), x, y, LABEL, &ink, Pos::new(HPos::Center, VPos::Center))?;
        }
        angle += sweep;
    }
    if donut {
        area.draw(&Circle::new((cx as i32, cy as i32), (r * 0.5) as i32, WHITE.filled())).map_err(|e| e.to_string())?;
    }
    if known.is_empty() {
        area.draw(&Circle::new((cx as i32, cy as i32), r as i32, mix(&GREY, 0.85).filled())).map_err(|e| e.to_string())?;
        text(area, "报告未给出数值", cx as i32, cy as i32, LABEL, &GREY, Pos::new(HPos::Center, VPos::Center))?;
    }

    // Legend: every category, in data order, with its value or 未披露, beside the pie and
    // centred on it.
    let value_text = |p: &crate::model::Point| match p.value {
        Some(v) => format!("{}{}{}", p.qualifier.as_deref().unwrap_or(""), numfmt::number(v, 2), unit),
        None => "未披露".to_string(),
    };
    let lx = (cx + r) as i32 + 36;
    let value_w = data.points.iter().map(|p| font.width(&value_text(p), LABEL as f32)).fold(0.0_f32, f32::max) as i32;
    let name_w = (WIDTH as i32 - 20 - value_w - 14 - (lx + 22)) as f32;
    let wrapped: Vec<Vec<String>> = data.points.iter().map(|p| wrap(font, &p.category, name_w, LABEL as f32, 2)).collect();
    let height: i32 = wrapped.iter().map(|l| 18 * l.len() as i32 + 9).sum::<i32>() - 9;
    let mut ly = (cy as i32 - height / 2 + 9).max(top);
    let mut color_index = 0;
    for (index, (p, lines)) in data.points.iter().zip(&wrapped).enumerate() {
        let value_text = value_text(p);
        let swatch = if p.value.is_some_and(|v| v > 0.0) {
            let c = PALETTE[color_index % PALETTE.len()];
            color_index += 1;
            if shown(data, p.status) == Status::Derived {
                mix(&c, 0.7)
            } else if shown(data, p.status) == Status::External {
                mix(&c, 0.45)
            } else {
                c
            }
        } else {
            mix(&GREY, 0.8)
        };
        super::marks::group(area, index, || {
            area.draw(&Rectangle::new([(lx, ly - 7), (lx + 14, ly + 7)], swatch.filled())).map_err(|e| e.to_string())?;
            if p.value.is_some_and(|v| v > 0.0) && shown(data, p.status) == Status::Derived {
                let outline = vec![(lx, ly + 7), (lx, ly - 7), (lx + 14, ly - 7), (lx + 14, ly + 7), (lx, ly + 7)];
                area.draw(&plotters::element::DashedPathElement::new(outline, 3, 2, GREY.stroke_width(1))).map_err(|e| e.to_string())?;
            }
            for (i, line) in lines.iter().enumerate() {
                text(area, line, lx + 22, ly + i as i32 * 18, LABEL, &INK, Pos::new(HPos::Left, VPos::Center))?;
            }
            text(
                area,
                &value_text,
                WIDTH as i32 - 20,
                ly,
                LABEL,
                if p.value.is_some() { &INK } else { &GREY },
                Pos::new(HPos::Right, VPos::Center),
            )?;
            Ok(())
        })?;
        ly += 18 * lines.len() as i32 + 9;
    }
    if let Some(y) = rows[0] {
        legend_keys(area, data, font, 20, y)?;
    }
    super::bars::source(area, meta)
}

//! Horizontal bars for rankings and long category names (前十企业, 城市分布): names on the
//! left, wrapped; unknown values are listed with 未披露, never drawn as zero.

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::WIDTH;
use super::bars::{
    Area, GREY, INK, LABEL, PALETTE, SMALL, canvas, has_keys, legend_keys, mix, rows_above_source, shown, text, title, wrap,
};
use super::font::ChartFont;
use crate::catalog::FigureMeta;
use crate::model::{FigureData, Status};
use crate::numfmt;

pub fn draw(meta: &FigureMeta, data: &FigureData, font: &ChartFont) -> Result<String, String> {
    canvas(|area| draw_on(area, meta, data, font))
}

fn draw_on(area: &Area, meta: &FigureMeta, data: &FigureData, font: &ChartFont) -> Result<(), String> {
    let title_lines = title(area, meta, font)?;
    let unit = data.unit.as_deref().unwrap_or("");
    let (rows, above) = rows_above_source(&[has_keys(data)]);
    let (left, right, top, bottom) = (190, WIDTH as i32 - 80, 58 + title_lines * 28, above - 8);
    let n = data.points.len().max(1) as i32;
    let row = ((bottom - top) / n).min(48);
    let max = data.points.iter().filter_map(|p| p.value).fold(0.0_f64, f64::max).max(f64::MIN_POSITIVE);
    let color = PALETTE[0];
    if !unit.is_empty() {
        text(area, &format!("单位：{unit}"), right, top - 14, SMALL, &GREY, Pos::new(HPos::Right, VPos::Center))?;
    }
    for (i, p) in data.points.iter().enumerate() {
        let cy = top + row * i as i32 + row / 2;
        let lines = wrap(font, &p.category, (left - 30) as f32, LABEL as f32, 2);
        for (li, line) in lines.iter().enumerate() {
            let y = cy + (li as i32 * 2 - (lines.len() as i32 - 1)) * 9;
            text(area, line, left - 10, y, LABEL, &INK, Pos::new(HPos::Right, VPos::Center))?;
        }
        let bar_h = (row as f64 * 0.62) as i32;
        super::marks::group(area, i, || {
            match p.value {
                Some(v) => {
                    let x1 = left + ((v / max) * (right - left) as f64) as i32;
                    let fill = match shown(data, p.status) {
                        Status::Derived => mix(&color, 0.7),
                        Status::External => mix(&color, 0.45),
                        _ => color,
                    };
                    area.draw(&Rectangle::new([(left, cy - bar_h / 2), (x1.max(left + 1), cy + bar_h / 2)], fill.filled()))
                        .map_err(|e| e.to_string())?;
                    if shown(data, p.status) == Status::Derived {
                        let outline = vec![(left, cy - bar_h / 2), (x1, cy - bar_h / 2), (x1, cy + bar_h / 2), (left, cy + bar_h / 2)];
                        area.draw(&plotters::element::DashedPathElement::new(outline, 5, 3, color.stroke_width(1)))
                            .map_err(|e| e.to_string())?;
                    }
                    let label = format!("{}{}", p.qualifier.as_deref().unwrap_or(""), numfmt::number(v, 2));
                    text(area, &label, x1 + 8, cy, SMALL, &INK, Pos::new(HPos::Left, VPos::Center))?;
                }
                None => {
                    area.draw(&Rectangle::new([(left, cy - bar_h / 2), (left + 4, cy + bar_h / 2)], mix(&GREY, 0.7).filled()))
                        .map_err(|e| e.to_string())?;
                    text(area, "未披露", left + 12, cy, SMALL, &GREY, Pos::new(HPos::Left, VPos::Center))?;
                }
            }
            Ok(())
        })?;
    }
    area.draw(&PathElement::new(vec![(left, top - 4), (left, top + row * n)], INK.stroke_width(1))).map_err(|e| e.to_string())?;
    if let Some(y) = rows[0] {
        legend_keys(area, data, font, left, y)?;
    }
    super::bars::source(area, meta)
}

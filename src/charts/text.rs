//! The two figures that are not charts of numbers: the keyword graphic (图 1-1) and the
//! layered structure diagram (图 1-10), both drawn from their YAML description.

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::bars::{LABEL, PALETTE, TITLE, canvas, rows_above_source, text, wrap};
use super::font::ChartFont;
use super::{HEIGHT, WIDTH};
use crate::catalog::FigureMeta;
use crate::model::FigureData;

pub(super) fn light(c: &RGBColor) -> RGBColor {
    RGBColor(c.0 / 8 + 222, c.1 / 8 + 222, c.2 / 8 + 222)
}

pub fn keywords(meta: &FigureMeta, font: &ChartFont) -> Result<String, String> {
    canvas(|area| {
        let w = WIDTH as i32;
        text(area, &meta.caption, w / 2, 30, TITLE, &BLACK, Pos::new(HPos::Center, VPos::Center))?;
        let cols = 3;
        let rows = meta.keywords.len().div_ceil(cols).max(1) as i32;
        let (_, above) = rows_above_source(&[]);
        let cell_w = (w - 40) / cols as i32;
        let cell_h = ((above - 8 - 62) / rows - 10).min(60);
        for (i, k) in meta.keywords.iter().enumerate() {
            let (r, c) = ((i / cols) as i32, (i % cols) as i32);
            let (x0, y0) = (20 + c * cell_w + 6, 62 + r * (cell_h + 10));
            let color = PALETTE[i % PALETTE.len()];
            area.draw(&Rectangle::new([(x0, y0), (x0 + cell_w - 12, y0 + cell_h)], light(&color).filled())).map_err(|e| e.to_string())?;
            let lines = wrap(font, k, (cell_w - 28) as f32, 18.0, 2);
            for (li, line) in lines.iter().enumerate() {
                let y = y0 + cell_h / 2 + (li as i32 * 2 - (lines.len() as i32 - 1)) * 11;
                text(area, line, x0 + (cell_w - 12) / 2, y, 18.0, &color, Pos::new(HPos::Center, VPos::Center))?;
            }
        }
        super::bars::source(area, meta)
    })
}

pub fn structure(meta: &FigureMeta, data: &FigureData, font: &ChartFont) -> Result<String, String> {
    canvas(|area| {
        let w = WIDTH as i32;
        text(area, &meta.caption, w / 2, 30, TITLE, &BLACK, Pos::new(HPos::Center, VPos::Center))?;
        let n = meta.layers.len().max(1) as i32;
        let (_, above) = rows_above_source(&[]);
        let (top, name_w) = (58, 170);
        let layer_h = (above - 6 - top) / n;
        for (i, layer) in meta.layers.iter().enumerate() {
            let color = PALETTE[i % PALETTE.len()];
            let y0 = top + i as i32 * layer_h;
            let y1 = y0 + layer_h - 10;
            area.draw(&Rectangle::new([(20, y0), (w - 20, y1)], light(&color).filled())).map_err(|e| e.to_string())?;
            let band = || {
                area.draw(&Rectangle::new([(20, y0), (20 + name_w, y1)], color.filled())).map_err(|e| e.to_string())?;
                let lines = wrap(font, &layer.name, (name_w - 20) as f32, 17.0, 3);
                let share = data.points.iter().find(|p| p.category == layer.name).and_then(|p| p.value);
                let count = lines.len() as i32 + share.is_some() as i32;
                let first = (y0 + y1) / 2 - (count - 1) * 11;
                for (li, line) in lines.iter().enumerate() {
                    text(area, line, 20 + name_w / 2, first + li as i32 * 22, 17.0, &WHITE, Pos::new(HPos::Center, VPos::Center))?;
                }
                if let Some(share) = share {
                    let label = format!("企业占比 {}%", crate::numfmt::number(share, 2));
                    text(
                        area,
                        &label,
                        20 + name_w / 2,
                        first + lines.len() as i32 * 22,
                        LABEL,
                        &WHITE,
                        Pos::new(HPos::Center, VPos::Center),
                    )?;
                }
                Ok(())
            };
            match data.points.iter().position(|p| p.category == layer.name) {
                Some(index) => super::marks::group(area, index, band)?,
                None => band()?,
            }
            let items = layer.items.len().max(1) as i32;
            let x_start = 20 + name_w + 14;
            let item_w = (w - 20 - 4 - x_start) / items;
            for (j, item) in layer.items.iter().enumerate() {
                let x0 = x_start + j as i32 * item_w;
                area.draw(&Rectangle::new([(x0, y0 + 12), (x0 + item_w - 10, y1 - 12)], WHITE.filled())).map_err(|e| e.to_string())?;
                let lines = wrap(font, item, (item_w - 22) as f32, 15.0, 3);
                let cy = (y0 + y1) / 2 - (lines.len() as i32 - 1) * 10;
                for (li, line) in lines.iter().enumerate() {
                    text(area, line, x0 + (item_w - 10) / 2, cy + li as i32 * 20, 15.0, &color, Pos::new(HPos::Center, VPos::Center))?;
                }
            }
        }
        super::bars::source(area, meta)
    })
}

/// A few headline numbers in different units (图 1-13: deals and amount): one card each,
/// value with its own unit, since bars on one axis would compare 笔 with 亿元.
pub fn cards(meta: &FigureMeta, data: &FigureData, font: &ChartFont) -> Result<String, String> {
    canvas(|area| {
        let w = WIDTH as i32;
        text(area, &meta.caption, w / 2, 30, TITLE, &BLACK, Pos::new(HPos::Center, VPos::Center))?;
        let n = data.points.len().max(1) as i32;
        let card_w = ((w - 40) / n).min(300);
        let left = (w - card_w * n) / 2;
        for (i, p) in data.points.iter().enumerate() {
            let color = PALETTE[i % PALETTE.len()];
            let x0 = left + i as i32 * card_w + 12;
            let (y0, y1) = (90, HEIGHT as i32 - 80);
            super::marks::group(area, i, || {
                area.draw(&Rectangle::new([(x0, y0), (x0 + card_w - 24, y1)], light(&color).filled())).map_err(|e| e.to_string())?;
                let cx = x0 + (card_w - 24) / 2;
                let name = if p.series.is_empty() { p.category.clone() } else { p.series.clone() };
                for (li, line) in wrap(font, &name, (card_w - 60) as f32, 20.0, 2).iter().enumerate() {
                    text(area, line, cx, y0 + 44 + li as i32 * 26, 20.0, &color, Pos::new(HPos::Center, VPos::Center))?;
                }
                let value = match p.value {
                    Some(v) => format!("{}{}", p.qualifier.as_deref().unwrap_or(""), crate::numfmt::number(v, 2)),
                    None => "未披露".to_string(),
                };
                text(area, &value, cx, (y0 + y1) / 2 + 20, 64.0, &color, Pos::new(HPos::Center, VPos::Center))?;
                let unit = p.unit.clone().or_else(|| data.unit.clone()).unwrap_or_default();
                let below = if p.series.is_empty() { unit } else { format!("{unit}（{}）", p.category) };
                text(area, &below, cx, y1 - 40, 18.0, &color, Pos::new(HPos::Center, VPos::Center))?;
                Ok(())
            })?;
        }
        super::bars::source(area, meta)
    })
}

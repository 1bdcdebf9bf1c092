//! The figures that are not charts of numbers, on a phone: keyword tiles in two columns,
//! headline cards one under another, and the layered structure as a band per layer with
//! its parts in two columns under it.

use super::{Anchor, LABEL, PAD, SMALL, Svg, WIDTH};
use crate::catalog::FigureMeta;
use crate::charts::bars::{PALETTE, wrap};
use crate::charts::text::light;
use crate::model::FigureData;
use crate::numfmt;

/// Lines of `size` px text centred on `cy`, `pitch` apart.
fn lines(svg: &mut Svg, lines: &[String], x: i32, cy: i32, size: f32, pitch: i32, color: &plotters::style::RGBColor) {
    let first = cy - (lines.len() as i32 - 1) * pitch / 2;
    for (i, line) in lines.iter().enumerate() {
        svg.text(line, x, first + i as i32 * pitch, size, color, Anchor::Middle);
    }
}

pub fn keywords(svg: &mut Svg, meta: &FigureMeta) -> i32 {
    let (cols, gap, tile_h) = (2, 8, 52);
    let tile_w = (WIDTH - 2 * PAD - gap) / cols;
    let mut y = PAD;
    for (i, k) in meta.keywords.iter().enumerate() {
        let (r, c) = ((i / cols as usize) as i32, (i % cols as usize) as i32);
        let (x0, y0) = (PAD + c * (tile_w + gap), PAD + r * (tile_h + gap));
        let color = PALETTE[i % PALETTE.len()];
        svg.rect((x0, y0), (x0 + tile_w, y0 + tile_h), &light(&color));
        let wrapped = wrap(svg.font, k, (tile_w - 16) as f32, 15.0, 2);
        lines(svg, &wrapped, x0 + tile_w / 2, y0 + tile_h / 2, 15.0, 20, &color);
        y = y0 + tile_h + PAD;
    }
    y
}

pub fn cards(svg: &mut Svg, data: &FigureData) -> i32 {
    let mut y = PAD;
    for (i, p) in data.points.iter().enumerate() {
        let color = PALETTE[i % PALETTE.len()];
        let (x0, x1, y0, y1) = (PAD, WIDTH - PAD, y, y + 124);
        let cx = WIDTH / 2;
        let name = if p.series.is_empty() { p.category.clone() } else { p.series.clone() };
        let value = match p.value {
            Some(v) => format!("{}{}", p.qualifier.as_deref().unwrap_or(""), numfmt::number(v, 2)),
            None => crate::charts::marks::MISSING.to_string(),
        };
        let unit = crate::charts::marks::unit(data, p);
        let below = if p.series.is_empty() { unit } else { format!("{unit}（{}）", p.category) };
        svg.mark(i, |svg| {
            svg.rect((x0, y0), (x1, y1), &light(&color));
            let name = wrap(svg.font, &name, (x1 - x0 - 24) as f32, 16.0, 1);
            lines(svg, &name, cx, y0 + 22, 16.0, 20, &color);
            svg.text(&value, cx, y0 + 64, 40.0, &color, Anchor::Middle);
            svg.text(&below, cx, y1 - 20, LABEL, &color, Anchor::Middle);
        });
        y = y1 + 10;
    }
    y
}

pub fn structure(svg: &mut Svg, meta: &FigureMeta, data: &FigureData) -> i32 {
    let mut y = PAD;
    let (cols, gap) = (2, 6);
    for (i, layer) in meta.layers.iter().enumerate() {
        let color = PALETTE[i % PALETTE.len()];
        let share = data.points.iter().position(|p| p.category == layer.name);
        let share_text = share.and_then(|k| data.points[k].value).map(|v| format!("企业占比 {}%", numfmt::number(v, 2)));
        let share_w = share_text.as_deref().map(|s| svg.width(s, SMALL) + 12).unwrap_or(0);
        let name = wrap(svg.font, &layer.name, (WIDTH - 4 * PAD - share_w) as f32, 15.0, 2);
        let band_h = name.len() as i32 * 20 + 14;
        let item_w = (WIDTH - 4 * PAD - gap) / cols;
        let items: Vec<Vec<String>> = layer.items.iter().map(|it| wrap(svg.font, it, (item_w - 12) as f32, LABEL, 3)).collect();
        let rows: Vec<i32> = items.chunks(cols as usize).map(|r| r.iter().map(Vec::len).max().unwrap_or(1) as i32 * 19 + 14).collect();
        let total = band_h + rows.iter().map(|h| h + gap).sum::<i32>() + PAD;
        svg.rect((PAD, y), (WIDTH - PAD, y + total), &light(&color));
        let band = |svg: &mut Svg| {
            svg.rect((PAD, y), (WIDTH - PAD, y + band_h), &color);
            let first = y + band_h / 2 - (name.len() as i32 - 1) * 10;
            for (li, line) in name.iter().enumerate() {
                svg.text(line, 2 * PAD, first + li as i32 * 20, 15.0, &plotters::style::WHITE, Anchor::Start);
            }
            if let Some(s) = &share_text {
                svg.text(s, WIDTH - 2 * PAD, y + band_h / 2, SMALL, &plotters::style::WHITE, Anchor::End);
            }
        };
        match share {
            Some(k) => svg.mark(k, band),
            None => band(svg),
        }
        let mut iy = y + band_h + gap;
        for (r, row) in items.chunks(cols as usize).enumerate() {
            for (c, item) in row.iter().enumerate() {
                let x0 = 2 * PAD + c as i32 * (item_w + gap);
                svg.rect((x0, iy), (x0 + item_w, iy + rows[r]), &plotters::style::WHITE);
                lines(svg, item, x0 + item_w / 2, iy + rows[r] / 2, LABEL, 19, &color);
            }
            iy += rows[r] + gap;
        }
        y += total + 8;
    }
    y
}

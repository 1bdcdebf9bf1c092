//! Draws every figure with plotters: SVG for the web, PNG (rendered from that SVG: shapes by
//! resvg, text from cached glyph masks)
//! for Markdown and print, plus alt text and the CSV of exactly the values drawn.
//! Charts are drawn in parallel; the font is parsed once.

mod bars;
mod font;
mod hbar;
pub mod marks;
pub mod narrow;
mod pie;
mod raster;
mod text;

use rayon::prelude::*;

use crate::cache::Cache;
use crate::catalog::{ChartKind, FigureMeta};
use crate::error::{Error, Result};
use crate::model::{FigureData, Status};
use crate::numfmt;

pub use font::{ChartFont, FAMILY};
pub use marks::{ChartTable, Mark, TableCell};

/// The cache's name for rasterised charts.
pub const PNG_KIND: &str = "chart-png";

pub const WIDTH: u32 = 720;
pub const HEIGHT: u32 = 480;

/// One drawn figure.
#[derive(Debug, Clone)]
pub struct Chart {
    pub id: String,
    pub svg: String,
    /// Empty from [`draw`] until [`give`].
    pub png: Vec<u8>,
    pub alt: String,
    /// The values drawn, with their provenance.
    pub csv: String,
    /// Whether the PNG came from the cache rather than being rasterised now.
    pub png_cached: bool,
    /// The rows of the SVG between its title and its source line, `(top, bottom)`: the PDF and
    /// the web page set the caption and the source under the figure, so they embed only
    /// these. The standalone SVG and PNG keep the whole chart.
    pub body: (u32, u32),
    /// The drawing for screens up to 480 px wide (see [`narrow`]): body only, inlined beside
    /// the desktop body and swapped by the page's width; never downloaded.
    pub narrow_svg: String,
    /// What each mark of both drawings shows: `data-mark="N"` is `marks[N]`.
    pub marks: Vec<Mark>,
    /// The 数据表: exactly the values drawn.
    pub table: ChartTable,
}

impl Chart {
    /// The SVG cut to its body (a narrower viewBox), to embed in a page; the whole SVG if its
    /// header is not the one this module writes.
    pub fn body_svg(&self) -> String {
        let (top, bottom) = self.body;
        let header = format!("<svg width=\"{WIDTH}\" height=\"{HEIGHT}\" viewBox=\"0 0 {WIDTH} {HEIGHT}\"");
        match self.svg.strip_prefix(&header) {
            Some(rest) => {
                let height = bottom - top;
                format!("<svg width=\"{WIDTH}\" height=\"{height}\" viewBox=\"0 {top} {WIDTH} {height}\"{rest}")
            }
            None => self.svg.clone(),
        }
    }

    /// The marks as JSON for the page script (deterministic, safe to inline in
    /// `<script type="application/json">`).
    pub fn marks_json(&self) -> String {
        marks::to_json(&self.id, &self.marks)
    }
}

/// Where a chart's body starts and ends (see [`Chart::body`]): below the title's last line
/// (the title is centred on y = 30, 28 px a line), above the source line (centred 16 px
/// above the bottom) when there is one.
fn body(meta: &FigureMeta, font: &ChartFont) -> (u32, u32) {
    let title_lines = match meta.kind() {
        // The text charts set the title on one line.
        ChartKind::Keywords | ChartKind::Cards | ChartKind::Structure => 1,
        _ => bars::wrap(font, &meta.caption, (WIDTH - 60) as f32, bars::TITLE as f32, 2).len().max(1) as u32,
    };
    let top = 30 + (title_lines - 1) * 28 + 16;
    let bottom = if meta.source_note.is_some() { HEIGHT - 25 } else { HEIGHT };
    (top, bottom)
}

/// Draws every figure as SVG, with its alt text and values, in parallel. The PNGs come
/// later from [`pngs`]: the PDF embeds the SVGs, so it is typeset meanwhile.
pub fn draw_all(figures: &[(&FigureMeta, &FigureData)], font: &ChartFont) -> Result<Vec<Chart>> {
    figures.par_iter().map(|(meta, data)| draw(meta, data, font)).collect()
}

/// Draws one figure; its `png` stays empty until [`give`].
pub fn draw(meta: &FigureMeta, data: &FigureData, font: &ChartFont) -> Result<Chart> {
    let chart_error = |message: String| Error::Chart { figure: format!("{} ({})", meta.id, meta.printed_number), message };
    font.check_text(&labels(meta, data))
        .map_err(|c| chart_error(format!("character {c:?} (U+{:04X}) is not in the chart font", c as u32)))?;
    let svg = match meta.kind() {
        ChartKind::Keywords => text::keywords(meta, font),
        ChartKind::Cards => text::cards(meta, data, font),
        ChartKind::Structure => text::structure(meta, data, font),
        ChartKind::Pie => pie::draw(meta, data, font, false),
        ChartKind::Donut => pie::draw(meta, data, font, true),
        ChartKind::Hbar => hbar::draw(meta, data, font),
        ChartKind::Bar | ChartKind::BarLine | ChartKind::GroupedBar | ChartKind::StackedBar => bars::draw(meta, data, font),
    }
    .map_err(chart_error)?;
    let narrow_svg = narrow::draw(meta, data, font).map_err(chart_error)?;
    Ok(Chart {
        id: meta.id.clone(),
        svg: marks::tag(&svg, &format!("{}-m", meta.id)),
        narrow_svg,
        marks: marks::marks(meta, data),
        table: marks::table(meta, data),
        alt: alt_text(meta, data),
        csv: values_csv(data),
        png: Vec::new(),
        png_cached: false,
        body: body(meta, font),
    })
}

/// A chart's PNG and whether it came from the cache.
pub type Png = (Vec<u8>, bool);

/// The PNG of every chart that has none yet, in order and in parallel: from `cache` when the
/// same SVG was rasterised before with the same scale, font and renderer, else rasterised
/// now. It reads the charts only, so the templates can be rendered from them meanwhile.
pub fn pngs(charts: &[Chart], font: &ChartFont, png_scale: f32, cache: &Cache) -> Result<Vec<Png>> {
    charts
        .par_iter()
        .filter(|c| c.png.is_empty())
        .map(|chart| {
            let key = font.png_key(&chart.svg, png_scale);
            if let Some(png) = cache.get(PNG_KIND, &key) {
                return Ok((png, true));
            }
            let png = font.to_png(&chart.svg, png_scale).map_err(|message| Error::Chart { figure: chart.id.clone(), message })?;
            cache.put(PNG_KIND, &key, &png);
            Ok((png, false))
        })
        .collect()
}

/// Gives the charts without a PNG the ones [`pngs`] made for them.
pub fn give(charts: &mut [Chart], pngs: Vec<Png>) {
    for (chart, (png, cached)) in charts.iter_mut().filter(|c| c.png.is_empty()).zip(pngs) {
        (chart.png, chart.png_cached) = (png, cached);
    }
}

/// Every piece of text a chart may draw, for the glyph check.
fn labels(meta: &FigureMeta, data: &FigureData) -> String {
    let mut s = format!("{}{}{}", meta.caption, meta.source_label, meta.source_note.as_deref().unwrap_or(""));
    s.extend(meta.keywords.iter().map(String::as_str));
    for l in &meta.layers {
        s.push_str(&l.name);
        s.extend(l.items.iter().map(String::as_str));
    }
    for p in &data.points {
        s.push_str(&p.series);
        s.push_str(&p.category);
        s.push_str(p.qualifier.as_deref().unwrap_or(""));
    }
    s.push_str(data.unit.as_deref().unwrap_or(""));
    s.push_str(bars::FIXED_TEXT);
    s.push_str(narrow::FIXED_TEXT);
    s.push_str(marks::FIXED_TEXT);
    s
}

/// A sentence that says what the chart shows, from the data.
pub fn alt_text(meta: &FigureMeta, data: &FigureData) -> String {
    let unit = data.unit.as_deref().unwrap_or("");
    if !meta.keywords.is_empty() {
        return format!("{}：{}。", meta.caption, meta.keywords.join("、"));
    }
    if !meta.layers.is_empty() {
        let layers: Vec<String> = meta.layers.iter().map(|l| format!("{}（{}）", l.name, l.items.join("、"))).collect();
        return format!("{}：{}。", meta.caption, layers.join("；"));
    }
    let shown: Vec<_> = data.points.iter().filter(|p| !p.series.contains("增长率")).collect();
    let value = |p: &crate::model::Point| match p.value {
        Some(v) => {
            let tag = match p.status {
                Status::Derived => "（派生值）",
                Status::External => "（外部来源）",
                _ => "",
            };
            let unit = p.unit.as_deref().filter(|u| !u.is_empty()).unwrap_or(unit);
            format!("{}{}{unit}{tag}", p.qualifier.as_deref().unwrap_or(""), numfmt::number(v, 2))
        }
        None => "未披露".to_string(),
    };
    let name = |p: &crate::model::Point| if p.series.is_empty() { p.category.clone() } else { format!("{} {}", p.series, p.category) };
    let mut s = format!("{}。", meta.caption);
    if shown.iter().all(|p| p.value.is_none()) {
        s.push_str("报告未给出数值。");
    } else if shown.len() <= 10 {
        let items: Vec<String> = shown.iter().map(|p| format!("{}：{}", name(p), value(p))).collect();
        s.push_str(&items.join("；"));
        s.push('。');
    } else {
        let top =
            shown.iter().filter(|p| p.value.is_some()).max_by(|a, b| a.value.partial_cmp(&b.value).unwrap_or(std::cmp::Ordering::Equal));
        if let Some(top) = top {
            s.push_str(&format!("共 {} 项，最大的是{}：{}。", shown.len(), name(top), value(top)));
        }
        let missing = shown.iter().filter(|p| p.value.is_none()).count();
        if missing > 0 {
            s.push_str(&format!("其中 {missing} 项报告未给出。"));
        }
    }
    s
}

/// The CSV of exactly the values drawn (RFC 4180, deterministic).
pub fn values_csv(data: &FigureData) -> String {
    let mut w = csv::WriterBuilder::new().terminator(csv::Terminator::Any(b'\n')).from_writer(Vec::new());
    let _ = w.write_record(["series", "category", "value", "qualifier", "status", "provenance"]);
    for p in &data.points {
        let v = p.value.map(|v| numfmt::number(v, 6)).unwrap_or_default();
        let _ = w.write_record([
            p.series.as_str(),
            &p.category,
            &v,
            p.qualifier.as_deref().unwrap_or(""),
            p.status.as_str(),
            &p.provenance.sentence(),
        ]);
    }
    String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
}

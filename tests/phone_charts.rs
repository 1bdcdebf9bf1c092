//! The narrow (phone) drawing of every real chart, read back from its SVG as a browser would
//! lay it out: every text at least 12 CSS px when the SVG is shown 390 px wide, no two text
//! boxes overlapping, none cut by the viewBox (boxes measured with the bundled font's
//! advance widths over the CJK em box); every mark of both drawings names a mark with a
//! value; ids unique across a page that inlines both drawings of every chart; the 数据表
//! shows exactly the marks' values. `PHONE_CHARTS_DIR=dir` also writes each narrow drawing
//! as PNG there, to look at.

mod common;

use ab_glyph::{Font, FontRef};
use blockchain_report::build::{FONT, Project};
use blockchain_report::charts::{self, Chart, ChartFont, narrow};

/// Every chart of the real edition, drawn.
fn real_charts() -> (Vec<Chart>, ChartFont) {
    let project = Project::open(&common::repo().join("report.yaml")).unwrap();
    let (catalog, facts) = project.load().unwrap();
    let font = ChartFont::load(&project.assets_dir().join(FONT)).unwrap();
    let inputs: Vec<_> = catalog.figures.iter().filter_map(|(_, m)| facts.figure(&m.id).map(|d| (m, d))).collect();
    (charts::draw_all(&inputs, &font).unwrap(), font)
}

/// A `<text>` of the narrow SVG: its box (left, top, right, bottom), size and content.
#[derive(Debug)]
struct TextBox {
    b: (f32, f32, f32, f32),
    size: f32,
    text: String,
}

fn attr<'a>(tag: &'a str, name: &str) -> Option<&'a str> {
    tag.split(&format!(" {name}=\"")).nth(1)?.split('"').next()
}

fn unescape(s: &str) -> String {
    s.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
}

fn texts(svg: &str, font: &FontRef) -> Vec<TextBox> {
    let scale = |size: f32| size / font.units_per_em().unwrap();
    svg.split("<text")
        .skip(1)
        .map(|t| {
            let (tag, rest) = t.split_once('>').unwrap();
            let text = unescape(rest.split("</text>").next().unwrap());
            let num = |n: &str| attr(tag, n).unwrap_or_else(|| panic!("{n} in {tag}")).parse::<f32>().unwrap();
            let (x, y, size) = (num("x"), num("y"), num("font-size"));
            let w: f32 = text.chars().map(|c| font.h_advance_unscaled(font.glyph_id(c)) * scale(size)).sum();
            let x0 = match attr(tag, "text-anchor") {
                Some("middle") => x - w / 2.0,
                Some("end") => x - w,
                _ => x,
            };
            TextBox { b: (x0, y - 0.88 * size, x0 + w, y + 0.12 * size), size, text }
        })
        .collect()
}

fn view_box(svg: &str) -> (f32, f32) {
    let v: Vec<f32> = attr(svg.lines().next().unwrap(), "viewBox").unwrap().split(' ').map(|n| n.parse().unwrap()).collect();
    (v[2], v[3])
}

/// `data-mark` indexes in an SVG, in order.
fn mark_refs(svg: &str) -> Vec<usize> {
    svg.split(" data-mark=\"").skip(1).map(|r| r.split('"').next().unwrap().parse().unwrap()).collect()
}

#[test]
fn every_narrow_chart_is_readable_at_390_px_without_overlaps_or_clipping() {
    let (charts, _) = real_charts();
    assert_eq!(charts.len(), 39);
    let bytes = std::fs::read(common::repo().join("assets").join(FONT)).unwrap();
    let font = FontRef::try_from_slice(&bytes).unwrap();
    let mut problems = Vec::new();
    for chart in &charts {
        let svg = &chart.narrow_svg;
        let (w, h) = view_box(svg);
        assert_eq!(w, narrow::WIDTH as f32, "{}", chart.id);
        let boxes = texts(svg, &font);
        for t in &boxes {
            let css = t.size * 390.0 / w;
            if css < 12.0 {
                problems.push(format!("{}: {:?} at {css:.1} CSS px", chart.id, t.text));
            }
            let (l, top, r, bottom) = t.b;
            if l < 0.0 || top < 0.0 || r > w || bottom > h {
                problems.push(format!("{}: {:?} clipped: {:?} in {w}×{h}", chart.id, t.text, t.b));
            }
        }
        for (i, a) in boxes.iter().enumerate() {
            for b in &boxes[i + 1..] {
                let (a1, b1) = (a.b, b.b);
                // Half a unit of slack: boxes that touch do not overlap.
                if a1.0 < b1.2 - 0.5 && b1.0 < a1.2 - 0.5 && a1.1 < b1.3 - 0.5 && b1.1 < a1.3 - 0.5 {
                    problems.push(format!("{}: {:?} {:?} overlaps {:?} {:?}", chart.id, a.text, a.b, b.text, b.b));
                }
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn every_mark_of_both_drawings_carries_its_data_and_ids_are_unique_on_the_page() {
    let (charts, _) = real_charts();
    let mut ids = std::collections::BTreeSet::new();
    for chart in &charts {
        for (name, svg) in [("desktop", chart.body_svg()), ("narrow", chart.narrow_svg.clone())] {
            let refs = mark_refs(&svg);
            for n in &refs {
                let mark = chart.marks.get(*n).unwrap_or_else(|| panic!("{} {name}: data-mark {n} has no mark", chart.id));
                assert!(!mark.value.is_empty() && !mark.label.is_empty(), "{} {name}: mark {n} {mark:?}", chart.id);
                assert!(!mark.provenance.is_empty(), "{} {name}: mark {n} has no provenance", chart.id);
            }
            // Every value drawn is a mark (a missing point of a line is a gap, not a mark).
            for (n, mark) in chart.marks.iter().enumerate() {
                if mark.number.is_some() {
                    assert!(refs.contains(&n), "{} {name}: {} ({}) is drawn without its mark", chart.id, mark.label, mark.value);
                }
            }
            for id in svg.split(" id=\"").skip(1).map(|r| r.split('"').next().unwrap().to_string()) {
                assert!(ids.insert(id.clone()), "{} {name}: id {id} twice on the page", chart.id);
            }
        }
        // The 数据表 shows exactly the marks' values.
        for row in &chart.table.rows {
            assert_eq!(row.len(), chart.table.columns.len(), "{}", chart.id);
            for cell in row {
                if let Some(n) = cell.mark {
                    assert!(cell.text.starts_with(&chart.marks[n].value), "{}: {:?} vs {:?}", chart.id, cell, chart.marks[n]);
                }
            }
        }
        let shown: usize = chart.table.rows.iter().flatten().filter(|c| c.mark.is_some()).count();
        assert_eq!(shown, chart.marks.len(), "{}: every point in the 数据表 once", chart.id);
        let json = chart.marks_json();
        assert!(!json.contains('<'), "{}", chart.id);
        let parsed: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(parsed["marks"].as_array().unwrap().len(), chart.marks.len());
    }
}

#[test]
fn narrow_drawings_are_deterministic_and_render() {
    let (first, font) = real_charts();
    let (second, _) = real_charts();
    let out = std::env::var_os("PHONE_CHARTS_DIR").map(std::path::PathBuf::from);
    for (a, b) in first.iter().zip(&second) {
        assert_eq!(a.narrow_svg, b.narrow_svg, "{}", a.id);
        assert_eq!(a.marks_json(), b.marks_json(), "{}", a.id);
        // 390 px wide on a phone of 3 device pixels per CSS pixel.
        let png = font.to_png(&a.narrow_svg, 390.0 * 3.0 / narrow::WIDTH as f32).unwrap();
        if let Some(dir) = &out {
            std::fs::create_dir_all(dir).unwrap();
            std::fs::write(dir.join(format!("{}.png", a.id)), png).unwrap();
            std::fs::write(dir.join(format!("{}.svg", a.id)), &a.narrow_svg).unwrap();
            std::fs::write(dir.join(format!("{}.desktop.svg", a.id)), &a.svg).unwrap();
        }
    }
}

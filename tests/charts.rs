//! Charts: every figure of the real edition renders as SVG and PNG with alt text and the
//! CSV of what is drawn; the structure of a chart is snapshotted; text the font cannot draw
//! is a build error naming the chart and the character.

mod common;
use common::*;

#[test]
fn every_real_figure_renders_svg_png_alt_and_csv() {
    let dir = real();
    let summary = build(dir.path()).unwrap();
    assert_eq!(summary.figures, 39);
    for entry in std::fs::read_dir(dir.path().join("data/figures")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "yaml") {
            continue;
        }
        let id = path.file_stem().unwrap().to_str().unwrap();
        let svg = read(dir.path(), &format!("output/2023/charts/{id}.svg"));
        assert!(svg.starts_with("<svg") && svg.contains("Noto Sans CJK SC"), "{id}.svg");
        let png = std::fs::read(dir.path().join(format!("output/2023/charts/{id}.png"))).unwrap();
        assert_eq!(&png[1..4], b"PNG", "{id}.png");
        // 2× the SVG's width.
        assert_eq!(u32::from_be_bytes(png[16..20].try_into().unwrap()), 2 * blockchain_report::charts::WIDTH, "{id}.png width");
        // Printed 16 cm (453.5 pt) wide, no text is smaller than 7 pt.
        let smallest =
            svg.split("font-size=\"").skip(1).filter_map(|rest| rest.split('"').next()?.parse::<f64>().ok()).fold(f64::MAX, f64::min);
        let points = smallest * 453.5 / blockchain_report::charts::WIDTH as f64;
        assert!(points >= 7.0, "{id}: text of {smallest} px prints at {points:.1} pt");
        let csv = read(dir.path(), &format!("output/2023/data/figures/{id}.csv"));
        assert!(csv.starts_with("series,category,value,qualifier,status,provenance\n"), "{id}.csv");
    }
}

/// 图 2-1 counts funds on its second axis: whole ticks only (it once showed 2.5 and 7.5),
/// and the count 8 is not printed over the amount 396 of the same year.
#[test]
fn count_axis_has_whole_ticks_and_labels_do_not_collide() {
    let dir = real();
    build(dir.path()).unwrap();
    let svg = read(dir.path(), "output/2023/charts/industry-funds-by-year.svg");
    let texts = svg_texts(&svg);
    for tick in ["0", "2", "4", "6", "8", "10"] {
        assert!(texts.lines().any(|l| l == tick), "tick {tick}: {texts}");
    }
    assert!(!texts.lines().any(|l| l == "2.5" || l == "7.5"), "{texts}");
    // (x, y, fill) of the text that reads `label` in `fill`'s colour family: the count's
    // label is drawn in the line's colour, the axis ticks in grey.
    let position = |label: &str, fill: &str| -> (f64, f64) {
        svg.split("<text")
            .skip(1)
            .find_map(|t| {
                let (tag, rest) = t.split_once('>')?;
                let content = rest.split("</text>").next()?.trim();
                let attr = |name: &str| tag.split(&format!("{name}=\"")).nth(1)?.split('"').next().map(str::to_string);
                if content != label || attr("fill")? != fill {
                    return None;
                }
                Some((attr("x")?.parse::<f64>().ok()?, attr("y")?.parse::<f64>().ok()?))
            })
            .unwrap_or_else(|| panic!("no {label} in {fill}"))
    };
    let (amount, count) = (position("396", "#222222"), position("8", "#E07B24"));
    assert!((amount.1 - count.1).abs() >= 14.0 || (amount.0 - count.0).abs() >= 24.0, "396 at {amount:?}, 8 at {count:?}");
}

/// The texts of an SVG in drawing order: what a reader sees, without coordinates.
fn svg_texts(svg: &str) -> String {
    svg.split("<text")
        .skip(1)
        .filter_map(|t| t.split_once('>').map(|(_, rest)| rest.split("</text>").next().unwrap_or("").trim().to_string()))
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn chart_structure_snapshot() {
    let dir = mini();
    build(dir.path()).unwrap();
    let scale = read(dir.path(), "output/2023/charts/scale.svg");
    let shares = read(dir.path(), "output/2023/charts/shares.svg");
    let summary = format!(
        "scale.svg: {} rects\n{}\n\nshares.svg: {} polygons\n{}\n",
        scale.matches("<rect").count(),
        svg_texts(&scale),
        shares.matches("<polygon").count(),
        svg_texts(&shares)
    );
    assert_snapshot("mini-charts.txt", &summary);
}

#[test]
fn missing_glyph_is_an_error_naming_the_chart_and_the_character() {
    let dir = mini();
    // U+2A6A5 (CJK Extension B) is outside GB 2312 and not in the bundled subset.
    edit(dir.path(), "data/figures/scale.yaml", "caption: 2020 年", "caption: 𪚥 2020 年");
    let err = build_error(dir.path());
    assert!(err.contains("chart scale (图 1-1)"), "{err}");
    assert!(err.contains("'𪚥' (U+2A6A5) is not in the chart font"), "{err}");
}

#[test]
fn a_missing_value_is_a_gap_never_a_zero() {
    let dir = mini();
    build(dir.path()).unwrap();
    let svg = read(dir.path(), "output/2023/charts/scale.svg");
    assert!(svg_texts(&svg).lines().any(|l| l == "未披露"), "the missing 2020 value is marked");
    let csv = read(dir.path(), "output/2023/data/figures/scale.csv");
    assert!(csv.contains(",2020,,,missing,"), "{csv}");
}

/// The print edition and the web page set each figure's caption and source line under it,
/// so they embed every chart cut to its body: the title above the cut, the source line
/// below it, and every other text inside. (The standalone SVG and PNG keep both.)
#[test]
fn the_printed_chart_is_cut_between_its_title_and_its_source_line() {
    let dir = real();
    let project = blockchain_report::build::Project::open(&dir.path().join("report.yaml")).unwrap();
    let session = blockchain_report::build::Session::open(project).unwrap();
    for chart in session.charts() {
        let meta = &session.catalog.figures.iter().find(|(_, m)| m.id == chart.id).unwrap().1;
        let (top, bottom) = chart.body;
        let body = chart.body_svg();
        assert!(
            body.starts_with(&format!("<svg width=\"720\" height=\"{}\" viewBox=\"0 {top} 720 {}\"", bottom - top, bottom - top)),
            "{}",
            chart.id
        );
        for piece in chart.svg.split("<text").skip(1) {
            let y: f64 = piece.split("y=\"").nth(1).and_then(|r| r.split('"').next()).unwrap().parse().unwrap();
            let said = piece.split_once('>').unwrap().1.split("</text>").next().unwrap().trim();
            // The title: the caption's lines at the top (never a bare number like a tick's
            // "2023"); the source line names the source.
            let is_title = y < 70.0 && meta.caption.contains(said) && !said.chars().all(|c| c.is_ascii_digit());
            let is_source = said.starts_with(&format!("{}：", meta.source_label));
            let inside = y > top as f64 && y < bottom as f64;
            assert_eq!(inside, !(is_title || is_source), "{}: {said:?} at y = {y}, body {top}–{bottom}", chart.id);
        }
    }
    build(dir.path()).unwrap();
    let html = read(dir.path(), "output/2023/report.html");
    for chart in session.charts() {
        let (top, bottom) = chart.body;
        assert!(html.contains(&format!("viewBox=\"0 {top} 720 {}\"", bottom - top)), "{} is inlined cut", chart.id);
    }
}

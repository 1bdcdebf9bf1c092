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
        let svg = read(dir.path(), &format!("output/charts/{id}.svg"));
        assert!(svg.starts_with("<svg") && svg.contains("Noto Sans CJK SC"), "{id}.svg");
        let png = std::fs::read(dir.path().join(format!("output/charts/{id}.png"))).unwrap();
        assert_eq!(&png[1..4], b"PNG", "{id}.png");
        // 2× the SVG's 960 × 560.
        assert_eq!(u32::from_be_bytes(png[16..20].try_into().unwrap()), 1920, "{id}.png width");
        let csv = read(dir.path(), &format!("output/data/figures/{id}.csv"));
        assert!(csv.starts_with("series,category,value,qualifier,status,provenance\n"), "{id}.csv");
    }
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
    let scale = read(dir.path(), "output/charts/scale.svg");
    let shares = read(dir.path(), "output/charts/shares.svg");
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
    let svg = read(dir.path(), "output/charts/scale.svg");
    assert!(svg_texts(&svg).lines().any(|l| l == "未披露"), "the missing 2020 value is marked");
    let csv = read(dir.path(), "output/data/figures/scale.csv");
    assert!(csv.contains(",2020,,,missing,"), "{csv}");
}

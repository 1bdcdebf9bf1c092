//! The web page's text without a browser (tests/browser.rs checks it in Chromium): each
//! paragraph is its sentence, the popovers come after the text and are found by id, and
//! the standalone page needs nothing beside it.

mod common;
use common::*;

#[test]
fn paragraphs_hold_no_provenance_and_the_popovers_are_found_by_id() {
    // The committed real report (tests/build_output.rs checks it is what a build writes).
    let html = read(&repo(), "output/2023/report.html");
    let (text, popovers) = html.split_once("<div class=\"popovers\">").expect("the popovers come after the text");
    assert!(!text.contains("class=\"prov"), "no popover inside the text");
    let mut described = 0;
    for piece in text.split("aria-describedby=\"").skip(1) {
        let id = &piece[..piece.find('"').unwrap()];
        if !id.starts_with("prov-") {
            continue;
        }
        let popover = format!("<div class=\"prov\" id=\"{id}\" role=\"tooltip\" hidden>");
        assert!(popovers.contains(&popover), "{id} is a hidden popover after the text");
        described += 1;
    }
    assert!(described > 200, "the report's numbers have popovers: {described}");
    for kind in ["派生值", "报告原文", "录入值"] {
        assert!(!popovers.contains(&format!("{kind}</span>{kind}")), "the kind is said once");
    }
    assert!(popovers.contains("<a href=\"data/tables/"), "a number's data links to its CSV in output/");
}

#[test]
fn the_standalone_page_inlines_its_stylesheet_and_font_and_links_nothing_beside_it() {
    let dir = mini();
    build(dir.path()).unwrap();
    let page = read(dir.path(), "output/2023/report-standalone.html");
    assert!(!page.contains("<link rel=\"stylesheet\""), "the stylesheet is inline");
    assert!(page.contains("url(data:font/otf;base64,"), "the font is inline");
    for beside in ["href=\"data/", "href=\"charts/", "src=\"charts/", "url(\"fonts/"] {
        assert!(!page.contains(beside), "nothing points beside the file: {beside}");
    }
    assert!(page.contains("<summary>数据表</summary>"), "the 数据表 of each chart stays");
    assert!(page.len() <= 3 * 1024 * 1024);
}

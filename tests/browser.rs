//! The web edition as a reader gets it: the real report, built into a scratch directory,
//! opened from disk in headless Chromium (Debian's `chromium`; `.ci/run` installs it), at a
//! desktop and a phone width. Chromium is driven over the DevTools protocol through a pipe
//! (`--remote-debugging-pipe`): a few JSON messages, no client crate to compile.
//!
//! `BROWSER_SCREENSHOTS=DIR cargo test --test browser` also writes what the test saw as PNGs.

mod common;
use common::*;

use std::path::{Path, PathBuf};

use serde_json::{Value, json};

#[path = "common/cdp.rs"]
mod cdp;

fn file_url(path: &Path) -> String {
    format!("file://{}", path.display())
}

/// Checks every link of the page: a fragment names an element of the page; any other link
/// is relative and names a file under output/.
fn check_links(out: &Path, links: &Value, ids: &Value) -> usize {
    let ids: Vec<&str> = ids.as_array().unwrap().iter().filter_map(Value::as_str).collect();
    let mut files = 0;
    for href in links.as_array().unwrap().iter().filter_map(Value::as_str) {
        if let Some(id) = href.strip_prefix('#') {
            assert!(ids.contains(&id), "link {href} names no element of the page");
            continue;
        }
        assert!(!href.contains(':') && !href.starts_with('/'), "link {href} is not relative to output/");
        let file: PathBuf = out.join(href.split(['#', '?']).next().unwrap());
        assert!(file.is_file(), "link {href} names no file in output/");
        files += 1;
    }
    files
}

/// Focuses a number in the prose: its provenance shows, inside the window, and is the
/// number's description for screen readers.
fn check_number_popover(browser: &mut cdp::Browser, name: &str) {
    let popover = browser.eval(
        r#"new Promise(done => {
        const num = document.querySelector("main .num-derived") || document.querySelector("main .num");
        num.scrollIntoView({ block: "center" });
        num.focus();
        requestAnimationFrame(() => {
          const tip = document.getElementById(num.getAttribute("aria-describedby")), r = tip.getBoundingClientRect();
          done({ display: getComputedStyle(tip).display, left: r.left, right: r.right, top: r.top, bottom: r.bottom,
                 width: document.documentElement.clientWidth, height: innerHeight,
                 described: tip.classList.contains("prov") && !tip.closest("p") });
        });
      })"#,
    );
    browser.screenshot(&format!("{name}-number-focused"));
    assert_eq!(popover["display"], "block", "{name}: focus shows the provenance: {popover}");
    assert_eq!(popover["described"], true, "{name}: screen readers get it as the number's description");
    let f = |k: &str| popover[k].as_f64().unwrap();
    let inside = f("left") >= 0.0 && f("right") <= f("width") && f("top") >= 0.0 && f("bottom") <= f("height");
    assert!(inside, "{name}: the popover is inside the window: {popover}");
    browser.eval("document.activeElement.blur(); true");
}

/// Follows a permalink and takes a screenshot there.
fn show(browser: &mut cdp::Browser, id: &str, name: &str) {
    browser.eval(&format!(
        "new Promise(done => {{ location.hash = '#{id}'; requestAnimationFrame(() => requestAnimationFrame(() => done(true))); }})"
    ));
    browser.screenshot(name);
}

/// At the phone's width, every chart shows its narrow drawing: text at least 12 CSS px, no
/// two labels overlapping; a tap on a mark shows its value, and the 数据表 toggle shows the
/// values drawn.
fn check_phone_charts(browser: &mut cdp::Browser, figures: usize) {
    let charts = browser.eval(
        r#"(async () => {
        const frame = () => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));
        const out = [];
        for (const chart of document.querySelectorAll("main figure .chart")) {
          const id = chart.closest("figure").id, svg = chart.querySelector(".chart-narrow svg");
          chart.scrollIntoView({ block: "center" });
          await frame();
          const boxes = [...svg.querySelectorAll("text")].map(t => t.getBoundingClientRect()).filter(r => r.width > 0);
          const sizes = [...svg.querySelectorAll("text")].map(t => t.getBoundingClientRect().height);
          let overlaps = 0;
          for (let i = 0; i < boxes.length; i++) for (let j = i + 1; j < boxes.length; j++) {
            const a = boxes[i], b = boxes[j];
            if (a.left < b.right - 1 && b.left < a.right - 1 && a.top < b.bottom - 1 && b.top < a.bottom - 1) overlaps++;
          }
          const wide = chart.querySelector(".chart-wide").getBoundingClientRect().height;
          const marks = JSON.parse(document.getElementById(chart.dataset.marks).textContent).marks;
          const g = svg.querySelector("[data-mark]");
          let tapped = null;
          if (g) {
            const r = g.getBoundingClientRect();
            const at = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
            (at && at.closest("[data-mark]") ? at : g).dispatchEvent(new MouseEvent("click", { bubbles: true, clientX: r.left + 1, clientY: r.top + 1 }));
            await frame();
            const tip = document.getElementById("mark-tip"), n = +(at && at.closest("[data-mark]") || g).getAttribute("data-mark");
            tapped = { hidden: tip.hidden, text: tip.textContent, value: marks[n].value, inside: tip.getBoundingClientRect().right <= innerWidth + 0.5 };
            document.body.click();
          }
          const details = chart.closest("figure").querySelector("details.chart-table");
          details.querySelector("summary").click();
          await frame();
          const cells = [...details.querySelectorAll("td, th[scope=row]")].map(c => c.innerText);
          const visible = details.querySelector("table").getBoundingClientRect().height > 0;
          details.open = false;
          out.push({ id, smallest: Math.min(...sizes.filter(h => h > 0)), overlaps, wide, marks: marks.length, tapped,
                     table: visible, values: marks.filter(m => cells.some(c => c.startsWith(m.value))).length });
        }
        return out;
      })()"#,
    );
    let charts = charts.as_array().unwrap();
    assert_eq!(charts.len(), figures, "every figure has a chart");
    for c in charts {
        let id = c["id"].as_str().unwrap();
        assert_eq!(c["wide"], 0.0, "{id}: the desktop drawing is hidden on a phone");
        // A text box is the em box: 12 CSS px of font-size give a box of about 12 px.
        assert!(c["smallest"].as_f64().unwrap() >= 12.0, "{id}: text at least 12 CSS px at 390 px: {c}");
        assert_eq!(c["overlaps"], 0, "{id}: no two labels overlap: {c}");
        let marks = c["marks"].as_u64().unwrap();
        if marks > 0 {
            let t = &c["tapped"];
            assert_eq!(t["hidden"], false, "{id}: a tap on a mark shows its popover: {c}");
            assert!(t["text"].as_str().unwrap().contains(t["value"].as_str().unwrap()), "{id}: the popover gives the value: {c}");
            assert_eq!(t["inside"], true, "{id}: the popover is inside the screen: {c}");
            assert_eq!(c["values"].as_u64(), Some(marks), "{id}: the 数据表 shows every value drawn: {c}");
        }
        assert_eq!(c["table"], true, "{id}: the 数据表 toggle opens a table: {c}");
    }
}

/// Chromium, or `None` (with the line saying how to install it) outside CI.
fn chromium() -> Option<PathBuf> {
    outside_program(&["chromium", "chromium-browser", "google-chrome"], "CHROMIUM", "apt-get install -y chromium")
}

#[test]
fn the_web_edition_in_chromium() {
    let Some(chromium) = chromium() else { return };
    let dir = real();
    let summary = build(dir.path()).unwrap();
    let out = dir.path().join("output/2023");
    let url = file_url(&out.join("report.html"));
    let mut browser = cdp::Browser::launch(&chromium);

    // Desktop.
    browser.open(&url, 1280, 800, false);
    browser.screenshot("desktop-top");
    let page = browser.eval(
        r#"(() => {
        const text = e => e ? e.textContent.replace(/\s+/g, " ").trim() : "";
        return {
          figures: [...document.querySelectorAll("main figure")].map(f => ({
            id: f.id,
            caption: text(f.querySelector("figcaption .caption")),
            chart: f.querySelector(":scope > .chart[role=img][aria-label] svg") ? f.querySelector(".chart").getAttribute("aria-label") : "",
            links: [...f.querySelectorAll(".downloads a")].map(a => a.getAttribute("href")),
          })),
          tables: [...document.querySelectorAll("main div.table table")].map(t => ({
            id: t.closest("[id^=tab-]") ? t.closest("[id^=tab-]").id : "",
            caption: text(t.querySelector(":scope > caption")),
            links: [...t.closest("[id^=tab-]").querySelectorAll(".downloads a")].map(a => a.getAttribute("href")),
          })),
          links: [...document.querySelectorAll("a[href]")].map(a => a.getAttribute("href")),
          ids: [...document.querySelectorAll("[id]")].map(e => e.id),
          headings: [...document.querySelectorAll("main h2, main h3")].map(h => ({ id: h.id, self: h.querySelector("a.self-link") ? h.querySelector("a.self-link").getAttribute("href") : "" })),
          resources: performance.getEntriesByType("resource").map(r => r.name),
          fonts: [...document.fonts].map(f => `${f.family} ${f.status}`),
          numbers: [...document.querySelectorAll("main .num")].map(n => ({ kind: n.className, tab: n.tabIndex, prov: text(document.getElementById(n.getAttribute("aria-describedby"))) })),
        };
      })()"#,
    );
    let figures = page["figures"].as_array().unwrap();
    assert_eq!(figures.len(), summary.figures, "every chart is a <figure>");
    for f in figures {
        let id = f["id"].as_str().unwrap();
        let chart_id = id.strip_prefix("fig-").unwrap_or_else(|| panic!("figure id {id}"));
        let caption = f["caption"].as_str().unwrap();
        assert!(caption.starts_with("图 "), "{id}: the figcaption gives the figure's number: {caption:?}");
        assert!(!f["chart"].as_str().unwrap().is_empty(), "{id}: the chart is an SVG with its alt text");
        let expected = [format!("data/figures/{chart_id}.csv"), format!("charts/{chart_id}.svg"), format!("charts/{chart_id}.png")];
        assert_eq!(f["links"], json!(expected), "{id}: data, SVG and PNG one click away");
    }
    let tables = page["tables"].as_array().unwrap();
    assert_eq!(tables.len(), summary.tables, "every table is placed with a caption");
    for t in tables {
        let id = t["id"].as_str().unwrap();
        let caption = t["caption"].as_str().unwrap();
        assert!(caption.starts_with("表 ") || caption.starts_with("附表 "), "{id}: <caption> gives the number: {caption:?}");
        assert_eq!(t["links"], json!([format!("data/tables/{}.csv", id.strip_prefix("tab-").unwrap())]), "{id}");
    }
    let files = check_links(&out, &page["links"], &page["ids"]);
    assert!(files >= 3 * summary.figures + summary.tables, "{files} links to files");
    for h in page["headings"].as_array().unwrap() {
        assert!(!h["id"].as_str().unwrap().is_empty(), "every heading has an id: {h}");
        assert_eq!(h["self"], json!(format!("#{}", h["id"].as_str().unwrap())), "every heading is its permalink");
    }
    let base = file_url(&out);
    for resource in page["resources"].as_array().unwrap().iter().filter_map(Value::as_str) {
        assert!(resource.starts_with(&base), "the page loads only files of its folder, not {resource}");
    }
    assert_eq!(page["fonts"], json!(["Noto Sans CJK SC loaded"]), "the page's font loads from disk: {}", browser.errors().join("\n"));
    let css = std::fs::read_to_string(out.join("assets/style.css")).unwrap();
    assert!(css.contains("src: url(\"fonts/NotoSansSC-subset.woff2\") format(\"woff2\");"), "the font is served as WOFF2 only");
    let numbers = page["numbers"].as_array().unwrap();
    assert!(numbers.len() > 100, "the prose numbers carry their provenance: {}", numbers.len());
    for n in numbers {
        assert_eq!(n["tab"], 0, "a number is reachable by keyboard: {n}");
        assert!(n["prov"].as_str().unwrap().len() > 10, "a number's provenance is in the page: {n}");
    }

    // Mid-page: the contents panel stays in view and marks the section being read.
    let panel = browser.eval(
        r#"new Promise(done => {
        window.scrollTo(0, document.documentElement.scrollHeight / 2);
        requestAnimationFrame(() => requestAnimationFrame(() => {
          const nav = document.querySelector("nav.toc"), r = nav.getBoundingClientRect();
          const current = nav.querySelector("a[aria-current]"), c = current ? current.getBoundingClientRect() : null;
          const heads = [...document.querySelectorAll("main h2[id], main h3[id]")].filter(h => h.getBoundingClientRect().top < 40);
          done({ top: r.top, bottom: r.bottom, width: r.width, height: innerHeight, open: nav.querySelector("details").open,
                 current: current ? current.getAttribute("href") : null, reading: heads.length ? '#' + heads[heads.length - 1].id : null,
                 currentTop: c && c.top, currentBottom: c && c.bottom });
        }));
      })"#,
    );
    browser.screenshot("desktop-middle");
    assert!(panel["open"] == true && panel["width"].as_f64().unwrap() > 150.0, "the contents panel is open beside the text: {panel}");
    assert!(
        panel["top"].as_f64().unwrap() >= 0.0 && panel["bottom"].as_f64().unwrap() <= panel["height"].as_f64().unwrap() + 0.5,
        "{panel}"
    );
    assert!(panel["current"].is_string() && panel["current"] == panel["reading"], "the panel marks the section being read: {panel}");
    let (top, bottom) = (panel["currentTop"].as_f64().unwrap(), panel["currentBottom"].as_f64().unwrap());
    assert!(top >= 0.0 && bottom <= panel["height"].as_f64().unwrap(), "the marked entry is scrolled into view: {panel}");

    // A number's provenance shows on keyboard focus (a tap focuses it too), inside the window.
    check_number_popover(&mut browser, "desktop");
    // A chart is one tab stop; focus shows its first mark, the arrow keys move between marks.
    let keys = browser.eval(
        r##"new Promise(done => {
        const chart = document.querySelector("#fig-industry-scale .chart"), tip = document.getElementById("mark-tip");
        const marks = JSON.parse(document.getElementById(chart.dataset.marks).textContent).marks;
        chart.scrollIntoView({ block: "center" });
        chart.focus();
        const first = tip.hidden ? null : tip.textContent;
        chart.dispatchEvent(new KeyboardEvent("keydown", { key: "ArrowRight", bubbles: true }));
        const second = tip.hidden ? null : tip.textContent;
        requestAnimationFrame(() => done({ first, second, marks: marks.map(m => m.label + "：" + m.value),
          stops: chart.querySelectorAll("[tabindex]").length, tab: chart.tabIndex }));
      })"##,
    );
    browser.screenshot("desktop-mark-focused");
    browser.eval("document.activeElement.blur(); true");
    let label = |i: usize| keys["marks"][i].as_str().unwrap().to_string();
    assert!(keys["first"].as_str().is_some_and(|t| t.contains(&label(0))), "focus shows the first mark: {keys}");
    assert!(keys["second"].as_str().is_some_and(|t| t.contains(&label(1))), "ArrowRight shows the next: {keys}");
    assert_eq!((keys["tab"].as_i64(), keys["stops"].as_u64()), (Some(0), Some(0)), "the chart is one tab stop: {keys}");
    show(&mut browser, "fig-industry-scale", "desktop-figure");
    show(&mut browser, "tab-industry-funds", "desktop-table");

    // Accessibility: no serious or critical axe-core violation. (No preload: axe would fetch
    // the stylesheet by XMLHttpRequest, which a file:// page may not.)
    let axe = std::fs::read_to_string(repo().join("tests/fixtures/axe/axe.min.js")).unwrap();
    browser.eval(&format!("{axe};true"));
    let axe = browser.eval(
        r#"axe.run(document, { resultTypes: ["violations"], preload: false }).then(r => ({ passed: r.passes.length,
          all: r.violations.map(v => `${v.impact} ${v.id} (${v.nodes.length})`),
          violations: r.violations.filter(v => v.impact === "serious" || v.impact === "critical")
          .map(v => `${v.impact} ${v.id}: ${v.help} (${v.nodes.length} elements, e.g. ${v.nodes.slice(0, 3).map(n => n.target.join(" ")).join(", ")})`) }))"#,
    );
    assert!(axe["passed"].as_u64().unwrap() > 20, "axe-core ran its rules: {axe}");
    eprintln!("axe-core: {} rules passed; violations of any impact: {}", axe["passed"], axe["all"]);
    assert_eq!(axe["violations"], json!([]), "axe-core finds serious or critical violations");

    // Phone.
    browser.open(&url, 390, 844, true);
    browser.screenshot("phone-top");
    let phone = browser.eval(
        r#"new Promise(done => {
        window.scrollTo(0, document.documentElement.scrollHeight / 3);
        requestAnimationFrame(() => requestAnimationFrame(() => {
          const nav = document.querySelector("nav.toc"), r = nav.getBoundingClientRect();
          const wider = [...document.querySelectorAll("main *")].filter(e => e.getBoundingClientRect().right > innerWidth + 0.5 && !e.closest(".table-scroll") && !e.closest(".prov"));
          done({ scrollWidth: document.documentElement.scrollWidth, width: innerWidth, open: nav.querySelector("details").open,
                 navTop: r.top, navHeight: r.height, wider: wider.slice(0, 5).map(e => e.tagName + "." + e.className),
                 charts: [...document.querySelectorAll("main figure svg")].every(s => s.getBoundingClientRect().width <= innerWidth) });
        }));
      })"#,
    );
    browser.screenshot("phone-middle");
    assert!(phone["scrollWidth"].as_f64() <= phone["width"].as_f64(), "no sideways scrolling at 390 px: {phone}");
    assert_eq!(phone["wider"], json!([]), "nothing but a table box is wider than the phone: {phone}");
    assert_eq!(phone["charts"], true, "charts scale to the width");
    assert_eq!(phone["open"], false, "on a phone the contents are a closed menu: {phone}");
    assert!(phone["navTop"].as_f64() == Some(0.0) && phone["navHeight"].as_f64().unwrap() < 80.0, "the menu bar stays at the top: {phone}");
    let menu = browser.eval(
        r#"new Promise(done => {
        const details = document.querySelector("nav.toc details");
        details.querySelector("summary").click();
        requestAnimationFrame(() => {
          const list = details.querySelector("ol").getBoundingClientRect();
          done({ open: details.open, listBottom: list.bottom, height: innerHeight, scrollWidth: document.documentElement.scrollWidth });
        });
      })"#,
    );
    browser.screenshot("phone-menu");
    assert_eq!(menu["open"], true, "the menu opens: {menu}");
    assert!(menu["listBottom"].as_f64().unwrap() <= menu["height"].as_f64().unwrap(), "the open menu fits the screen: {menu}");
    browser.eval(r#"document.querySelector("nav.toc a[href='#sec-4']").click(); true"#);
    let closed = browser.eval(
        r#"new Promise(done => requestAnimationFrame(() => requestAnimationFrame(() => done({ open: document.querySelector("nav.toc details").open,
           top: document.getElementById("sec-4").getBoundingClientRect().top, bar: document.querySelector("nav.toc").getBoundingClientRect().bottom,
           here: document.querySelector("nav.toc .toc-here").textContent, heading: document.getElementById("sec-4").textContent }))))"#,
    );
    browser.screenshot("phone-after-menu-link");
    assert_eq!(closed["open"], false, "following a link closes the menu: {closed}");
    assert!(closed["top"].as_f64().unwrap() >= closed["bar"].as_f64().unwrap(), "the section starts below the menu bar: {closed}");
    assert_eq!(closed["here"], closed["heading"], "the menu bar names the section being read: {closed}");
    check_number_popover(&mut browser, "phone");
    show(&mut browser, "fig-industry-scale", "phone-figure");

    check_phone_charts(&mut browser, summary.figures);
    browser.eval(
        r##"new Promise(done => { const g = document.querySelector("#fig-industry-scale .chart-narrow [data-mark='2']");
          g.scrollIntoView({ block: "center" }); g.dispatchEvent(new MouseEvent("click", { bubbles: true }));
          requestAnimationFrame(() => requestAnimationFrame(() => done(true))); })"##,
    );
    browser.screenshot("phone-mark-tapped");
    browser.eval("document.body.click(); true");

    // With the stylesheet off, each paragraph reads as its sentence: no provenance in it.
    let plain_text = browser.eval(
        r#"(() => { document.querySelectorAll("link[rel=stylesheet], style").forEach(l => l.disabled = true);
          const paragraphs = [...document.querySelectorAll("main p")].map(p => p.innerText);
          const leaks = paragraphs.filter(t => /年版计算|年版数据|报告原文（|录入值|数据：data\//.test(t)).slice(0, 3);
          const shown = [...document.querySelectorAll(".prov")].filter(p => p.getBoundingClientRect().height > 0).length;
          document.querySelectorAll("link[rel=stylesheet], style").forEach(l => l.disabled = false);
          return { paragraphs: paragraphs.length, leaks, shown }; })()"#,
    );
    assert!(plain_text["paragraphs"].as_u64().unwrap() > 300, "{plain_text}");
    assert_eq!(plain_text["leaks"], json!([]), "no paragraph's text holds provenance: {plain_text}");
    assert_eq!(plain_text["shown"], 0, "without the stylesheet the popovers stay hidden: {plain_text}");

    // The standalone page, alone in an empty folder: its font and charts, no request failing.
    let alone = tempfile::tempdir().unwrap();
    let page = alone.path().join("report-standalone.html");
    std::fs::copy(out.join("report-standalone.html"), &page).unwrap();
    let size = std::fs::metadata(&page).unwrap().len();
    assert!(size <= 3 * 1024 * 1024, "the standalone page is at most 3 MB: {size} bytes");
    let errors_before = browser.errors().len();
    browser.open(&file_url(&page), 390, 844, true);
    let standalone = browser.eval(
        r#"(() => ({ fonts: [...document.fonts].map(f => `${f.family} ${f.status}`),
          resources: performance.getEntriesByType("resource").map(r => r.name),
          charts: document.querySelectorAll("main figure .chart-narrow svg").length,
          links: [...document.querySelectorAll("a[href]")].map(a => a.getAttribute("href")).filter(h => !h.startsWith('#')),
          }))()"#,
    );
    browser.screenshot("standalone-phone");
    assert_eq!(standalone["fonts"], json!(["Noto Sans CJK SC loaded"]), "the inlined font loads: {standalone}");
    assert_eq!(standalone["resources"], json!([]), "the standalone page requests nothing: {standalone}");
    assert_eq!(standalone["links"], json!([]), "no link points beside it: {standalone}");
    assert_eq!(standalone["charts"].as_u64(), Some(summary.figures as u64), "{standalone}");
    assert_eq!(browser.errors()[errors_before..].to_vec(), Vec::<String>::new(), "no console errors in the standalone page");
    check_phone_charts(&mut browser, summary.figures);

    // Without JavaScript: the contents panel is still there beside the text.
    browser.call("Emulation.setScriptExecutionDisabled", json!({"value": true}));
    browser.open(&url, 1280, 800, false);
    let plain = browser.eval(
        r#"(() => { const a = document.querySelector("nav.toc ol a").getBoundingClientRect();
          return { script: document.documentElement.classList.contains("js"), width: a.width, height: a.height }; })()"#,
    );
    browser.screenshot("desktop-no-script");
    assert_eq!(plain["script"], false, "the page's script did not run: {plain}");
    assert!(
        plain["width"].as_f64().unwrap() > 100.0 && plain["height"].as_f64().unwrap() > 10.0,
        "the contents show without the script: {plain}"
    );

    assert_eq!(browser.errors(), Vec::<String>::new(), "no console errors");
}

/// `serve` with the page open: a save is pushed to the page, which replaces what changed
/// where the reader is (a stylesheet edit reloads it at the same place). The time it takes
/// is the serve benchmark's (`cargo bench -- serve`).
#[test]
fn serve_pushes_each_save_and_the_page_keeps_its_place() {
    use std::io::BufRead;
    let Some(chromium) = chromium() else { return };
    let dir = mini();
    /// Stops the server however the test ends.
    struct Server(std::process::Child);
    impl Drop for Server {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
    let mut server = Server(
        std::process::Command::new(env!("CARGO_BIN_EXE_blockchain-report"))
            .args(["serve", "--port", "0", "--config"])
            .arg(dir.path().join("report.yaml"))
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap(),
    );
    let mut lines = std::io::BufReader::new(server.0.stdout.take().unwrap()).lines();
    let first = lines.next().unwrap().unwrap();
    let url = first.trim_start_matches("serving ").trim_end_matches(" (Ctrl-C to stop)").to_string();
    assert!(lines.next().unwrap().unwrap().starts_with("rebuilt"), "the first build is served");
    std::thread::spawn(move || lines.for_each(drop));

    let mut browser = cdp::Browser::launch(&chromium);
    browser.open(&url, 800, 400, false);
    let place = browser.eval("window.scrollTo(0, Math.min(500, document.documentElement.scrollHeight - innerHeight)); scrollY");
    let place = place.as_f64().unwrap();
    assert!(place > 100.0, "the page scrolls: {place}");
    let shows = |browser: &mut cdp::Browser, text: &str| {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
        let script = format!("!!document.body && document.body.innerText.includes({text:?})");
        // While the page reloads there is no document to ask.
        while browser
            .try_call("Runtime.evaluate", json!({"expression": script, "returnByValue": true}))
            .ok()
            .map(|r| r["result"]["value"].clone())
            != Some(json!(true))
        {
            assert!(std::time::Instant::now() < deadline, "the page never showed {text}");
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        browser.eval("new Promise(r => requestAnimationFrame(() => r(true)))");
    };

    // A wording edit is replaced in place: the same page (its script's state survives), the
    // contents panel shows the new heading, the reader's place is kept.
    browser.eval("window.__same_page = true");
    edit(dir.path(), "editions/2023/templates/chapters/01.md", "### （一）测试", "### （一）推送到页面的标题");
    shows(&mut browser, "推送到页面的标题");
    assert_eq!(browser.eval("window.__same_page === true"), true, "the edit was replaced in place, not reloaded");
    // From the event's list of changed elements: the page was fetched once, when it loaded.
    let fetched = "performance.getEntriesByType('resource').filter(e => e.initiatorType === 'fetch').map(e => new URL(e.name).pathname)";
    assert_eq!(browser.eval(&format!("JSON.stringify({fetched})")), json!(r#"["/"]"#));
    assert_eq!(browser.eval("document.querySelector('#toc-menu').innerText.includes('推送到页面的标题')"), true);
    let now = browser.eval("scrollY").as_f64().unwrap();
    assert!((now - place).abs() <= 2.0, "the reader's place survives the edit: {place} → {now}");
    // The page's script works on what was replaced: the section being read is marked once.
    browser.eval("window.scrollBy(0, 1); new Promise(r => setTimeout(() => r(true), 100))");
    assert!(browser.eval("document.querySelectorAll('#toc-menu [aria-current]').length").as_u64().unwrap() <= 1);

    // A stylesheet edit changes nothing in the page: it reloads, where the reader was.
    let css = dir.path().join("assets/style.css");
    let mut style = std::fs::read_to_string(&css).unwrap();
    style.push_str("\n.legend { letter-spacing: 0.01em; }\n");
    std::fs::write(&css, style).unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    loop {
        let reloaded = browser.try_call(
            "Runtime.evaluate",
            json!({"expression": "document.readyState === 'complete' && window.__same_page === undefined", "returnByValue": true}),
        );
        if reloaded.ok().map(|r| r["result"]["value"].clone()) == Some(json!(true)) {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "the page never reloaded after the stylesheet edit");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    shows(&mut browser, "推送到页面的标题");
    let now = browser.eval("scrollY").as_f64().unwrap();
    assert!((now - place).abs() <= 2.0, "the reader's place survives the reload: {place} → {now}");
    // The server has no favicon; nothing else may fail.
    let errors: Vec<String> = browser.errors().into_iter().filter(|e| !e.contains("/favicon.ico")).collect();
    assert!(errors.is_empty(), "{errors:?}");
}

//! `serve` end to end: a template edit is served after the rebuild and pushed to the open
//! pages, and a broken template shows its error while the last good page stays served. Waits are bounded polls, not
//! timing assertions.

mod common;
use common::*;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};

struct Server(Child);
impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn get(port: u16, path: &str) -> String {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    write!(stream, "GET {path} HTTP/1.1\r\nHost: localhost\r\n\r\n").unwrap();
    let mut body = String::new();
    stream.read_to_string(&mut body).unwrap();
    body.split_once("\r\n\r\n").map(|(_, b)| b.to_string()).unwrap_or_default()
}

/// Polls until `ok` holds, at most 200 times 100 ms apart.
fn wait_for(port: u16, path: &str, ok: impl Fn(&str) -> bool) -> String {
    let mut last = String::new();
    for _ in 0..200 {
        last = get(port, path);
        if ok(&last) {
            return last;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    panic!("{path} never became as expected; last:\n{last}");
}

/// output/ is written just after the pages are told, so a reader of it polls too (at most
/// 200 times 50 ms apart).
fn file_follows(path: &std::path::Path, text: &str) -> bool {
    (0..200).any(|_| {
        std::thread::sleep(std::time::Duration::from_millis(50));
        std::fs::read_to_string(path).is_ok_and(|m| m.contains(text))
    })
}

fn start(dir: &std::path::Path) -> (Server, u16) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_blockchain-report"))
        .args(["serve", "--port", "0", "--config"])
        .arg(dir.join("report.yaml"))
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    let port = line.trim().trim_end_matches(" (Ctrl-C to stop)").trim_end_matches('/').rsplit(':').next().unwrap().parse().unwrap();
    (Server(child), port)
}

#[test]
fn template_edit_is_served_and_a_broken_template_keeps_the_last_good_page() {
    let dir = mini();
    let (_server, port) = start(dir.path());
    let page = wait_for(port, "/report.html", |b| b.contains("测试政策一览表"));
    assert!(page.contains("/__live.js"), "the page reloads itself");

    edit(dir.path(), "editions/2023/templates/chapters/01.md", "### （一）测试", "### （一）改过的标题");
    wait_for(port, "/report.html", |b| b.contains("改过的标题"));
    assert!(file_follows(&dir.path().join("output/2023/report.md"), "改过的标题"), "output/2023/ follows");

    edit(dir.path(), "editions/2023/templates/chapters/01.md", "{{ year }} 年测试规模", "{{ year 年测试规模");
    let status = wait_for(port, "/__status", |b| b.contains("\"error\":\"") && !b.contains("\"error\":null"));
    assert!(status.contains("chapters/01.md:6:"), "the error names the template, line and column: {status}");
    let page = get(port, "/report.html");
    assert!(page.contains("改过的标题"), "the last good page stays served");

    edit(dir.path(), "editions/2023/templates/chapters/01.md", "{{ year 年测试规模", "{{ year }} 年测试规模");
    wait_for(port, "/__status", |b| b.contains("\"error\":null"));
}

#[test]
fn data_edit_redraws_the_chart() {
    let dir = mini();
    let (_server, port) = start(dir.path());
    wait_for(port, "/charts/scale.svg", |b| b.contains("约60"));
    edit(dir.path(), "data/stated/ch1.csv", "scale,2023,60,", "scale,2023,62,");
    wait_for(port, "/charts/scale.svg", |b| b.contains("约62"));
    // The prose number is a focusable span described by its popover: 约 <span …>62亿元</span>
    assert!(get(port, "/report.html").contains("\">62亿元</span>"));
    assert!(file_follows(&dir.path().join("output/2023/report.md"), "约 62亿元"), "output/2023/ follows");
}

/// What serve does on a data edit: re-read the data, redraw only the charts whose inputs
/// changed.
#[test]
fn a_data_edit_redraws_only_the_charts_that_use_it() {
    use blockchain_report::build::{Project, Session};
    let dir = mini();
    let mut session = Session::open(Project::open(&dir.path().join("report.yaml")).unwrap()).unwrap();
    assert_eq!(session.reload_data().unwrap(), Vec::<String>::new(), "nothing changed, nothing redrawn");
    edit(dir.path(), "data/stated/ch1.csv", "scale,2023,60,", "scale,2023,62,");
    assert_eq!(session.reload_data().unwrap(), ["scale"], "the shares chart does not use scale");
    edit(dir.path(), "data/stated/ch1.csv", "share_assets,2023,54.44,", "share_assets,2023,50,");
    assert_eq!(session.reload_data().unwrap(), ["shares"]);
}

/// The PDF is typeset after the HTML, in the background, and follows an edit.
#[test]
fn the_pdf_follows_each_edit_in_the_background() {
    let dir = mini();
    let pdf = dir.path().join("output/2023/report.pdf");
    let (_server, port) = start(dir.path());
    wait_for(port, "/report.html", |b| b.contains("测试政策一览表"));
    let wait_for_pdf = |ok: &dyn Fn(&[u8]) -> bool| {
        for _ in 0..600 {
            if let Ok(bytes) = std::fs::read(&pdf)
                && bytes.starts_with(b"%PDF-")
                && bytes.ends_with(b"%%EOF")
                && ok(&bytes)
            {
                return bytes;
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        panic!("output/2023/report.pdf never became as expected");
    };
    let first = wait_for_pdf(&|_| true);
    edit(dir.path(), "editions/2023/templates/chapters/01.md", "### （一）测试", "### （一）改过的标题");
    wait_for(port, "/report.html", |b| b.contains("改过的标题"));
    wait_for_pdf(&|bytes| bytes != first.as_slice());
}

/// The Word edition is written after edits pause, as the PDF is, and follows an edit.
#[test]
fn the_word_edition_and_the_standalone_page_follow_each_edit_after_edits_pause() {
    let dir = mini();
    let out = dir.path().join("output/2023");
    let (_server, port) = start(dir.path());
    wait_for(port, "/report.html", |b| b.contains("测试政策一览表"));
    let wait_for_file = |name: &str, ok: &dyn Fn(&[u8]) -> bool| {
        for _ in 0..600 {
            if let Ok(bytes) = std::fs::read(out.join(name))
                && ok(&bytes)
            {
                return bytes;
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        panic!("output/2023/{name} never became as expected");
    };
    let first = wait_for_file("report.docx", &|b| b.starts_with(b"PK\x03\x04"));
    let page = |b: &[u8]| String::from_utf8_lossy(b).contains("改过的标题");
    assert!(!page(&wait_for_file("report-standalone.html", &|_| true)));
    edit(dir.path(), "editions/2023/templates/chapters/01.md", "### （一）测试", "### （一）改过的标题");
    wait_for(port, "/report.html", |b| b.contains("改过的标题"));
    wait_for_file("report.docx", &|b| b.starts_with(b"PK\x03\x04") && b != first.as_slice());
    // The standalone page is made with them (it cuts a font: not on the preview's path).
    wait_for_file("report-standalone.html", &page);
    wait_for(port, "/report-standalone.html", |b| b.contains("改过的标题"));
}

/// Reads one server-sent event's data (keep-alive comments skipped).
fn next_event(reader: &mut impl BufRead) -> String {
    let mut line = String::new();
    loop {
        line.clear();
        assert!(reader.read_line(&mut line).unwrap() > 0, "the event stream closed");
        if let Some(data) = line.strip_prefix("data: ") {
            return data.trim().to_string();
        }
    }
}

#[test]
fn each_rebuild_and_each_error_is_pushed_to_the_open_pages() {
    let dir = mini();
    let (_server, port) = start(dir.path());
    wait_for(port, "/__status", |b| b.contains("\"built\":true"));
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream.set_read_timeout(Some(std::time::Duration::from_secs(60))).unwrap();
    write!(stream, "GET /__events HTTP/1.1\r\nHost: localhost\r\n\r\n").unwrap();
    let mut reader = BufReader::new(stream);
    let mut head = String::new();
    loop {
        let mut line = String::new();
        reader.read_line(&mut line).unwrap();
        if line.trim().is_empty() {
            break;
        }
        head.push_str(&line);
    }
    assert!(head.contains("text/event-stream"), "{head}");
    let first: serde_json::Value = serde_json::from_str(&next_event(&mut reader)).unwrap();
    assert_eq!(first["error"], serde_json::Value::Null);

    edit(dir.path(), "editions/2023/templates/chapters/01.md", "### （一）测试", "### （一）推送的标题");
    let pushed: serde_json::Value = serde_json::from_str(&next_event(&mut reader)).unwrap();
    assert!(pushed["version"].as_u64() > first["version"].as_u64(), "{pushed}");
    assert!(get(port, "/report.html").contains("推送的标题"), "the pushed version is the one served");

    edit(dir.path(), "editions/2023/templates/chapters/01.md", "{{ year }} 年测试规模", "{{ year 年测试规模");
    let broken: serde_json::Value = serde_json::from_str(&next_event(&mut reader)).unwrap();
    assert!(broken["error"].as_str().is_some_and(|e| e.contains("chapters/01.md:6:")), "{broken}");
    assert_eq!(broken["version"], pushed["version"], "the last good page stays");
}

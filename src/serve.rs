//! `serve`: live preview for editors. Builds the report, serves it on localhost, watches
//! report.yaml, data/ and templates/, and rebuilds only what an edit affects: a template
//! edit re-renders the templates; a data edit re-reads the data and redraws only the charts
//! whose inputs changed. The page reloads itself after each rebuild; a failed rebuild shows
//! its error (file, line, column, hint) over the last good page, which stays served. The PDF
//! is typeset afterwards on a worker thread, so it never delays the HTML preview; until it
//! is ready the previous report.pdf stays served.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use crate::build::{PrintJob, Project, Session, Targets, WordJob, write_atomically};
use crate::error::Result;

/// What the server hands out: the last good build, and the last error if the latest
/// rebuild failed.
#[derive(Default)]
struct Served {
    files: BTreeMap<String, Vec<u8>>,
    version: u64,
    error: Option<String>,
}

/// How long the watched files must stay unchanged before a rebuild starts (the debounce),
/// and how often they are looked at.
const SETTLE: Duration = Duration::from_millis(30);

const LIVE_JS: &str = r#"(function () {
  var version = null;
  function overlay(text) {
    var o = document.getElementById("__report_error");
    if (!text) { if (o) o.remove(); return; }
    if (!o) {
      o = document.createElement("pre");
      o.id = "__report_error";
      o.style.cssText = "position:fixed;left:1rem;right:1rem;bottom:1rem;max-height:55vh;z-index:9999;overflow:auto;margin:0;padding:1.2rem;background:#1e1e1e;color:#f3f3f3;font:14px/1.5 monospace;white-space:pre;border-left:6px solid #e5484d;box-shadow:0 4px 24px rgba(0,0,0,.4)";
      document.body.appendChild(o);
    }
    o.textContent = (built ? "构建失败（仍显示上一次成功的版本）" : "构建失败（尚无成功的版本）") + "\n\n" + text;
  }
  var built = false;
  function poll() {
    fetch("/__status", {cache: "no-store"}).then(function (r) { return r.json(); }).then(function (s) {
      if (version !== null && s.version !== version) { location.reload(); return; }
      version = s.version;
      built = s.built;
      overlay(s.error);
    }).catch(function () {}).finally(function () { setTimeout(poll, 300); });
  }
  poll();
})();
"#;

fn content_type(path: &str) -> &'static str {
    match path.rsplit('.').next().unwrap_or("") {
        "html" => "text/html; charset=utf-8",
        "md" => "text/markdown; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "js" => "text/javascript; charset=utf-8",
        "json" => "application/json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "otf" => "font/otf",
        "pdf" => "application/pdf",
        "docx" => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "woff2" => "font/woff2",
        "csv" => "text/csv; charset=utf-8",
        _ => "text/plain; charset=utf-8",
    }
}

fn respond(stream: &mut TcpStream, status: &str, kind: &str, body: &[u8]) {
    let head = format!(
        "HTTP/1.1 {status}\r\nContent-Type: {kind}\r\nContent-Length: {}\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n",
        body.len()
    );
    let _ = stream.write_all(head.as_bytes()).and_then(|_| stream.write_all(body));
}

/// A client that sends nothing, or reads nothing, is dropped after this long.
const CLIENT_TIMEOUT: Duration = Duration::from_secs(5);
/// Connections served at once; more are answered 503 at once rather than queued.
const MAX_CLIENTS: usize = 256;
/// The longest request line read; the rest of a request is ignored.
const MAX_REQUEST_LINE: u64 = 8 * 1024;

fn handle(mut stream: TcpStream, served: &Mutex<Served>) {
    let _ = stream.set_read_timeout(Some(CLIENT_TIMEOUT));
    let _ = stream.set_write_timeout(Some(CLIENT_TIMEOUT));
    let mut line = String::new();
    if BufReader::new((&stream).take(MAX_REQUEST_LINE)).read_line(&mut line).is_err() {
        return;
    }
    let path = line.split_whitespace().nth(1).unwrap_or("/").split('?').next().unwrap_or("/");
    let path = if path == "/" { "/report.html" } else { path };
    // The response is copied out under the lock and written after it is released: a client
    // that reads slowly must never hold up a rebuild or another client.
    let (status, kind, body): (&str, &str, Vec<u8>) = {
        let Ok(served) = served.lock() else { return };
        match path {
            "/__status" => {
                let body = serde_json::json!({ "version": served.version, "error": served.error, "built": !served.files.is_empty() });
                ("200 OK", "application/json", body.to_string().into_bytes())
            }
            "/__live.js" => ("200 OK", "text/javascript; charset=utf-8", LIVE_JS.as_bytes().to_vec()),
            // Only names of files in the last build are served: no path reaches the disk.
            _ => match served.files.get(path.trim_start_matches('/')) {
                Some(body) if path.ends_with(".html") => {
                    let html = String::from_utf8_lossy(body).replace("</body>", "<script src=\"/__live.js\"></script>\n</body>");
                    ("200 OK", content_type(path), html.into_bytes())
                }
                Some(body) => ("200 OK", content_type(path), body.clone()),
                None if served.files.is_empty() => {
                    let note = if served.error.is_some() {
                        "尚无成功的构建：修正错误后自动刷新。"
                    } else {
                        "正在构建……"
                    };
                    let body = format!(
                        "<!DOCTYPE html><html lang=\"zh-CN\"><meta charset=utf-8><body><p>{note}</p><script src=\"/__live.js\"></script>"
                    );
                    ("200 OK", "text/html; charset=utf-8", body.into_bytes())
                }
                None => ("404 Not Found", "text/plain; charset=utf-8", b"not found".to_vec()),
            },
        }
    };
    respond(&mut stream, status, kind, &body);
}

/// Accepts connections, one short-lived thread each, at most [`MAX_CLIENTS`] at once.
fn accept(listener: TcpListener, served: Arc<Mutex<Served>>) {
    use std::sync::atomic::{AtomicUsize, Ordering};
    let active = Arc::new(AtomicUsize::new(0));
    for mut stream in listener.incoming().flatten() {
        if active.fetch_add(1, Ordering::SeqCst) >= MAX_CLIENTS {
            active.fetch_sub(1, Ordering::SeqCst);
            let _ = stream.set_write_timeout(Some(CLIENT_TIMEOUT));
            respond(&mut stream, "503 Service Unavailable", "text/plain; charset=utf-8", b"too many connections");
            continue;
        }
        let (served, done) = (served.clone(), active.clone());
        let spawned = std::thread::Builder::new().name("serve-client".into()).spawn(move || {
            handle(stream, &served);
            done.fetch_sub(1, Ordering::SeqCst);
        });
        if spawned.is_err() {
            // The thread (and the connection it owned) is gone; keep serving the others.
            active.fetch_sub(1, Ordering::SeqCst);
        }
    }
}

/// Logs a line; a closed terminal or pipe must not stop the server.
fn say(line: &str) {
    let mut out = std::io::stdout();
    let _ = writeln!(out, "{line}").and_then(|_| out.flush());
}

/// Modification times of every file under the watched paths.
fn snapshot(paths: &[PathBuf]) -> BTreeMap<PathBuf, SystemTime> {
    fn walk(p: &Path, out: &mut BTreeMap<PathBuf, SystemTime>) {
        if p.is_dir() {
            if let Ok(entries) = std::fs::read_dir(p) {
                for e in entries.flatten() {
                    walk(&e.path(), out);
                }
            }
        } else if let Ok(m) = std::fs::metadata(p).and_then(|m| m.modified()) {
            out.insert(p.to_path_buf(), m);
        }
    }
    let mut out = BTreeMap::new();
    for p in paths {
        walk(p, &mut out);
    }
    out
}

/// Which stage an edit invalidates.
#[derive(Debug, PartialEq, Eq, PartialOrd, Ord, Clone, Copy)]
enum Edit {
    Templates,
    Data,
    Config,
}

/// How long the sources must stay unchanged before the PDF is typeset: while an editor is
/// saving edit after edit, the CPU goes to the HTML preview.
const PRINT_QUIET: Duration = Duration::from_millis(1000);

/// What the print worker is told: a rebuild started (the pending PDF is stale), or a
/// rebuild's PDF and Word edition can be written.
enum Print {
    Rebuilding,
    Job(u64, PathBuf, Box<(Option<PrintJob>, Option<WordJob>)>),
}

/// Puts a file the worker wrote into output/ and into what is served.
fn install(s: &mut Served, out: &Path, name: &str, bytes: Vec<u8>) -> bool {
    let (scratch, path) = (out.join(format!(".{name}.new")), out.join(name));
    match std::fs::write(&scratch, &bytes).and_then(|_| std::fs::rename(&scratch, &path)) {
        Ok(()) => {
            s.files.insert(name.into(), bytes);
            true
        }
        Err(e) => {
            let _ = std::fs::remove_file(&scratch);
            s.error = Some(format!("{}: {e}", path.display()));
            false
        }
    }
}

/// The worker that typesets the PDF after the rebuilds. Only the newest job is run, once
/// nothing has changed for [`PRINT_QUIET`]; its result is dropped if an edit came meanwhile.
fn print_worker(served: Arc<Mutex<Served>>) -> std::sync::mpsc::Sender<Print> {
    use std::sync::mpsc::RecvTimeoutError;
    let (send, receive) = std::sync::mpsc::channel::<Print>();
    std::thread::spawn(move || {
        let mut pending = None;
        loop {
            let message = match pending {
                Some(_) => receive.recv_timeout(PRINT_QUIET),
                None => receive.recv().map_err(|_| RecvTimeoutError::Disconnected),
            };
            let quiet = matches!(message, Err(RecvTimeoutError::Timeout));
            match message {
                Ok(Print::Rebuilding) => pending = None,
                Ok(Print::Job(version, out, job)) => pending = Some((version, out, job)),
                Err(RecvTimeoutError::Disconnected) => return,
                Err(RecvTimeoutError::Timeout) => {}
            }
            // Quiet for long enough: typeset, then write the Word edition.
            let Some((version, out, jobs)) = pending.take_if(|_| quiet) else { continue };
            let (print, word) = *jobs;
            let started = Instant::now();
            let pdf = print.map(|job| {
                let result = job.pdf();
                crate::pdf::evict_cache(10);
                result
            });
            let typeset = started.elapsed();
            let docx = word.map(|job| job.docx());
            let mut s = served.lock().expect("served lock");
            if s.version != version {
                continue;
            }
            match pdf {
                Some(Ok(pdf)) => {
                    let how = if pdf.from_cache { "from the cache" } else { "typeset" };
                    if install(&mut s, &out, "report.pdf", pdf.bytes) {
                        say(&format!("report.pdf {how} in {} ms", typeset.as_millis()));
                    }
                }
                Some(Err(e)) => {
                    let _ = writeln!(std::io::stderr(), "error: {e}");
                    s.error = Some(e.to_string());
                }
                None => {}
            }
            match docx {
                Some(Ok(bytes)) => {
                    if install(&mut s, &out, "report.docx", bytes) {
                        say(&format!("report.docx written in {} ms", (started.elapsed() - typeset).as_millis()));
                    }
                }
                Some(Err(e)) => {
                    let _ = writeln!(std::io::stderr(), "error: {e}");
                    s.error = Some(e.to_string());
                }
                None => {}
            }
        }
    });
    send
}

pub fn serve(config_path: &Path, edition: Option<i32>, port: u16) -> Result<()> {
    let listener = TcpListener::bind(("127.0.0.1", port))
        .map_err(|source| crate::error::Error::Io { path: PathBuf::from(format!("127.0.0.1:{port}")), source })?;
    let address = listener.local_addr().map_err(|source| crate::error::Error::Io { path: PathBuf::from("listener"), source })?;
    let served = Arc::new(Mutex::new(Served::default()));
    {
        let served = served.clone();
        std::thread::spawn(move || accept(listener, served));
    }
    say(&format!("serving http://{address}/ (Ctrl-C to stop)"));

    let printer = print_worker(served.clone());
    let publish = |session: &Session, what: &str, started: Instant| {
        let prepared = session.prepare(Targets::default());
        let mut s = served.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        // The last PDF and Word edition stay in output/ until the worker has written new ones.
        let result = prepared.and_then(|prepared| {
            let (mut files, job) = (prepared.files, (prepared.print, prepared.word));
            for name in ["report.pdf", "report.docx"] {
                if let Some(bytes) = s.files.get(name) {
                    files.push((name.into(), bytes.clone()));
                }
            }
            write_atomically(&session.project.output_dir(), &files)?;
            Ok((files, job))
        });
        match result {
            Ok((files, job)) => {
                s.files = files.into_iter().map(|(p, b)| (p.to_string_lossy().replace('\\', "/"), b)).collect();
                s.version += 1;
                s.error = None;
                say(&format!("rebuilt ({what}) in {} ms", started.elapsed().as_millis()));
                if job.0.is_some() || job.1.is_some() {
                    let _ = printer.send(Print::Job(s.version, session.project.output_dir(), Box::new(job)));
                }
            }
            Err(e) => report(&mut s, &e.to_string()),
        }
    };
    fn report(s: &mut Served, error: &str) {
        let _ = writeln!(std::io::stderr(), "error: {error}");
        s.error = Some(error.to_string());
    }

    let open = || Project::open_edition(config_path, edition).and_then(Session::open);
    let started = Instant::now();
    let mut session = match open() {
        Ok(session) => Some(session),
        Err(e) => {
            report(&mut served.lock().unwrap_or_else(std::sync::PoisonError::into_inner), &e.to_string());
            None
        }
    };
    if let Some(s) = &session {
        publish(s, "full build", started);
    }
    let root = config_path.parent().map(Path::to_path_buf).unwrap_or_default();
    let watched = |session: &Option<Session>| -> Vec<(Edit, PathBuf)> {
        let (data, templates, assets, edition) = match session {
            Some(s) => (s.project.data_dir(), s.project.designs_dir(), s.project.assets_dir(), s.project.edition_dir.clone()),
            None => (root.join("data"), root.join("templates"), root.join("assets"), root.join("editions")),
        };
        // The edition's report.yaml, printed values and reviews need a full build; its
        // wording only a render.
        vec![
            (Edit::Config, config_path.to_path_buf()),
            (Edit::Data, data),
            (Edit::Templates, templates),
            (Edit::Templates, assets),
            (Edit::Config, edition.clone()),
            (Edit::Templates, edition.join("templates")),
        ]
    };
    let mut seen: BTreeMap<PathBuf, SystemTime> = snapshot(&watched(&session).into_iter().map(|(_, p)| p).collect::<Vec<_>>());
    loop {
        std::thread::sleep(SETTLE);
        let paths = watched(&session);
        let files: Vec<PathBuf> = paths.iter().map(|(_, p)| p.clone()).collect();
        let mut now = snapshot(&files);
        if now == seen {
            continue;
        }
        // A save of several files gives one rebuild: wait until nothing changed for SETTLE.
        loop {
            std::thread::sleep(SETTLE);
            let later = snapshot(&files);
            if later == now {
                break;
            }
            now = later;
        }
        let changed: Vec<&PathBuf> = now.keys().chain(seen.keys()).filter(|p| now.get(*p) != seen.get(*p)).collect();
        let edit = changed
            .iter()
            .filter_map(|p| {
                paths.iter().filter(|(_, root)| p.starts_with(root)).max_by_key(|(_, root)| root.as_os_str().len()).map(|(e, _)| *e)
            })
            .max()
            .unwrap_or(Edit::Config);
        seen = now;
        let _ = printer.send(Print::Rebuilding);
        let started = Instant::now();
        let result: Result<String> = match (&mut session, edit) {
            (Some(_), Edit::Templates) => Ok("templates".into()),
            (Some(s), Edit::Data) => s.reload_data().map(|ids| format!("data; redrew {} charts", ids.len())),
            _ => open().map(|s| {
                session = Some(s);
                "full build".into()
            }),
        };
        match (result, &session) {
            (Ok(what), Some(s)) => publish(s, &what, started),
            (Err(e), _) => report(&mut served.lock().unwrap_or_else(std::sync::PoisonError::into_inner), &e.to_string()),
            _ => {}
        }
    }
}

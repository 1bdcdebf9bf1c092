//! `serve`: live preview for editors. Builds the report, serves it on localhost, watches
//! report.yaml, data/ and templates/, and rebuilds only what an edit affects: a template
//! edit re-renders the templates; a data edit re-reads the data and redraws only the charts
//! whose inputs changed. The server pushes each rebuild to the open pages (server-sent
//! events), which replace what changed in place; a failed rebuild shows
//! its error (file, line, column, hint) over the last good page, which stays served. The PDF,
//! the Word edition and the standalone page are made afterwards on a worker thread, once
//! edits pause, so they never delay the preview; until then the previous ones stay served.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant, SystemTime};

mod patch;

use crate::build::{PrintJob, Project, Session, StandaloneJob, WordJob, write_atomically};
use crate::error::Result;

/// What the server hands out: the last good build, and the last error if the latest
/// rebuild failed.
#[derive(Default)]
struct Served {
    files: BTreeMap<String, Arc<Vec<u8>>>,
    version: u64,
    error: Option<String>,
    /// Counts every change of `version` or `error`, so that each event stream sends it once.
    changes: u64,
    /// What turns the page of the version before into this version's: sent with the
    /// status, so that a page needs no second request.
    patch: serde_json::Value,
}

impl Served {
    fn status(&self) -> String {
        let (version, error, built, patch) = (self.version, &self.error, !self.files.is_empty(), &self.patch);
        serde_json::json!({ "version": version, "error": error, "built": built, "patch": patch }).to_string()
    }
}

/// What is served, and a signal for the event streams waiting on its changes.
#[derive(Default)]
struct Shared {
    served: Mutex<Served>,
    changed: Condvar,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Served> {
        self.served.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Wakes every event stream after `version` or `error` changed.
    fn notify(&self, s: &mut Served) {
        s.changes += 1;
        self.changed.notify_all();
    }
}

/// An event stream sends a comment this often, so a closed tab is noticed and its thread ends.
const KEEPALIVE: Duration = Duration::from_secs(15);

/// How long the watched files must stay unchanged before a rebuild starts (the debounce).
const SETTLE: Duration = Duration::from_millis(30);
/// How often the watched files are looked at (a few hundred `stat`s).
const LOOK: Duration = Duration::from_millis(10);

/// The pages' live script: the pushed status, and the changed parts replaced in place.
const LIVE_JS: &str = include_str!("serve/live.js");

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
    // Without NODELAY the body waits for the head's acknowledgement (Nagle's algorithm
    // against delayed ACKs: up to 40 ms on loopback).
    let _ = stream.set_nodelay(true);
    let _ = stream.write_all(head.as_bytes()).and_then(|_| stream.write_all(body));
}

/// A client that sends nothing, or reads nothing, is dropped after this long.
const CLIENT_TIMEOUT: Duration = Duration::from_secs(5);
/// Connections served at once; more are answered 503 at once rather than queued.
const MAX_CLIENTS: usize = 256;
/// The longest request line read; the rest of a request is ignored.
const MAX_REQUEST_LINE: u64 = 8 * 1024;

/// `/__events`: the status now, then again after each change, as server-sent events.
fn events(mut stream: TcpStream, shared: &Shared) {
    let head = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-store\r\nConnection: keep-alive\r\n\r\n";
    if stream.write_all(head.as_bytes()).is_err() {
        return;
    }
    let mut sent = None;
    loop {
        let message = {
            let mut s = shared.lock();
            if sent == Some(s.changes) {
                s = shared.changed.wait_timeout(s, KEEPALIVE).map(|(s, _)| s).unwrap_or_else(|p| p.into_inner().0);
            }
            if sent == Some(s.changes) {
                ":\n\n".to_string()
            } else {
                sent = Some(s.changes);
                format!("data: {}\n\n", s.status())
            }
        };
        if stream.write_all(message.as_bytes()).and_then(|_| stream.flush()).is_err() {
            return;
        }
    }
}

/// The live script's tag, with the version of the page it is added to.
fn live_tag(version: u64) -> String {
    format!("<script src=\"/__live.js\" data-version=\"{version}\"></script>\n</body>")
}

fn handle(mut stream: TcpStream, shared: &Shared) {
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
    if path == "/__events" {
        return events(stream, shared);
    }
    // A page is served with the live script's tag, for the version it is (`live`).
    let (status, kind, body, live): (&str, &str, Arc<Vec<u8>>, Option<u64>) = {
        let served = shared.lock();
        let text = |s: &str| Arc::new(s.as_bytes().to_vec());
        match path {
            "/__status" => ("200 OK", "application/json", text(&served.status()), None),
            "/__live.js" => ("200 OK", "text/javascript; charset=utf-8", text(LIVE_JS), None),
            // Only names of files in the last build are served: no path reaches the disk.
            _ => match served.files.get(path.trim_start_matches('/')) {
                Some(body) => {
                    let live = path.ends_with(".html").then_some(served.version);
                    ("200 OK", content_type(path), body.clone(), live)
                }
                None if served.files.is_empty() => {
                    let note = if served.error.is_some() {
                        "尚无成功的构建：修正错误后自动刷新。"
                    } else {
                        "正在构建……"
                    };
                    let body = format!("<!DOCTYPE html><html lang=\"zh-CN\"><meta charset=utf-8><body><p>{note}</p></body>");
                    ("200 OK", "text/html; charset=utf-8", text(&body), Some(served.version))
                }
                None => ("404 Not Found", "text/plain; charset=utf-8", text("not found"), None),
            },
        }
    };
    match live {
        Some(version) => {
            let html = String::from_utf8_lossy(&body).replace("</body>", &live_tag(version));
            respond(&mut stream, status, kind, html.as_bytes())
        }
        None => respond(&mut stream, status, kind, &body),
    }
}

/// Accepts connections, one short-lived thread each, at most [`MAX_CLIENTS`] at once.
fn accept(listener: TcpListener, served: Arc<Shared>) {
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

/// How much longer to wait before the files may be taken as saved: until [`SETTLE`] after
/// the newest modification time among the changes (the save itself, not when it was seen,
/// so the time the watcher took to notice is not waited again), and at least [`LOOK`]
/// after the last look, `since_look` ago (a copy that keeps old times must still stay
/// unchanged). `clock` is the time now; a pure function, so its tests need no timing.
fn settle_left(
    now: &BTreeMap<PathBuf, SystemTime>,
    seen: &BTreeMap<PathBuf, SystemTime>,
    since_look: Duration,
    clock: SystemTime,
) -> Duration {
    let newest = now.iter().filter(|(p, t)| seen.get(*p) != Some(t)).map(|(_, t)| *t).max();
    let since_save = newest.and_then(|t| clock.duration_since(t).ok()).unwrap_or_default();
    SETTLE.saturating_sub(since_save).max(LOOK.saturating_sub(since_look))
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
/// rebuild's PDF, Word edition and standalone page can be made.
enum Print {
    Rebuilding,
    Job(u64, PathBuf, Box<Jobs>),
}

/// The files made after edits pause, and served as they were until then.
struct Jobs {
    print: Option<PrintJob>,
    word: Option<WordJob>,
    standalone: Option<StandaloneJob>,
}

const LATER: [&str; 3] = ["report.pdf", "report.docx", "report-standalone.html"];

/// Puts a file the worker wrote into output/ and into what is served.
fn install(s: &mut Served, out: &Path, name: &str, bytes: Vec<u8>) -> bool {
    let (scratch, path) = (out.join(format!(".{name}.new")), out.join(name));
    match std::fs::write(&scratch, &bytes).and_then(|_| std::fs::rename(&scratch, &path)) {
        Ok(()) => {
            s.files.insert(name.into(), Arc::new(bytes));
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
fn print_worker(served: Arc<Shared>) -> std::sync::mpsc::Sender<Print> {
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
            // Quiet for long enough: typeset, then write the Word edition and the standalone page.
            let Some((version, out, jobs)) = pending.take_if(|_| quiet) else { continue };
            let Jobs { print, word, standalone } = *jobs;
            let started = Instant::now();
            let mut made = Vec::new();
            if let Some(job) = print {
                let pdf = job.pdf();
                crate::pdf::evict_cache(10);
                let how = match &pdf {
                    Ok(pdf) if pdf.from_cache => "from the cache",
                    _ => "typeset",
                };
                made.push((LATER[0], pdf.map(|p| p.bytes), how, started.elapsed()));
            }
            let timed = |made: &mut Vec<_>, name, result, how| {
                let before: Duration = made.iter().map(|(_, _, _, t)| *t).sum();
                made.push((name, result, how, started.elapsed() - before));
            };
            if let Some(job) = word {
                timed(&mut made, LATER[1], job.docx(), "written");
            }
            if let Some(job) = standalone {
                timed(&mut made, LATER[2], job.page(), "written");
            }
            let mut s = served.lock();
            if s.version != version {
                continue;
            }
            let error_before = s.error.clone();
            for (name, result, how, took) in made {
                match result {
                    Ok(bytes) => {
                        let installed = install(&mut s, &out, name, bytes);
                        if installed {
                            say(&format!("{name} {how} in {} ms", took.as_millis()));
                        }
                    }
                    Err(e) => {
                        let _ = writeln!(std::io::stderr(), "error: {e}");
                        s.error = Some(e.to_string());
                    }
                }
            }
            if s.error != error_before {
                served.notify(&mut s);
            }
        }
    });
    send
}

pub fn serve(config_path: &Path, edition: Option<i32>, port: u16) -> Result<()> {
    let listener = TcpListener::bind(("127.0.0.1", port))
        .map_err(|source| crate::error::Error::Io { path: PathBuf::from(format!("127.0.0.1:{port}")), source })?;
    let address = listener.local_addr().map_err(|source| crate::error::Error::Io { path: PathBuf::from("listener"), source })?;
    let served = Arc::new(Shared::default());
    {
        let served = served.clone();
        std::thread::spawn(move || accept(listener, served));
    }
    say(&format!("serving http://{address}/ (Ctrl-C to stop)"));

    let printer = print_worker(served.clone());
    let publish = |session: &Session, what: &str, started: Instant| {
        let prepared = match session.prepare_preview() {
            Ok(prepared) => prepared,
            Err(e) => return report(&served, &mut served.lock(), &e.to_string()),
        };
        let jobs = Jobs { print: prepared.print, word: prepared.word, standalone: prepared.standalone };
        let mut files: Vec<(String, Arc<Vec<u8>>)> =
            prepared.files.into_iter().map(|(p, b)| (p.to_string_lossy().replace('\\', "/"), Arc::new(b))).collect();
        // The page's changes since the version before, found outside the lock.
        let before = served.lock().files.get("report.html").cloned();
        let page = files.iter().find(|(name, _)| name == "report.html").map(|(_, b)| b.clone());
        let patches = match (&before, &page) {
            (Some(old), Some(new)) => patch::diff(&String::from_utf8_lossy(old), &String::from_utf8_lossy(new)),
            _ => None,
        };
        let version = {
            let mut s = served.lock();
            s.patch = serde_json::json!({ "from": s.version, "to": s.version + 1, "patches": patches });
            // The files made later stay as they were until the worker has made new ones.
            files.extend(LATER.iter().filter_map(|name| Some((name.to_string(), s.files.get(*name)?.clone()))));
            s.files = files.iter().cloned().collect();
            s.version += 1;
            s.error = None;
            served.notify(&mut s);
            s.version
        };
        say(&format!("rebuilt ({what}) in {} ms", started.elapsed().as_millis()));
        // Written after the pages were told, so writing never delays them. The worker
        // writes only for the newest version, so the two never write at once.
        let out = session.project.output_dir();
        let written: Vec<(PathBuf, &[u8])> = files.iter().map(|(name, bytes)| (PathBuf::from(name), bytes.as_slice())).collect();
        match write_atomically(&out, &written) {
            Ok(()) => {
                let _ = printer.send(Print::Job(version, out, Box::new(jobs)));
            }
            Err(e) => report(&served, &mut served.lock(), &e.to_string()),
        }
    };
    fn report(shared: &Shared, s: &mut Served, error: &str) {
        let _ = writeln!(std::io::stderr(), "error: {error}");
        s.error = Some(error.to_string());
        shared.notify(s);
    }

    let open = || Project::open_edition(config_path, edition).and_then(Session::open);
    let started = Instant::now();
    let mut session = match open() {
        Ok(session) => Some(session),
        Err(e) => {
            report(&served, &mut served.lock(), &e.to_string());
            None
        }
    };
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
    // Taken before the first build renders the templates, so an edit made meanwhile (or as
    // soon as the page is served) is seen.
    let mut seen: BTreeMap<PathBuf, SystemTime> = snapshot(&watched(&session).into_iter().map(|(_, p)| p).collect::<Vec<_>>());
    if let Some(s) = &session {
        publish(s, "full build", started);
    }
    loop {
        std::thread::sleep(LOOK);
        let paths = watched(&session);
        let files: Vec<PathBuf> = paths.iter().map(|(_, p)| p.clone()).collect();
        let mut now = snapshot(&files);
        if now == seen {
            continue;
        }
        // A save of several files gives one rebuild: wait until nothing changed for SETTLE.
        let mut looked = Instant::now();
        loop {
            std::thread::sleep(settle_left(&now, &seen, looked.elapsed(), SystemTime::now()));
            let later = snapshot(&files);
            if later == now {
                break;
            }
            (now, looked) = (later, Instant::now());
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
            (Err(e), _) => report(&served, &mut served.lock(), &e.to_string()),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: Duration = Duration::from_millis(1);

    fn files(entries: &[(&str, SystemTime)]) -> BTreeMap<PathBuf, SystemTime> {
        entries.iter().map(|(p, t)| (PathBuf::from(p), *t)).collect()
    }

    fn clock() -> SystemTime {
        SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000)
    }

    #[test]
    fn a_save_just_made_waits_the_whole_settle() {
        let seen = files(&[("a.md", clock() - Duration::from_secs(60))]);
        let now = files(&[("a.md", clock())]);
        assert_eq!(settle_left(&now, &seen, Duration::ZERO, clock()), SETTLE);
    }

    #[test]
    fn the_time_taken_to_notice_a_save_is_not_waited_again() {
        let before = clock() - Duration::from_secs(60);
        let seen = files(&[("a.md", before), ("b.md", before)]);
        let now = files(&[("a.md", clock() - 20 * MS), ("b.md", before)]);
        assert_eq!(settle_left(&now, &seen, LOOK, clock()), SETTLE - 20 * MS);
    }

    #[test]
    fn the_newest_of_several_saves_counts() {
        let before = clock() - Duration::from_secs(60);
        let seen = files(&[("a.md", before), ("b.md", before)]);
        let now = files(&[("a.md", clock() - Duration::from_secs(5)), ("b.md", clock() - 5 * MS)]);
        assert_eq!(settle_left(&now, &seen, LOOK, clock()), SETTLE - 5 * MS);
    }

    #[test]
    fn a_copy_with_an_old_time_still_waits_one_more_look() {
        let now = files(&[("copied.md", clock() - Duration::from_secs(3600))]);
        assert_eq!(settle_left(&now, &files(&[]), Duration::ZERO, clock()), LOOK);
        assert_eq!(settle_left(&now, &files(&[]), 4 * MS, clock()), LOOK - 4 * MS);
        assert_eq!(settle_left(&now, &files(&[]), LOOK, clock()), Duration::ZERO);
    }

    #[test]
    fn a_save_dated_in_the_future_waits_the_whole_settle() {
        let now = files(&[("a.md", clock() + Duration::from_secs(2))]);
        assert_eq!(settle_left(&now, &files(&[]), LOOK, clock()), SETTLE);
    }
}

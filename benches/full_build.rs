//! `cargo bench`: the speed and memory of the pipeline, measured, never asserted.
//!
//! 1. Builds of the edition on a scratch copy, each run as the release CLI in a child
//!    process (wall time, and peak memory from the kernel's accounting of that child):
//!    a cold web build (`build --to md,html --no-cache`), a rebuild with nothing changed, a
//!    rebuild after a template edit and after a data edit (both with the chart cache), and
//!    the full build with the PDF, cold and with nothing changed, and the cold build of every
//!    edition (Markdown, HTML, PDF and Word).
//! 2. Record-level data: synthetic registers of 10^5, 10^6 and 10^7 rows, in CSV and in
//!    Parquet, added to a scratch copy of the mini report (never to data/) with derived
//!    numbers over them (counts by province and year, a share, growth, a rank, a sum); a
//!    child process loads that project's data. `RECORD_ROWS=100000000` (a comma-separated
//!    list) measures other sizes instead, such as 10^8 rows (3.4 GB of CSV, not for CI);
//!    `RECORD_FORMATS=parquet` (or `csv`) one format.
//!
//! 3. Typesetting the PDF alone, in-process.
//! 4. A two-edition series: the real series with the test 2024 edition added (TEST DATA,
//!    tests/series/2024), its 2023 and its 2024 edition built cold beside the single-edition
//!    project's cold web build; the 2024 one also reads the 2023 edition's numbers as revised.
//!
//! 5. The editor's loop (`-- serve`): `serve` on a scratch copy with the page open in headless
//!    Chromium; each run saves a template (then a data file) and takes the time from the
//!    write to the new page's first paint (Chromium's own clock for the paint, the same wall
//!    clock as the write). Needs Chromium (`CHROMIUM=…` or `chromium` on the PATH).
//!
//! `cargo bench -- builds`, `-- typesetting`, `-- records`, `-- series` or `-- serve` runs one part; `RUNS=n` sets the
//! number of runs per build figure (default 15).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use blockchain_report::data::records::{Format, synthetic};

#[path = "../tests/common/mod.rs"]
mod common;

#[allow(dead_code)]
#[path = "../tests/common/cdp.rs"]
mod cdp;

const CLI: &str = env!("CARGO_BIN_EXE_blockchain-report");

/// Wall time and peak resident memory of one child process.
struct Run {
    time: Duration,
    peak_mib: f64,
    stdout: String,
}

fn run(cmd: &mut Command) -> Run {
    let started = Instant::now();
    let child = cmd.stdout(std::process::Stdio::piped()).stderr(std::process::Stdio::piped()).spawn().expect("spawn");
    let pid = child.id() as libc::pid_t;
    // Read the pipes before reaping, so a chatty child never blocks.
    let output = std::thread::spawn(move || {
        let mut child = child;
        let mut out = String::new();
        let mut err = String::new();
        use std::io::Read as _;
        child.stdout.take().map(|mut s| s.read_to_string(&mut out));
        child.stderr.take().map(|mut s| s.read_to_string(&mut err));
        (out, err, child)
    });
    let mut status = 0;
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: waits for our own child; `usage` is a valid rusage to fill in.
    let reaped = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    let time = started.elapsed();
    let (stdout, stderr, child) = output.join().expect("reader");
    std::mem::forget(child); // already reaped
    assert!(reaped == pid && libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0, "child failed:\n{stdout}\n{stderr}");
    Run { time, peak_mib: usage.ru_maxrss as f64 / 1024.0, stdout }
}

fn median<T: Copy + PartialOrd>(mut v: Vec<T>) -> T {
    v.sort_by(|a, b| a.partial_cmp(b).expect("comparable"));
    v[v.len() / 2]
}

fn copy_edition(to: &Path) {
    let repo = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    for dir in ["data", "templates", "assets", "editions"] {
        blockchain_report::diff::copy_dir(&repo.join(dir), &to.join(dir)).expect("copy");
    }
    std::fs::copy(repo.join("report.yaml"), to.join("report.yaml")).expect("copy report.yaml");
}

fn replace(path: &Path, from: &str, to: &str) {
    let text = std::fs::read_to_string(path).expect("read");
    assert!(text.contains(from), "{} lacks {from:?}", path.display());
    std::fs::write(path, text.replacen(from, to, 1)).expect("write");
}

fn builds(scratch: &Path, runs: usize) {
    copy_edition(scratch);
    let config = scratch.join("report.yaml");
    let build_to = |to: &str, extra: &[&str]| {
        let mut cmd = Command::new(CLI);
        cmd.args(["build", "--to", to]).args(extra).arg("--config").arg(&config);
        run(&mut cmd)
    };
    let build = |extra: &[&str]| build_to("md,html", extra);
    let report = |name: &str, rs: Vec<Run>| {
        let note = rs.last().map(|r| r.stdout.trim().to_string()).unwrap_or_default();
        let t = median(rs.iter().map(|r| r.time).collect());
        let m = median(rs.iter().map(|r| r.peak_mib).collect());
        println!("{name:<44} median {:>6.0} ms   peak {m:>5.1} MiB   ({note})", t.as_secs_f64() * 1000.0);
    };
    build(&["--no-cache"]); // warm the page cache
    report("cold web build (--no-cache)", (0..runs).map(|_| build(&["--no-cache"])).collect());
    build(&[]);
    report("rebuild, nothing changed", (0..runs).map(|_| build(&[])).collect());
    report("full build with the PDF (--no-cache)", (0..runs).map(|_| build_to("md,html,pdf", &["--no-cache"])).collect());
    report("full build, every edition (--no-cache)", (0..runs).map(|_| build_to("md,html,pdf,docx", &["--no-cache"])).collect());
    build_to("md,html,pdf", &[]);
    report("full build with the PDF, nothing changed", (0..runs).map(|_| build_to("md,html,pdf", &[])).collect());

    // A template edit: a new closing paragraph each run (wording, not markup: the document
    // model refuses raw HTML); no chart changes.
    let chapter = scratch.join("editions/2023/templates/chapters/01.md");
    let original = std::fs::read_to_string(&chapter).expect("chapter");
    let template_runs = (0..runs)
        .map(|i| {
            std::fs::write(&chapter, format!("{original}\n基准测试的第 {i} 次编辑。\n")).expect("edit");
            build(&[])
        })
        .collect();
    std::fs::write(&chapter, &original).expect("restore");
    report("rebuild after a template edit", template_runs);

    // A data edit: one stated value, drawn by one chart, new on every run.
    let stated = scratch.join("data/stated/ch1.csv");
    let data_runs = (0..runs)
        .map(|i| {
            let from = if i == 0 { "industry_scale,2023,60,".to_string() } else { format!("industry_scale,2023,{},", 60 + i) };
            replace(&stated, &from, &format!("industry_scale,2023,{},", 61 + i));
            build(&[])
        })
        .collect();
    report("rebuild after a data edit (one chart)", data_runs);
}

/// In the child: load a project whose derived numbers count, share, grow, rank and sum
/// a record dataset (one streaming pass over its file); prints what it found.
fn record_child(config: &Path) {
    blockchain_report::grow_the_heap_in_large_steps();
    let started = Instant::now();
    let (_, facts) = blockchain_report::build::Project::open(config).expect("project").load().expect("data");
    let n = |name: &str| facts.number(name).map_or(f64::NAN, |n| n.value);
    println!(
        "{} records; 广东 {} ({:.2}%), 2023 {:+.1}%, 金融 ranks {} · {:.0} ms",
        n("reg_total"),
        n("reg_guangdong"),
        n("reg_guangdong_share"),
        n("reg_growth_2023"),
        n("reg_finance_rank"),
        started.elapsed().as_secs_f64() * 1000.0
    );
}

fn records_series(scratch: &Path) {
    println!("record-level data (SYNTHETIC rows, in a copy of tests/fixtures/mini under {}):", scratch.display());
    let repo = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    // `RECORD_ROWS=100000000` measures a register of 10^8 rows (3.4 GB of CSV, written
    // under the system's temporary directory and deleted after).
    let sizes: Vec<usize> = match std::env::var("RECORD_ROWS") {
        Ok(list) => list.split(',').map(|n| n.trim().parse().expect("RECORD_ROWS: comma-separated row counts")).collect(),
        Err(_) => vec![100_000, 1_000_000, 10_000_000],
    };
    // `RECORD_FORMATS=parquet` measures one format only.
    let formats: Vec<Format> = match std::env::var("RECORD_FORMATS") {
        Ok(list) => {
            [Format::Csv, Format::Parquet].into_iter().filter(|f| list.to_lowercase().contains(&format!("{f:?}").to_lowercase())).collect()
        }
        Err(_) => vec![Format::Csv, Format::Parquet],
    };
    for rows in sizes {
        for &format in &formats {
            let project = scratch.join(format!("{format:?}-{rows}").to_lowercase());
            blockchain_report::diff::copy_dir(&repo.join("tests/fixtures/mini"), &project).expect("copy the mini report");
            blockchain_report::diff::copy_dir(&repo.join("assets"), &project.join("assets")).expect("copy assets");
            synthetic::add_to_project(&project.join("data"), rows, format).expect("generate");
            let file = project.join("data/records").join(if format == Format::Csv { "reg.csv" } else { "reg.parquet" });
            let size = std::fs::metadata(&file).map(|m| m.len()).unwrap_or(0) as f64 / (1 << 20) as f64;
            let me = std::env::current_exe().expect("bench binary");
            let config = project.join("report.yaml");
            let rs: Vec<Run> = (0..3).map(|_| run(Command::new(&me).env("RECORD_CHILD", &config))).collect();
            let t = median(rs.iter().map(|r| r.time).collect());
            let m = median(rs.iter().map(|r| r.peak_mib).collect());
            println!(
                "  {rows:>10} rows {:<8} {size:>6.0} MiB file   median {:>6.0} ms   peak {m:>6.1} MiB   {}",
                format!("{format:?}"),
                t.as_secs_f64() * 1000.0,
                rs[0].stdout.trim()
            );
            std::fs::remove_dir_all(&project).ok();
        }
    }
}

/// Cold web builds of one edition alone and of each edition of a two-edition series.
fn series(scratch: &Path, runs: usize) {
    let single = scratch.join("single");
    let two = scratch.join("two");
    copy_edition(&single);
    copy_edition(&two);
    common::series::add_2024(&two);
    let cold = |project: &Path, edition: &str| {
        let mut cmd = Command::new(CLI);
        cmd.args(["build", "--to", "md,html", "--no-cache", "--edition", edition]).arg("--config").arg(project.join("report.yaml"));
        run(&mut cmd)
    };
    let median_ms = |rs: Vec<Run>| median(rs.iter().map(|r| r.time).collect()).as_secs_f64() * 1000.0;
    cold(&single, "2023"); // warm the page cache
    // Interleaved, so a change in the machine's load falls on all three alike.
    let (mut a, mut b, mut c) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..runs {
        a.push(cold(&single, "2023"));
        b.push(cold(&two, "2023"));
        c.push(cold(&two, "2024"));
    }
    let (a, b, c) = (median_ms(a), median_ms(b), median_ms(c));
    println!("{:<44} median {a:>6.0} ms", "one edition alone: 2023, cold web build");
    println!("{:<44} median {b:>6.0} ms   ({:+.1} %)", "two-edition series: its 2023 edition", (b / a - 1.0) * 100.0);
    println!("{:<44} median {c:>6.0} ms   ({:+.1} %, with its 修订说明)", "two-edition series: its 2024 edition", (c / a - 1.0) * 100.0);
}

/// In-process: typesetting the PDF alone, from the document and the drawn charts
/// (each build process starts with an empty Typst cache, so it is emptied before each run).
fn typesetting(scratch: &Path, runs: usize) {
    copy_edition(scratch);
    let project = blockchain_report::build::Project::open(&scratch.join("report.yaml")).expect("project");
    let session =
        blockchain_report::build::Session::open_with_cache(project, blockchain_report::cache::Cache::disabled()).expect("session");
    let job = session.prepare(Default::default()).expect("prepare").print.expect("a print job");
    let mut pages = 0;
    let times = (0..=runs)
        .map(|_| {
            blockchain_report::pdf::evict_cache(0);
            let t = Instant::now();
            pages = job.run().expect("typeset").pages;
            t.elapsed()
        })
        .skip(1)
        .collect();
    println!("{:<44} median {:>6.0} ms   ({pages} pages)", "typesetting the PDF alone (in-process)", median(times).as_secs_f64() * 1000.0);
}

/// Milliseconds since the Unix epoch: the clock Chromium's `performance.timeOrigin` uses.
fn epoch_ms() -> f64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).expect("clock").as_secs_f64() * 1000.0
}

/// Save → page on screen, through `serve` and a real browser.
fn serve(scratch: &Path, runs: usize) {
    use std::io::BufRead;
    let chromium = std::env::var_os("CHROMIUM").map(PathBuf::from).or_else(|| {
        ["chromium", "chromium-browser", "google-chrome"]
            .iter()
            .find_map(|name| std::env::split_paths(&std::env::var_os("PATH")?).map(|dir| dir.join(name)).find(|p| p.is_file()))
    });
    let Some(chromium) = chromium else {
        println!("serve: skipped, no Chromium (apt-get install -y chromium, or set CHROMIUM)");
        return;
    };
    copy_edition(scratch);
    let mut server = Command::new(CLI)
        .args(["serve", "--port", "0", "--config"])
        .arg(scratch.join("report.yaml"))
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("serve");
    let mut lines = std::io::BufReader::new(server.stdout.take().expect("stdout")).lines();
    let first = lines.next().expect("serve's first line").expect("utf-8");
    let url = first.trim_start_matches("serving ").trim_end_matches(" (Ctrl-C to stop)").to_string();
    // The rest of serve's log (rebuild times) is kept for the report.
    let log = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let sink = log.clone();
    std::thread::spawn(move || lines.map_while(Result::ok).for_each(|l| sink.lock().expect("log").push(l)));
    while !log.lock().expect("log").iter().any(|l| l.starts_with("rebuilt")) {
        std::thread::sleep(Duration::from_millis(20));
    }
    let mut browser = cdp::Browser::launch(&chromium);
    browser.open(&url, 1280, 900, false);
    browser.eval("window.__bench_kept = true");
    // The time from `written` to the frame that shows `marker`: the page's live script
    // notes when the frame after its patch is drawn (`__report_shown`, 0 until then); a
    // page that reloaded instead has its first paint.
    let mut reloads = 0;
    let mut on_screen = |written: f64, marker: &str| -> f64 {
        let script = format!(
            "(() => {{ if (!document.body || !document.body.innerText.includes({marker:?})) return 0; \
             if (window.__report_shown !== undefined) return window.__report_shown; \
             const paint = performance.getEntriesByType('paint').find(e => e.name === 'first-paint'); \
             return paint ? performance.timeOrigin + paint.startTime : 0; }})()"
        );
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            // While the page reloads, the old document is gone: no answer yet.
            let result = browser.try_call("Runtime.evaluate", serde_json::json!({"expression": script, "returnByValue": true}));
            let shown = result.ok().and_then(|r| r["result"]["value"].as_f64()).unwrap_or(0.0);
            if shown > 0.0 {
                // A page kept in place still has the mark set on the page before.
                let kept = browser.try_call(
                    "Runtime.evaluate",
                    serde_json::json!({"expression": "window.__bench_kept === true; ", "returnByValue": true}),
                );
                if kept.ok().and_then(|r| r["result"]["value"].as_bool()) != Some(true) {
                    reloads += 1;
                }
                let _ = browser.try_call("Runtime.evaluate", serde_json::json!({"expression": "window.__bench_kept = true"}));
                return shown - written;
            }
            assert!(Instant::now() < deadline, "the page never showed {marker}");
            std::thread::sleep(Duration::from_millis(2));
        }
    };
    let chapter = scratch.join("editions/2023/templates/chapters/01.md");
    let text = std::fs::read_to_string(&chapter).expect("chapter");
    let heading = "## 一、我国区块链发展总体现状";
    assert!(text.contains(heading), "the benchmark edits the first chapter's heading");
    let mut template = Vec::new();
    for i in 0..runs {
        let marker = format!("基准{i}");
        let written = epoch_ms();
        std::fs::write(&chapter, text.replacen(heading, &format!("{heading}{marker}"), 1)).expect("write");
        template.push(on_screen(written, &marker));
        std::thread::sleep(Duration::from_millis(300));
    }
    std::fs::write(&chapter, &text).expect("restore");
    std::thread::sleep(Duration::from_millis(500));
    // A data edit that redraws one chart (图 1-11's 2023 value) and changes a sentence.
    let stated = scratch.join("data/stated/ch1.csv");
    let csv = std::fs::read_to_string(&stated).expect("ch1.csv");
    let row = csv.lines().find(|l| l.starts_with("industry_scale,2023,")).expect("industry_scale's 2023 row").to_string();
    let mut data = Vec::new();
    for i in 0..runs {
        let value = format!("{}", 61 + i);
        let edited = row.replacen(",60,", &format!(",{value},"), 1);
        let written = epoch_ms();
        std::fs::write(&stated, csv.replacen(&row, &edited, 1)).expect("write");
        data.push(on_screen(written, &format!("约{value}亿元")));
        std::thread::sleep(Duration::from_millis(300));
    }
    std::fs::write(&stated, &csv).expect("restore");
    let rebuilt: Vec<String> = log.lock().expect("log").iter().filter(|l| l.starts_with("rebuilt")).cloned().collect();
    let _ = server.kill();
    let _ = server.wait();
    println!("{:<44} median {:>6.0} ms", "save → page on screen, template edit", median(template));
    println!("{:<44} median {:>6.0} ms", "save → page on screen, data edit (one chart)", median(data));
    println!(
        "{:<44} {} rebuilds for {} saves, {} page reloads (the rest replaced in place); last: {}",
        "serve",
        rebuilt.len() - 1,
        2 * runs + 1,
        reloads,
        rebuilt.last().map_or("", String::as_str)
    );
}

fn main() {
    if let Some(yaml) = std::env::var_os("RECORD_CHILD") {
        return record_child(Path::new(&yaml));
    }
    let filter: Vec<String> = std::env::args().skip(1).filter(|a| !a.starts_with('-')).collect();
    let wanted = |name: &str| filter.is_empty() || filter.iter().any(|f| name.contains(f.as_str()));
    let runs = std::env::var("RUNS").ok().and_then(|r| r.parse().ok()).unwrap_or(15);
    let scratch = std::env::temp_dir().join(format!("blockchain-report-bench-{}", std::process::id()));
    println!("{} cores; release build of the CLI; medians", std::thread::available_parallelism().map_or(0, |n| n.get()));
    if wanted("builds") {
        builds(&scratch.join("edition"), runs);
    }
    if wanted("typesetting") {
        typesetting(&scratch.join("typesetting"), runs);
    }
    if wanted("records") {
        records_series(&scratch.join("records"));
    }
    if wanted("series") {
        series(&scratch.join("series"), runs);
    }
    if wanted("serve") {
        serve(&scratch.join("serve"), runs);
    }
    std::fs::remove_dir_all(&scratch).ok();
}

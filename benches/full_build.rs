//! Times a full build of the edition (all tables, all charts as SVG and PNG, Markdown,
//! HTML and the typeset PDF) on a scratch copy of the project. Run with `cargo bench`:
//! release profile, medians over repeated builds. A benchmark, not a test: it asserts
//! nothing about time.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use blockchain_report::build::{self, Project};

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

fn main() {
    let repo = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let scratch = std::env::temp_dir().join(format!("blockchain-report-bench-{}", std::process::id()));
    blockchain_report::diff::copy_dir(&repo.join("data"), &scratch.join("data")).unwrap();
    blockchain_report::diff::copy_dir(&repo.join("templates"), &scratch.join("templates")).unwrap();
    blockchain_report::diff::copy_dir(&repo.join("assets"), &scratch.join("assets")).unwrap();
    std::fs::copy(repo.join("report.yaml"), scratch.join("report.yaml")).unwrap();

    let runs = 15;
    let mut whole = Vec::new();
    let mut data_only = Vec::new();
    for _ in 0..runs + 1 {
        let t = Instant::now();
        let project = Project::open(&scratch.join("report.yaml")).unwrap();
        build::build(&project, Default::default()).unwrap();
        whole.push(t.elapsed());
        // Each build process starts with an empty Typst cache.
        blockchain_report::pdf::evict_cache(0);
        let t = Instant::now();
        project.load().unwrap();
        data_only.push(t.elapsed());
    }
    whole.remove(0); // warm-up
    data_only.remove(0);

    // What `serve` does after a template edit before the page reloads: re-render and write
    // output/, data and charts kept in memory (the PDF follows on a worker thread).
    let session = build::Session::open(Project::open(&scratch.join("report.yaml")).unwrap()).unwrap();
    let mut template_edit = Vec::new();
    for _ in 0..runs + 1 {
        let t = Instant::now();
        let (files, _) = session.files(build::Targets { pdf: false, ..Default::default() }).unwrap();
        build::write_atomically(&session.project.output_dir(), &files).unwrap();
        template_edit.push(t.elapsed());
    }
    template_edit.remove(0);

    // Typesetting the PDF alone (from the rendered Markdown and the drawn charts).
    let job = session.prepare(Default::default()).unwrap().print;
    let job = job.unwrap();
    let mut typeset = Vec::new();
    let mut pages = 0;
    for _ in 0..runs + 1 {
        blockchain_report::pdf::evict_cache(0);
        let t = Instant::now();
        pages = job.run().unwrap().pages;
        typeset.push(t.elapsed());
    }
    typeset.remove(0);
    println!("full build (26 tables, 39 charts as SVG + PNG, Markdown, HTML, PDF): median {:.0} ms over {runs} runs", median(whole).as_secs_f64() * 1000.0);
    println!("data stage alone (read every CSV, metrics, figure data):        median {:.1?}", median(data_only));
    println!("serve, after a template edit (render + write output/):         median {:.1?}", median(template_edit));
    println!("typesetting the PDF alone ({pages} pages):                         median {:.1?}", median(typeset));
    std::fs::remove_dir_all(&scratch).ok();
}

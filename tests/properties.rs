//! Property tests: arbitrary bytes and structured mutations of real inputs go into the CSV
//! reader, the YAML loaders (report.yaml, table and figure metadata) and the template
//! renderer. Each must answer with a typed input error or a result: never a panic, never a
//! hang (every call runs under a time limit).
//!
//! `cargo test` runs a few thousand cases in all. The long run, at least 100,000 cases per
//! property (see the README, section Errors):
//!
//! ```sh
//! PROPTEST_CASES=100000 cargo test --release --test properties
//! ```

mod common;
use common::*;

use std::path::Path;
use std::sync::OnceLock;
use std::time::Duration;

use blockchain_report::build::{Project, Session};
use blockchain_report::catalog::{self, ColumnSpec, ColumnType};
use blockchain_report::config::Config;
use blockchain_report::error::Error;
use proptest::prelude::*;
use proptest::test_runner::Config as ProptestConfig;

/// The number of cases: PROPTEST_CASES when set, else the default for a quick `cargo test`.
fn cases(default: u32) -> ProptestConfig {
    let n = std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(default);
    ProptestConfig { cases: n, failure_persistence: None, ..ProptestConfig::default() }
}

/// Runs `f` on its own thread and fails if it takes longer than `limit` (a hang) or panics.
fn within<T: Send + 'static>(limit: Duration, f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = std::sync::mpsc::channel();
    let handle = std::thread::spawn(move || {
        let _ = tx.send(f());
    });
    match rx.recv_timeout(limit) {
        Ok(v) => {
            let _ = handle.join();
            v
        }
        Err(std::sync::mpsc::RecvTimeoutError::Timeout) => panic!("did not finish within {limit:?}"),
        Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => panic!("panicked: {:?}", handle.join().err()),
    }
}

const LIMIT: Duration = Duration::from_secs(20);

/// Text that breaks CSV, YAML and templates in interesting ways.
const TOKENS: &[&str] = &[
    "\"",
    ",",
    "\n",
    "\r\n",
    "\r",
    "\u{feff}",
    "\0",
    "\t",
    " ",
    "，",
    "NaN",
    "inf",
    "-1",
    "1e400",
    "-0",
    "0x1F",
    "2023-13",
    "2023-02-30",
    "9999999999999999999999",
    ":",
    "- ",
    "[",
    "]",
    "{",
    "}",
    "&a ",
    "*a",
    "<<: *a",
    "!!binary ",
    "~",
    "null",
    "'",
    "#",
    "---\n",
    "...\n",
    "? ",
    "|\n",
    ">\n",
    "{{",
    "}}",
    "{%",
    "%}",
    "{#",
    "#}",
    "| pct",
    "| nope",
    "n.",
    "m.",
    "ref(id=\"scale\")",
    "table(id=\"policies\")",
    "figure(id=\"scale\")",
    "{% include \"partials/table.md\" %}",
    "{% include \"chapters/01.md\" %}",
    "{% endif %}",
    "{% for x in n %}",
    "{% set chapter = 2 %}",
    "长长长长",
    "\u{202e}",
    "\u{fffd}",
];

/// One edit of a text: insert a token, delete a span, duplicate a line, or insert raw bytes.
#[derive(Debug, Clone)]
enum Mutation {
    Insert { at: usize, token: usize },
    Delete { at: usize, len: usize },
    DuplicateLine { line: usize },
    Bytes { at: usize, bytes: Vec<u8> },
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        4 => (any::<usize>(), 0..TOKENS.len()).prop_map(|(at, token)| Mutation::Insert { at, token }),
        2 => (any::<usize>(), 1usize..40).prop_map(|(at, len)| Mutation::Delete { at, len }),
        1 => any::<usize>().prop_map(|line| Mutation::DuplicateLine { line }),
        1 => (any::<usize>(), prop::collection::vec(any::<u8>(), 1..6)).prop_map(|(at, bytes)| Mutation::Bytes { at, bytes }),
    ]
}

fn mutate(base: &str, mutations: &[Mutation]) -> Vec<u8> {
    let mut bytes = base.as_bytes().to_vec();
    for m in mutations {
        let n = bytes.len() + 1;
        match m {
            Mutation::Insert { at, token } => {
                let at = at % n;
                bytes.splice(at..at, TOKENS[*token].bytes());
            }
            Mutation::Delete { at, len } => {
                let at = at % n;
                let end = (at + len).min(bytes.len());
                if at < end {
                    bytes.drain(at..end);
                }
            }
            Mutation::DuplicateLine { line } => {
                let text = String::from_utf8_lossy(&bytes).into_owned();
                let lines: Vec<&str> = text.split_inclusive('\n').collect();
                if !lines.is_empty() {
                    let i = line % lines.len();
                    let mut out: Vec<&str> = lines.clone();
                    out.insert(i, lines[i]);
                    bytes = out.concat().into_bytes();
                }
            }
            Mutation::Bytes { at, bytes: raw } => {
                let at = at % n;
                bytes.splice(at..at, raw.iter().copied());
            }
        }
    }
    bytes
}

/// Input errors are the only acceptable failure of a loader; tera's are the renderer's.
fn assert_typed(result: &Result<impl Sized, Error>, renderer: bool) -> Result<(), TestCaseError> {
    match result {
        Ok(_) | Err(Error::Input(_)) => Ok(()),
        Err(Error::Template(_)) if renderer => Ok(()),
        Err(e) => Err(TestCaseError::fail(format!("not an input error: {e:?}"))),
    }
}

fn spec(name: &str, kind: ColumnType, nullable: bool, min: Option<f64>, max: Option<f64>) -> ColumnSpec {
    ColumnSpec { name: name.into(), title: name.into(), kind, nullable, unit: None, format: None, min, max }
}

/// A schema with every column type, and a valid CSV for it.
fn schema() -> (Vec<ColumnSpec>, Vec<String>) {
    let columns = vec![
        spec("issuer", ColumnType::String, false, None, None),
        spec("published", ColumnType::Month, false, None, None),
        spec("day", ColumnType::Date, true, None, None),
        spec("count", ColumnType::Integer, true, Some(0.0), None),
        spec("share", ColumnType::Number, true, Some(0.0), Some(100.0)),
    ];
    (columns, vec!["issuer".into(), "published".into()])
}

const CSV: &str = "issuer,published,day,count,share\n国家发改委,2023-11,2023-11-22,3,54.44\n\"财政部, 税务总局\",2023-12,,,\n工业和信息化部,2024-01,2024-01-05,0,100\n";

fn fixture_text(rel: &str) -> String {
    std::fs::read_to_string(repo().join("tests/fixtures/mini").join(rel)).unwrap()
}

fn read_csv(bytes: Vec<u8>) -> Result<usize, Error> {
    let (columns, key) = schema();
    blockchain_report::data::read_csv_bytes(Path::new("data/tables/t.csv"), bytes, &columns, &key)
}

proptest! {
    #![proptest_config(cases(1000))]
    #[test]
    fn csv_reader_on_arbitrary_bytes(bytes in prop::collection::vec(any::<u8>(), 0..600)) {
        let result = within(LIMIT, move || read_csv(bytes));
        assert_typed(&result, false)?;
    }

    #[test]
    fn csv_reader_on_mutated_csv(mutations in prop::collection::vec(mutation(), 1..8)) {
        let bytes = mutate(CSV, &mutations);
        let result = within(LIMIT, move || read_csv(bytes));
        assert_typed(&result, false)?;
    }
}

fn parse_config(bytes: Vec<u8>) -> Result<Config, Error> {
    let path = Path::new("editions/2023/report.yaml");
    Config::parse(path, &blockchain_report::error::decode(path, bytes)?, Default::default())
}

fn parse_table(bytes: Vec<u8>) -> Result<catalog::TableMeta, Error> {
    let path = Path::new("data/tables/policies.yaml");
    catalog::parse_table(path, &blockchain_report::error::decode(path, bytes)?)
}

fn parse_figure(bytes: Vec<u8>) -> Result<catalog::FigureMeta, Error> {
    let path = Path::new("data/figures/scale.yaml");
    catalog::parse_figure(path, &blockchain_report::error::decode(path, bytes)?)
}

proptest! {
    #![proptest_config(cases(400))]
    #[test]
    fn config_loader_on_arbitrary_bytes(bytes in prop::collection::vec(any::<u8>(), 0..400)) {
        let result = within(LIMIT, move || parse_config(bytes));
        assert_typed(&result, false)?;
    }

    #[test]
    fn config_loader_on_mutated_report_yaml(mutations in prop::collection::vec(mutation(), 1..8)) {
        let bytes = mutate(&fixture_text("editions/2023/report.yaml"), &mutations);
        let result = within(LIMIT, move || parse_config(bytes));
        assert_typed(&result, false)?;
    }

    #[test]
    fn table_loader_on_mutated_yaml(mutations in prop::collection::vec(mutation(), 1..8)) {
        let bytes = mutate(&fixture_text("data/tables/policies.yaml"), &mutations);
        let result = within(LIMIT, move || parse_table(bytes));
        assert_typed(&result, false)?;
    }

    #[test]
    fn figure_loader_on_mutated_yaml(mutations in prop::collection::vec(mutation(), 1..8)) {
        let bytes = mutate(&fixture_text("data/figures/scale.yaml"), &mutations);
        let result = within(LIMIT, move || parse_figure(bytes));
        assert_typed(&result, false)?;
    }

    #[test]
    fn table_loader_on_arbitrary_bytes(bytes in prop::collection::vec(any::<u8>(), 0..400)) {
        let result = within(LIMIT, move || parse_table(bytes));
        assert_typed(&result, false)?;
    }
}

/// The mini report loaded once (data read, charts drawn); each case renders mutated templates.
struct Loaded {
    _dir: tempfile::TempDir,
    session: Session,
    templates: blockchain_report::render::TemplateDirs,
    sources: Vec<(String, String)>,
}

fn loaded() -> &'static Loaded {
    static LOADED: OnceLock<Loaded> = OnceLock::new();
    LOADED.get_or_init(|| {
        let dir = mini();
        let session = Session::open(Project::open(&dir.path().join("report.yaml")).unwrap()).unwrap();
        let templates = session.project.templates();
        let sources = ["report.md", "page.html", "chapters/01.md", "partials/table.md", "partials/figure.md"]
            .iter()
            .map(|n| (n.to_string(), std::fs::read_to_string(templates.path(n)).unwrap()))
            .collect();
        Loaded { _dir: dir, session, templates, sources }
    })
}

fn render(which: usize, bytes: Vec<u8>) -> Result<(), Error> {
    let l = loaded();
    let mut sources = l.sources.clone();
    let name = sources[which].0.clone();
    sources[which].1 = blockchain_report::error::decode(&l.templates.path(&name), bytes)?;
    let s = &l.session;
    blockchain_report::render::render_sources(
        &l.templates,
        &sources,
        &s.project.config,
        &s.catalog,
        &s.facts,
        s.charts(),
        &Default::default(),
        Default::default(),
        None,
    )
    .map(|_| ())
}

proptest! {
    #![proptest_config(cases(300))]
    #[test]
    fn renderer_on_mutated_templates(which in 0usize..5, mutations in prop::collection::vec(mutation(), 1..6)) {
        let bytes = mutate(&loaded().sources[which].1, &mutations);
        let result = within(LIMIT, move || render(which, bytes));
        assert_typed(&result, true)?;
    }
}

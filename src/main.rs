//! The command line: a thin layer over the library.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use blockchain_report::{audit, build, diff};
use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(version, about = "Regenerates the 中国区块链年度发展报告 from data/ with one command")]
struct Cli {
    /// The project's report.yaml (the series' settings).
    #[arg(long, short, global = true, default_value = "report.yaml")]
    config: PathBuf,
    /// The edition to build, check, list or serve (default: the latest, editions/<year>/).
    #[arg(long, global = true)]
    edition: Option<i32>,
    #[command(subcommand)]
    command: Command,
}

/// How `diff` prints its report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum DiffFormat {
    /// For a person at a terminal.
    Terminal,
    /// For a pull-request comment.
    Markdown,
    Json,
}

/// When `diff` exits with status 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum FailOn {
    /// When anything changed.
    Changed,
    /// Never.
    None,
}

#[derive(Subcommand)]
enum Command {
    /// Build output/: report.md, report.html, report.pdf, charts and the data behind them.
    Build {
        /// The editions to write, comma-separated: md, html, pdf, docx (default: all).
        #[arg(long, default_value = "md,html,pdf,docx")]
        to: build::Targets,
        /// The errata edition: print every computed value, with the published value in a
        /// note where the document disagrees with its own data.
        #[arg(long)]
        corrected: bool,
        /// Rasterise every chart afresh, neither reading nor writing the cache (.cache/).
        #[arg(long)]
        no_cache: bool,
        /// In report.docx, each prose number's provenance as a Word comment on it.
        #[arg(long)]
        docx_comments: bool,
    },
    /// Recompute the numbers the text states and report every contradiction.
    Check {
        /// Exit non-zero on any contradiction not acknowledged in the edition's audit-acknowledged.yaml.
        #[arg(long)]
        strict: bool,
    },
    /// What changed between two builds or editions: output dirs, project dirs or git revisions.
    Diff {
        old: String,
        new: String,
        #[arg(long, value_enum, default_value_t = DiffFormat::Terminal)]
        format: DiffFormat,
        /// Exit with status 1 when anything changed (`changed`), or never (`none`).
        #[arg(long, value_enum, default_value_t = FailOn::None)]
        fail_on: FailOn,
    },
    /// Live preview: serve output/ on localhost, rebuild on every save, reload the page.
    Serve {
        /// Port on 127.0.0.1 (0 picks a free one).
        #[arg(long, default_value_t = 8000)]
        port: u16,
    },
    /// Start the next edition: its report.yaml and templates copied from the latest one, and
    /// a checklist of what must be supplied or reworded.
    NewEdition {
        /// The year the new edition covers (the latest edition's year + 1).
        year: i32,
    },
    /// List every value the templates can use: name, value, unit and provenance.
    Vars {
        /// Only names containing this text.
        filter: Option<String>,
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
}

/// Writes a line to stdout. A reader that stops early (`build | head -1`) closes the pipe;
/// that ends the output, not the build, so write errors are ignored rather than panicking.
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout(), $($arg)*);
    }};
}

/// [`say!`] without the line break.
macro_rules! say_raw {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = write!(std::io::stdout(), $($arg)*);
    }};
}

fn main() -> ExitCode {
    blockchain_report::grow_the_heap_in_large_steps();
    match run(Cli::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {}", message(&e));
            ExitCode::FAILURE
        }
    }
}

/// The error and its causes, each once: a library error such as `path: File too large`
/// already ends with its source's message, which `{:#}` would print again.
fn message(e: &anyhow::Error) -> String {
    let mut out = String::new();
    for cause in e.chain() {
        let text = cause.to_string();
        if out.ends_with(&text) {
            continue;
        }
        if !out.is_empty() {
            out.push_str(": ");
        }
        out.push_str(&text);
    }
    out
}

fn run(cli: Cli) -> anyhow::Result<()> {
    if let Command::Serve { port } = cli.command {
        // serve keeps running when report.yaml is broken, to show the error.
        return Ok(blockchain_report::serve::serve(&cli.config, cli.edition, port)?);
    }
    if let Command::NewEdition { year } = cli.command {
        let started = blockchain_report::series::new_edition(&cli.config, year)?;
        say_raw!("{}", blockchain_report::series::checklist_text(&started));
        return Ok(());
    }
    if let Command::Diff { old, new, format, fail_on } = &cli.command {
        // diff compares two builds; it needs no project of its own.
        let scratch = std::env::temp_dir().join(format!("blockchain-report-diff-{}", std::process::id()));
        // Revisions are read from the repository around report.yaml (or the current directory).
        let root =
            cli.config.parent().filter(|p| !p.as_os_str().is_empty()).map_or_else(|| std::path::PathBuf::from("."), |p| p.to_path_buf());
        let result = (|| -> anyhow::Result<diff::Report> {
            let a = diff::load(old, &root, &scratch.join("old"))?;
            let b = diff::load(new, &root, &scratch.join("new"))?;
            Ok(diff::compare(&a, &b))
        })();
        let _ = std::fs::remove_dir_all(&scratch);
        let report = result?;
        match format {
            DiffFormat::Markdown => say_raw!("{}", diff::markdown(&report)),
            DiffFormat::Json => say!("{}", serde_json::to_string_pretty(&report)?),
            DiffFormat::Terminal => say_raw!("{}", diff::terminal(&report)),
        }
        if *fail_on == FailOn::Changed && !report.is_empty() {
            std::process::exit(1);
        }
        return Ok(());
    }
    let project = build::Project::open_edition(&cli.config, cli.edition)?;
    match cli.command {
        Command::Build { to, corrected, no_cache, docx_comments } => {
            let edition =
                if corrected { blockchain_report::edition::Edition::Corrected } else { blockchain_report::edition::Edition::Published };
            let docx = blockchain_report::write::docx::Options { comments: docx_comments };
            let summary = build::build(&project, build::Options { targets: to, edition, no_cache, docx })
                .context("build failed; the previous output/ is unchanged")?;
            if summary.unchanged {
                say!(
                    "{} is up to date: nothing it is built from has changed ({} tables, {} figures, {} files)",
                    project.output_dir().display(),
                    summary.tables,
                    summary.figures,
                    summary.files
                );
            } else {
                say!(
                    "built {}: {} tables, {} figures ({} from the cache), {} files{}",
                    project.output_dir().display(),
                    summary.tables,
                    summary.figures,
                    summary.figures - summary.rasterised.len(),
                    summary.files,
                    if summary.pdf_from_cache { " (report.pdf from the cache)" } else { "" }
                );
            }
            let n = summary.numbers;
            let kept = if corrected {
                format!("{} corrected (the published value in a note)", n.corrected)
            } else {
                format!("{} printed as published despite a reviewed contradiction", n.as_published)
            };
            say!("numbers in the text: {} computed, {} primary, {kept}", n.computed, n.primary);
            let open = summary.audit.open_contradictions().count();
            if open > 0 {
                eprintln!("warning: the audit finds {open} contradictions not yet acknowledged; run `check` for details");
            }
        }
        Command::Check { strict } => {
            let (catalog, facts, revisions) = project.load_with_revisions()?;
            let mut audit = audit::run(&catalog, &facts)?;
            audit.revisions = revisions;
            say_raw!("{}", audit::terminal(&audit));
            let year = project.config.edition.year;
            let later: Vec<i32> = project.editions.iter().copied().filter(|&e| e > year).collect();
            say_raw!("{}", blockchain_report::revisions::terminal(&blockchain_report::revisions::of_edition(&catalog, year, &later)?));
            let files = [
                ("audit.md".into(), audit::markdown(&audit).into_bytes()),
                ("audit.json".into(), serde_json::to_string_pretty(&audit)?.into_bytes()),
            ];
            blockchain_report::paths::add_to_output(&project.output_dir(), &files)?;
            let open = audit.open_contradictions().count();
            if strict && open > 0 {
                anyhow::bail!(
                    "{open} contradictions are not acknowledged in {}",
                    project.edition_dir.join("audit-acknowledged.yaml").display()
                );
            }
        }
        Command::Serve { .. } | Command::Diff { .. } | Command::NewEdition { .. } => unreachable!("handled above"),
        Command::Vars { filter, json } => {
            let (catalog, facts) = project.load()?;
            let audit = audit::run(&catalog, &facts)?;
            let vars = blockchain_report::edition::variables(
                &facts,
                &blockchain_report::edition::shown(&facts, &audit, blockchain_report::edition::Edition::Published),
                project.config.edition.year,
            );
            let wanted = |name: &str| filter.as_deref().is_none_or(|f| name.contains(f));
            let vars: Vec<_> = vars.iter().map(|(k, v)| (format!("n.{k}"), v)).filter(|(n, _)| wanted(n)).collect();
            // External values are drawn in figures only; they are listed for completeness.
            let external: Vec<_> = facts
                .figures
                .iter()
                .flat_map(|f| f.points.iter().map(move |p| (f, p)))
                .filter(|(_, p)| p.status == blockchain_report::model::Status::External)
                .map(|(f, p)| (format!("figure {} {} {}", f.id, p.series, p.category).replace("  ", " "), p))
                .filter(|(n, _)| wanted(n))
                .collect();
            if json {
                say!("{}", serde_json::to_string_pretty(&serde_json::json!({"numbers": vars, "external": external}))?);
            } else {
                let year = project.config.edition.year;
                // A number without a value in the edition's year says so, never "NaN".
                let num = |qualifier: &str, v: f64, unit: &str| match v.is_finite() {
                    true => format!("{qualifier}{} {unit}", blockchain_report::numfmt::number(v, 4)),
                    false => format!("—（{year} 年没有值）"),
                };
                for (name, v) in vars {
                    match &v.formula {
                        None => say!("{name} = {}\tprimary\t{}\t{}", num(&v.qualifier, v.value, &v.unit), v.defined, v.provenance),
                        Some(f) => {
                            let printed = v
                                .printed
                                .as_deref()
                                .map(|p| format!("\tprinted in {}: {p}", project.config.edition.year))
                                .unwrap_or_default();
                            let kept = if v.as_published { " (printed as published)" } else { "" };
                            say!(
                                "{name} = {}{kept}\tderived\t{}\t{f}\tinputs: {}{printed}",
                                num("", v.computed, &v.unit),
                                v.defined,
                                v.inputs.join(", ")
                            );
                        }
                    }
                }
                for (name, p) in external {
                    say!(
                        "{name} = {}\texternal\t{}",
                        p.value.map_or("—".into(), |v| blockchain_report::numfmt::number(v, 4)),
                        p.provenance.sentence()
                    );
                }
            }
        }
    }
    Ok(())
}

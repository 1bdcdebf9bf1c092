//! The command line: a thin layer over the library.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use blockchain_report::{audit, build, diff, render};
use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(version, about = "Regenerates the 中国区块链年度发展报告 from data/ with one command")]
struct Cli {
    /// The edition's report.yaml.
    #[arg(long, short, global = true, default_value = "report.yaml")]
    config: PathBuf,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Build output/: report.md, report.html, charts and the data behind them.
    Build {
        /// The editions to write, comma-separated: md, html (default: all).
        #[arg(long, default_value = "md,html")]
        to: build::Targets,
        /// Rasterise every chart afresh, neither reading nor writing the cache (.cache/).
        #[arg(long)]
        no_cache: bool,
    },
    /// Recompute the numbers the text states and report every contradiction.
    Check {
        /// Exit non-zero on any contradiction not acknowledged in data/audit-acknowledged.yaml.
        #[arg(long)]
        strict: bool,
    },
    /// What changed between two builds or editions: output dirs, project dirs or git revisions.
    Diff {
        old: String,
        new: String,
        /// terminal, markdown or json.
        #[arg(long, default_value = "terminal")]
        format: String,
        /// Exit with status 1 when anything changed (`changed`), or never (`none`).
        #[arg(long, default_value = "none")]
        fail_on: String,
    },
    /// Live preview: serve output/ on localhost, rebuild on every save, reload the page.
    Serve {
        /// Port on 127.0.0.1 (0 picks a free one).
        #[arg(long, default_value_t = 8000)]
        port: u16,
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

fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<()> {
    if let Command::Serve { port } = cli.command {
        // serve keeps running when report.yaml is broken, to show the error.
        return Ok(blockchain_report::serve::serve(&cli.config, port)?);
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
        match format.as_str() {
            "markdown" => print!("{}", diff::markdown(&report)),
            "json" => println!("{}", serde_json::to_string_pretty(&report)?),
            "terminal" => print!("{}", diff::terminal(&report)),
            other => anyhow::bail!("unknown format `{other}`: use terminal, markdown or json"),
        }
        match fail_on.as_str() {
            "changed" if !report.is_empty() => std::process::exit(1),
            "changed" | "none" => {}
            other => anyhow::bail!("unknown --fail-on `{other}`: use changed or none"),
        }
        return Ok(());
    }
    let project = build::Project::open(&cli.config)?;
    match cli.command {
        Command::Build { to, no_cache } => {
            let cache = if no_cache { blockchain_report::cache::Cache::disabled() } else { project.cache() };
            let summary = build::build_with_cache(&project, to, cache).context("build failed; the previous output/ is unchanged")?;
            println!(
                "built {}: {} tables, {} figures ({} from the cache), {} files",
                project.output_dir().display(),
                summary.tables,
                summary.figures,
                summary.figures - summary.rasterised.len(),
                summary.files
            );
            let open = summary.audit.open_contradictions().count();
            if open > 0 {
                eprintln!("warning: the audit finds {open} contradictions not yet acknowledged; run `check` for details");
            }
        }
        Command::Check { strict } => {
            let (catalog, facts) = project.load()?;
            let audit = audit::run(&catalog, &facts)?;
            print!("{}", audit::terminal(&audit));
            let out = project.output_dir();
            std::fs::create_dir_all(&out)?;
            std::fs::write(out.join("audit.md"), audit::markdown(&audit))?;
            std::fs::write(out.join("audit.json"), serde_json::to_string_pretty(&audit)?)?;
            let open = audit.open_contradictions().count();
            if strict && open > 0 {
                anyhow::bail!("{open} contradictions are not acknowledged in data/audit-acknowledged.yaml");
            }
        }
        Command::Serve { .. } | Command::Diff { .. } => unreachable!("handled above"),
        Command::Vars { filter, json } => {
            let (_, facts) = project.load()?;
            let vars = render::variables(&facts);
            let wanted = |name: &str| filter.as_deref().is_none_or(|f| name.contains(f));
            if json {
                let flat: Vec<_> = vars
                    .iter()
                    .flat_map(|(scope, vs)| vs.iter().map(move |(k, v)| (format!("{scope}.{k}"), v)))
                    .filter(|(n, _)| wanted(n))
                    .collect();
                println!("{}", serde_json::to_string_pretty(&flat)?);
            } else {
                for (scope, vs) in &vars {
                    for (key, v) in vs {
                        let name = format!("{scope}.{key}");
                        if wanted(&name) {
                            let value = blockchain_report::numfmt::number(v.value, 4);
                            println!("{name}\t{}{value} {}\t{}\t{}", v.qualifier, v.unit, v.kind, v.provenance);
                        }
                    }
                }
            }
        }
    }
    Ok(())
}

//! The `agora` command: serve the marketplace, migrate, import and export catalogs, rebuild the
//! index, manage users and departments, issue tokens. Configuration comes from flags and `AGORA_*` variables and is passed down
//! explicitly; with none at all it runs on SQLite in `./agora-data`.

mod cli;
mod commands;
mod departments;
mod forges;
mod progress;
mod settings;
mod users;

use clap::Parser;

fn init_logging(json: bool) {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_env("AGORA_LOG")
        .unwrap_or_else(|_| EnvFilter::new("info,tantivy=warn"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    if json {
        builder.json().init();
    } else {
        builder.init();
    }
}

fn main() -> std::process::ExitCode {
    let cli = cli::Cli::parse();
    init_logging(cli.global.log_format == cli::LogFormat::Json);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    match runtime.block_on(commands::run(cli)) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

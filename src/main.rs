use std::process::ExitCode;

use clap::Parser;

#[tokio::main]
async fn main() -> ExitCode {
    buurtgraph::cli::run(buurtgraph::cli::Cli::parse()).await
}

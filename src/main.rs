use std::process::ExitCode;

use clap::Parser;

/// mimalloc instead of glibc's malloc: per-thread free lists without arena locks, and freed
/// memory goes back to the system (bench/README.md has the comparison).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("error: cannot start the async runtime: {err}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(buurtgraph::cli::run(buurtgraph::cli::Cli::parse()))
}

use std::process::ExitCode;

use clap::Parser;

/// mimalloc instead of glibc's malloc: per-thread free lists without arena locks, and freed
/// memory goes back to the system (bench/README.md has the comparison).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// `mi_option_arena_eager_commit` in mimalloc.h (v3), which the bindings do not name.
const MI_OPTION_ARENA_EAGER_COMMIT: libmimalloc_sys::mi_option_t = 4;

fn main() -> ExitCode {
    // Arenas committed up front (mimalloc's default on Linux) are backed by transparent huge
    // pages as soon as they are touched: the idle service took 60 MB instead of 38 MB.
    // SAFETY: only an allocator setting, before any other thread exists.
    unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_ARENA_EAGER_COMMIT, 0) };
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

use std::process::ExitCode;

use clap::Parser;

/// mimalloc instead of glibc's malloc: per-thread free lists without arena locks, and freed
/// memory goes back to the system (bench/README.md has the comparison).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Options of mimalloc v3 (`mi_option_t` in its mimalloc.h) that the bindings do not name,
/// and the values the service runs with. Measured with the benchmark's A1 (clustering 5,000
/// questions over a database of 100,000): with mimalloc's defaults the server's peak RSS was
/// 155–247 MB from run to run, most of it pages kept by the heaps of the threads that had
/// allocated them (SQLite's connection threads among them); with these and
/// `keep_memory_lean`, 90–92 MB at the same speed (bench/README.md, round six).
const MIMALLOC_OPTIONS: [(libmimalloc_sys::mi_option_t, std::ffi::c_long); 4] = [
    // Arenas committed up front are backed by transparent huge pages as soon as they are
    // touched: the idle service took 60 MB instead of 38 MB.
    (4, 0), // mi_option_arena_eager_commit
    // Freed pages go back to the system at once, not after 10 ms (arenas: 100 ms).
    (15, 0), // mi_option_purge_delay
    // No full pages kept per size class for the next allocation.
    (36, 0), // mi_option_page_full_retain
    (40, 1), // mi_option_page_commit_on_demand
];

fn main() -> ExitCode {
    for (option, value) in MIMALLOC_OPTIONS {
        // SAFETY: only allocator settings, before any other thread exists.
        unsafe { libmimalloc_sys::mi_option_set(option, value) };
    }
    keep_memory_lean();
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

/// Rust's allocations go to mimalloc, but SQLite's own (its page cache, sorter, statements)
/// still use glibc's malloc, which gives each allocating thread an arena of its own and seldom
/// returns their freed memory; each SQLite connection runs on a thread of its own. With up to
/// sixteen arenas their memory stays at each thread's peak; one is enough for SQLite.
/// Transparent huge pages are turned off for the process too (mimalloc's own `allow_thp` is
/// read before `main`, too early to set): a huge page makes a few live bytes cost 2 MB.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn keep_memory_lean() {
    // SAFETY: mallopt and prctl only change allocator and memory settings; they run before
    // any other thread exists.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 1);
        libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn keep_memory_lean() {}

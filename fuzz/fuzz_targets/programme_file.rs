//! The programme importer's pure part: arbitrary bytes into `ProgrammeFile::parse_bytes`.
//!
//! Beyond "never panics", checks what the importer relies on:
//! - a refused file reports at least one problem, each with a path;
//! - an accepted file has no problems, and written back out as JSON it is accepted again
//!   and comes out the same.
#![no_main]

use buurtgraph::programme_file::ProgrammeFile;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    match ProgrammeFile::parse_bytes("fuzz.json", data) {
        Err(invalid) => {
            assert!(!invalid.problems.is_empty(), "refused without a reason");
            assert!(
                invalid.problems.iter().all(|p| !p.path.is_empty()),
                "a problem without a path: {invalid}"
            );
            let _ = invalid.to_string();
        }
        Ok(file) => {
            assert!(file.problems().is_empty(), "accepted with problems");
            let written = serde_json::to_string(&file).expect("an accepted file serialises");
            let again = ProgrammeFile::parse("again.json", &written)
                .unwrap_or_else(|err| panic!("written back, it is refused: {err}\n{written}"));
            let rewritten = serde_json::to_string(&again).expect("serialises");
            assert_eq!(written, rewritten, "the round trip changed the file");
        }
    }
});

//! Replays the committed fuzz corpus (`fuzz/corpus/<target>/`) through the fuzz targets'
//! checks on stable, so that every input a fuzzer once kept — crashes it found included —
//! stays checked by the normal test suite. Real fuzzing runs with `cargo xtask fuzz`
//! (docs/fuzzing.md).

#[path = "../../fuzz/src/lib.rs"]
mod checks;

use std::path::Path;

#[test]
fn every_corpus_file_passes_its_target() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus");
    let mut replayed = 0;
    for (name, check) in checks::TARGETS {
        let dir = root.join(name);
        let files = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("no corpus for target {name} in {}: {e}", dir.display()));
        let mut count = 0;
        for f in files {
            let path = f.expect("a corpus entry").path();
            let data = std::fs::read(&path).expect("a corpus file");
            let outcome = std::panic::catch_unwind(|| check(&data));
            assert!(outcome.is_ok(), "{name}: {} fails", path.display());
            count += 1;
        }
        assert!(count > 0, "the corpus of {name} is empty");
        replayed += count;
    }
    eprintln!("replayed {replayed} corpus files");
}

#[test]
fn every_target_has_a_fuzz_target_file() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/fuzz_targets");
    for (name, _) in checks::TARGETS {
        assert!(root.join(format!("{name}.rs")).is_file(), "{name}");
    }
}

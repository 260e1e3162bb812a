//! No test decides pass or fail by a clock (README, Reliability): a debug build on a busy
//! machine runs many times slower than on an idle one. This test lists every clock read in the
//! workspace's Rust code (`Instant::now`, `SystemTime::now`, `.elapsed()`, `recv_timeout(`,
//! `wait_timeout(`) and fails on any that does not say why it decides no test: a comment
//! `// clock: <why>` on its line or on the line above. Allowed reasons are a hang guard with a
//! threshold no debug build under load comes near (`cnb_harness::HANG_GUARD`,
//! `fuzz_check::HANG_GUARD`: a minute), a wait for a service to answer, and a time printed for a
//! person (a log line, a figure). Linear time is shown by counting work instead
//! (`fuzz_check::assert_linear`). Benchmarks (`benches/` directories) print times and are exempt.

// A test target sees every dependency of the harness library; it uses only a few of them.
#![allow(unused_crate_dependencies)]

use cnb_harness::workspace_root;
use std::path::{Path, PathBuf};

/// What reads a clock (spelled in pieces so that this file does not list itself).
const CLOCK_READS: [&str; 5] = [
    concat!("Instant", "::now"),
    concat!("SystemTime", "::now"),
    concat!(".elapsed", "()"),
    concat!("recv_timeout", "("),
    concat!("wait_timeout", "("),
];

/// The comment that says why a clock read decides no test.
const MARKER: &str = "// clock:";

/// Directories not searched: build output, version control, benchmarks, test fixtures.
const SKIPPED_DIRS: [&str; 5] = ["target", ".git", "benches", "fixtures", "node_modules"];

fn rust_files(dir: &Path, files: &mut Vec<PathBuf>) {
    let entries = std::fs::read_dir(dir)
        .unwrap_or_else(|error| panic!("cannot list {}: {error}", dir.display()));
    for entry in entries {
        let entry = entry.unwrap_or_else(|error| panic!("cannot list {}: {error}", dir.display()));
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        let file_type = entry.file_type().expect("file type");
        if file_type.is_dir() && !SKIPPED_DIRS.contains(&name.as_str()) {
            rust_files(&path, files);
        } else if file_type.is_file() && path.extension().is_some_and(|extension| extension == "rs")
        {
            files.push(path);
        }
    }
}

/// The unmarked clock reads of `text`, as `line number: line`.
fn unmarked_clock_reads(text: &str) -> Vec<String> {
    let lines: Vec<&str> = text.lines().collect();
    let mut found = Vec::new();
    for (index, line) in lines.iter().enumerate() {
        let code = line.trim_start();
        if code.starts_with("//") || !CLOCK_READS.iter().any(|read| code.contains(read)) {
            continue;
        }
        let marked = line.contains(MARKER) || index > 0 && lines[index - 1].contains(MARKER);
        if !marked {
            found.push(format!("{}: {}", index + 1, line.trim()));
        }
    }
    found
}

#[test]
fn clock_reads_are_marked() {
    let root = workspace_root();
    let mut files = Vec::new();
    rust_files(&root, &mut files);
    files.sort();
    assert!(
        files.len() > 50,
        "only {} Rust files under {}",
        files.len(),
        root.display()
    );
    let mut unmarked = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(file)
            .unwrap_or_else(|error| panic!("cannot read {}: {error}", file.display()));
        for read in unmarked_clock_reads(&text) {
            let relative = file.strip_prefix(&root).unwrap_or(file);
            unmarked.push(format!("{}:{read}", relative.display()));
        }
    }
    assert!(
        unmarked.is_empty(),
        "clock reads without a `{MARKER} <why>` comment (no test may pass or fail by a clock: \
         count work with fuzz_check::assert_linear, or guard a hang with cnb_harness::HANG_GUARD \
         and say so):\n{}",
        unmarked.join("\n")
    );
}

#[test]
fn the_scan_finds_unmarked_reads_and_accepts_marked_ones() {
    let now = CLOCK_READS[0];
    let text = format!(
        "let started = {now}();\n\
         assert!(started{elapsed} < LIMIT);\n\
         // clock: a time for the log\n\
         let logged = {now}();\n\
         let figure = {now}(); {MARKER} a figure\n\
         // {now} in a comment is not a read\n",
        elapsed = CLOCK_READS[2],
    );
    assert_eq!(
        unmarked_clock_reads(&text),
        [
            format!("1: let started = {now}();"),
            format!("2: assert!(started{} < LIMIT);", CLOCK_READS[2]),
        ]
    );
}

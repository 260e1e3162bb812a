//! Bounded fuzz runs of the parsers of untrusted input, as ordinary tests.
//!
//! [`fuzz_text`] feeds a parser `FUZZ_CASES` inputs (default [`DEFAULT_CASES`]): seeds (real
//! inputs) edited at random (characters inserted, ranges deleted, ranges repeated many times
//! to grow nesting and size), seeds glued together, and arbitrary text. A run fails on the
//! first panic (shrunk by proptest to a minimal input) or on a case slower than
//! [`HANG_LIMIT`]. Each run appends a line to `target/fuzz/figures.tsv` (parser, cases,
//! slowest case), which `tests/fuzz.sh` prints as the README's Reliability table.
//!
//! Plain `cargo test` replays the same inputs every run (a fixed seed), so the test command
//! stays deterministic; `FUZZ_RANDOM=1` (set by `tests/fuzz.sh`) draws new inputs each run to
//! look for new failures.
//!
//! ```
//! fuzz_check::fuzz_text("u32", &["1", "42"], |input| {
//!     let _ = input.trim().parse::<u32>();
//! });
//! ```

use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestCaseError, TestRng, TestRunner};
use std::io::Write;
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// Inputs per parser when `FUZZ_CASES` is not set.
pub const DEFAULT_CASES: u32 = 2_000;

/// A case slower than this is a hang.
pub const HANG_LIMIT: Duration = Duration::from_secs(1);

/// One random edit of a seed.
#[derive(Debug, Clone)]
enum Edit {
    Insert(usize, String),
    Delete(usize, usize),
    Repeat(usize, usize, usize),
}

fn edit() -> impl Strategy<Value = Edit> {
    // Characters that mean something to the parsers: quotes, brackets, operators, separators.
    let interesting = prop::sample::select(vec![
        "\"",
        "'",
        "{",
        "}",
        "[",
        "]",
        "<",
        ">",
        "</",
        "/>",
        "=",
        "${",
        "^",
        "~",
        "*",
        "x",
        "||",
        " - ",
        ".",
        "-",
        ":",
        "@",
        "#",
        "\\",
        "\n",
        "\r\n",
        "\t",
        " ",
        "\0",
        "\u{feff}",
        "é",
        "lts/",
        "sha256:",
        "<![CDATA[",
        "-->",
        "<!--",
        "&amp;",
        "&#",
        "0",
        "9",
        "99999999999",
    ]);
    prop_oneof![
        (
            any::<usize>(),
            prop_oneof![interesting.prop_map(str::to_string), "\\PC{1,8}"]
        )
            .prop_map(|(at, text)| Edit::Insert(at, text)),
        (any::<usize>(), 0..64usize).prop_map(|(at, len)| Edit::Delete(at, len)),
        (any::<usize>(), 1..32usize, 2..512usize)
            .prop_map(|(at, len, times)| Edit::Repeat(at, len, times)),
    ]
}

fn boundary(text: &str, at: usize) -> usize {
    let mut at = at % (text.len() + 1);
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

fn apply(mut text: String, edits: &[Edit]) -> String {
    for edit in edits {
        match edit {
            Edit::Insert(at, insert) => {
                let at = boundary(&text, *at);
                text.insert_str(at, insert);
            }
            Edit::Delete(at, len) => {
                let start = boundary(&text, *at);
                let end = boundary(&text, start + len);
                text.replace_range(start..end.max(start), "");
            }
            Edit::Repeat(at, len, times) => {
                let start = boundary(&text, *at);
                let end = boundary(&text, start + len).max(start);
                let repeated = text[start..end].repeat(*times);
                text.replace_range(start..end, &repeated);
            }
        }
    }
    text
}

/// Inputs built from `seeds`: edited, glued together, or arbitrary text.
fn inputs(seeds: &[&str]) -> BoxedStrategy<String> {
    let seeds: Vec<String> = seeds.iter().map(|seed| (*seed).to_string()).collect();
    if seeds.is_empty() {
        return "\\PC{0,256}".boxed();
    }
    let edited = (
        prop::sample::select(seeds.clone()),
        prop::collection::vec(edit(), 0..8),
    )
        .prop_map(|(seed, edits)| apply(seed, &edits));
    let glued = (
        prop::sample::select(seeds.clone()),
        prop::sample::select(seeds),
    )
        .prop_map(|(a, b)| a + &b);
    prop_oneof![6 => edited, 1 => glued, 1 => "\\PC{0,256}"].boxed()
}

fn cases() -> u32 {
    std::env::var("FUZZ_CASES")
        .ok()
        .and_then(|cases| cases.parse().ok())
        .unwrap_or(DEFAULT_CASES)
}

/// Runs `parse` on generated inputs; panics (failing the calling test) with the minimal input
/// when `parse` panics or takes longer than [`HANG_LIMIT`] on one.
///
/// # Panics
/// When `parse` panicked or hung on an input, with that input in the message.
pub fn fuzz_text(parser: &str, seeds: &[&str], parse: impl Fn(&str)) {
    let cases = cases();
    let config = Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    };
    let mut runner = if std::env::var_os("FUZZ_RANDOM").is_some_and(|value| value == "1") {
        TestRunner::new(config)
    } else {
        TestRunner::new_with_rng(config, TestRng::deterministic_rng(RngAlgorithm::ChaCha))
    };
    let slowest = std::cell::Cell::new(Duration::ZERO);
    let result = runner.run(&inputs(seeds), |input| {
        let started = Instant::now();
        parse(&input);
        let took = started.elapsed();
        slowest.set(slowest.get().max(took));
        if took > HANG_LIMIT {
            return Err(TestCaseError::fail(format!(
                "took {took:?} on an input of {} bytes",
                input.len()
            )));
        }
        Ok(())
    });
    if let Err(error) = result {
        panic!("fuzzing {parser}: {error}");
    }
    record(parser, cases, slowest.get());
}

/// Appends `parser<TAB>cases<TAB>slowest case in ms` to `target/fuzz/figures.tsv`.
fn record(parser: &str, cases: u32, slowest: Duration) {
    let Some(dir) = figures_dir() else { return };
    let line = format!("{parser}\t{cases}\t{:.3}\n", slowest.as_secs_f64() * 1000.0);
    let written = std::fs::create_dir_all(&dir).and_then(|()| {
        std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(dir.join("figures.tsv"))?
            .write_all(line.as_bytes())
    });
    if let Err(error) = written {
        eprintln!(
            "fuzz-check: cannot record figures in {}: {error}",
            dir.display()
        );
    }
}

/// `<target>/fuzz`, found from the test binary's path (`<target>/<profile>/deps/<binary>`).
fn figures_dir() -> Option<PathBuf> {
    let exe = std::env::current_exe().ok()?;
    let target = exe
        .ancestors()
        .find(|dir| dir.file_name() == Some("target".as_ref()))?;
    Some(target.join("fuzz"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edits_stay_on_character_boundaries() {
        let text = apply(
            "é€x".to_string(),
            &[
                Edit::Insert(1, "a".into()),
                Edit::Delete(2, 3),
                Edit::Repeat(0, 2, 3),
            ],
        );
        assert!(!text.is_empty());
    }

    #[test]
    fn repeat_grows_the_input() {
        assert_eq!(apply("ab".into(), &[Edit::Repeat(0, 1, 4)]), "aaaab");
    }

    #[test]
    #[should_panic(expected = "fuzzing panicky")]
    fn a_panic_fails_the_run() {
        fuzz_text("panicky", &["ok"], |input| assert!(!input.contains('x')));
    }
}

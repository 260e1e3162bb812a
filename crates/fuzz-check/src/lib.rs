//! Bounded fuzz runs of the parsers of untrusted input, as ordinary tests.
//!
//! [`fuzz_text`] feeds a parser `FUZZ_CASES` inputs (default [`DEFAULT_CASES`]): seeds (real
//! inputs) edited at random (characters inserted, ranges deleted, ranges repeated many times
//! to grow nesting and size), seeds glued together, and arbitrary text.
//!
//! # What fails a run, and what does not
//!
//! No clock decides a test here: `cargo test` runs debug builds on shared machines, where one
//! input can take many times longer than on an idle one.
//!
//! - **A panic** fails the run, with the input shrunk by proptest to a minimal one.
//! - **A hang** is an input the parser does not answer within [`HANG_GUARD`] (a minute): a
//!   watchdog thread then prints the parser and the input and aborts the test process (a parser
//!   stuck in a loop never returns, so failing the case from the test thread is not possible).
//!   The slowest input of any parser here takes well under a tenth of a second in a debug build
//!   (release figures: the README's Reliability table), so no debug build under load comes near
//!   the guard: reaching it means a loop that does not end.
//! - **Slowness** is not a failure here. Super-linear work is shown by counting work: a parser
//!   counts its steps for its tests, and [`assert_linear`] compares the count on an input of
//!   size n with 8n (a linear parser does about 8 times the work, a quadratic one 64 times;
//!   more than 24 times fails). Each fuzz run appends the time of its slowest input to
//!   `target/fuzz/figures.tsv` (parser, cases, slowest input), which the release-build
//!   `tests/fuzz.sh` prints as the README's Reliability table: figures to read, not a verdict.
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
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use std::io::Write;
use std::path::PathBuf;
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// Inputs per parser when `FUZZ_CASES` is not set.
pub const DEFAULT_CASES: u32 = 2_000;

/// An input the parser has not answered after this long is a hang (see the crate's
/// documentation): hundreds of times the slowest input of any parser here, in a debug build.
pub const HANG_GUARD: Duration = Duration::from_mins(1);

/// The most work an input 8 times as large may take, as a multiple of the smaller input's: a
/// linear parser does about 8 times the work, a quadratic one 64 times.
pub const MAX_WORK_RATIO: u64 = 24;

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
/// when `parse` panics on one. An input `parse` does not answer within [`HANG_GUARD`] aborts the
/// test process, naming the input (see the crate's documentation).
///
/// # Panics
/// When `parse` panicked on an input, with that input in the message.
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
    let watchdog = watch(parser, HANG_GUARD, |parser, input| {
        eprintln!(
            "fuzzing {parser}: no answer after {HANG_GUARD:?} on an input of {} bytes (a hang): \
             {:?}",
            input.len(),
            preview(&input)
        );
        std::process::abort();
    });
    let slowest = std::cell::Cell::new(Duration::ZERO);
    let result = runner.run(&inputs(seeds), |input| {
        let _ = watchdog.send(Some(input.clone()));
        // clock: the figure tests/fuzz.sh prints; it decides nothing.
        let started = Instant::now();
        parse(&input);
        slowest.set(slowest.get().max(started.elapsed())); // clock: figure only
        let _ = watchdog.send(None);
        Ok(())
    });
    drop(watchdog);
    if let Err(error) = result {
        panic!("fuzzing {parser}: {error}");
    }
    record(parser, cases, slowest.get());
}

/// A watchdog thread for one run: send it `Some(input)` when a case starts and `None` when it
/// ends; when a case has not ended after `guard`, it calls `on_hang` with the parser and the
/// input. Dropping the sender ends the thread.
fn watch(
    parser: &str,
    guard: Duration,
    on_hang: impl FnOnce(&str, String) + Send + 'static,
) -> mpsc::Sender<Option<String>> {
    let (sender, receiver) = mpsc::channel::<Option<String>>();
    let parser = parser.to_string();
    std::thread::spawn(move || {
        let mut running = None;
        loop {
            // clock: the hang guard (see the crate's documentation).
            match receiver.recv_timeout(guard) {
                Ok(case) => running = case,
                Err(mpsc::RecvTimeoutError::Timeout) => {
                    if let Some(input) = running.take() {
                        on_hang(&parser, input);
                        return;
                    }
                }
                Err(mpsc::RecvTimeoutError::Disconnected) => return,
            }
        }
    });
    sender
}

/// The first 200 characters of `input`.
fn preview(input: &str) -> String {
    input.chars().take(200).collect()
}

/// Fails when the work `work` counts on `input(8 * n)` is more than [`MAX_WORK_RATIO`] times
/// the work on `input(n)`: the linearity check of a parser that counts its steps (bytes looked
/// at, elements compared) for its tests. Work counted, not time: load cannot change it.
///
/// ```
/// // A linear scan: one step per byte.
/// fuzz_check::assert_linear("bytes", |n| "a".repeat(n), 1000, |input| input.len() as u64);
/// ```
///
/// # Panics
/// When the work grows faster than that, or when the smaller input takes no work at all (the
/// counter is not counting).
pub fn assert_linear(
    what: &str,
    input: impl Fn(usize) -> String,
    n: usize,
    work: impl Fn(&str) -> u64,
) {
    let small = work(&input(n));
    let large = work(&input(8 * n));
    assert!(small > 0, "{what}: no work counted on an input of size {n}");
    assert!(
        large <= MAX_WORK_RATIO * small,
        "{what}: {large} steps on an input of size {}, {small} on {n}: more than {MAX_WORK_RATIO} \
         times the work for 8 times the input (a linear parser does about 8 times)",
        8 * n
    );
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
    fn a_case_that_does_not_end_is_reported_as_a_hang() {
        let (hangs, hang) = mpsc::channel();
        let watchdog = watch("stuck", Duration::from_millis(10), move |parser, input| {
            hangs.send(format!("{parser}: {input}")).unwrap();
        });
        watchdog.send(Some("input".to_string())).unwrap();
        // Waits without a time limit: the watchdog reports whatever the load.
        assert_eq!(hang.recv().unwrap(), "stuck: input");
    }

    #[test]
    fn a_quadratic_count_is_not_linear() {
        assert_linear("linear", |n| "a".repeat(n), 100, |input| input.len() as u64);
        let quadratic = std::panic::catch_unwind(|| {
            assert_linear(
                "quadratic",
                |n| "a".repeat(n),
                100,
                |input| (input.len() * input.len()) as u64,
            );
        });
        assert!(quadratic.is_err());
    }

    #[test]
    #[should_panic(expected = "fuzzing panicky")]
    fn a_panic_fails_the_run() {
        fuzz_text("panicky", &["ok"], |input| assert!(!input.contains('x')));
    }
}

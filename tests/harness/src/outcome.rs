//! What a finished process left, shown once and labelled when a test fails: [`Outcome`] (its
//! exit code and output, with `assert_exit`, `assert_success`, `assert_failure_with`,
//! `assert_output_contains`, `assert_output_lacks`),
//! [`assert_contains!`](crate::assert_contains) and
//! [`assert_not_contains!`](crate::assert_not_contains).
//!
//! Every failure message prints the whole outcome: the exit code, then each stream under a
//! label; a stream longer than [`SHOWN`] bytes keeps its start and its end, with a note saying
//! how much was left out between them.

use std::borrow::Cow;
use std::fmt;
use std::path::PathBuf;
use tempfile::TempDir;

/// The most bytes of one stream a failure message shows: its first quarter and last three
/// quarters of this, around a note of what was left out.
pub const SHOWN: usize = 8 * 1024;

/// A finished process: its exit code, and what it wrote, labelled by [`fmt::Display`].
pub trait Outcome: fmt::Display {
    /// The exit code (`-1` when a signal ended the process).
    fn exit_code(&self) -> i32;

    /// Everything the process wrote (stdout, then stderr), to look for a message in.
    fn text(&self) -> Cow<'_, str>;

    /// Panics, showing the whole outcome, unless the process exited with `code`.
    #[track_caller]
    fn assert_exit(&self, code: i32) -> &Self {
        assert!(
            self.exit_code() == code,
            "expected exit code {code}, got {}\n{self}",
            self.exit_code()
        );
        self
    }

    /// Panics, showing the whole outcome, unless the process exited with 0.
    #[track_caller]
    fn assert_success(&self) -> &Self {
        self.assert_exit(0)
    }

    /// Panics, showing the whole outcome, unless the process exited with `code` and wrote
    /// `needle` (on stdout or stderr).
    #[track_caller]
    fn assert_failure_with(&self, code: i32, needle: &str) -> &Self {
        assert!(
            self.exit_code() == code && self.text().contains(needle),
            "expected exit code {code} and output containing {:?}, got exit code {}\n{self}",
            bounded(needle),
            self.exit_code()
        );
        self
    }

    /// Panics, showing the whole outcome, unless the output (stdout or stderr) contains each of
    /// `needles`.
    #[track_caller]
    fn assert_output_contains(&self, needles: &[&str]) -> &Self {
        assert_output_search(self, needles, true);
        self
    }

    /// Panics, showing the whole outcome, when the output (stdout or stderr) contains any of
    /// `needles`.
    #[track_caller]
    fn assert_output_lacks(&self, needles: &[&str]) -> &Self {
        assert_output_search(self, needles, false);
        self
    }
}

/// Panics, showing the whole outcome, at the first of `needles` whose presence in the output is
/// not `present`.
#[track_caller]
fn assert_output_search<O: Outcome + ?Sized>(outcome: &O, needles: &[&str], present: bool) {
    let text = outcome.text();
    if let Some(needle) = needles
        .iter()
        .find(|needle| text.contains(*needle) != present)
    {
        let expected = if present { "containing" } else { "without" };
        panic!(
            "expected output {expected} {:?}\n{outcome}",
            bounded(needle)
        );
    }
}

/// Writes `exit code: N` and each stream under its label, bounded: the [`fmt::Display`] of every
/// outcome of the harness.
///
/// # Errors
/// As the formatter's.
pub fn write_outcome(
    f: &mut fmt::Formatter<'_>,
    exit_code: i32,
    streams: &[(&str, &str)],
) -> fmt::Result {
    write!(f, "exit code: {exit_code}")?;
    if exit_code == -1 {
        write!(f, " (ended by a signal)")?;
    }
    writeln!(f)?;
    for (label, text) in streams {
        write_section(f, label, text)?;
    }
    Ok(())
}

/// One labelled stream: `--- label ---`, the text (bounded), and a newline if it lacks one.
fn write_section(f: &mut fmt::Formatter<'_>, label: &str, text: &str) -> fmt::Result {
    if text.is_empty() {
        return writeln!(f, "--- {label}: empty ---");
    }
    writeln!(f, "--- {label} ({} bytes) ---", text.len())?;
    let shown = bounded(text);
    f.write_str(&shown)?;
    if !shown.ends_with('\n') {
        writeln!(f)?;
    }
    Ok(())
}

/// `text` whole when it is at most [`SHOWN`] bytes; else its first quarter and last three
/// quarters of that, cut at character boundaries, around a line saying how many bytes were left
/// out.
#[must_use]
pub fn bounded(text: &str) -> Cow<'_, str> {
    if text.len() <= SHOWN {
        return Cow::Borrowed(text);
    }
    let mut head = SHOWN / 4;
    while !text.is_char_boundary(head) {
        head -= 1;
    }
    let mut tail = text.len() - (SHOWN - SHOWN / 4);
    while !text.is_char_boundary(tail) {
        tail += 1;
    }
    Cow::Owned(format!(
        "{}\n[... {} bytes left out ...]\n{}",
        &text[..head],
        tail - head,
        &text[tail..]
    ))
}

/// [`fmt::Display`] and [`Outcome`] for an outcome with `exit_code` and `output` (stdout, then
/// stderr, together): the lifecycle's phases and containers.
macro_rules! combined_output_outcome {
    ($outcome:ty) => {
        impl std::fmt::Display for $outcome {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                $crate::outcome::write_outcome(
                    f,
                    self.exit_code,
                    &[("output (stdout, then stderr)", &self.output)],
                )
            }
        }

        impl $crate::Outcome for $outcome {
            fn exit_code(&self) -> i32 {
                self.exit_code
            }

            fn text(&self) -> std::borrow::Cow<'_, str> {
                std::borrow::Cow::Borrowed(&self.output)
            }
        }
    };
}
pub(crate) use combined_output_outcome;

/// What [`assert_contains!`](crate::assert_contains) calls: panics, showing `haystack` (bounded)
/// and the context, unless `haystack` contains `needle`.
#[doc(hidden)]
#[track_caller]
pub fn assert_contains_impl(haystack: &str, needle: &str, context: Option<fmt::Arguments<'_>>) {
    if !haystack.contains(needle) {
        search_failed("expected to find", haystack, needle, context);
    }
}

/// What [`assert_not_contains!`](crate::assert_not_contains) calls: panics, showing `haystack`
/// (bounded) and the context, if `haystack` contains `needle`.
#[doc(hidden)]
#[track_caller]
pub fn assert_not_contains_impl(haystack: &str, needle: &str, context: Option<fmt::Arguments<'_>>) {
    if haystack.contains(needle) {
        search_failed("expected not to find", haystack, needle, context);
    }
}

/// Panics with `<expected> "<needle>"`, the context and the haystack, labelled and bounded.
#[track_caller]
fn search_failed(
    expected: &str,
    haystack: &str,
    needle: &str,
    context: Option<fmt::Arguments<'_>>,
) -> ! {
    let context = context
        .map(|context| format!("{context}\n"))
        .unwrap_or_default();
    let mut shown = String::new();
    let _ = fmt::write(
        &mut shown,
        format_args!("{}", Labelled("text searched", haystack)),
    );
    panic!("{expected} {:?}\n{context}{shown}", bounded(needle));
}

/// One labelled, bounded stream, displayed.
struct Labelled<'a>(&'a str, &'a str);

impl fmt::Display for Labelled<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_section(f, self.0, self.1)
    }
}

/// Panics unless `haystack` contains `needle`, showing the haystack (bounded) and the optional
/// context (`format!` arguments). Both take anything that is `AsRef<str>`.
///
/// ```should_panic
/// cnb_harness::assert_contains!("ERROR: no plan", "no plan"); // passes
/// cnb_harness::assert_contains!("ERROR: no plan", "a plan", "detect of {}", "an app"); // panics
/// ```
#[macro_export]
macro_rules! assert_contains {
    ($($arguments:tt)+) => {
        $crate::search_assertion!($crate::outcome::assert_contains_impl, $($arguments)+)
    };
}

/// What [`assert_contains!`](crate::assert_contains) and
/// [`assert_not_contains!`](crate::assert_not_contains) expand to: `$check(haystack, needle,
/// context)`, both as `&str`, the context as `format!` arguments or `None`.
#[doc(hidden)]
#[macro_export]
macro_rules! search_assertion {
    ($check:path, $haystack:expr, $needle:expr $(,)?) => {
        $check(
            ::core::convert::AsRef::<str>::as_ref(&$haystack),
            ::core::convert::AsRef::<str>::as_ref(&$needle),
            ::core::option::Option::None,
        )
    };
    ($check:path, $haystack:expr, $needle:expr, $($context:tt)+) => {
        $check(
            ::core::convert::AsRef::<str>::as_ref(&$haystack),
            ::core::convert::AsRef::<str>::as_ref(&$needle),
            ::core::option::Option::Some(::core::format_args!($($context)+)),
        )
    };
}

/// Panics if `haystack` contains `needle`, showing the haystack (bounded) and the optional
/// context (`format!` arguments): [`assert_contains!`](crate::assert_contains)'s converse.
///
/// ```should_panic
/// cnb_harness::assert_not_contains!("ERROR: no plan", "panicked"); // passes
/// cnb_harness::assert_not_contains!("ERROR: no plan", "ERROR", "detect of {}", "an app"); // panics
/// ```
#[macro_export]
macro_rules! assert_not_contains {
    ($($arguments:tt)+) => {
        $crate::search_assertion!($crate::outcome::assert_not_contains_impl, $($arguments)+)
    };
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Process;

    fn process(exit_code: i32, stdout: &str, stderr: &str) -> Process {
        Process {
            exit_code,
            stdout: stdout.to_string(),
            stderr: stderr.to_string(),
        }
    }

    fn panic_message(work: impl FnOnce() + std::panic::UnwindSafe) -> String {
        let payload = std::panic::catch_unwind(work).expect_err("the assertion panics");
        payload
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| payload.downcast_ref::<&str>().map(ToString::to_string))
            .expect("a text panic")
    }

    #[test]
    fn an_outcome_labels_its_exit_code_and_streams() {
        assert_eq!(
            process(1, "Detecting\n", "ERROR: no plan").to_string(),
            "exit code: 1\n--- stdout (10 bytes) ---\nDetecting\n\
             --- stderr (14 bytes) ---\nERROR: no plan\n"
        );
        assert_eq!(
            process(-1, "", "").to_string(),
            "exit code: -1 (ended by a signal)\n--- stdout: empty ---\n--- stderr: empty ---\n"
        );
    }

    #[test]
    fn a_long_stream_keeps_its_start_and_end_and_says_what_was_left_out() {
        let long = format!("first line\n{}last line\n", "x".repeat(100_000));
        let shown = process(0, &long, "").to_string();
        assert!(shown.starts_with("exit code: 0\n--- stdout (100021 bytes) ---\nfirst line\n"));
        assert!(shown.contains(&format!("\n[... {} bytes left out ...]\n", 100_021 - SHOWN)));
        assert!(shown.ends_with("last line\n--- stderr: empty ---\n"));
        assert!(shown.len() < SHOWN + 200, "{}", shown.len());
        // Cut at character boundaries.
        let wide = "é".repeat(SHOWN);
        assert!(bounded(&wide).contains(" bytes left out ...]"));
    }

    #[test]
    fn the_assertions_pass_on_what_they_expect() {
        let outcome = process(1, "", "ERROR: no plan\n");
        outcome.assert_exit(1).assert_failure_with(1, "no plan");
        process(0, "ok", "").assert_success();
        crate::assert_contains!(outcome.stderr, "no plan");
        crate::assert_contains!(&outcome.stderr, String::from("ERROR"), "context {}", 1);
    }

    #[test]
    fn the_output_assertions_name_the_first_needle_they_miss() {
        let outcome = process(1, "Detecting\n", "ERROR: no plan\n");
        outcome
            .assert_output_contains(&["Detecting", "no plan"])
            .assert_output_lacks(&["a plan", "WARN"]);
        for (assertion, expected) in [
            (
                (|outcome: &Process| {
                    outcome.assert_output_contains(&["Detecting", "a plan", "WARN"]);
                }) as fn(&Process),
                "expected output containing \"a plan\"\nexit code: 1\n",
            ),
            (
                |outcome: &Process| {
                    outcome.assert_output_lacks(&["WARN", "no plan", "Detecting"]);
                },
                "expected output without \"no plan\"\nexit code: 1\n",
            ),
        ] {
            let outcome = process(1, "Detecting\n", "ERROR: no plan\n");
            let message = panic_message(move || assertion(&outcome));
            assert!(message.starts_with(expected), "{message}");
            assert_eq!(message.matches("ERROR: no plan").count(), 1, "{message}");
        }
    }

    #[test]
    fn a_failed_assertion_shows_the_whole_outcome_once() {
        let message = panic_message(|| {
            process(2, "Detecting\n", "ERROR: no plan\n").assert_success();
        });
        assert_eq!(
            message,
            "expected exit code 0, got 2\nexit code: 2\n--- stdout (10 bytes) ---\nDetecting\n\
             --- stderr (15 bytes) ---\nERROR: no plan\n"
        );
        let message = panic_message(|| {
            process(1, "", "ERROR: no plan\n").assert_failure_with(1, "a plan");
        });
        assert!(
            message.starts_with(
                "expected exit code 1 and output containing \"a plan\", got exit code 1\n"
            ),
            "{message}"
        );
        assert_eq!(message.matches("ERROR: no plan").count(), 1, "{message}");
    }

    #[test]
    fn a_module_error_is_an_error_header_then_an_indented_body() {
        let outcome = process(1, "Log\n", "ERROR: Cannot read x\n  x is a FIFO.\n");
        outcome.assert_module_error("Cannot read", &["x is a FIFO."]);
        for (process, expected) in [
            (
                process(1, "", "ERROR: Cannot read x\nx is a FIFO.\n"),
                "then indented lines",
            ),
            (
                process(1, "", "ERROR: Cannot read x\n"),
                "then indented lines",
            ),
            (
                process(1, "", "error: Cannot read x\n  y\n"),
                "then indented lines",
            ),
            (
                process(2, "", "ERROR: Cannot read x\n  y\n"),
                "expected exit code 1",
            ),
            (
                process(1, "", "ERROR: Cannot read x\n  y\n"),
                "expected to find \"x is a FIFO.\"",
            ),
        ] {
            let message = panic_message(move || {
                process.assert_module_error("Cannot read", &["x is a FIFO."]);
            });
            assert!(message.contains(expected), "{message}");
            assert!(message.contains("--- stderr ("), "{message}");
        }
    }

    #[test]
    fn assert_contains_shows_the_needle_the_context_and_the_text() {
        let message = panic_message(|| {
            crate::assert_contains!("ERROR: no plan\n", "a plan", "detect of {}", "the app");
        });
        assert_eq!(
            message,
            "expected to find \"a plan\"\ndetect of the app\n\
             --- text searched (15 bytes) ---\nERROR: no plan\n"
        );
        let message = panic_message(|| crate::assert_contains!("", "a plan"));
        assert_eq!(
            message,
            "expected to find \"a plan\"\n--- text searched: empty ---\n"
        );
    }

    #[test]
    fn assert_not_contains_shows_the_needle_the_context_and_the_text() {
        crate::assert_not_contains!("ERROR: no plan\n", "panicked");
        let message = panic_message(|| {
            crate::assert_not_contains!("ERROR: no plan\n", "no plan", "detect of {}", "the app");
        });
        assert_eq!(
            message,
            "expected not to find \"no plan\"\ndetect of the app\n\
             --- text searched (15 bytes) ---\nERROR: no plan\n"
        );
    }

    #[test]
    fn assert_last_line_checks_the_exit_code_and_the_last_line_of_stderr() {
        let outcome = process(1, "", "warning: x\nerror: no plan\n");
        outcome.assert_last_line(1, "error: no plan");
        for (code, line, expected) in [
            (2, "error: no plan", "expected exit code 2, got 1"),
            (
                1,
                "error: no",
                "expected exit code 1 and the last line of stderr \"error: no\"",
            ),
        ] {
            let message = panic_message(|| {
                outcome.assert_last_line(code, line);
            });
            assert!(message.starts_with(expected), "{message}");
            assert_eq!(message.matches("warning: x").count(), 1, "{message}");
        }
    }
}

/// What every phase returns.
#[derive(Debug)]
pub struct Process {
    /// The exit code (`-1` when killed by a signal).
    pub exit_code: i32,
    /// stdout, lossily decoded.
    pub stdout: String,
    /// stderr, lossily decoded.
    pub stderr: String,
}

/// The result of `bin/detect`.
#[derive(Debug)]
pub struct DetectOutcome {
    /// Exit code and output.
    pub process: Process,
    /// The build plan the module wrote (`None` when it wrote nothing).
    pub plan: Option<toml::Table>,
}

/// The result of `bin/generate`.
#[derive(Debug)]
pub struct GenerateOutcome {
    /// Exit code and output.
    pub process: Process,
    /// `build.Dockerfile`.
    pub build_dockerfile: Option<String>,
    /// `run.Dockerfile`.
    pub run_dockerfile: Option<String>,
    /// `extend-config.toml`.
    pub extend_config: Option<toml::Table>,
    /// Every file name in the output directory, sorted.
    pub files: Vec<String>,
}

/// The result of `bin/build`.
#[derive(Debug)]
pub struct BuildOutcome {
    /// Exit code and output.
    pub process: Process,
    /// The buildpack's layers directory (`<layers>/<escaped id>`), kept until the outcome drops.
    pub layers_dir: PathBuf,
    /// `launch.toml`.
    pub launch: Option<toml::Table>,
    /// The layer names (directories of the layers dir), sorted.
    pub layers: Vec<String>,
    pub(crate) _layers_root: TempDir,
}

impl std::fmt::Display for Process {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write_outcome(
            f,
            self.exit_code,
            &[("stdout", &self.stdout), ("stderr", &self.stderr)],
        )
    }
}

impl From<std::process::Output> for Process {
    /// The exit code (`-1` when killed by a signal) and the streams, lossily decoded.
    fn from(output: std::process::Output) -> Self {
        Self {
            exit_code: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }
}

#[allow(
    clippy::must_use_candidate,
    reason = "assertions return the outcome to chain more, and need not be chained"
)]
impl Process {
    /// Panics, showing the whole process, unless it exited with `code` and the last line of its
    /// stderr is `line`: the one error line a command line ends with.
    #[track_caller]
    pub fn assert_last_line(&self, code: i32, line: &str) -> &Self {
        self.assert_exit(code);
        assert!(
            self.stderr.lines().last() == Some(line),
            "expected exit code {code} and the last line of stderr {:?}\n{self}",
            bounded(line)
        );
        self
    }

    /// Panics, showing the whole process, unless it failed as every module fails (cnb-output):
    /// exit code 1, stderr `ERROR: <header>...` then a body of indented lines, containing each
    /// of `expected`.
    #[track_caller]
    pub fn assert_module_error(&self, header: &str, expected: &[&str]) -> &Self {
        self.assert_exit(1);
        let mut lines = self.stderr.lines();
        let first = lines.next().unwrap_or_default();
        let body: Vec<&str> = lines.collect();
        assert!(
            first.starts_with(&format!("ERROR: {header}"))
                && !body.is_empty()
                && body.iter().all(|line| line.starts_with("  ")),
            "expected stderr `ERROR: {header}...` then indented lines\n{self}"
        );
        for expected in expected {
            assert!(
                self.stderr.contains(expected),
                "expected to find {:?} in stderr\n{self}",
                crate::outcome::bounded(expected)
            );
        }
        self
    }
}

impl Outcome for Process {
    fn exit_code(&self) -> i32 {
        self.exit_code
    }

    fn text(&self) -> Cow<'_, str> {
        Cow::Owned(format!("{}{}", self.stdout, self.stderr))
    }
}

/// The outcomes of a module phase: the process, labelled, then what the phase wrote.
macro_rules! phase_outcome {
    ($outcome:ty, |$this:ident, $f:ident| $written:expr) => {
        impl std::fmt::Display for $outcome {
            fn fmt(&self, $f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                let $this = self;
                write!($f, "{}", self.process)?;
                $written
            }
        }

        impl Outcome for $outcome {
            fn exit_code(&self) -> i32 {
                self.process.exit_code
            }

            fn text(&self) -> Cow<'_, str> {
                self.process.text()
            }
        }
    };
}

phase_outcome!(DetectOutcome, |this, f| match &this.plan {
    Some(plan) => writeln!(f, "--- plan written ---\n{plan}"),
    None => writeln!(f, "--- plan written: none ---"),
});
phase_outcome!(GenerateOutcome, |this, f| writeln!(
    f,
    "--- files written: {:?} ---",
    this.files
));
phase_outcome!(BuildOutcome, |this, f| writeln!(
    f,
    "--- layers written: {:?} ---",
    this.layers
));

impl DetectOutcome {
    /// The plan detect wrote; panics, showing the whole outcome, unless detect passed and wrote
    /// one.
    #[track_caller]
    #[must_use]
    pub fn into_plan(mut self) -> toml::Table {
        self.assert_success();
        self.plan
            .take()
            .unwrap_or_else(|| panic!("expected a plan written\n{self}"))
    }
}

#[allow(
    clippy::must_use_candidate,
    reason = "assertions return the outcome to chain more, and need not be chained"
)]
impl GenerateOutcome {
    /// Panics, showing the whole outcome, unless generate succeeded, writing a
    /// `build.Dockerfile` and a `run.Dockerfile` and nothing else.
    #[track_caller]
    pub fn assert_dockerfiles(&self) -> &Self {
        self.assert_success();
        assert!(
            self.files == ["build.Dockerfile", "run.Dockerfile"],
            "expected build.Dockerfile and run.Dockerfile only\n{self}"
        );
        self
    }

    /// Panics, showing the whole outcome, unless generate failed as every module fails
    /// ([`Process::assert_module_error`]) and wrote nothing.
    #[track_caller]
    pub fn assert_error(&self, header: &str, expected: &[&str]) -> &Self {
        self.process.assert_module_error(header, expected);
        assert!(self.files.is_empty(), "expected no file written\n{self}");
        self
    }

    /// Panics, showing the whole outcome, unless generate failed on the platform setting
    /// `name` (`<platform>/env/<name>`), saying `reason`, in a short message, and wrote nothing.
    #[track_caller]
    pub fn assert_platform_error(&self, name: &str, reason: &str) -> &Self {
        self.assert_error(
            &format!("Cannot read the platform setting {name}"),
            &[&format!("/platform/env/{name} {reason}.\n")],
        );
        assert!(
            self.process.stderr.len() < 1000,
            "expected a short error\n{self}"
        );
        self
    }
}

//! The one way the harness and the end-to-end suite run a program: [`output`] whatever its exit
//! code, [`run_ok`] when it must succeed, [`spawn_retrying`] to start one and wait on it
//! yourself; [`on_path`] finds one. They panic with a clear message on a broken setup (a
//! program that is not installed, or fails): they are for tests only.

use crate::Process;
use std::path::PathBuf;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

/// Spawns `command`, retrying for up to two seconds while its executable is busy (`ETXTBSY`):
/// a module another test thread has just copied stays open for writing in any child forked
/// meanwhile, until that child execs.
///
/// # Errors
/// As [`Command::spawn`].
pub fn spawn_retrying(command: &mut Command) -> std::io::Result<Child> {
    // The retries end as soon as the other child execs: a busy machine only waits longer.
    // clock: a hang guard (a minute, crate::HANG_GUARD), never reached but by a stuck child.
    let started = Instant::now();
    loop {
        match command.spawn() {
            Err(error)
                if error.kind() == std::io::ErrorKind::ExecutableFileBusy
                    // clock: the hang guard above.
                    && started.elapsed() < crate::HANG_GUARD =>
            {
                std::thread::sleep(Duration::from_millis(10));
            }
            spawned => return spawned,
        }
    }
}

/// Runs `command` (no stdin; stdout and stderr captured) and returns its output, whatever the
/// exit code; panics when it cannot start.
#[must_use]
pub fn output(command: &mut Command) -> Output {
    spawn_retrying(
        command
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped()),
    )
    .and_then(Child::wait_with_output)
    .unwrap_or_else(|error| {
        panic!(
            "cannot run {command:?} (is {} installed? tests/test.sh installs what the tests \
             need): {error}",
            command.get_program().display()
        )
    })
}

/// Runs `command`; panics when it cannot start or fails, showing the command and its outcome
/// (the exit code, stdout and stderr, labelled: [`Process`]).
#[must_use]
pub fn run_ok(command: &mut Command) -> Output {
    let output = output(command);
    assert!(
        output.status.success(),
        "{command:?} failed\n{}",
        Process::from(output.clone())
    );
    output
}

/// The file `program` in the first directory of `PATH` that holds it; `None` when none does.
#[must_use]
pub fn on_path(program: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .map(|dir| dir.join(program))
        .find(|candidate| candidate.is_file())
}

/// stdout and stderr together, as a user sees them.
#[must_use]
pub fn output_text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// stdout, lossily decoded.
#[must_use]
pub fn stdout_text(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn run_ok_returns_the_output_of_a_command_that_succeeds() {
        let output = run_ok(Command::new("sh").args(["-c", "echo out; echo err >&2"]));
        assert_eq!(stdout_text(&output), "out\n");
        assert_eq!(output_text(&output), "out\nerr\n");
    }

    #[test]
    #[should_panic(expected = "failed\nexit code: 3\n--- stdout: empty ---\n\
                               --- stderr (10 bytes) ---\nsaid this\n")]
    fn run_ok_panics_with_the_output_of_a_command_that_fails() {
        let _ = run_ok(Command::new("sh").args(["-c", "echo said this >&2; exit 3"]));
    }

    #[test]
    #[should_panic(expected = "is no-such-program-here installed?")]
    fn output_panics_naming_a_program_that_cannot_start() {
        let _ = output(&mut Command::new("no-such-program-here"));
    }

    #[test]
    fn output_returns_a_failure_without_panicking() {
        let output = output(Command::new("sh").args(["-c", "exit 4"]));
        assert_eq!(output.status.code(), Some(4));
    }
}

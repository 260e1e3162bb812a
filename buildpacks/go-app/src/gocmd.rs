//! Running the Go command: its version, `go build` with streamed output, `go version -m`.

use crate::version::GoVersion;
use cnb_output::Log;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};

/// A `go` binary and its version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Go {
    pub(crate) binary: PathBuf,
    pub(crate) version: GoVersion,
}

/// The `go` of Go's own archive, unpacked at `/usr/local/go`, of `version`: for tests.
#[cfg(test)]
#[allow(clippy::unwrap_used)]
pub(crate) fn go_in_usr_local(version: &str) -> Go {
    Go {
        binary: PathBuf::from("/usr/local/go/bin/go"),
        version: GoVersion::parse(version).unwrap(),
    }
}

/// A go command that could not be run or failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CommandError {
    pub(crate) command: String,
    pub(crate) cause: String,
}

/// The command line for the log: program and arguments, quoted where needed.
pub(crate) fn display(command: &Command) -> String {
    std::iter::once(command.get_program())
        .chain(command.get_args())
        .map(|part| {
            let part = part.to_string_lossy();
            if part.is_empty() || part.contains(|c: char| c.is_whitespace() || "'\"\\$".contains(c))
            {
                format!("'{}'", part.replace('\'', "'\\''"))
            } else {
                part.into_owned()
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// The version of a `go` binary (`go env GOVERSION`, with `GOTOOLCHAIN=local` so that it
/// reports itself and never switches, run outside the app so no go.mod applies).
pub(crate) fn version_of(binary: &Path) -> Result<GoVersion, CommandError> {
    let mut command = Command::new(binary);
    command
        .args(["env", "GOVERSION"])
        .env("GOTOOLCHAIN", "local")
        .env_remove("GOFLAGS")
        .current_dir("/");
    let shown = display(&command);
    let error = |cause: String| CommandError {
        command: shown.clone(),
        cause,
    };
    let output = command.output().map_err(|e| error(e.to_string()))?;
    if !output.status.success() {
        return Err(error(format!(
            "{}: {}",
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        )));
    }
    let text = String::from_utf8_lossy(&output.stdout).trim().to_string();
    GoVersion::parse(&text).map_err(|e| error(e.to_string()))
}

/// Runs `command`, printing each line of its stdout and stderr to the build log as it comes,
/// `depth` levels deep ([`Log::nested`]). Returns the exit status.
pub(crate) fn run_streamed(command: &mut Command, depth: usize) -> std::io::Result<ExitStatus> {
    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()?;
    let forward = |stream: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut log = Log::stdout();
            for line in BufReader::new(stream).lines() {
                match line {
                    Ok(line) => log.nested(depth, &line),
                    Err(_) => break,
                };
            }
        })
    };
    let mut threads = Vec::new();
    if let Some(stdout) = child.stdout.take() {
        threads.push(forward(Box::new(stdout)));
    }
    if let Some(stderr) = child.stderr.take() {
        threads.push(forward(Box::new(stderr)));
    }
    let status = child.wait()?;
    for thread in threads {
        let _ = thread.join();
    }
    Ok(status)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn command_display_quotes() {
        let mut command = Command::new("go");
        command.args(["build", "-ldflags=-s -w", "-o", "/l/bin/a", "./cmd/a", ""]);
        assert_eq!(
            display(&command),
            "go build '-ldflags=-s -w' -o /l/bin/a ./cmd/a ''"
        );
    }

    #[test]
    fn streams_and_reports_status() {
        let status = run_streamed(
            Command::new("sh").args(["-c", "echo out; echo err >&2; exit 3"]),
            2,
        )
        .unwrap();
        assert_eq!(status.code(), Some(3));
    }
}

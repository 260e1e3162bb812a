//! The `pack` CLI against podman's Docker API, with this run's pack home ([`PackOutcome`]).

use crate::{Endpoints, tools_dir};
use cnb_harness::outcome::write_outcome;
use cnb_harness::{Outcome, Process};
use std::borrow::Cow;
use std::fmt;
use std::process::Command;
use std::time::{Duration, Instant};

/// What one `pack` command did: the command, its exit code and output, how long it took and,
/// when it failed, the tail of podman's API service log (pack reports the service's own
/// failures only as a status code, e.g. `-1`). Shown labelled when an assertion on it fails.
#[derive(Debug)]
pub struct PackOutcome {
    /// `pack <args>`.
    pub command: String,
    /// pack's exit code, stdout and stderr.
    pub process: Process,
    /// From start to exit.
    pub duration: Duration,
    podman_log_tail: Option<String>,
}

impl fmt::Display for PackOutcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "{}", self.command)?;
        let mut streams = vec![
            ("stdout", self.process.stdout.as_str()),
            ("stderr", self.process.stderr.as_str()),
        ];
        if let Some(tail) = &self.podman_log_tail {
            streams.push(("podman system service log", tail.as_str()));
        }
        write_outcome(f, self.process.exit_code, &streams)
    }
}

impl Outcome for PackOutcome {
    fn exit_code(&self) -> i32 {
        self.process.exit_code
    }

    fn text(&self) -> Cow<'_, str> {
        self.process.text()
    }
}

/// `pack <args>` against podman's Docker API, with this run's pack home, whatever the exit code.
#[must_use]
pub fn pack_output(args: &[&str]) -> PackOutcome {
    let endpoints = Endpoints::get();
    let started = Instant::now(); // clock: a figure for the report
    let process = Process::from(cnb_harness::command::output(
        Command::new(tools_dir().join("bin/pack"))
            .args(args)
            .arg("--no-color")
            .env("DOCKER_HOST", &endpoints.docker_host)
            .env("PACK_HOME", &endpoints.pack_home),
    ));
    let duration = started.elapsed(); // clock: a figure for the report
    PackOutcome {
        command: format!("pack {}", args.join(" ")),
        podman_log_tail: (process.exit_code != 0).then(|| endpoints.podman_log_tail(40)),
        process,
        duration,
    }
}

/// `pack <args>`; panics, showing its outcome, when it fails. What it wrote (stdout, then
/// stderr).
#[must_use]
pub fn pack(args: &[&str]) -> String {
    pack_output(args).assert_success().text().into_owned()
}

//! The `pack` CLI against podman's Docker API, with this run's pack home.

use crate::{Endpoints, tools_dir};
use cnb_harness::command::output_text;
use std::process::{Command, Output};

/// `pack <args>` against podman's Docker API, with this run's pack home; its output, whatever
/// the exit code.
#[must_use]
pub fn pack_output(args: &[&str]) -> Output {
    let endpoints = Endpoints::get();
    cnb_harness::command::output(
        Command::new(tools_dir().join("bin/pack"))
            .args(args)
            .arg("--no-color")
            .env("DOCKER_HOST", &endpoints.docker_host)
            .env("PACK_HOME", &endpoints.pack_home),
    )
}

/// `pack <args>`; panics with its output when it fails.
#[must_use]
pub fn pack(args: &[&str]) -> String {
    let output = pack_output(args);
    let text = output_text(&output);
    assert!(
        output.status.success(),
        "pack {} failed ({}):\n{text}\n{}",
        args.join(" "),
        output.status,
        Endpoints::get().podman_log_tail(40)
    );
    text
}

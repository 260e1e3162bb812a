//! The exec.d program of the UBI Java buildpack: run by the CNB launcher before the app, it adds
//! the JVM memory flags for this container to `JAVA_TOOL_OPTIONS` (see
//! `ubi_java_buildpack::memory_calculator::exec_d`). It writes the variable as TOML to file descriptor 3, as the
//! exec.d contract asks, logs to stderr, and exits non-zero with one clear error line when the
//! memory is too small or a setting is invalid (the launcher then does not start the app).

// Required due to: https://github.com/rust-lang/rust/issues/95513
#![allow(unused_crate_dependencies)]

use cnb_output::Log;
use std::collections::BTreeMap;
use std::process::ExitCode;
use ubi_java_buildpack::memory_calculator::exec_d::run;
use ubi_java_buildpack::memory_calculator::system::System;

fn main() -> ExitCode {
    let env: BTreeMap<String, String> = std::env::vars_os()
        .map(|(name, value)| {
            (
                name.to_string_lossy().into_owned(),
                value.to_string_lossy().into_owned(),
            )
        })
        .collect();
    let output = match run(&env, &System::default()) {
        Ok(output) => output,
        Err(error) => {
            eprintln!("ERROR: memory-calculator: {error}");
            return ExitCode::FAILURE;
        }
    };
    // The launcher shows an exec.d program's stderr before the app's output: no header.
    let mut log = Log::new(std::io::stderr());
    for warning in &output.warnings {
        log.nested_warning(0, warning);
    }
    log.text(&output.summary);
    let toml = match output.to_toml() {
        Ok(toml) => toml,
        Err(error) => {
            eprintln!("ERROR: memory-calculator: cannot write JAVA_TOOL_OPTIONS as TOML: {error}");
            return ExitCode::FAILURE;
        }
    };
    if let Err(error) = exec_d::write_output(&toml) {
        eprintln!(
            "ERROR: memory-calculator: cannot write to {} (it runs as an exec.d program of the CNB launcher, which opens it): {error}",
            exec_d::OUTPUT
        );
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}

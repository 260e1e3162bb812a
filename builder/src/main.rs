//! `packager`: see the library documentation and `packager --help`.

use clap::Parser;
use packager::cli::{Cli, run};
use std::process::ExitCode;

// Dependencies of the library that this binary does not name (for `unused_crate_dependencies`).
use anyhow as _;
use serde as _;
use tempfile as _;
use toml as _;

fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

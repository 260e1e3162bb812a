//! `packager`: see the library documentation and `packager --help`.

use clap::Parser;
use packager::cli::{Cli, run};
use std::process::ExitCode;

// Dependencies of the library that this binary does not name (for `unused_crate_dependencies`).
use anyhow as _;
use base64 as _;
#[cfg(test)]
use bcrypt as _;
use cnb_extension as _;
#[cfg(test)]
use cnb_harness as _;
use cnb_package as _;
#[cfg(test)]
use flate2 as _;
#[cfg(test)]
use fuzz_check as _;
use hex as _;
use http_auth as _;
use oci_client as _;
use oci_layout as _;
use reqwest as _;
use rustls as _;
use serde as _;
use serde_json as _;
use sha2 as _;
#[cfg(test)]
use tar as _;
use tempfile as _;
use tokio as _;
use toml as _;
use untrusted_input as _;

fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

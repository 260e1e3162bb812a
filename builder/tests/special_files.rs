//! The packager's libraries refuse a FIFO where they expect a regular file, instead of waiting for
//! a writer: a module descriptor (`cnb-package`) and a `.cnb` archive (`oci-layout`). These
//! tests live here, not beside the readers, because the FIFO comes from the test harness, which
//! depends on those libraries.

// Helpers outside #[test] functions are test code too (clippy.toml allows unwrap in tests).
#![allow(clippy::unwrap_used)]

use anyhow as _;
use base64 as _;
use bcrypt as _;
use clap as _;
use cnb_extension as _;
use cnb_package::descriptor::{ModuleKind, read_descriptor};
use flate2 as _;
use fuzz_check as _;
use hex as _;
use http_auth as _;
use oci_client as _;
use packager as _;
use reqwest as _;
use rustls as _;
use serde as _;
use serde_json as _;
use sha2 as _;
use std::path::{Path, PathBuf};
use tar as _;
use tokio as _;
use toml as _;
use untrusted_input as _;

/// Makes a FIFO named `name`, reads it with `read` on another thread, and returns the error
/// `read` gave; fails if it waited (for a writer that never comes) past the harness's hang guard.
fn read_fifo(name: &str, read: fn(&Path) -> String) -> (PathBuf, String) {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join(name);
    cnb_harness::mkfifo(&fifo);
    let path = fifo.clone();
    let message =
        cnb_harness::within_hang_guard(&format!("reading the FIFO {name}"), move || read(&path));
    (fifo, message)
}

#[test]
fn a_fifo_descriptor_is_an_error_not_a_wait() {
    let (fifo, message) = read_fifo("extension.toml", |path| {
        read_descriptor(path, ModuleKind::Extension)
            .unwrap_err()
            .to_string()
    });
    assert_eq!(
        message,
        format!("{} is a FIFO, not a regular file", fifo.display())
    );
}

#[test]
fn a_fifo_cnb_is_an_error_not_a_wait() {
    let (fifo, message) = read_fifo("fifo.cnb", |path| {
        oci_layout::read_archive(path, None)
            .unwrap_err()
            .to_string()
    });
    assert_eq!(
        message,
        format!("{} is a FIFO, not a regular file", fifo.display())
    );
}

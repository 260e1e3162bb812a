//! The packager's libraries refuse a FIFO where they expect a regular file, instead of waiting for
//! a writer: a module descriptor (`cnb-package`) and a `.cnb` archive (`oci-layout`). These
//! tests live here, not beside the readers, because the FIFO comes from the test harness, which
//! depends on those libraries.

// Helpers outside #[test] functions are test code too (clippy.toml allows unwrap in tests).
#![allow(clippy::unwrap_used)]
// Required due to: https://github.com/rust-lang/rust/issues/95513
#![allow(unused_crate_dependencies)]

use cnb_package::descriptor::{ModuleKind, read_descriptor};
use std::path::{Path, PathBuf};

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

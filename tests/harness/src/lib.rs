//! Test harness for CNB modules: runs a packaged module directory exactly as the lifecycle does,
//! and runs the real lifecycle.
//!
//! - [`Module`]: a packaged module directory (built from a workspace crate with
//!   [`Module::package`], or a hand-written fixture with [`Module::from_dir`]).
//! - [`ModuleRun`]: one phase of one module (`detect`, `generate`, `build`), with the lifecycle's
//!   positional arguments, `CNB_*` env, the app as working directory, the environment filtered to
//!   the lifecycle's allow-list plus the platform's env files, and fresh output / layers dirs. It
//!   returns the exit code, stdout, stderr and the outputs (plan, Dockerfiles, extend-config,
//!   layers, `launch.toml`), and fails the test if detect or generate modified the app.
//! - [`Lifecycle`]: the real CNB lifecycle binary, run as an unprivileged user (it refuses root):
//!   its `detector` ([`DetectorRun`]) and its `builder` ([`BuilderRun`]), one [`PhaseRun`] each.
//! - [`Podman`]: images imported from a root filesystem the test writes ([`RootFs`], e.g.
//!   [`RootFs::static_run_image`], a tarball written with the `tar` crate) or loaded from an OCI
//!   layout, containers run detached ([`Container`]) or to their end ([`ContainerRun`]),
//!   [`http_get`] to probe them.
//! - [`oci`]: OCI layouts and `.cnb` files read with skopeo and umoci, loaded into podman
//!   (`skopeo copy`); [`oci::BuildImage`], a small build image as an OCI layout.
//! - [`Outcome`]: what a finished process left (every outcome above), shown labelled and
//!   bounded when an assertion on it fails (`assert_exit`, `assert_success`,
//!   `assert_failure_with`), [`assert_contains!`] and [`assert_not_contains!`].
//! - [`command`]: the one way every helper here (and the end-to-end suite) runs a program.
//! - [`BenchRows`]: the benchmarks' figures, appended to the table `BENCH_ROWS` names.
//!
//! Helpers here panic with a clear message on a broken test setup: they are for tests only.

#![allow(clippy::missing_panics_doc)]

mod bench_rows;
pub mod command;
pub mod detect;
pub mod exec_d;
pub mod files;
pub mod fixtures;
mod lifecycle;
mod module;
pub mod oci;
pub mod outcome;
mod podman;
pub mod processes;
mod rootfs;
mod run;
pub mod ubi_extension;

pub use bench_rows::BenchRows;
pub use command::spawn_retrying;
pub use files::write_executable;
pub use lifecycle::{
    BuilderInputs, BuilderOutcome, BuilderRun, DetectorInputs, DetectorOutcome, DetectorRun,
    Lifecycle, PLATFORM_API, PhaseRun,
};
pub use module::{
    Module, ModuleKind, descriptor_version, fixture, fixture_app, fixture_files, workspace_root,
};
pub use outcome::{BuildOutcome, DetectOutcome, GenerateOutcome, Outcome, Process};
pub use podman::{Container, ContainerOutcome, ContainerRun, Image, Podman, free_port, http_get};
pub use rootfs::{RootFs, STATIC_RUN_GID, STATIC_RUN_UID};
pub use run::{ENV_ALLOW_LIST, ModuleRun, OddPlatformEntry, PATH_VARIABLES, TargetEnv};

/// The hang guard of every test here: a module phase ([`ModuleRun::run_bounded`]) or a piece of
/// work ([`within_hang_guard`]) that has not finished after this long is stuck, killed (a
/// process) or reported (a thread), and the test fails. It only guards inputs that used to hang
/// (a FIFO opened for reading, a backtracking matcher, an expansion bomb): what it guards takes
/// milliseconds in a debug build, so no debug build under heavy load comes near a minute, and
/// no test passes or fails by how fast it ran (README: no test decides by a clock).
pub const HANG_GUARD: std::time::Duration = std::time::Duration::from_mins(1);

/// Runs `work` on a thread of its own and returns its result; panics, naming `what`, when it
/// has not finished within [`HANG_GUARD`] (the thread is left blocked, and ends with the test
/// process).
pub fn within_hang_guard<T: Send + 'static>(
    what: &str,
    work: impl FnOnce() -> T + Send + 'static,
) -> T {
    let (sender, receiver) = std::sync::mpsc::channel();
    std::thread::spawn(move || sender.send(work()));
    // clock: the hang guard (HANG_GUARD).
    match receiver.recv_timeout(HANG_GUARD) {
        Ok(result) => result,
        Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {
            panic!("{what}: no answer after {HANG_GUARD:?} (a hang)")
        }
        Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => {
            panic!("{what}: the work panicked (see above)")
        }
    }
}

/// Makes a FIFO at `path` (and its parent directories): the special file tests hand a module
/// where it expects a regular file, to show that it errors instead of waiting for a writer.
pub fn mkfifo(path: &std::path::Path) {
    let parent = path.parent().expect("the FIFO's path has a parent");
    std::fs::create_dir_all(parent)
        .unwrap_or_else(|error| panic!("cannot create {}: {error}", parent.display()));
    let status = std::process::Command::new("mkfifo")
        .arg(path)
        .status()
        .unwrap_or_else(|error| panic!("cannot run mkfifo: {error}"));
    assert!(status.success(), "mkfifo {} failed", path.display());
}

/// Every path under `root` (not `root` itself) with its file type, depth first: symbolic links
/// are listed, not followed, and a directory that cannot be listed is passed over.
#[must_use]
pub fn walk(root: &std::path::Path) -> Vec<(std::path::PathBuf, std::fs::FileType)> {
    let mut found = Vec::new();
    let mut pending = vec![root.to_path_buf()];
    while let Some(dir) = pending.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let Ok(kind) = entry.file_type() else {
                continue;
            };
            if kind.is_dir() {
                pending.push(entry.path());
            }
            found.push((entry.path(), kind));
        }
    }
    found
}

/// Reads a TOML file into a table, `None` when the file does not exist.
#[must_use]
pub fn read_toml(path: &std::path::Path) -> Option<toml::Table> {
    let text = std::fs::read_to_string(path).ok()?;
    Some(
        toml::from_str(&text)
            .unwrap_or_else(|error| panic!("{} is not valid TOML: {error}", path.display())),
    )
}

//! An exec.d program run as the CNB launcher runs it.

use crate::Process;
use crate::command::output;
use std::ffi::OsStr;
use std::path::Path;
use std::process::Command;

/// Runs the exec.d program `program` with `args` as the launcher does: with the environment
/// `env` only, and file descriptor 3 open for its output TOML. Returns its exit code and streams,
/// and what it wrote to descriptor 3.
pub fn run_exec_d<K: AsRef<OsStr>, V: AsRef<OsStr>>(
    program: &Path,
    args: &[&OsStr],
    env: impl IntoIterator<Item = (K, V)>,
) -> (Process, String) {
    let fd3 = tempfile::NamedTempFile::new().expect("a temporary file for descriptor 3");
    let process = Process::from(output(
        Command::new("sh")
            .args(["-c", "fd3=$1; shift; exec \"$@\" 3>\"$fd3\"", "sh"])
            .arg(fd3.path())
            .arg(program)
            .args(args)
            .env_clear()
            .envs(env),
    ));
    let written = std::fs::read_to_string(fd3.path())
        .unwrap_or_else(|error| panic!("cannot read {}: {error}", fd3.path().display()));
    (process, written)
}

//! What every test binary of this buildpack shares: the packaged buildpack and this machine's JDK.

use cnb_harness::Module;
use std::path::PathBuf;

/// The buildpack, packaged from this crate.
pub(crate) fn buildpack() -> Module {
    Module::package("buildpacks/ubi-java")
}

/// This machine's JDK: `JAVA_HOME` of the `javac` on `PATH`, resolved.
pub(crate) fn java_home() -> PathBuf {
    let output = std::process::Command::new("sh")
        .args(["-c", "readlink -f \"$(command -v javac)\""])
        .output()
        .expect("sh runs");
    let javac = PathBuf::from(
        String::from_utf8(output.stdout)
            .expect("a UTF-8 path")
            .trim(),
    );
    javac
        .parent()
        .and_then(std::path::Path::parent)
        .expect("javac is in <JAVA_HOME>/bin")
        .to_path_buf()
}

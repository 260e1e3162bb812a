//! What every test binary of this buildpack shares: the packaged buildpack and this machine's Go.

use cnb_harness::Module;

/// The buildpack, packaged from this crate.
pub(crate) fn buildpack() -> Module {
    Module::package("buildpacks/go-app")
}

/// The version of the go on `PATH` (`go1.26.8` on the project's machines).
pub(crate) fn machine_go() -> String {
    let output = std::process::Command::new("go")
        .args(["env", "GOVERSION"])
        .env("GOTOOLCHAIN", "local")
        .current_dir("/")
        .output()
        .expect("Go on PATH (tests/test.sh requires it)");
    String::from_utf8(output.stdout)
        .expect("go env prints UTF-8")
        .trim()
        .to_string()
}

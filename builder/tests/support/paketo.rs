// Shared by the tests of the Paketo-shaped definitions; each uses part of it.
#![allow(dead_code)]

//! The Paketo-shaped definitions of `tests/fixtures/paketo/`, their images' stand-ins in a
//! test registry ([`paketo_registry`]), and the packager run against that registry.

use super::platforms::push_two_platform_lifecycle;
use super::registry::{
    LIFECYCLE_VERSION, TestRegistry, docker_hub_in_registry, outcome, packager_with_registry, push,
    registry_with_stand_ins,
};
use cnb_harness::Process;
use cnb_package::buildpackage::write_buildpackage;
use std::path::{Path, PathBuf};

/// The fixtures, sorted by name.
pub(crate) fn fixtures() -> Vec<PathBuf> {
    cnb_harness::fixture_files("paketo", "toml")
}

/// A fixture's name: its file name without `.toml`.
pub(crate) fn fixture_name(fixture: &Path) -> String {
    fixture.file_stem().unwrap().to_string_lossy().into_owned()
}

/// A registry holding the stand-ins of every image the fixtures name: builder-ubi8-base's
/// ([`registry_with_stand_ins`]: the build image an index of linux/amd64 and linux/arm64, the
/// run images, Paketo's buildpackages, composites among them), the lifecycle image for both
/// platforms and two extensions; and the scratch directory they were made in.
pub(crate) fn paketo_registry() -> (TestRegistry, tempfile::TempDir) {
    let (registry, work) = registry_with_stand_ins(false);
    // The lifecycle of `[lifecycle] uri` for the builders of both platforms.
    push_two_platform_lifecycle(&registry, work.path());
    for (id, version) in [
        ("paketo-community/ubi-nodejs-extension", "0.1.0"),
        ("paketo-community/ubi-java-extension", "0.2.0"),
    ] {
        push_extension(&registry, work.path(), id, version);
    }
    (registry, work)
}

/// A stand-in extension as a buildpackage pushed to `paketocommunity/<id's name>:<version>`.
fn push_extension(registry: &TestRegistry, dir: &Path, id: &str, version: &str) {
    let module = dir.join(format!("{}-{version}", id.replace('/', "_")));
    std::fs::create_dir_all(module.join("bin")).unwrap();
    std::fs::write(
        module.join("extension.toml"),
        format!("api = \"0.10\"\n[extension]\nid = \"{id}\"\nversion = \"{version}\"\nname = \"Stand-in {id}\"\n"),
    )
    .unwrap();
    for phase in ["detect", "generate"] {
        cnb_harness::write_executable(&module.join("bin").join(phase), "#!/bin/sh\nexit 0\n");
    }
    let cnb = dir.join(format!("{}.cnb", id.replace('/', "_")));
    write_buildpackage(&module, &cnb).unwrap();
    let name = id.rsplit('/').next().unwrap();
    push(
        &format!("oci-archive:{}", cnb.display()),
        &registry.image(&format!("paketocommunity/{name}:{version}")),
        false,
    );
}

/// The fixture with its Docker Hub and gcr.io images named in the test registry, the lifecycle
/// version of the one installed here, and the lifecycle release's URL its image in the test
/// registry ([`push_two_platform_lifecycle`]: the packager downloads no URL), written to `dir`.
pub(crate) fn in_registry(fixture: &Path, host: &str, dir: &Path) -> PathBuf {
    let text = docker_hub_in_registry(&std::fs::read_to_string(fixture).unwrap(), host)
        .replace(
            "https://github.com/buildpacks/lifecycle/releases/download/v0.21.17/lifecycle-v0.21.17+linux.x86-64.tgz",
            &format!("docker://{host}/buildpacksio/lifecycle:{LIFECYCLE_VERSION}"),
        )
        .replace("\"gcr.io/", &format!("\"{host}/gcr.io/"))
        .replace(
            "version = \"0.21.17\"",
            &format!("version = \"{LIFECYCLE_VERSION}\""),
        );
    let path = dir.join(fixture.file_name().unwrap());
    std::fs::write(&path, text).unwrap();
    path
}

/// The packager with the test registry's options (no auth file of the machine's).
pub(crate) fn packager(args: &[&str], registry: &TestRegistry, cache: &Path) -> Process {
    outcome(&mut packager_with_registry(args, &registry.host, cache))
}

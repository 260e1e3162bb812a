//! The stack and the lifecycle image in the loopback registry ([`Published`]).

use crate::images::{build_and_push, skopeo_copy};
use crate::{Endpoints, LIFECYCLE_VERSION, STATIC_RUN_IMAGE, Stack, tools_dir};
use cnb_harness::{Outcome, Podman, Process, RootFs};
use packager::builder_image::{BUILDPACK_APIS, PLATFORM_APIS};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// The lifecycle image in podman.
const LIFECYCLE_IMAGE: &str = "localhost/e2e/lifecycle:latest";

/// The stack and the lifecycle image in the loopback registry, named `<registry>/e2e/<name>`
/// as the builders and the build image's `images.json` name them.
#[derive(Debug)]
pub struct Published {
    /// The build image: the stack's, with `/etc/buildpacks/images.json` naming the run images
    /// in the registry.
    pub build_image: String,
    pub static_run_image: String,
    pub node_run_image: String,
    pub java_run_image: String,
    /// The lifecycle image for `pack build --lifecycle-image`.
    pub lifecycle_image: String,
    /// The stack's RPM repository.
    pub rpms: PathBuf,
}

impl Published {
    /// Pushes the stack and the lifecycle image (once per process).
    pub fn get() -> &'static Published {
        static PUBLISHED: OnceLock<Published> = OnceLock::new();
        PUBLISHED.get_or_init(Published::push)
    }

    fn push() -> Published {
        let stack = Stack::get();
        let endpoints = Endpoints::get();
        let in_registry = |image: &str| {
            let name = image
                .strip_prefix("localhost/e2e/")
                .unwrap_or_else(|| panic!("{image} is not a localhost/e2e/ image"));
            endpoints.image(name)
        };
        let published = Published {
            build_image: in_registry(stack.value("BUILD_IMAGE")),
            static_run_image: in_registry(STATIC_RUN_IMAGE),
            node_run_image: in_registry(stack.value("NODE_RUN_IMAGE")),
            java_run_image: in_registry(stack.value("JAVA_RUN_IMAGE")),
            lifecycle_image: endpoints.image(&format!("lifecycle:{LIFECYCLE_VERSION}")),
            rpms: PathBuf::from(stack.value("RPMS")),
        };
        for (local, remote) in [
            (STATIC_RUN_IMAGE, &published.static_run_image),
            (stack.value("NODE_RUN_IMAGE"), &published.node_run_image),
            (stack.value("JAVA_RUN_IMAGE"), &published.java_run_image),
        ] {
            skopeo_copy(
                &format!("containers-storage:{local}"),
                &format!("docker://{remote}"),
            );
        }
        push_build_image(stack.value("BUILD_IMAGE"), &published.build_image);
        push_lifecycle_image(&published.lifecycle_image);
        published
    }
}

/// The stack's build image with its `images.json` naming the run images in the registry (the
/// extensions switch to those names), pushed as `remote`.
fn push_build_image(local: &str, remote: &str) {
    let podman = Podman::locate();
    let build_image = podman.existing(local);
    let images_json = Process::from(podman.run_foreground(
        &build_image,
        &["--network", "none"],
        &["cat", "/etc/buildpacks/images.json"],
    ));
    images_json.assert_success();
    let registry_prefix = remote
        .rsplit_once("/e2e/")
        .map(|(registry, _)| format!("{registry}/e2e/"))
        .expect("a registry image");
    let user = build_image.inspect("{{.Config.User}}");
    build_and_push(
        &format!(
            "FROM {local}\nUSER root\nCOPY images.json /etc/buildpacks/images.json\nUSER {user}\n"
        ),
        &[(
            "images.json",
            &images_json
                .stdout
                .replace("localhost/e2e/", &registry_prefix),
        )],
        remote,
    );
}

/// The lifecycle image `pack build --lifecycle-image` takes: the lifecycle at `/cnb/lifecycle/`
/// (its phases as links), `/etc/passwd` with root (podman refuses `User: root` without it), a
/// world-writable `/tmp` (the exporter writes there as the build user), and the labels
/// `io.buildpacks.lifecycle.version` and `io.buildpacks.lifecycle.apis`.
fn push_lifecycle_image(remote: &str) {
    let bin = tools_dir().join("bin");
    let mut rootfs = RootFs::new();
    rootfs
        .dir("/cnb", 0o755, 0, 0)
        .dir("/cnb/lifecycle", 0o755, 0, 0)
        .dir("/etc", 0o755, 0, 0)
        .dir("/tmp", 0o1777, 0, 0)
        .file(
            "/etc/passwd",
            b"root:x:0:0:root:/root:/sbin/nologin\n",
            0o644,
            0,
            0,
        )
        .copy_file(
            "/cnb/lifecycle/lifecycle",
            &bin.join("lifecycle"),
            0o755,
            0,
            0,
        )
        .copy_file(
            "/cnb/lifecycle/launcher",
            &bin.join("launcher"),
            0o755,
            0,
            0,
        );
    for phase in packager::builder_image::LIFECYCLE_PHASES {
        if phase != "launcher" {
            rootfs.symlink(
                &format!("/cnb/lifecycle/{phase}"),
                Path::new("lifecycle"),
                0,
                0,
            );
        }
    }
    let apis = serde_json::json!({
        "buildpack": {"deprecated": [], "supported": BUILDPACK_APIS},
        "platform": {"deprecated": [], "supported": PLATFORM_APIS},
    });
    let podman = Podman::locate();
    let image = podman.import_rootfs(
        rootfs,
        LIFECYCLE_IMAGE,
        &[
            &format!("LABEL io.buildpacks.lifecycle.version={LIFECYCLE_VERSION}"),
            // Taken verbatim by podman import (no quotes: they would be kept).
            &format!("LABEL io.buildpacks.lifecycle.apis={apis}"),
            "USER root",
        ],
    );
    skopeo_copy(
        &format!("containers-storage:{}", image.reference),
        &format!("docker://{remote}"),
    );
}

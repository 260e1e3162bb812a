//! `pack build --publish` of one app, as a user runs it, and the app image run ([`AppBuild`]).

use crate::services::app_name;
use crate::{Endpoints, PackOutcome, Published, pack_output};
use cnb_harness::{Container, Outcome, Podman};
use std::path::{Path, PathBuf};

/// Where the stack's RPM repository is mounted in the build (the build image's
/// `/etc/yum.repos.d/e2e.repo` points there); pack mounts it into the extender too.
const RPMS_MOUNT: &str = "/srv/e2e-rpms";

/// An app built again and again with one builder, as a user does: `pack build --publish`.
#[derive(Debug)]
pub struct AppBuild {
    source: PathBuf,
    builder: String,
    /// `<registry>/e2e/app-<port>-<name>:latest`, the image pack pushes.
    pub image: String,
    env: Vec<(String, String)>,
    volumes: Vec<String>,
    stack_repository: bool,
}

impl AppBuild {
    /// An app whose source is `source` (a directory, or a jar as `pack build --path app.jar`),
    /// built with `builder`.
    #[must_use]
    pub fn new(name: &str, source: &Path, builder: &str) -> Self {
        let endpoints = Endpoints::get();
        Self {
            source: source.to_path_buf(),
            builder: builder.to_string(),
            image: endpoints.image(&format!("{}:latest", app_name(&endpoints.registry, name))),
            env: Vec::new(),
            volumes: Vec::new(),
            stack_repository: true,
        }
    }

    /// `pack build --env <name>=<value>`.
    #[must_use]
    pub fn env(mut self, name: &str, value: &str) -> Self {
        self.env.push((name.to_string(), value.to_string()));
        self
    }

    /// `pack build --volume <volume>` (e.g. a binding: `<dir>:/platform/bindings/<name>`).
    #[must_use]
    pub fn volume(mut self, volume: &str) -> Self {
        self.volumes.push(volume.to_string());
        self
    }

    /// Without the stack's RPM repository mounted: the build image's own repository cannot be
    /// reached, as in an air-gapped site.
    #[must_use]
    pub fn without_stack_repository(mut self) -> Self {
        self.stack_repository = false;
        self
    }

    /// `pack build`, whatever its outcome: pull policy `always` (pack requires it with
    /// extensions), the untrusted flow (each phase in its container) with our lifecycle image,
    /// the host's network (the phases reach the loopback registry; the Go toolchain comes from
    /// `GOPROXY`) and the stack's RPM repository mounted (as the network would serve it).
    #[must_use]
    pub fn try_build(&self) -> PackOutcome {
        let published = Published::get();
        let registry = &Endpoints::get().registry;
        let path = self.source.display().to_string();
        let volume = format!("{}:{RPMS_MOUNT}:ro", published.rpms.display());
        let mut args = vec![
            "build",
            &self.image,
            "--builder",
            &self.builder,
            "--path",
            &path,
            "--publish",
            "--pull-policy",
            "always",
            "--lifecycle-image",
            &published.lifecycle_image,
            "--insecure-registry",
            registry,
            "--network",
            "host",
        ];
        if self.stack_repository {
            args.extend(["--volume", &volume]);
        }
        for volume in &self.volumes {
            args.extend(["--volume", volume]);
        }
        let env: Vec<String> = self
            .env
            .iter()
            .map(|(name, value)| format!("{name}={value}"))
            .collect();
        for pair in &env {
            args.extend(["--env", pair]);
        }
        pack_output(&args)
    }

    /// `pack build`; panics, showing its outcome, when it fails.
    #[must_use]
    pub fn build(&self) -> PackOutcome {
        let outcome = self.try_build();
        outcome.assert_success();
        outcome
    }

    /// Pulls the app image and starts it (its default process) with `PORT=<port>` on the
    /// host's network.
    #[must_use]
    pub fn start(&self, port: u16) -> Container {
        let podman = Podman::locate();
        let _ = podman.run_ok(&["pull", "--quiet", "--tls-verify=false", &self.image]);
        podman.run_detached(
            &podman.existing(&self.image),
            &["--network", "host", "--env", &format!("PORT={port}")],
            &[],
        )
    }
}

//! `packager builder create`: a builder image as an OCI layout, without a daemon.

use crate::builder_image::{CreateOptions, create_builder};
use crate::registry::{RegistryMirror, RegistryOptions, Retries, Timeouts, Transfer, TrustedRealm};
use clap::{Args, Subcommand};
use oci_layout::split_layout_reference;
use std::path::PathBuf;
use std::time::Duration;
use std::time::Instant;

#[derive(Debug, Args)]
pub struct BuilderArgs {
    #[command(subcommand)]
    pub command: BuilderCommand,
}

#[derive(Debug, Subcommand)]
pub enum BuilderCommand {
    /// Make a builder image, written as an OCI image layout (`--output`) and/or pushed
    /// (`--publish`): the build image's layers, then the lifecycle, the modules of the
    /// builder.toml (local .cnb files or module directories, and images pulled from their
    /// registries, composites with every module they hold), order.toml, stack.toml, run.toml and
    /// the labels pack writes. With several `[[targets]]`, one builder per platform (each from
    /// that platform's entry of every image index pulled), written and pushed as an image index.
    Create(CreateArgs),
}

#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("destination").required(true).multiple(true).args(["output", "publish"])))]
pub struct CreateArgs {
    /// The builder.toml (e.g. one rendered by `packager package` in target/cnb/builders/)
    #[arg(long, value_name = "BUILDER_TOML")]
    pub config: PathBuf,
    /// The build image as an OCI image layout directory, with `:<tag>` when it holds several
    /// images [default: the definition's build image, pulled from its registry]
    #[arg(long, value_name = "DIR[:TAG]")]
    pub build_image: Option<String>,
    /// The lifecycle binary (one binary for every phase, e.g. target/tools/bin/lifecycle; a name
    /// without a slash is a file of the current directory, never looked up on PATH), an
    /// override of `[lifecycle]` for the builders of this machine's platform (its `-version`
    /// is run) [default: what `[lifecycle]` names, each platform's: `uri` (docker://<image>
    /// or a local lifecycle archive), else the image `<LIFECYCLE_REPOSITORY>:<version>`]
    #[arg(long, value_name = "FILE")]
    pub lifecycle: Option<PathBuf>,
    /// Where lifecycle images are pulled from by `[lifecycle] version`
    #[arg(long, value_name = "REPOSITORY", default_value = crate::builder_image::DEFAULT_LIFECYCLE_REPOSITORY)]
    pub lifecycle_repository: String,
    /// A launcher binary for /cnb/lifecycle/launcher [default: `launcher` next to the lifecycle
    /// binary (tests/install-lifecycle.sh installs both), else a link to the lifecycle]
    #[arg(long, value_name = "FILE")]
    pub launcher: Option<PathBuf>,
    /// The OCI image layout directory to write, with `:<tag>` [default tag: latest]; in an
    /// existing layout the tag is added or replaced, its other tags and files kept
    #[arg(long, value_name = "DIR[:TAG]")]
    pub output: Option<String>,
    /// Push the builder to this image reference (blobs the registry has are not uploaded
    /// again; the manifest goes last) and print its digest
    #[arg(long, value_name = "IMAGE")]
    pub publish: Option<String>,
    #[command(flatten)]
    pub registry: RegistryArgs,
}

/// How to reach registries (for images a definition references, and `--publish`).
#[derive(Debug, Clone, Args)]
pub struct RegistryArgs {
    /// A registry (`host[:port]`) reached over plain HTTP; every other registry over HTTPS
    #[arg(long = "insecure-registry", value_name = "HOST[:PORT]")]
    pub insecure: Vec<String>,
    /// Pull the images of a registry from a mirror, as `pack config registry-mirrors` does
    /// (e.g. `docker.io=127.0.0.1:5000`; `*=<mirror>` for every registry); the builder keeps
    /// the definition's image names
    #[arg(long = "registry-mirror", value_name = "REGISTRY=MIRROR")]
    pub mirrors: Vec<RegistryMirror>,
    /// Send a registry's credentials to its token service on another host (the host its
    /// bearer challenge's realm names; Docker Hub's `auth.docker.io` and GitLab's `gitlab.com`
    /// are trusted without it)
    #[arg(long = "registry-trust-realm", value_name = "REGISTRY=REALM-HOST")]
    pub trusted_realms: Vec<TrustedRealm>,
    /// The Docker/podman auth file [default: the first that exists of `$REGISTRY_AUTH_FILE`,
    /// `$XDG_RUNTIME_DIR/containers/auth.json`, `~/.config/containers/auth.json`,
    /// `$DOCKER_CONFIG/config.json`, `~/.docker/config.json`]
    #[arg(long, value_name = "FILE")]
    pub authfile: Option<PathBuf>,
    /// Where pulled blobs are kept by digest [default: `$XDG_CACHE_HOME/cnb-packager` or
    /// `~/.cache/cnb-packager`]
    #[arg(long, value_name = "DIR")]
    pub cache: Option<PathBuf>,
    /// Seconds a registry may take to accept a connection, or to send the next byte of an
    /// answer, before the request fails
    #[arg(long = "registry-timeout", value_name = "SECONDS", default_value_t = crate::registry::DEFAULT_TIMEOUT.as_secs(), value_parser = clap::value_parser!(u64).range(1..))]
    pub timeout: u64,
    /// Seconds one registry operation (a request and its whole answer) may take; a blob's
    /// deadline grows by one second per MiB of its size
    #[arg(long = "registry-deadline", value_name = "SECONDS", default_value_t = crate::registry::DEFAULT_DEADLINE.as_secs(), value_parser = clap::value_parser!(u64).range(1..))]
    pub deadline: u64,
}

impl RegistryArgs {
    #[must_use]
    pub fn options(&self) -> RegistryOptions {
        RegistryOptions {
            cache_dir: self.cache.clone(),
            insecure: self.insecure.clone(),
            auth_file: self.authfile.clone(),
            mirrors: self.mirrors.clone(),
            timeouts: Timeouts {
                idle: Duration::from_secs(self.timeout),
                deadline: Duration::from_secs(self.deadline),
            },
            trusted_realms: self.trusted_realms.clone(),
            retries: Retries::default(),
        }
    }
}

pub(super) fn run(args: &BuilderArgs) -> anyhow::Result<()> {
    match &args.command {
        BuilderCommand::Create(args) => create(args),
    }
}

fn create(args: &CreateArgs) -> anyhow::Result<()> {
    let build_image = args.build_image.as_deref().map(split_layout_reference);
    let output = args.output.as_deref().map(split_layout_reference);
    let output_tag = output
        .as_ref()
        .and_then(|(_, tag)| tag.clone())
        .unwrap_or_else(|| "latest".to_string());
    let started = Instant::now(); // clock: a time for the log
    let destination = [
        output
            .as_ref()
            .map(|(dir, _)| format!("{}:{output_tag}", dir.display())),
        args.publish.clone(),
    ]
    .into_iter()
    .flatten()
    .collect::<Vec<_>>()
    .join(" and ");
    eprintln!(
        "Creating the builder {destination} from {} over {}",
        args.config.display(),
        args.build_image
            .as_deref()
            .unwrap_or("the build image it names")
    );
    let created = create_builder(&CreateOptions {
        config: args.config.clone(),
        build_image: build_image.as_ref().map(|(dir, _)| dir.clone()),
        build_image_tag: build_image.and_then(|(_, tag)| tag),
        lifecycle: args.lifecycle.clone(),
        launcher: args.launcher.clone().or_else(|| {
            let beside = args.lifecycle.as_ref()?.with_file_name("launcher");
            beside.is_file().then_some(beside)
        }),
        lifecycle_repository: args.lifecycle_repository.clone(),
        output: output.as_ref().map(|(dir, _)| dir.clone()),
        output_tag: output_tag.clone(),
        publish: args.publish.clone(),
        registry: args.registry.options(),
    })?;
    for warning in &created.warnings {
        eprintln!("warning: {warning}");
    }
    for (reference, pinned) in &created.pulled {
        eprintln!("    pulled {reference} ({pinned})");
    }
    let transfer = created.transfer;
    if transfer != Transfer::default() {
        eprintln!(
            "    registry: {} manifest(s) fetched, {} blob(s) downloaded ({} bytes), {} from the cache; {} blob(s) uploaded ({} bytes), {} already there, {} mounted",
            transfer.manifests_fetched,
            transfer.blobs_downloaded,
            transfer.bytes_downloaded,
            transfer.blobs_cached,
            transfer.blobs_uploaded,
            transfer.bytes_uploaded,
            transfer.blobs_present,
            transfer.blobs_mounted
        );
    }
    eprintln!(
        "    {}: lifecycle {}, {} module(s): {}; {} layer(s) added in {:.2} s",
        created.platforms.join(", "),
        created.lifecycle_version,
        created.modules.len(),
        created
            .modules
            .iter()
            .map(|name| untrusted_input::bounded(name))
            .collect::<Vec<_>>()
            .join(", "),
        created.added_layers,
        started.elapsed().as_secs_f64() // clock: a time for the log
    );
    if let Some((dir, _)) = &output {
        println!(
            "{}:{output_tag} {}",
            dir.display(),
            created.manifest.digest()
        );
    }
    if let Some(reference) = &args.publish {
        println!("{reference} {}", created.manifest.digest());
    }
    Ok(())
}

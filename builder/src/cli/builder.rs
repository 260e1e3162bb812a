//! `packager builder create`: a builder image as an OCI layout, without a daemon.

use crate::builder_image::{CreateOptions, create_builder};
use crate::oci::split_layout_reference;
use clap::{Args, Subcommand};
use std::path::PathBuf;
use std::time::Instant;

#[derive(Debug, Args)]
pub struct BuilderArgs {
    #[command(subcommand)]
    pub command: BuilderCommand,
}

#[derive(Debug, Subcommand)]
pub enum BuilderCommand {
    /// Write a builder image as an OCI image layout: the build image's layers, then the
    /// lifecycle, the modules of the builder.toml (local .cnb files or module directories),
    /// order.toml, stack.toml, run.toml and the labels pack writes.
    Create(CreateArgs),
}

#[derive(Debug, Args)]
pub struct CreateArgs {
    /// The builder.toml (e.g. one rendered by `packager package` in target/cnb/builders/)
    #[arg(long, value_name = "BUILDER_TOML")]
    pub config: PathBuf,
    /// The build image: an OCI image layout directory, with `:<tag>` when it holds several images
    #[arg(long, value_name = "DIR[:TAG]")]
    pub build_image: String,
    /// The lifecycle binary (one binary for every phase, e.g. target/tools/bin/lifecycle)
    #[arg(long, value_name = "FILE")]
    pub lifecycle: PathBuf,
    /// A launcher binary for /cnb/lifecycle/launcher [default: `launcher` next to the lifecycle
    /// binary (tests/install-lifecycle.sh installs both), else a link to the lifecycle]
    #[arg(long, value_name = "FILE")]
    pub launcher: Option<PathBuf>,
    /// The OCI image layout directory to write (replaced if it is one), with `:<tag>` [default tag: latest]
    #[arg(long, value_name = "DIR[:TAG]")]
    pub output: String,
}

pub(super) fn run(args: &BuilderArgs) -> anyhow::Result<()> {
    match &args.command {
        BuilderCommand::Create(args) => create(args),
    }
}

fn create(args: &CreateArgs) -> anyhow::Result<()> {
    let (build_image, build_image_tag) = split_layout_reference(&args.build_image);
    let (output, output_tag) = split_layout_reference(&args.output);
    let output_tag = output_tag.unwrap_or_else(|| "latest".to_string());
    let started = Instant::now();
    eprintln!(
        "Creating the builder {}:{output_tag} from {} over {}",
        output.display(),
        args.config.display(),
        args.build_image
    );
    let created = create_builder(&CreateOptions {
        config: args.config.clone(),
        build_image,
        build_image_tag,
        lifecycle: args.lifecycle.clone(),
        launcher: args.launcher.clone().or_else(|| {
            let beside = args.lifecycle.with_file_name("launcher");
            beside.is_file().then_some(beside)
        }),
        output: output.clone(),
        output_tag: output_tag.clone(),
    })?;
    for warning in &created.warnings {
        eprintln!("warning: {warning}");
    }
    eprintln!(
        "    lifecycle {}, {} module(s): {}; {} layer(s) added in {:.2} s",
        created.lifecycle_version,
        created.modules.len(),
        created.modules.join(", "),
        created.added_layers,
        started.elapsed().as_secs_f64()
    );
    println!(
        "{}:{output_tag} {}",
        output.display(),
        created.manifest.digest
    );
    Ok(())
}

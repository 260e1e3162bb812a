//! `packager check`: check builder.toml files by pack's rules.
//!
//! Offline by default: a module named by image is taken with the `id` and `version` it declares
//! (either may be missing, as pack reads them from the image), and a warning names each such
//! reference. `--verify` pulls each image's manifest and config (no layer), for each platform
//! of the definition's `[[targets]]`, and checks the definition against what its labels say,
//! as `builder create` does.

use super::builder::RegistryArgs;
use crate::builder_image::{check_against_images, target_platforms};
use crate::builder_toml::{CheckedBuilder, check_file};
use crate::registry::Registry;
use anyhow::bail;
use clap::Args;
use std::path::{Path, PathBuf};

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// The builder.toml files to check
    #[arg(required = true, value_name = "BUILDER_TOML")]
    pub files: Vec<PathBuf>,
    /// Pull the manifest and config of every module named by image (no layer) and check the
    /// definition against the ids and versions their labels give, as `builder create` does
    /// [default: offline, such modules taken as declared, with a warning naming each]
    #[arg(long)]
    pub verify: bool,
    #[command(flatten)]
    pub registry: RegistryArgs,
}

pub(super) fn run(args: &CheckArgs) -> anyhow::Result<()> {
    let registry = if args.verify {
        Some(Registry::new(&args.registry.options())?)
    } else {
        None
    };
    let mut failed = 0;
    for file in &args.files {
        match check_one(file, registry.as_ref()) {
            Ok(checked) => {
                for warning in &checked.warnings {
                    eprintln!("warning: {warning}");
                }
                println!("{}: ok", file.display());
            }
            Err(error) => {
                eprintln!("{error:#}");
                failed += 1;
            }
        }
    }
    if failed > 0 {
        bail!(
            "{failed} of {} builder.toml file(s) have problems (listed above)",
            args.files.len()
        );
    }
    Ok(())
}

fn check_one(file: &Path, registry: Option<&Registry>) -> anyhow::Result<CheckedBuilder> {
    let checked = check_file(file)?;
    let Some(registry) = registry else {
        return Ok(checked);
    };
    // Each platform's images: every one must have an entry for it.
    let mut verified = checked;
    for platform in target_platforms(&verified) {
        verified = check_against_images(file, registry, &platform)?.0;
    }
    Ok(verified)
}

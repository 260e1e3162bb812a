//! `packager package`: package every module crate of the workspace.

use crate::module::package_module;
use crate::workspace::{discover_modules, find_workspace_root};
use anyhow::Context;
use clap::Args;
use std::path::PathBuf;

#[derive(Debug, Args)]
pub struct PackageArgs {
    /// Output directory; modules are written to `<DIR>/modules/` [default: <workspace root>/target/cnb]
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
}

pub(super) fn run(args: &PackageArgs) -> anyhow::Result<()> {
    let current_dir = std::env::current_dir().context("cannot determine the current directory")?;
    let workspace_root = find_workspace_root(&current_dir)?;
    let out = match &args.out {
        Some(out) => std::path::absolute(out)
            .with_context(|| format!("cannot resolve --out {}", out.display()))?,
        None => workspace_root.join("target").join("cnb"),
    };
    let out_modules_dir = out.join("modules");

    let module_dirs = discover_modules(&workspace_root)?;
    if module_dirs.is_empty() {
        eprintln!(
            "No module crates in {} (extensions/*/ or buildpacks/*/ with a Cargo.toml and an extension.toml or buildpack.toml): nothing to package.",
            workspace_root.display()
        );
        return Ok(());
    }

    eprintln!(
        "Packaging {} module(s) of {} into {}",
        module_dirs.len(),
        workspace_root.display(),
        out_modules_dir.display()
    );
    for module_dir in module_dirs {
        let relative = module_dir
            .strip_prefix(&workspace_root)
            .unwrap_or(&module_dir);
        eprintln!("==> {}", relative.display());
        let packaged = package_module(&workspace_root, &module_dir, &out_modules_dir)
            .with_context(|| format!("cannot package {}", relative.display()))?;
        eprintln!(
            "    {} {} {} ({:.2} MiB, statically linked)",
            packaged.descriptor.kind,
            packaged.descriptor.id,
            packaged.descriptor.version,
            mebibytes(packaged.binary_size)
        );
        for extra in &packaged.extra_binaries {
            eprintln!(
                "    bin/{} ({:.2} MiB, statically linked)",
                extra.name,
                mebibytes(extra.size)
            );
        }
        println!(
            "{} {} {}",
            packaged.descriptor.id,
            packaged.descriptor.version,
            packaged.dir.display()
        );
    }
    Ok(())
}

/// A size in MiB, for display.
#[allow(clippy::cast_precision_loss)] // Only for display.
fn mebibytes(bytes: u64) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}

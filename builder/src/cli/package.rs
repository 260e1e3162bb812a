//! `packager package`: package every module crate of the workspace, as a directory and as a
//! buildpackage, and render every builder definition.

use crate::builders::{PackagedCnb, discover_definitions, render};
use anyhow::Context;
use clap::Args;
use cnb_package::buildpackage::{Buildpackage, write_buildpackage};
use cnb_package::module::{ModuleCrate, PackagedModule, package_crates};
use cnb_package::workspace::{discover_modules, find_workspace_root};
use std::path::PathBuf;
use std::time::Instant;

#[derive(Debug, Args)]
pub struct PackageArgs {
    /// Output directory; modules are written to `<DIR>/modules/`, builders to `<DIR>/builders/`
    /// [default: <workspace root>/target/cnb]
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Push every module's buildpackage as `<PREFIX>/<id with / replaced by _>:<version>`, then
    /// make every builder definition (its images pulled, an image index of a builder per
    /// platform for several `[[targets]]`) and push it as `<PREFIX>/<name>:latest` (e.g.
    /// `ghcr.io/me`)
    #[arg(long, value_name = "PREFIX")]
    pub publish: Option<String>,
    /// An override of the definitions' `[lifecycle]` for the published builders of this
    /// machine's platform: a lifecycle binary (its version must be the definitions' `[lifecycle]
    /// version`) [default: what `[lifecycle]` names, each platform's: the image
    /// `<LIFECYCLE_REPOSITORY>:<version>`, or `uri`]
    #[arg(long, value_name = "FILE", requires = "publish")]
    pub lifecycle: Option<PathBuf>,
    /// Where lifecycle images are pulled from by `[lifecycle] version`
    #[arg(long, value_name = "REPOSITORY", default_value = crate::builder_image::DEFAULT_LIFECYCLE_REPOSITORY, requires = "publish")]
    pub lifecycle_repository: String,
    #[command(flatten)]
    pub registry: super::RegistryArgs,
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
    let started = Instant::now(); // clock: a time for the log
    let mut modules = Vec::new();
    for module_dir in &module_dirs {
        let relative = module_dir
            .strip_prefix(&workspace_root)
            .unwrap_or(module_dir);
        let module = ModuleCrate::read(&workspace_root, module_dir)
            .with_context(|| format!("cannot package {}", relative.display()))?;
        modules.push(module);
    }
    eprintln!(
        "Building the modules' binaries together (one cargo invocation per group of modules whose dependency features agree)"
    );
    let packaged_modules = package_crates(&workspace_root, modules, &out_modules_dir)
        .context("cannot package the workspace's modules")?;
    let cnbs: Vec<PathBuf> = packaged_modules
        .iter()
        .map(|packaged| out_modules_dir.join(format!("{}.cnb", packaged.descriptor.escaped_id())))
        .collect();
    let written = write_buildpackages(&packaged_modules, &cnbs);
    let mut buildpackages = Vec::new();
    for (((module_dir, packaged), cnb), package) in module_dirs
        .iter()
        .zip(packaged_modules)
        .zip(cnbs)
        .zip(written)
    {
        let relative = module_dir
            .strip_prefix(&workspace_root)
            .unwrap_or(module_dir);
        buildpackages.push(report_module(relative, &packaged, cnb, package)?);
    }
    eprintln!(
        "Packaged {} module(s) in {:.1} s",
        buildpackages.len(),
        started.elapsed().as_secs_f64() // clock: a time for the log
    );

    let definitions = render_definitions(&workspace_root, &buildpackages, &out.join("builders"))?;
    if let Some(prefix) = &args.publish {
        super::publish::publish(
            prefix,
            args.lifecycle.as_deref(),
            &args.lifecycle_repository,
            &args.registry.options(),
            &buildpackages,
            &definitions,
            &out.join("builders"),
        )?;
    }
    Ok(())
}

/// Logs one packaged module and its buildpackage (stderr) and its line of the command's output
/// (stdout), and returns the buildpackage.
fn report_module(
    relative: &std::path::Path,
    packaged: &PackagedModule,
    cnb: PathBuf,
    package: anyhow::Result<Buildpackage>,
) -> anyhow::Result<PackagedCnb> {
    eprintln!("==> {}", relative.display());
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
    let package = package
        .with_context(|| format!("cannot write the buildpackage of {}", relative.display()))?;
    let size = std::fs::metadata(&cnb)
        .with_context(|| format!("cannot read {}", cnb.display()))?
        .len();
    eprintln!(
        "    {} ({:.2} MiB, layer {})",
        cnb.display(),
        mebibytes(size),
        package.layer.diff_id
    );
    println!(
        "{} {} {} {}",
        packaged.descriptor.id,
        packaged.descriptor.version,
        packaged.dir.display(),
        cnb.display()
    );
    Ok(PackagedCnb {
        details: package.details,
        cnb,
    })
}

/// Writes the buildpackage of each of `modules` to its path in `cnbs`, each on a thread of its
/// own (compressing is most of a warm run's time), and returns the results in order.
fn write_buildpackages(
    modules: &[PackagedModule],
    cnbs: &[PathBuf],
) -> Vec<anyhow::Result<Buildpackage>> {
    std::thread::scope(|scope| {
        let writers: Vec<_> = modules
            .iter()
            .zip(cnbs)
            .map(|(module, cnb)| scope.spawn(|| write_buildpackage(&module.dir, cnb)))
            .collect();
        writers
            .into_iter()
            .map(|writer| {
                writer
                    .join()
                    .unwrap_or_else(|_| Err(anyhow::anyhow!("the buildpackage writer panicked")))
            })
            .collect()
    })
}

/// Checks and renders every builder definition of the workspace into `builders_dir`.
fn render_definitions(
    workspace_root: &std::path::Path,
    buildpackages: &[PackagedCnb],
    builders_dir: &std::path::Path,
) -> anyhow::Result<Vec<crate::builders::Definition>> {
    let definitions = discover_definitions(workspace_root)?;
    if !definitions.is_empty() {
        eprintln!(
            "Checking and rendering {} builder definition(s) into {}",
            definitions.len(),
            builders_dir.display()
        );
    }
    for definition in &definitions {
        let rendered = render(definition, buildpackages, builders_dir)?;
        eprintln!("==> {} ({})", definition.name, rendered.display());
        println!("builder {} {}", definition.name, rendered.display());
    }
    Ok(definitions)
}

/// A size in MiB, for display.
#[allow(clippy::cast_precision_loss)] // Only for display.
fn mebibytes(bytes: u64) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}

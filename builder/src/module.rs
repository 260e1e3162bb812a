//! Packaging one module crate into a CNB module directory.

use crate::cargo::build_module_binary;
use crate::descriptor::{ModuleDescriptor, find_descriptor};
use crate::elf::check_static;
use crate::manifest::CrateManifest;
use anyhow::Context;
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

/// A module packaged by [`package_module`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PackagedModule {
    /// The module's descriptor (kind, id, version, source file).
    pub descriptor: ModuleDescriptor,
    /// The Cargo package the binary was built from.
    pub package: String,
    /// The packaged module directory, `<out_modules_dir>/<id with / replaced by _>`.
    pub dir: PathBuf,
    /// Size in bytes of the module's binary.
    pub binary_size: u64,
}

/// Builds the module crate in `module_dir` and lays it out in `out_modules_dir`.
///
/// Steps: read and validate the descriptor (`extension.toml` or `buildpack.toml`), read the
/// package name and binary from the crate's `Cargo.toml`, build the binary statically with
/// [`build_module_binary`] (Cargo's output goes to stderr), check it with [`check_static`], and
/// write the module directory with [`layout_module`].
///
/// A relative `module_dir` is taken relative to `workspace_root`. The crate must be a member of
/// the workspace at `workspace_root`.
///
/// # Errors
/// The first step that fails, with a message naming the file or command at fault. No module
/// directory is written (or removed) unless every step before the layout succeeded.
pub fn package_module(
    workspace_root: &Path,
    module_dir: &Path,
    out_modules_dir: &Path,
) -> anyhow::Result<PackagedModule> {
    let module_dir = workspace_root.join(module_dir);
    let descriptor = find_descriptor(&module_dir)?;
    let manifest = CrateManifest::read(&module_dir)?;
    let bin = manifest.module_binary()?;

    let binary = build_module_binary(workspace_root, &manifest.package_name, bin)
        .with_context(|| format!("cannot build {} {}", descriptor.kind, descriptor.id))?;
    check_static(&binary)?;
    let binary_size = fs::metadata(&binary)
        .with_context(|| format!("cannot read {}", binary.display()))?
        .len();

    let dir = layout_module(&descriptor, &binary, out_modules_dir)?;
    Ok(PackagedModule {
        descriptor,
        package: manifest.package_name,
        dir,
        binary_size,
    })
}

/// Writes the module directory `<out_modules_dir>/<escaped id>/` and returns its path:
///
/// - the descriptor file, copied verbatim;
/// - extension: `bin/generate` (a copy of `binary`, mode 0755) and `bin/detect` → `generate`;
/// - buildpack: `bin/build` (a copy of `binary`, mode 0755) and `bin/detect` → `build`;
///
/// where `→` is a relative symlink (libcnb picks the phase from the name it is run as).
///
/// The directory is assembled under a temporary sibling name (`.<escaped id>.*.tmp`), then an
/// existing module directory is removed and the new one renamed into place, so a failure never
/// leaves a half-written module directory behind.
///
/// # Errors
/// If a file cannot be copied or written, or the old directory cannot be replaced.
pub fn layout_module(
    descriptor: &ModuleDescriptor,
    binary: &Path,
    out_modules_dir: &Path,
) -> anyhow::Result<PathBuf> {
    let escaped_id = descriptor.escaped_id();
    fs::create_dir_all(out_modules_dir)
        .with_context(|| format!("cannot create {}", out_modules_dir.display()))?;

    // Removed on drop, i.e. on every early return below.
    let staging = tempfile::Builder::new()
        .prefix(&format!(".{escaped_id}."))
        .suffix(".tmp")
        .tempdir_in(out_modules_dir)
        .with_context(|| format!("cannot create a directory in {}", out_modules_dir.display()))?;
    write_module_files(descriptor, binary, staging.path())?;

    let destination = out_modules_dir.join(&escaped_id);
    remove_existing(&destination)?;
    let staged = staging.keep();
    if let Err(error) = fs::rename(&staged, &destination) {
        let _ = fs::remove_dir_all(&staged);
        return Err(error).with_context(|| {
            format!(
                "cannot move {} to {}",
                staged.display(),
                destination.display()
            )
        });
    }
    Ok(destination)
}

fn write_module_files(
    descriptor: &ModuleDescriptor,
    binary: &Path,
    module_dir: &Path,
) -> anyhow::Result<()> {
    // The temporary directory is created 0700; packaged modules are read by other users.
    set_mode(module_dir, 0o755)?;

    let descriptor_copy = module_dir.join(descriptor.kind.descriptor_file_name());
    fs::copy(&descriptor.path, &descriptor_copy).with_context(|| {
        format!(
            "cannot copy {} to {}",
            descriptor.path.display(),
            descriptor_copy.display()
        )
    })?;

    let bin_dir = module_dir.join("bin");
    fs::create_dir(&bin_dir).with_context(|| format!("cannot create {}", bin_dir.display()))?;
    set_mode(&bin_dir, 0o755)?;

    let main_name = descriptor.kind.main_executable_name();
    let main = bin_dir.join(main_name);
    fs::copy(binary, &main)
        .with_context(|| format!("cannot copy {} to {}", binary.display(), main.display()))?;
    set_mode(&main, 0o755)?;

    let detect = bin_dir.join("detect");
    std::os::unix::fs::symlink(main_name, &detect)
        .with_context(|| format!("cannot create symlink {}", detect.display()))?;
    Ok(())
}

fn set_mode(path: &Path, mode: u32) -> anyhow::Result<()> {
    fs::set_permissions(path, fs::Permissions::from_mode(mode))
        .with_context(|| format!("cannot set mode {mode:o} on {}", path.display()))
}

fn remove_existing(path: &Path) -> anyhow::Result<()> {
    match fs::symlink_metadata(path) {
        Ok(metadata) if metadata.is_dir() => fs::remove_dir_all(path),
        Ok(_) => fs::remove_file(path),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(error) => Err(error),
    }
    .with_context(|| format!("cannot remove the old {}", path.display()))
}

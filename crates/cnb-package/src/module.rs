//! Packaging one module crate into a CNB module directory.

use crate::cargo::{PackageBinaries, build_packages};
use crate::descriptor::{ModuleDescriptor, find_descriptor};
use crate::manifest::CrateManifest;
use anyhow::{Context, bail};
use elf_check::check_static;
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
    /// The crate's other binaries, packaged at `bin/<name>`, in the crate's binary order.
    pub extra_binaries: Vec<PackagedBinary>,
}

/// One of a module crate's other binaries, as packaged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PackagedBinary {
    /// The binary's name: it is packaged at `bin/<name>`.
    pub name: String,
    /// Its size in bytes.
    pub size: u64,
}

/// A binary to place at `bin/<name>` of a module directory, next to the module's executables.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExtraBinary {
    /// The file name under `bin/`.
    pub name: String,
    /// The built binary to copy.
    pub path: PathBuf,
}

/// Builds the module crate in `module_dir` and lays it out in `out_modules_dir`.
///
/// Steps: [`ModuleCrate::read`] (the descriptor, `extension.toml` or `buildpack.toml`, and the
/// crate's binaries from its `Cargo.toml`), then [`package_crates`]: build the module binary and
/// every other binary of the crate statically in one Cargo run (Cargo's output goes to stderr),
/// check each with [`check_static`], and write the module directory with [`layout_module`]: the
/// module binary behind `bin/build` or `bin/generate`, every other binary at `bin/<its name>`.
///
/// A relative `module_dir` is taken relative to `workspace_root`. The crate must be a member of
/// the workspace at `workspace_root`.
///
/// # Errors
/// The first step that fails, with a message naming the file or command at fault; also when an
/// extra binary is named like one of the module's executables (`build`, `detect`, `generate`).
/// No module directory is written (or removed) unless every step before the layout succeeded.
pub fn package_module(
    workspace_root: &Path,
    module_dir: &Path,
    out_modules_dir: &Path,
) -> anyhow::Result<PackagedModule> {
    let module = ModuleCrate::read(workspace_root, module_dir)?;
    let mut packaged = package_crates(workspace_root, vec![module], out_modules_dir)?;
    match packaged.pop() {
        Some(module) if packaged.is_empty() => Ok(module),
        _ => bail!("packaging {} did not give one module", module_dir.display()),
    }
}

/// A module crate read and checked, ready to build.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModuleCrate {
    /// The module's descriptor (kind, id, version, source file).
    pub descriptor: ModuleDescriptor,
    /// The crate's `Cargo.toml`.
    pub manifest: CrateManifest,
    /// The binaries to build: the module binary first, then the crate's other binaries.
    pub binaries: Vec<String>,
}

impl ModuleCrate {
    /// Reads and validates the descriptor of the module crate in `module_dir` (relative to
    /// `workspace_root` if relative) and the binaries of its `Cargo.toml`.
    ///
    /// # Errors
    /// If the descriptor or `Cargo.toml` is missing or invalid, or a binary other than the
    /// module binary is named like a module executable (`build`, `detect`, `generate`).
    pub fn read(workspace_root: &Path, module_dir: &Path) -> anyhow::Result<Self> {
        let module_dir = workspace_root.join(module_dir);
        let descriptor = find_descriptor(&module_dir)?;
        let manifest = CrateManifest::read(&module_dir)?;
        let bin = manifest.module_binary()?;
        let extra_names = manifest.extra_binaries()?;
        for name in &extra_names {
            if RESERVED_EXECUTABLE_NAMES.contains(name) {
                bail!(
                    "{} defines a binary named {name:?}, the name of a module executable ({}): rename it",
                    manifest.path.display(),
                    RESERVED_EXECUTABLE_NAMES.join(", ")
                );
            }
        }
        let binaries = std::iter::once(bin)
            .chain(extra_names)
            .map(str::to_string)
            .collect();
        Ok(Self {
            descriptor,
            manifest,
            binaries,
        })
    }
}

/// Builds the binaries of every crate of `modules` together with [`build_packages`] (one Cargo
/// invocation per group of crates whose dependency features agree: the dependencies they share
/// compile once, and each binary is the one its crate builds alone), then checks and lays out
/// each module as [`package_module`] does, in the order of `modules`.
///
/// # Errors
/// If the build fails (the message names every module), a binary is not statically linked, or a
/// module directory cannot be written.
pub fn package_crates(
    workspace_root: &Path,
    modules: Vec<ModuleCrate>,
    out_modules_dir: &Path,
) -> anyhow::Result<Vec<PackagedModule>> {
    let names: Vec<Vec<&str>> = modules
        .iter()
        .map(|module| module.binaries.iter().map(String::as_str).collect())
        .collect();
    let packages: Vec<PackageBinaries<'_>> = modules
        .iter()
        .zip(&names)
        .map(|(module, bins)| PackageBinaries {
            package: &module.manifest.package_name,
            bins,
        })
        .collect();
    let built = build_packages(workspace_root, &packages).with_context(|| {
        let modules: Vec<String> = modules
            .iter()
            .map(|module| format!("{} {}", module.descriptor.kind, module.descriptor.id))
            .collect();
        format!("cannot build {}", modules.join(", "))
    })?;
    if built.len() != modules.len() {
        bail!("cargo build did not return the binaries of every module");
    }
    modules
        .into_iter()
        .zip(built)
        .map(|(module, paths)| lay_out_built(module, paths, out_modules_dir))
        .collect()
}

/// Checks the built binaries of `module` (`paths`, in the order of its binaries) and writes its
/// module directory.
fn lay_out_built(
    module: ModuleCrate,
    paths: Vec<PathBuf>,
    out_modules_dir: &Path,
) -> anyhow::Result<PackagedModule> {
    let package = module.manifest.package_name;
    if paths.len() != module.binaries.len() {
        bail!("cargo build of {package} did not return every binary");
    }
    // (name, path, size) of each binary, the module binary first.
    let mut built = module.binaries.into_iter().zip(paths).map(|(name, path)| {
        check_static(&path)?;
        let size = fs::metadata(&path)
            .with_context(|| format!("cannot read {}", path.display()))?
            .len();
        anyhow::Ok((name, path, size))
    });
    let Some(main) = built.next() else {
        bail!("cargo build of {package} returned no binary");
    };
    let (_, binary, binary_size) = main?;
    let others = built.collect::<anyhow::Result<Vec<_>>>()?;
    let extra_binaries = others
        .iter()
        .map(|(name, _, size)| PackagedBinary {
            name: name.clone(),
            size: *size,
        })
        .collect();
    let extra: Vec<ExtraBinary> = others
        .into_iter()
        .map(|(name, path, _)| ExtraBinary { name, path })
        .collect();

    let descriptor = module.descriptor;
    let dir = layout_module(&descriptor, &binary, &extra, out_modules_dir)?;
    Ok(PackagedModule {
        descriptor,
        package,
        dir,
        binary_size,
        extra_binaries,
    })
}

/// File names under a module's `bin/` that the CNB contract gives a meaning to.
const RESERVED_EXECUTABLE_NAMES: [&str; 3] = ["build", "detect", "generate"];

/// Writes the module directory `<out_modules_dir>/<escaped id>/` and returns its path:
///
/// - the descriptor file, copied verbatim;
/// - extension: `bin/generate` (a copy of `binary`, mode 0755) and `bin/detect` → `generate`;
/// - buildpack: `bin/build` (a copy of `binary`, mode 0755) and `bin/detect` → `build`;
/// - each of `extra_binaries` at `bin/<name>` (a copy, mode 0755);
///
/// where `→` is a relative symlink (libcnb picks the phase from the name it is run as).
///
/// The directory is assembled under a temporary sibling name (`.<escaped id>.*.tmp`), then an
/// existing module directory is removed and the new one renamed into place, so a failure never
/// leaves a half-written module directory behind.
///
/// # Errors
/// If a file cannot be copied or written, the old directory cannot be replaced, or an extra
/// binary's name is not a plain file name or clashes with a module executable.
pub fn layout_module(
    descriptor: &ModuleDescriptor,
    binary: &Path,
    extra_binaries: &[ExtraBinary],
    out_modules_dir: &Path,
) -> anyhow::Result<PathBuf> {
    for extra in extra_binaries {
        let plain = Path::new(&extra.name)
            .file_name()
            .is_some_and(|name| name == extra.name.as_str());
        if !plain || RESERVED_EXECUTABLE_NAMES.contains(&extra.name.as_str()) {
            bail!(
                "cannot place a binary at bin/{}: the name must be a plain file name other than {}",
                extra.name,
                RESERVED_EXECUTABLE_NAMES.join(", ")
            );
        }
    }
    let escaped_id = descriptor.escaped_id();
    fs::create_dir_all(out_modules_dir)
        .with_context(|| format!("cannot create {}", out_modules_dir.display()))?;

    // Removed on drop, i.e. on every early return below.
    let staging = tempfile::Builder::new()
        .prefix(&format!(".{escaped_id}."))
        .suffix(".tmp")
        .tempdir_in(out_modules_dir)
        .with_context(|| format!("cannot create a directory in {}", out_modules_dir.display()))?;
    write_module_files(descriptor, binary, extra_binaries, staging.path())?;

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
    extra_binaries: &[ExtraBinary],
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
    copy_executable(binary, &bin_dir.join(main_name))?;

    let detect = bin_dir.join("detect");
    std::os::unix::fs::symlink(main_name, &detect)
        .with_context(|| format!("cannot create symlink {}", detect.display()))?;

    for extra in extra_binaries {
        copy_executable(&extra.path, &bin_dir.join(&extra.name))?;
    }
    Ok(())
}

fn copy_executable(from: &Path, to: &Path) -> anyhow::Result<()> {
    fs::copy(from, to)
        .with_context(|| format!("cannot copy {} to {}", from.display(), to.display()))?;
    set_mode(to, 0o755)
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

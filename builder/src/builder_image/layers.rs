//! The layers `packager builder create` adds to the build image's besides the modules': the
//! directories, the lifecycle, single files (order.toml, stack.toml, run.toml) and the
//! build-config env.

use super::LIFECYCLE_PHASES;
use crate::builder_toml::{CheckedBuilder, build_env_name_problem};
use anyhow::bail;
use oci_layout::{LayerBlob, LayerBuilder, Owner};
use std::collections::BTreeMap;

/// The directories: `/workspace` and `/layers` owned by `owner`, the rest by root.
pub(super) fn dirs_layer(owner: Owner) -> anyhow::Result<LayerBlob> {
    let mut layer = LayerBuilder::new();
    for dir in ["/workspace", "/layers"] {
        layer.dir(dir, 0o755, owner)?;
    }
    for dir in [
        "/cnb",
        "/cnb/buildpacks",
        "/cnb/extensions",
        "/cnb/build-config",
        "/cnb/build-config/env",
        "/platform",
        "/platform/env",
    ] {
        layer.dir(dir, 0o755, Owner::ROOT)?;
    }
    layer.into_layer()
}

/// `/cnb/lifecycle`: the lifecycle binary, its phases as symlinks to it, the launcher (or a
/// link, with a warning) and `lifecycle.toml`; the link `/lifecycle`.
pub(super) fn lifecycle_layer(
    lifecycle: &[u8],
    launcher: Option<&[u8]>,
    lifecycle_toml: &str,
) -> anyhow::Result<(LayerBlob, Option<String>)> {
    let mut layer = LayerBuilder::new();
    layer.dir("/cnb/lifecycle", 0o755, Owner::ROOT)?;
    layer.file("/cnb/lifecycle/lifecycle", 0o755, Owner::ROOT, lifecycle)?;
    for phase in LIFECYCLE_PHASES {
        layer.symlink(&format!("/cnb/lifecycle/{phase}"), "lifecycle")?;
    }
    let warning = if let Some(launcher) = launcher {
        layer.file("/cnb/lifecycle/launcher", 0o755, Owner::ROOT, launcher)?;
        None
    } else {
        layer.symlink("/cnb/lifecycle/launcher", "lifecycle")?;
        Some(
            "no --launcher: /cnb/lifecycle/launcher links to the lifecycle binary, which has no launcher \
             phase (the launcher is the lifecycle's cmd/launcher); detect and build work, exported app \
             images need a real launcher"
                .to_string(),
        )
    };
    layer.file(
        "/cnb/lifecycle/lifecycle.toml",
        0o644,
        Owner::ROOT,
        lifecycle_toml.as_bytes(),
    )?;
    layer.symlink("/lifecycle", "/cnb/lifecycle")?;
    Ok((layer.into_layer()?, warning))
}

/// A layer of one file (0644, root's).
pub(super) fn single_file_layer(path: &str, text: &str) -> anyhow::Result<LayerBlob> {
    let mut layer = LayerBuilder::new();
    layer.file(path, 0o644, Owner::ROOT, text.as_bytes())?;
    layer.into_layer()
}

/// `/cnb/build-config/env/<name>[.<suffix>]` and `<name>.delim`, as the lifecycle reads them.
pub(super) fn build_env_layer(checked: &CheckedBuilder) -> anyhow::Result<LayerBlob> {
    let mut files: BTreeMap<String, String> = BTreeMap::new();
    for (index, variable) in checked.config.build.env.iter().enumerate() {
        // `check_file` refused these already; the files are never written outside the directory.
        if let Some(problem) = build_env_name_problem(&variable.name) {
            bail!("build.env[{index}].name: {problem}");
        }
        let name = if variable.suffix.is_empty() {
            variable.name.clone()
        } else {
            format!("{}.{}", variable.name, variable.suffix)
        };
        files.insert(name, variable.value.clone());
        if !variable.delim.is_empty() {
            files.insert(format!("{}.delim", variable.name), variable.delim.clone());
        }
    }
    let mut layer = LayerBuilder::new();
    for (name, value) in files {
        layer.file(
            &format!("/cnb/build-config/env/{name}"),
            0o644,
            Owner::ROOT,
            value.as_bytes(),
        )?;
    }
    layer.into_layer()
}

//! The check of a configuration read into its types: the checks of the images, modules, order
//! and targets (one file each) run in turn, each adding to one list of [`Problems`], then the
//! lifecycle and build env checks here.

use super::config::{BuildEnv, BuilderConfig, LifecycleConfig, RunImageConfig};
use super::images::{check_build_image, check_run_images};
use super::modules::{ImageResolver, ResolvedModule, WorkspaceModules, resolve_module};
use super::order::{ModuleIndex, check_reference};
use super::problem::{CheckError, KeyPath, Problem, Problems};
use super::targets::check_targets;
use cnb_package::descriptor::ModuleKind;
use std::path::{Path, PathBuf};
use untrusted_input::quoted;

/// A builder.toml that passed [`check_file`](super::check_file).
#[derive(Debug, Clone)]
pub struct CheckedBuilder {
    pub path: PathBuf,
    pub config: BuilderConfig,
    /// The buildpacks, then the extensions, in file order.
    pub modules: Vec<ResolvedModule>,
    /// The build image (`build.image`, or `stack.build-image`).
    pub build_image: String,
    /// The run images (`run.images`, or `stack.run-image` with its mirrors); the first is the
    /// default.
    pub run_images: Vec<RunImageConfig>,
    /// What pack would warn about (e.g. an empty order), and what an offline check could not
    /// verify: each `<file>[:<line>]: [<key>: ]<message>`.
    pub warnings: Vec<String>,
}

pub(super) fn check_config(
    problems: &mut Problems<'_>,
    config: BuilderConfig,
    path: &Path,
    base_dir: &Path,
    workspace: &mut WorkspaceModules,
    mut images: Option<&mut ImageResolver<'_>>,
) -> Option<CheckedBuilder> {
    let build_image = check_build_image(problems, &config);
    let run_images = check_run_images(problems, &config);
    check_lifecycle(problems, &config.lifecycle);

    let mut modules = Vec::new();
    for (kind, table, entries) in [
        (ModuleKind::Buildpack, "buildpacks", &config.buildpacks),
        (ModuleKind::Extension, "extensions", &config.extensions),
    ] {
        for (index, entry) in entries.iter().enumerate() {
            let key = KeyPath::default().key(table).index(index);
            if let Some(module) = resolve_module(
                problems,
                entry,
                kind,
                key,
                base_dir,
                workspace,
                images.as_deref_mut(),
            ) {
                modules.push(module);
            }
        }
    }

    if config.order.is_empty() {
        problems.warnings.push(Problem {
            key: KeyPath::default(),
            line: None,
            message: "empty order: pack warns \"empty 'order' definition\" (buildpacks must then be given at build time)"
                .to_string(),
        });
    }
    let by_id = ModuleIndex::new(&modules);
    for (table, kind, groups) in [
        ("order", ModuleKind::Buildpack, &config.order),
        (
            "order-extensions",
            ModuleKind::Extension,
            &config.order_extensions,
        ),
    ] {
        for (group_index, group) in groups.iter().enumerate() {
            let group_key = KeyPath::default().key(table).index(group_index);
            if group.group.is_empty() {
                problems.add(
                    group_key.key("group"),
                    "an order entry needs at least one module in its group",
                );
            }
            for (index, entry) in group.group.iter().enumerate() {
                check_reference(
                    problems,
                    entry,
                    kind,
                    &by_id,
                    &group_key.key("group").index(index),
                    table,
                );
            }
        }
    }
    for (phase, system) in [("pre", &config.system.pre), ("post", &config.system.post)] {
        for (index, entry) in system.buildpacks.iter().enumerate() {
            let key = KeyPath::default()
                .key("system")
                .key(phase)
                .key("buildpacks")
                .index(index);
            check_reference(
                problems,
                entry,
                ModuleKind::Buildpack,
                &by_id,
                &key,
                "system",
            );
        }
    }
    check_targets(problems, &config.targets, &modules);
    check_build_env(problems, &config.build.env);

    let warnings = std::mem::take(&mut problems.warnings)
        .into_iter()
        .map(|warning| {
            CheckError {
                file: path.to_path_buf(),
                problems: vec![warning],
            }
            .to_string()
        })
        .collect();
    Some(CheckedBuilder {
        path: path.to_path_buf(),
        config,
        modules,
        build_image: build_image?,
        run_images,
        warnings,
    })
}

fn check_lifecycle(problems: &mut Problems<'_>, lifecycle: &LifecycleConfig) {
    if lifecycle.uri.is_some() && lifecycle.version.is_some() {
        problems.add(
            KeyPath::parse("lifecycle.uri"),
            "set either lifecycle.version or lifecycle.uri, not both",
        );
    }
    if let Some(version) = &lifecycle.version
        && !cnb_package::descriptor::is_valid_version(version)
    {
        problems.add(
            KeyPath::parse("lifecycle.version"),
            format!(
                "{} is not a lifecycle version (MAJOR.MINOR.PATCH, e.g. \"0.21.17\")",
                quoted(version)
            ),
        );
    }
}

fn check_build_env(problems: &mut Problems<'_>, env: &[BuildEnv]) {
    for (index, variable) in env.iter().enumerate() {
        let key = KeyPath::parse("build.env").index(index);
        if let Some(problem) = build_env_name_problem(&variable.name) {
            problems.add(key.key("name"), problem);
        }
        match variable.suffix.as_str() {
            "append" | "prepend" if variable.delim.is_empty() => problems.add(
                key.key("delim"),
                format!("suffix {} needs a delim", quoted(&variable.suffix)),
            ),
            "" | "default" | "override" | "append" | "prepend" => {}
            other => problems.add(
                key.key("suffix"),
                format!(
                    "unknown suffix {} (expected default, override, append or prepend)",
                    quoted(other)
                ),
            ),
        }
    }
}

/// Why `name` cannot name a `[[build.env]]` variable, if it cannot.
///
/// pack v0.38.2 requires only a name (`builder/config_reader.go`) and writes
/// `path.Join("/cnb/build-config/env", name)` (`internal/builder/builder.go`): `..`, `.` and
/// names with a `/` land outside that directory (`..` replaces `/cnb/build-config` itself with
/// a file). The lifecycle turns each file of the directory back into a variable of its name,
/// what follows the first `.` being the suffix, and passes `<name>=<value>` to the build, where
/// a `=` in the name would end it early (`A=B` sets `A`). So a name is an environment variable
/// name as POSIX defines it: ASCII letters, digits and `_`, not starting with a digit.
pub(crate) fn build_env_name_problem(name: &str) -> Option<String> {
    if name.is_empty() {
        return Some("a name is required".to_string());
    }
    if name == "." || name == ".." || name.contains('/') {
        return Some(format!(
            "{} would be written outside /cnb/build-config/env (pack writes the file \
             /cnb/build-config/env/<name> without checking the name; the packager refuses it)",
            quoted(name)
        ));
    }
    let mut bytes = name.bytes();
    let portable = bytes
        .next()
        .is_some_and(|first| first.is_ascii_alphabetic() || first == b'_')
        && bytes.all(|byte| byte.is_ascii_alphanumeric() || byte == b'_');
    (!portable).then(|| {
        format!(
            "{} is not an environment variable name (ASCII letters, digits and _, not starting \
             with a digit): the lifecycle sets the variable named by the file \
             /cnb/build-config/env/<name>, taking what follows a \".\" as its suffix",
            quoted(name)
        )
    })
}

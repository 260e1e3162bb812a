//! The check of a configuration read into its types: one [`Checker`] collects every problem,
//! each with its line; the images, modules, order and targets have their own files.

use super::CheckedBuilder;
use super::config::{BuildEnv, BuilderConfig, LifecycleConfig};
use super::modules::WorkspaceModules;
use super::order::ModuleIndex;
use super::problem::{KeyPath, Lines, Problem, Segment};
use cnb_package::descriptor::ModuleKind;
use std::path::Path;
use toml::Spanned;
use toml::de::{DeTable, DeValue};
use untrusted_input::quoted;

pub(super) struct Checker<'a> {
    pub(super) lines: Lines,
    pub(super) document: &'a Spanned<DeTable<'a>>,
    pub(super) problems: Vec<Problem>,
}

impl Checker<'_> {
    pub(super) fn problem(&mut self, key: KeyPath, message: impl Into<String>) {
        let line = self.line(&key);
        self.problems.push(Problem {
            key,
            line,
            message: message.into(),
        });
    }

    /// The line of `key`, or of its nearest existing ancestor.
    fn line(&self, key: &KeyPath) -> Option<usize> {
        let mut span = None;
        let mut table: Option<&DeTable<'_>> = Some(self.document.get_ref());
        let mut value: Option<&Spanned<DeValue<'_>>> = None;
        for segment in &key.0 {
            let next = match (segment, table, value) {
                (Segment::Key(key), Some(table), _) => table
                    .iter()
                    .find(|(name, _)| name.get_ref().as_ref() == key.as_str())
                    .map(|(_, value)| value),
                (Segment::Index(index), _, Some(current)) => match current.get_ref() {
                    DeValue::Array(items) => items.get(*index),
                    _ => None,
                },
                _ => None,
            };
            let Some(next) = next else { break };
            span = Some(next.span());
            value = Some(next);
            table = match next.get_ref() {
                DeValue::Table(inner) => Some(inner),
                _ => None,
            };
        }
        span.map(|span| self.lines.of(span.start))
    }

    pub(super) fn check_config(
        &mut self,
        config: BuilderConfig,
        path: &Path,
        base_dir: &Path,
        workspace: &mut WorkspaceModules,
    ) -> Option<CheckedBuilder> {
        let mut warnings = Vec::new();
        let build_image = self.check_build_image(&config);
        let run_images = self.check_run_images(&config);
        self.check_lifecycle(&config.lifecycle);

        let mut modules = Vec::new();
        for (kind, table, entries) in [
            (ModuleKind::Buildpack, "buildpacks", &config.buildpacks),
            (ModuleKind::Extension, "extensions", &config.extensions),
        ] {
            for (index, entry) in entries.iter().enumerate() {
                let key = KeyPath::default().key(table).index(index);
                if let Some(module) = self.resolve_module(entry, kind, key, base_dir, workspace) {
                    modules.push(module);
                }
            }
        }

        if config.order.is_empty() {
            warnings.push(
                "empty order: pack warns \"empty 'order' definition\" (buildpacks must then be given at build time)"
                    .to_string(),
            );
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
                    self.problem(
                        group_key.key("group"),
                        "an order entry needs at least one module in its group",
                    );
                }
                for (index, entry) in group.group.iter().enumerate() {
                    self.check_reference(
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
                self.check_reference(entry, ModuleKind::Buildpack, &by_id, &key, "system");
            }
        }
        self.check_targets(&config.targets, &modules);
        self.check_build_env(&config.build.env);

        Some(CheckedBuilder {
            path: path.to_path_buf(),
            config,
            modules,
            build_image: build_image?,
            run_images,
            warnings,
        })
    }

    fn check_lifecycle(&mut self, lifecycle: &LifecycleConfig) {
        if lifecycle.uri.is_some() && lifecycle.version.is_some() {
            self.problem(
                KeyPath::parse("lifecycle.uri"),
                "set either lifecycle.version or lifecycle.uri, not both",
            );
        }
        if let Some(version) = &lifecycle.version
            && !cnb_package::descriptor::is_valid_version(version)
        {
            self.problem(
                KeyPath::parse("lifecycle.version"),
                format!(
                    "{} is not a lifecycle version (MAJOR.MINOR.PATCH, e.g. \"0.21.17\")",
                    quoted(version)
                ),
            );
        }
    }

    fn check_build_env(&mut self, env: &[BuildEnv]) {
        for (index, variable) in env.iter().enumerate() {
            let key = KeyPath::parse("build.env").index(index);
            if variable.name.is_empty() {
                self.problem(key.key("name"), "a name is required");
            }
            match variable.suffix.as_str() {
                "append" | "prepend" if variable.delim.is_empty() => self.problem(
                    key.key("delim"),
                    format!("suffix {} needs a delim", quoted(&variable.suffix)),
                ),
                "" | "default" | "override" | "append" | "prepend" => {}
                other => self.problem(
                    key.key("suffix"),
                    format!(
                        "unknown suffix {} (expected default, override, append or prepend)",
                        quoted(other)
                    ),
                ),
            }
        }
    }
}

//! `[[order]]`, `[[order-extensions]]` and `[system]` entries: each names a module among the
//! resolved ones, of the right kind, with a matching version.

use super::config::GroupEntry;
use super::modules::ResolvedModule;
use super::problem::{KeyPath, Problems};
use cnb_package::descriptor::ModuleKind;
use std::collections::HashMap;
use untrusted_input::quoted;

pub(super) fn check_reference(
    problems: &mut Problems<'_>,
    entry: &GroupEntry,
    kind: ModuleKind,
    modules: &ModuleIndex<'_>,
    key: &KeyPath,
    table: &str,
) {
    let Some(id) = &entry.id else {
        problems.add(key.key("id"), "an id is required");
        return;
    };
    let versions = modules.versions(kind, id);
    let unverified = &modules.unverified[ModuleIndex::slot(kind)];
    if versions.is_empty() && !unverified.is_empty() {
        // Offline, an image may hold it (a composite holds the buildpacks of its order).
        const SHOWN: usize = 3;
        let mut names = unverified.iter().take(SHOWN).cloned().collect::<Vec<_>>();
        if unverified.len() > SHOWN {
            names.push(format!("{} more", unverified.len() - SHOWN));
        }
        problems.warn(
            key.key("id"),
            format!(
                "{} is not among the modules declared here; it may be in {} (not pulled offline)",
                quoted(id),
                names.join(", ")
            ),
        );
        return;
    }
    if versions.is_empty() {
        let other = match kind {
            ModuleKind::Buildpack => ModuleKind::Extension,
            ModuleKind::Extension => ModuleKind::Buildpack,
        };
        let other = !modules.versions(other, id).is_empty();
        let id = quoted(id);
        let message = match (kind, other) {
            (ModuleKind::Buildpack, true) => format!(
                "{id} is an extension: extensions belong in [[order-extensions]], not [[{table}]]"
            ),
            (ModuleKind::Extension, true) => {
                format!("{id} is a buildpack: [[order-extensions]] may only name extensions")
            }
            (ModuleKind::Buildpack, false) => {
                format!("{id} is not among the builder's [[buildpacks]]")
            }
            (ModuleKind::Extension, false) => {
                format!("{id} is not among the builder's [[extensions]]")
            }
        };
        problems.add(key.key("id"), message);
        return;
    }
    let listed = || {
        versions
            .iter()
            .map(|version| quoted(version))
            .collect::<Vec<_>>()
            .join(", ")
    };
    match &entry.version {
        Some(version) if !versions.contains(&version.as_str()) => problems.add(
            key.key("version"),
            format!(
                "{} is not a version of {} among the modules (version{} {})",
                quoted(version),
                quoted(id),
                if versions.len() > 1 { "s" } else { "" },
                listed()
            ),
        ),
        None if versions.len() > 1 => problems.add(
            key.key("version"),
            format!(
                "several versions of {} ({}): name one",
                quoted(id),
                listed()
            ),
        ),
        _ => {}
    }
}

/// The resolved modules' versions by id and kind (sorted, without duplicates), every module an
/// image holds included: each order entry is checked with one lookup instead of a scan of every
/// module. Images not read (offline) are listed, quoted, in `unverified`.
pub(super) struct ModuleIndex<'a> {
    by_id: HashMap<&'a str, [Vec<&'a str>; 2]>,
    /// By kind (buildpacks, extensions).
    pub(super) unverified: [Vec<String>; 2],
}

impl<'a> ModuleIndex<'a> {
    pub(super) fn new(modules: &'a [ResolvedModule]) -> Self {
        let mut index: HashMap<&str, [Vec<&str>; 2]> = HashMap::new();
        let mut unverified: [Vec<String>; 2] = Default::default();
        for module in modules {
            if let Some(reference) = module.unverified() {
                unverified[Self::slot(module.kind)].push(quoted(reference));
            }
            let held = module.held.iter().map(|details| {
                (
                    details.info.id.as_str(),
                    details.info.version.as_str(),
                    details.kind,
                )
            });
            let own = std::iter::once((module.id.as_str(), module.version.as_str(), module.kind));
            for (id, version, kind) in own.chain(held) {
                if id.is_empty() || version.is_empty() {
                    // Offline, not declared: read from the image by `builder create`.
                    continue;
                }
                index.entry(id).or_default()[Self::slot(kind)].push(version);
            }
        }
        for versions in index.values_mut().flatten() {
            versions.sort_unstable();
            versions.dedup();
        }
        for references in &mut unverified {
            references.dedup();
        }
        Self {
            by_id: index,
            unverified,
        }
    }

    pub(super) fn slot(kind: ModuleKind) -> usize {
        match kind {
            ModuleKind::Buildpack => 0,
            ModuleKind::Extension => 1,
        }
    }

    pub(super) fn versions(&self, kind: ModuleKind, id: &str) -> &[&'a str] {
        self.by_id
            .get(id)
            .map_or(&[], |versions| versions[Self::slot(kind)].as_slice())
    }
}

//! `[[targets]]`: a known os and architecture, and every resolved module supports every target.

use super::checker::Checker;
use super::config::TargetConfig;
use super::modules::ResolvedModule;
use super::problem::KeyPath;
use untrusted_input::quoted;

const KNOWN_OS: [&str; 2] = ["linux", "windows"];
const KNOWN_ARCH: [&str; 9] = [
    "amd64", "arm64", "arm", "386", "ppc64le", "s390x", "riscv64", "loong64", "mips64le",
];

impl Checker<'_> {
    pub(super) fn check_targets(&mut self, targets: &[TargetConfig], modules: &[ResolvedModule]) {
        for (index, target) in targets.iter().enumerate() {
            let key = KeyPath::default().key("targets").index(index);
            if target.os.is_empty() {
                self.problem(key.key("os"), "an os is required (e.g. \"linux\")");
                continue;
            }
            if !KNOWN_OS.contains(&target.os.as_str()) {
                self.problem(
                    key.key("os"),
                    format!(
                        "unknown os {} (expected one of {})",
                        quoted(&target.os),
                        KNOWN_OS.join(", ")
                    ),
                );
                continue;
            }
            if !target.arch.is_empty() && !KNOWN_ARCH.contains(&target.arch.as_str()) {
                self.problem(
                    key.key("arch"),
                    format!(
                        "unknown architecture {} (expected one of {})",
                        quoted(&target.arch),
                        KNOWN_ARCH.join(", ")
                    ),
                );
                continue;
            }
            for (distro_index, distro) in target.distros.iter().enumerate() {
                if distro.name.is_empty() {
                    self.problem(
                        key.key("distros").index(distro_index).key("name"),
                        "a distro name is required",
                    );
                }
            }
            for module in modules {
                let Some(details) = &module.details else {
                    continue;
                };
                if details.targets.is_empty() || details.targets.iter().any(|t| supports(t, target))
                {
                    continue;
                }
                let supported: Vec<String> = details.targets.iter().map(target_name).collect();
                self.problem(
                    key.clone(),
                    format!(
                        "{} {} does not support {} (it supports {})",
                        details.kind,
                        quoted(&format!("{}@{}", module.id, module.version)),
                        target_config_name(target),
                        supported.join(", ")
                    ),
                );
            }
        }
    }
}

/// Whether a module target covers a builder target (empty fields are wildcards).
fn supports(module: &cnb_package::buildpackage::Target, builder: &TargetConfig) -> bool {
    let field =
        |module: &str, builder: &str| module.is_empty() || builder.is_empty() || module == builder;
    field(&module.os, &builder.os)
        && field(&module.arch, &builder.arch)
        && field(&module.variant, &builder.variant)
        && (module.distros.is_empty()
            || builder.distros.is_empty()
            || builder.distros.iter().all(|wanted| {
                module.distros.iter().any(|distro| {
                    distro.name == wanted.name
                        && (distro.version.is_empty()
                            || wanted.version.is_empty()
                            || distro.version == wanted.version)
                })
            }))
}

fn target_name(target: &cnb_package::buildpackage::Target) -> String {
    let mut name = format!(
        "{}/{}",
        target.os,
        if target.arch.is_empty() {
            "*"
        } else {
            &target.arch
        }
    );
    if !target.variant.is_empty() {
        name = format!("{name}/{}", target.variant);
    }
    name
}

fn target_config_name(target: &TargetConfig) -> String {
    let mut name = format!(
        "{}/{}",
        target.os,
        if target.arch.is_empty() {
            "*"
        } else {
            &target.arch
        }
    );
    if !target.variant.is_empty() {
        name = format!("{name}/{}", target.variant);
    }
    name
}

//! `[[targets]]`: a known os and architecture, and every resolved module supports every target.

use super::config::TargetConfig;
use super::modules::ResolvedModule;
use super::problem::{KeyPath, Problems};
use untrusted_input::quoted;

const KNOWN_OS: [&str; 2] = ["linux", "windows"];
const KNOWN_ARCH: [&str; 9] = [
    "amd64", "arm64", "arm", "386", "ppc64le", "s390x", "riscv64", "loong64", "mips64le",
];

/// `unknown <what> "<value>" (expected one of <known>)`.
fn unknown(what: &str, value: &str, known: &[&str]) -> String {
    format!(
        "unknown {what} {} (expected one of {})",
        quoted(value),
        known.join(", ")
    )
}

pub(super) fn check_targets(
    problems: &mut Problems<'_>,
    targets: &[TargetConfig],
    modules: &[ResolvedModule],
) {
    for (index, target) in targets.iter().enumerate() {
        let key = KeyPath::default().key("targets").index(index);
        if target.os.is_empty() {
            problems.add(key.key("os"), "an os is required (e.g. \"linux\")");
            continue;
        }
        if !KNOWN_OS.contains(&target.os.as_str()) {
            problems.add(key.key("os"), unknown("os", &target.os, &KNOWN_OS));
            continue;
        }
        if !target.arch.is_empty() && !KNOWN_ARCH.contains(&target.arch.as_str()) {
            let message = unknown("architecture", &target.arch, &KNOWN_ARCH);
            problems.add(key.key("arch"), message);
            continue;
        }
        for (distro_index, distro) in target.distros.iter().enumerate() {
            if distro.name.is_empty() {
                problems.add(
                    key.key("distros").index(distro_index).key("name"),
                    "a distro name is required",
                );
            }
        }
        for module in modules {
            let Some(details) = &module.details else {
                continue;
            };
            if details.targets.is_empty() || details.targets.iter().any(|t| supports(t, target)) {
                continue;
            }
            let supported: Vec<String> = details
                .targets
                .iter()
                .map(|t| target_name(&t.os, &t.arch, &t.variant))
                .collect();
            problems.add(
                key.clone(),
                format!(
                    "{} {} does not support {} (it supports {})",
                    details.kind,
                    quoted(&format!("{}@{}", module.id, module.version)),
                    target_name(&target.os, &target.arch, &target.variant),
                    supported.join(", ")
                ),
            );
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

/// `os/arch[/variant]`, `*` for an empty arch: a module target or a builder target.
fn target_name(os: &str, arch: &str, variant: &str) -> String {
    let arch = if arch.is_empty() { "*" } else { arch };
    if variant.is_empty() {
        format!("{os}/{arch}")
    } else {
        format!("{os}/{arch}/{variant}")
    }
}

#[cfg(test)]
mod tests {
    use super::target_name;

    #[test]
    fn target_names() {
        assert_eq!(target_name("linux", "amd64", ""), "linux/amd64");
        assert_eq!(target_name("linux", "", ""), "linux/*");
        assert_eq!(target_name("linux", "arm", "v7"), "linux/arm/v7");
    }
}

//! The SBOM of the JDK in the build image (`CycloneDX` 1.5 JSON): its RPM packages when `rpm` is
//! there (the UBI case), else what the JDK's `release` file (or `java -version`) says.

use crate::jdk::Jdk;
use sbom::cyclonedx::{self, ComponentType};
use sbom::purl::Purl;
use sbom::rpm::{self, Package as RpmPackage};
use std::ffi::OsStr;
use std::path::Path;

/// The packages of the JDK: those whose name matches `java-*-openjdk*`.
const RPM_PATTERN: &str = "java-*-openjdk*";

/// One package of the SBOM.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Component {
    pub(crate) name: String,
    pub(crate) version: String,
    pub(crate) publisher: Option<String>,
    pub(crate) license: Option<String>,
    pub(crate) purl: String,
}

/// Where the components came from, for the log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Origin {
    /// The `rpm` database.
    Rpm,
    /// The JDK's `release` file or `java -version`.
    Release,
}

/// The JDK's components: its RPM packages when `rpm` (found on `path`) lists any, else one
/// component from the JDK's version. `distro` is `(name, version)` of the target.
pub(crate) fn jdk_components(
    jdk: &Jdk,
    rpm: Option<&Path>,
    arch: &str,
    distro: (&str, &str),
) -> (Vec<Component>, Origin) {
    let packages = rpm.and_then(|rpm| query_rpm(rpm).ok()).unwrap_or_default();
    if !packages.is_empty() {
        let components = packages
            .iter()
            .map(|package| rpm_component(package, distro))
            .collect();
        return (components, Origin::Rpm);
    }
    let version = jdk
        .release
        .java_version
        .clone()
        .unwrap_or_else(|| "unknown".to_string());
    let component = Component {
        name: "openjdk-jdk".to_string(),
        purl: Purl::new("generic", "openjdk-jdk")
            .version(&version)
            .qualifier("arch", arch)
            .to_string(),
        version,
        publisher: jdk.release.implementor.clone(),
        license: None,
    };
    (vec![component], Origin::Release)
}

/// Runs the `rpm` query; the packages sorted by name.
fn query_rpm(rpm: &Path) -> Result<Vec<RpmPackage>, String> {
    let mut packages = rpm::query(rpm, &[OsStr::new("-a"), OsStr::new(RPM_PATTERN)])?;
    packages.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(packages)
}

fn rpm_component(package: &RpmPackage, distro: (&str, &str)) -> Component {
    let version = format!("{}-{}", package.version, package.release);
    Component {
        name: package.name.clone(),
        purl: package.purl(Some(distro)).to_string(),
        version: match &package.epoch {
            Some(epoch) => format!("{epoch}:{version}"),
            None => version,
        },
        publisher: package.vendor.clone(),
        license: package.license.clone(),
    }
}

impl Component {
    /// The `CycloneDX` component: a library, with its publisher and license when known.
    pub(crate) fn cyclonedx(&self) -> cyclonedx::Component {
        let mut entry = cyclonedx::Component::with_purl(
            ComponentType::Library,
            self.purl.clone(),
            self.name.clone(),
        );
        entry.version = Some(self.version.clone());
        entry.publisher.clone_from(&self.publisher);
        entry.licenses = self.license.iter().cloned().collect();
        entry
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jdk::Release;
    use cnb_harness::files::write_executable;
    use sbom::cyclonedx::Document;
    use serde_json::{Value, json};
    use std::path::PathBuf;

    const RPM_OUTPUT: &str = "java-17-openjdk-headless\t1\t17.0.10.0.7\t2.el8\tx86_64\tRed Hat, Inc.\tASL 1.1 and GPLv2 with exceptions\n\
                              java-17-openjdk-devel\t1\t17.0.10.0.7\t2.el8\tx86_64\tRed Hat, Inc.\tGPLv2 with exceptions\n\
                              broken line\n\
                              java-17-openjdk\t(none)\t17.0.10.0.7\t2.el8\tx86_64\t(none)\t(none)\n";

    fn jdk() -> Jdk {
        Jdk {
            javac: PathBuf::from("/usr/bin/javac"),
            resolved_javac: PathBuf::from("/usr/lib/jvm/java-17/bin/javac"),
            home: PathBuf::from("/usr/lib/jvm/java-17"),
            release: Release {
                java_version: Some("17.0.10".to_string()),
                implementor: Some("Red Hat, Inc.".to_string()),
            },
        }
    }

    #[test]
    fn components_from_rpm() {
        let dir = tempfile::tempdir().unwrap();
        let rpm = dir.path().join("rpm");
        write_executable(
            &rpm,
            &format!(
                "#!/bin/sh\n[ \"$1 $4 $5\" = '-q -a java-*-openjdk*' ] || exit 3\nprintf '%s' '{RPM_OUTPUT}'\n"
            ),
        );
        let (components, origin) = jdk_components(&jdk(), Some(&rpm), "amd64", ("rhel", "8.9"));
        assert_eq!(origin, Origin::Rpm);
        assert_eq!(
            components[1],
            Component {
                name: "java-17-openjdk-devel".to_string(),
                version: "1:17.0.10.0.7-2.el8".to_string(),
                publisher: Some("Red Hat, Inc.".to_string()),
                license: Some("GPLv2 with exceptions".to_string()),
                purl: "pkg:rpm/redhat/java-17-openjdk-devel@17.0.10.0.7-2.el8?arch=x86_64&epoch=1&distro=rhel-8.9".to_string(),
            }
        );
    }

    #[test]
    fn components_from_the_release_when_rpm_lists_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let rpm = dir.path().join("rpm");
        write_executable(&rpm, "#!/bin/sh\nexit 0\n");
        for rpm in [Some(rpm.as_path()), None] {
            let (components, origin) = jdk_components(&jdk(), rpm, "amd64", ("debian", "12"));
            assert_eq!(origin, Origin::Release);
            assert_eq!(
                components,
                [Component {
                    name: "openjdk-jdk".to_string(),
                    version: "17.0.10".to_string(),
                    publisher: Some("Red Hat, Inc.".to_string()),
                    license: None,
                    purl: "pkg:generic/openjdk-jdk@17.0.10?arch=amd64".to_string(),
                }]
            );
        }
    }

    #[test]
    fn cyclonedx_document() {
        let (components, _) = jdk_components(&jdk(), None, "arm64", ("rhel", "9.4"));
        let version = cnb_harness::descriptor_version(include_str!("../buildpack.toml"));
        let document = Document::new("paketo-community/ubi-java-buildpack", &version)
            .with_components(components.iter().map(Component::cyclonedx));
        let json: Value = serde_json::from_slice(&document.to_json().unwrap()).unwrap();
        assert_eq!(
            json,
            json!({
                "bomFormat": "CycloneDX",
                "specVersion": "1.5",
                "version": 1,
                "metadata": { "tools": { "components": [
                    { "type": "application", "name": "paketo-community/ubi-java-buildpack", "version": version }
                ] } },
                "components": [{
                    "bom-ref": "pkg:generic/openjdk-jdk@17.0.10?arch=arm64",
                    "type": "library",
                    "name": "openjdk-jdk",
                    "version": "17.0.10",
                    "publisher": "Red Hat, Inc.",
                    "purl": "pkg:generic/openjdk-jdk@17.0.10?arch=arm64",
                }]
            })
        );
    }
}

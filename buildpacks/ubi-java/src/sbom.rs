//! The SBOM of the JDK in the build image (`CycloneDX` 1.5 JSON): its RPM packages when `rpm` is
//! there (the UBI case), else what the JDK's `release` file (or `java -version`) says.

use crate::jdk::Jdk;
use serde_json::{Value, json};
use std::fmt::Write as _;
use std::path::Path;
use std::process::Command;

/// The `rpm` query: one line per package whose name matches `java-*-openjdk*`.
const RPM_QUERY_FORMAT: &str =
    "%{NAME}\\t%{EPOCH}\\t%{VERSION}\\t%{RELEASE}\\t%{ARCH}\\t%{VENDOR}\\t%{LICENSE}\\n";
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

/// One line of the `rpm` query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RpmPackage {
    pub(crate) name: String,
    pub(crate) epoch: Option<String>,
    pub(crate) version: String,
    pub(crate) release: String,
    pub(crate) arch: String,
    pub(crate) vendor: Option<String>,
    pub(crate) license: Option<String>,
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
        purl: format!(
            "pkg:generic/openjdk-jdk@{}?arch={}",
            purl_encode(&version),
            purl_encode(arch)
        ),
        version,
        publisher: jdk.release.implementor.clone(),
        license: None,
    };
    (vec![component], Origin::Release)
}

/// Runs the `rpm` query.
fn query_rpm(rpm: &Path) -> Result<Vec<RpmPackage>, String> {
    let output = Command::new(rpm)
        .args(["-qa", "--qf", RPM_QUERY_FORMAT, RPM_PATTERN])
        .output()
        .map_err(|error| error.to_string())?;
    if !output.status.success() {
        return Err(String::from_utf8_lossy(&output.stderr).into_owned());
    }
    Ok(parse_rpm_query(&String::from_utf8_lossy(&output.stdout)))
}

/// Parses the query's tab-separated lines; incomplete lines are skipped; `(none)` is no value.
pub(crate) fn parse_rpm_query(output: &str) -> Vec<RpmPackage> {
    let mut packages: Vec<RpmPackage> = output
        .lines()
        .filter_map(|line| {
            let fields: Vec<&str> = line.split('\t').collect();
            let [name, epoch, version, release, arch, vendor, license] = fields.as_slice() else {
                return None;
            };
            let optional = |value: &str| {
                Some(value.trim().to_string())
                    .filter(|value| !value.is_empty() && value != "(none)")
            };
            Some(RpmPackage {
                name: optional(name)?,
                epoch: optional(epoch),
                version: optional(version)?,
                release: optional(release)?,
                arch: optional(arch).unwrap_or_else(|| "noarch".to_string()),
                vendor: optional(vendor),
                license: optional(license),
            })
        })
        .collect();
    packages.sort_by(|a, b| a.name.cmp(&b.name));
    packages
}

fn rpm_component(package: &RpmPackage, (distro_name, distro_version): (&str, &str)) -> Component {
    let namespace = match distro_name {
        "rhel" | "" => "redhat",
        other => other,
    };
    let version = format!("{}-{}", package.version, package.release);
    let mut qualifiers = vec![format!("arch={}", purl_encode(&package.arch))];
    if let Some(epoch) = &package.epoch {
        qualifiers.push(format!("epoch={}", purl_encode(epoch)));
    }
    if !distro_name.is_empty() {
        qualifiers.push(format!(
            "distro={}",
            purl_encode(&format!("{distro_name}-{distro_version}"))
        ));
    }
    Component {
        name: package.name.clone(),
        purl: format!(
            "pkg:rpm/{}/{}@{}?{}",
            purl_encode(namespace),
            purl_encode(&package.name),
            purl_encode(&version),
            qualifiers.join("&")
        ),
        version: match &package.epoch {
            Some(epoch) => format!("{epoch}:{version}"),
            None => version,
        },
        publisher: package.vendor.clone(),
        license: package.license.clone(),
    }
}

/// Percent-encodes everything but ASCII letters, digits and `.-_~` (the purl spec).
fn purl_encode(value: &str) -> String {
    let mut encoded = String::with_capacity(value.len());
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'.' | b'-' | b'_' | b'~') {
            encoded.push(char::from(byte));
        } else {
            let _ = write!(encoded, "%{byte:02X}");
        }
    }
    encoded
}

/// A `CycloneDX` 1.5 JSON document listing `components`, made by this buildpack.
pub(crate) fn cyclonedx(
    components: &[Component],
    tool_name: &str,
    tool_version: &str,
) -> Result<Vec<u8>, serde_json::Error> {
    let components: Vec<Value> = components
        .iter()
        .map(|component| {
            let mut value = json!({
                "bom-ref": component.purl,
                "type": "library",
                "name": component.name,
                "version": component.version,
                "purl": component.purl,
            });
            if let Some(publisher) = &component.publisher {
                value["publisher"] = json!(publisher);
            }
            if let Some(license) = &component.license {
                value["licenses"] = json!([{ "license": { "name": license } }]);
            }
            value
        })
        .collect();
    serde_json::to_vec_pretty(&json!({
        "bomFormat": "CycloneDX",
        "specVersion": "1.5",
        "version": 1,
        "metadata": {
            "tools": {
                "components": [{ "type": "application", "name": tool_name, "version": tool_version }]
            }
        },
        "components": components,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jdk::Release;
    use std::os::unix::fs::PermissionsExt;
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
    fn rpm_query_lines() {
        let packages = parse_rpm_query(RPM_OUTPUT);
        assert_eq!(
            packages.iter().map(|p| p.name.as_str()).collect::<Vec<_>>(),
            [
                "java-17-openjdk",
                "java-17-openjdk-devel",
                "java-17-openjdk-headless"
            ]
        );
        assert_eq!(packages[0].epoch, None);
        assert_eq!(packages[0].vendor, None);
        assert_eq!(packages[1].epoch.as_deref(), Some("1"));
    }

    #[test]
    fn components_from_rpm() {
        let dir = tempfile::tempdir().unwrap();
        let rpm = dir.path().join("rpm");
        std::fs::write(
            &rpm,
            format!("#!/bin/sh\n[ \"$1 $4\" = '-qa java-*-openjdk*' ] || exit 3\nprintf '%s' '{RPM_OUTPUT}'\n"),
        )
        .unwrap();
        std::fs::set_permissions(&rpm, std::fs::Permissions::from_mode(0o755)).unwrap();
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
        std::fs::write(&rpm, "#!/bin/sh\nexit 0\n").unwrap();
        std::fs::set_permissions(&rpm, std::fs::Permissions::from_mode(0o755)).unwrap();
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
    fn purls_are_encoded() {
        assert_eq!(purl_encode("17.0.10+7"), "17.0.10%2B7");
        assert_eq!(purl_encode("a b/c"), "a%20b%2Fc");
    }

    #[test]
    fn cyclonedx_document() {
        let (components, _) = jdk_components(&jdk(), None, "arm64", ("rhel", "9.4"));
        let json: Value = serde_json::from_slice(
            &cyclonedx(&components, "paketo-community/ubi-java-buildpack", "0.1.0").unwrap(),
        )
        .unwrap();
        assert_eq!(
            json,
            json!({
                "bomFormat": "CycloneDX",
                "specVersion": "1.5",
                "version": 1,
                "metadata": { "tools": { "components": [
                    { "type": "application", "name": "paketo-community/ubi-java-buildpack", "version": "0.1.0" }
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

//! The `CycloneDX` SBOM of the Node.js runtime (`launch.sbom.cdx.json`): the `nodejs` component
//! with the version `node --version` reports, `npm`, and, when `rpm` is in the build image, the
//! RPM packages (name, epoch, version, release, arch, license) that own the `node` and `npm`
//! files.
//!
//! The JSON is written by hand with serde structs (`CycloneDX` 1.5, only the fields we fill). No
//! `serialNumber`: it is optional, and a random one would change the SBOM, and so the image, on
//! every rebuild of the same input.

use serde::Serialize;
use std::path::Path;
use std::process::Command;

/// The `--queryformat` of the `rpm` query: one tab-separated line per package.
const RPM_QUERY_FORMAT: &str =
    "%{NAME}\\t%{EPOCH}\\t%{VERSION}\\t%{RELEASE}\\t%{ARCH}\\t%{LICENSE}\\n";

/// An installed RPM package, as `rpm -q --qf` reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RpmPackage {
    pub(crate) name: String,
    /// `None` for `(none)`.
    pub(crate) epoch: Option<String>,
    pub(crate) version: String,
    pub(crate) release: String,
    pub(crate) arch: String,
    pub(crate) license: String,
}

impl RpmPackage {
    /// `name-version-release.arch`, for logs.
    pub(crate) fn nvra(&self) -> String {
        format!(
            "{}-{}-{}.{}",
            self.name, self.version, self.release, self.arch
        )
    }

    /// `pkg:rpm/redhat/<name>@<version>-<release>?arch=<arch>[&epoch=<epoch>]`.
    fn purl(&self) -> String {
        let mut purl = format!(
            "pkg:rpm/redhat/{}@{}-{}?arch={}",
            purl_encode(&self.name),
            purl_encode(&self.version),
            purl_encode(&self.release),
            purl_encode(&self.arch)
        );
        if let Some(epoch) = &self.epoch {
            purl.push_str("&epoch=");
            purl.push_str(&purl_encode(epoch));
        }
        purl
    }
}

/// Parses the output of `rpm -q --qf` with [`RPM_QUERY_FORMAT`]; lines that are not package
/// lines (`file /x is not owned by any package`) are skipped.
pub(crate) fn parse_rpm_query(output: &str) -> Vec<RpmPackage> {
    output
        .lines()
        .filter_map(|line| {
            let fields: Vec<&str> = line.split('\t').collect();
            let [name, epoch, version, release, arch, license] = fields.as_slice() else {
                return None;
            };
            (!name.is_empty() && !version.is_empty()).then(|| RpmPackage {
                name: (*name).to_string(),
                epoch: Some((*epoch).to_string()).filter(|epoch| epoch != "(none)"),
                version: (*version).to_string(),
                release: (*release).to_string(),
                arch: (*arch).to_string(),
                license: (*license).to_string(),
            })
        })
        .collect()
}

/// The RPM package that owns `file` (symlinks resolved), with `rpm -q --qf … -f`. `None` when
/// `rpm` is not given, fails, or no package owns the file.
pub(crate) fn owning_rpm(rpm: &Path, file: &Path) -> Option<RpmPackage> {
    let file = file.canonicalize().unwrap_or_else(|_| file.to_path_buf());
    let output = Command::new(rpm)
        .args(["-q", "--qf", RPM_QUERY_FORMAT, "-f"])
        .arg(&file)
        .output()
        .ok()?;
    if !output.status.success() {
        return None;
    }
    parse_rpm_query(&String::from_utf8_lossy(&output.stdout))
        .into_iter()
        .next()
}

/// A runtime component to list in the SBOM.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RuntimeComponent {
    /// `nodejs` or `npm`.
    pub(crate) name: &'static str,
    /// The name in a generic purl: `node` or `npm`.
    pub(crate) generic_name: &'static str,
    /// The version the tool reports.
    pub(crate) version: String,
    /// The RPM package it comes from, when known.
    pub(crate) rpm: Option<RpmPackage>,
}

impl RuntimeComponent {
    /// The purl: from the RPM when known, else `pkg:generic/<name>@<version>`.
    pub(crate) fn purl(&self) -> String {
        self.rpm.as_ref().map_or_else(
            || {
                format!(
                    "pkg:generic/{}@{}",
                    self.generic_name,
                    purl_encode(&self.version)
                )
            },
            RpmPackage::purl,
        )
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Document<'a> {
    bom_format: &'static str,
    spec_version: &'static str,
    version: u32,
    metadata: Metadata<'a>,
    components: Vec<Component>,
}

#[derive(Serialize)]
struct Metadata<'a> {
    tools: Tools<'a>,
}

#[derive(Serialize)]
struct Tools<'a> {
    components: [Tool<'a>; 1],
}

#[derive(Serialize)]
struct Tool<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    name: &'a str,
    version: &'a str,
}

#[derive(Serialize)]
struct Component {
    #[serde(rename = "type")]
    kind: &'static str,
    #[serde(rename = "bom-ref")]
    bom_ref: String,
    name: String,
    version: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    licenses: Vec<LicenseChoice>,
    purl: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    properties: Vec<Property>,
}

#[derive(Serialize)]
struct LicenseChoice {
    license: License,
}

/// RPM license tags are not always SPDX expressions (`MIT and ASL 2.0`), so they go into
/// `license.name`, which takes any text, not into `expression`.
#[derive(Serialize)]
struct License {
    name: String,
}

#[derive(Serialize)]
struct Property {
    name: &'static str,
    value: String,
}

/// The `CycloneDX` 1.5 JSON document listing `components`, made by `tool_name` `tool_version`.
pub(crate) fn cyclonedx_json(
    components: &[RuntimeComponent],
    tool_name: &str,
    tool_version: &str,
) -> Result<Vec<u8>, serde_json::Error> {
    let bom = Document {
        bom_format: "CycloneDX",
        spec_version: "1.5",
        version: 1,
        metadata: Metadata {
            tools: Tools {
                components: [Tool {
                    kind: "application",
                    name: tool_name,
                    version: tool_version,
                }],
            },
        },
        components: components
            .iter()
            .map(|component| {
                let purl = component.purl();
                Component {
                    kind: "application",
                    bom_ref: purl.clone(),
                    name: component.name.to_string(),
                    version: component.version.clone(),
                    licenses: component
                        .rpm
                        .iter()
                        .filter(|rpm| !rpm.license.is_empty() && rpm.license != "(none)")
                        .map(|rpm| LicenseChoice {
                            license: License {
                                name: rpm.license.clone(),
                            },
                        })
                        .collect(),
                    purl,
                    properties: component
                        .rpm
                        .iter()
                        .map(|rpm| Property {
                            name: "rpm:package",
                            value: rpm.nvra(),
                        })
                        .collect(),
                }
            })
            .collect(),
    };
    let mut json = serde_json::to_vec_pretty(&bom)?;
    json.push(b'\n');
    Ok(json)
}

/// Percent-encodes a purl segment: everything but ASCII letters, digits and `.-_~` (so an RPM
/// release's `+` becomes `%2B`, as purl requires).
fn purl_encode(text: &str) -> String {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut encoded = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b".-_~".contains(&byte) {
            encoded.push(char::from(byte));
        } else {
            encoded.push('%');
            encoded.push(char::from(HEX[usize::from(byte >> 4)]));
            encoded.push(char::from(HEX[usize::from(byte & 0x0f)]));
        }
    }
    encoded
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nodejs_rpm() -> RpmPackage {
        RpmPackage {
            name: "nodejs".into(),
            epoch: Some("1".into()),
            version: "20.11.1".into(),
            release: "1.module+el8.9.0+21380+12032667".into(),
            arch: "x86_64".into(),
            license: "MIT and ASL 2.0 and ISC and BSD".into(),
        }
    }

    #[test]
    fn parses_rpm_query_output() {
        let output = "nodejs\t1\t20.11.1\t1.module+el8.9.0+21380+12032667\tx86_64\tMIT and ASL 2.0 and ISC and BSD\n\
                      npm\t1\t10.2.4\t1.20.11.1.1.module+el8.9.0+21380+12032667\tx86_64\tMIT and ISC\n\
                      file /usr/local/bin/x is not owned by any package\n\
                      nodejs-docs\t(none)\t20.11.1\t1.el9\tnoarch\tMIT\n";
        let packages = parse_rpm_query(output);
        assert_eq!(packages.len(), 3);
        assert_eq!(packages[0], nodejs_rpm());
        assert_eq!(packages[1].name, "npm");
        assert_eq!(packages[2].epoch, None);
        assert_eq!(
            packages[0].nvra(),
            "nodejs-20.11.1-1.module+el8.9.0+21380+12032667.x86_64"
        );
    }

    #[test]
    fn purls() {
        assert_eq!(
            nodejs_rpm().purl(),
            "pkg:rpm/redhat/nodejs@20.11.1-1.module%2Bel8.9.0%2B21380%2B12032667?arch=x86_64&epoch=1"
        );
        let generic = RuntimeComponent {
            name: "nodejs",
            generic_name: "node",
            version: "20.11.1".into(),
            rpm: None,
        };
        assert_eq!(generic.purl(), "pkg:generic/node@20.11.1");
    }

    #[test]
    fn sbom_json_with_and_without_rpm_data() {
        let components = [
            RuntimeComponent {
                name: "nodejs",
                generic_name: "node",
                version: "20.11.1".into(),
                rpm: Some(nodejs_rpm()),
            },
            RuntimeComponent {
                name: "npm",
                generic_name: "npm",
                version: "10.2.4".into(),
                rpm: None,
            },
        ];
        let json = cyclonedx_json(
            &components,
            "paketo-community/ubi-nodejs-buildpack",
            "0.1.0",
        )
        .unwrap();
        assert!(json.ends_with(b"}\n"));
        let value: serde_json::Value = serde_json::from_slice(&json).unwrap();
        let expected = serde_json::json!({
            "bomFormat": "CycloneDX",
            "specVersion": "1.5",
            "version": 1,
            "metadata": {
                "tools": {
                    "components": [{
                        "type": "application",
                        "name": "paketo-community/ubi-nodejs-buildpack",
                        "version": "0.1.0"
                    }]
                }
            },
            "components": [
                {
                    "type": "application",
                    "bom-ref": "pkg:rpm/redhat/nodejs@20.11.1-1.module%2Bel8.9.0%2B21380%2B12032667?arch=x86_64&epoch=1",
                    "name": "nodejs",
                    "version": "20.11.1",
                    "licenses": [{ "license": { "name": "MIT and ASL 2.0 and ISC and BSD" } }],
                    "purl": "pkg:rpm/redhat/nodejs@20.11.1-1.module%2Bel8.9.0%2B21380%2B12032667?arch=x86_64&epoch=1",
                    "properties": [{
                        "name": "rpm:package",
                        "value": "nodejs-20.11.1-1.module+el8.9.0+21380+12032667.x86_64"
                    }]
                },
                {
                    "type": "application",
                    "bom-ref": "pkg:generic/npm@10.2.4",
                    "name": "npm",
                    "version": "10.2.4",
                    "purl": "pkg:generic/npm@10.2.4"
                }
            ]
        });
        assert_eq!(value, expected);
    }

    #[test]
    fn owning_rpm_without_rpm_is_none() {
        assert_eq!(
            owning_rpm(Path::new("/nonexistent/rpm"), Path::new("/usr/bin/node")),
            None
        );
    }
}

//! The `CycloneDX` SBOM of the Node.js runtime (`launch.sbom.cdx.json`): the `nodejs` component
//! with the version `node --version` reports, `npm`, and, when `rpm` is in the build image, the
//! RPM packages (name, epoch, version, release, arch, license) that own the `node` and `npm`
//! files.
//!
//! The document, the purls and the `rpm` query are the `sbom` crate's, which the other buildpacks
//! use too.

use sbom::cyclonedx::{Component, ComponentType, Property};
use sbom::purl::Purl;
use sbom::rpm::Package as RpmPackage;

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
    /// The purl: from the RPM when known
    /// (`pkg:rpm/redhat/<name>@<version>-<release>?arch=<arch>[&epoch=<epoch>]`), else
    /// `pkg:generic/<name>@<version>`.
    pub(crate) fn purl(&self) -> String {
        self.rpm.as_ref().map_or_else(
            || {
                Purl::new("generic", self.generic_name)
                    .version(&self.version)
                    .to_string()
            },
            |rpm| rpm.purl(None).to_string(),
        )
    }

    /// The `CycloneDX` component: an application, with the RPM's license and name when known.
    pub(crate) fn cyclonedx(&self) -> Component {
        let mut component = Component::with_purl(
            ComponentType::Application,
            self.purl(),
            self.name.to_string(),
        );
        component.version = Some(self.version.clone());
        if let Some(rpm) = &self.rpm {
            component.licenses = rpm.license.iter().cloned().collect();
            component.properties = vec![Property::new("rpm:package", &rpm.nvra())];
        }
        component
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sbom::cyclonedx::Document;

    /// The UBI 8 `nodejs` package, as the rpm query prints it.
    fn nodejs_rpm() -> RpmPackage {
        sbom::rpm::parse_query(
            "nodejs\t1\t20.11.1\t1.module+el8.9.0+21380+12032667\tx86_64\tRed Hat, Inc.\t\
             MIT and ASL 2.0 and ISC and BSD\n",
        )
        .remove(0)
    }

    #[test]
    fn purls() {
        assert_eq!(
            nodejs_rpm().purl(None).to_string(),
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
        let version = cnb_harness::descriptor_version(include_str!("../buildpack.toml"));
        let json = Document::new("paketo-community/ubi-nodejs-buildpack", &version)
            .with_components(components.iter().map(RuntimeComponent::cyclonedx))
            .to_json()
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
                        "version": version
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
}

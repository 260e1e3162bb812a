//! The `CycloneDX` 1.5 JSON document (only the fields our buildpacks fill), written with serde
//! structs.
//!
//! The fields are declared in the order of their JSON names, so the document's keys are sorted at
//! every level. The document ends with a newline. It has no `serialNumber`: that field is
//! optional, and a random one would change the SBOM, and so the image, on every rebuild of the
//! same input.

use serde::Serialize;

/// A `CycloneDX` 1.5 document: the components, the tool that made it (the buildpack) and the
/// dependency graph.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Document {
    bom_format: &'static str,
    /// The components.
    pub components: Vec<Component>,
    /// Which component depends on which (`bom-ref`s); not written when empty.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub dependencies: Vec<Dependency>,
    metadata: Metadata,
    spec_version: &'static str,
    version: u32,
}

impl Document {
    /// A document made by the tool `tool_name` `tool_version` (the buildpack's id and version).
    #[must_use]
    pub fn new(tool_name: &str, tool_version: &str) -> Self {
        Self {
            bom_format: "CycloneDX",
            components: Vec::new(),
            dependencies: Vec::new(),
            metadata: Metadata {
                tools: Tools {
                    components: [Tool {
                        name: tool_name.to_string(),
                        kind: ComponentType::Application,
                        version: tool_version.to_string(),
                    }],
                },
            },
            spec_version: "1.5",
            version: 1,
        }
    }

    /// The document with `components` added.
    #[must_use]
    pub fn with_components(mut self, components: impl IntoIterator<Item = Component>) -> Self {
        self.components.extend(components);
        self
    }

    /// The document as pretty-printed JSON, with a final newline.
    ///
    /// # Errors
    /// Serialization failure (a bug).
    pub fn to_json(&self) -> Result<Vec<u8>, serde_json::Error> {
        let mut json = serde_json::to_vec_pretty(self)?;
        json.push(b'\n');
        Ok(json)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
struct Metadata {
    tools: Tools,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
struct Tools {
    components: [Tool; 1],
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
struct Tool {
    name: String,
    #[serde(rename = "type")]
    kind: ComponentType,
    version: String,
}

/// A component's `type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ComponentType {
    /// `application`.
    Application,
    /// `library`.
    Library,
}

/// A component: a package, a runtime or a binary.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Component {
    /// The reference other parts of the document use (the purl, where there is one).
    #[serde(rename = "bom-ref")]
    pub bom_ref: String,
    /// Hashes of the component.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub hashes: Vec<Hash>,
    /// License names (`license.name`, which takes any text: RPM license tags are not always SPDX
    /// expressions).
    #[serde(
        skip_serializing_if = "Vec::is_empty",
        serialize_with = "license_names"
    )]
    pub licenses: Vec<String>,
    /// The name.
    pub name: String,
    /// Name-value properties.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub properties: Vec<Property>,
    /// The publisher (an RPM's vendor, a JDK's implementor).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub publisher: Option<String>,
    /// The package URL.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub purl: Option<String>,
    /// The type.
    #[serde(rename = "type")]
    pub kind: ComponentType,
    /// The version.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
}

impl Component {
    /// A component of type `kind` named `name`, with `bom_ref`, and nothing else.
    #[must_use]
    pub fn new(kind: ComponentType, bom_ref: String, name: String) -> Self {
        Self {
            bom_ref,
            hashes: Vec::new(),
            licenses: Vec::new(),
            name,
            properties: Vec::new(),
            publisher: None,
            purl: None,
            kind,
            version: None,
        }
    }

    /// A component whose `bom-ref` is its purl.
    #[must_use]
    pub fn with_purl(kind: ComponentType, purl: String, name: String) -> Self {
        Self {
            purl: Some(purl.clone()),
            ..Self::new(kind, purl, name)
        }
    }
}

fn license_names<S: serde::Serializer>(names: &[String], serializer: S) -> Result<S::Ok, S::Error> {
    #[derive(Serialize)]
    struct LicenseChoice<'a> {
        license: License<'a>,
    }
    #[derive(Serialize)]
    struct License<'a> {
        name: &'a str,
    }
    serializer.collect_seq(names.iter().map(|name| LicenseChoice {
        license: License { name },
    }))
}

/// A hash of a component.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Hash {
    /// `SHA-256`, ...
    pub alg: &'static str,
    /// The hash in lowercase hex.
    pub content: String,
}

/// A name-value property.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Property {
    /// The name (`rpm:package`, `go:sum`, ...).
    pub name: String,
    /// The value.
    pub value: String,
}

impl Property {
    /// `name` = `value`.
    #[must_use]
    pub fn new(name: &str, value: &str) -> Self {
        Self {
            name: name.to_string(),
            value: value.to_string(),
        }
    }
}

/// The components a component depends on, by `bom-ref`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Dependency {
    /// What depends on them.
    pub depends_on: Vec<String>,
    /// The component that depends.
    #[serde(rename = "ref")]
    pub reference: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_sorted_and_empty_fields_left_out() {
        let mut document = Document::new("paketo-community/x", "1.2.3");
        let mut component = Component::with_purl(
            ComponentType::Library,
            "pkg:generic/a@1".to_string(),
            "a".to_string(),
        );
        component.version = Some("1".to_string());
        component.licenses = vec!["MIT and ISC".to_string()];
        component.publisher = Some("Red Hat, Inc.".to_string());
        component.properties = vec![Property::new("k", "v")];
        component.hashes = vec![Hash {
            alg: "SHA-256",
            content: "00".to_string(),
        }];
        document.components = vec![
            component,
            Component::new(
                ComponentType::Application,
                "binary:b".to_string(),
                "b".to_string(),
            ),
        ];
        document.dependencies = vec![Dependency {
            depends_on: vec!["pkg:generic/a@1".to_string()],
            reference: "binary:b".to_string(),
        }];
        let json = document.to_json().unwrap();
        let text = String::from_utf8(json.clone()).unwrap();
        let value: serde_json::Value = serde_json::from_slice(&json).unwrap();
        // serde_json's Value keeps keys sorted: printed back, it is the same bytes.
        let mut sorted = serde_json::to_string_pretty(&value).unwrap();
        sorted.push('\n');
        assert_eq!(text, sorted);
        assert_eq!(
            value,
            serde_json::json!({
                "bomFormat": "CycloneDX",
                "specVersion": "1.5",
                "version": 1,
                "metadata": { "tools": { "components": [
                    { "type": "application", "name": "paketo-community/x", "version": "1.2.3" }
                ] } },
                "components": [
                    {
                        "bom-ref": "pkg:generic/a@1",
                        "hashes": [{ "alg": "SHA-256", "content": "00" }],
                        "licenses": [{ "license": { "name": "MIT and ISC" } }],
                        "name": "a",
                        "properties": [{ "name": "k", "value": "v" }],
                        "publisher": "Red Hat, Inc.",
                        "purl": "pkg:generic/a@1",
                        "type": "library",
                        "version": "1"
                    },
                    { "bom-ref": "binary:b", "name": "b", "type": "application" }
                ],
                "dependencies": [{ "ref": "binary:b", "dependsOn": ["pkg:generic/a@1"] }]
            })
        );
        let empty = Document::new("t", "0").to_json().unwrap();
        assert!(!String::from_utf8(empty).unwrap().contains("dependencies"));
    }
}

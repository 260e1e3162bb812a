//! The SBOM of the binaries (`CycloneDX` 1.5 JSON), from the module information the Go linker
//! embeds in each binary, as `go version -m <binary>...` prints it: the Go version, the main
//! package and module, the dependencies (version, `h1:` sum, `=>` replacements) and the build
//! settings.

use base64::Engine as _;
use sbom::cyclonedx::{Component, ComponentType, Dependency, Document, Hash, Property};
use sbom::purl::Purl;
use std::collections::BTreeMap;

/// One module of a binary's build information.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Module {
    pub(crate) path: String,
    /// `None` for a replacement by a directory.
    pub(crate) version: Option<String>,
    /// The `h1:` sum (the Go checksum database's hash), when recorded.
    pub(crate) sum: Option<String>,
    /// The module that replaced this one (`=>` line).
    pub(crate) replace: Option<Box<Module>>,
}

/// The build information of one binary.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct BuildInfo {
    /// The file `go version -m` read.
    pub(crate) file: String,
    /// `go1.26.8`.
    pub(crate) go_version: String,
    /// The main package's import path.
    pub(crate) path: Option<String>,
    pub(crate) main: Option<Module>,
    pub(crate) deps: Vec<Module>,
    /// `build` lines: `-buildmode=exe`, `CGO_ENABLED=0`, ...
    pub(crate) settings: Vec<(String, String)>,
}

/// Parses the output of `go version -m <file>...`.
///
/// # Errors
/// A line that fits no form of the output.
pub(crate) fn parse_go_version_m(output: &str) -> Result<Vec<BuildInfo>, String> {
    let mut infos: Vec<BuildInfo> = Vec::new();
    for (index, line) in output.lines().enumerate() {
        let error = |what: &str| format!("line {}: {what}: {line:?}", index + 1);
        if line.trim().is_empty() {
            continue;
        }
        let Some(fields) = line.strip_prefix('\t') else {
            let (file, go_version) = line
                .rsplit_once(": ")
                .ok_or_else(|| error("expected '<file>: <go version>'"))?;
            infos.push(BuildInfo {
                file: file.to_string(),
                go_version: go_version.trim().to_string(),
                ..BuildInfo::default()
            });
            continue;
        };
        let info = infos
            .last_mut()
            .ok_or_else(|| error("module information before a file line"))?;
        let fields: Vec<&str> = fields.split('\t').collect();
        let module = |fields: &[&str]| -> Option<Module> {
            let path = fields.first().filter(|path| !path.is_empty())?;
            let nonempty = |index: usize| {
                fields
                    .get(index)
                    .filter(|field| !field.is_empty())
                    .map(ToString::to_string)
            };
            Some(Module {
                path: (*path).to_string(),
                version: nonempty(1),
                sum: nonempty(2),
                replace: None,
            })
        };
        match fields[0] {
            "path" => info.path = fields.get(1).map(ToString::to_string),
            "mod" => info.main = Some(module(&fields[1..]).ok_or_else(|| error("mod"))?),
            "dep" => info
                .deps
                .push(module(&fields[1..]).ok_or_else(|| error("dep"))?),
            "=>" => {
                let replacement = module(&fields[1..]).ok_or_else(|| error("=>"))?;
                let replaced = info
                    .deps
                    .last_mut()
                    .or(info.main.as_mut())
                    .ok_or_else(|| error("=> without a module before it"))?;
                replaced.replace = Some(Box::new(replacement));
            }
            "build" => {
                let setting = fields.get(1).ok_or_else(|| error("build"))?;
                let (key, value) = setting.split_once('=').unwrap_or((setting, ""));
                info.settings.push((key.to_string(), value.to_string()));
            }
            _ => return Err(error("unknown line")),
        }
    }
    Ok(infos)
}

/// The SHA-256 in hex of an `h1:` sum (base64 of a SHA-256), if it is one.
pub(crate) fn h1_sha256(sum: &str) -> Option<String> {
    let bytes = base64_decode(sum.strip_prefix("h1:")?)?;
    (bytes.len() == 32).then(|| hex::encode(&bytes))
}

/// Standard base64 with padding (RFC 4648), as Go writes `h1:` sums.
fn base64_decode(text: &str) -> Option<Vec<u8>> {
    base64::engine::general_purpose::STANDARD.decode(text).ok()
}

fn golang_purl(path: &str, version: Option<&str>) -> String {
    let purl = Purl::from_path("golang", path);
    match version {
        Some(version) => purl.version(version),
        None => purl,
    }
    .to_string()
}

/// The library component of a dependency: what was compiled (the replacement, if any).
fn library(module: &Module) -> Component {
    let used = module.replace.as_deref().unwrap_or(module);
    let name = if used.version.is_some() {
        &used.path
    } else {
        // Replaced by a directory: the module keeps its name, without a version.
        &module.path
    };
    let mut component = Component::with_purl(
        ComponentType::Library,
        golang_purl(name, used.version.as_deref()),
        name.clone(),
    );
    component.version.clone_from(&used.version);
    if let Some(sha256) = used.sum.as_deref().and_then(h1_sha256) {
        component.hashes = vec![Hash {
            alg: "SHA-256",
            content: sha256,
        }];
    }
    if let Some(sum) = &used.sum {
        component.properties.push(Property::new("go:sum", sum));
    }
    if module.replace.is_some() {
        let original = match &module.version {
            Some(version) => format!("{}@{version}", module.path),
            None => module.path.clone(),
        };
        component
            .properties
            .push(Property::new("go:replaces", &original));
        if used.version.is_none() {
            component
                .properties
                .push(Property::new("go:replace-dir", &used.path));
        }
    }
    component
}

/// The `CycloneDX` 1.5 document for the binaries: each binary an application component, each
/// module it links (and the Go standard library) a library component, and the dependency graph.
///
/// `binaries` pairs each binary's name with its build information.
///
/// # Errors
/// Serialization failure (a bug).
pub(crate) fn cyclonedx(
    binaries: &[(String, BuildInfo)],
    buildpack_id: &str,
    buildpack_version: &str,
) -> serde_json::Result<Vec<u8>> {
    let mut document = Document::new(buildpack_id, buildpack_version);
    let mut libraries: BTreeMap<String, Component> = BTreeMap::new();
    for (name, info) in binaries {
        let binary_ref = format!("binary:{name}");
        let mut component =
            Component::new(ComponentType::Application, binary_ref.clone(), name.clone());
        component.properties = vec![Property::new("go:toolchain", &info.go_version)];
        if let Some(path) = &info.path {
            component.properties.push(Property::new("go:package", path));
        }
        if let Some(main) = &info.main {
            component
                .properties
                .push(Property::new("go:module", &main.path));
        }
        component.properties.extend(
            info.settings
                .iter()
                .map(|(key, value)| Property::new(&format!("go:build:{key}"), value)),
        );
        component.version = info
            .main
            .as_ref()
            .and_then(|main| main.version.clone())
            .filter(|version| version != "(devel)");
        document.components.push(component);

        let mut depends_on = Vec::new();
        let stdlib_version = info.go_version.trim_start_matches("go");
        let stdlib_ref = golang_purl("stdlib", Some(stdlib_version));
        libraries.entry(stdlib_ref.clone()).or_insert_with(|| {
            let mut stdlib = Component::with_purl(
                ComponentType::Library,
                stdlib_ref.clone(),
                "stdlib".to_string(),
            );
            stdlib.version = Some(stdlib_version.to_string());
            stdlib
        });
        depends_on.push(stdlib_ref);
        for dep in &info.deps {
            let component = library(dep);
            let reference = component.bom_ref.clone();
            libraries.entry(reference.clone()).or_insert(component);
            if !depends_on.contains(&reference) {
                depends_on.push(reference);
            }
        }
        document.dependencies.push(Dependency {
            depends_on,
            reference: binary_ref,
        });
    }
    document.components.extend(libraries.into_values());
    document.to_json()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

    const OUTPUT: &str = "/layers/targets/bin/a: go1.26.8\n\
        \tpath\texample.com/multi/cmd/a\n\
        \tmod\texample.com/multi\t(devel)\t\n\
        \tdep\tgithub.com/google/uuid\tv1.6.0\th1:NIvaJDMOsjHA8n1jAhLSgzrAzy1Hgr+hNrb57e+94F0=\n\
        \tdep\tgolang.org/x/text\tv0.14.0\th1:ScX5w1eTa3QqT8oi6+ziP7dTV1S2+ALU0bI+0zXKWiQ=\n\
        \t=>\tgolang.org/x/text\tv0.15.0\th1:h1V/4gjBv8v9cjcR6+AR5+/cIYK5N/WAgiv4xlsEtAk=\n\
        \tdep\texample.com/local\tv0.0.0\t\n\
        \t=>\t../local\t\t\n\
        \tbuild\t-buildmode=exe\n\
        \tbuild\t-ldflags=-s -w\n\
        \tbuild\tCGO_ENABLED=0\n\
        /layers/targets/bin/b: go1.26.8\n\
        \tpath\texample.com/multi/cmd/b\n\
        \tmod\texample.com/multi\tv1.2.3\t\n";

    #[test]
    fn parses_go_version_m() {
        let infos = parse_go_version_m(OUTPUT).unwrap();
        assert_eq!(infos.len(), 2);
        let a = &infos[0];
        assert_eq!(a.file, "/layers/targets/bin/a");
        assert_eq!(a.go_version, "go1.26.8");
        assert_eq!(a.path.as_deref(), Some("example.com/multi/cmd/a"));
        assert_eq!(a.main.as_ref().unwrap().version.as_deref(), Some("(devel)"));
        assert_eq!(a.deps.len(), 3);
        assert_eq!(
            a.deps[1].replace.as_deref().unwrap().version.as_deref(),
            Some("v0.15.0")
        );
        assert_eq!(
            *a.deps[2].replace.as_deref().unwrap(),
            Module {
                path: "../local".to_string(),
                version: None,
                sum: None,
                replace: None
            }
        );
        assert_eq!(
            a.settings,
            [
                ("-buildmode".to_string(), "exe".to_string()),
                ("-ldflags".to_string(), "-s -w".to_string()),
                ("CGO_ENABLED".to_string(), "0".to_string()),
            ]
        );
        assert!(infos[1].deps.is_empty());
        assert!(parse_go_version_m("\tpath\tx\n").is_err());
        assert!(parse_go_version_m("a: go1.26.8\n\tweird\tx\n").is_err());
        assert!(parse_go_version_m("no colon\n").is_err());
    }

    #[test]
    fn h1_sums_are_sha256() {
        assert_eq!(
            h1_sha256("h1:NIvaJDMOsjHA8n1jAhLSgzrAzy1Hgr+hNrb57e+94F0=").unwrap(),
            "348bda24330eb231c0f27d630212d2833ac0cf2d4782bfa136b6f9edefbde05d"
        );
        assert_eq!(h1_sha256("h1:abc"), None);
        assert_eq!(
            h1_sha256("h2:NIvaJDMOsjHA8n1jAhLSgzrAzy1Hgr+hNrb57e+94F0="),
            None
        );
        assert_eq!(base64_decode("aGk=").unwrap(), b"hi");
        assert_eq!(base64_decode("aGk"), None);
    }

    #[test]
    fn cyclonedx_document() {
        let infos = parse_go_version_m(OUTPUT).unwrap();
        let binaries: Vec<(String, BuildInfo)> = infos
            .into_iter()
            .zip(["a", "b"])
            .map(|(info, name)| (name.to_string(), info))
            .collect();
        // The buildpack's id and version, from buildpack.toml.
        let descriptor: toml::Table = toml::from_str(include_str!("../buildpack.toml")).unwrap();
        let id = descriptor["buildpack"]["id"].as_str().unwrap();
        let version = descriptor["buildpack"]["version"].as_str().unwrap();
        let json: Value =
            serde_json::from_slice(&cyclonedx(&binaries, id, version).unwrap()).unwrap();
        assert_eq!(json["specVersion"], "1.5");
        assert_eq!(
            json["metadata"]["tools"]["components"][0]["name"],
            "paketo-community/go-app"
        );
        assert_eq!(
            json["metadata"]["tools"]["components"][0]["version"],
            version
        );
        let components = json["components"].as_array().unwrap();
        let names: Vec<&str> = components
            .iter()
            .map(|c| c["bom-ref"].as_str().unwrap())
            .collect();
        assert_eq!(
            names,
            [
                "binary:a",
                "binary:b",
                "pkg:golang/example.com/local",
                "pkg:golang/github.com/google/uuid@v1.6.0",
                "pkg:golang/golang.org/x/text@v0.15.0",
                "pkg:golang/stdlib@1.26.8",
            ]
        );
        assert_eq!(components[0].get("version"), None);
        assert_eq!(components[1]["version"], "v1.2.3");
        assert_eq!(
            components[0]["properties"][0],
            json!({"name": "go:toolchain", "value": "go1.26.8"})
        );
        assert_eq!(
            components[0]["properties"][4],
            json!({"name": "go:build:-ldflags", "value": "-s -w"})
        );
        assert_eq!(
            components[2]["properties"],
            json!([
                {"name": "go:replaces", "value": "example.com/local@v0.0.0"},
                {"name": "go:replace-dir", "value": "../local"},
            ])
        );
        assert_eq!(
            components[3]["hashes"],
            json!([{"alg": "SHA-256", "content": "348bda24330eb231c0f27d630212d2833ac0cf2d4782bfa136b6f9edefbde05d"}])
        );
        assert_eq!(
            components[4]["properties"],
            json!([
                {"name": "go:sum", "value": "h1:h1V/4gjBv8v9cjcR6+AR5+/cIYK5N/WAgiv4xlsEtAk="},
                {"name": "go:replaces", "value": "golang.org/x/text@v0.14.0"},
            ])
        );
        assert_eq!(
            json["dependencies"],
            json!([
                {"ref": "binary:a", "dependsOn": [
                    "pkg:golang/stdlib@1.26.8",
                    "pkg:golang/github.com/google/uuid@v1.6.0",
                    "pkg:golang/golang.org/x/text@v0.15.0",
                    "pkg:golang/example.com/local",
                ]},
                {"ref": "binary:b", "dependsOn": ["pkg:golang/stdlib@1.26.8"]},
            ])
        );
        assert_eq!(
            golang_purl("a/b+c", Some("v1.0.0+incompatible")),
            "pkg:golang/a/b%2Bc@v1.0.0%2Bincompatible"
        );
    }
}

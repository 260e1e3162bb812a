//! The build plan: what detect requires, and what the Buildpack Plan still holds at build.

use crate::errors::UbiJavaBuildpackError;
use jvm_version::JvmVersionRequest;
use libcnb::data::build_plan::Require;
use libcnb::data::buildpack_plan::BuildpackPlan;
use ubi_companion_contract::RequirementMetadata;
/// The JDK (needed at build) and the JRE (needed at launch).
pub(crate) use ubi_companion_contract::java::{JDK, JRE};

/// `jdk` (with `build = true`) and `jre` (with `launch = true`), with the requested major
/// (e.g. `"21"`) and where it was asked for (Paketo's names: `pom.xml`, `BP_JVM_VERSION`, ...),
/// as the extension reads them.
pub(crate) fn requirements(
    request: Option<&JvmVersionRequest>,
) -> Result<[Require; 2], UbiJavaBuildpackError> {
    let requirement = |name: &str, build: bool| -> Result<Require, UbiJavaBuildpackError> {
        let mut require = Require::new(name);
        require
            .metadata(RequirementMetadata {
                version: request.map(|request| request.major.to_string()),
                version_source: request.map(|request| request.source.as_str().to_string()),
                build: build.then_some(true),
                launch: (!build).then_some(true),
            })
            .map_err(|error| UbiJavaBuildpackError::BuildPlanMetadata(error.to_string()))?;
        Ok(require)
    };
    Ok([requirement(JDK, true)?, requirement(JRE, false)?])
}

/// Which of `jdk` and `jre` the Buildpack Plan still holds at build. The image extension
/// satisfies the entries it provides, and the lifecycle then removes them from this
/// buildpack's plan; an entry still there is provided by another buildpack of the group.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Remaining {
    pub(crate) jdk: bool,
    pub(crate) jre: bool,
}

impl Remaining {
    pub(crate) fn of(plan: &BuildpackPlan) -> Self {
        let has = |name: &str| plan.entries.iter().any(|entry| entry.name == name);
        Self {
            jdk: has(JDK),
            jre: has(JRE),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jvm_version::VersionSource;
    use libcnb::data::build_plan::BuildPlanBuilder;

    fn plan_toml(request: Option<&JvmVersionRequest>) -> toml::Table {
        let [jdk, jre] = requirements(request).unwrap();
        let plan = BuildPlanBuilder::new().requires(jdk).requires(jre).build();
        toml::from_str(&toml::to_string(&plan).unwrap()).unwrap()
    }

    #[test]
    fn with_a_version() {
        let request = JvmVersionRequest {
            major: 21,
            source: VersionSource::Pom,
            raw: "21".to_string(),
        };
        let expected: toml::Table = toml::from_str(
            r#"
            [[requires]]
            name = "jdk"
            [requires.metadata]
            version = "21"
            version-source = "pom.xml"
            build = true

            [[requires]]
            name = "jre"
            [requires.metadata]
            version = "21"
            version-source = "pom.xml"
            launch = true
            "#,
        )
        .unwrap();
        assert_eq!(plan_toml(Some(&request)), expected);
    }

    #[test]
    fn without_a_version() {
        let expected: toml::Table = toml::from_str(
            r#"
            [[requires]]
            name = "jdk"
            [requires.metadata]
            build = true

            [[requires]]
            name = "jre"
            [requires.metadata]
            launch = true
            "#,
        )
        .unwrap();
        assert_eq!(plan_toml(None), expected);
    }

    #[test]
    fn remaining_entries() {
        let plan: BuildpackPlan =
            toml::from_str("[[entries]]\nname = \"jre\"\n[entries.metadata]\nlaunch = true\n")
                .unwrap();
        assert_eq!(
            Remaining::of(&plan),
            Remaining {
                jdk: false,
                jre: true
            }
        );
        let empty: BuildpackPlan = toml::from_str("").unwrap();
        assert_eq!(
            Remaining::of(&empty),
            Remaining {
                jdk: false,
                jre: false
            }
        );
    }
}

//! The build plan: what detect requires, and what the Buildpack Plan still holds at build.

use crate::errors::UbiJavaBuildpackError;
use jvm_version::JvmVersionRequest;
use libcnb::data::build_plan::{BuildPlan, BuildPlanBuilder, Require};
use libcnb::data::buildpack_plan::BuildpackPlan;
use ubi_companion_contract::RequirementMetadata;
/// The JDK (needed at build) and the JRE (needed at launch).
pub(crate) use ubi_companion_contract::java::{JDK, JRE};

/// The entry of Paketo's Java buildpacks for "the app is packaged (a JAR, a WAR)": the build
/// tools (maven, gradle) and executable-jar provide it; the buildpacks that deploy and launch
/// a package require it (executable-jar, dist-zip, the application servers).
///
/// For an exploded executable JAR this buildpack provides it in a first alternative of its
/// plan, and requires only `jdk` and `jre` in the second. The spec's detection keeps the first
/// only when a later buildpack of the group requires the entry (a provide nobody requires fails
/// the trial), and gives a providing buildpack the entries it provides that were required: so
/// the entry is in this buildpack's Buildpack Plan exactly when a later buildpack of the group
/// takes the app package to launch it. That buildpack then sets the process types and
/// `CLASSPATH` (executable-jar prepends the app directory and the manifest's `Class-Path`);
/// this one leaves both to it, instead of listing every class path entry twice.
pub(crate) const JVM_APPLICATION_PACKAGE: &str = "jvm-application-package";

/// The build plan of detect: `jdk` and `jre` ([`requirements`]); for an exploded executable
/// JAR, first the same providing [`JVM_APPLICATION_PACKAGE`], or else those alone.
pub(crate) fn build_plan(
    request: Option<&JvmVersionRequest>,
    exploded_jar: bool,
) -> Result<BuildPlan, UbiJavaBuildpackError> {
    let mut plan = BuildPlanBuilder::new();
    if exploded_jar {
        let [jdk, jre] = requirements(request)?;
        plan = plan
            .provides(JVM_APPLICATION_PACKAGE)
            .requires(jdk)
            .requires(jre)
            .or();
    }
    let [jdk, jre] = requirements(request)?;
    Ok(plan.requires(jdk).requires(jre).build())
}

/// Whether a later buildpack of the group launches the app package: the Buildpack Plan holds
/// [`JVM_APPLICATION_PACKAGE`] (see there).
pub(crate) fn launched_by_another_buildpack(plan: &BuildpackPlan) -> bool {
    plan.entries
        .iter()
        .any(|entry| entry.name == JVM_APPLICATION_PACKAGE)
}

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
            requires = [
                { name = "jdk", metadata = { version = "21", version-source = "pom.xml", build = true } },
                { name = "jre", metadata = { version = "21", version-source = "pom.xml", launch = true } },
            ]
            "#,
        )
        .unwrap();
        assert_eq!(plan_toml(Some(&request)), expected);
    }

    #[test]
    fn without_a_version() {
        let expected: toml::Table = toml::from_str(
            r#"
            requires = [
                { name = "jdk", metadata = { build = true } },
                { name = "jre", metadata = { launch = true } },
            ]
            "#,
        )
        .unwrap();
        assert_eq!(plan_toml(None), expected);
    }

    #[test]
    fn an_exploded_jar_provides_the_app_package_first() {
        let plan = build_plan(None, true).unwrap();
        let expected: toml::Table = toml::from_str(
            r#"
            provides = [{ name = "jvm-application-package" }]
            requires = [
                { name = "jdk", metadata = { build = true } },
                { name = "jre", metadata = { launch = true } },
            ]
            [[or]]
            requires = [
                { name = "jdk", metadata = { build = true } },
                { name = "jre", metadata = { launch = true } },
            ]
            "#,
        )
        .unwrap();
        assert_eq!(toml::Table::try_from(plan).unwrap(), expected);
        assert_eq!(
            toml::Table::try_from(build_plan(None, false).unwrap()).unwrap(),
            plan_toml(None)
        );

        let launched: BuildpackPlan =
            toml::from_str("[[entries]]\nname = \"jvm-application-package\"\n").unwrap();
        assert!(launched_by_another_buildpack(&launched));
        assert!(!launched_by_another_buildpack(&toml::from_str("").unwrap()));
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

//! The Java versions the stack offers, and its default.
//!
//! - **The catalogue's `java-<major>` entries** when it has some (the stacks publish one
//!   `run-java-<major>` run image per entry), those this extension can install
//!   (`packages::cannot_install`: the `OpenJDK` LTS releases RHEL packages); the others (`java-1`,
//!   `java-26`) are skipped, with the reason in the log, and never fail a build that asks for a
//!   major the stack offers and this extension installs. The default is the `java-*` entry
//!   marked `is_default_run_image` (unless skipped); the Paketo stacks mark a Node.js entry
//!   instead, so otherwise it is upstream's default, 17, when listed, else the newest major
//!   listed.
//! - **Else a built-in table per stack**, from the run images the Paketo stacks publish: ubi8
//!   8, 11, 17, 21 (upstream's table) and ubi9 11, 17, 21, both defaulting to 17 as upstream.
//!   ubi10 publishes no Java run image, so it has no table. The table is also used when the
//!   catalogue file does not exist (upstream reads no catalogue at all); a catalogue that exists
//!   but cannot be read or parsed is an error.

use crate::errors::{Fallback, UbiJavaError};
use crate::packages;
use crate::version::Request;
use std::fmt;
use std::path::{Path, PathBuf};
use ubi_extension_support::catalogue::{Catalogue, CatalogueError, Runtime, Skipped};
use ubi_extension_support::stack::Stack;

/// Upstream's default (`BP_JVM_VERSION` defaults to 17 in its extension.toml).
pub(crate) const UPSTREAM_DEFAULT: u32 = 17;

/// The Java majors a stack offers when its catalogue lists none: the run images Paketo publishes
/// (`run-java-<major>-ubi8-base`, `run-java-<major>-ubi9-base`).
pub(crate) fn builtin_majors(stack: Stack) -> &'static [u32] {
    match stack {
        Stack::Ubi8 => &[8, 11, 17, 21],
        Stack::Ubi9 => &[11, 17, 21],
        Stack::Ubi10 => &[],
    }
}

/// How the default was chosen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum DefaultOrigin {
    /// The `java-*` entry marked `is_default_run_image`.
    Marked(String),
    /// Upstream's default, 17.
    Upstream,
    /// The newest major listed (17 is not).
    Newest,
}

impl fmt::Display for DefaultOrigin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Marked(entry) => write!(f, "{entry} is marked is_default_run_image"),
            Self::Upstream => f.write_str("upstream's default"),
            Self::Newest => f.write_str("the newest listed"),
        }
    }
}

/// The Java versions of the stack.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct JavaVersions {
    pub(crate) stack: Stack,
    /// Ascending.
    pub(crate) majors: Vec<u32>,
    pub(crate) default_major: u32,
    pub(crate) default_origin: DefaultOrigin,
    /// The catalogue file (read, or missing).
    pub(crate) path: PathBuf,
    /// The catalogue, when it lists `java-*` entries (their run images count): those this
    /// extension installs.
    pub(crate) catalogue: Option<Catalogue>,
    /// The catalogue's other `java-*` entries, with the reason, for the log.
    pub(crate) skipped: Vec<Skipped>,
    /// Why the built-in table is used, when it is.
    pub(crate) fallback: Option<Fallback>,
}

impl JavaVersions {
    /// Where the list comes from, for the log and the errors.
    pub(crate) fn listed_by(&self) -> String {
        let path = self.path.display();
        match self.fallback {
            None => format!("catalogue {path}"),
            Some(Fallback::Missing) => format!(
                "built-in table for {}: {path} does not exist",
                self.stack.name()
            ),
            Some(Fallback::NoJavaEntries) => format!(
                "built-in table for {}: {path} lists no java-<major> image",
                self.stack.name()
            ),
        }
    }

    /// The major to install: the request's, or the default without one.
    ///
    /// # Errors
    /// [`UbiJavaError::UnsupportedVersion`] when the stack does not offer the requested major.
    pub(crate) fn choose(&self, request: Option<&Request>) -> Result<u32, UbiJavaError> {
        let Some(request) = request else {
            return Ok(self.default_major);
        };
        if self.majors.contains(&request.major) {
            Ok(request.major)
        } else {
            Err(UbiJavaError::UnsupportedVersion {
                major: request.major,
                request: request.candidate.version.clone(),
                source: request.candidate.origin.to_string(),
                stack: self.stack,
                majors: self.majors.clone(),
                listed_by: self.listed_by(),
                skipped_match: self
                    .skipped
                    .iter()
                    .find(|skipped| skipped.stream.major == request.major)
                    .cloned(),
            })
        }
    }
}

/// Reads the catalogue at `path` for `stack`.
///
/// # Errors
/// The catalogue's errors (except a missing file), and [`UbiJavaError::NoJava`] when neither
/// the catalogue nor the built-in table offers a Java version.
pub(crate) fn java_versions(path: &Path, stack: Stack) -> Result<JavaVersions, UbiJavaError> {
    match Catalogue::load(path, Runtime::JAVA) {
        Ok(catalogue) => from_catalogue(stack, catalogue),
        Err(CatalogueError::Missing { .. }) => builtin(stack, path, Fallback::Missing),
        Err(error) => Err(error.into()),
    }
}

fn from_catalogue(stack: Stack, mut catalogue: Catalogue) -> Result<JavaVersions, UbiJavaError> {
    if catalogue.streams.is_empty() {
        return builtin(stack, &catalogue.path, Fallback::NoJavaEntries);
    }
    let skipped = catalogue.retain_installable(packages::cannot_install)?;
    let majors = catalogue.majors();
    let (default_major, default_origin) = match catalogue.marked_default {
        Some(major) => {
            let entry = catalogue
                .stream(major)
                .map_or_else(|| format!("java-{major}"), |stream| stream.name.clone());
            (major, DefaultOrigin::Marked(entry))
        }
        None if majors.contains(&UPSTREAM_DEFAULT) => (UPSTREAM_DEFAULT, DefaultOrigin::Upstream),
        // Not empty: checked above.
        None => (
            majors.last().copied().unwrap_or(UPSTREAM_DEFAULT),
            DefaultOrigin::Newest,
        ),
    };
    Ok(JavaVersions {
        stack,
        majors,
        default_major,
        default_origin,
        path: catalogue.path.clone(),
        catalogue: Some(catalogue),
        skipped,
        fallback: None,
    })
}

fn builtin(stack: Stack, path: &Path, fallback: Fallback) -> Result<JavaVersions, UbiJavaError> {
    let majors = builtin_majors(stack);
    if majors.is_empty() {
        return Err(UbiJavaError::NoJava {
            stack,
            path: path.to_path_buf(),
            fallback,
        });
    }
    Ok(JavaVersions {
        stack,
        majors: majors.to_vec(),
        default_major: UPSTREAM_DEFAULT,
        default_origin: DefaultOrigin::Upstream,
        path: path.to_path_buf(),
        catalogue: None,
        skipped: Vec::new(),
        fallback: Some(fallback),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use cnb_extension::cnb_output::render_error;
    use ubi_extension_support::SharedError;

    fn write(text: &str) -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("images.json");
        std::fs::write(&path, text).unwrap();
        (dir, path)
    }

    fn images(entries: &[&str]) -> String {
        let entries: Vec<String> = entries
            .iter()
            .map(|entry| {
                let (name, default) = entry
                    .strip_suffix('*')
                    .map_or((*entry, false), |name| (name, true));
                format!(
                    r#"{{"name": "{name}", "run_image": "run-{name}", "is_default_run_image": {default}}}"#
                )
            })
            .collect();
        format!(r#"{{"images": [{}]}}"#, entries.join(", "))
    }

    #[test]
    fn java_entries_of_the_catalogue() {
        let (_dir, path) = write(&images(&["default", "java-21", "java-17", "nodejs-24*"]));
        let versions = java_versions(&path, Stack::Ubi9).unwrap();
        assert_eq!(versions.majors, [17, 21]);
        assert_eq!(versions.default_major, 17);
        assert_eq!(versions.default_origin, DefaultOrigin::Upstream);
        assert_eq!(versions.fallback, None);
        assert_eq!(
            versions.listed_by(),
            format!("catalogue {}", path.display())
        );
        assert_eq!(
            versions.catalogue.as_ref().map(Catalogue::majors),
            Some(vec![17, 21])
        );
        // The UBI 10 stack too, which upstream cannot serve.
        let versions = java_versions(&path, Stack::Ubi10).unwrap();
        assert_eq!(versions.majors, [17, 21]);
    }

    #[test]
    fn the_default_is_the_marked_entry_else_17_else_the_newest() {
        let (_dir, path) = write(&images(&["java-17", "java-21*"]));
        let versions = java_versions(&path, Stack::Ubi9).unwrap();
        assert_eq!(
            (versions.default_major, versions.default_origin.to_string()),
            (21, "java-21 is marked is_default_run_image".to_string())
        );
        let (_dir, path) = write(&images(&["java-25", "java-11", "java-21"]));
        let versions = java_versions(&path, Stack::Ubi10).unwrap();
        assert_eq!(
            (versions.default_major, versions.default_origin),
            (25, DefaultOrigin::Newest)
        );
    }

    /// Issue 21: one `java-26` or `java-1` entry (a major RHEL does not package) made the
    /// catalogue an error, failing every Java build, even one asking for 17.
    #[test]
    fn majors_this_extension_cannot_install_are_skipped() {
        let (_dir, path) = write(&images(&[
            "java-1",
            "java-8",
            "java-17",
            "java-21",
            "java-26*",
            "java-29",
            "nodejs-24*",
        ]));
        let versions = java_versions(&path, Stack::Ubi9).unwrap();
        assert_eq!(versions.majors, [8, 17, 21, 29]);
        // The marked default is skipped: upstream's default.
        assert_eq!(
            (versions.default_major, &versions.default_origin),
            (17, &DefaultOrigin::Upstream)
        );
        let skipped: Vec<String> = versions.skipped.iter().map(ToString::to_string).collect();
        assert_eq!(
            skipped,
            [
                "java-1: older than the first OpenJDK LTS release, the only Java RHEL packages \
                 (8, 11, 17, 21, 25 and every fourth after)",
                "java-26 (the catalogue's default): not an OpenJDK LTS release, the only Java \
                 RHEL packages (8, 11, 17, 21, 25 and every fourth after)",
            ]
        );
        let request = |major: u32| Request {
            candidate: crate::version::Candidate {
                origin: crate::version::Origin::BpJvmVersion,
                version: major.to_string(),
            },
            major,
        };
        assert_eq!(versions.choose(Some(&request(17))).unwrap(), 17);
        assert_eq!(versions.choose(Some(&request(29))).unwrap(), 29);
        let shown = render_error(&versions.choose(Some(&request(26))).unwrap_err());
        assert_eq!(
            shown,
            format!(
                "ERROR: unable to map requested Java version \"26\" (BP_JVM_VERSION) to a UBI \
                 supported runtime\n  io.buildpacks.stacks.ubi9 offers Java 8, 17, 21, 29 \
                 (catalogue {}), not 26.\n  The catalogue also lists java-26, but this \
                 extension cannot install it: it is not an OpenJDK LTS release, the only Java \
                 RHEL packages (8, 11, 17, 21, 25 and every fourth after).\n  Ask for one of \
                 those major versions, e.g. BP_JVM_VERSION=29.\n",
                path.display()
            )
        );

        // Only majors it cannot install: an error naming them, not the built-in table.
        let (_dir, path) = write(&images(&["java-1", "java-26", "nodejs-24*"]));
        let shown = render_error(&java_versions(&path, Stack::Ubi8).unwrap_err());
        assert!(
            shown.starts_with(&format!(
                "ERROR: Cannot use the stack's Java catalogue\n  the Java version catalogue {} \
                 lists Java 1, 26, none of which this extension can install: java-1: older than",
                path.display()
            )),
            "{shown}"
        );
    }

    #[test]
    fn without_java_entries_the_builtin_table_of_the_stack() {
        let (_dir, path) = write(&images(&["default", "nodejs-20*", "nodejs-22"]));
        let versions = java_versions(&path, Stack::Ubi8).unwrap();
        assert_eq!(versions.majors, [8, 11, 17, 21]);
        assert_eq!(versions.default_major, 17);
        assert_eq!(versions.catalogue, None);
        assert_eq!(
            versions.listed_by(),
            format!(
                "built-in table for ubi8: {} lists no java-<major> image",
                path.display()
            )
        );
        let versions = java_versions(&path, Stack::Ubi9).unwrap();
        assert_eq!(versions.majors, [11, 17, 21]);
        assert_eq!(versions.default_major, 17);

        let error = java_versions(&path, Stack::Ubi10).unwrap_err();
        assert!(
            matches!(&error, UbiJavaError::NoJava { stack: Stack::Ubi10, fallback: Fallback::NoJavaEntries, path: p } if *p == path),
            "{error:?}"
        );
    }

    #[test]
    fn a_missing_catalogue_means_the_builtin_table() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("images.json");
        let versions = java_versions(&path, Stack::Ubi8).unwrap();
        assert_eq!(versions.majors, [8, 11, 17, 21]);
        assert_eq!(versions.fallback, Some(Fallback::Missing));
        assert_eq!(
            versions.listed_by(),
            format!("built-in table for ubi8: {} does not exist", path.display())
        );
        assert!(matches!(
            java_versions(&path, Stack::Ubi10),
            Err(UbiJavaError::NoJava {
                fallback: Fallback::Missing,
                ..
            })
        ));
    }

    #[test]
    fn a_broken_catalogue_is_an_error_that_names_it() {
        for text in [
            "not json",
            r#"{"images": [{"name": "java-latest"}]}"#,
            r#"{"images": [{"name": "java-17"}, {"name": "java-017"}]}"#,
            r#"{"images": [{"name": "java-17", "is_default_run_image": true}, {"name": "java-21", "is_default_run_image": true}]}"#,
        ] {
            let (_dir, path) = write(text);
            let error = java_versions(&path, Stack::Ubi9).unwrap_err();
            assert!(
                matches!(error, UbiJavaError::Shared(SharedError::Catalogue(_))),
                "{error:?}"
            );
            let shown = render_error(&error);
            assert!(
                shown.starts_with(&format!(
                    "ERROR: Cannot use the stack's Java catalogue\n  the Java version catalogue \
                     {} ",
                    path.display()
                )),
                "{shown}"
            );
        }
        // A directory cannot be read.
        let dir = tempfile::tempdir().unwrap();
        let error = java_versions(dir.path(), Stack::Ubi8).unwrap_err();
        let shown = render_error(&error);
        assert!(
            shown.starts_with(&format!(
                "ERROR: Cannot use the stack's Java catalogue\n  cannot read the Java version \
                 catalogue {}",
                dir.path().display()
            )),
            "{shown}"
        );
    }

    /// The major chosen on the fixture catalogue `file` for a plan, `BP_JVM_VERSION` and app.
    fn choose(
        file: &str,
        stack: Stack,
        plan: &str,
        bp_jvm_version: Option<&str>,
        app: &[(&str, &str)],
    ) -> Result<u32, UbiJavaError> {
        let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/ubi-java");
        let dir = tempfile::tempdir().unwrap();
        for (path, content) in app {
            std::fs::write(dir.path().join(path), content).unwrap();
        }
        let plan = toml::from_str(plan).unwrap();
        let candidates = crate::version::candidates(&plan, bp_jvm_version, dir.path()).unwrap();
        let request = crate::version::decide(&candidates).unwrap();
        java_versions(&fixtures.join(file), stack)
            .unwrap()
            .choose(request.as_ref())
    }

    const JDK_17_FROM_POM: &str = "[[entries]]\nname = \"jdk\"\n[entries.metadata]\n\
        version = \"17\"\nversion-source = \"pom.xml\"\n";
    const JDK_WITHOUT_VERSION: &str = "[[entries]]\nname = \"jdk\"\n";

    #[test]
    fn selection_bp_jvm_version_then_plan_then_app_then_default() {
        let ubi9 = "images-ubi9.json";
        let java_version_21 = [(".java-version", "21.0.2\n")];
        assert_eq!(
            choose(
                ubi9,
                Stack::Ubi9,
                JDK_17_FROM_POM,
                Some("21.*"),
                &java_version_21
            )
            .unwrap(),
            21
        );
        assert_eq!(
            choose(ubi9, Stack::Ubi9, JDK_17_FROM_POM, None, &java_version_21).unwrap(),
            17
        );
        assert_eq!(
            choose(
                ubi9,
                Stack::Ubi9,
                JDK_WITHOUT_VERSION,
                None,
                &java_version_21
            )
            .unwrap(),
            21
        );
        assert_eq!(
            choose(ubi9, Stack::Ubi9, JDK_WITHOUT_VERSION, None, &[]).unwrap(),
            17
        );
        // The ubi8 fallback table has Java 8, in any of its spellings.
        for spelling in ["8", "1.8", "1.8.0", "1.8.0_392"] {
            assert_eq!(
                choose(
                    "images-ubi8.json",
                    Stack::Ubi8,
                    JDK_WITHOUT_VERSION,
                    Some(spelling),
                    &[]
                )
                .unwrap(),
                8
            );
        }
    }

    #[test]
    fn an_unsupported_major_fails_with_the_supported_list() {
        let error = choose(
            "images-ubi9.json",
            Stack::Ubi9,
            JDK_WITHOUT_VERSION,
            Some("11"),
            &[],
        )
        .unwrap_err();
        let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/ubi-java");
        assert_eq!(
            render_error(&error),
            format!(
                "ERROR: unable to map requested Java version \"11\" (BP_JVM_VERSION) to a UBI \
                 supported runtime\n  io.buildpacks.stacks.ubi9 offers Java 17, 21 (catalogue \
                 {}), not 11.\n  Ask for one of those major versions, e.g. BP_JVM_VERSION=21.\n",
                fixtures.join("images-ubi9.json").display()
            )
        );
        let error = choose(
            "images-ubi8.json",
            Stack::Ubi8,
            JDK_WITHOUT_VERSION,
            None,
            &[(".java-version", "22\n")],
        )
        .unwrap_err();
        let shown = render_error(&error);
        assert!(
            shown.contains(
                "\"22\" (app .java-version) to a UBI supported runtime\n  \
                 io.buildpacks.stacks.ubi8 offers Java 8, 11, 17, 21 (built-in table for ubi8: "
            ),
            "{shown}"
        );
    }

    #[test]
    fn the_fixtures() {
        let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures");
        for (file, stack, majors, fallback) in [
            ("ubi-java/images-ubi9.json", Stack::Ubi9, vec![17, 21], None),
            (
                "ubi-java/images-ubi9-local-run-images.json",
                Stack::Ubi9,
                vec![11, 17, 21],
                None,
            ),
            (
                "ubi-java/images-ubi8.json",
                Stack::Ubi8,
                vec![8, 11, 17, 21],
                Some(Fallback::NoJavaEntries),
            ),
            // The Node.js fixtures: ubi9's lists Java 11, 17 and 21.
            (
                "ubi-nodejs/images-ubi9.json",
                Stack::Ubi9,
                vec![11, 17, 21],
                None,
            ),
        ] {
            let versions = java_versions(&fixtures.join(file), stack).unwrap();
            assert_eq!(versions.majors, majors, "{file}");
            assert_eq!(versions.default_major, 17, "{file}");
            assert_eq!(versions.fallback, fallback, "{file}");
        }
    }
}

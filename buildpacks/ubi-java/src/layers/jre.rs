//! The `jre` layer (launch only): defaults for the JVM at launch, and what the memory calculator
//! needs from the build.
//!
//! Every variable is a `.default`: the user's settings and the run image's environment win.
//! That matters for `JAVA_HOME`: the UBI `OpenJDK` runtime images set it themselves
//! (`/usr/lib/jvm/jre`), so the value here only serves run images that do not, and it is the
//! RPM JRE's layout, `/usr/lib/jvm/jre-<major>` (`jre-1.8.0` for Java 8), a link the
//! `java-<major>-openjdk-headless` package installs.

use super::{EnvFile, LAUNCH_ONLY, write_env_layer};
use crate::UbiJavaBuildpack;
use crate::errors::UbiJavaBuildpackError;
use libcnb::build::BuildContext;
use libcnb::data::layer_name;
use libcnb::layer_env::{ModificationBehavior, Scope};
use serde::{Deserialize, Serialize};
use ubi_java_buildpack::memory_calculator::exec_d::{
    BPI_APPLICATION_CLASS_COUNT, BPI_APPLICATION_PATH, BPI_JVM_CLASS_COUNT, JAVA_TOOL_OPTIONS,
};

/// glibc's arena count (Paketo's default): fewer arenas, less native memory per thread.
pub(crate) const MALLOC_ARENA_MAX: &str = "2";
/// Exit rather than limp on after an `OutOfMemoryError`: the platform restarts the container.
pub(crate) const DEFAULT_JAVA_TOOL_OPTIONS: &str = "-XX:+ExitOnOutOfMemoryError";

/// What the launch defaults are made from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct JreLayerMetadata {
    /// The Java major of the JRE the run image is expected to have.
    pub(crate) java_major: Option<u32>,
    /// The JVM's classes (counted in the build image's JDK).
    pub(crate) jvm_class_count: Option<u64>,
    /// The app's classes at build time.
    pub(crate) app_class_count: u64,
    /// The app directory.
    pub(crate) app_path: String,
}

/// The RPM JRE's home for a Java major.
pub(crate) fn rpm_jre_home(major: u32) -> String {
    if major == 8 {
        "/usr/lib/jvm/jre-1.8.0".to_string()
    } else {
        format!("/usr/lib/jvm/jre-{major}")
    }
}

/// The layer's environment (all `env.launch/*.default`).
pub(crate) fn env_files(metadata: &JreLayerMetadata) -> Vec<EnvFile> {
    let default = |name, value: String| {
        EnvFile::new(Scope::Launch, ModificationBehavior::Default, name, value)
    };
    let mut files = Vec::new();
    if let Some(major) = metadata.java_major {
        files.push(default("JAVA_HOME", rpm_jre_home(major)));
    }
    files.push(default("MALLOC_ARENA_MAX", MALLOC_ARENA_MAX.to_string()));
    files.push(default(
        JAVA_TOOL_OPTIONS,
        DEFAULT_JAVA_TOOL_OPTIONS.to_string(),
    ));
    files.push(default(BPI_APPLICATION_PATH, metadata.app_path.clone()));
    files.push(default(
        BPI_APPLICATION_CLASS_COUNT,
        metadata.app_class_count.to_string(),
    ));
    if let Some(count) = metadata.jvm_class_count {
        files.push(default(BPI_JVM_CLASS_COUNT, count.to_string()));
    }
    files
}

/// Writes the `jre` layer.
pub(crate) fn handle_jre_layer(
    context: &BuildContext<UbiJavaBuildpack>,
    metadata: &JreLayerMetadata,
) -> libcnb::Result<Vec<EnvFile>, UbiJavaBuildpackError> {
    let files = env_files(metadata);
    write_env_layer(context, layer_name!("jre"), LAUNCH_ONLY, metadata, &files)?;
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn metadata(java_major: Option<u32>) -> JreLayerMetadata {
        JreLayerMetadata {
            java_major,
            jvm_class_count: Some(26_000),
            app_class_count: 12,
            app_path: "/workspace".to_string(),
        }
    }

    #[test]
    fn metadata_golden_toml() {
        assert_eq!(
            toml::to_string(&metadata(Some(21))).unwrap(),
            "java_major = 21\njvm_class_count = 26000\napp_class_count = 12\napp_path = \"/workspace\"\n"
        );
    }

    #[test]
    fn launch_defaults() {
        let describe = |metadata| {
            env_files(&metadata)
                .iter()
                .map(EnvFile::describe)
                .collect::<Vec<_>>()
        };
        assert_eq!(
            describe(metadata(Some(17))),
            [
                "env.launch/JAVA_HOME.default = /usr/lib/jvm/jre-17",
                "env.launch/MALLOC_ARENA_MAX.default = 2",
                "env.launch/JAVA_TOOL_OPTIONS.default = -XX:+ExitOnOutOfMemoryError",
                "env.launch/BPI_APPLICATION_PATH.default = /workspace",
                "env.launch/BPI_APPLICATION_CLASS_COUNT.default = 12",
                "env.launch/BPI_JVM_CLASS_COUNT.default = 26000",
            ]
        );
        assert_eq!(
            describe(metadata(Some(8)))[0],
            "env.launch/JAVA_HOME.default = /usr/lib/jvm/jre-1.8.0"
        );
        assert!(!describe(metadata(None))[0].contains("JAVA_HOME"));
    }
}

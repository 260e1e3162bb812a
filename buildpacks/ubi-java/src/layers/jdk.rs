//! The `jdk` layer (build only): `JAVA_HOME` of the build image's JDK for the buildpacks after
//! this one (Maven, Gradle), and the JDK's SBOM.

use super::{BUILD_ONLY, EnvFile, write_env_layer};
use crate::UbiJavaBuildpack;
use crate::errors::UbiJavaBuildpackError;
use crate::jdk::Jdk;
use libcnb::build::BuildContext;
use libcnb::data::layer_name;
use libcnb::data::sbom::SbomFormat;
use libcnb::layer_env::{ModificationBehavior, Scope};
use libcnb::sbom::Sbom;
use serde::{Deserialize, Serialize};

/// What the layer was made from (informational: the layer is made anew on every build).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct JdkLayerMetadata {
    pub(crate) java_home: String,
    pub(crate) java_version: Option<String>,
    pub(crate) implementor: Option<String>,
}

impl JdkLayerMetadata {
    pub(crate) fn new(jdk: &Jdk) -> Self {
        Self {
            java_home: jdk.home.to_string_lossy().into_owned(),
            java_version: jdk.release.java_version.clone(),
            implementor: jdk.release.implementor.clone(),
        }
    }
}

/// The layer's environment: `JAVA_HOME` overridden for the build of later buildpacks.
pub(crate) fn env_files(jdk: &Jdk) -> Vec<EnvFile> {
    vec![EnvFile::new(
        Scope::Build,
        ModificationBehavior::Override,
        "JAVA_HOME",
        jdk.home.to_string_lossy(),
    )]
}

/// Writes the `jdk` layer: metadata, environment and the SBOM `sbom` (`CycloneDX` JSON).
pub(crate) fn handle_jdk_layer(
    context: &BuildContext<UbiJavaBuildpack>,
    jdk: &Jdk,
    sbom: Vec<u8>,
) -> libcnb::Result<Vec<EnvFile>, UbiJavaBuildpackError> {
    let files = env_files(jdk);
    let metadata = JdkLayerMetadata::new(jdk);
    let layer = write_env_layer(context, layer_name!("jdk"), BUILD_ONLY, &metadata, &files)?;
    layer.write_sboms(&[Sbom::from_bytes(SbomFormat::CycloneDxJson, sbom)])?;
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jdk::Release;
    use std::path::PathBuf;

    #[test]
    fn metadata_golden_toml() {
        let jdk = Jdk {
            javac: PathBuf::from("/usr/bin/javac"),
            resolved_javac: PathBuf::from(
                "/usr/lib/jvm/java-17-openjdk-17.0.10.0.7-2.el8.x86_64/bin/javac",
            ),
            home: PathBuf::from("/usr/lib/jvm/java-17-openjdk-17.0.10.0.7-2.el8.x86_64"),
            release: Release {
                java_version: Some("17.0.10".to_string()),
                implementor: Some("Red Hat, Inc.".to_string()),
            },
        };
        assert_eq!(
            toml::to_string(&JdkLayerMetadata::new(&jdk)).unwrap(),
            "java_home = \"/usr/lib/jvm/java-17-openjdk-17.0.10.0.7-2.el8.x86_64\"\njava_version = \"17.0.10\"\nimplementor = \"Red Hat, Inc.\"\n"
        );
        assert_eq!(
            env_files(&jdk)[0].describe(),
            "env.build/JAVA_HOME.override = /usr/lib/jvm/java-17-openjdk-17.0.10.0.7-2.el8.x86_64"
        );
    }
}

//! The `class-path` layer (launch only): `CLASSPATH` for an exploded executable JAR, as Paketo's
//! executable-jar buildpack sets it: the app directory, then the manifest's `Class-Path`.

use super::{EnvFile, LAUNCH_ONLY, write_env_layer};
use crate::UbiJavaBuildpack;
use crate::errors::UbiJavaBuildpackError;
use libcnb::build::BuildContext;
use libcnb::data::layer_name;
use libcnb::layer_env::{ModificationBehavior, Scope};
use serde::{Deserialize, Serialize};

/// The class path entries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct ClassPathLayerMetadata {
    pub(crate) classpath: Vec<String>,
}

/// `CLASSPATH` prepended (`:`-separated) at launch.
pub(crate) fn env_files(metadata: &ClassPathLayerMetadata) -> Vec<EnvFile> {
    vec![
        EnvFile::new(
            Scope::Launch,
            ModificationBehavior::Prepend,
            "CLASSPATH",
            metadata.classpath.join(":"),
        ),
        EnvFile::new(
            Scope::Launch,
            ModificationBehavior::Delimiter,
            "CLASSPATH",
            ":",
        ),
    ]
}

/// Writes the `class-path` layer.
pub(crate) fn handle_class_path_layer(
    context: &BuildContext<UbiJavaBuildpack>,
    metadata: &ClassPathLayerMetadata,
) -> libcnb::Result<Vec<EnvFile>, UbiJavaBuildpackError> {
    let files = env_files(metadata);
    write_env_layer(
        context,
        layer_name!("class-path"),
        LAUNCH_ONLY,
        metadata,
        &files,
    )?;
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classpath_env() {
        let metadata = ClassPathLayerMetadata {
            classpath: vec!["/workspace".to_string(), "lib/a.jar".to_string()],
        };
        assert_eq!(
            toml::to_string(&metadata).unwrap(),
            "classpath = [\"/workspace\", \"lib/a.jar\"]\n"
        );
        assert_eq!(
            env_files(&metadata)
                .iter()
                .map(EnvFile::describe)
                .collect::<Vec<_>>(),
            [
                "env.launch/CLASSPATH.prepend = /workspace:lib/a.jar",
                "env.launch/CLASSPATH.delim = :"
            ]
        );
    }
}

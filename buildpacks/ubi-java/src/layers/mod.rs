//! The layers, one file each: metadata, what it writes, one `handle_*_layer` function.
//!
//! All are uncached: what they hold comes from the build image (the JDK) and the app, both of
//! which can change between builds, and is cheap to make again. An unchanged launch layer is
//! still reused by the exporter (same content, same digest).

pub(crate) mod class_path;
pub(crate) mod jdk;
pub(crate) mod jre;
pub(crate) mod memory_calculator;

use crate::UbiJavaBuildpack;
use crate::errors::UbiJavaBuildpackError;
use libcnb::build::BuildContext;
use libcnb::data::layer::LayerName;
use libcnb::layer::{LayerRef, UncachedLayerDefinition};
use libcnb::layer_env::{LayerEnv, ModificationBehavior, Scope};
use serde::Serialize;

/// A layer for the build of the buildpacks after this one only.
pub(crate) const BUILD_ONLY: UncachedLayerDefinition = UncachedLayerDefinition {
    build: true,
    launch: false,
};

/// A layer for the app's launch only.
pub(crate) const LAUNCH_ONLY: UncachedLayerDefinition = UncachedLayerDefinition {
    build: false,
    launch: true,
};

/// One environment file a layer writes, for the log: `env.launch/JAVA_HOME.default = ...`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct EnvFile {
    pub(crate) scope: Scope,
    pub(crate) behavior: ModificationBehavior,
    pub(crate) name: &'static str,
    pub(crate) value: String,
}

impl EnvFile {
    pub(crate) fn new(
        scope: Scope,
        behavior: ModificationBehavior,
        name: &'static str,
        value: impl Into<String>,
    ) -> Self {
        Self {
            scope,
            behavior,
            name,
            value: value.into(),
        }
    }

    /// The file's path in the layer and its content, e.g. `env.build/JAVA_HOME.override = /usr/lib/jvm/...`.
    pub(crate) fn describe(&self) -> String {
        let directory = match &self.scope {
            Scope::All => "env".to_string(),
            Scope::Build => "env.build".to_string(),
            Scope::Launch => "env.launch".to_string(),
            Scope::Process(process) => format!("env.launch/{process}"),
        };
        let suffix = match &self.behavior {
            ModificationBehavior::Append => "append",
            ModificationBehavior::Default => "default",
            ModificationBehavior::Delimiter => "delim",
            ModificationBehavior::Override => "override",
            ModificationBehavior::Prepend => "prepend",
        };
        format!("{directory}/{}.{suffix} = {}", self.name, self.value)
    }
}

/// Creates the uncached layer `name` with `metadata` and the environment `files`.
pub(crate) fn write_env_layer(
    context: &BuildContext<UbiJavaBuildpack>,
    name: LayerName,
    definition: UncachedLayerDefinition,
    metadata: &impl Serialize,
    files: &[EnvFile],
) -> libcnb::Result<LayerRef<UbiJavaBuildpack, (), ()>, UbiJavaBuildpackError> {
    let layer = context.uncached_layer(name, definition)?;
    layer.write_metadata(metadata)?;
    write_env(&layer, files)?;
    Ok(layer)
}

/// Writes `files` as the layer's environment.
fn write_env(
    layer: &LayerRef<UbiJavaBuildpack, (), ()>,
    files: &[EnvFile],
) -> libcnb::Result<(), UbiJavaBuildpackError> {
    let env = files.iter().fold(LayerEnv::new(), |env, file| {
        env.chainable_insert(
            file.scope.clone(),
            file.behavior.clone(),
            file.name,
            &file.value,
        )
    });
    layer.write_env(env)
}

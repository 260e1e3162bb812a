//! The `targets` layer (launch): `bin/<name>`, one static binary per target, and their SBOM.
//! Made anew on every build (the binaries come from the build; an unchanged binary gives an
//! unchanged layer digest, which the exporter reuses).

use crate::GoAppBuildpack;
use crate::errors::GoAppError;
use libcnb::build::BuildContext;
use libcnb::data::layer_name;
use libcnb::layer::{LayerRef, UncachedLayerDefinition};
use serde::{Deserialize, Serialize};

/// What the binaries were built from (informational).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct TargetsLayerMetadata {
    pub(crate) go_version: String,
    pub(crate) targets: Vec<String>,
    pub(crate) binaries: Vec<String>,
}

/// Creates the empty `targets` layer; the caller builds into `<layer>/bin`.
pub(crate) fn handle_targets_layer(
    context: &BuildContext<GoAppBuildpack>,
) -> libcnb::Result<LayerRef<GoAppBuildpack, (), ()>, GoAppError> {
    context.uncached_layer(
        layer_name!("targets"),
        UncachedLayerDefinition {
            build: false,
            launch: true,
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metadata_golden_toml() {
        let metadata = TargetsLayerMetadata {
            go_version: "go1.26.8".to_string(),
            targets: vec!["cmd/a".to_string(), "cmd/b".to_string()],
            binaries: vec!["a".to_string(), "b".to_string()],
        };
        assert_eq!(
            toml::to_string(&metadata).unwrap(),
            "go_version = \"go1.26.8\"\ntargets = [\"cmd/a\", \"cmd/b\"]\nbinaries = [\"a\", \"b\"]\n"
        );
    }
}

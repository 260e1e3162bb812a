//! The `go` layer (build, cache): a Go toolchain from the inventory, extracted from its module
//! zip. Reused while version, platform and checksum match, replaced otherwise; the log says why.

use crate::GoAppBuildpack;
use crate::errors::GoAppError;
use crate::inventory::Toolchain;
use libcnb::build::BuildContext;
use libcnb::data::layer_name;
use libcnb::layer::{
    CachedLayerDefinition, EmptyLayerCause, InvalidMetadataAction, LayerRef, LayerState,
    RestoredLayerAction,
};
use serde::{Deserialize, Serialize};
use std::path::Path;

/// Everything that determines the layer's contents.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct GoLayerMetadata {
    pub(crate) version: String,
    pub(crate) os: String,
    pub(crate) arch: String,
    pub(crate) sha256: String,
}

impl GoLayerMetadata {
    pub(crate) fn new(toolchain: &Toolchain) -> Self {
        Self {
            version: toolchain.version.bare(),
            os: toolchain.os.clone(),
            arch: toolchain.arch.clone(),
            sha256: toolchain.sha256.to_string(),
        }
    }
}

/// Whether a restored layer can be reused for `wanted`, and why.
pub(crate) fn restore_decision(
    cached: &GoLayerMetadata,
    wanted: &GoLayerMetadata,
    layer: &Path,
) -> (RestoredLayerAction, String) {
    if cached.version != wanted.version {
        (
            RestoredLayerAction::DeleteLayer,
            format!("version changed: {} -> {}", cached.version, wanted.version),
        )
    } else if (&cached.os, &cached.arch) != (&wanted.os, &wanted.arch) {
        (
            RestoredLayerAction::DeleteLayer,
            format!(
                "platform changed: {}/{} -> {}/{}",
                cached.os, cached.arch, wanted.os, wanted.arch
            ),
        )
    } else if cached.sha256 != wanted.sha256 {
        (
            RestoredLayerAction::DeleteLayer,
            "checksum changed (the buildpack's inventory has another zip for this version)"
                .to_string(),
        )
    } else if !layer.join("bin/go").is_file() {
        (
            RestoredLayerAction::DeleteLayer,
            "the cached layer has no bin/go".to_string(),
        )
    } else {
        (
            RestoredLayerAction::KeepLayer,
            "version and checksum unchanged".to_string(),
        )
    }
}

/// What the layer holds before the build fills it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum GoLayerState {
    /// Reused from the cache, with the reason.
    Reused(String),
    /// Empty: to install, with the reason.
    Empty(String),
}

/// Opens the `go` layer for `toolchain`: reused when the cached one matches, else empty (the
/// caller installs the toolchain into it and then writes `metadata`).
pub(crate) fn handle_go_layer(
    context: &BuildContext<GoAppBuildpack>,
    metadata: &GoLayerMetadata,
) -> libcnb::Result<(LayerRef<GoAppBuildpack, String, String>, GoLayerState), GoAppError> {
    let layer = context.cached_layer(
        layer_name!("go"),
        CachedLayerDefinition {
            build: true,
            launch: false,
            invalid_metadata_action: &|_| {
                (
                    InvalidMetadataAction::DeleteLayer,
                    "the cached layer's metadata is of another buildpack version".to_string(),
                )
            },
            restored_layer_action: &|cached: &GoLayerMetadata, path: &Path| {
                restore_decision(cached, metadata, path)
            },
        },
    )?;
    let state = match &layer.state {
        LayerState::Restored { cause } => GoLayerState::Reused(cause.clone()),
        LayerState::Empty {
            cause: EmptyLayerCause::NewlyCreated,
        } => GoLayerState::Empty("no cached toolchain".to_string()),
        LayerState::Empty {
            cause:
                EmptyLayerCause::InvalidMetadataAction { cause }
                | EmptyLayerCause::RestoredLayerAction { cause },
        } => GoLayerState::Empty(cause.clone()),
    };
    Ok((layer, state))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn metadata(version: &str, sha: char) -> GoLayerMetadata {
        GoLayerMetadata {
            version: version.to_string(),
            os: "linux".to_string(),
            arch: "amd64".to_string(),
            sha256: sha.to_string().repeat(64),
        }
    }

    #[test]
    fn metadata_golden_toml() {
        assert_eq!(
            toml::to_string(&metadata("1.25.14", 'a')).unwrap(),
            format!(
                "version = \"1.25.14\"\nos = \"linux\"\narch = \"amd64\"\nsha256 = \"{}\"\n",
                "a".repeat(64)
            )
        );
    }

    #[test]
    fn restore_decisions() {
        let layer = tempfile::tempdir().unwrap();
        std::fs::create_dir(layer.path().join("bin")).unwrap();
        std::fs::write(layer.path().join("bin/go"), "").unwrap();
        let wanted = metadata("1.25.14", 'a');
        // (kept, cause)
        let decide = |cached: &GoLayerMetadata| {
            let (action, cause) = restore_decision(cached, &wanted, layer.path());
            (matches!(action, RestoredLayerAction::KeepLayer), cause)
        };
        assert_eq!(
            decide(&wanted),
            (true, "version and checksum unchanged".to_string())
        );
        assert_eq!(
            decide(&metadata("1.26.8", 'a')),
            (false, "version changed: 1.26.8 -> 1.25.14".to_string())
        );
        assert_eq!(
            decide(&metadata("1.25.14", 'b')),
            (
                false,
                "checksum changed (the buildpack's inventory has another zip for this version)"
                    .to_string()
            )
        );
        let mut arm = wanted.clone();
        arm.arch = "arm64".to_string();
        assert_eq!(
            decide(&arm).1,
            "platform changed: linux/arm64 -> linux/amd64"
        );
        std::fs::remove_file(layer.path().join("bin/go")).unwrap();
        assert_eq!(decide(&wanted).1, "the cached layer has no bin/go");
    }
}

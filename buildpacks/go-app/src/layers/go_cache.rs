//! The `go-cache` layer (cache only): `GOMODCACHE` (downloaded modules) and `GOCACHE` (compiled
//! packages), so that a rebuild downloads and compiles only what changed. Never in the image.
//!
//! The Go command keys both caches by content (module sums, toolchain, flags), so nothing in
//! them goes stale: the layer is kept unless its layout changes with a buildpack version.

use crate::GoAppBuildpack;
use crate::errors::GoAppError;
use libcnb::build::BuildContext;
use libcnb::data::layer_name;
use libcnb::layer::{
    CachedLayerDefinition, EmptyLayerCause, InvalidMetadataAction, LayerState, RestoredLayerAction,
};
use serde::{Deserialize, Deserializer, Serialize};
use std::path::{Path, PathBuf};

/// The layout of the layer (`mod/`, `build/`, `gopath/`).
const LAYOUT: u32 = 1;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct GoCacheLayerMetadata {
    #[serde(deserialize_with = "whole_number")]
    pub(crate) layout: u32,
}

/// A `u32` written as an integer or as a float with no fraction. The lifecycle keeps the
/// metadata of cached layers as JSON, where every number is a float: the `go-cache.toml` the
/// restorer writes back says `layout = 1.0` (seen with lifecycle 0.21 in the end-to-end tests).
fn whole_number<'de, D: Deserializer<'de>>(deserializer: D) -> Result<u32, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Number {
        Integer(u32),
        Float(f64),
    }
    match Number::deserialize(deserializer)? {
        Number::Integer(number) => Ok(number),
        Number::Float(number)
            if number.fract() == 0.0 && (0.0..=f64::from(u32::MAX)).contains(&number) =>
        {
            #[allow(
                clippy::cast_possible_truncation,
                clippy::cast_sign_loss,
                reason = "a whole number within u32's range"
            )]
            Ok(number as u32)
        }
        Number::Float(number) => Err(serde::de::Error::custom(format!(
            "{number} is not a whole number from 0 to {}",
            u32::MAX
        ))),
    }
}

/// The cache directories, and whether they come from a previous build.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct GoCaches {
    pub(crate) gomodcache: PathBuf,
    pub(crate) gocache: PathBuf,
    pub(crate) gopath: PathBuf,
    /// Why the caches are reused, or why they start empty.
    pub(crate) reused: bool,
    pub(crate) cause: String,
}

impl GoCaches {
    pub(crate) fn in_layer(layer: &Path, reused: bool, cause: String) -> Self {
        Self {
            gomodcache: layer.join("mod"),
            gocache: layer.join("build"),
            gopath: layer.join("gopath"),
            reused,
            cause,
        }
    }
}

fn restore_decision(cached: &GoCacheLayerMetadata) -> (RestoredLayerAction, String) {
    if cached.layout == LAYOUT {
        (
            RestoredLayerAction::KeepLayer,
            "from the previous build".to_string(),
        )
    } else {
        (
            RestoredLayerAction::DeleteLayer,
            format!("layout changed: {} -> {LAYOUT}", cached.layout),
        )
    }
}

/// Opens (or creates) the cache layer.
pub(crate) fn handle_go_cache_layer(
    context: &BuildContext<GoAppBuildpack>,
) -> libcnb::Result<GoCaches, GoAppError> {
    let layer = context.cached_layer(
        layer_name!("go-cache"),
        CachedLayerDefinition {
            build: false,
            launch: false,
            invalid_metadata_action: &|_| {
                (
                    InvalidMetadataAction::DeleteLayer,
                    "unknown cache layout".to_string(),
                )
            },
            restored_layer_action: &|cached: &GoCacheLayerMetadata, _: &Path| {
                restore_decision(cached)
            },
        },
    )?;
    let (reused, cause) = match &layer.state {
        LayerState::Restored { cause } => (true, cause.clone()),
        LayerState::Empty {
            cause: EmptyLayerCause::NewlyCreated,
        } => (false, "first build".to_string()),
        LayerState::Empty {
            cause:
                EmptyLayerCause::InvalidMetadataAction { cause }
                | EmptyLayerCause::RestoredLayerAction { cause },
        } => (false, cause.clone()),
    };
    layer.write_metadata(GoCacheLayerMetadata { layout: LAYOUT })?;
    Ok(GoCaches::in_layer(&layer.path(), reused, cause))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metadata_golden_toml_and_decisions() {
        assert_eq!(
            toml::to_string(&GoCacheLayerMetadata { layout: LAYOUT }).unwrap(),
            "layout = 1\n"
        );
        let decide = |layout| {
            let (action, cause) = restore_decision(&GoCacheLayerMetadata { layout });
            (matches!(action, RestoredLayerAction::KeepLayer), cause)
        };
        assert_eq!(decide(1), (true, "from the previous build".to_string()));
        assert_eq!(decide(0), (false, "layout changed: 0 -> 1".to_string()));
        let caches = GoCaches::in_layer(Path::new("/l/go-cache"), true, String::new());
        assert_eq!(caches.gocache, Path::new("/l/go-cache/build"));
    }

    #[test]
    fn metadata_restored_from_the_lifecycle_cache_has_float_numbers() {
        let read = |text| toml::from_str::<GoCacheLayerMetadata>(text).map(|m| m.layout);
        assert_eq!(read("layout = 1.0\n").unwrap(), 1);
        assert_eq!(read("layout = 1\n").unwrap(), 1);
        for bad in [
            "layout = 1.5\n",
            "layout = -1.0\n",
            "layout = 5e9\n",
            "layout = \"1\"\n",
        ] {
            assert!(read(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn cache_dirs() {
        let caches = GoCaches::in_layer(Path::new("/l/go-cache"), true, String::new());
        assert_eq!(caches.gomodcache, Path::new("/l/go-cache/mod"));
        assert_eq!(caches.gocache, Path::new("/l/go-cache/build"));
    }
}

//! The OCI documents, in the `oci-spec` crate's types (the vocabulary the registry client's
//! `oci-client` is built on): media types, content descriptors, platforms, image manifests and
//! indexes. Here are the rules the packager reads them by, each once: which index entry serves a
//! platform, the layer media types it takes (Docker's normalized to OCI's), the layers'
//! `rootfs.diff_ids`, and what an image config must be (its descriptor's media type, its
//! `history`).

use anyhow::{Context, bail};
pub use oci_spec::image::{
    ANNOTATION_REF_NAME as REF_NAME_ANNOTATION, Arch, Descriptor, ImageIndex, ImageManifest,
    MediaType, Os, Platform,
};
use untrusted_input::{bounded, quoted};

const DOCKER_MEDIA_TYPE_MANIFEST: &str = "application/vnd.docker.distribution.manifest.v2+json";
const DOCKER_MEDIA_TYPE_MANIFEST_LIST: &str =
    "application/vnd.docker.distribution.manifest.list.v2+json";
const DOCKER_MEDIA_TYPE_LAYER_GZIP: &str = "application/vnd.docker.image.rootfs.diff.tar.gzip";
const DOCKER_MEDIA_TYPE_LAYER_TAR: &str = "application/vnd.docker.image.rootfs.diff.tar";
const DOCKER_MEDIA_TYPE_CONFIG: &str = "application/vnd.docker.container.image.v1+json";

/// The manifest media types read, OCI's and Docker's (`Accept` of a manifest request).
pub const MANIFEST_MEDIA_TYPES: [&str; 4] = [
    "application/vnd.oci.image.index.v1+json",
    "application/vnd.oci.image.manifest.v1+json",
    DOCKER_MEDIA_TYPE_MANIFEST_LIST,
    DOCKER_MEDIA_TYPE_MANIFEST,
];

/// Whether `media_type` is an index (OCI's, or Docker's manifest list).
#[must_use]
pub fn is_index(media_type: &MediaType) -> bool {
    *media_type == MediaType::ImageIndex
        || matches!(media_type, MediaType::Other(other) if other == DOCKER_MEDIA_TYPE_MANIFEST_LIST)
}

/// Whether `media_type` is an image manifest (OCI's or Docker's).
#[must_use]
pub fn is_image_manifest(media_type: &MediaType) -> bool {
    *media_type == MediaType::ImageManifest
        || matches!(media_type, MediaType::Other(other) if other == DOCKER_MEDIA_TYPE_MANIFEST)
}

/// Whether `media_type` is an image config's (OCI's or Docker's).
#[must_use]
pub fn is_image_config(media_type: &MediaType) -> bool {
    *media_type == MediaType::ImageConfig
        || matches!(media_type, MediaType::Other(other) if other == DOCKER_MEDIA_TYPE_CONFIG)
}

/// The OCI media type of a layer the packager takes: tar or gzip, OCI's or Docker's (which is
/// normalized to OCI's); `None` for any other (zstd, foreign layers, ...).
#[must_use]
pub fn layer_media_type(media_type: &MediaType) -> Option<MediaType> {
    match media_type {
        MediaType::ImageLayerGzip => Some(MediaType::ImageLayerGzip),
        MediaType::ImageLayer => Some(MediaType::ImageLayer),
        MediaType::Other(other) if other == DOCKER_MEDIA_TYPE_LAYER_GZIP => {
            Some(MediaType::ImageLayerGzip)
        }
        MediaType::Other(other) if other == DOCKER_MEDIA_TYPE_LAYER_TAR => {
            Some(MediaType::ImageLayer)
        }
        _ => None,
    }
}

/// The platform `os/architecture[/variant]`.
#[must_use]
pub fn platform(os: &str, architecture: &str, variant: Option<&str>) -> Platform {
    let mut platform = Platform::default();
    platform.set_os(Os::from(os));
    platform.set_architecture(Arch::from(architecture));
    platform.set_variant(variant.map(str::to_string));
    platform
}

/// `os/architecture[/variant]`.
#[must_use]
pub fn platform_name(platform: &Platform) -> String {
    match platform.variant() {
        Some(variant) => format!("{}/{}/{variant}", platform.os(), platform.architecture()),
        None => format!("{}/{}", platform.os(), platform.architecture()),
    }
}

/// The index entry for `platform`: the same OS and architecture, and variant when `platform`
/// names one (an entry without a variant matches too).
#[must_use]
pub fn choose_manifest<'a>(
    entries: &'a [Descriptor],
    platform: &Platform,
) -> Option<&'a Descriptor> {
    entries.iter().find(|entry| {
        entry.platform().as_ref().is_some_and(|p| {
            p.os() == platform.os()
                && p.architecture() == platform.architecture()
                && platform
                    .variant()
                    .as_ref()
                    .is_none_or(|variant| p.variant().as_ref().is_none_or(|v| v == variant))
        })
    })
}

/// The config's `rootfs.diff_ids`, in order (none when missing).
#[must_use]
pub fn diff_ids(config: &serde_json::Value) -> Vec<&str> {
    config
        .pointer("/rootfs/diff_ids")
        .and_then(serde_json::Value::as_array)
        .map(|ids| ids.iter().filter_map(serde_json::Value::as_str).collect())
        .unwrap_or_default()
}

/// The layers of `manifest`, each with its OCI media type ([`layer_media_type`]) and its diff
/// id from `config`, once the config is checked ([`check_image_config`]).
///
/// # Errors
/// If the config is not an image config, does not list one diff id per layer, or a layer's
/// media type is not taken.
pub fn image_layers(
    manifest: &ImageManifest,
    config: &serde_json::Value,
) -> anyhow::Result<Vec<(Descriptor, String)>> {
    check_image_config(manifest, config)?;
    let diff_ids = diff_ids(config);
    if diff_ids.len() != manifest.layers().len() {
        bail!(
            "the image config lists {} diff ids for {} layers",
            diff_ids.len(),
            manifest.layers().len()
        );
    }
    manifest
        .layers()
        .iter()
        .zip(diff_ids)
        .map(|(layer, diff_id)| {
            let Some(media_type) = layer_media_type(layer.media_type()) else {
                bail!(
                    "layer {} has the unsupported media type {}",
                    layer.digest(),
                    quoted(layer.media_type().as_ref())
                );
            };
            let mut layer = layer.clone();
            layer.set_media_type(media_type);
            Ok((layer, diff_id.to_string()))
        })
        .collect()
}

/// What an image's config must be, as the images pack reads (go-containerregistry's
/// `ConfigFile`): the manifest's config descriptor an image config's (OCI's or Docker's media
/// type: a manifest's, an index's or an artifact's is not one), and `history`, when present, an
/// array of objects (Go refuses the whole config for a string, number, boolean or array entry
/// and reads `null` as an empty one; the packager, which appends its own entries to the build
/// image's, takes objects only).
///
/// # Errors
/// Naming the config's digest and what is wrong: its media type (quoted, bounded); of a history
/// entry, its index and kind.
pub fn check_image_config(
    manifest: &ImageManifest,
    config: &serde_json::Value,
) -> anyhow::Result<()> {
    let descriptor = manifest.config();
    if !is_image_config(descriptor.media_type()) {
        bail!(
            "the config {} has the media type {}, not an image config's ({} or Docker's {})",
            descriptor.digest(),
            quoted(descriptor.media_type().as_ref()),
            MediaType::ImageConfig,
            DOCKER_MEDIA_TYPE_CONFIG
        );
    }
    match config.get("history") {
        None | Some(serde_json::Value::Null) => {}
        Some(serde_json::Value::Array(entries)) => {
            if let Some((index, entry)) = entries
                .iter()
                .enumerate()
                .find(|(_, entry)| !entry.is_object())
            {
                bail!(
                    "the image config {} has {} as history[{index}]: a history entry is an object",
                    descriptor.digest(),
                    json_kind(entry)
                );
            }
        }
        Some(other) => bail!(
            "the image config {} has {} as its history: it is an array of objects",
            descriptor.digest(),
            json_kind(other)
        ),
    }
    Ok(())
}

/// What a JSON value is, to name it without quoting it.
fn json_kind(value: &serde_json::Value) -> &'static str {
    match value {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "a boolean",
        serde_json::Value::Number(_) => "a number",
        serde_json::Value::String(_) => "a string",
        serde_json::Value::Array(_) => "an array",
        serde_json::Value::Object(_) => "an object",
    }
}

/// The most read of an `index.json`, an image index or a manifest from a layout or a `.cnb`
/// file: 4 MiB, the cap the distribution spec lets registries enforce (the packager's registry
/// client reads them with the same).
pub const MAX_MANIFEST_SIZE: u64 = 4 << 20;

/// The most read of an image config from a layout or a `.cnb` file: 16 MiB (as from a
/// registry).
pub const MAX_CONFIG_SIZE: u64 = 16 << 20;

/// The tags shown in a message about an index: at most eight, each quoted bounded.
fn shown_tags(tags: &[String]) -> String {
    const SHOWN: usize = 8;
    if tags.is_empty() {
        return "none".to_string();
    }
    let mut shown: Vec<String> = tags.iter().take(SHOWN).map(|tag| bounded(tag)).collect();
    if tags.len() > SHOWN {
        shown.push(format!("{} more", tags.len() - SHOWN));
    }
    shown.join(", ")
}

pub(crate) fn select_manifest(
    entries: &[Descriptor],
    tag: Option<&str>,
) -> anyhow::Result<Descriptor> {
    let tag_of = |entry: &Descriptor| {
        entry
            .annotations()
            .as_ref()
            .and_then(|annotations| annotations.get(REF_NAME_ANNOTATION).cloned())
    };
    let tags = || entries.iter().filter_map(tag_of).collect::<Vec<_>>();
    match tag {
        Some(tag) => entries
            .iter()
            .find(|entry| tag_of(entry).as_deref() == Some(tag))
            .cloned()
            .with_context(|| {
                format!(
                    "no image tagged {} (tags: {})",
                    quoted(tag),
                    shown_tags(&tags())
                )
            }),
        None => match entries {
            [only] => Ok(only.clone()),
            [] => bail!("the layout holds no image"),
            several => bail!(
                "the layout holds {} images: name one with <dir>:<tag> (tags: {})",
                several.len(),
                shown_tags(&tags())
            ),
        },
    }
}

/// A document read from a layout: `bytes` of the blob `digest` must match it, and parse as `T`
/// (the parser's message quoted bounded: it may hold a value of the document).
fn parse_checked<T: serde::de::DeserializeOwned>(
    bytes: &[u8],
    digest: &str,
    what: &str,
) -> anyhow::Result<T> {
    let actual = crate::sha256_digest(bytes);
    if actual != digest {
        bail!("the {what} {digest} does not match its digest: its bytes are {actual}");
    }
    serde_json::from_slice(bytes)
        .map_err(|error| anyhow::anyhow!("invalid {what} {digest}: {}", quoted(&error.to_string())))
}

/// Reads a manifest (following an index to its linux/amd64 entry, else its first) and its
/// config, each checked against its digest and read with `read_blob(digest, cap)` (caps:
/// [`MAX_MANIFEST_SIZE`], [`MAX_CONFIG_SIZE`]); returns the config and the layers
/// ([`image_layers`]).
pub(crate) fn load_manifest(
    entry: &Descriptor,
    read_blob: &dyn Fn(&str, u64) -> anyhow::Result<Vec<u8>>,
) -> anyhow::Result<(serde_json::Value, Vec<(Descriptor, String)>)> {
    let digest = entry.digest().to_string();
    if is_index(entry.media_type()) {
        let bytes = read_blob(&digest, MAX_MANIFEST_SIZE)?;
        let index: ImageIndex = parse_checked(&bytes, &digest, "image index")?;
        let chosen = choose_manifest(index.manifests(), &platform("linux", "amd64", None))
            .or_else(|| index.manifests().first())
            .context("an empty image index")?;
        // A digest cannot name a document holding itself: the chain ends.
        return load_manifest(chosen, read_blob);
    }
    if !is_image_manifest(entry.media_type()) {
        bail!(
            "unsupported manifest media type {}",
            quoted(entry.media_type().as_ref())
        );
    }
    let bytes = read_blob(&digest, MAX_MANIFEST_SIZE)?;
    let manifest: ImageManifest = parse_checked(&bytes, &digest, "manifest")?;
    let config_digest = manifest.config().digest().to_string();
    let config_bytes = read_blob(&config_digest, MAX_CONFIG_SIZE)?;
    let config: serde_json::Value = parse_checked(&config_bytes, &config_digest, "image config")?;
    let layers = image_layers(&manifest, &config)?;
    Ok((config, layers))
}

//! OCI images without a daemon: layers as normalized tar archives, gzip with a fixed header,
//! SHA-256 digests, image configs, manifests, `index.json`, OCI image layout directories and
//! `.cnb` files (an OCI image layout in an uncompressed tar), written and read.
//!
//! Everything written here is reproducible: tar headers carry uid/gid (0 unless a layer asks for
//! an owner), no user or group names and the mtime 1980-01-01T00:00:01Z; entries come in the
//! order they are added (directory walks are sorted); gzip has no name and mtime 0 and a fixed
//! compression level; JSON documents are serialized from ordered structures.
//!
//! - [`blob`](self::blob): SHA-256 digests and content-addressed blobs (in memory or in a file);
//! - [`manifest`](self::manifest): media types, descriptors, platforms, manifests and indexes
//!   (the `oci-spec` crate's types), and the rules they are read by;
//! - [`layer`](self::layer): normalized tar layers and gzip, and the check that a layer's bytes
//!   are compressed as its media type declares;
//! - [`image`](self::image): an image to write (config and layers) and an image read;
//! - [`index`](self::index): images of several platforms written as one image index;
//! - [`layout`](self::layout): OCI image layout directories and `.cnb` archives, written and read.

mod blob;
mod image;
mod index;
mod layer;
mod layout;
mod manifest;

pub use blob::{Blob, BlobData, check_file_digest, digest_hex, sha256_digest};
pub use image::{Image, LoadedImage, WrittenImage};
pub use index::{IndexDocuments, PlatformImages};
pub use layer::{
    GZIP_LEVEL, LayerBlob, LayerBuilder, NORMALIZED_MTIME, NORMALIZED_TIME, Owner,
    check_layer_compression, gzip,
};
pub use layout::{MAX_ARCHIVE_SIZE, read_archive, read_layout, split_layout_reference};
pub use manifest::{
    Arch, Descriptor, ImageIndex, ImageManifest, MANIFEST_MEDIA_TYPES, MAX_CONFIG_SIZE,
    MAX_MANIFEST_SIZE, MediaType, Os, Platform, REF_NAME_ANNOTATION, check_image_config,
    choose_manifest, diff_ids, image_layers, is_image_config, is_image_manifest, is_index,
    layer_media_type, platform, platform_name,
};

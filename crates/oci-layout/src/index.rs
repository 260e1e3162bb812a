//! Images of several platforms as one image index ([`PlatformImages`]): what `pack builder
//! create --publish` pushes for a definition with several targets, and what an OCI layout
//! holds for it under one tag.

use crate::image::{layout_index, sorted_unique};
use crate::layout::write_layout_files;
use crate::{Blob, Descriptor, Image, MediaType, Platform, platform_name};
use anyhow::bail;
use oci_spec::image::ImageIndexBuilder;

/// One image per platform, to write as an image index whose entries are their manifests (in
/// this order), each with its platform.
#[derive(Debug, Clone)]
pub struct PlatformImages {
    pub images: Vec<(Platform, Image)>,
}

/// The documents of [`PlatformImages`].
#[derive(Debug, Clone)]
pub struct IndexDocuments {
    /// Each image's config and manifest, in the order of the images.
    pub images: Vec<(Blob, Blob)>,
    /// The image index (`application/vnd.oci.image.index.v1+json`).
    pub index: Blob,
}

impl PlatformImages {
    /// Every image's config and manifest, and the index listing the manifests with their
    /// platforms.
    ///
    /// # Errors
    /// If there is no image, two of the same platform, or an image's config does not list its
    /// layers.
    pub fn documents(&self) -> anyhow::Result<IndexDocuments> {
        if self.images.is_empty() {
            bail!("an image index needs at least one image");
        }
        let mut images = Vec::new();
        let mut entries = Vec::new();
        for (index, (platform, image)) in self.images.iter().enumerate() {
            if self.images[..index]
                .iter()
                .any(|(other, _)| other == platform)
            {
                bail!("an image index lists {} twice", platform_name(platform));
            }
            let (config, manifest) = image.config_and_manifest()?;
            let mut entry = manifest.descriptor()?;
            entry.set_platform(Some(platform.clone()));
            entries.push(entry);
            images.push((config, manifest));
        }
        let index = ImageIndexBuilder::default()
            .schema_version(2_u32)
            .media_type(MediaType::ImageIndex)
            .manifests(entries)
            .build()?;
        Ok(IndexDocuments {
            images,
            index: Blob::memory(MediaType::ImageIndex, serde_json::to_vec(&index)?),
        })
    }

    /// Every blob: the layers, configs and manifests of every image, and the index; sorted by
    /// digest, each once (layers the platforms share are one blob).
    #[must_use]
    pub fn all_blobs<'a>(&'a self, documents: &'a IndexDocuments) -> Vec<&'a Blob> {
        let mut blobs: Vec<&Blob> = self
            .images
            .iter()
            .flat_map(|(_, image)| image.layers.iter().map(|layer| &layer.blob))
            .collect();
        for (config, manifest) in &documents.images {
            blobs.push(config);
            blobs.push(manifest);
        }
        blobs.push(&documents.index);
        sorted_unique(blobs)
    }

    /// Writes the index tagged `tag` into the OCI image layout directory `dir` (its blobs,
    /// then `index.json` with one entry, the index, annotated with the tag), as
    /// [`Image::write_layout`] writes an image; returns the index's descriptor.
    ///
    /// # Errors
    /// As [`Image::write_layout`] and [`PlatformImages::documents`].
    pub fn write_layout(&self, dir: &std::path::Path, tag: &str) -> anyhow::Result<Descriptor> {
        let documents = self.documents()?;
        let index_json = layout_index(&documents.index, None, tag)?;
        write_layout_files(dir, tag, &self.all_blobs(&documents), &index_json)?;
        documents.index.descriptor()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{LayerBuilder, Owner, platform, read_layout};

    /// A layer of one file.
    fn layer_of(path: &str, content: &[u8]) -> crate::LayerBlob {
        let mut layer = LayerBuilder::new();
        layer.file(path, 0o644, Owner::ROOT, content).unwrap();
        layer.into_layer().unwrap()
    }

    fn image(arch: &str, content: &[u8], shared: &crate::LayerBlob) -> Image {
        let layer = layer_of("/arch", content);
        Image {
            config: serde_json::json!({
                "architecture": arch,
                "os": "linux",
                "rootfs": {"type": "layers", "diff_ids": [shared.diff_id, layer.diff_id]},
            }),
            layers: vec![shared.clone(), layer],
        }
    }

    /// The layout's `index.json` names the index by its tag; the index lists each platform's
    /// manifest with its platform; a layer both share is written once; each platform reads
    /// back as its own image.
    #[test]
    fn an_index_of_two_platforms_is_written_into_a_layout() {
        let shared = layer_of("/shared", b"both");
        let images = PlatformImages {
            images: vec![
                (
                    platform("linux", "amd64", None),
                    image("amd64", b"x86", &shared),
                ),
                (
                    platform("linux", "arm64", Some("v8")),
                    image("arm64", b"arm", &shared),
                ),
            ],
        };
        let dir = tempfile::tempdir().unwrap();
        let layout = dir.path().join("layout");
        let descriptor = images.write_layout(&layout, "v1").unwrap();
        assert_eq!(*descriptor.media_type(), MediaType::ImageIndex);

        let index_json: serde_json::Value =
            serde_json::from_slice(&std::fs::read(layout.join("index.json")).unwrap()).unwrap();
        assert_eq!(
            index_json["manifests"],
            serde_json::json!([{
                "mediaType": "application/vnd.oci.image.index.v1+json",
                "digest": descriptor.digest().to_string(),
                "size": descriptor.size(),
                "annotations": {"org.opencontainers.image.ref.name": "v1"},
            }])
        );
        let blob =
            |digest: &str| std::fs::read(layout.join("blobs/sha256").join(&digest[7..])).unwrap();
        let index: serde_json::Value =
            serde_json::from_slice(&blob(descriptor.digest().as_ref())).unwrap();
        let documents = images.documents().unwrap();
        let platforms: Vec<(&str, &serde_json::Value)> = index["manifests"]
            .as_array()
            .unwrap()
            .iter()
            .map(|entry| (entry["digest"].as_str().unwrap(), &entry["platform"]))
            .collect();
        assert_eq!(
            platforms,
            [
                (
                    documents.images[0].1.digest.as_str(),
                    &serde_json::json!({"architecture": "amd64", "os": "linux"})
                ),
                (
                    documents.images[1].1.digest.as_str(),
                    &serde_json::json!({"architecture": "arm64", "os": "linux", "variant": "v8"})
                ),
            ]
        );
        // Two layers of each platform, one shared: 3 layers, 2 configs, 2 manifests, 1 index.
        assert_eq!(
            std::fs::read_dir(layout.join("blobs/sha256"))
                .unwrap()
                .count(),
            8
        );
        // A layout's index is read as its linux/amd64 image.
        let read = read_layout(&layout, Some("v1")).unwrap();
        assert_eq!(read.config["architecture"], "amd64");
    }

    #[test]
    fn an_index_needs_images_each_of_its_own_platform() {
        let empty = PlatformImages { images: Vec::new() };
        assert_eq!(
            empty.documents().unwrap_err().to_string(),
            "an image index needs at least one image"
        );
        let shared = layer_of("/a", b"");
        let twice = PlatformImages {
            images: vec![
                (
                    platform("linux", "arm64", None),
                    image("arm64", b"1", &shared),
                ),
                (
                    platform("linux", "arm64", None),
                    image("arm64", b"2", &shared),
                ),
            ],
        };
        assert_eq!(
            twice.documents().unwrap_err().to_string(),
            "an image index lists linux/arm64 twice"
        );
    }
}

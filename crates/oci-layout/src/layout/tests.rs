//! The layout writer and readers: tags added to existing layouts, blobs copied and checked,
//! layouts and archives read bounded.

use super::*;

#[test]
fn layout_reference() {
    assert_eq!(
        split_layout_reference("/no/such/dir:v1"),
        (PathBuf::from("/no/such/dir"), Some("v1".to_string()))
    );
    assert_eq!(
        split_layout_reference("/no/such/dir"),
        (PathBuf::from("/no/such/dir"), None)
    );
    assert_eq!(
        split_layout_reference("/no/such:dir/x"),
        (PathBuf::from("/no/such:dir/x"), None)
    );
}

/// A scratch directory, and where a layout goes in it (`<dir>/layout`, not yet written).
fn scratch_layout() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let layout = dir.path().join("layout");
    (dir, layout)
}

/// A linux/amd64 image of one layer holding the file `path` with `contents`.
fn image_of_one_file(path: &str, contents: &[u8]) -> Image {
    let mut layer = LayerBuilder::new();
    layer.file(path, 0o644, Owner::ROOT, contents).unwrap();
    let layer = layer.into_layer().unwrap();
    Image {
        config: serde_json::json!({
            "architecture": "amd64",
            "os": "linux",
            "rootfs": {"type": "layers", "diff_ids": [layer.diff_id]},
        }),
        layers: vec![layer],
    }
}

/// The image most tests write: `/hello`, with labels and an environment.
fn one_layer_image() -> Image {
    let mut image = image_of_one_file("/hello", b"hello");
    image.config["config"] =
        serde_json::json!({"Labels": {"a": "b"}, "Env": ["CNB_USER_ID=1002", "X=a=b"]});
    image
}

#[test]
fn archives_are_read_bounded() {
    let dir = tempfile::tempdir().unwrap();
    let archive = dir.path().join("x.cnb");
    one_layer_image().write_archive(&archive, "v1").unwrap();
    let size = fs::metadata(&archive).unwrap().len();
    assert!(read_archive_within(&archive, None, size).is_ok());
    let message = read_archive_within(&archive, None, size - 1)
        .unwrap_err()
        .to_string();
    assert_eq!(
        message,
        format!(
            "{} is larger than {} bytes, the most read from it",
            archive.display(),
            size - 1
        )
    );
}

/// Writes `image` as a layout in `dir` and edits its manifest and config documents there
/// (their blobs and the index rewritten to match); returns the config's digest.
fn edited_layout(
    image: &Image,
    dir: &Path,
    edit: impl FnOnce(&mut serde_json::Value, &mut serde_json::Value),
) -> String {
    image.write_layout(dir, "v1").unwrap();
    let blob = |digest: &str| dir.join("blobs/sha256").join(digest_hex(digest).unwrap());
    let write = |bytes: Vec<u8>| {
        let digest = sha256_digest(&bytes);
        fs::write(blob(&digest), &bytes).unwrap();
        (digest, bytes.len())
    };
    let read = |digest: &str| -> serde_json::Value {
        serde_json::from_slice(&fs::read(blob(digest)).unwrap()).unwrap()
    };
    let mut index = read_json(&dir.join("index.json"));
    let mut manifest = read(index["manifests"][0]["digest"].as_str().unwrap());
    let mut config = read(manifest["config"]["digest"].as_str().unwrap());
    edit(&mut manifest, &mut config);
    let (config_digest, size) = write(serde_json::to_vec(&config).unwrap());
    manifest["config"]["digest"] = config_digest.clone().into();
    manifest["config"]["size"] = size.into();
    let (digest, size) = write(serde_json::to_vec(&manifest).unwrap());
    index["manifests"][0]["digest"] = digest.into();
    index["manifests"][0]["size"] = size.into();
    fs::write(dir.join("index.json"), serde_json::to_vec(&index).unwrap()).unwrap();
    config_digest
}

fn read_json(path: &Path) -> serde_json::Value {
    serde_json::from_slice(&fs::read(path).unwrap()).unwrap()
}

/// A layer declared uncompressed whose bytes are gzip (or the other way round) is refused
/// when read, naming the layer and what it is declared and is; zstd bytes are named too.
#[test]
fn layers_must_be_compressed_as_declared() {
    let image = one_layer_image();
    let digest = image.layers[0].blob.digest.clone();
    let (dir, layout) = scratch_layout();
    edited_layout(&image, &layout, |manifest, _| {
        manifest["layers"][0]["mediaType"] = "application/vnd.oci.image.layer.v1.tar".into();
    });
    assert_eq!(
        read_layout(&layout, None).unwrap_err().to_string(),
        format!("the layer {digest} is declared an uncompressed tar but its bytes are gzip")
    );
    // Docker's media type for an uncompressed layer: the same.
    edited_layout(&image, &layout, |manifest, _| {
        manifest["layers"][0]["mediaType"] = "application/vnd.docker.image.rootfs.diff.tar".into();
    });
    assert_eq!(
        read_layout(&layout, None).unwrap_err().to_string(),
        format!("the layer {digest} is declared an uncompressed tar but its bytes are gzip")
    );

    // In a .cnb file: the file is named.
    let mut tar_layer = image.layers[0].clone();
    let tar_bytes = b"not compressed at all".to_vec();
    tar_layer.blob = Blob::memory(MediaType::ImageLayerGzip, tar_bytes);
    let archive = dir.path().join("x.cnb");
    let mislabelled = Image {
        config: serde_json::json!({
            "rootfs": {"type": "layers", "diff_ids": [tar_layer.diff_id]},
        }),
        layers: vec![tar_layer.clone()],
    };
    mislabelled.write_archive(&archive, "v1").unwrap();
    assert_eq!(
        format!("{:#}", read_archive(&archive, None).unwrap_err()),
        format!(
            "in {}: the layer {} is declared a gzip tar but its bytes are not compressed",
            archive.display(),
            tar_layer.blob.digest
        )
    );

    let zstd = Blob::memory(
        MediaType::ImageLayer,
        [0x28, 0xb5, 0x2f, 0xfd, 0, 0].to_vec(),
    );
    assert_eq!(
        check_layer_compression(&zstd).unwrap_err().to_string(),
        format!(
            "the layer {} is declared an uncompressed tar but its bytes are zstd",
            zstd.digest
        )
    );
    // What is declared and is passes; other media types are not looked at here.
    assert!(check_layer_compression(&image.layers[0].blob).is_ok());
    let tar = Blob::memory(MediaType::ImageLayer, vec![0; 1024]);
    assert!(check_layer_compression(&tar).is_ok());
    assert!(check_layer_compression(&Blob::memory(MediaType::ImageConfig, b"{}".to_vec())).is_ok());
}

/// The config descriptor of a manifest must be an image config's: a manifest's (or an
/// artifact's) media type is refused, naming the config and the media type, quoted.
#[test]
fn the_config_must_be_an_image_config() {
    let image = one_layer_image();
    let (_dir, layout) = scratch_layout();
    for (media_type, shown) in [
        (
            "application/vnd.oci.image.manifest.v1+json".to_string(),
            "\"application/vnd.oci.image.manifest.v1+json\"".to_string(),
        ),
        (
            "x".repeat(10_000),
            format!("\"{}\"… (cut, 10000 bytes in all)", "x".repeat(64)),
        ),
    ] {
        let config = edited_layout(&image, &layout, |manifest, _| {
            manifest["config"]["mediaType"] = media_type.clone().into();
        });
        assert_eq!(
            read_layout(&layout, None).unwrap_err().to_string(),
            format!(
                "the config {config} has the media type {shown}, not an image config's \
                 (application/vnd.oci.image.config.v1+json or Docker's \
                 application/vnd.docker.container.image.v1+json)"
            )
        );
    }
    edited_layout(&image, &layout, |manifest, _| {
        manifest["config"]["mediaType"] = "application/vnd.docker.container.image.v1+json".into();
    });
    assert!(read_layout(&layout, None).is_ok());
}

/// A history entry that is not an object is refused (Go's `ConfigFile`, which pack reads
/// images with, refuses the config for one too; a `null` entry, which Go reads as empty, is
/// refused here as well), naming its index and kind, never its value; so is a history that
/// is not an array. Objects, an empty and a missing history pass.
#[test]
fn history_entries_must_be_objects() {
    let image = one_layer_image();
    let (_dir, layout) = scratch_layout();
    for (history, problem) in [
        (
            serde_json::json!([{"created_by": "a"}, "SECRET"]),
            "a string as history[1]: a history entry is an object",
        ),
        (
            serde_json::json!([7]),
            "a number as history[0]: a history entry is an object",
        ),
        (
            serde_json::json!([{}, {}, null]),
            "null as history[2]: a history entry is an object",
        ),
        (
            serde_json::json!([[{}]]),
            "an array as history[0]: a history entry is an object",
        ),
        (
            serde_json::json!({"created_by": "a"}),
            "an object as its history: it is an array of objects",
        ),
    ] {
        let config = edited_layout(&image, &layout, |_, config| {
            config["history"] = history.clone();
        });
        assert_eq!(
            read_layout(&layout, None).unwrap_err().to_string(),
            format!("the image config {config} has {problem}"),
            "{history}"
        );
    }
    for history in [
        serde_json::json!([{"created_by": "a", "empty_layer": true}, {}]),
        serde_json::json!([]),
        serde_json::Value::Null,
    ] {
        edited_layout(&image, &layout, |_, config| {
            config["history"] = history.clone();
        });
        assert!(read_layout(&layout, None).is_ok(), "{history}");
    }
}

/// Another image, to tag beside [`one_layer_image`]'s.
fn other_image() -> Image {
    image_of_one_file("/other", b"other")
}

fn tags(layout: &Path) -> Vec<String> {
    read_json(&layout.join("index.json"))["manifests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|entry| {
            entry["annotations"][REF_NAME_ANNOTATION]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect()
}

/// Writing into an existing layout adds or replaces one tag: other tags, other files and
/// the index's own fields stay; nothing is deleted. A directory that is neither a layout
/// nor empty is refused, naming it, and left as it was.
#[test]
fn an_existing_layout_gets_one_tag_added_or_replaced() {
    let (dir, layout) = scratch_layout();
    let first = one_layer_image().write_layout(&layout, "v1").unwrap();
    fs::write(layout.join("README"), "mine").unwrap();
    let mut index = read_json(&layout.join("index.json"));
    index["annotations"] = serde_json::json!({"mine": "kept"});
    fs::write(layout.join("index.json"), index.to_string()).unwrap();

    let second = other_image().write_layout(&layout, "v2").unwrap();
    assert_eq!(tags(&layout), ["v1", "v2"]);
    // The digest of the layer of the image tagged `tag`.
    let layer_digest = |tag: &str| {
        read_layout(&layout, Some(tag)).unwrap().layers[0]
            .blob
            .digest
            .clone()
    };
    assert_eq!(layer_digest("v1"), one_layer_image().layers[0].blob.digest);
    assert_eq!(layer_digest("v2"), other_image().layers[0].blob.digest);
    assert_eq!(fs::read_to_string(layout.join("README")).unwrap(), "mine");
    assert_eq!(
        read_json(&layout.join("index.json"))["annotations"]["mine"],
        "kept"
    );

    // v1 replaced by the other image: one v1 entry, v2 kept, the first image's blobs too.
    other_image().write_layout(&layout, "v1").unwrap();
    assert_eq!(tags(&layout), ["v2", "v1"]);
    assert_eq!(layer_digest("v1"), other_image().layers[0].blob.digest);
    let blob = |digest: &str| {
        layout
            .join("blobs/sha256")
            .join(digest_hex(digest).unwrap())
    };
    assert!(blob(first.manifest.digest().as_ref()).is_file());
    assert!(blob(second.manifest.digest().as_ref()).is_file());

    let other = dir.path().join("other");
    fs::create_dir(&other).unwrap();
    fs::write(other.join("keep"), "").unwrap();
    assert_eq!(
        one_layer_image()
            .write_layout(&other, "v1")
            .unwrap_err()
            .to_string(),
        format!(
            "{} exists and is not an OCI image layout (no oci-layout file): choose another output or remove it",
            other.display()
        )
    );
    assert_eq!(fs::read_dir(&other).unwrap().count(), 1, "left as it was");
    // An empty directory is written into.
    let empty = dir.path().join("empty");
    fs::create_dir(&empty).unwrap();
    one_layer_image().write_layout(&empty, "v1").unwrap();
    assert_eq!(tags(&empty), ["v1"]);
}

/// Blobs are copied into a layout as files of mode 0644, never linked to their source (a
/// cache's file, mode 0600, that an edit of the layout must not reach); a source that does
/// not match its digest is refused and the layout keeps its previous state.
#[test]
fn blobs_are_copied_and_checked_against_their_digests() {
    use std::os::unix::fs::MetadataExt;
    let dir = tempfile::tempdir().unwrap();
    let mut image = one_layer_image();
    let layer = image.layers[0].blob.clone();
    let source = dir.path().join("cached");
    fs::write(&source, layer.bytes().unwrap()).unwrap();
    fs::set_permissions(&source, fs::Permissions::from_mode(0o600)).unwrap();
    image.layers[0].blob.data = BlobData::File(source.clone());
    let layout = dir.path().join("layout");
    image.write_layout(&layout, "v1").unwrap();
    let written = layout
        .join("blobs/sha256")
        .join(digest_hex(&layer.digest).unwrap());
    let metadata = fs::metadata(&written).unwrap();
    assert_eq!(metadata.mode() & 0o777, 0o644);
    assert_ne!(
        metadata.ino(),
        fs::metadata(&source).unwrap().ino(),
        "a copy"
    );
    assert_eq!(metadata.nlink(), 1);

    // An edit of the layout in place does not reach the source.
    let mut bytes = fs::read(&written).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 0xff;
    fs::write(&written, &bytes).unwrap();
    assert_eq!(fs::read(&source).unwrap(), *layer.bytes().unwrap());
    // Writing again repairs the layout's copy.
    image.write_layout(&layout, "v1").unwrap();
    assert_eq!(fs::read(&written).unwrap(), *layer.bytes().unwrap());

    // A source of the same size with other bytes: refused, the layout as it was.
    let index_before = fs::read(layout.join("index.json")).unwrap();
    fs::write(&source, &bytes).unwrap();
    let message = format!("{:#}", image.write_layout(&layout, "v2").unwrap_err());
    assert!(
        message.contains(&format!(
            "the blob {} ({}) does not match its digest",
            layer.digest,
            source.display()
        )),
        "{message}"
    );
    assert_eq!(fs::read(layout.join("index.json")).unwrap(), index_before);
    assert_eq!(tags(&layout), ["v1"]);
    assert!(read_layout(&layout, Some("v1")).is_ok());
    // Longer than its size: refused without reading it all.
    fs::write(&source, vec![0; 10_000]).unwrap();
    assert_eq!(
        format!("{:#}", image.layers[0].blob.bytes().unwrap_err()),
        format!(
            "the blob {} ({}) holds more than its {} bytes",
            layer.digest,
            source.display(),
            layer.size
        )
    );
}

fn mkfifo(path: &Path) {
    let status = std::process::Command::new("mkfifo").arg(path).status();
    assert!(status.unwrap().success(), "mkfifo {}", path.display());
}

/// What a layout holds is read as untrusted input: a FIFO or a device as index.json or as
/// a manifest is an error, not a wait; index.json over the cap is refused unread, and a
/// parser's message about one under it is quoted bounded; a manifest that does not match
/// its digest is refused.
#[test]
fn layouts_are_read_bounded() {
    let (_dir, layout) = scratch_layout();
    let written = one_layer_image().write_layout(&layout, "v1").unwrap();
    let index = layout.join("index.json");
    let good_index = fs::read(&index).unwrap();
    let message = |layout: &Path| format!("{:#}", read_layout(layout, None).unwrap_err());
    // A FIFO in place of the file `path` is refused, named; the FIFO is removed afterwards.
    let fifo_refused = |path: &Path| {
        fs::remove_file(path).unwrap();
        mkfifo(path);
        assert_eq!(
            message(&layout),
            format!("{} is a FIFO, not a regular file", path.display())
        );
        fs::remove_file(path).unwrap();
    };

    fifo_refused(&index);
    std::os::unix::fs::symlink("/dev/zero", &index).unwrap();
    assert_eq!(
        message(&layout),
        format!("{} is a device, not a regular file", index.display())
    );
    // Over the cap: refused, the message short.
    fs::remove_file(&index).unwrap();
    let huge = format!(
        r#"{{"schemaVersion":2,"manifests":"{}"}}"#,
        "\\u001b[2J".repeat(600_000)
    );
    fs::write(&index, &huge).unwrap();
    assert_eq!(
        message(&layout),
        format!(
            "{} is larger than {MAX_MANIFEST_SIZE} bytes, the most read from it",
            index.display()
        )
    );
    // Under it: the parser's message (which holds the string) quoted bounded, no escape
    // character in it.
    let huge = format!(
        r#"{{"schemaVersion":2,"manifests":"{}"}}"#,
        "\\u001b[2J".repeat(300_000)
    );
    fs::write(&index, &huge).unwrap();
    let text = message(&layout);
    assert!(text.len() < 1000, "{} bytes", text.len());
    assert!(!text.contains('\u{1b}'), "{text}");

    // The manifest as a FIFO; as other bytes than its digest's.
    fs::write(&index, &good_index).unwrap();
    let manifest = layout
        .join("blobs/sha256")
        .join(digest_hex(written.manifest.digest().as_ref()).unwrap());
    let manifest_bytes = fs::read(&manifest).unwrap();
    fifo_refused(&manifest);
    let mut edited = manifest_bytes.clone();
    edited.push(b' ');
    fs::write(&manifest, &edited).unwrap();
    assert_eq!(
        message(&layout),
        format!(
            "the manifest {} does not match its digest: its bytes are {}",
            written.manifest.digest(),
            sha256_digest(&edited)
        )
    );
    fs::write(&manifest, &manifest_bytes).unwrap();
    assert!(read_layout(&layout, None).is_ok());
}

#[test]
fn layouts_and_archives_round_trip() {
    let image = one_layer_image();
    let (dir, layout) = scratch_layout();
    let written = image.write_layout(&layout, "v1").unwrap();
    let read = read_layout(&layout, Some("v1")).unwrap();
    assert_eq!(read.label("a"), Some("b"));
    assert_eq!(read.env("CNB_USER_ID"), Some("1002"));
    assert_eq!(read.env("X"), Some("a=b"));
    assert_eq!(read.env("CNB_GROUP_ID"), None);
    assert_eq!(read.layers[0].diff_id, image.layers[0].diff_id);
    assert!(read_layout(&layout, Some("v2")).is_err());
    assert!(read_layout(&layout, None).is_ok());

    // Rewriting replaces the layout; a directory that is not a layout is left alone.
    image.write_layout(&layout, "v1").unwrap();
    let other = dir.path().join("other");
    fs::create_dir(&other).unwrap();
    fs::write(other.join("keep"), "").unwrap();
    assert!(image.write_layout(&other, "v1").is_err());
    assert!(other.join("keep").exists());

    let archive = dir.path().join("x.cnb");
    let in_archive = image.write_archive(&archive, "v1").unwrap();
    assert_eq!(in_archive.manifest, written.manifest);
    let first = fs::read(&archive).unwrap();
    image.write_archive(&archive, "v1").unwrap();
    assert_eq!(first, fs::read(&archive).unwrap(), "byte-identical");
    let read = read_archive(&archive, None).unwrap();
    assert_eq!(read.label("a"), Some("b"));
    assert_eq!(read.layers[0].blob.digest, image.layers[0].blob.digest);
}

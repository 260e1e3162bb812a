use super::*;
use crate::descriptor::MAX_DESCRIPTOR_SIZE;

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

#[test]
fn details_are_read_bounded() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("buildpack.toml");
    let header = "[buildpack]\nid = \"a\"\nversion = \"1.0.0\"\n";
    let padding = usize::try_from(MAX_DESCRIPTOR_SIZE).unwrap() + 1 - header.len();
    write(&path, &format!("{header}{}", "#".repeat(padding)));
    let message = format!("{:#}", ModuleDetails::read(dir.path()).unwrap_err());
    assert_eq!(
        message,
        format!(
            "{} is larger than 4194304 bytes, the most read from it",
            path.display()
        )
    );
    write(&path, header);
    assert_eq!(ModuleDetails::read(dir.path()).unwrap().info.id, "a");
}

#[test]
fn reads_details_from_a_descriptor() {
    let dir = tempfile::tempdir().unwrap();
    write(
        &dir.path().join("buildpack.toml"),
        r#"api = "0.10"
[buildpack]
id = "a/b"
version = "1.2.3"
name = "B"
homepage = "https://example.com"
keywords = ["x"]
[[buildpack.licenses]]
type = "Apache-2.0"
[[targets]]
os = "linux"
arch = "arm64"
arch-variant = "v8"
[[targets.distros]]
name = "rhel"
version = "8"
[metadata]
anything = 1
"#,
    );
    let details = ModuleDetails::read(dir.path()).unwrap();
    assert_eq!(details.kind, ModuleKind::Buildpack);
    assert_eq!(details.api, "0.10");
    assert_eq!(details.full_name(), "a/b@1.2.3");
    assert_eq!(details.image_path(), "/cnb/buildpacks/a_b/1.2.3");
    assert_eq!(details.targets[0].variant, "v8");
    assert_eq!(
        serde_json::to_string(&details.package_metadata()).unwrap(),
        r#"{"id":"a/b","name":"B","version":"1.2.3","homepage":"https://example.com","keywords":["x"],"licenses":[{"type":"Apache-2.0"}],"stacks":[{"id":"*"}]}"#
    );
    assert_eq!(
        serde_json::to_string(&details.layer_info("sha256:00")).unwrap(),
        r#"{"api":"0.10","targets":[{"os":"linux","arch":"arm64","variant":"v8","distros":[{"name":"rhel","version":"8"}]}],"layerDiffID":"sha256:00","name":"B"}"#
            .replace(r#","name":"B"}"#, r#","homepage":"https://example.com","name":"B"}"#)
    );
}

#[test]
fn writes_and_reads_a_buildpackage_reproducibly() {
    let dir = tempfile::tempdir().unwrap();
    let module = dir.path().join("module");
    write(
        &module.join("extension.toml"),
        "api = \"0.10\"\n[extension]\nid = \"x/ext\"\nversion = \"0.1.0\"\n",
    );
    write(&module.join("bin/generate"), "#!/bin/sh\n");
    std::os::unix::fs::symlink("generate", module.join("bin/detect")).unwrap();
    let first = write_buildpackage(&module, &dir.path().join("a.cnb")).unwrap();
    let second = write_buildpackage(&module, &dir.path().join("b.cnb")).unwrap();
    assert_eq!(
        std::fs::read(&first.path).unwrap(),
        std::fs::read(&second.path).unwrap()
    );
    let read = read_buildpackage(&first.path).unwrap();
    assert_eq!(read.details.kind, ModuleKind::Extension);
    assert_eq!(read.details.info.id, "x/ext");
    assert_eq!(read.layer.diff_id, first.layer.diff_id);
    assert_eq!(read.layer.blob.digest, first.layer.blob.digest);
}

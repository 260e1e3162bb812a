use super::*;

fn image(id: &str, version: &str, order_version: &str) -> LoadedImage {
    let layers = serde_json::json!({
        id: {version: {
            "api": "0.10",
            "layerDiffID": format!("sha256:{}", "a".repeat(64)),
            "order": [{"group": [{"id": "paketo-buildpacks/x", "version": order_version}]}]
        }}
    });
    let metadata = serde_json::json!({"id": id, "version": version});
    LoadedImage {
        config: serde_json::json!({"config": {"Labels": {
            METADATA_LABEL: metadata.to_string(),
            BUILDPACK_LAYERS_LABEL: layers.to_string(),
        }}}),
        layers: Vec::new(),
    }
}

/// Before: ids and versions of an image's labels were taken as they were, and a version
/// `../../x` went into a builder's `/cnb/order.toml` and named a module directory outside
/// `/cnb/buildpacks/<id>`. Now each is refused, naming the label, quoted.
#[test]
fn label_ids_and_versions_are_checked() {
    for (id, version, order_version, wanted) in [
        (
            "a/b",
            "../../x",
            "1.0.0",
            "the version \"../../x\" of \"a/b\" is refused",
        ),
        (
            "a/b",
            "..",
            "1.0.0",
            "the version \"..\" of \"a/b\" is refused",
        ),
        ("..", "1.0.0", "1.0.0", "the module id \"..\" is refused"),
        (
            "../../x",
            "1.0.0",
            "1.0.0",
            "the module id \"../../x\" is refused",
        ),
        (
            "a/b",
            "1.0\n",
            "1.0.0",
            "the version \"1.0\\n\" of \"a/b\" is refused",
        ),
        (
            "a\u{1b}[2J",
            "1.0.0",
            "1.0.0",
            "the module id \"a\\u{1b}[2J\" is refused",
        ),
        (
            "a/b",
            "1.0.0",
            "/",
            "the version \"/\" of \"paketo-buildpacks/x\" is refused",
        ),
    ] {
        let image = image(id, version, order_version);
        let message = format!("{:#}", modules_of_image(&image).unwrap_err());
        assert!(
            message.starts_with(&format!("label {BUILDPACK_LAYERS_LABEL}: {wanted}")),
            "{message}"
        );
        assert!(
            !message.contains('\u{1b}') && !message.contains('\n'),
            "{message:?}"
        );
        if order_version == "1.0.0" {
            let message = format!("{:#}", main_module_of_image(&image).unwrap_err());
            assert!(
                message.starts_with(&format!("label {METADATA_LABEL}: {wanted}")),
                "{message}"
            );
        }
    }
    let good = image("a/b", "1.0.0", "2.0.0");
    assert_eq!(main_module_of_image(&good).unwrap().id, "a/b");
    // Past the labels, the layer is looked for (and missing here).
    let message = format!("{:#}", modules_of_image(&good).unwrap_err());
    assert!(
        message.starts_with("a/b@1.0.0: no layer with diff id"),
        "{message}"
    );
}

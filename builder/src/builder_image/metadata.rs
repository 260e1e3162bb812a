//! The builder's metadata: its labels (`io.buildpacks.builder.metadata`, the orders, the
//! layers labels), `order.toml`, `stack.toml`, `run.toml`, `lifecycle.toml`, and the image
//! config that carries them.

use super::modules::BuilderModule;
use super::{
    BUILDER_METADATA_LABEL, BUILDPACK_APIS, ORDER_EXTENSIONS_LABEL, ORDER_LABEL, PLATFORM_APIS,
};
use crate::builder_toml::{CheckedBuilder, GroupEntry, OrderGroup};
use anyhow::Context;
use cnb_package::buildpackage::{
    BUILDPACK_LAYERS_LABEL, EXTENSION_LAYERS_LABEL, ModuleInfo, ModuleLayers, ModuleRef, OrderEntry,
};
use cnb_package::descriptor::ModuleKind;
use oci_layout::LayerBlob;
use serde::Serialize;

/// The APIs of lifecycle 0.21, as `lifecycle.toml` and the builder metadata list them.
const LIFECYCLE_APIS: LifecycleApis<'static> = LifecycleApis {
    buildpack: ApiVersions {
        deprecated: &[],
        supported: &BUILDPACK_APIS,
    },
    platform: ApiVersions {
        deprecated: &[],
        supported: &PLATFORM_APIS,
    },
};

/// Label names and values.
pub(super) type Labels = Vec<(&'static str, String)>;

/// The files after the modules (`/cnb/order.toml`, `/cnb/stack.toml`, `/cnb/run.toml`, each a
/// layer of its own) and the builder's labels.
pub(super) fn config_files_and_labels(
    checked: &CheckedBuilder,
    modules: &[BuilderModule],
    base: &oci_layout::LoadedImage,
    lifecycle_version: &str,
) -> anyhow::Result<(Vec<(&'static str, String)>, Labels)> {
    let mut buildpack_layers: ModuleLayers = label_json(base, BUILDPACK_LAYERS_LABEL)?;
    let mut extension_layers: ModuleLayers = label_json(base, EXTENSION_LAYERS_LABEL)?;
    for module in modules {
        let layers_label = match module.details.kind {
            ModuleKind::Buildpack => &mut buildpack_layers,
            ModuleKind::Extension => &mut extension_layers,
        };
        layers_label
            .entry(module.details.info.id.clone())
            .or_default()
            .insert(
                module.details.info.version.clone(),
                module.details.layer_info(&module.layer.diff_id),
            );
    }

    let mut files = Vec::new();
    let order = config_order(&checked.config.order);
    let order_extensions = config_order(&checked.config.order_extensions);
    files.push((
        "/cnb/order.toml",
        toml::to_string(&OrderToml {
            order: &resolve_order(&order, modules, ModuleKind::Buildpack),
            order_extensions: &resolve_order(&order_extensions, modules, ModuleKind::Extension),
        })?,
    ));
    let run_images: Vec<RunImageMetadata> = checked
        .run_images
        .iter()
        .map(|image| RunImageMetadata {
            image: image.image.clone(),
            mirrors: image.mirrors.clone(),
        })
        .collect();
    let default_run_image = run_images
        .first()
        .cloned()
        .context("a checked builder has a run image")?;
    files.push((
        "/cnb/stack.toml",
        toml::to_string(&StackToml {
            run_image: &default_run_image,
        })?,
    ));
    files.push((
        "/cnb/run.toml",
        toml::to_string(&RunToml {
            images: &run_images,
        })?,
    ));

    let metadata = BuilderMetadata {
        description: &checked.config.description,
        buildpacks: listed_modules(modules, ModuleKind::Buildpack),
        extensions: listed_modules(modules, ModuleKind::Extension),
        // pack's: with a `[stack] id`, the first run image (pack merges `[stack]` and
        // `[[run.images]]`), else an empty one.
        stack: StackMetadata {
            run_image: if checked
                .config
                .stack
                .id
                .as_deref()
                .is_some_and(|id| !id.is_empty())
            {
                default_run_image
            } else {
                RunImageMetadata {
                    image: String::new(),
                    mirrors: None,
                }
            },
        },
        lifecycle: LifecycleMetadata {
            version: lifecycle_version.to_string(),
            api: LifecycleApi {
                buildpack: BUILDPACK_APIS[0],
                platform: PLATFORM_APIS[0],
            },
            apis: LIFECYCLE_APIS,
        },
        created_by: CreatorMetadata {
            name: "packager",
            version: env!("CARGO_PKG_VERSION"),
        },
        images: run_images,
    };
    let labels = vec![
        (BUILDER_METADATA_LABEL, serde_json::to_string(&metadata)?),
        (ORDER_LABEL, go_list_json(&order)?),
        (ORDER_EXTENSIONS_LABEL, go_list_json(&order_extensions)?),
        (
            BUILDPACK_LAYERS_LABEL,
            serde_json::to_string(&buildpack_layers)?,
        ),
        (
            EXTENSION_LAYERS_LABEL,
            serde_json::to_string(&extension_layers)?,
        ),
    ];
    Ok((files, labels))
}

/// `/cnb/lifecycle/lifecycle.toml`: the APIs of lifecycle 0.21 and the lifecycle's version.
pub(super) fn lifecycle_toml(version: &str) -> anyhow::Result<String> {
    Ok(toml::to_string(&LifecycleToml {
        apis: LIFECYCLE_APIS,
        api: LifecycleApi {
            buildpack: BUILDPACK_APIS[0],
            platform: PLATFORM_APIS[0],
        },
        lifecycle: LifecycleInfo { version },
    })?)
}

/// The build image's config with the builder's labels, working directory `/layers`, the added
/// layers' diff ids (and history entries, when the build image has history).
pub(super) fn builder_config(
    base: &serde_json::Value,
    labels: &[(&'static str, String)],
    added: &[LayerBlob],
) -> anyhow::Result<serde_json::Value> {
    let mut config = base.clone();
    let object = config
        .as_object_mut()
        .context("the build image config is not a JSON object")?;
    object.insert("created".to_string(), oci_layout::NORMALIZED_TIME.into());
    let image_config = object
        .entry("config")
        .or_insert_with(|| serde_json::json!({}))
        .as_object_mut()
        .context("the build image's config.config is not an object")?;
    image_config.insert("WorkingDir".to_string(), "/layers".into());
    let labels_value = image_config
        .entry("Labels")
        .or_insert_with(|| serde_json::json!({}));
    if labels_value.is_null() {
        *labels_value = serde_json::json!({});
    }
    let labels_object = labels_value
        .as_object_mut()
        .context("the build image's Labels is not an object")?;
    for (name, value) in labels {
        labels_object.insert((*name).to_string(), value.clone().into());
    }
    let diff_ids = object
        .entry("rootfs")
        .or_insert_with(|| serde_json::json!({"type": "layers", "diff_ids": []}))
        .as_object_mut()
        .context("the build image's rootfs is not an object")?
        .entry("diff_ids")
        .or_insert_with(|| serde_json::json!([]))
        .as_array_mut()
        .context("the build image's rootfs.diff_ids is not an array")?;
    for layer in added {
        diff_ids.push(layer.diff_id.clone().into());
    }
    // History entries stay in step with the layers only if the build image has them.
    if let Some(history) = object
        .get_mut("history")
        .and_then(serde_json::Value::as_array_mut)
        && !history.is_empty()
    {
        for layer in added {
            history.push(serde_json::json!({
                "created": oci_layout::NORMALIZED_TIME,
                "created_by": format!("packager builder create: layer {}", layer.diff_id),
            }));
        }
    }
    Ok(config)
}

fn label_json<T: serde::de::DeserializeOwned + Default>(
    image: &oci_layout::LoadedImage,
    name: &str,
) -> anyhow::Result<T> {
    match image.label(name) {
        None => Ok(T::default()),
        Some(value) => serde_json::from_str(value)
            .with_context(|| format!("invalid label {name} on the build image")),
    }
}

fn config_order(groups: &[OrderGroup]) -> Vec<OrderEntry> {
    groups
        .iter()
        .map(|group| OrderEntry {
            group: group
                .group
                .iter()
                .map(|entry: &GroupEntry| ModuleRef {
                    id: entry.id.clone().unwrap_or_default(),
                    version: entry.version.clone().unwrap_or_default(),
                    optional: entry.optional,
                })
                .collect(),
        })
        .collect()
}

/// The order with every version filled in (the check made sure each is unique).
fn resolve_order(
    order: &[OrderEntry],
    modules: &[BuilderModule],
    kind: ModuleKind,
) -> Vec<OrderEntry> {
    order
        .iter()
        .map(|entry| OrderEntry {
            group: entry
                .group
                .iter()
                .map(|module| {
                    let mut module = module.clone();
                    if module.version.is_empty()
                        && let Some(found) = modules
                            .iter()
                            .find(|m| m.details.kind == kind && m.details.info.id == module.id)
                    {
                        module.version = found.details.info.version.clone();
                    }
                    // Extensions are always optional; pack leaves the flag out for them.
                    if kind == ModuleKind::Extension {
                        module.optional = false;
                    }
                    module
                })
                .collect(),
        })
        .collect()
}

/// The modules of `kind` in pack's order for the metadata label: the definition's entries in
/// turn, each entry's own module, then the modules of its composite by id and version; each
/// module once (pack lists a module again for each entry that brings it).
fn listed_modules(modules: &[BuilderModule], kind: ModuleKind) -> Vec<ModuleInfo> {
    let mut listed: Vec<&BuilderModule> = modules
        .iter()
        .filter(|module| module.details.kind == kind)
        .collect();
    listed.sort_by(|a, b| {
        (a.listed_at, &a.details.info.id, &a.details.info.version).cmp(&(
            b.listed_at,
            &b.details.info.id,
            &b.details.info.version,
        ))
    });
    listed
        .into_iter()
        .map(|module| module.details.info.clone())
        .collect()
}

/// A list as pack writes it in a label: Go encodes an empty (nil) list as `null`, and
/// `pack builder inspect` shows the extensions of a builder whose list is not `null`, as
/// `(none)` when it is empty.
fn go_list_json<T: Serialize>(items: &[T]) -> serde_json::Result<String> {
    if items.is_empty() {
        Ok("null".to_string())
    } else {
        serde_json::to_string(items)
    }
}

/// [`go_list_json`] for a field.
fn empty_as_null<T: Serialize, S: serde::Serializer>(
    items: &[T],
    serializer: S,
) -> Result<S::Ok, S::Error> {
    if items.is_empty() {
        serializer.serialize_none()
    } else {
        items.serialize(serializer)
    }
}

#[derive(Serialize)]
struct OrderToml<'a> {
    #[serde(skip_serializing_if = "<[OrderEntry]>::is_empty")]
    order: &'a [OrderEntry],
    #[serde(
        rename = "order-extensions",
        skip_serializing_if = "<[OrderEntry]>::is_empty"
    )]
    order_extensions: &'a [OrderEntry],
}

#[derive(Serialize)]
struct StackToml<'a> {
    #[serde(rename = "run-image")]
    run_image: &'a RunImageMetadata,
}

#[derive(Serialize)]
struct RunToml<'a> {
    images: &'a [RunImageMetadata],
}

/// A run image in the builder's metadata and in `run.toml`/`stack.toml`.
#[derive(Debug, Clone, Serialize)]
pub struct RunImageMetadata {
    pub image: String,
    /// `null` in the label when the definition leaves the mirrors out, as pack writes them;
    /// left out of `run.toml` and `stack.toml` (TOML has no null).
    pub mirrors: Option<Vec<String>>,
}

#[derive(Serialize)]
struct BuilderMetadata<'a> {
    description: &'a str,
    #[serde(serialize_with = "empty_as_null")]
    buildpacks: Vec<ModuleInfo>,
    #[serde(serialize_with = "empty_as_null")]
    extensions: Vec<ModuleInfo>,
    stack: StackMetadata,
    lifecycle: LifecycleMetadata<'a>,
    #[serde(rename = "createdBy")]
    created_by: CreatorMetadata,
    images: Vec<RunImageMetadata>,
}

#[derive(Serialize)]
struct StackMetadata {
    #[serde(rename = "runImage")]
    run_image: RunImageMetadata,
}

#[derive(Serialize)]
struct LifecycleMetadata<'a> {
    version: String,
    api: LifecycleApi,
    apis: LifecycleApis<'a>,
}

#[derive(Serialize)]
struct LifecycleApi {
    buildpack: &'static str,
    platform: &'static str,
}

#[derive(Serialize)]
struct LifecycleApis<'a> {
    buildpack: ApiVersions<'a>,
    platform: ApiVersions<'a>,
}

#[derive(Serialize)]
struct ApiVersions<'a> {
    deprecated: &'a [&'a str],
    supported: &'a [&'a str],
}

#[derive(Serialize)]
struct CreatorMetadata {
    name: &'static str,
    version: &'static str,
}

#[derive(Serialize)]
struct LifecycleToml<'a> {
    apis: LifecycleApis<'a>,
    api: LifecycleApi,
    lifecycle: LifecycleInfo<'a>,
}

#[derive(Serialize)]
struct LifecycleInfo<'a> {
    version: &'a str,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Mirrors left out are `null` in the labels (pack's Go encoding of a nil list) and left out
    /// of `run.toml`; mirrors written, even none, are a list in both.
    #[test]
    fn mirrors_left_out_and_mirrors_written_as_pack_writes_them() {
        let images = [
            RunImageMetadata {
                image: "r/a".to_string(),
                mirrors: None,
            },
            RunImageMetadata {
                image: "r/b".to_string(),
                mirrors: Some(Vec::new()),
            },
        ];
        assert_eq!(
            serde_json::to_string(&images).unwrap(),
            r#"[{"image":"r/a","mirrors":null},{"image":"r/b","mirrors":[]}]"#
        );
        assert_eq!(
            toml::to_string(&RunToml { images: &images }).unwrap(),
            "[[images]]\nimage = \"r/a\"\n\n[[images]]\nimage = \"r/b\"\nmirrors = []\n"
        );
        assert_eq!(go_list_json::<u8>(&[]).unwrap(), "null");
        assert_eq!(go_list_json(&[1]).unwrap(), "[1]");
    }

    #[test]
    fn lifecycle_toml_lists_the_apis() {
        let descriptor = LifecycleToml {
            apis: LifecycleApis {
                buildpack: ApiVersions {
                    deprecated: &[],
                    supported: &BUILDPACK_APIS,
                },
                platform: ApiVersions {
                    deprecated: &[],
                    supported: &PLATFORM_APIS,
                },
            },
            api: LifecycleApi {
                buildpack: "0.7",
                platform: "0.7",
            },
            lifecycle: LifecycleInfo { version: "0.21.17" },
        };
        let table: toml::Table = toml::from_str(&toml::to_string(&descriptor).unwrap()).unwrap();
        assert_eq!(table["lifecycle"]["version"].as_str(), Some("0.21.17"));
        let platform = table["apis"]["platform"]["supported"].as_array().unwrap();
        assert_eq!(platform.first().unwrap().as_str(), Some("0.7"));
        assert_eq!(platform.last().unwrap().as_str(), Some("0.15"));
        let buildpack = table["apis"]["buildpack"]["supported"].as_array().unwrap();
        assert_eq!(buildpack.last().unwrap().as_str(), Some("0.12"));
    }

    #[test]
    fn order_toml_shape() {
        let order = vec![OrderEntry {
            group: vec![
                ModuleRef {
                    id: "a/b".into(),
                    version: "1.0.0".into(),
                    optional: false,
                },
                ModuleRef {
                    id: "c/d".into(),
                    version: "2.0.0".into(),
                    optional: true,
                },
            ],
        }];
        let text = toml::to_string(&OrderToml {
            order: &order,
            order_extensions: &[],
        })
        .unwrap();
        let table: toml::Table = toml::from_str(&text).unwrap();
        assert_eq!(
            table["order"][0]["group"][1]["optional"].as_bool(),
            Some(true)
        );
        assert!(table["order"][0]["group"][0].get("optional").is_none());
        assert!(!table.contains_key("order-extensions"));
    }
}

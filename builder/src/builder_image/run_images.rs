//! The run images and their mirrors, checked as `pack builder create --publish` checks them:
//! each is pulled (manifest and config) for the builder's platform (a single image of another
//! platform as it is, an index's entry of that platform); one that does not exist is a warning,
//! one that cannot be asked for an error; each one pulled must carry the definition's stack
//! id, when it has one.

use crate::builder_toml::CheckedBuilder;
use crate::registry::{OtherPlatform, Registry, is_no_such_image};
use anyhow::bail;
use oci_layout::Platform;

/// The label of a run image's stack id.
const STACK_ID_LABEL: &str = "io.buildpacks.stack.id";

/// Pulls every run image and mirror of `checked` for `platform` (manifest and config only),
/// adding what it pulled to `pulled` and what is missing to `warnings`.
///
/// # Errors
/// A run image or mirror that cannot be pulled for another reason than its absence (an
/// unreachable registry, refused credentials, a platform its index lacks, ...), or whose stack
/// id (`io.buildpacks.stack.id`) is not the definition's `[stack] id`.
pub(super) fn check_run_images(
    checked: &CheckedBuilder,
    registry: &Registry,
    platform: &Platform,
    pulled: &mut Vec<(String, String)>,
    warnings: &mut Vec<String>,
) -> anyhow::Result<()> {
    let stack_id = checked
        .config
        .stack
        .id
        .as_deref()
        .filter(|id| !id.is_empty());
    let references = checked
        .run_images
        .iter()
        .flat_map(|run| std::iter::once(&run.image).chain(run.mirrors.iter().flatten()));
    for reference in references {
        // pack takes a single run image of another platform as it is (only an index must
        // have the platform's entry).
        let pulled_image = registry
            .pull(reference, platform)
            .or_else(|error| match error.downcast_ref::<OtherPlatform>() {
                Some(other) => registry.pull(reference, &other.platform.clone()),
                None => Err(error),
            });
        let image = match pulled_image {
            Ok(image) => image,
            Err(error) if is_no_such_image(&error) => {
                warnings.push(format!("run image {reference} is not accessible"));
                continue;
            }
            Err(error) => {
                return Err(error.context(format!("cannot check the run image {reference}")));
            }
        };
        pulled.push((image.reference.clone(), image.pinned.clone()));
        if let Some(stack_id) = stack_id {
            let found = image.image.label(STACK_ID_LABEL).unwrap_or_default();
            if found != stack_id {
                bail!(
                    "{}: stack {stack_id:?} from the builder configuration is incompatible with stack {found:?} from run image {reference} (its label {STACK_ID_LABEL})",
                    checked.path.display()
                );
            }
        }
    }
    Ok(())
}

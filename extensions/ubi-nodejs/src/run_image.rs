//! The run image to switch to: `BP_UBI_RUN_IMAGE_OVERRIDE`, else the catalogue entry's
//! `run_image` when it is a full image reference, else the upstream naming convention.

use crate::catalogue::{Catalogue, Stream};
use crate::errors::UbiNodejsError;
use crate::stack::Stack;
use cnb_extension::ImageReference;
use std::fmt;

/// Where the run image came from, for the log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum RunImageOrigin {
    /// `BP_UBI_RUN_IMAGE_OVERRIDE`.
    Override,
    /// The `run_image` of a catalogue entry, e.g. `nodejs-20`.
    Catalogue { entry: String },
    /// Paketo's image naming for the stack.
    Convention,
}

impl fmt::Display for RunImageOrigin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Override => f.write_str(crate::errors::RUN_IMAGE_OVERRIDE_ENV),
            Self::Catalogue { entry } => write!(f, "run_image of {entry} in the catalogue"),
            Self::Convention => f.write_str("Paketo's naming for the stack"),
        }
    }
}

/// The run image Paketo publishes for Node.js `major` on `stack`, e.g.
/// `paketobuildpacks/run-nodejs-20-ubi8-base` or `paketobuildpacks/ubi-10-run-nodejs-24-base`.
pub(crate) fn conventional_name(stack: Stack, major: u32) -> String {
    match stack {
        Stack::Ubi8 => format!("paketobuildpacks/run-nodejs-{major}-ubi8-base"),
        Stack::Ubi9 => format!("paketobuildpacks/run-nodejs-{major}-ubi9-base"),
        Stack::Ubi10 => format!("paketobuildpacks/ubi-10-run-nodejs-{major}-base"),
    }
}

/// Chooses and parses the run image. `override_image` is the platform's
/// `BP_UBI_RUN_IMAGE_OVERRIDE`; an empty value counts as unset.
pub(crate) fn select(
    stack: Stack,
    major: u32,
    catalogue: &Catalogue,
    override_image: Option<&str>,
) -> Result<(ImageReference, RunImageOrigin), UbiNodejsError> {
    if let Some(image) = override_image.filter(|image| !image.is_empty()) {
        let image = image
            .parse()
            .map_err(UbiNodejsError::InvalidRunImageOverride)?;
        return Ok((image, RunImageOrigin::Override));
    }
    let full_reference = catalogue.stream(major).and_then(|stream| {
        stream
            .run_image
            .as_deref()
            .filter(|image| image.contains('/'))
            .map(|image| (stream, image))
    });
    if let Some((Stream { name, .. }, image)) = full_reference {
        let image = image
            .parse()
            .map_err(|error| UbiNodejsError::CatalogueInvalidRunImage {
                path: catalogue.path.clone(),
                name: name.clone(),
                error,
            })?;
        return Ok((
            image,
            RunImageOrigin::Catalogue {
                entry: name.clone(),
            },
        ));
    }
    let image = conventional_name(stack, major)
        .parse()
        .map_err(UbiNodejsError::InvalidRunImageName)?;
    Ok((image, RunImageOrigin::Convention))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn catalogue(run_image: Option<&str>) -> Catalogue {
        Catalogue {
            path: PathBuf::from("/etc/buildpacks/images.json"),
            streams: vec![
                Stream {
                    major: 20,
                    name: "nodejs-20".to_string(),
                    run_image: run_image.map(str::to_string),
                },
                Stream {
                    major: 22,
                    name: "nodejs-22".to_string(),
                    run_image: Some("run-nodejs-22".to_string()),
                },
            ],
            default_major: 22,
        }
    }

    fn selected(
        stack: Stack,
        major: u32,
        run_image: Option<&str>,
        override_image: Option<&str>,
    ) -> (String, RunImageOrigin) {
        let (image, origin) = select(stack, major, &catalogue(run_image), override_image).unwrap();
        (image.to_string(), origin)
    }

    #[test]
    fn upstream_naming_per_stack() {
        for (stack, major, name) in [
            (Stack::Ubi8, 16, "paketobuildpacks/run-nodejs-16-ubi8-base"),
            (Stack::Ubi8, 24, "paketobuildpacks/run-nodejs-24-ubi8-base"),
            (Stack::Ubi9, 20, "paketobuildpacks/run-nodejs-20-ubi9-base"),
            (
                Stack::Ubi10,
                22,
                "paketobuildpacks/ubi-10-run-nodejs-22-base",
            ),
            (
                Stack::Ubi10,
                24,
                "paketobuildpacks/ubi-10-run-nodejs-24-base",
            ),
        ] {
            assert_eq!(conventional_name(stack, major), name);
            // A short jam name in the catalogue does not count.
            assert_eq!(
                selected(stack, major, Some("run-nodejs-20"), None),
                (name.to_string(), RunImageOrigin::Convention)
            );
        }
        assert_eq!(
            selected(Stack::Ubi9, 20, None, Some("")),
            (
                "paketobuildpacks/run-nodejs-20-ubi9-base".to_string(),
                RunImageOrigin::Convention
            )
        );
    }

    #[test]
    fn a_full_reference_in_the_catalogue_wins_over_the_naming() {
        assert_eq!(
            selected(
                Stack::Ubi9,
                20,
                Some("localhost/paketo/run-nodejs-20-ubi9-base:1.2.3"),
                None
            ),
            (
                "localhost/paketo/run-nodejs-20-ubi9-base:1.2.3".to_string(),
                RunImageOrigin::Catalogue {
                    entry: "nodejs-20".to_string()
                }
            )
        );
        // Another stream's reference is not used.
        assert_eq!(
            selected(Stack::Ubi9, 22, Some("localhost/x:1"), None).1,
            RunImageOrigin::Convention
        );
    }

    #[test]
    fn the_override_wins_over_both() {
        assert_eq!(
            selected(
                Stack::Ubi8,
                20,
                Some("localhost/paketo/run:1"),
                Some("registry.example.com:5000/me/run-node@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef")
            ),
            (
                "registry.example.com:5000/me/run-node@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef".to_string(),
                RunImageOrigin::Override
            )
        );
        assert_eq!(
            selected(Stack::Ubi8, 20, None, Some("this-is-a-run-image")),
            ("this-is-a-run-image".to_string(), RunImageOrigin::Override)
        );
        assert_eq!(
            RunImageOrigin::Override.to_string(),
            "BP_UBI_RUN_IMAGE_OVERRIDE"
        );
    }

    #[test]
    fn hostile_overrides_are_errors() {
        for value in [
            "x\nRUN id",
            "ubuntu; id",
            "ubuntu $(id)",
            "\"ubuntu\"",
            "'ubuntu'",
            "ubuntu latest",
            "${base_image}",
            "Upper-Case",
            " ",
        ] {
            let error = select(Stack::Ubi8, 20, &catalogue(None), Some(value)).unwrap_err();
            assert!(
                matches!(&error, UbiNodejsError::InvalidRunImageOverride(inner) if inner.input == value),
                "{value:?}: {error:?}"
            );
            assert!(
                error.to_string().starts_with(&format!(
                    "BP_UBI_RUN_IMAGE_OVERRIDE: {value:?} is not an image reference"
                )),
                "{error}"
            );
        }
    }

    #[test]
    fn an_invalid_full_reference_in_the_catalogue_is_an_error() {
        let error = select(Stack::Ubi9, 20, &catalogue(Some("Local/Run Image")), None).unwrap_err();
        assert!(
            matches!(&error, UbiNodejsError::CatalogueInvalidRunImage { name, .. } if name == "nodejs-20"),
            "{error:?}"
        );
        assert!(
            error
                .to_string()
                .starts_with("the Node.js version catalogue /etc/buildpacks/images.json gives \"nodejs-20\" a run_image"),
            "{error}"
        );
    }
}

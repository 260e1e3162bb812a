//! The run image to switch to: `BP_UBI_RUN_IMAGE_OVERRIDE` when set and non-empty, else the
//! catalogue entry's `run_image` when it is a full image reference (it contains `/`), else the
//! name Paketo publishes the stack's run image of the runtime under.
//!
//! ```
//! use ubi_extension_support::catalogue::Runtime;
//! use ubi_extension_support::run_image::{RunImageOrigin, select};
//! use ubi_extension_support::stack::Stack;
//!
//! let (image, origin) = select(Stack::Ubi9, Runtime::JAVA, 21, None, Some("")).unwrap();
//! assert_eq!(image.to_string(), "paketobuildpacks/run-java-21-ubi9-base");
//! assert_eq!(origin, RunImageOrigin::Convention);
//!
//! let (image, origin) = select(Stack::Ubi9, Runtime::JAVA, 21, None, Some("localhost/run:1")).unwrap();
//! assert_eq!((image.to_string().as_str(), origin), ("localhost/run:1", RunImageOrigin::Override));
//!
//! assert!(select(Stack::Ubi9, Runtime::JAVA, 21, None, Some("run; id")).is_err());
//! ```

use crate::catalogue::{Catalogue, Runtime};
use crate::stack::Stack;
use cnb_extension::{ImageReference, ImageReferenceError};
use std::fmt;
use std::path::PathBuf;

/// The platform variable that replaces the run image.
pub const RUN_IMAGE_OVERRIDE_ENV: &str = "BP_UBI_RUN_IMAGE_OVERRIDE";

/// Where the run image came from, for the log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RunImageOrigin {
    /// `BP_UBI_RUN_IMAGE_OVERRIDE`.
    Override,
    /// The `run_image` of a catalogue entry.
    Catalogue {
        /// The entry's name, e.g. `nodejs-20`.
        entry: String,
    },
    /// Paketo's image naming for the stack.
    Convention,
}

impl fmt::Display for RunImageOrigin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Override => f.write_str(RUN_IMAGE_OVERRIDE_ENV),
            Self::Catalogue { entry } => write!(f, "run_image of {entry} in the catalogue"),
            Self::Convention => f.write_str("Paketo's naming for the stack"),
        }
    }
}

impl RunImageOrigin {
    /// The log step that names `image`, the run image chosen from this origin.
    ///
    /// ```
    /// use ubi_extension_support::run_image::RunImageOrigin;
    ///
    /// let image = "localhost/run:1".parse().unwrap();
    /// assert_eq!(
    ///     RunImageOrigin::Override.log_step(&image),
    ///     "Using run image specified by BP_UBI_RUN_IMAGE_OVERRIDE localhost/run:1"
    /// );
    /// assert_eq!(
    ///     RunImageOrigin::Convention.log_step(&image),
    ///     "Run image localhost/run:1 (from Paketo's naming for the stack)"
    /// );
    /// ```
    #[must_use]
    pub fn log_step(&self, image: &ImageReference) -> String {
        match self {
            Self::Override => {
                format!("Using run image specified by {RUN_IMAGE_OVERRIDE_ENV} {image}")
            }
            Self::Catalogue { .. } | Self::Convention => format!("Run image {image} (from {self})"),
        }
    }
}

/// Why no run image could be chosen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RunImageError {
    /// `BP_UBI_RUN_IMAGE_OVERRIDE` is not an image reference.
    InvalidOverride {
        /// The runtime whose run image it replaces (for the example in the message).
        runtime: Runtime,
        /// Why it does not parse (holds the value).
        error: ImageReferenceError,
    },
    /// A catalogue entry's `run_image` looks like a full reference but is not one.
    CatalogueInvalidRunImage {
        /// The catalogue file.
        path: PathBuf,
        /// The catalogue's runtime.
        runtime: Runtime,
        /// The entry's name.
        name: String,
        /// Why it does not parse (holds the value). Boxed: this variant is the largest.
        error: Box<ImageReferenceError>,
    },
    /// The run image named after the stack's convention does not parse (a bug).
    InvalidConventionalName(ImageReferenceError),
}

impl fmt::Display for RunImageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::InvalidOverride { runtime, error } => write!(
                f,
                "{RUN_IMAGE_OVERRIDE_ENV}: {error}. Set it to the run image to use, e.g. \
                 registry.example.com/paketo/run-{}-{}-ubi9-base:latest, or unset it to get \
                 the stack's {} run image.",
                runtime.prefix, runtime.example_major, runtime.name
            ),
            Self::CatalogueInvalidRunImage {
                path,
                runtime,
                name,
                error,
            } => write!(
                f,
                "the {} version catalogue {} gives {} a run_image that is not a valid \
                 image reference: {error}. Fix the entry, or set {RUN_IMAGE_OVERRIDE_ENV} to the \
                 run image to use.",
                runtime.name,
                path.display(),
                untrusted_input::quoted(name)
            ),
            Self::InvalidConventionalName(error) => write!(
                f,
                "internal error: the run image named after the stack's convention is invalid: \
                 {error}. Please report this; set {RUN_IMAGE_OVERRIDE_ENV} to work around it."
            ),
        }
    }
}

impl std::error::Error for RunImageError {}

/// The run image Paketo publishes for `runtime` `major` on `stack`, e.g.
/// `paketobuildpacks/run-nodejs-20-ubi8-base`, `paketobuildpacks/run-java-21-ubi9-base` or
/// `paketobuildpacks/ubi-10-run-nodejs-24-base`.
#[must_use]
pub fn conventional_name(stack: Stack, runtime: Runtime, major: u32) -> String {
    let prefix = runtime.prefix;
    match stack {
        Stack::Ubi8 | Stack::Ubi9 => {
            format!(
                "paketobuildpacks/run-{prefix}-{major}-{}-base",
                stack.name()
            )
        }
        Stack::Ubi10 => format!("paketobuildpacks/ubi-10-run-{prefix}-{major}-base"),
    }
}

/// Chooses and parses the run image of `runtime` `major` on `stack`. `catalogue` is the stack's
/// catalogue of that runtime, when there is one; `override_image` is the platform's
/// `BP_UBI_RUN_IMAGE_OVERRIDE`, where an empty value counts as unset.
///
/// # Errors
/// [`RunImageError::InvalidOverride`] when the override is not an image reference,
/// [`RunImageError::CatalogueInvalidRunImage`] when the entry's `run_image` contains `/` but is
/// not one.
pub fn select(
    stack: Stack,
    runtime: Runtime,
    major: u32,
    catalogue: Option<&Catalogue>,
    override_image: Option<&str>,
) -> Result<(ImageReference, RunImageOrigin), RunImageError> {
    if let Some(image) = override_image.filter(|image| !image.is_empty()) {
        let image = image
            .parse()
            .map_err(|error| RunImageError::InvalidOverride { runtime, error })?;
        return Ok((image, RunImageOrigin::Override));
    }
    let full_reference = catalogue.and_then(|catalogue| {
        let stream = catalogue.stream(major)?;
        let image = stream
            .run_image
            .as_deref()
            .filter(|image| image.contains('/'))?;
        Some((catalogue, stream, image))
    });
    if let Some((catalogue, stream, image)) = full_reference {
        let image = image
            .parse()
            .map_err(|error| RunImageError::CatalogueInvalidRunImage {
                path: catalogue.path.clone(),
                runtime: catalogue.runtime,
                name: stream.name.clone(),
                error: Box::new(error),
            })?;
        return Ok((
            image,
            RunImageOrigin::Catalogue {
                entry: stream.name.clone(),
            },
        ));
    }
    let image = conventional_name(stack, runtime, major)
        .parse()
        .map_err(RunImageError::InvalidConventionalName)?;
    Ok((image, RunImageOrigin::Convention))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalogue::Stream;

    fn catalogue(runtime: Runtime, run_image: Option<&str>) -> Catalogue {
        let prefix = runtime.prefix;
        Catalogue {
            path: PathBuf::from("/etc/buildpacks/images.json"),
            runtime,
            streams: vec![
                Stream {
                    major: 20,
                    name: format!("{prefix}-20"),
                    run_image: run_image.map(str::to_string),
                },
                Stream {
                    major: 22,
                    name: format!("{prefix}-22"),
                    run_image: Some(format!("run-{prefix}-22")),
                },
            ],
            marked_default: Some(22),
        }
    }

    fn selected(
        stack: Stack,
        major: u32,
        run_image: Option<&str>,
        override_image: Option<&str>,
    ) -> (String, RunImageOrigin) {
        let catalogue = catalogue(Runtime::NODEJS, run_image);
        let (image, origin) = select(
            stack,
            Runtime::NODEJS,
            major,
            Some(&catalogue),
            override_image,
        )
        .unwrap();
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
            assert_eq!(conventional_name(stack, Runtime::NODEJS, major), name);
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
        for (stack, major, name) in [
            (Stack::Ubi8, 8, "paketobuildpacks/run-java-8-ubi8-base"),
            (Stack::Ubi8, 17, "paketobuildpacks/run-java-17-ubi8-base"),
            (Stack::Ubi9, 21, "paketobuildpacks/run-java-21-ubi9-base"),
            (Stack::Ubi10, 21, "paketobuildpacks/ubi-10-run-java-21-base"),
        ] {
            assert_eq!(conventional_name(stack, Runtime::JAVA, major), name);
            let (image, origin) = select(stack, Runtime::JAVA, major, None, None).unwrap();
            assert_eq!(
                (image.to_string(), origin),
                (name.to_string(), RunImageOrigin::Convention)
            );
        }
        assert_eq!(
            RunImageOrigin::Convention.to_string(),
            "Paketo's naming for the stack"
        );
    }

    #[test]
    fn a_full_reference_in_the_catalogue_wins_over_the_naming() {
        let (image, origin) = selected(
            Stack::Ubi9,
            20,
            Some("localhost/paketo/run-nodejs-20-ubi9-base:1.2.3"),
            None,
        );
        assert_eq!(image, "localhost/paketo/run-nodejs-20-ubi9-base:1.2.3");
        assert_eq!(
            origin,
            RunImageOrigin::Catalogue {
                entry: "nodejs-20".to_string()
            }
        );
        assert_eq!(
            origin.to_string(),
            "run_image of nodejs-20 in the catalogue"
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
            for runtime in [Runtime::NODEJS, Runtime::JAVA] {
                let error = select(
                    Stack::Ubi8,
                    runtime,
                    20,
                    Some(&catalogue(runtime, None)),
                    Some(value),
                )
                .unwrap_err();
                assert!(
                    matches!(&error, RunImageError::InvalidOverride { error, .. } if error.input == value),
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
        let error = select(Stack::Ubi8, Runtime::JAVA, 17, None, Some("run image")).unwrap_err();
        assert!(
            error.to_string().ends_with(
                ". Set it to the run image to use, e.g. \
                 registry.example.com/paketo/run-java-21-ubi9-base:latest, or unset it to get the \
                 stack's Java run image."
            ),
            "{error}"
        );
    }

    #[test]
    fn an_invalid_full_reference_in_the_catalogue_is_an_error() {
        let catalogue = catalogue(Runtime::JAVA, Some("Local/Run Image"));
        let error = select(Stack::Ubi9, Runtime::JAVA, 20, Some(&catalogue), None).unwrap_err();
        assert!(
            matches!(&error, RunImageError::CatalogueInvalidRunImage { name, .. } if name == "java-20"),
            "{error:?}"
        );
        assert!(
            error.to_string().starts_with(
                "the Java version catalogue /etc/buildpacks/images.json gives \"java-20\" a \
                 run_image that is not a valid image reference: \"Local/Run Image\" is not an \
                 image reference"
            ),
            "{error}"
        );
    }
}

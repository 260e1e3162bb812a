//! The build image, the run images and their mirrors: present, consistent between the `[build]` /
//! `[run]` and the legacy `[stack]` forms, and valid image references.

use super::config::{BuilderConfig, RunImageConfig};
use super::problem::{KeyPath, Problems};
use cnb_extension::ImageReference;
use untrusted_input::quoted;

pub(super) fn check_build_image(
    problems: &mut Problems<'_>,
    config: &BuilderConfig,
) -> Option<String> {
    let image = match (&config.build.image, &config.stack.build_image) {
        (None, None) => {
            problems.add(
                KeyPath::parse("build.image"),
                "a build image is required ([build] image, or the legacy [stack] build-image)",
            );
            return None;
        }
        (Some(build), Some(stack)) if build != stack => {
            problems.add(
                KeyPath::parse("stack.build-image"),
                format!(
                    "{} does not match build.image {}",
                    quoted(stack),
                    quoted(build)
                ),
            );
            return None;
        }
        (Some(image), _) => (KeyPath::parse("build.image"), image.clone()),
        (None, Some(image)) => (KeyPath::parse("stack.build-image"), image.clone()),
    };
    check_image_reference(problems, &image.0, &image.1);
    Some(image.1)
}

pub(super) fn check_run_images(
    problems: &mut Problems<'_>,
    config: &BuilderConfig,
) -> Vec<RunImageConfig> {
    let stack = &config.stack;
    if config.run.images.is_empty() {
        let (Some(image), Some(_)) = (&stack.run_image, &stack.id) else {
            problems.add(
                    KeyPath::parse("run.images"),
                    "run images are required ([[run.images]], or the legacy [stack] run-image with [stack] id)",
                );
            return Vec::new();
        };
        check_image_reference(problems, &KeyPath::parse("stack.run-image"), image);
        for (index, mirror) in stack.run_image_mirrors.iter().flatten().enumerate() {
            check_image_reference(
                problems,
                &KeyPath::parse("stack.run-image-mirrors").index(index),
                mirror,
            );
        }
        return vec![RunImageConfig {
            image: image.clone(),
            mirrors: stack.run_image_mirrors.clone(),
        }];
    }
    for (index, run_image) in config.run.images.iter().enumerate() {
        let key = KeyPath::parse("run.images").index(index);
        if run_image.image.is_empty() {
            problems.add(key.key("image"), "an image is required");
        } else {
            check_image_reference(problems, &key.key("image"), &run_image.image);
        }
        for (mirror_index, mirror) in run_image.mirrors.iter().flatten().enumerate() {
            check_image_reference(problems, &key.key("mirrors").index(mirror_index), mirror);
        }
    }
    if let Some(stack_run_image) = &stack.run_image
        && *stack_run_image != config.run.images[0].image
    {
        problems.add(
            KeyPath::parse("stack.run-image"),
            format!(
                "{} does not match run.images[0].image {}",
                quoted(stack_run_image),
                quoted(&config.run.images[0].image)
            ),
        );
    }
    config.run.images.clone()
}

/// Image references follow the one grammar the extension toolkit enforces
/// ([`ImageReference`]: distribution's reference grammar, Docker's digest algorithms).
pub(super) fn check_image_reference(problems: &mut Problems<'_>, key: &KeyPath, reference: &str) {
    if let Err(error) = reference.parse::<ImageReference>() {
        problems.add(key.clone(), error.to_string());
    }
}

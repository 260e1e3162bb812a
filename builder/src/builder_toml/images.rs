//! The build image, the run images and their mirrors: present, consistent between the `[build]` /
//! `[run]` and the legacy `[stack]` forms, and valid image references.

use super::checker::Checker;
use super::config::{BuilderConfig, RunImageConfig};
use super::problem::KeyPath;
use cnb_extension::ImageReference;
use untrusted_input::quoted;

impl Checker<'_> {
    pub(super) fn check_build_image(&mut self, config: &BuilderConfig) -> Option<String> {
        let image = match (&config.build.image, &config.stack.build_image) {
            (None, None) => {
                self.problem(
                    KeyPath::parse("build.image"),
                    "a build image is required ([build] image, or the legacy [stack] build-image)",
                );
                return None;
            }
            (Some(build), Some(stack)) if build != stack => {
                self.problem(
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
        self.check_image_reference(&image.0, &image.1);
        Some(image.1)
    }

    pub(super) fn check_run_images(&mut self, config: &BuilderConfig) -> Vec<RunImageConfig> {
        let stack = &config.stack;
        if config.run.images.is_empty() {
            let (Some(image), Some(_)) = (&stack.run_image, &stack.id) else {
                self.problem(
                    KeyPath::parse("run.images"),
                    "run images are required ([[run.images]], or the legacy [stack] run-image with [stack] id)",
                );
                return Vec::new();
            };
            self.check_image_reference(&KeyPath::parse("stack.run-image"), image);
            for (index, mirror) in stack.run_image_mirrors.iter().enumerate() {
                self.check_image_reference(
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
                self.problem(key.key("image"), "an image is required");
            } else {
                self.check_image_reference(&key.key("image"), &run_image.image);
            }
            for (mirror_index, mirror) in run_image.mirrors.iter().enumerate() {
                self.check_image_reference(&key.key("mirrors").index(mirror_index), mirror);
            }
        }
        if let Some(stack_run_image) = &stack.run_image
            && *stack_run_image != config.run.images[0].image
        {
            self.problem(
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
    pub(super) fn check_image_reference(&mut self, key: &KeyPath, reference: &str) {
        if let Err(error) = reference.parse::<ImageReference>() {
            self.problem(key.clone(), error.to_string());
        }
    }
}

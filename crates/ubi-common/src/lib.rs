//! Shared by the UBI image extensions and their companion buildpacks.
//!
//! - [`jvm`]: the JVM version an app asks for (`BP_JVM_VERSION`, `.sdkmanrc`, `.java-version`,
//!   `META-INF/MANIFEST.MF`, `pom.xml`, `build.gradle(.kts)`), normalised to a major version.
//! - [`stack`]: which UBI stack (ubi8, ubi9, ubi10) the build is on, from `CNB_STACK_ID` or the
//!   target distro.
//! - [`catalogue`]: the stack's `/etc/buildpacks/images.json`, read for one runtime
//!   (`nodejs-<N>` or `java-<N>` entries, the default, their run images).
//! - [`hand_off`]: the runtime file an extension leaves in the build image for its companion.
//! - [`run_image`]: the run image to switch to (`BP_UBI_RUN_IMAGE_OVERRIDE`, a full reference
//!   in the catalogue, or Paketo's naming for the stack).
//! - [`nodejs`]: the Node.js version an app asks for (the plan's `node` entries, node ranges,
//!   nvm aliases), resolved by the extension and checked by the companion.
//! - [`program`]: a program on `PATH`, for the companion buildpacks.

pub mod jvm;

/// `items` as `a, b, c`: the lists of majors the extensions log and put in their errors.
///
/// ```
/// assert_eq!(ubi_common::comma_separated(&[18, 20, 22]), "18, 20, 22");
/// ```
pub fn comma_separated<T: std::fmt::Display>(items: &[T]) -> String {
    items
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

pub mod catalogue;
pub mod hand_off;
pub mod nodejs;
pub mod program;
pub mod run_image;
pub mod stack;

//! What `bin/detect` is given and returns: libcnb's `detect` module, for an extension.

use crate::descriptor::ExtensionDescriptor;
use crate::extension::Extension;
use crate::plan::ExtensionPlan;
use crate::platform::{Platform, Target};
use std::fmt;
use std::path::PathBuf;

/// What `bin/detect` is given: libcnb's `DetectContext`, for an extension.
pub struct DetectContext<E: Extension + ?Sized> {
    /// The app's source: the working directory, read-only.
    pub app_dir: PathBuf,
    /// `CNB_EXTENSION_DIR`: the extension's own directory (libcnb's `buildpack_dir`).
    pub extension_dir: PathBuf,
    /// `CNB_TARGET_*`.
    pub target: Target,
    /// `<platform>`; its `env/` files are read when asked for ([`Platform::setting`]).
    pub platform: Platform,
    /// `CNB_STACK_ID` when the build image sets it (stacks are deprecated; prefer `target`).
    pub stack_id: Option<String>,
    /// `extension.toml` (libcnb's `buildpack_descriptor`).
    pub extension_descriptor: ExtensionDescriptor<E::Metadata>,
}

impl<E: Extension + ?Sized> fmt::Debug for DetectContext<E>
where
    E::Metadata: fmt::Debug,
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DetectContext")
            .field("app_dir", &self.app_dir)
            .field("extension_dir", &self.extension_dir)
            .field("target", &self.target)
            .field("platform", &self.platform)
            .field("stack_id", &self.stack_id)
            .field("extension_descriptor", &self.extension_descriptor)
            .finish()
    }
}

/// The outcome of detect: pass (with the plan the extension provides) or fail. Made with a
/// [`DetectResultBuilder`], as libcnb's.
#[derive(Debug)]
#[must_use]
pub struct DetectResult(pub(crate) InnerDetectResult);

#[derive(Debug)]
pub(crate) enum InnerDetectResult {
    Fail,
    Pass { plan: Option<ExtensionPlan> },
}

/// Makes a [`DetectResult`], as libcnb's `DetectResultBuilder`.
///
/// ```
/// use cnb_extension::{DetectResult, DetectResultBuilder, ExtensionPlanBuilder};
///
/// let provides_node: Result<DetectResult, ()> = DetectResultBuilder::pass()
///     .build_plan(ExtensionPlanBuilder::new().provides("node").build())
///     .build();
/// let fails: Result<DetectResult, ()> = DetectResultBuilder::fail().build();
/// ```
#[must_use]
pub struct DetectResultBuilder;

impl DetectResultBuilder {
    /// Detect passes. Without a [`build_plan`](PassDetectResultBuilder::build_plan), no plan
    /// file is written: the extension provides nothing (it still runs, e.g. to switch the run
    /// image).
    pub fn pass() -> PassDetectResultBuilder {
        PassDetectResultBuilder { plan: None }
    }

    /// Detect fails (exit code 100): the extension is left out of the group. Not an error.
    pub fn fail() -> FailDetectResultBuilder {
        FailDetectResultBuilder
    }
}

/// A passing [`DetectResult`] being made; from [`DetectResultBuilder::pass`].
#[must_use]
pub struct PassDetectResultBuilder {
    plan: Option<ExtensionPlan>,
}

impl PassDetectResultBuilder {
    /// The plan: what the extension provides.
    pub fn build_plan(mut self, plan: ExtensionPlan) -> Self {
        self.plan = Some(plan);
        self
    }

    /// The result, in `Ok` (as `detect` returns it).
    ///
    /// # Errors
    /// Never: the `Result` saves a wrapping in `detect`, as in libcnb.
    pub fn build<E>(self) -> Result<DetectResult, E> {
        Ok(self.build_unwrapped())
    }

    /// The result.
    pub fn build_unwrapped(self) -> DetectResult {
        DetectResult(InnerDetectResult::Pass { plan: self.plan })
    }
}

/// A failing [`DetectResult`] being made; from [`DetectResultBuilder::fail`].
#[must_use]
pub struct FailDetectResultBuilder;

impl FailDetectResultBuilder {
    /// The result, in `Ok` (as `detect` returns it).
    ///
    /// # Errors
    /// Never: the `Result` saves a wrapping in `detect`, as in libcnb.
    pub fn build<E>(self) -> Result<DetectResult, E> {
        Ok(self.build_unwrapped())
    }

    /// The result.
    #[allow(clippy::unused_self)] // by value, as every builder step
    pub fn build_unwrapped(self) -> DetectResult {
        DetectResult(InnerDetectResult::Fail)
    }
}

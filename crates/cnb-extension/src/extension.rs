//! The extension trait: libcnb's `Buildpack`, for an image extension.

use crate::detect::{DetectContext, DetectResult};
use crate::error::{ExtensionError, print_unpresented};
use crate::generate::{GenerateContext, GenerateResult};
use serde::de::DeserializeOwned;
use std::fmt::Debug;

/// An image extension: `bin/detect` and `bin/generate`, as libcnb's `Buildpack` is a buildpack
/// (`detect` and `build`).
///
/// Implement it and hand the value to [`extension_main!`](crate::extension_main); the runtime
/// reads the inputs the spec defines, calls the phase that the executable's name (`argv[0]`)
/// selects, writes the outputs and exits with the spec's exit code. Module code never exits.
pub trait Extension {
    /// The `[metadata]` table of `extension.toml`; libcnb-data's `GenericMetadata` takes any.
    type Metadata: DeserializeOwned;
    /// The extension's own error. Any `Debug` type, as libcnb's `Buildpack::Error`; how the
    /// user sees it is [`Extension::on_error`]'s choice.
    type Error: Debug;

    /// `bin/detect`: pass (with the names the extension can provide, if any), or fail.
    ///
    /// # Errors
    /// An error is reported and the extension is left out of the build (extensions are optional).
    fn detect(&self, context: DetectContext<Self>) -> Result<DetectResult, Self::Error>;

    /// `bin/generate`: the Dockerfiles and build arguments for the entries this extension
    /// provided. It must satisfy every entry it receives: the lifecycle removes them from the plan.
    ///
    /// # Errors
    /// An error fails the build.
    fn generate(&self, context: GenerateContext<Self>) -> Result<GenerateResult, Self::Error>;

    /// Reports an error before the process exits, as libcnb's `Buildpack::on_error`.
    ///
    /// The default prints to stderr `ERROR: <what failed>`, then the cause indented: for the
    /// runtime's own errors (a missing input, an unsupported API...) a message saying what to
    /// do; for the extension's error, its `Debug` form (at most 4,000 characters).
    ///
    /// An extension whose error implements [`HeaderAndBody`](crate::HeaderAndBody) (a header
    /// saying what failed, a body saying why and what to do) shows it as buildpacks written
    /// with `cnb-output` show theirs, `ERROR: <header>` then the body indented, with:
    ///
    /// ```
    /// # use cnb_extension::{DetectContext, DetectResult, DetectResultBuilder, Extension};
    /// # use cnb_extension::{ExtensionError, GenerateContext, GenerateResult, HeaderAndBody};
    /// # #[derive(Debug)]
    /// # struct MyError;
    /// # impl HeaderAndBody for MyError {
    /// #     fn header(&self) -> String { "It failed".to_string() }
    /// #     fn body(&self) -> String { "Because.".to_string() }
    /// # }
    /// # struct MyExtension;
    /// impl Extension for MyExtension {
    ///     # type Metadata = cnb_extension::libcnb_data::generic::GenericMetadata;
    ///     type Error = MyError;
    ///     // detect, generate...
    ///     # fn detect(&self, _: DetectContext<Self>) -> Result<DetectResult, MyError> {
    ///     #     DetectResultBuilder::fail().build()
    ///     # }
    ///     # fn generate(&self, _: GenerateContext<Self>) -> Result<GenerateResult, MyError> {
    ///     #     Err(MyError)
    ///     # }
    ///
    ///     fn on_error(&self, error: ExtensionError<MyError>) {
    ///         cnb_extension::cnb_output::print_error(&error);
    ///     }
    /// }
    /// ```
    fn on_error(&self, error: ExtensionError<Self::Error>) {
        print_unpresented(&error);
    }
}

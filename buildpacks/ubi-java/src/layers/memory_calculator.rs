//! The `memory-calculator` layer (launch only): the exec.d program that sizes the JVM's memory
//! for the container at every start (see `ubi_java_buildpack::memory_calculator::exec_d`).

use super::LAUNCH_ONLY;
use crate::UbiJavaBuildpack;
use crate::errors::UbiJavaBuildpackError;
use libcnb::build::BuildContext;
use libcnb::data::layer_name;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// The program's name, in the buildpack's `bin/` and in the layer's `exec.d/`.
pub(crate) const PROGRAM: &str = "memory-calculator";

/// Which program the layer holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct MemoryCalculatorLayerMetadata {
    pub(crate) buildpack_version: String,
}

/// Copies `<buildpack>/bin/memory-calculator` to the layer's `exec.d/` (mode 0755) and returns
/// its path.
pub(crate) fn handle_memory_calculator_layer(
    context: &BuildContext<UbiJavaBuildpack>,
) -> libcnb::Result<PathBuf, UbiJavaBuildpackError> {
    let layer = context.uncached_layer(layer_name!("memory-calculator"), LAUNCH_ONLY)?;
    layer.write_metadata(MemoryCalculatorLayerMetadata {
        buildpack_version: context.buildpack_descriptor.buildpack.version.to_string(),
    })?;
    exec_d::install(context, &layer, PROGRAM, UbiJavaBuildpackError::ExecD)
}

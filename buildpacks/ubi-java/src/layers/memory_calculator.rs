//! The `memory-calculator` layer (launch only): the exec.d program that sizes the JVM's memory
//! for the container at every start (see `ubi_java_buildpack::memory_calculator::exec_d`).

use crate::UbiJavaBuildpack;
use crate::errors::UbiJavaBuildpackError;
use libcnb::build::BuildContext;
use libcnb::data::layer_name;
use libcnb::layer::UncachedLayerDefinition;
use serde::{Deserialize, Serialize};
use std::os::unix::fs::PermissionsExt;
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
    let program = context.buildpack_dir.join("bin").join(PROGRAM);
    if !program.is_file() {
        return Err(UbiJavaBuildpackError::ExecDProgramMissing { path: program }.into());
    }
    let layer = context.uncached_layer(
        layer_name!("memory-calculator"),
        UncachedLayerDefinition {
            build: false,
            launch: true,
        },
    )?;
    layer.write_metadata(MemoryCalculatorLayerMetadata {
        buildpack_version: context.buildpack_descriptor.buildpack.version.to_string(),
    })?;
    layer.write_exec_d_programs([(PROGRAM, program)])?;
    let installed = layer.path().join("exec.d").join(PROGRAM);
    std::fs::set_permissions(&installed, std::fs::Permissions::from_mode(0o755)).map_err(
        |source| UbiJavaBuildpackError::WriteLayer {
            path: installed.clone(),
            source,
        },
    )?;
    Ok(installed)
}

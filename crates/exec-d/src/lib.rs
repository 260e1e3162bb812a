//! exec.d programs (CNB buildpack spec): programs the launcher runs before the app's process,
//! each writing environment variables as TOML to file descriptor 3. What the companion
//! buildpacks' programs (`memory-calculator`, `optimize-memory`) share:
//!
//! - at build, [`install`]: the buildpack's `bin/<program>` (where the packager places every
//!   binary of the crate) copied to a layer's `exec.d/`, executable;
//! - at launch, [`write_output`]: the TOML written to [`OUTPUT`].

use cnb_output::HeaderAndBody;
use libcnb::Buildpack;
use libcnb::build::BuildContext;
use libcnb::layer::LayerRef;
use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;

/// Where an exec.d program writes its output: file descriptor 3, which the launcher opens.
pub const OUTPUT: &str = "/dev/fd/3";

/// Writes `toml` to [`OUTPUT`].
///
/// # Errors
/// When the descriptor cannot be written: the program was not run by a launcher.
pub fn write_output(toml: &str) -> std::io::Result<()> {
    std::fs::OpenOptions::new()
        .write(true)
        .open(OUTPUT)
        .and_then(|mut fd3| fd3.write_all(toml.as_bytes()))
}

/// Why an exec.d program could not be installed.
#[derive(Debug)]
pub enum InstallError {
    /// The buildpack has no `bin/<program>`: it was not packaged with its exec.d program.
    Missing {
        /// The missing file.
        path: PathBuf,
    },
    /// The installed program cannot be made executable.
    Permissions {
        /// The installed program.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
}

impl HeaderAndBody for InstallError {
    fn header(&self) -> String {
        match self {
            Self::Missing { path } => {
                format!("The buildpack is incomplete: {} is missing", path.display())
            }
            Self::Permissions { path, .. } => format!("Cannot write {}", path.display()),
        }
    }

    fn body(&self) -> String {
        match self {
            Self::Missing { .. } => "The buildpack was not packaged with its exec.d program.\n\
                 Package it with `cargo run -p packager -- package`, which places every binary \
                 of the crate in bin/."
                .to_string(),
            Self::Permissions { source, .. } => {
                format!("{source}\nCheck the permissions and free space of the layers directory.")
            }
        }
    }
}

/// Installs the buildpack's exec.d program `program` (`<buildpack>/bin/<program>`) in `layer`
/// as `exec.d/<program>`, mode 0755, and returns its path there. `error` makes the
/// buildpack's error of an [`InstallError`] (e.g. an enum variant holding it).
///
/// # Errors
/// The program is missing from the buildpack or cannot be made executable; libcnb cannot copy
/// it.
pub fn install<B: Buildpack>(
    context: &BuildContext<B>,
    layer: &LayerRef<B, (), ()>,
    program: &str,
    error: impl Fn(InstallError) -> B::Error,
) -> libcnb::Result<PathBuf, B::Error> {
    let source = context.buildpack_dir.join("bin").join(program);
    if !source.is_file() {
        return Err(libcnb::Error::BuildpackError(error(
            InstallError::Missing { path: source },
        )));
    }
    layer.write_exec_d_programs([(program, source)])?;
    let installed = layer.path().join("exec.d").join(program);
    std::fs::set_permissions(&installed, std::fs::Permissions::from_mode(0o755)).map_err(
        |source| {
            libcnb::Error::BuildpackError(error(InstallError::Permissions {
                path: installed.clone(),
                source,
            }))
        },
    )?;
    Ok(installed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_say_what_to_do() {
        let missing = InstallError::Missing {
            path: PathBuf::from("/cnb/buildpacks/b/bin/program"),
        };
        assert_eq!(
            cnb_output::render_error(&missing),
            "ERROR: The buildpack is incomplete: /cnb/buildpacks/b/bin/program is missing\n  \
             The buildpack was not packaged with its exec.d program.\n  Package it with `cargo \
             run -p packager -- package`, which places every binary of the crate in bin/.\n"
        );
        let permissions = InstallError::Permissions {
            path: PathBuf::from("/layers/b/l/exec.d/program"),
            source: std::io::Error::from(std::io::ErrorKind::StorageFull),
        };
        assert_eq!(
            cnb_output::render_error(&permissions),
            "ERROR: Cannot write /layers/b/l/exec.d/program\n  no storage space\n  Check the \
             permissions and free space of the layers directory.\n"
        );
    }
}

//! The `packager` command line.

mod package;

use clap::{Parser, Subcommand};

pub use package::PackageArgs;

/// Packages this workspace's image extensions and buildpacks.
///
/// Progress goes to stderr, results to stdout.
#[derive(Debug, Parser)]
#[command(name = "packager", version)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Build every module crate (`extensions/*`, `buildpacks/*`) and lay it out as a CNB module
    /// directory in `<out>/modules/<id with / replaced by _>/`.
    Package(PackageArgs),
}

/// Runs the parsed command.
///
/// # Errors
/// The first error of the command; the caller prints it and exits non-zero.
pub fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Package(args) => package::run(&args),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_definition_is_valid() {
        Cli::command().debug_assert();
    }

    #[test]
    fn package_out_is_optional() {
        let cli = Cli::try_parse_from(["packager", "package"]).unwrap();
        let Command::Package(args) = cli.command;
        assert_eq!(args.out, None);
        let cli = Cli::try_parse_from(["packager", "package", "--out", "dist"]).unwrap();
        let Command::Package(args) = cli.command;
        assert_eq!(args.out, Some("dist".into()));
    }
}

//! The `packager` command line.

mod builder;
mod check;
mod package;
mod publish;

use clap::{Parser, Subcommand};

pub use builder::{BuilderArgs, BuilderCommand, CreateArgs, RegistryArgs};
pub use check::CheckArgs;
pub use package::PackageArgs;

/// Packages this workspace's image extensions and buildpacks, and makes builders, without a
/// Docker daemon.
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
    /// Build every module crate (`extensions/*`, `buildpacks/*`), lay it out as
    /// `<out>/modules/<id with / replaced by _>/` and as the buildpackage
    /// `<out>/modules/<id with / replaced by _>.cnb`, then check and render every builder
    /// definition `builder/builders/<name>/builder.toml` to `<out>/builders/<name>/builder.toml`.
    Package(PackageArgs),
    /// Check builder.toml files by pack's rules; every problem is printed as
    /// `<file>:<line>: <key>: <message>`.
    Check(CheckArgs),
    /// Builder images.
    Builder(BuilderArgs),
}

/// Runs the parsed command.
///
/// # Errors
/// The first error of the command; the caller prints it and exits non-zero.
pub fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Package(args) => package::run(&args),
        Command::Check(args) => check::run(&args),
        Command::Builder(args) => builder::run(&args),
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
        let Command::Package(args) = cli.command else {
            panic!("not package")
        };
        assert_eq!(args.out, None);
        let cli = Cli::try_parse_from(["packager", "package", "--out", "dist"]).unwrap();
        let Command::Package(args) = cli.command else {
            panic!("not package")
        };
        assert_eq!(args.out, Some("dist".into()));
    }

    #[test]
    fn check_needs_files() {
        assert!(Cli::try_parse_from(["packager", "check"]).is_err());
        let cli = Cli::try_parse_from(["packager", "check", "a.toml", "b.toml"]).unwrap();
        let Command::Check(args) = cli.command else {
            panic!("not check")
        };
        assert_eq!(args.files.len(), 2);
    }

    /// `packager builder create <args>`, parsed: its arguments, or clap's error.
    fn create_args(args: &[&str]) -> Result<builder::CreateArgs, clap::Error> {
        let cli = Cli::try_parse_from(["packager", "builder", "create"].iter().chain(args))?;
        let Command::Builder(BuilderArgs {
            command: BuilderCommand::Create(args),
        }) = cli.command
        else {
            return Err(clap::Error::new(clap::error::ErrorKind::InvalidSubcommand));
        };
        Ok(args)
    }

    #[test]
    fn builder_create_arguments() {
        let args = create_args(&[
            "--config",
            "builder.toml",
            "--build-image",
            "build:v1",
            "--lifecycle",
            "lifecycle",
            "--output",
            "out",
        ])
        .unwrap();
        assert_eq!(args.build_image.as_deref(), Some("build:v1"));
        assert_eq!(args.launcher, None);
        assert!(
            create_args(&["--config", "x"]).is_err(),
            "the lifecycle and an output or --publish are required"
        );
        assert!(
            create_args(&["--config", "x", "--lifecycle", "l"]).is_err(),
            "an output or --publish is required"
        );
        let args = create_args(&[
            "--config",
            "x",
            "--lifecycle",
            "l",
            "--publish",
            "127.0.0.1:5000/b",
            "--insecure-registry",
            "127.0.0.1:5000",
            "--registry-mirror",
            "index.docker.io=127.0.0.1:5000",
        ])
        .unwrap();
        assert_eq!(
            args.build_image, None,
            "the definition's build image is pulled"
        );
        assert_eq!(args.publish.as_deref(), Some("127.0.0.1:5000/b"));
        assert_eq!(args.registry.insecure, ["127.0.0.1:5000"]);
        assert_eq!(
            args.registry.options().mirrors,
            ["docker.io=127.0.0.1:5000".parse().unwrap()]
        );
        assert!(
            create_args(&[
                "--config",
                "x",
                "--lifecycle",
                "l",
                "--publish",
                "b",
                "--registry-mirror",
                "127.0.0.1:5000"
            ])
            .is_err(),
            "a mirror names its registry"
        );
    }
}

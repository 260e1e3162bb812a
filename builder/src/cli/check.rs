//! `packager check`: check builder.toml files by pack's rules.

use crate::builder_toml::check_file;
use anyhow::bail;
use clap::Args;
use std::path::PathBuf;

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// The builder.toml files to check
    #[arg(required = true, value_name = "BUILDER_TOML")]
    pub files: Vec<PathBuf>,
}

pub(super) fn run(args: &CheckArgs) -> anyhow::Result<()> {
    let mut failed = 0;
    for file in &args.files {
        match check_file(file) {
            Ok(checked) => {
                for warning in &checked.warnings {
                    eprintln!("warning: {}: {warning}", file.display());
                }
                println!("{}: ok", file.display());
            }
            Err(error) => {
                eprintln!("{error}");
                failed += 1;
            }
        }
    }
    if failed > 0 {
        bail!(
            "{failed} of {} builder.toml file(s) have problems (listed above)",
            args.files.len()
        );
    }
    Ok(())
}

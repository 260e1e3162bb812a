//! `optimize-memory`: the exec.d program the UBI Node.js Buildpack installs in its `node-env`
//! layer when `BP_NODE_OPTIMIZE_MEMORY=true`.
//!
//! The CNB launcher runs it before the app's process. It reads the container's memory limit from
//! the cgroup filesystem with the rule the `cgroup-memory` crate documents (v2 `memory.max`,
//! else v1 `memory/memory.limit_in_bytes`; `max` and v1's no-limit values are unlimited) and,
//! when the
//! container is limited, appends `--max_old_space_size=<75% of the limit in MiB>` to
//! `NODE_OPTIONS` (keeping the value it has), written as TOML to file descriptor 3, as the exec.d
//! contract asks. Without a limit, or when `NODE_OPTIONS` already sets the old-space size, it
//! writes nothing.
//!
//! It never stops the app from starting over its optimisation: a cgroup file it cannot read or
//! parse is reported on stderr and ignored (exit 0). Only a missing file descriptor 3 (not run by
//! a launcher) is an error.
//!
//! Usage: `optimize-memory [CGROUP_ROOT]`; the launcher passes no argument and the cgroup root
//! is `/sys/fs/cgroup`. The argument is for tests and diagnosis.

// Required due to: https://github.com/rust-lang/rust/issues/95513
#![allow(unused_crate_dependencies)]

use std::path::{Path, PathBuf};
use std::process::ExitCode;

const MIB: u64 = 1024 * 1024;

fn main() -> ExitCode {
    let cgroup_root = std::env::args_os()
        .nth(1)
        .map_or_else(|| PathBuf::from(cgroup_memory::CGROUP_ROOT), PathBuf::from);
    let node_options = std::env::var("NODE_OPTIONS").ok();
    let output = match exec_d_output(&cgroup_root, node_options.as_deref()) {
        Ok(output) => output,
        Err(reason) => {
            eprintln!("optimize-memory: {reason}; NODE_OPTIONS is left as it is");
            return ExitCode::SUCCESS;
        }
    };
    let Some(output) = output else {
        return ExitCode::SUCCESS;
    };
    if let Err(error) = exec_d::write_output(&output) {
        eprintln!(
            "optimize-memory: cannot write to {} ({error}): this exec.d program is run by the \
             CNB launcher, which opens file descriptor 3",
            exec_d::OUTPUT
        );
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}

/// The TOML to write to fd 3, `None` when there is nothing to change.
fn exec_d_output(cgroup_root: &Path, node_options: Option<&str>) -> Result<Option<String>, String> {
    let Some(limit) =
        cgroup_memory::memory_limit(cgroup_root).map_err(|error| error.to_string())?
    else {
        return Ok(None);
    };
    let Some(heap) = max_old_space_size_mib(limit) else {
        return Ok(None);
    };
    let Some(node_options) = node_options_with_heap(node_options, heap) else {
        return Ok(None);
    };
    let mut table = toml::Table::new();
    table.insert(
        "NODE_OPTIONS".to_string(),
        toml::Value::String(node_options),
    );
    toml::to_string(&table)
        .map(Some)
        .map_err(|error| format!("cannot write TOML: {error}"))
}

/// 75% of the limit, in whole MiB (the limit is first rounded down to MiB); `None` when that is
/// 0.
fn max_old_space_size_mib(limit_bytes: u64) -> Option<u64> {
    let heap = limit_bytes / MIB * 75 / 100;
    (heap > 0).then_some(heap)
}

/// `NODE_OPTIONS` with `--max_old_space_size=<heap>` appended; `None` when the user's value
/// already sets it (either spelling), which is then respected.
fn node_options_with_heap(existing: Option<&str>, heap_mib: u64) -> Option<String> {
    let flag = format!("--max_old_space_size={heap_mib}");
    match existing
        .map(str::trim)
        .filter(|options| !options.is_empty())
    {
        None => Some(flag),
        Some(options)
            if options.split_whitespace().any(|option| {
                option.starts_with("--max_old_space_size")
                    || option.starts_with("--max-old-space-size")
            }) =>
        {
            None
        }
        Some(options) => Some(format!("{options} {flag}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use cnb_harness::files::dir_with_files as cgroup;

    #[test]
    fn heap_is_75_percent_of_the_limit_in_mib() {
        assert_eq!(max_old_space_size_mib(128 * MIB), Some(96));
        assert_eq!(max_old_space_size_mib(1024 * MIB), Some(768));
        assert_eq!(max_old_space_size_mib(512 * MIB + 1000), Some(384));
        assert_eq!(max_old_space_size_mib(MIB), None);
        assert_eq!(max_old_space_size_mib(0), None);
    }

    #[test]
    fn node_options_keep_the_users_value() {
        assert_eq!(
            node_options_with_heap(None, 96).as_deref(),
            Some("--max_old_space_size=96")
        );
        assert_eq!(
            node_options_with_heap(Some(" "), 96).as_deref(),
            Some("--max_old_space_size=96")
        );
        assert_eq!(
            node_options_with_heap(Some("--use-openssl-ca"), 96).as_deref(),
            Some("--use-openssl-ca --max_old_space_size=96")
        );
        for set in [
            "--max-old-space-size=200",
            "--use-openssl-ca --max_old_space_size=200",
        ] {
            assert_eq!(node_options_with_heap(Some(set), 96), None, "{set}");
        }
    }

    #[test]
    fn cgroup_v2() {
        let root = cgroup(&[("memory.max", "134217728\n")]);
        assert_eq!(
            exec_d_output(root.path(), Some("--use-openssl-ca")).unwrap(),
            Some("NODE_OPTIONS = \"--use-openssl-ca --max_old_space_size=96\"\n".to_string())
        );
        let unlimited = cgroup(&[("memory.max", "max\n")]);
        assert_eq!(exec_d_output(unlimited.path(), None).unwrap(), None);
    }

    #[test]
    fn cgroup_v1() {
        let root = cgroup(&[("memory/memory.limit_in_bytes", "268435456\n")]);
        assert_eq!(
            exec_d_output(root.path(), None).unwrap(),
            Some("NODE_OPTIONS = \"--max_old_space_size=192\"\n".to_string())
        );
        let unlimited = cgroup(&[("memory/memory.limit_in_bytes", "9223372036854771712\n")]);
        assert_eq!(exec_d_output(unlimited.path(), None).unwrap(), None);
    }

    #[test]
    fn no_cgroup_files_means_no_limit() {
        let root = cgroup(&[]);
        assert_eq!(exec_d_output(root.path(), Some("--x")).unwrap(), None);
    }

    #[test]
    fn a_malformed_limit_is_reported_with_the_file() {
        let root = cgroup(&[("memory.max", "garbage")]);
        let reason = exec_d_output(root.path(), None).unwrap_err();
        assert!(reason.starts_with(&root.path().join("memory.max").display().to_string()));
        assert!(reason.contains("\"garbage\""), "{reason}");
    }

    #[test]
    fn the_output_is_toml_with_quotes_escaped() {
        let root = cgroup(&[("memory.max", "134217728")]);
        let output = exec_d_output(root.path(), Some(r#"--title="a b""#))
            .unwrap()
            .unwrap();
        let table: toml::Table = toml::from_str(&output).unwrap();
        assert_eq!(
            table["NODE_OPTIONS"].as_str(),
            Some(r#"--title="a b" --max_old_space_size=96"#)
        );
    }
}

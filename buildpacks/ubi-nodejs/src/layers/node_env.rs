//! The `node-env` layer: the Node.js environment defaults for build and launch, and the
//! optional exec.d program that sizes the V8 heap to the container at launch.
//!
//! Node.js itself is not in a layer: the ubi-nodejs-extension installs it from RPMs into the
//! build image, and the run image it selects has the same major. This layer only configures it.

use crate::errors::NodejsBuildpackError;
use crate::{UbiNodejsBuildpack, settings::BP_NODE_OPTIMIZE_MEMORY};
use libcnb::build::BuildContext;
use libcnb::data::layer_name;
use libcnb::layer::UncachedLayerDefinition;
use libcnb::layer_env::{LayerEnv, ModificationBehavior, Scope};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// The exec.d program: a second binary of this crate, packaged at `bin/optimize-memory`.
pub(crate) const OPTIMIZE_MEMORY_PROGRAM: &str = "optimize-memory";

/// `NODE_HOME` for the RPM layout, and whenever `node` is not in a `<prefix>/bin` directory.
///
/// The UBI `nodejs` RPMs install `/usr/bin/node` and the global modules in
/// `/usr/lib/node_modules` (npm included), so the installation prefix is `/usr`, and the headers,
/// when `nodejs-devel` is installed, are in `/usr/include/node`: the layout a `NODE_HOME`
/// consumer expects (`$NODE_HOME/bin/node`, `$NODE_HOME/lib/node_modules`,
/// `$NODE_HOME/include/node`).
///
/// Upstream, Paketo's node-engine sets `NODE_HOME=""` after the ubi-nodejs-extension ran
/// (node-engine PR #785): the UBI `nodejs` RPM ships no headers, and pointing `NODE_HOME` at a
/// prefix without headers risked native-module builds using different headers from one build to
/// the next, until the RHEL team settles how `nodejs-devel` should be used. We set the real
/// prefix instead, for two reasons. First, an empty `NODE_HOME` is wrong for every other reader:
/// tools that look for `$NODE_HOME/bin/node` or `$NODE_HOME/lib/node_modules` then look in `/bin`
/// and `/lib`. Second, the header concern does not depend on `NODE_HOME`: neither node nor npm's
/// node-gyp reads it. node-gyp takes headers from `--nodedir` / `npm_config_nodedir`; else, for a
/// node built with `use_prefix_to_find_headers` (as RHEL's is), from
/// `<node_prefix>/include/node` when `nodejs-devel` is installed there with the same version;
/// else it downloads the headers matching `node --version`. So native builds behave the same
/// with either value, and `NODE_HOME=/usr` is also right once `nodejs-devel` is installed. The
/// variable is a default (`NODE_HOME.default`): a user or a later buildpack can still set it,
/// including to `""`.
pub(crate) const RPM_NODE_HOME: &str = "/usr";

/// The environment defaults of this layer, in the order they are logged. `NODE_HOME` comes
/// from [`node_home`].
pub(crate) const ENV_DEFAULTS: [(&str, &str); 3] = [
    ("NODE_ENV", "production"),
    ("NODE_VERBOSE", "false"),
    // Use the system's OpenSSL CA store (the UBI image's /etc/pki trust, which the platform
    // may extend) rather than the CA list compiled into node.
    ("NODE_OPTIONS", "--use-openssl-ca"),
];

/// The layer's metadata: what determines its content. The layer is not cached (writing it costs
/// nothing), so the metadata only records how it was made.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct NodeEnvLayerMetadata {
    /// The `node --version` of the build image, without `v`.
    pub(crate) node_version: String,
    /// The value of `NODE_HOME`.
    pub(crate) node_home: String,
    /// Whether the exec.d program is installed (`BP_NODE_OPTIMIZE_MEMORY`).
    pub(crate) optimize_memory: bool,
}

/// `NODE_HOME` for the `node` at `node_path`: the prefix above its `bin/` directory, symlinks
/// resolved (`/usr/bin/node` → `/usr`; UBI 10's `/usr/bin/node` → `node-24` → `/usr`), else
/// [`RPM_NODE_HOME`].
pub(crate) fn node_home(node_path: &Path) -> PathBuf {
    let resolved = node_path
        .canonicalize()
        .unwrap_or_else(|_| node_path.to_path_buf());
    resolved
        .parent()
        .filter(|bin| bin.file_name().is_some_and(|name| name == "bin"))
        .and_then(Path::parent)
        .map_or_else(|| PathBuf::from(RPM_NODE_HOME), Path::to_path_buf)
}

/// The environment of the layer: every variable a default (`<name>.default` in `env/`), for
/// build and launch, so the user's own value wins.
pub(crate) fn node_env(node_home: &str) -> LayerEnv {
    ENV_DEFAULTS
        .iter()
        .copied()
        .chain([("NODE_HOME", node_home)])
        .fold(LayerEnv::new(), |env, (name, value)| {
            env.chainable_insert(Scope::All, ModificationBehavior::Default, name, value)
        })
}

/// Creates the `node-env` layer (build and launch, not cached): the env defaults, the metadata,
/// and, with `BP_NODE_OPTIMIZE_MEMORY`, `exec.d/optimize-memory` copied from
/// `<buildpack>/bin/optimize-memory` (mode 0755).
///
/// Returns the path of the installed exec.d program, if any.
pub(crate) fn handle_node_env_layer(
    context: &BuildContext<UbiNodejsBuildpack>,
    metadata: &NodeEnvLayerMetadata,
) -> libcnb::Result<Option<PathBuf>, NodejsBuildpackError> {
    let layer = context.uncached_layer(
        layer_name!("node-env"),
        UncachedLayerDefinition {
            build: true,
            launch: true,
        },
    )?;
    layer.write_env(node_env(&metadata.node_home))?;
    layer.write_metadata(metadata)?;

    if !metadata.optimize_memory {
        return Ok(None);
    }
    exec_d::install(
        context,
        &layer,
        OPTIMIZE_MEMORY_PROGRAM,
        NodejsBuildpackError::ExecD,
    )
    .map(Some)
}

/// The log lines describing the exec.d program.
pub(crate) fn optimize_memory_description() -> [String; 2] {
    [
        format!("{BP_NODE_OPTIMIZE_MEMORY}=true: at launch, reads the container memory limit"),
        "(cgroup v2 or v1) and appends --max_old_space_size=<75% of it in MiB> to NODE_OPTIONS"
            .to_string(),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use libcnb::Env;
    use std::collections::BTreeMap;

    #[test]
    fn env_defaults_are_default_files_for_build_and_launch() {
        let layer = tempfile::tempdir().unwrap();
        node_env("/usr").write_to_layer_dir(layer.path()).unwrap();
        let mut files = BTreeMap::new();
        for entry in std::fs::read_dir(layer.path().join("env")).unwrap() {
            let entry = entry.unwrap();
            files.insert(
                entry.file_name().to_string_lossy().into_owned(),
                std::fs::read_to_string(entry.path()).unwrap(),
            );
        }
        assert_eq!(
            files,
            BTreeMap::from([
                ("NODE_ENV.default".to_string(), "production".to_string()),
                ("NODE_HOME.default".to_string(), "/usr".to_string()),
                (
                    "NODE_OPTIONS.default".to_string(),
                    "--use-openssl-ca".to_string()
                ),
                ("NODE_VERBOSE.default".to_string(), "false".to_string()),
            ])
        );
        // Nothing build-only or launch-only.
        assert!(!layer.path().join("env.build").exists());
        assert!(!layer.path().join("env.launch").exists());
    }

    #[test]
    fn the_users_values_win() {
        let mut user = Env::new();
        user.insert("NODE_ENV", "development");
        user.insert("NODE_OPTIONS", "--max-http-header-size=32768");
        for scope in [Scope::Build, Scope::Launch] {
            let env = node_env("/usr").apply(scope, &user);
            assert_eq!(
                env.get_string_lossy("NODE_ENV").as_deref(),
                Some("development")
            );
            assert_eq!(
                env.get_string_lossy("NODE_OPTIONS").as_deref(),
                Some("--max-http-header-size=32768")
            );
            assert_eq!(
                env.get_string_lossy("NODE_VERBOSE").as_deref(),
                Some("false")
            );
            assert_eq!(env.get_string_lossy("NODE_HOME").as_deref(), Some("/usr"));
        }
    }

    #[test]
    fn node_home_is_the_prefix_above_bin() {
        let root = tempfile::tempdir().unwrap();
        let usr = root.path().join("usr");
        std::fs::create_dir_all(usr.join("bin")).unwrap();
        std::fs::write(usr.join("bin/node-24"), "").unwrap();
        // UBI 10: the extension links node to node-24.
        std::os::unix::fs::symlink("node-24", usr.join("bin/node")).unwrap();
        assert_eq!(
            node_home(&usr.join("bin/node")),
            usr.canonicalize().unwrap()
        );

        // Not in a bin directory, or not there at all: the RPM prefix.
        std::fs::write(root.path().join("node"), "").unwrap();
        assert_eq!(node_home(&root.path().join("node")), Path::new("/usr"));
        assert_eq!(node_home(Path::new("/nonexistent/node")), Path::new("/usr"));
        assert_eq!(node_home(Path::new("/usr/bin/node")), Path::new("/usr"));
    }

    #[test]
    fn metadata_golden_toml() {
        let metadata = NodeEnvLayerMetadata {
            node_version: "20.11.1".to_string(),
            node_home: "/usr".to_string(),
            optimize_memory: true,
        };
        let text = toml::to_string(&metadata).unwrap();
        assert_eq!(
            text,
            "node_version = \"20.11.1\"\nnode_home = \"/usr\"\noptimize_memory = true\n"
        );
        assert_eq!(
            toml::from_str::<NodeEnvLayerMetadata>(&text).unwrap(),
            metadata
        );
    }
}

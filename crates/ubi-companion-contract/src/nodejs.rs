//! The ubi-nodejs-extension and the ubi-nodejs-buildpack.

use serde::{Deserialize, Serialize};

/// The plan entry the extension provides and the companion requires.
pub const NODE: &str = "node";

/// The `version-source` values the companion writes, from highest to lowest priority; the
/// extension ranks a plan's `node` entries in this order (any other source after them).
pub const VERSION_SOURCES: [&str; 4] =
    ["BP_NODE_VERSION", "package.json", ".nvmrc", ".node-version"];

/// The hand-off file the extension writes in the build image.
pub const HAND_OFF_FILE: &str = "/usr/share/paketo-community/ubi-nodejs-extension/runtime.toml";

/// The Node.js the ubi-nodejs-extension installed: the hand-off file's contents.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NodejsRuntime {
    /// The major version, e.g. 20.
    pub major: u32,
    /// The stack it was installed for, e.g. `io.buildpacks.stacks.ubi8`.
    pub stack: String,
}

impl crate::HandOff for NodejsRuntime {
    const FILE: &'static str = HAND_OFF_FILE;
}

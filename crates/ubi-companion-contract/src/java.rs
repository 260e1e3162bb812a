//! The ubi-java-extension and the ubi-java-buildpack. The `version-source` values are
//! `jvm_version::VersionSource`'s names: both sides read the app's request with that crate.

use serde::{Deserialize, Serialize};

/// The plan entry for the JDK, needed at build: the extension provides it, the companion
/// requires it with `build = true`.
pub const JDK: &str = "jdk";
/// The plan entry for the JRE, needed at launch: the companion requires it with `launch = true`.
pub const JRE: &str = "jre";

/// The hand-off file the extension writes in the build image.
pub const HAND_OFF_FILE: &str = "/usr/share/paketo-community/ubi-java-extension/runtime.toml";

/// The JDK the ubi-java-extension installed: the hand-off file's contents.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JavaRuntime {
    /// The major version, e.g. 17.
    pub major: u32,
    /// The stack it was installed for.
    pub stack: String,
    /// Where the RPM put the JDK, e.g. `/usr/lib/jvm/java-17-openjdk`.
    pub java_home: String,
}

impl crate::HandOff for JavaRuntime {
    const FILE: &'static str = HAND_OFF_FILE;
}

//! The settings this buildpack reads at build, each read once, here, through
//! `platform-settings` (the user's `<platform>/env/<NAME>`, else the process environment, a
//! builder's build-config env): `BP_JVM_VERSION`, the Java version request, which
//! `jvm-version` weighs against the app's files as the extension does. The launch settings
//! (`BPL_JVM_*`, `JAVA_TOOL_OPTIONS`) are the memory calculator's (`memory_calculator::exec_d`).

use jvm_version::BP_JVM_VERSION;
use libcnb::Env;

/// `BP_JVM_VERSION`.
pub(crate) fn bp_jvm_version(platform_env: &Env) -> Option<String> {
    platform_settings::setting(platform_env, BP_JVM_VERSION)
}

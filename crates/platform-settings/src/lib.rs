//! The one settings lookup of every module of this workspace (`BP_*` variables).
//!
//! [`setting`]: the user's `<platform>/env/<NAME>` when set and not blank, else this process's
//! `NAME` when set and not blank (the lifecycle puts the builder's build-config env there, and
//! the platform env too for modules without `clear-env`). A blank value counts as unset; a value
//! is returned verbatim (callers trim what they parse). Buildpacks look settings up in libcnb's
//! `Env` (feature `libcnb`); extensions get the same lookup as `cnb_extension::Platform::setting`.
//!
//! Published: the extension toolkit `cnb-extension` depends on it, and buildpacks use it
//! without depending on the toolkit. `<platform>/env` itself is read by libcnb for buildpacks
//! (every file, up front) and by `cnb_extension::Platform` for extensions (only the file of
//! the variable asked for, when it is asked for: [`try_setting`], which can fail).
//!
//! ```
//! use std::collections::BTreeMap;
//!
//! let platform = BTreeMap::from([("BP_JVM_VERSION".to_string(), "17\n".to_string())]);
//! assert_eq!(platform_settings::setting(&platform, "BP_JVM_VERSION").as_deref(), Some("17\n"));
//! ```

mod settings;

pub use settings::{PlatformEnv, setting, try_setting};

#[cfg(feature = "libcnb")]
impl PlatformEnv for libcnb::Env {
    type Error = std::convert::Infallible;

    fn platform_value(&self, name: &str) -> Result<Option<String>, Self::Error> {
        Ok(self.get_string_lossy(name))
    }
}

//! The one settings lookup of every module of this workspace: `<platform>/env/<NAME>`, else the
//! process environment; blank is unset.
//!
//! Extensions use it behind `cnb_extension::Platform::setting`, buildpacks with libcnb's `Env`
//! (feature `libcnb`).

use std::collections::BTreeMap;

/// Where a module finds the user's `<platform>/env` values.
pub trait PlatformEnv {
    /// The value of `<platform>/env/<name>`, if that file exists.
    fn platform_value(&self, name: &str) -> Option<String>;
}

impl PlatformEnv for BTreeMap<String, String> {
    fn platform_value(&self, name: &str) -> Option<String> {
        self.get(name).cloned()
    }
}

/// The setting `name`: the platform's value, else the process environment's; `None` when
/// neither is set to something other than blanks. A value is returned verbatim (callers trim
/// what they parse).
#[must_use]
pub fn setting(platform: &impl PlatformEnv, name: &str) -> Option<String> {
    let set = |value: &String| !value.trim().is_empty();
    platform
        .platform_value(name)
        .filter(set)
        .or_else(|| std::env::var(name).ok().filter(set))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_platform_wins_and_blank_is_unset() {
        let process = "PLATFORM_SETTINGS_TEST_PROCESS";
        let blank = "PLATFORM_SETTINGS_TEST_BLANK";
        let platform = BTreeMap::from([
            (process.to_string(), "from-platform".to_string()),
            (blank.to_string(), " \n".to_string()),
        ]);
        assert_eq!(
            setting(&platform, process).as_deref(),
            Some("from-platform")
        );
        assert_eq!(setting(&platform, blank), None);
        assert_eq!(setting(&platform, "PLATFORM_SETTINGS_TEST_UNSET"), None);
        // PATH is set in every test process (the build-config env stands there): the fallback.
        assert_eq!(
            setting(&BTreeMap::new(), "PATH"),
            std::env::var("PATH").ok()
        );
        let blank_path = BTreeMap::from([("PATH".to_string(), String::new())]);
        assert_eq!(setting(&blank_path, "PATH"), std::env::var("PATH").ok());
    }
}

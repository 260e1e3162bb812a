//! The one settings lookup of every module of this workspace: `<platform>/env/<NAME>`, else the
//! process environment; blank is unset.
//!
//! Extensions use it behind `cnb_extension::Platform::setting` (which reads only the file of the
//! variable asked for, and can fail), buildpacks with libcnb's `Env` (feature `libcnb`), which
//! cannot.

use std::collections::BTreeMap;
use std::convert::Infallible;

/// Where a module finds the user's `<platform>/env` values.
pub trait PlatformEnv {
    /// Why a value cannot be read: [`Infallible`] for values already in memory.
    type Error;

    /// The value of `<platform>/env/<name>`, `None` if that file does not exist.
    ///
    /// # Errors
    /// When the value exists but cannot be read.
    fn platform_value(&self, name: &str) -> Result<Option<String>, Self::Error>;
}

impl PlatformEnv for BTreeMap<String, String> {
    type Error = Infallible;

    fn platform_value(&self, name: &str) -> Result<Option<String>, Infallible> {
        Ok(self.get(name).cloned())
    }
}

/// The setting `name`: the platform's value, else the process environment's; `None` when
/// neither is set to something other than blanks. A value is returned verbatim (callers trim
/// what they parse).
///
/// # Errors
/// When the platform's value cannot be read ([`PlatformEnv::platform_value`]).
pub fn try_setting<P: PlatformEnv + ?Sized>(
    platform: &P,
    name: &str,
) -> Result<Option<String>, P::Error> {
    let set = |value: &String| !value.trim().is_empty();
    Ok(platform
        .platform_value(name)?
        .filter(set)
        .or_else(|| std::env::var(name).ok().filter(set)))
}

/// [`try_setting`] for platform values that are already read (libcnb's `Env`, a map).
#[must_use]
pub fn setting<P: PlatformEnv<Error = Infallible> + ?Sized>(
    platform: &P,
    name: &str,
) -> Option<String> {
    match try_setting(platform, name) {
        Ok(value) => value,
        Err(never) => match never {},
    }
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

    /// A platform whose values are read on demand, one of which cannot be.
    struct OnDemand;

    impl PlatformEnv for OnDemand {
        type Error = String;

        fn platform_value(&self, name: &str) -> Result<Option<String>, String> {
            match name {
                "BROKEN" => Err(format!("{name} is a FIFO")),
                "SET" => Ok(Some("1".to_string())),
                _ => Ok(None),
            }
        }
    }

    #[test]
    fn a_value_that_cannot_be_read_is_an_error_and_the_others_are_not() {
        assert_eq!(
            try_setting(&OnDemand, "BROKEN"),
            Err("BROKEN is a FIFO".into())
        );
        assert_eq!(try_setting(&OnDemand, "SET"), Ok(Some("1".to_string())));
        assert_eq!(
            try_setting(&OnDemand, "PLATFORM_SETTINGS_TEST_UNSET"),
            Ok(None)
        );
    }
}

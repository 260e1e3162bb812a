//! What the container offers the JVM: its memory limit (the cgroup's, else `MemAvailable`, with
//! libjvm's fallbacks) and the processors this process may run on.

use crate::memory_calculator::calculation::{GIB, TIB};
use std::path::{Path, PathBuf};

/// The memory assumed when the limit is unknown.
pub const UNKNOWN_MEMORY_FALLBACK: u64 = GIB;
/// The largest memory the JVM is configured for.
pub const MAX_JVM_SIZE: u64 = 64 * TIB;

/// Where the system facts are read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct System {
    /// The cgroup file system root, `/sys/fs/cgroup`.
    pub cgroup_root: PathBuf,
    /// `/proc/meminfo`.
    pub meminfo: PathBuf,
    /// `/proc/self/status`.
    pub proc_status: PathBuf,
}

impl Default for System {
    fn default() -> Self {
        Self {
            cgroup_root: PathBuf::from("/sys/fs/cgroup"),
            meminfo: PathBuf::from("/proc/meminfo"),
            proc_status: PathBuf::from("/proc/self/status"),
        }
    }
}

impl System {
    /// The container's memory limit, with libjvm's fallbacks.
    pub(crate) fn total_memory(&self, warnings: &mut Vec<String>) -> u64 {
        let limit =
            memory_limit(&self.cgroup_root, warnings).or_else(|| mem_available(&self.meminfo));
        match limit {
            None => {
                warnings.push(
                    "Unable to determine memory limit. Configuring JVM for 1G container."
                        .to_string(),
                );
                UNKNOWN_MEMORY_FALLBACK
            }
            Some(limit) if limit > MAX_JVM_SIZE => {
                warnings.push(
                    "Container memory limit too large. Configuring JVM for 64T container."
                        .to_string(),
                );
                MAX_JVM_SIZE
            }
            Some(limit) => limit,
        }
    }

    /// The CPUs this process may run on, from `Cpus_allowed_list` (e.g. `0-3,8,10-11`); the
    /// standard library's count when that cannot be read.
    pub(crate) fn processor_count(&self) -> usize {
        std::fs::read_to_string(&self.proc_status)
            .ok()
            .and_then(|status| {
                let list = status
                    .lines()
                    .find_map(|line| line.strip_prefix("Cpus_allowed_list:"))?;
                cpu_list_count(list.trim())
            })
            .filter(|count| *count > 0)
            .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, usize::from))
    }
}

/// The cgroup memory limit: `None` when unlimited, absent, or unreadable (with a warning).
fn memory_limit(cgroup_root: &Path, warnings: &mut Vec<String>) -> Option<u64> {
    match cgroup_memory::memory_limit(cgroup_root) {
        Ok(limit) => limit,
        Err(cgroup_memory::Error::Unreadable { path, error }) => {
            warnings.push(format!("Unable to read {}: {error}", path.display()));
            None
        }
        Err(cgroup_memory::Error::Malformed { path, text }) => {
            warnings.push(format!(
                "Unable to convert memory limit {text:?} from path {:?} as int",
                path.display().to_string()
            ));
            None
        }
    }
}

/// `MemAvailable` of `/proc/meminfo`, in bytes.
fn mem_available(meminfo: &Path) -> Option<u64> {
    let text = std::fs::read_to_string(meminfo).ok()?;
    let value = text
        .lines()
        .find_map(|line| line.strip_prefix("MemAvailable:"))?;
    let mut words = value.split_whitespace();
    let number: u64 = words.next()?.parse().ok()?;
    let multiplier = match words.next().map(str::to_ascii_lowercase).as_deref() {
        None | Some("b") => 1,
        Some("kb") => 1024,
        Some("mb") => 1024 * 1024,
        Some("gb") => 1024 * 1024 * 1024,
        Some(_) => return None,
    };
    number.checked_mul(multiplier)
}

fn cpu_list_count(list: &str) -> Option<usize> {
    let mut count = 0;
    for range in list.split(',').filter(|range| !range.is_empty()) {
        count += if let Some((low, high)) = range.split_once('-') {
            let (low, high): (usize, usize) = (low.parse().ok()?, high.parse().ok()?);
            high.checked_sub(low)? + 1
        } else {
            range.parse::<usize>().ok()?;
            1
        };
    }
    Some(count)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpu_lists() {
        for (list, count) in [
            ("0", Some(1)),
            ("0-3", Some(4)),
            ("0-3,8,10-11", Some(7)),
            ("", Some(0)),
            ("3-1", None),
            ("x", None),
        ] {
            assert_eq!(cpu_list_count(list), count, "{list}");
        }
    }
}

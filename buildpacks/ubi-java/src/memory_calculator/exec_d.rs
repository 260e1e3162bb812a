//! The exec.d memory calculator: at launch, sizes the JVM's memory regions for the container it
//! runs in and adds the flags to `JAVA_TOOL_OPTIONS` (libjvm's `memory-calculator` and
//! `active-processor-count` helpers).
//!
//! Inputs, all parameters so that tests can use temporary directories:
//!
//! - the memory limit: the rule of the `cgroup-memory` crate (cgroup v2 `<root>/memory.max`,
//!   else v1 `<root>/memory/memory.limit_in_bytes`; `max` and v1's no-limit values are
//!   unlimited); when unlimited, or the file cannot be read (a warning), `MemAvailable` of
//!   `/proc/meminfo`; when that is unknown too, 1 GiB (libjvm's fallbacks); capped at 64 TiB;
//! - the processor count: the CPUs this process may run on (`Cpus_allowed_list` of
//!   `/proc/self/status`), as Go's `runtime.NumCPU` that libjvm uses;
//! - the environment: `JAVA_TOOL_OPTIONS`, `BPL_JVM_THREAD_COUNT` (default 250),
//!   `BPL_JVM_HEAD_ROOM` (default 0; the deprecated `BPL_JVM_HEADROOM` is still read),
//!   `BPL_JVM_LOADED_CLASS_COUNT` (skips counting), `BPL_JVM_CLASS_ADJUSTMENT` (`N` classes or
//!   `N%`), and from the build: `BPI_JVM_CLASS_COUNT`, `BPI_APPLICATION_PATH`,
//!   `BPI_APPLICATION_CLASS_COUNT`.
//!
//! The loaded class count is libjvm's: 35% of (the JVM's classes + the app's classes + the
//! classes of `-javaagent` JARs), adjusted. The app's classes are counted here, at launch, in
//! `BPI_APPLICATION_PATH`: buildpacks after this one (Maven, Gradle) may have replaced the
//! sources with the built app after this buildpack's build. The count made at build
//! (`BPI_APPLICATION_CLASS_COUNT`) is the fallback when that directory cannot be read. The JVM's
//! classes were counted at build in the JDK; without that count (`BPI_JVM_CLASS_COUNT` unset),
//! they are counted here in `JAVA_HOME`.

use crate::classes::{count_app_classes, count_jar_classes, count_jvm_classes};
use crate::memory_calculator::calculation::{Calculator, MemoryError, format_size, split_options};
use crate::memory_calculator::system::System;
use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;

/// `JAVA_TOOL_OPTIONS`.
pub const JAVA_TOOL_OPTIONS: &str = "JAVA_TOOL_OPTIONS";
/// The JVM's class count, written at build (libjvm's name).
pub const BPI_JVM_CLASS_COUNT: &str = "BPI_JVM_CLASS_COUNT";
/// The app directory whose classes are counted at launch (libjvm's name).
pub const BPI_APPLICATION_PATH: &str = "BPI_APPLICATION_PATH";
/// The app's class count made at build (this buildpack's): the fallback.
pub const BPI_APPLICATION_CLASS_COUNT: &str = "BPI_APPLICATION_CLASS_COUNT";
/// User settings (libjvm's names).
pub const BPL_JVM_THREAD_COUNT: &str = "BPL_JVM_THREAD_COUNT";
/// The head room percentage.
pub const BPL_JVM_HEAD_ROOM: &str = "BPL_JVM_HEAD_ROOM";
/// The deprecated spelling of [`BPL_JVM_HEAD_ROOM`].
pub const BPL_JVM_HEADROOM: &str = "BPL_JVM_HEADROOM";
/// The loaded class count, replacing the estimate.
pub const BPL_JVM_LOADED_CLASS_COUNT: &str = "BPL_JVM_LOADED_CLASS_COUNT";
/// An adjustment of the class count: `N` more classes, or `N%` of the count.
pub const BPL_JVM_CLASS_ADJUSTMENT: &str = "BPL_JVM_CLASS_ADJUSTMENT";

/// libjvm's defaults and limits.
pub const DEFAULT_THREAD_COUNT: u64 = 250;
/// The share of the counted classes that are loaded (libjvm `ClassLoadFactor`).
pub const CLASS_LOAD_FACTOR_PERCENT: u64 = 35;

/// What the exec.d program outputs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LaunchOutput {
    /// The new `JAVA_TOOL_OPTIONS`: the old value, then the calculated flags.
    pub java_tool_options: String,
    /// What the user should know but does not stop the app (each logged as a warning).
    pub warnings: Vec<String>,
    /// The summary line: the calculated flags and what they were calculated from.
    pub summary: String,
}

impl LaunchOutput {
    /// The exec.d output: TOML with the one variable, written by the `toml` crate (as the
    /// Node.js buildpack's `optimize-memory` writes its own).
    ///
    /// # Errors
    /// The value cannot be written as TOML (not expected for a string).
    pub fn to_toml(&self) -> Result<String, toml::ser::Error> {
        let mut table = toml::Table::new();
        table.insert(
            JAVA_TOOL_OPTIONS.to_string(),
            toml::Value::String(self.java_tool_options.clone()),
        );
        toml::to_string(&table)
    }
}

/// Why the exec.d program fails.
#[derive(Debug)]
pub enum LaunchError {
    /// A setting is not a non-negative integer (or percentage).
    InvalidSetting {
        /// The variable.
        name: &'static str,
        /// Its value.
        value: String,
    },
    /// The JVM's classes are neither given nor countable.
    JvmClassCount {
        /// Why.
        reason: String,
    },
    /// The calculation failed (too little memory, bad user flags).
    Memory {
        /// The error.
        error: MemoryError,
        /// The inputs, for the message.
        summary: String,
    },
}

impl fmt::Display for LaunchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::InvalidSetting { name, value } => {
                write!(f, "${name}={value:?} is not a valid number")
            }
            Self::JvmClassCount { reason } => write!(
                f,
                "cannot tell how many classes the JVM has: ${BPI_JVM_CLASS_COUNT} is not set and {reason}; set ${BPL_JVM_LOADED_CLASS_COUNT}"
            ),
            Self::Memory { error, summary } => write!(
                f,
                "unable to calculate memory configuration: {error} ({summary}). Give the container more memory, or lower ${BPL_JVM_THREAD_COUNT}, ${BPL_JVM_HEAD_ROOM} or the sizes set in ${JAVA_TOOL_OPTIONS}"
            ),
        }
    }
}

impl std::error::Error for LaunchError {}

fn number(env: &BTreeMap<String, String>, name: &'static str) -> Result<Option<u64>, LaunchError> {
    env.get(name)
        .map(|value| {
            value
                .trim()
                .parse()
                .map_err(|_| LaunchError::InvalidSetting {
                    name,
                    value: value.clone(),
                })
        })
        .transpose()
}

/// Computes the new `JAVA_TOOL_OPTIONS` from the environment `env` and the system facts.
///
/// # Errors
/// [`LaunchError`] for invalid settings, an unknown JVM class count, or too little memory.
pub fn run(env: &BTreeMap<String, String>, system: &System) -> Result<LaunchOutput, LaunchError> {
    let mut warnings = Vec::new();
    let options = env.get(JAVA_TOOL_OPTIONS).cloned().unwrap_or_default();

    let mut head_room = number(env, BPL_JVM_HEADROOM)?;
    if head_room.is_some() {
        warnings.push(format!(
            "{BPL_JVM_HEADROOM} is deprecated and will be removed, please switch to {BPL_JVM_HEAD_ROOM}"
        ));
    }
    if let Some(value) = number(env, BPL_JVM_HEAD_ROOM)? {
        head_room = Some(value);
    }
    let head_room = head_room.unwrap_or(0);
    if head_room > 100 {
        return Err(LaunchError::InvalidSetting {
            name: BPL_JVM_HEAD_ROOM,
            value: head_room.to_string(),
        });
    }
    let thread_count = number(env, BPL_JVM_THREAD_COUNT)?.unwrap_or(DEFAULT_THREAD_COUNT);
    let loaded_class_count = match number(env, BPL_JVM_LOADED_CLASS_COUNT)? {
        Some(count) => count,
        None => estimated_loaded_classes(env, &options, &mut warnings)?,
    };

    let total_memory = system.total_memory(&mut warnings);
    let calculator = Calculator {
        total_memory,
        thread_count,
        loaded_class_count,
        head_room,
    };
    let figures = format!(
        "Total Memory: {}, Thread Count: {thread_count}, Loaded Class Count: {loaded_class_count}, Headroom: {head_room}%",
        format_size(total_memory)
    );
    let configuration = calculator
        .calculate(&options)
        .map_err(|error| LaunchError::Memory {
            error,
            summary: figures.clone(),
        })?;
    let calculated = configuration.calculated_flags();
    let summary = format!(
        "Calculated JVM Memory Configuration: {} ({figures})",
        calculated.join(" ")
    );

    let mut values: Vec<String> = Vec::new();
    if !options.trim().is_empty() {
        values.push(options.clone());
    }
    values.extend(calculated);
    let user_words = split_options(&options).unwrap_or_default();
    if !user_words
        .iter()
        .any(|word| word.starts_with("-XX:ActiveProcessorCount="))
    {
        let processors = system.processor_count();
        values.push(format!("-XX:ActiveProcessorCount={processors}"));
    }
    Ok(LaunchOutput {
        java_tool_options: values.join(" "),
        warnings,
        summary,
    })
}

/// libjvm's estimate: 35% of the JVM's, the app's and the agents' classes, adjusted by
/// `BPL_JVM_CLASS_ADJUSTMENT`.
fn estimated_loaded_classes(
    env: &BTreeMap<String, String>,
    options: &str,
    warnings: &mut Vec<String>,
) -> Result<u64, LaunchError> {
    let jvm_classes = if let Some(count) = number(env, BPI_JVM_CLASS_COUNT)? {
        count
    } else {
        let java_home = env
            .get("JAVA_HOME")
            .ok_or_else(|| LaunchError::JvmClassCount {
                reason: "$JAVA_HOME is not set".to_string(),
            })?;
        count_jvm_classes(Path::new(java_home)).map_err(|error| LaunchError::JvmClassCount {
            reason: error.to_string(),
        })?
    };
    let app_classes = app_classes(env, warnings)?;
    let agent_classes = agent_classes(options, warnings);

    let (mut static_adjustment, mut percent) = (0_u64, 100_u64);
    if let Some(adjustment) = env.get(BPL_JVM_CLASS_ADJUSTMENT) {
        let invalid = || LaunchError::InvalidSetting {
            name: BPL_JVM_CLASS_ADJUSTMENT,
            value: adjustment.clone(),
        };
        match adjustment.trim().strip_suffix('%') {
            Some(value) => percent = value.trim().parse().map_err(|_| invalid())?,
            None => static_adjustment = adjustment.trim().parse().map_err(|_| invalid())?,
        }
    }
    let total = jvm_classes
        .saturating_add(app_classes)
        .saturating_add(agent_classes)
        .saturating_add(static_adjustment);
    let scaled =
        u128::from(total) * u128::from(percent) * u128::from(CLASS_LOAD_FACTOR_PERCENT) / 10_000;
    Ok(u64::try_from(scaled).unwrap_or(u64::MAX))
}

/// The app's classes: counted now in `BPI_APPLICATION_PATH`, else the build's count.
fn app_classes(
    env: &BTreeMap<String, String>,
    warnings: &mut Vec<String>,
) -> Result<u64, LaunchError> {
    let build_count = number(env, BPI_APPLICATION_CLASS_COUNT)?;
    let Some(path) = env.get(BPI_APPLICATION_PATH) else {
        return Ok(build_count.unwrap_or(0));
    };
    match count_app_classes(Path::new(path)) {
        Ok(count) => {
            for (jar, reason) in &count.unreadable_jars {
                warnings.push(format!(
                    "classes of {} not counted: {reason}",
                    jar.display()
                ));
            }
            Ok(count.classes)
        }
        Err(error) => {
            warnings.push(format!(
                "cannot count the application's classes ({error}); using the count made at build: {}",
                build_count.unwrap_or(0)
            ));
            Ok(build_count.unwrap_or(0))
        }
    }
}

/// The classes of the `-javaagent:<jar>[=options]` JARs in `options`.
fn agent_classes(options: &str, warnings: &mut Vec<String>) -> u64 {
    let mut classes = 0;
    for word in split_options(options).unwrap_or_default() {
        let Some(agent) = word.strip_prefix("-javaagent:") else {
            continue;
        };
        let jar = agent.split_once('=').map_or(agent, |(jar, _)| jar);
        match count_jar_classes(Path::new(jar)) {
            Ok(count) => classes += count,
            Err(reason) => warnings.push(format!(
                "could not count the classes of the agent {jar} ({reason}); metaspace may be sized too small"
            )),
        }
    }
    classes
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::memory_calculator::calculation::MIB;

    struct Machine {
        root: tempfile::TempDir,
    }

    impl Machine {
        /// A machine with `cpus` CPUs and the given cgroup files (`memory.max`, ...).
        fn new(cgroup_files: &[(&str, &str)], meminfo: Option<&str>, cpus: &str) -> Self {
            let root = tempfile::tempdir().unwrap();
            let cgroup = root.path().join("cgroup");
            for (file, content) in cgroup_files {
                let path = cgroup.join(file);
                std::fs::create_dir_all(path.parent().unwrap()).unwrap();
                std::fs::write(path, content).unwrap();
            }
            if let Some(meminfo) = meminfo {
                std::fs::write(root.path().join("meminfo"), meminfo).unwrap();
            }
            std::fs::write(
                root.path().join("status"),
                format!("Name:\tjava\nCpus_allowed:\tf\nCpus_allowed_list:\t{cpus}\n"),
            )
            .unwrap();
            Self { root }
        }

        fn system(&self) -> System {
            System {
                cgroup_root: self.root.path().join("cgroup"),
                meminfo: self.root.path().join("meminfo"),
                proc_status: self.root.path().join("status"),
            }
        }
    }

    fn env(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(name, value)| ((*name).to_string(), (*value).to_string()))
            .collect()
    }

    /// A table row: name, cgroup files, settings, expected `JAVA_TOOL_OPTIONS`.
    type Case<'a> = (
        &'a str,
        Vec<(String, String)>,
        Vec<(&'a str, &'a str)>,
        &'a str,
    );

    /// The table: limits and settings -> the flags added to `JAVA_TOOL_OPTIONS`.
    #[test]
    fn limits_and_expected_flags() {
        let v2 = |limit: &str| vec![("memory.max".to_string(), limit.to_string())];
        let v1 = |limit: &str| {
            vec![(
                "memory/memory.limit_in_bytes".to_string(),
                limit.to_string(),
            )]
        };
        let cases: Vec<Case> = vec![
            (
                "cgroup v2, 1G, 0 classes",
                v2("1073741824\n"),
                vec![(BPI_JVM_CLASS_COUNT, "0")],
                "-XX:MaxDirectMemorySize=10M -Xmx522904K -XX:MaxMetaspaceSize=13671K -XX:ReservedCodeCacheSize=240M -Xss1M -XX:ActiveProcessorCount=4",
            ),
            (
                "cgroup v1, 2G, JVM classes only",
                v1("2147483648"),
                vec![(BPI_JVM_CLASS_COUNT, "25000")],
                // 35% of 25000 = 8750 classes: 14,000,000 + 8750 * 5,800 = 64,750,000 bytes.
                "-XX:MaxDirectMemorySize=10M -Xmx1521919K -XX:MaxMetaspaceSize=63232K -XX:ReservedCodeCacheSize=240M -Xss1M -XX:ActiveProcessorCount=4",
            ),
            (
                "cgroup v2, 768M, 100 threads, 10% head room",
                v2("805306368"),
                vec![
                    (BPI_JVM_CLASS_COUNT, "25000"),
                    (BPL_JVM_THREAD_COUNT, "100"),
                    (BPL_JVM_HEAD_ROOM, "10"),
                ],
                "-XX:MaxDirectMemorySize=10M -Xmx286156K -XX:MaxMetaspaceSize=63232K -XX:ReservedCodeCacheSize=240M -Xss1M -XX:ActiveProcessorCount=4",
            ),
            (
                "cgroup v2, 4G, user heap and processors kept",
                v2("4294967296"),
                vec![
                    (BPI_JVM_CLASS_COUNT, "25000"),
                    (
                        JAVA_TOOL_OPTIONS,
                        "-XX:+ExitOnOutOfMemoryError -Xmx2g -XX:ActiveProcessorCount=2",
                    ),
                ],
                "-XX:+ExitOnOutOfMemoryError -Xmx2g -XX:ActiveProcessorCount=2 -XX:MaxDirectMemorySize=10M -XX:MaxMetaspaceSize=63232K -XX:ReservedCodeCacheSize=240M -Xss1M",
            ),
            (
                "cgroup v2, 1G, loaded class count given",
                v2("1073741824"),
                vec![(BPL_JVM_LOADED_CLASS_COUNT, "1000")],
                "-XX:MaxDirectMemorySize=10M -Xmx517240K -XX:MaxMetaspaceSize=19335K -XX:ReservedCodeCacheSize=240M -Xss1M -XX:ActiveProcessorCount=4",
            ),
            (
                "unlimited v2: MemAvailable",
                v2("max\n"),
                vec![(BPI_JVM_CLASS_COUNT, "0")],
                "-XX:MaxDirectMemorySize=10M -Xmx1571480K -XX:MaxMetaspaceSize=13671K -XX:ReservedCodeCacheSize=240M -Xss1M -XX:ActiveProcessorCount=4",
            ),
            (
                "unlimited v1: MemAvailable",
                v1("9223372036854771712"),
                vec![(BPI_JVM_CLASS_COUNT, "0")],
                "-XX:MaxDirectMemorySize=10M -Xmx1571480K -XX:MaxMetaspaceSize=13671K -XX:ReservedCodeCacheSize=240M -Xss1M -XX:ActiveProcessorCount=4",
            ),
            (
                // Before the shared rule, this was taken as an 8 EiB limit (capped at 64T).
                "unlimited v1 on 64 KiB pages: MemAvailable",
                v1("9223372036854710272"),
                vec![(BPI_JVM_CLASS_COUNT, "0")],
                "-XX:MaxDirectMemorySize=10M -Xmx1571480K -XX:MaxMetaspaceSize=13671K -XX:ReservedCodeCacheSize=240M -Xss1M -XX:ActiveProcessorCount=4",
            ),
            (
                "above 64T: capped",
                v2("140737488355328"),
                vec![(BPI_JVM_CLASS_COUNT, "0")],
                "-XX:MaxDirectMemorySize=10M -Xmx68718951064K -XX:MaxMetaspaceSize=13671K -XX:ReservedCodeCacheSize=240M -Xss1M -XX:ActiveProcessorCount=4",
            ),
        ];
        for (name, files, settings, expected) in cases {
            let files: Vec<(&str, &str)> = files
                .iter()
                .map(|(file, content)| (file.as_str(), content.as_str()))
                .collect();
            let machine = Machine::new(
                &files,
                Some("MemTotal:  4000000 kB\nMemAvailable:    2097152 kB\n"),
                "0-3",
            );
            let output = run(&env(&settings), &machine.system())
                .unwrap_or_else(|error| panic!("{name}: {error}"));
            assert_eq!(output.java_tool_options, expected, "{name}");
        }
    }

    #[test]
    fn unknown_limit_is_one_gib() {
        let machine = Machine::new(&[("memory.max", "max")], None, "0");
        let output = run(&env(&[(BPI_JVM_CLASS_COUNT, "0")]), &machine.system()).unwrap();
        assert!(output.java_tool_options.contains("-Xmx522904K"));
        assert!(
            output
                .java_tool_options
                .ends_with("-XX:ActiveProcessorCount=1")
        );
        assert_eq!(
            output.warnings,
            ["Unable to determine memory limit. Configuring JVM for 1G container."]
        );
        assert_eq!(
            output.summary,
            "Calculated JVM Memory Configuration: -XX:MaxDirectMemorySize=10M -Xmx522904K -XX:MaxMetaspaceSize=13671K -XX:ReservedCodeCacheSize=240M -Xss1M (Total Memory: 1G, Thread Count: 250, Loaded Class Count: 0, Headroom: 0%)"
        );
    }

    #[test]
    fn too_little_memory_fails_naming_the_numbers() {
        let machine = Machine::new(&[("memory.max", &(256 * MIB).to_string())], None, "0-1");
        let error = run(&env(&[(BPI_JVM_CLASS_COUNT, "25000")]), &machine.system()).unwrap_err();
        assert_eq!(
            error.to_string(),
            "unable to calculate memory configuration: fixed memory regions require 575232K which is greater than 256M available for allocation: -XX:MaxDirectMemorySize=10M, -XX:MaxMetaspaceSize=63232K, -XX:ReservedCodeCacheSize=240M, -Xss1M * 250 threads (Total Memory: 256M, Thread Count: 250, Loaded Class Count: 8750, Headroom: 0%). Give the container more memory, or lower $BPL_JVM_THREAD_COUNT, $BPL_JVM_HEAD_ROOM or the sizes set in $JAVA_TOOL_OPTIONS"
        );
    }

    #[test]
    fn app_classes_are_counted_at_launch_with_the_build_count_as_fallback() {
        let machine = Machine::new(&[("memory.max", "1073741824")], None, "0");
        let app = tempfile::tempdir().unwrap();
        for index in 0..100 {
            std::fs::write(app.path().join(format!("C{index}.class")), "x").unwrap();
        }
        let app_path = app.path().to_string_lossy().into_owned();
        // (1000 JVM + 100 app) * 35% = 385 classes.
        let output = run(
            &env(&[
                (BPI_JVM_CLASS_COUNT, "1000"),
                (BPI_APPLICATION_PATH, &app_path),
                (BPI_APPLICATION_CLASS_COUNT, "3"),
            ]),
            &machine.system(),
        )
        .unwrap();
        assert!(
            output.summary.contains("Loaded Class Count: 385,"),
            "{}",
            output.summary
        );
        // The app directory is gone: the build's count (3) is used. (1003 * 35%) = 351.
        let output = run(
            &env(&[
                (BPI_JVM_CLASS_COUNT, "1000"),
                (BPI_APPLICATION_PATH, "/nonexistent/workspace"),
                (BPI_APPLICATION_CLASS_COUNT, "3"),
            ]),
            &machine.system(),
        )
        .unwrap();
        assert!(
            output.warnings[0].starts_with(
                "cannot count the application's classes (cannot read /nonexistent/workspace"
            ),
            "{:?}",
            output.warnings
        );
        assert!(output.summary.contains("Loaded Class Count: 351,"));
    }

    #[test]
    fn class_adjustments_and_agents() {
        let machine = Machine::new(&[("memory.max", "1073741824")], None, "0");
        let count = |settings: &[(&str, &str)]| {
            let output = run(&env(settings), &machine.system()).unwrap();
            let summary = output.summary.clone();
            let count = summary
                .split("Loaded Class Count: ")
                .nth(1)
                .unwrap()
                .split(',')
                .next()
                .unwrap()
                .to_string();
            (count, output.warnings)
        };
        assert_eq!(
            count(&[
                (BPI_JVM_CLASS_COUNT, "1000"),
                (BPL_JVM_CLASS_ADJUSTMENT, "200%")
            ])
            .0,
            "700"
        );
        assert_eq!(
            count(&[
                (BPI_JVM_CLASS_COUNT, "1000"),
                (BPL_JVM_CLASS_ADJUSTMENT, "1000")
            ])
            .0,
            "700"
        );
        let (classes, warnings) = count(&[
            (BPI_JVM_CLASS_COUNT, "1000"),
            (JAVA_TOOL_OPTIONS, "-javaagent:/nonexistent/agent.jar=opt"),
        ]);
        assert_eq!(classes, "350");
        assert!(
            warnings[0]
                .starts_with("could not count the classes of the agent /nonexistent/agent.jar")
        );
    }

    #[test]
    fn invalid_settings_are_errors() {
        let machine = Machine::new(&[], None, "0");
        for (name, value, message) in [
            (
                BPL_JVM_THREAD_COUNT,
                "many",
                "$BPL_JVM_THREAD_COUNT=\"many\" is not a valid number",
            ),
            (
                BPL_JVM_HEAD_ROOM,
                "-5",
                "$BPL_JVM_HEAD_ROOM=\"-5\" is not a valid number",
            ),
            (
                BPL_JVM_HEAD_ROOM,
                "101",
                "$BPL_JVM_HEAD_ROOM=\"101\" is not a valid number",
            ),
            (
                BPL_JVM_CLASS_ADJUSTMENT,
                "x%",
                "$BPL_JVM_CLASS_ADJUSTMENT=\"x%\" is not a valid number",
            ),
            (
                JAVA_TOOL_OPTIONS,
                "-Xss1.5m",
                "unable to calculate memory configuration: JAVA_TOOL_OPTIONS sets \"-Xss1.5m\", which is not a size (use e.g. 512m, 2g)",
            ),
        ] {
            let error = run(
                &env(&[(BPI_JVM_CLASS_COUNT, "0"), (name, value)]),
                &machine.system(),
            )
            .unwrap_err()
            .to_string();
            assert!(error.starts_with(message), "{error}");
        }
        let error = run(&env(&[]), &machine.system()).unwrap_err().to_string();
        assert_eq!(
            error,
            "cannot tell how many classes the JVM has: $BPI_JVM_CLASS_COUNT is not set and $JAVA_HOME is not set; set $BPL_JVM_LOADED_CLASS_COUNT"
        );
    }

    #[test]
    fn deprecated_head_room_is_read_with_a_warning() {
        let machine = Machine::new(&[("memory.max", "1073741824")], None, "0");
        let output = run(
            &env(&[(BPI_JVM_CLASS_COUNT, "0"), (BPL_JVM_HEADROOM, "10")]),
            &machine.system(),
        )
        .unwrap();
        assert!(output.warnings[0].contains("BPL_JVM_HEADROOM is deprecated"));
        assert!(output.java_tool_options.contains("-Xmx418046K"));
    }

    #[test]
    fn exec_d_output_is_toml() {
        let output = LaunchOutput {
            java_tool_options: "-Dmsg=\"hi\\there\"\n\u{1}".to_string(),
            warnings: Vec::new(),
            summary: String::new(),
        };
        // Quotes, backslashes, line breaks and control characters survive: the launcher reads
        // back the same value.
        let toml = output.to_toml().unwrap();
        let table: toml::Table = toml::from_str(&toml).unwrap();
        assert_eq!(
            table[JAVA_TOOL_OPTIONS].as_str(),
            Some("-Dmsg=\"hi\\there\"\n\u{1}")
        );
        assert_eq!(table.len(), 1);
        let plain = LaunchOutput {
            java_tool_options: "-Xss1M -XX:ActiveProcessorCount=2".to_string(),
            warnings: Vec::new(),
            summary: String::new(),
        };
        assert_eq!(
            plain.to_toml().unwrap(),
            "JAVA_TOOL_OPTIONS = \"-Xss1M -XX:ActiveProcessorCount=2\"\n"
        );
    }
}

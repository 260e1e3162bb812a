//! The memory calculator: the exec.d program `memory-calculator` that, at every start of the
//! app, sizes the JVM's memory regions for the container it runs in and adds the flags to
//! `JAVA_TOOL_OPTIONS` (libjvm's `memory-calculator` and `active-processor-count` helpers).
//!
//! Its parts:
//!
//! - [`calculation`]: Paketo's memory calculator (libjvm `calc`): regions, sizes, the user's
//!   flags;
//! - [`system`]: what the container offers (the cgroup memory limit or `/proc/meminfo`, the
//!   processors of `/proc/self/status`);
//! - [`exec_d`]: what the program reads from the environment and the app (the settings, the
//!   class counts) and what it writes (`JAVA_TOOL_OPTIONS`, as exec.d TOML);
//! - elsewhere, by what else uses them: the class counts in [`crate::classes`] (the build counts
//!   classes too), the program's `main` in `src/bin/memory-calculator.rs`, and the layer that
//!   installs it as exec.d in `src/layers/memory_calculator.rs`.

pub mod calculation;
pub mod exec_d;
pub mod system;

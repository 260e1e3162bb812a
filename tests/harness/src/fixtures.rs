//! The hand-written fixture modules of the workspace (`tests/fixtures/extensions/*`,
//! `tests/fixtures/buildpacks/*`): stand-ins for the modules a test's group needs around the
//! module under test.

use crate::{Module, fixture};

/// The fixture module at `tests/fixtures/<path>`, e.g. `extensions/provides-node`.
#[must_use]
pub fn fixture_module(path: &str) -> Module {
    Module::from_dir(fixture(path))
}

//! The hand-written fixture modules of the workspace (`tests/fixtures/extensions/*`,
//! `tests/fixtures/buildpacks/*`): stand-ins for the modules a test's group needs around the
//! module under test.

use crate::{Module, workspace_root};

/// The fixture module at `tests/fixtures/<path>`, e.g. `extensions/provides-node`.
#[must_use]
pub fn fixture_module(path: &str) -> Module {
    Module::from_dir(workspace_root().join("tests/fixtures").join(path))
}

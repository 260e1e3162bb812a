//! How our libcnb buildpacks show an error: `cnb-output`'s convention (`ERROR: <header>`, then
//! the body indented), with `libcnb::Error` shown by its `libcnb` feature. Kept as a name
//! while the buildpacks move to `cnb_output` directly; it has no code of its own.

pub use cnb_output::{HeaderAndBody, print_error, write_error};

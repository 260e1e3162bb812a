//! The layers, one file each: metadata, the restore decision, one `handle_*_layer` function.
//!
//! - `go` (build, cache): a Go toolchain from the inventory, kept while version and checksum
//!   match;
//! - `go-cache` (cache only): `GOMODCACHE` and `GOCACHE`, so a rebuild downloads and compiles only
//!   what changed;
//! - `targets` (launch): the binaries and their SBOM.

pub(crate) mod go;
pub(crate) mod go_cache;
pub(crate) mod targets;

//! The layers, one file each: metadata, what it writes, one `handle_*_layer` function.

pub(crate) mod node_env;

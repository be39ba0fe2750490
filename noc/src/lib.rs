//! Castle's network-on-chip: message format, mesh router, meshes (docs/noc.md).
pub mod arbiter;
pub mod buffer;
pub mod flit;
pub mod mesh;
pub mod network;
pub mod ni;
pub mod router;
#[cfg(test)]
pub(crate) mod testing;

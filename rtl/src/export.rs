//! Verilog export of any rust-hdl block, without rust-hdl's panics.
//!
//! `generate_verilog` unwraps its design-rule check and panics on an out-of-range constant
//! index; here both become errors. The top module is always called `top` (rust-hdl's choice);
//! harnesses give it a distinct C++ name with Verilator's `--prefix`.
use rust_hdl::prelude::*;
use std::panic::{catch_unwind, AssertUnwindSafe};

#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("design check of `{block}` failed: {detail}")]
    Check { block: String, detail: String },
    #[error("Verilog generation for `{block}` panicked: {detail}")]
    Panic { block: String, detail: String },
}

/// Connect, check and export `uut` as Verilog. `block` names it in errors.
pub fn verilog<B: Block>(block: &str, uut: &mut B) -> Result<String, ExportError> {
    uut.connect_all();
    check_all(uut).map_err(|e| ExportError::Check {
        block: block.into(),
        detail: format!("{e:?}"),
    })?;
    // generate_verilog_unchecked has no Result; a panic inside it is a design bug we report.
    // (The panic hook is left alone: swapping it is racy when tests run in parallel.)
    catch_unwind(AssertUnwindSafe(|| generate_verilog_unchecked(uut))).map_err(|p| {
        let detail = p
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_else(|| "unknown panic".into());
        ExportError::Panic {
            block: block.into(),
            detail,
        }
    })
}

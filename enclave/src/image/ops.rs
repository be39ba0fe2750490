//! Which Wasm operators belong to the enclave subset, and how to name the others.
use wasmparser::Operator;

/// Returns `None` if `op` is in the enclave subset (its immediates are checked separately),
/// or why it is not.
pub(crate) fn unsupported_reason(op: &Operator<'_>) -> Option<String> {
    if is_subset(op) {
        return None;
    }
    let (name, proposal) = info(op);
    if let Some(ty) = ["i64", "f32", "f64"]
        .into_iter()
        .find(|ty| name.contains(ty))
    {
        return Some(format!("{ty} is not supported by enclaves"));
    }
    Some(match proposal {
        "simd" | "relaxed_simd" => "SIMD is not supported by enclaves".to_string(),
        "reference_types" => "reference types are not supported by enclaves".to_string(),
        "bulk_memory" => "bulk memory is not supported by enclaves".to_string(),
        "mvp" => "not supported by enclaves".to_string(),
        other => format!(
            "the {} proposal is not supported by enclaves",
            other.replace('_', "-")
        ),
    })
}

/// Text-format name of an operator, such as `i64.add` or `call_indirect`.
pub(crate) fn name(op: &Operator<'_>) -> String {
    let (visit, _) = info(op);
    let name = visit.strip_prefix("visit_").unwrap_or(visit);
    if name == "typed_select" {
        return "select (typed)".to_string();
    }
    const DOTTED: [&str; 22] = [
        "i32", "i64", "f32", "f64", "v128", "i8x16", "i16x8", "i32x4", "i64x2", "f32x4", "f64x2",
        "memory", "table", "local", "global", "ref", "elem", "data", "struct", "array", "any",
        "extern",
    ];
    match name.split_once('_') {
        Some((prefix, rest)) if DOTTED.contains(&prefix) => format!("{prefix}.{rest}"),
        _ => name.to_string(),
    }
}

/// The operators the enclave executes (immediates aside).
fn is_subset(op: &Operator<'_>) -> bool {
    use Operator::*;
    matches!(
        op,
        Unreachable
            | Nop
            | Block { .. }
            | Loop { .. }
            | If { .. }
            | Else
            | End
            | Br { .. }
            | BrIf { .. }
            | BrTable { .. }
            | Return
            | Call { .. }
            | CallIndirect { .. }
            | Drop
            | Select
            | LocalGet { .. }
            | LocalSet { .. }
            | LocalTee { .. }
            | GlobalGet { .. }
            | GlobalSet { .. }
            | I32Load { .. }
            | I32Load8S { .. }
            | I32Load8U { .. }
            | I32Load16S { .. }
            | I32Load16U { .. }
            | I32Store { .. }
            | I32Store8 { .. }
            | I32Store16 { .. }
            | MemorySize { .. }
            | MemoryGrow { .. }
            | I32Const { .. }
            | I32Eqz
            | I32Eq
            | I32Ne
            | I32LtS
            | I32LtU
            | I32GtS
            | I32GtU
            | I32LeS
            | I32LeU
            | I32GeS
            | I32GeU
            | I32Clz
            | I32Ctz
            | I32Popcnt
            | I32Add
            | I32Sub
            | I32Mul
            | I32DivS
            | I32DivU
            | I32RemS
            | I32RemU
            | I32And
            | I32Or
            | I32Xor
            | I32Shl
            | I32ShrS
            | I32ShrU
            | I32Rotl
            | I32Rotr
    )
}

macro_rules! define_info {
    ($( @$proposal:ident $op:ident $({ $($arg:ident: $argty:ty),* })? => $visit:ident ($($ann:tt)*) )*) => {
        /// `(visitor method name, proposal)` of an operator, from wasmparser's operator list.
        fn info(op: &Operator<'_>) -> (&'static str, &'static str) {
            match op {
                $( Operator::$op { .. } => (stringify!($visit), stringify!($proposal)), )*
                _ => ("unknown", "unknown"),
            }
        }
    };
}
wasmparser::for_each_operator!(define_info);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_the_text_format() {
        assert_eq!(name(&Operator::I64Add), "i64.add");
        assert_eq!(name(&Operator::I32TruncF32S), "i32.trunc_f32_s");
        assert_eq!(name(&Operator::MemoryGrow { mem: 0 }), "memory.grow");
        assert_eq!(
            name(&Operator::CallIndirect {
                type_index: 0,
                table_index: 0
            }),
            "call_indirect"
        );
        assert_eq!(
            name(&Operator::F32Const {
                value: wasmparser::Ieee32::from(0.0f32)
            }),
            "f32.const"
        );
    }

    #[test]
    fn reasons_name_the_type_or_proposal() {
        assert_eq!(unsupported_reason(&Operator::I32Add), None);
        assert_eq!(
            unsupported_reason(&Operator::I64Add).unwrap(),
            "i64 is not supported by enclaves"
        );
        assert_eq!(
            unsupported_reason(&Operator::I32WrapI64).unwrap(),
            "i64 is not supported by enclaves"
        );
        assert!(unsupported_reason(&Operator::I32Extend8S)
            .unwrap()
            .contains("sign-extension"));
        assert!(unsupported_reason(&Operator::RefIsNull)
            .unwrap()
            .contains("reference types"));
    }
}

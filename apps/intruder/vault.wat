;; vault: waits for a message that nobody can send it (no enclave holds a capability to it).
(module
  (import "castle" "recv" (func $recv (param i32) (result i32)))
  (memory 1)
  (func (export "main") (result i32) (call $recv (i32.const 0))))

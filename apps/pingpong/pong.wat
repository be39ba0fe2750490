;; pong: answers each of ping's 10 numbers with twice the number.
;; c-list: slot 0 ping (send), slot 1 console (send).
(module
  (import "castle" "send" (func $send (param i32 i32 i32) (result i32)))
  (import "castle" "recv" (func $recv (param i32) (result i32)))
  (memory 1)
  (data (i32.const 0) "pong: done\n")
  (func (export "main") (result i32)
    (local $n i32)
    (loop $serve
      (drop (call $recv (i32.const 64)))
      (i32.store (i32.const 64) (i32.shl (i32.load (i32.const 64)) (i32.const 1)))
      (if (call $send (i32.const 0) (i32.const 64) (i32.const 1)) (then unreachable))
      (local.set $n (i32.add (local.get $n) (i32.const 1)))
      (br_if $serve (i32.lt_u (local.get $n) (i32.const 10))))
    (drop (call $send (i32.const 1) (i32.const 0) (i32.const 3)))
    (local.get $n)))

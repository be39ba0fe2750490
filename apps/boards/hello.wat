;; hello: the one enclave of a board's default cluster. It greets the host over the console,
;; then every 2^20 iterations of its loop (about 0.7 s at 12 MHz) prints `tick D` with D
;; counting 0..9 round.
;; c-list: slot 0 console (send).
(module
  (import "castle" "send" (func $send (param i32 i32 i32) (result i32)))
  (memory 1)
  (data (i32.const 0) "hello, castle!\n\00")
  (data (i32.const 32) "tick 0\n\00")
  (func (export "main")
    (local $n i32) (local $i i32)
    (drop (call $send (i32.const 0) (i32.const 0) (i32.const 4)))
    (loop $forever
      (local.set $i (i32.const 0))
      (loop $wait
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br_if $wait (i32.lt_u (local.get $i) (i32.const 0x100000))))
      (i32.store8 (i32.const 37) (i32.add (i32.const 48) (local.get $n)))
      (drop (call $send (i32.const 0) (i32.const 32) (i32.const 2)))
      (local.set $n (i32.rem_u (i32.add (local.get $n) (i32.const 1)) (i32.const 10)))
      (br $forever))))

;; pong: sends each word of its ping straight back, plus one, 1000 times.
;; c-list: slot 0 its ping (send).
(module
  (import "castle" "send" (func $send (param i32 i32 i32) (result i32)))
  (import "castle" "recv" (func $recv (param i32) (result i32)))
  (memory 1)
  (func (export "main") (result i32)
    (local $n i32)
    (local.set $n (i32.const 1000))
    (loop $serve
      (drop (call $recv (i32.const 0)))
      (i32.store (i32.const 0) (i32.add (i32.load (i32.const 0)) (i32.const 1)))
      (drop (call $send (i32.const 0) (i32.const 0) (i32.const 1)))
      (br_if $serve (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))
    (i32.load (i32.const 0))))

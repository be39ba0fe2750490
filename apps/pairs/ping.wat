;; ping: 1000 one-word round trips with its pong, with as few instructions around the calls as
;; possible: the round-trip benchmark. c-list: slot 0 its pong (send).
(module
  (import "castle" "send" (func $send (param i32 i32 i32) (result i32)))
  (import "castle" "recv" (func $recv (param i32) (result i32)))
  (memory 1)
  (func (export "main") (result i32)
    (local $n i32)
    (local.set $n (i32.const 1000))
    (loop $round
      (drop (call $send (i32.const 0) (i32.const 0) (i32.const 1)))
      (drop (call $recv (i32.const 0)))
      (br_if $round (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))
    (i32.load (i32.const 0))))

;; ping: sends the numbers 1..10 to pong, one at a time, and adds up the replies.
;; c-list: slot 0 pong (send), slot 1 console (send).
(module
  (import "castle" "send" (func $send (param i32 i32 i32) (result i32)))
  (import "castle" "recv" (func $recv (param i32) (result i32)))
  (memory 1)
  (data (i32.const 0) "ping: 10 rounds\n")
  (data (i32.const 16) "ping: done\n")
  (func (export "main") (result i32)
    (local $i i32) (local $sum i32)
    (drop (call $send (i32.const 1) (i32.const 0) (i32.const 4)))
    (loop $round
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (i32.store (i32.const 64) (local.get $i))
      ;; one word to pong, then wait for its answer
      (if (call $send (i32.const 0) (i32.const 64) (i32.const 1)) (then unreachable))
      (drop (call $recv (i32.const 80)))
      (local.set $sum (i32.add (local.get $sum) (i32.load (i32.const 80))))
      (br_if $round (i32.lt_u (local.get $i) (i32.const 10))))
    (drop (call $send (i32.const 1) (i32.const 16) (i32.const 3)))
    ;; 2 + 4 + ... + 20
    (local.get $sum)))

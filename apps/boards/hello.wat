;; hello: the one enclave of a board's default cluster, on the host's end of the UART gateway
;; (c-list slot 0: the `host` device, send). It greets the host; then it answers every message
;; the host sends it with `hello: got ` and the message's bytes, and every 2^18 turns of its
;; loop (about 0.6 s at 12 MHz) prints `tick D`, D counting 0..9 round.
(module
  (import "castle" "send" (func $send (param i32 i32 i32) (result i32)))
  (import "castle" "try_recv" (func $try_recv (param i32) (result i32)))
  (memory 1)
  (data (i32.const 0) "hello, castle!\n\00")
  (data (i32.const 32) "tick 0\n\00")
  (data (i32.const 48) "hello: got \00")
  (data (i32.const 64) "\n\00")
  ;; 80..95: the message received
  (func (export "main")
    (local $n i32) (local $i i32) (local $h i32)
    (drop (call $send (i32.const 0) (i32.const 0) (i32.const 4)))
    (loop $forever
      (local.set $h (call $try_recv (i32.const 80)))
      (if (i32.ge_s (local.get $h) (i32.const 0))
        (then
          (drop (call $send (i32.const 0) (i32.const 48) (i32.const 3)))
          ;; header bits 18:16: the length in words
          (drop (call $send (i32.const 0) (i32.const 80)
            (i32.and (i32.shr_u (local.get $h) (i32.const 16)) (i32.const 7))))
          (drop (call $send (i32.const 0) (i32.const 64) (i32.const 1)))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (if (i32.ge_u (local.get $i) (i32.const 0x40000))
        (then
          (local.set $i (i32.const 0))
          (i32.store8 (i32.const 37) (i32.add (i32.const 48) (local.get $n)))
          (drop (call $send (i32.const 0) (i32.const 32) (i32.const 2)))
          (local.set $n (i32.rem_u (i32.add (local.get $n) (i32.const 1)) (i32.const 10)))))
      (br $forever))))

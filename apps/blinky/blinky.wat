;; blinky: sweeps a light across the LEDs of the `led` device it holds a capability for
;; (slot 0), back and forth: bit 0, 1, ... 7, 6, ... 1, then again. A message's first word
;; sets the LEDs (bits [7:0], 1 = lit); boards with fewer than 8 LEDs show the low bits.
;; `main` never returns: one step every 2^18 loop iterations (about 0.2 s at 12 MHz on the
;; compact core). `sweep` makes the 15 steps of one sweep there and back without waiting and
;; returns the OR of the send statuses (0: every one delivered).
(module
  (import "castle" "send" (func $send (param i32 i32 i32) (result i32)))
  (memory 1)
  ;; LED pattern of step n of a period of 14: one lit bit at n, or 14 - n on the way back
  (func $pattern (param $n i32) (result i32)
    (i32.shl (i32.const 1)
      (select (local.get $n) (i32.sub (i32.const 14) (local.get $n))
        (i32.lt_u (local.get $n) (i32.const 8)))))
  (func $show (param $v i32) (result i32)
    (i32.store (i32.const 0) (local.get $v))
    (call $send (i32.const 0) (i32.const 0) (i32.const 1)))
  (func (export "main")
    (local $n i32) (local $i i32)
    (loop $forever
      (drop (call $show (call $pattern (local.get $n))))
      (local.set $n (i32.rem_u (i32.add (local.get $n) (i32.const 1)) (i32.const 14)))
      (local.set $i (i32.const 0))
      (loop $wait
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br_if $wait (i32.lt_u (local.get $i) (i32.const 0x40000))))
      (br $forever)))
  (func (export "sweep") (result i32)
    (local $n i32) (local $bad i32)
    (loop $step
      (local.set $bad (i32.or (local.get $bad) (call $show (call $pattern (local.get $n)))))
      (local.set $n (i32.add (local.get $n) (i32.const 1)))
      (br_if $step (i32.le_u (local.get $n) (i32.const 14))))
    (local.get $bad)))

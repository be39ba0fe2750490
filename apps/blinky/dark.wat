;; dark: wants to light the LEDs but holds no capability to them: only one to the console
;; (slot 0). It sends 0xff through every other slot; the core refuses each (status -2, nothing
;; enters the network). Prints whether any send got through and returns how many were refused.
(module
  (import "castle" "send" (func $send (param i32 i32 i32) (result i32)))
  (memory 1)
  ;; a message is at most 4 words: each line goes out as 16 bytes, then its newline
  (data (i32.const 16) "dark: no LED lit")
  (data (i32.const 32) "dark: LEDs lit!!")
  (data (i32.const 48) "\n")
  (func (export "main") (result i32)
    (local $slot i32) (local $refused i32)
    (i32.store (i32.const 0) (i32.const 0xff))
    (loop $try
      (local.set $slot (i32.add (local.get $slot) (i32.const 1)))
      (if (i32.eq (call $send (local.get $slot) (i32.const 0) (i32.const 1)) (i32.const -2))
        (then (local.set $refused (i32.add (local.get $refused) (i32.const 1)))))
      (br_if $try (i32.lt_u (local.get $slot) (i32.const 15))))
    (drop (call $send (i32.const 0)
      (select (i32.const 16) (i32.const 32) (i32.eq (local.get $refused) (i32.const 15)))
      (i32.const 4)))
    (drop (call $send (i32.const 0) (i32.const 48) (i32.const 1)))
    (local.get $refused)))

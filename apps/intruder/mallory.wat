;; mallory: tries to send to every slot of its c-list and to grant through each; it holds
;; only a capability to the console (slot 0). Returns how many calls were refused.
(module
  (import "castle" "send" (func $send (param i32 i32 i32) (result i32)))
  (import "castle" "grant" (func $grant (param i32 i32 i32) (result i32)))
  (memory 1)
  (data (i32.const 16) "mallory: done\n\00")
  (func (export "main") (result i32)
    (local $slot i32) (local $refused i32)
    (loop $try
      (local.set $slot (i32.add (local.get $slot) (i32.const 1)))
      (if (i32.eq (call $send (local.get $slot) (i32.const 0) (i32.const 1)) (i32.const -2))
        (then (local.set $refused (i32.add (local.get $refused) (i32.const 1)))))
      (br_if $try (i32.lt_u (local.get $slot) (i32.const 15))))
    ;; granting needs the grant right, which no slot has; slot 16 does not exist
    (local.set $slot (i32.const -1))
    (loop $grant
      (local.set $slot (i32.add (local.get $slot) (i32.const 1)))
      (if (i32.eq (call $grant (local.get $slot) (i32.const 0) (i32.const 3)) (i32.const -2))
        (then (local.set $refused (i32.add (local.get $refused) (i32.const 1)))))
      (br_if $grant (i32.lt_u (local.get $slot) (i32.const 16))))
    (drop (call $send (i32.const 0) (i32.const 16) (i32.const 4)))
    (local.get $refused)))

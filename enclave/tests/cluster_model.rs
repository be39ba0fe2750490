//! The message-level cluster model (`castle_enclave::model::cluster`) on small WAT actors:
//! every rule of docs/abi.md it implements.
use castle_enclave::image::{build, BuildOptions, Profile};
use castle_enclave::model::cluster::{
    Cap, Cluster, NodeSpec, Outcome, DELIVERED, EMPTY, REFUSED, REJECTED,
};
use castle_enclave::model::TrapCause;

const IMPORTS: &str = r#"
    (import "castle" "send" (func $send (param i32 i32 i32) (result i32)))
    (import "castle" "recv" (func $recv (param i32) (result i32)))
    (import "castle" "try_recv" (func $try_recv (param i32) (result i32)))
    (import "castle" "grant" (func $grant (param i32 i32 i32) (result i32)))
    (import "castle" "drop" (func $drop (param i32) (result i32)))
    (memory 1)
"#;

fn actor(body: &str) -> NodeSpec {
    actor_with(body, vec![])
}

fn actor_with(body: &str, clist: Vec<Cap>) -> NodeSpec {
    let wat = format!("(module {IMPORTS} {body})");
    let image = build(wat.as_bytes(), &BuildOptions::default(), &Profile::SIM)
        .unwrap_or_else(|e| panic!("{e}\n{wat}"));
    NodeSpec::Enclave {
        image: Box::new(image),
        entry: "main".into(),
        clist,
    }
}

fn cap(node: usize, badge: u16) -> Cap {
    Cap {
        node,
        send: true,
        grant: false,
        badge,
    }
}

fn run(specs: Vec<NodeSpec>) -> Cluster {
    let mut c = Cluster::new(specs, &Profile::SIM, 1_000_000).unwrap();
    c.run();
    c
}

fn returned(c: &Cluster, node: usize) -> Option<i32> {
    let r = c.reports().into_iter().find(|r| r.node == node).unwrap();
    match r.outcome {
        Outcome::Returned(v) => v,
        other => panic!("node {node}: {other:?}; {:?}", c.reports()),
    }
}

/// Ping sends 1..=3 to pong, which answers each with twice the value; ping sums the answers.
#[test]
fn ping_pong() {
    let ping = actor_with(
        r#"(func (export "main") (result i32) (local $i i32) (local $sum i32)
            (loop $l
              (i32.store (i32.const 0) (i32.add (local.get $i) (i32.const 1)))
              (drop (call $send (i32.const 0) (i32.const 0) (i32.const 1)))
              (drop (call $recv (i32.const 16)))
              (local.set $sum (i32.add (local.get $sum) (i32.load (i32.const 16))))
              (local.set $i (i32.add (local.get $i) (i32.const 1)))
              (br_if $l (i32.lt_u (local.get $i) (i32.const 3))))
            (local.get $sum))"#,
        vec![cap(1, 7)],
    );
    let pong = actor_with(
        r#"(func (export "main") (result i32) (local $h i32) (local $n i32)
            (loop $l
              (local.set $h (call $recv (i32.const 0)))
              (i32.store (i32.const 0) (i32.shl (i32.load (i32.const 0)) (i32.const 1)))
              (drop (call $send (i32.const 0) (i32.const 0) (i32.const 1)))
              (local.set $n (i32.add (local.get $n) (i32.const 1)))
              (br_if $l (i32.lt_u (local.get $n) (i32.const 3))))
            (local.get $h))"#,
        vec![cap(0, 9)],
    );
    let c = run(vec![ping, pong]);
    assert_eq!(returned(&c, 0), Some(2 + 4 + 6));
    // The header of the last message: badge 7, one word.
    assert_eq!(returned(&c, 1), Some(7 | 1 << 16));
    let r = c.reports();
    assert_eq!(
        (
            r[0].counts.sent,
            r[0].counts.delivered,
            r[0].counts.received
        ),
        (3, 3, 3)
    );
    assert_eq!((r[1].counts.sent, r[1].counts.received), (3, 3));
}

/// Text sent to the console becomes lines of the sender's badge; a line may span messages.
#[test]
fn console_lines_by_badge() {
    let a = actor_with(
        r#"(data (i32.const 0) "hello, \00\00\00\00\00\00\00\00\00world\n")
           (func (export "main")
             (drop (call $send (i32.const 0) (i32.const 0) (i32.const 4)))
             (drop (call $send (i32.const 0) (i32.const 16) (i32.const 2))))"#,
        vec![cap(1, 5)],
    );
    let c = run(vec![a, NodeSpec::Console]);
    assert_eq!(c.console().lines, vec![(5, "hello, world".to_string())]);
}

/// Out-of-range arguments, empty slots and missing rights are refused; a full mailbox rejects;
/// `try_recv` on an empty mailbox returns -1; an out-of-bounds buffer traps at the call.
#[test]
fn refusals_rejections_and_traps() {
    let sender = actor_with(
        r#"(global $out (mut i32) (i32.const 0))
           (func $s (param i32 i32 i32) (result i32) (call $send (local.get 0) (local.get 1) (local.get 2)))
           (func (export "main") (result i32)
             (local $i i32) (local $acc i32)
             ;; cap 16, len 5, empty slot 3, grant-only slot 1: refused
             (local.set $acc (i32.sub (i32.const 0) (call $s (i32.const 16) (i32.const 0) (i32.const 1))))
             (local.set $acc (i32.or (local.get $acc) (i32.shl (i32.sub (i32.const 0) (call $s (i32.const 0) (i32.const 0) (i32.const 5))) (i32.const 4))))
             (local.set $acc (i32.or (local.get $acc) (i32.shl (i32.sub (i32.const 0) (call $s (i32.const 3) (i32.const 0) (i32.const 1))) (i32.const 8))))
             (local.set $acc (i32.or (local.get $acc) (i32.shl (i32.sub (i32.const 0) (call $s (i32.const 1) (i32.const 0) (i32.const 1))) (i32.const 12))))
             ;; five sends to a receiver that never drains: 4 delivered, then rejected
             (loop $l
               (local.set $acc (i32.or (local.get $acc)
                 (i32.shl (i32.sub (i32.const 0) (call $s (i32.const 0) (i32.const 0) (i32.const 0)))
                          (i32.add (i32.const 16) (local.get $i)))))
               (local.set $i (i32.add (local.get $i) (i32.const 1)))
               (br_if $l (i32.lt_u (local.get $i) (i32.const 5))))
             (local.get $acc))"#,
        vec![
            cap(0, 1),
            Cap {
                node: 0,
                send: false,
                grant: true,
                badge: 2,
            },
        ],
    );
    let idle = actor(r#"(func (export "main") (result i32) (call $try_recv (i32.const 65520)))"#);
    let trapper = actor(r#"(func (export "main") (result i32) (call $recv (i32.const 65521)))"#);
    let c = run(vec![idle, sender, trapper]);
    let r = REFUSED.unsigned_abs() as i32;
    let rejected_fifth = REJECTED.unsigned_abs() as i32;
    assert_eq!(
        returned(&c, 1),
        Some(r | r << 4 | r << 8 | r << 12 | rejected_fifth << 20)
    );
    assert_eq!(DELIVERED, 0);
    let counts = c.reports()[1].counts;
    assert_eq!(
        (
            counts.sent,
            counts.delivered,
            counts.rejected,
            counts.refused
        ),
        (9, 4, 1, 4)
    );
    // The receiver ran first (node order): its mailbox was empty then.
    assert_eq!(returned(&c, 0), Some(EMPTY));
    let Outcome::Trapped(t) = &c.reports()[2].outcome else {
        panic!("{:?}", c.reports()[2])
    };
    assert_eq!(t.cause, TrapCause::MemOutOfBounds);
}

/// A grants B a send-only copy of its capability to C; B can send to C with A's badge but
/// cannot pass the capability on with the grant right (attenuation), and can drop it.
#[test]
fn grant_attenuates_and_drop_empties() {
    let a = actor_with(
        r#"(func (export "main") (result i32) (call $grant (i32.const 0) (i32.const 1) (i32.const 3)))"#,
        vec![
            Cap {
                node: 1,
                send: true,
                grant: true,
                badge: 1,
            },
            Cap {
                node: 2,
                send: true,
                grant: false,
                badge: 42,
            },
        ],
    );
    let b = actor_with(
        r#"(func (export "main") (result i32) (local $h i32) (local $slot i32)
             (local.set $h (call $recv (i32.const 0)))
             (local.set $slot (i32.and (i32.shr_u (local.get $h) (i32.const 20)) (i32.const 15)))
             (i32.store (i32.const 0) (i32.const 77))
             ;; header: badge 1, grant bit, slot 1 (slot 0 is taken)
             (if (i32.ne (local.get $h) (i32.or (i32.const 1) (i32.or (i32.shl (i32.const 1) (i32.const 19)) (i32.shl (i32.const 1) (i32.const 20)))))
               (then unreachable))
             (if (call $send (local.get $slot) (i32.const 0) (i32.const 1)) (then unreachable))
             ;; the copy has no grant right: granting through it is refused
             (if (i32.ne (call $grant (local.get $slot) (local.get $slot) (i32.const 3)) (i32.const -2)) (then unreachable))
             (if (call $drop (local.get $slot)) (then unreachable))
             (call $send (local.get $slot) (i32.const 0) (i32.const 1)))"#,
        vec![cap(0, 3)],
    );
    let c_ = actor(
        r#"(func (export "main") (result i32) (drop (call $recv (i32.const 0))) (i32.load (i32.const 0)))"#,
    );
    let c = run(vec![a, b, c_]);
    assert_eq!(returned(&c, 0), Some(DELIVERED));
    assert_eq!(returned(&c, 1), Some(REFUSED), "send after drop");
    assert_eq!(returned(&c, 2), Some(77));
}

/// An enclave waiting for a message nobody sends is reported as waiting, not as running.
#[test]
fn waiting_forever_is_quiescent() {
    let w = actor(r#"(func (export "main") (result i32) (call $recv (i32.const 0)))"#);
    let c = run(vec![w]);
    assert_eq!(c.reports()[0].outcome, Outcome::Waiting);
}

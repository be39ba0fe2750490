//! The enclave core's side of the capability ABI on Verilator, against a behavioural NI
//! written here: the core checks arguments before anything reaches the NI, streams the words
//! of a send as the NI's `tx_next` asks, copies a received message into memory, returns the
//! status or header of docs/abi.md, and traps on a bad buffer at the call's pc. (The cluster
//! tests run the same calls against the real NI.)
use castle_enclave::core::enclave::{LoadTarget, SimNodeEnclave};
use castle_enclave::core::load::pack;
use castle_enclave::image::{build, BuildOptions, Profile};
use castle_enclave::model::TrapCause;
use castle_testbench::verilator::{BuildOptions as VOpts, Design, Model};
use std::collections::VecDeque;

const IMPORTS: &str = r#"
    (import "castle" "send" (func $send (param i32 i32 i32) (result i32)))
    (import "castle" "recv" (func $recv (param i32) (result i32)))
    (import "castle" "try_recv" (func $try_recv (param i32) (result i32)))
    (import "castle" "grant" (func $grant (param i32 i32 i32) (result i32)))
    (import "castle" "drop" (func $drop (param i32) (result i32)))
    (memory 1)
"#;

/// A send the core offered: kind, slot, len, give, mask, and the words it streamed.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Sent {
    kind: u64,
    slot: u64,
    len: u64,
    give: u64,
    mask: u64,
    words: Vec<u32>,
}

/// A message in the behavioural mailbox: badge, grant slot, words.
type Msg = (u16, Option<u8>, Vec<u32>);

struct Bench {
    m: Model,
    sent: Vec<Sent>,
    /// Status code for each next send (0 delivered, 1 rejected, 2 refused).
    replies: VecDeque<u64>,
    mailbox: VecDeque<Msg>,
    cycles: u64,
}

fn design() -> Design {
    Design::from_block(
        "enclave_node",
        &mut SimNodeEnclave::default(),
        &VOpts::default(),
    )
    .unwrap_or_else(|e| panic!("{e}"))
}

impl Bench {
    fn new(d: &Design, body: &str) -> Bench {
        let wat = format!("(module {IMPORTS} {body})");
        let image = build(wat.as_bytes(), &BuildOptions::default(), &Profile::SIM_NODE)
            .unwrap_or_else(|e| panic!("{e}"));
        let mut m = d.instantiate().unwrap();
        m.set_by_name("net_present", 1).unwrap();
        m.set_by_name("reset", 1).unwrap();
        m.tick();
        m.set_by_name("reset", 0).unwrap();
        let mut load = |t: LoadTarget, a: u32, v: u64| {
            m.set_by_name("load_valid", 1).unwrap();
            m.set_by_name("load_target", t as u64).unwrap();
            m.set_by_name("load_addr", a as u64).unwrap();
            m.set_by_name("load_data", v).unwrap();
            m.tick();
            m.set_by_name("load_valid", 0).unwrap();
        };
        for l in pack(&image, &Profile::SIM_NODE, 256).unwrap() {
            load(l.target, l.addr, l.data);
        }
        load(LoadTarget::Regs, 4, 1 << 40);
        let main = image.exports["main"];
        m.set_by_name("start_func", main as u64).unwrap();
        m.set_by_name("start_sp", 0).unwrap();
        Bench {
            m,
            sent: vec![],
            replies: VecDeque::new(),
            mailbox: VecDeque::new(),
            cycles: 0,
        }
    }

    fn get(&mut self, name: &str) -> u64 {
        self.m.get_by_name(name).unwrap()
    }

    fn set(&mut self, name: &str, v: u64) {
        self.m.set_by_name(name, v).unwrap();
    }

    /// Runs `main` to its end with the behavioural NI; returns (result, trap cause and pc).
    fn run(&mut self) -> (u32, Option<(TrapCause, u32)>) {
        self.set("start", 1);
        self.m.tick();
        self.set("start", 0);
        // Behavioural NI: the send being served (cycle it was taken, words taken so far), the
        // low half of the word being taken, the next mailbox word, a scheduled status.
        let mut send: Option<(Sent, u64)> = None;
        let mut low: Option<u32> = None;
        let mut mb_word_next = 0u32;
        let mut status_at: Option<(u64, u64)> = None;
        while self.get("busy") != 0 {
            assert!(self.cycles < 100_000, "hung");
            let head = self.mailbox.front().cloned();
            self.set("ni_mb_valid", head.is_some() as u64);
            if let Some((badge, grant, words)) = &head {
                self.set("ni_mb_badge", *badge as u64);
                self.set("ni_mb_grant", grant.is_some() as u64);
                self.set("ni_mb_len", words.len() as u64);
                self.set("ni_mb_slot", grant.unwrap_or(0) as u64);
            }
            self.set("ni_mb_word", mb_word_next as u64);
            self.set("ni_send_ready", send.is_none() as u64);
            let status = status_at.is_some_and(|(c, _)| c == self.cycles);
            self.set("ni_status_valid", status as u64);
            self.set("ni_status_code", status_at.map_or(0, |(_, code)| code));
            // As fast as the real NI: flit 2+2i (the low half) 4+2i cycles after the send was
            // taken, flit 3+2i (the high half, `tx_next`) in the cycle after.
            let (mut take_low, mut tx_next) = (false, false);
            if let Some((s, at)) = &send {
                let k = self.cycles - at;
                if s.kind == 0 && s.words.len() < s.len as usize && k >= 4 {
                    take_low = (k - 4).is_multiple_of(2);
                    tx_next = (k - 4) % 2 == 1;
                }
            }
            self.set("ni_tx_next", tx_next as u64);
            self.m.eval();
            if take_low {
                low = Some(self.get("ni_tx_word") as u32);
            }
            if tx_next {
                let w = self.get("ni_tx_word") as u32;
                assert_eq!(Some(w), low, "tx_word changed between the halves of a word");
                send.as_mut().unwrap().0.words.push(w);
            }
            if let Some((s, _)) = &send {
                if status_at.is_none() && s.words.len() == s.len as usize {
                    let code = self.replies.pop_front().unwrap_or(0);
                    status_at = Some((self.cycles + 3, code));
                }
            }
            if status {
                self.sent.push(send.take().unwrap().0);
                status_at = None;
            }
            if send.is_none() && !status && self.get("ni_send_valid") != 0 {
                let s = Sent {
                    kind: self.get("ni_send_kind"),
                    slot: self.get("ni_send_slot"),
                    len: self.get("ni_send_len"),
                    give: self.get("ni_send_give"),
                    mask: self.get("ni_send_mask"),
                    words: vec![],
                };
                let len = if s.kind == 0 { s.len } else { 0 };
                send = Some((Sent { len, ..s }, self.cycles));
            }
            let sel = self.get("ni_mb_sel") as usize;
            mb_word_next = head
                .as_ref()
                .and_then(|(_, _, w)| w.get(sel).copied())
                .unwrap_or(0);
            if self.get("ni_mb_pop") != 0 {
                self.mailbox.pop_front();
            }
            self.m.tick();
            self.cycles += 1;
        }
        let trap = (self.get("trap_valid") != 0).then(|| {
            (
                TrapCause::from_code(self.get("trap_cause") as u8),
                self.get("trap_pc") as u32,
            )
        });
        (self.get("result") as u32, trap)
    }

    /// Linear memory word `i` through the peek port.
    fn word(&mut self, i: u32) -> u32 {
        self.set("peek_target", LoadTarget::Memory as u64);
        self.set("peek_addr", i as u64);
        self.m.tick();
        self.get("peek_data") as u32
    }
}

#[test]
fn core_side_of_the_abi() {
    let d = design();

    // send: unaligned buffer, 3 words streamed in order; the status comes back as 0 / -1.
    let mut b = Bench::new(
        &d,
        r#"(data (i32.const 1) "\01\00\00\00\02\00\00\00\03\00\00\00")
           (func (export "main") (result i32)
             (i32.add (i32.mul (call $send (i32.const 5) (i32.const 1) (i32.const 3)) (i32.const 10))
                      (call $send (i32.const 6) (i32.const 0) (i32.const 0))))"#,
    );
    b.replies = [0, 1].into();
    let (r, trap) = b.run();
    assert_eq!(trap, None);
    assert_eq!(r as i32, -1, "0 * 10 + -1");
    assert_eq!(b.sent.len(), 2);
    assert_eq!(
        (
            b.sent[0].kind,
            b.sent[0].slot,
            b.sent[0].len,
            &b.sent[0].words
        ),
        (0, 5, 3, &vec![1, 2, 3])
    );
    assert_eq!(
        (b.sent[1].slot, b.sent[1].len, &b.sent[1].words),
        (6, 0, &vec![])
    );

    // Arguments out of range never reach the NI; a bad buffer traps at the call.
    let mut b = Bench::new(
        &d,
        r#"(func (export "main") (result i32)
             (if (i32.ne (call $send (i32.const 16) (i32.const 0) (i32.const 1)) (i32.const -2)) (then unreachable))
             (if (i32.ne (call $send (i32.const 0) (i32.const 0) (i32.const 5)) (i32.const -2)) (then unreachable))
             (if (i32.ne (call $grant (i32.const 0) (i32.const 16) (i32.const 1)) (i32.const -2)) (then unreachable))
             (if (i32.ne (call $grant (i32.const 0) (i32.const 1) (i32.const 4)) (i32.const -2)) (then unreachable))
             (if (i32.ne (call $drop (i32.const -1)) (i32.const -2)) (then unreachable))
             (call $send (i32.const 0) (i32.const 65532) (i32.const 2)))"#,
    );
    let (_, trap) = b.run();
    assert!(b.sent.is_empty(), "{:?}", b.sent);
    let (cause, pc) = trap.expect("trap");
    assert_eq!(cause, TrapCause::MemOutOfBounds);
    assert!(pc > 0);

    // grant and drop go to the NI with their fields.
    let mut b = Bench::new(
        &d,
        r#"(func (export "main") (result i32)
             (i32.add (call $grant (i32.const 2) (i32.const 9) (i32.const 1)) (call $drop (i32.const 4))))"#,
    );
    b.replies = [0, 2].into();
    let (r, trap) = b.run();
    assert_eq!((r as i32, trap), (-2, None));
    assert_eq!(
        (
            b.sent[0].kind,
            b.sent[0].slot,
            b.sent[0].give,
            b.sent[0].mask
        ),
        (1, 2, 9, 1)
    );
    assert_eq!((b.sent[1].kind, b.sent[1].slot), (2, 4));

    // recv copies the words (unaligned), returns the header, pops; try_recv on empty is -1.
    let mut b = Bench::new(
        &d,
        r#"(func (export "main") (result i32) (local $h i32)
             (local.set $h (call $recv (i32.const 3)))
             (if (i32.ne (call $recv (i32.const 100)) (i32.or (i32.const 7) (i32.or (i32.shl (i32.const 1) (i32.const 19)) (i32.shl (i32.const 5) (i32.const 20)))))
               (then unreachable))
             (if (i32.ne (call $try_recv (i32.const 0)) (i32.const -1)) (then unreachable))
             (local.get $h))"#,
    );
    b.mailbox = [
        (0x1234, None, vec![0xaabbccdd, 0x11223344, 0x55667788]),
        (7, Some(5), vec![]),
    ]
    .into();
    let (r, trap) = b.run();
    assert_eq!(trap, None);
    assert_eq!(r, 0x1234 | 3 << 16);
    assert!(b.mailbox.is_empty());
    // Bytes 3..14: dd cc bb aa 44 33 22 11 88 77 66 55; byte 15 untouched.
    let words: Vec<u32> = (0..4).map(|i| b.word(i)).collect();
    assert_eq!(
        words,
        vec![0xdd00_0000, 0x44aa_bbcc, 0x8811_2233, 0x0055_6677]
    );
}

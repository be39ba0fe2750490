//! The exported networks of routers and NIs on Verilator, against the reference model of the
//! capability rules (`castle_testbench::network::RefNet`).
use castle_testbench::network::{
    design, entry, Expect, Network, RefNet, Send, DELIVERED, KIND_DATA, REFUSED, REJECTED, SLOTS,
};
use castle_testbench::verilator::BuildOptions;
use rand::{rngs::StdRng, Rng, SeedableRng};
use std::collections::{HashMap, VecDeque};

fn net(name: &str) -> Network {
    let d = design(name, &BuildOptions::default()).unwrap_or_else(|e| panic!("{e}"));
    Network::new(&d, name).unwrap()
}

/// Random c-lists (some slots empty, some without the send right, on 2x2 some pointing at
/// coordinates outside the mesh), random sends through random slots (forged = empty slots,
/// wrong right = data through grant-only slots and grants through send-only slots), drops of
/// random slots (which later sends through them must find empty), receivers that drain at
/// random speeds. Every send is accounted for: refused exactly when the model says so;
/// delivered exactly once to the model's node with the model's badge and the words sent (each
/// word streamed on `tx_word`, one `tx_next` pulse per word); rejected and never delivered; a
/// drop delivered exactly when the slot was valid, nothing entering the mesh.
fn random_traffic(name: &str, per_node: usize, seed: u64) {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut n = net(name);
    let (nodes, w) = (n.nodes, n.width);
    let h = nodes / w;
    let mut model = RefNet::new(nodes, w);
    for k in 0..nodes {
        for s in 0..SLOTS as u8 {
            if rng.gen_bool(0.25) {
                continue; // empty slot: a forged index
            }
            let (send, grant) = match rng.gen_range(0..4) {
                0 => (false, true),
                1 => (true, true),
                _ => (true, false),
            };
            let (x, y) = if w < 4 && rng.gen_bool(0.1) {
                // Any coordinates: mostly outside a 2x2 mesh, which the NI must refuse.
                (rng.gen_range(0..4u8), rng.gen_range(0..4u8))
            } else {
                let d = rng.gen_range(0..nodes);
                ((d % w) as u8, (d / w) as u8)
            };
            let e = entry(x, y, send, grant, rng.gen());
            n.cfg(k, s, e);
            model.cfg(k, s, e);
        }
        n.drain[k] = [1.0, 0.5, 0.1, 0.02][rng.gen_range(0..4)];
    }
    // The model's outcome for each node's sends, in order: a node's c-list changes only by
    // its own drops here (grants that would succeed are left to the grant test), so the
    // outcomes can be decided as the sends are made up.
    let mut expect: Vec<VecDeque<Expect>> = vec![VecDeque::new(); nodes];
    let mut id = 0u32;
    // Data sends refused only because the slot points outside the mesh.
    let mut outside = 0;
    for (k, exp_k) in expect.iter_mut().enumerate() {
        for _ in 0..per_node {
            let slot = rng.gen_range(0..SLOTS as u8);
            let s = match rng.gen_range(0..40) {
                0..=3 => {
                    // A grant kind through whatever the slot is; give an empty or a full slot.
                    let s = Send::grant(slot, rng.gen_range(0..SLOTS as u8), 3);
                    if model.expect(k, &s) != Expect::Refused {
                        continue;
                    }
                    s
                }
                4 => Send::drop(slot),
                _ => {
                    let len = rng.gen_range(1..=4);
                    id += 1;
                    let mut words: Vec<u32> = (0..len).map(|_| rng.gen()).collect();
                    words[0] = (k as u32) << 24 | id;
                    Send::data(slot, &words)
                }
            };
            let e = model.clist[k][s.slot as usize];
            let outside_mesh = (e >> 16 & 3) as usize >= w || (e >> 18 & 3) as usize >= h;
            let exp = model.take(k, &s);
            if exp == Expect::Refused && e != 0 && outside_mesh && s.kind == KIND_DATA {
                outside += (e & castle_noc::ni::ENTRY_SEND != 0) as usize;
            }
            exp_k.push_back(exp);
            n.send(k, s);
        }
    }
    assert!(
        n.run_until_quiet(400_000),
        "sends still outstanding after 400k cycles"
    );
    // Drain everything left.
    n.drain = vec![1.0; nodes];
    n.run(200);
    assert_eq!(n.dropped_flits, 0, "a flit left the mesh");
    let mut got: HashMap<u32, Vec<_>> = HashMap::new();
    for g in &n.got {
        assert!(!g.grant);
        got.entry(g.words[0]).or_default().push(g.clone());
    }
    let (mut del, mut rej, mut refu, mut drops) = (0, 0, 0, 0);
    for d in &n.done {
        let exp = expect[d.node]
            .pop_front()
            .expect("more statuses than sends");
        let gs = d
            .send
            .words
            .first()
            .and_then(|w0| got.remove(w0))
            .unwrap_or_default();
        let pulses = match (&exp, d.code) {
            (Expect::To { .. }, DELIVERED | REJECTED) if d.send.kind == KIND_DATA => {
                d.send.words.len()
            }
            _ => 0,
        };
        assert_eq!(d.tx_pulses, pulses, "tx_next pulses: {d:?}");
        match (exp, d.code) {
            (Expect::Refused, REFUSED) => {
                assert!(gs.is_empty());
                assert!(
                    d.status_at - d.taken <= 3,
                    "refusal took {} cycles",
                    d.status_at - d.taken
                );
                refu += 1;
            }
            (Expect::Dropped, DELIVERED) => {
                assert!(
                    d.status_at - d.taken <= 3,
                    "drop took {} cycles",
                    d.status_at - d.taken
                );
                drops += 1;
            }
            (Expect::To { node, badge, .. }, DELIVERED) => {
                assert_eq!(gs.len(), 1, "{d:?} delivered {} times", gs.len());
                assert_eq!(
                    (gs[0].node, gs[0].badge, &gs[0].words),
                    (node, badge, &d.send.words),
                    "{d:?}"
                );
                del += 1;
            }
            (Expect::To { .. }, REJECTED) => {
                assert!(gs.is_empty(), "rejected but delivered: {d:?}");
                rej += 1;
            }
            (e, c) => panic!("{d:?}: model {e:?}, status {c}"),
        }
    }
    assert!(
        expect.iter().all(|e| e.is_empty()),
        "sends without a status"
    );
    assert!(
        got.is_empty(),
        "messages nobody sent (or delivered twice): {got:?}"
    );
    eprintln!(
        "{name}: {} sends: {del} delivered, {rej} rejected, {refu} refused ({outside} for a destination outside the mesh), {drops} drops in {} cycles",
        n.done.len(),
        n.cycle
    );
    assert!(
        del > 0 && rej > 0 && refu > 0 && drops > 0 && (w == 4 || outside > 0),
        "some outcome never happened"
    );
}

#[test]
fn random_traffic_2x2() {
    random_traffic("network2x2", 150, 1);
}

#[test]
fn random_traffic_4x4() {
    random_traffic("network4x4", 40, 2);
}

/// A capability passed along a chain of nodes, with a random mask at each step: the model
/// predicts the slot it lands in and its rights; behaviour through the installed slot (data
/// send, onward grant) matches the model's rights, and rights never grow along the chain.
/// Eight random chains (seeds), each until the grant right is masked off or the chain ends.
#[test]
fn grant_chains_attenuate() {
    let d = design("network4x4", &BuildOptions::default()).unwrap_or_else(|e| panic!("{e}"));
    let mut hops = 0;
    for seed in 0..8 {
        hops += grant_chain(&d, seed);
    }
    eprintln!("{hops} grants along 8 chains");
}

fn grant_chain(d: &castle_testbench::verilator::Design, seed: u64) -> usize {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut n = Network::new(d, "network4x4").unwrap();
    let mut model = RefNet::new(16, 4);
    let mut chain: Vec<usize> = (0..16).collect();
    for i in (1..16).rev() {
        chain.swap(i, rng.gen_range(0..=i));
    }
    chain.truncate(8);
    let target = chain[7];
    let chain = &chain[..7];
    // Each chain node's slot 0: send+grant to the next chain node.
    for i in 0..chain.len() - 1 {
        let nx = chain[i + 1];
        let e = entry((nx % 4) as u8, (nx / 4) as u8, true, true, 0x100 + i as u16);
        n.cfg(chain[i], 0, e);
        model.cfg(chain[i], 0, e);
    }
    // Fill some slots of the receivers so the grant does not always land in slot 1.
    for &k in &chain[1..] {
        for s in 1..rng.gen_range(1..6u8) {
            let e = entry(0, 0, false, false, 0);
            n.cfg(k, s, e);
            model.cfg(k, s, e);
        }
    }
    let t = entry((target % 4) as u8, (target / 4) as u8, true, true, 0xcafe);
    n.cfg(chain[0], 7, t);
    model.cfg(chain[0], 7, t);
    assert!(n.run_until_quiet(1000));
    let mut give = 7u8;
    let mut rights = 3u32;
    for i in 0..chain.len() - 1 {
        let (from, to) = (chain[i], chain[i + 1]);
        // Mostly keep the grant right so chains get long; sometimes drop either right.
        let mask = if rng.gen_bool(0.7) {
            2 | rng.gen_range(0..2u8)
        } else {
            rng.gen_range(0..4u8)
        };
        let s = Send::grant(0, give, mask);
        let exp = model.expect(from, &s);
        n.send(from, s);
        assert!(n.run_until_quiet(2000));
        n.run(20);
        let d = n.done.last().unwrap().clone();
        let granted = match exp {
            Expect::To {
                node,
                entry: Some(e),
                ..
            } if node == to => e,
            e => panic!("model: {e:?}"),
        };
        assert_eq!(d.code, DELIVERED, "{d:?}");
        let slot = model.install(to, granted).expect("model c-list full");
        let g = n.got.pop().expect("grant not in the mailbox");
        assert!(
            g.grant && g.node == to && g.slot == slot && g.badge == 0x100 + i as u16,
            "{g:?}, model slot {slot}"
        );
        let r = (granted >> 20) & 3;
        assert_eq!(r & !rights, 0, "rights grew: {rights:#b} -> {r:#b}");
        assert_eq!(r, rights & mask as u32);
        rights = r;
        // Use it: a data send through the new slot reaches the target with its badge
        // exactly when the send right survived.
        n.send(to, Send::data(slot, &[i as u32]));
        assert!(n.run_until_quiet(2000));
        n.run(20);
        let d = n.done.last().unwrap();
        if r & 1 == 1 {
            assert_eq!(d.code, DELIVERED);
            let m = n.got.pop().unwrap();
            assert_eq!(
                (m.node, m.badge, m.words.clone()),
                (target, 0xcafe, vec![i as u32])
            );
        } else {
            assert_eq!(d.code, REFUSED);
        }
        // Granting *through* the new slot needs its grant right.
        if i + 1 < chain.len() - 1 {
            n.send(to, Send::grant(slot, slot, 3));
            assert!(n.run_until_quiet(2000));
            n.run(20);
            let d = n.done.last().unwrap();
            if r & 2 == 0 {
                assert_eq!(
                    d.code, REFUSED,
                    "grant through a slot without the grant right"
                );
            } else {
                // Delivered to the target itself (the slot points there): install there.
                assert_eq!(d.code, DELIVERED);
                let g = n.got.pop().unwrap();
                let e = match model.expect(to, &Send::grant(slot, slot, 3)) {
                    Expect::To {
                        node,
                        entry: Some(e),
                        ..
                    } if node == target => e,
                    e => panic!("{e:?}"),
                };
                assert_eq!(model.install(target, e), Some(g.slot));
                assert_eq!(
                    (e >> 20) & 3,
                    r,
                    "a mask of 11 kept exactly the held rights"
                );
            }
        }
        give = slot;
        if r & 2 == 0 {
            // The chain can go on (slot 0 has the grant right) but only with rights ⊆ r.
            rights = r;
        }
    }
    assert_eq!(n.dropped_flits, 0);
    chain.len() - 1
}

/// A 4-word message to a neighbour and to nodes further away: cycles from the send being taken
/// to `mb_valid` at the receiver, on an idle 4x4 network.
#[test]
fn latency_per_hop() {
    let mut n = net("network4x4");
    let mut lat = vec![];
    for (i, &dst) in [1usize, 2, 3, 7, 11, 15].iter().enumerate() {
        n.cfg(
            0,
            i as u8,
            entry((dst % 4) as u8, (dst / 4) as u8, true, false, i as u16),
        );
    }
    assert!(n.run_until_quiet(100));
    for i in 0..6u8 {
        n.send(0, Send::data(i, &[1, 2, 3, 4]));
        assert!(n.run_until_quiet(200));
        n.run(10);
        let d = n.done.last().unwrap();
        let g = n.got.last().unwrap();
        assert_eq!(g.badge, i as u16);
        lat.push((g.seen - d.taken, d.status_at - d.taken));
    }
    eprintln!("4-word message, hops 1..6: send taken -> mb_valid, -> status: {lat:?}");
    assert_eq!(lat[0].0, 14, "neighbour latency");
    for h in 1..6 {
        assert_eq!(lat[h].0, lat[0].0 + h as u64, "one cycle per extra hop");
    }
}

/// Throughput of every other pair, with and without one receiver that never drains: uniform
/// random destinations, 4-word messages, every node always has a send ready.
#[test]
fn slow_receiver_does_not_block_others() {
    let slow = 5usize;
    let measure = |never_drain: bool| {
        let mut rng = StdRng::seed_from_u64(4);
        let mut n = net("network4x4");
        for k in 0..16 {
            for d in 0..16 {
                n.cfg(
                    k,
                    d as u8,
                    entry(
                        (d % 4) as u8,
                        (d / 4) as u8,
                        true,
                        false,
                        (k << 8 | d) as u16,
                    ),
                );
            }
            for _ in 0..400 {
                n.send(k, Send::data(rng.gen_range(0..16), &[k as u32, 2, 3, 4]));
            }
        }
        if never_drain {
            n.drain[slow] = 0.0;
        }
        let cycles = 12_000;
        n.run(cycles);
        let ok = n
            .done
            .iter()
            .filter(|d| d.code == DELIVERED && d.send.slot as usize != slow)
            .count();
        let rej = n.done.iter().filter(|d| d.code == REJECTED).count();
        assert!(
            n.backlog(0) > 0,
            "senders ran dry: not a saturation measurement"
        );
        (ok as f64 / cycles as f64, rej)
    };
    let (base, rej0) = measure(false);
    let (with_slow, rej1) = measure(true);
    let ratio = with_slow / base;
    eprintln!("other pairs: {base:.4} msg/cycle without, {with_slow:.4} with a receiver that never drains; ratio {ratio:.3} (rejections {rej0} vs {rej1})");
    assert!(rej1 > 0);
    assert!(ratio >= 0.95, "ratio {ratio}");
}

/// Latency-versus-load curves on the 4x4 network; writes docs/noc-latency.svg.
#[test]
fn latency_under_load_curves() {
    let f = castle_testbench::bench::noc_latency(&|_| {}).unwrap();
    for (name, pts) in [("uniform", &f.uniform), ("hotspot", &f.hotspot)] {
        for p in pts.iter() {
            eprintln!(
                "{name}: offered {:.3} accepted {:.4} rejected {:.4} mean {:.1} p99 {:.0}",
                p.offered, p.accepted, p.rejected, p.mean_latency, p.p99_latency
            );
        }
    }
    eprintln!(
        "saturation: uniform {:.4}, hotspot {:.4} msg/node/cycle",
        f.saturation_uniform, f.saturation_hotspot
    );
    std::fs::write(
        castle_rtl::tools::project_root().join("docs/noc-latency.svg"),
        &f.svg,
    )
    .unwrap();
    // Light load: a message is in the mailbox within ~2x the zero-load latency.
    assert!(f.uniform[0].mean_latency < 40.0, "{:?}", f.uniform[0]);
    assert!(f.saturation_uniform > 0.02);
}

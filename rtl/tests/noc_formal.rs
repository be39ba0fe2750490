//! Formal proofs (SymbiYosys, k-induction with yices) of the NoC's capability and delivery
//! properties on the exported Verilog. The properties are inserted into the exported `top`
//! module (so they can name its internal signals, e.g. `state$q`), under `ifdef FORMAL`; every
//! input is driven by the solver. docs/noc.md ("Proofs") says what each covers and why the
//! configuration suffices.
use castle_noc::arbiter::OutputArbiter;
use castle_noc::buffer::SkidBuffer;
use castle_rtl::{blocks, export, formal};

/// Insert `props` at the end of module `top`.
fn with_props(verilog: &str, props: &str) -> String {
    with_module_props(verilog, "top", props)
}

/// Insert `props` at the end of module `module` (a submodule of the export, e.g. `top$oa_l`).
fn with_module_props(verilog: &str, module: &str, props: &str) -> String {
    let end = verilog
        .find(&format!("endmodule // {module}\n"))
        .expect("end of module");
    format!(
        "{}`ifdef FORMAL\n{props}\n`endif\n{}",
        &verilog[..end],
        &verilog[end..]
    )
}

/// Replace the NI's c-list RAM instance by the same memory written inline in `top`, so that
/// properties can name its contents (`f_mem`). Same code as the RAM widget's Verilog.
fn inline_clist(verilog: &str) -> String {
    let start = verilog
        .find("    top$clist clist(")
        .expect("c-list instance");
    let len = verilog[start..].find(");\n").unwrap() + 3;
    let inline = "    reg [23:0] f_mem[15:0];\n    reg [23:0] f_rd;\n    assign clist$read_data = f_rd;\n    \
                  always @(posedge clock) begin\n        f_rd <= f_mem[clist$read_address];\n        \
                  if (clist$write_enable) f_mem[clist$write_address] <= clist$write_data;\n    end\n";
    format!("{}{inline}{}", &verilog[..start], &verilog[start + len..])
}

/// The NI block (node (1,1)) with its c-list inline and its node mask `nodes` left to the
/// solver (an `anyconst` instead of the exported constant), so the NI proofs hold for every
/// cluster's mask.
fn ni_verilog() -> String {
    let v = inline_clist(&blocks::export("ni").unwrap());
    let decl = v.find("    localparam  nodes = ").expect("node mask");
    let end = decl + v[decl..].find('\n').unwrap() + 1;
    format!(
        "{}    (* anyconst *) reg [15:0] nodes;\n{}",
        &v[..decl],
        &v[end..]
    )
}

fn prove(name: &str, verilog: &str, depth: u32) {
    if let Some(dir) = std::env::var_os("CASTLE_FORMAL_DUMP") {
        std::fs::write(
            std::path::Path::new(&dir).join(format!("{name}.v")),
            verilog,
        )
        .unwrap();
        return;
    }
    let t = std::time::Instant::now();
    formal::prove_with(name, verilog, depth, "smtbmc yices").unwrap_or_else(|e| panic!("{e}"));
    eprintln!(
        "{name}: proved (k = {depth}) in {:.1} s",
        t.elapsed().as_secs_f64()
    );
}

/// Shared ghost state for the NI proofs: `f_take`/`f_own`: a flit leaves; it belongs to the
/// NI's own send (not a status reply). `f_e`/`f_v`: the entry of the slot named by the
/// enclave, and its validity, as the c-list held them in the cycle the send was taken (a slot
/// written in that very cycle counts as invalid). `f_g`/`f_gv`: the same for slot `give`.
/// `f_kind`, `f_slot`, `f_len`: the send's kind, slot and length as the enclave gave them.
const NI_GHOST: &str = r#"
    reg f_past = 1'b0;
    always @(posedge clock) f_past <= 1'b1;
    always @(*) if (!f_past) assume(reset);
    wire f_wr_slot = clist$write_enable && clist$write_address == send_slot;
    wire f_wr_give = clist$write_enable && clist$write_address == s_give$q;
    reg [23:0] f_e; reg f_v; reg [23:0] f_g; reg f_gv;
    reg [1:0] f_kind; reg [3:0] f_slot; reg [2:0] f_len;
    wire f_send = send_valid && send_ready;
    always @(posedge clock) begin
        if (state$q == 3'd0) begin f_e <= f_mem[send_slot]; f_v <= valid$q[send_slot] && !f_wr_slot; end
        if (state$q == 3'd1) begin f_g <= f_mem[s_give$q]; f_gv <= valid$q[s_give$q] && !f_wr_give; end
        if (f_send) begin f_kind <= send_kind; f_slot <= send_slot; f_len <= send_len; end
    end
    always @(*) if (f_past && state$q != 3'd0) assert(s_kind$q == f_kind && s_slot$q == f_slot);
    always @(*) if (f_past && (state$q == 3'd1 || (state$q >= 3'd3 && s_kind$q == 2'd0))) assert(s_len$q == f_len);
    always @(*) if (state$q >= 3'd2) assert(s_kind$q[1] == 1'b0);
    always @(*) if (state$q == 3'd2) assert(s_kind$q == 2'd1);
    // During the mailbox scrub no send is taken and nothing is committed.
    always @(*) if (scrub$q) assert(!send_ready && mb_cnt$q == 3'd0 && !(rx_busy$q && rx_acc$q));
    // The network delivers packets as NIs build them: at most 10 flits (flit 9 is `last`).
    always @(*) if (net_in_valid && rx_busy$q && rx_idx$q == 4'd9) assume(net_in_flit[16]);
    always @(*) if (rx_busy$q) assert(rx_idx$q != 4'd0 && rx_idx$q <= 4'd9);
    always @(*) if (!rx_busy$q) assert(rx_idx$q == 4'd0);
    always @(*) if (inj_busy$q && !inj_rep$q) assert(state$q == 3'd3 && fidx$q != 4'd0);
    always @(*) if (inj_busy$q && inj_rep$q) assert(fidx$q == 4'd1);
    always @(*) if (!inj_busy$q) assert(fidx$q == 4'd0);
    always @(*) if (state$q == 3'd3 && !(inj_busy$q && inj_rep$q)) assert(fidx$q <= {s_len$q, 1'b1});
    always @(*) if (state$q == 3'd3) assert(s_len$q <= 3'd4);
    always @(*) if (state$q == 3'd3 && s_kind$q == 2'd1) assert(s_len$q == 3'd1);
    always @(*) assert(state$q <= 3'd4);
    always @(*) if (rx_busy$q && rx_kind$q == 2'd1) assert(cfg_block$q);
    wire f_take = net_out_valid && net_out_ready;
    wire f_own = f_take && !cur_rep;
    wire [1:0] f_right = s_kind$q == 2'd1 ? f_e[21:20] & 2'b10 : f_e[21:20] & 2'b01;
    // The attenuated entry of slot `give`: badge, dst, rights & mask; no reserved rights.
    wire [21:0] f_att = {f_g[21:20] & s_mask$q, f_g[19:0]};
"#;

/// (a) A packet the NI sends carries exactly the destination and badge of the c-list slot the
/// enclave named, which was valid, held the right for the kind (send for data, grant for a
/// grant) and pointed at a node of the cluster (`nodes`, any mask), with the NI's own
/// coordinates as `src` and the kind and length the enclave asked for; the `last` bit is on
/// flit 2·len+1; nothing else the enclave drives (`tx_word` included) reaches the header. A
/// data send or grant whose destination is not in `nodes` is refused (status 2 two cycles
/// after the send) and injects nothing.
/// With (b)'s attenuation and (d)'s intact delivery, a message reaches B with badge b only
/// through a slot holding a send capability to B with badge b. Receiver side: the mailbox
/// entry's badge is the badge flit of the packet it came in.
#[test]
fn ni_header_is_the_capability_used() {
    let v = ni_verilog();
    let props = format!(
        "{NI_GHOST}{}",
        r#"
    // Invariants of the send path (also needed for induction).
    always @(*) if (f_past && state$q == 3'd1) assert(clist$read_data == f_e && s_vld$q == f_v);
    always @(*) if (f_past && state$q == 3'd2) assert(clist$read_data == f_g && g_vld$q == f_gv && f_v && f_e[21] && nodes[f_e[19:16]]);
    always @(*) if (f_past && state$q == 3'd3) begin
        assert(f_v && f_right != 2'b0 && s_dst$q == f_e[19:16] && s_badge$q == f_e[15:0] && nodes[f_e[19:16]]);
        if (s_kind$q == 2'd1) assert(f_gv && s_len$q == 3'd1 && s_gw$q == f_att);
        else assert(s_len$q <= 3'd4);
        if (!(inj_busy$q && inj_rep$q)) assert(fidx$q <= {s_len$q, 1'b1});
    end
    // The property: the header of an own packet.
    always @(*) if (f_past && f_own && fidx$q == 4'd0) begin
        assert(state$q == 3'd3);
        assert(f_v && f_right != 2'b0);
        assert(net_out_flit[3:0] == f_e[19:16] && nodes[net_out_flit[3:0]]);
        assert(net_out_flit[7:4] == {my_y, my_x});
        assert(net_out_flit[9:8] == f_kind && !f_kind[1]);
        assert(net_out_flit[12:10] == (f_kind == 2'd1 ? 3'd1 : f_len) && net_out_flit[15:13] == 3'd0);
        assert(net_out_flit[16] == 1'b0);
    end
    always @(*) if (f_past && f_own && fidx$q == 4'd1) assert(net_out_flit[15:0] == f_e[15:0]);
    always @(*) if (f_past && f_own) assert(net_out_flit[16] == (fidx$q == {s_len$q, 1'b1}));
    // Outside the cluster: refused, two cycles after the send (state 1 is the cycle after it).
    always @(posedge clock) if (f_past && !$past(reset) && !reset && $past(state$q) == 3'd1 && !$past(s_kind$q[1]) && !nodes[$past(f_e[19:16])])
        assert(state$q == 3'd0 && status_v$q && status_c$q == 2'd2);
    // Receiver: a committed message's badge is its packet's badge flit.
    reg [15:0] f_rx_badge;
    always @(posedge clock) if (net_in_valid && rx_idx$q == 4'd1) f_rx_badge <= net_in_flit[15:0];
    always @(*) if (f_past && rx_busy$q && rx_idx$q > 4'd1) assert(rx_badge$q == f_rx_badge);
    always @(*) if (f_past && commit) assert(hdr_new[15:0] == (rx_idx$q == 4'd1 ? net_in_flit[15:0] : f_rx_badge));
"#
    );
    prove("ni_header", &with_props(&v, &props), 12);
}

/// (b) The c-list changes only through the config port, by receiving a grant, or by a drop
/// (never through the mailbox ports or a data send): the RAM is written only by the first two,
/// a grant installs the received entry into a slot that was free, and a drop only clears the
/// valid bit of the slot the enclave named, which was valid when the drop was taken. The grant
/// an NI sends carries the `give` slot's entry with rights ANDed with the mask, held in the
/// grant word register (attenuation: never a right the slot lacks, never a reserved right).
#[test]
fn ni_clist_changes_only_by_config_grant_or_drop() {
    let v = ni_verilog();
    let props = format!(
        "{NI_GHOST}{}",
        r#"
    wire f_cfg = cfg_valid && cfg_ready;
    wire f_inst = net_in_valid && net_in_flit[16] && rx_busy$q && rx_kind$q == 2'd1 && commit;
    always @(*) if (clist$write_enable) begin
        assert(f_cfg || f_inst);
        assert(!(f_cfg && f_inst));
        if (f_cfg) assert(clist$write_address == cfg_slot && clist$write_data == cfg_entry[23:0]);
        if (f_inst) assert(!valid$q[clist$write_address] && clist$write_data == rx_word[23:0]);
    end
    // A drop clears the slot the enclave named, valid when the drop was taken (s_vld: as in (a)).
    wire f_drop = state$q == 3'd1 && s_kind$q == 2'd2 && s_vld$q;
    always @(*) if (f_past && state$q == 3'd1) assert(s_vld$q == f_v);
    always @(*) if (f_past && f_drop) assert(f_v && s_slot$q == f_slot && f_kind == 2'd2);
    wire [15:0] f_clr = f_drop ? 16'd1 << s_slot$q : 16'd0;
    wire [15:0] f_base = valid$q & ~f_clr;
    reg [15:0] f_want;
    always @(*) begin
        f_want = f_base;
        if (f_cfg) f_want = (f_base & ~(16'd1 << cfg_slot)) | ({15'd0, cfg_entry[24]} << cfg_slot);
        if (f_inst) f_want = f_base | (16'd1 << clist$write_address);
    end
    always @(posedge clock) if (f_past && !$past(reset)) assert(valid$q == $past(f_want));
    // Attenuation on the sending side: the grant's payload word.
    always @(*) if (f_past && state$q == 3'd2) assert(clist$read_data == f_g && g_vld$q == f_gv);
    always @(*) if (f_past && state$q == 3'd3 && s_kind$q == 2'd1) assert(f_gv && s_gw$q == f_att && s_len$q == 3'd1);
    always @(*) if (f_past && f_own && s_kind$q == 2'd1 && fidx$q == 4'd3) begin
        assert(net_out_flit[15:6] == 10'd0);
        assert((net_out_flit[5:4] & ~f_g[21:20]) == 2'b0);
        assert((net_out_flit[5:4] & ~s_mask$q) == 2'b0);
        assert(net_out_flit[3:0] == f_g[19:16]);
    end
    always @(*) if (f_past && f_own && s_kind$q == 2'd1 && fidx$q == 4'd2) assert(net_out_flit[15:0] == f_g[15:0]);
    always @(*) if (state$q == 3'd3 && !(inj_busy$q && inj_rep$q)) assert(fidx$q <= {s_len$q, 1'b1});
"#
    );
    prove("ni_clist", &with_props(&v, &props), 10);
}

/// (c) Every send taken (data, grant or drop) gets at most one status: none without a send
/// outstanding, at most one per send, the NI injects at most one packet per send and none for
/// a refused one or a drop, refusal and drop status come two cycles after the send was taken;
/// a status packet ends the wait only if its `src` is the outstanding send's destination (the
/// slot's entry when the send was taken); `tx_next` pulses exactly when the high half of a
/// payload word of the own data packet is taken, `len` times per data send; the mailbox never
/// holds more than its 4 messages and commits at most one message per received packet;
/// `mb_word` is 0 unless in the cycle before the mailbox was not empty (`mb_valid`), `mb_sel`
/// was below `mb_len` and `mb_pop` was low.
/// (That the status comes, within a bounded time, is `ni_own_packet_and_status_in_bounded_time`,
/// `ni_replies_exactly_once_in_bounded_time` and the router proofs, composed in docs/noc.md.)
#[test]
fn ni_one_status_per_send() {
    let v = ni_verilog();
    let props = format!(
        "{NI_GHOST}{}",
        r#"
    reg f_out = 1'b0; reg [1:0] f_inj = 2'd0; reg [3:0] f_age = 4'd0; reg f_com = 1'b0;
    always @(posedge clock) begin
        if (reset) begin f_out <= 1'b0; f_inj <= 2'd0; end
        else begin
            if (status_valid) f_out <= 1'b0;
            if (send_valid && send_ready) begin f_out <= 1'b1; f_inj <= 2'd0; f_age <= 4'd0; end
            else if (f_age != 4'd15) f_age <= f_age + 4'd1;
            if (f_own && fidx$q == 4'd0) f_inj <= f_inj + 2'd1;
        end
        if (reset || (net_in_valid && !rx_busy$q)) f_com <= 1'b0;
        else if (commit) f_com <= 1'b1;
    end
    // The source of the packet being received, from its route flit.
    reg [3:0] f_rsrc;
    always @(posedge clock) if (net_in_valid && !rx_busy$q) f_rsrc <= net_in_flit[7:4];
    always @(*) if (f_past && rx_busy$q) assert(rx_src$q == f_rsrc);
    always @(*) if (f_past && state$q == 3'd1) assert(clist$read_data == f_e);
    always @(*) if (f_past && state$q >= 3'd2) assert(s_dst$q == f_e[19:16]);
    always @(posedge clock) if (f_past && !$past(reset) && $past(state$q) == 3'd4 && status_valid)
        assert($past(rx_end) && $past(rx_kind$q) == 2'd2 && $past(f_rsrc) == f_e[19:16]);
    // tx_next: counted since the send was taken.
    reg [2:0] f_tx = 3'd0;
    always @(posedge clock) if (reset || f_send) f_tx <= 3'd0; else if (tx_next) f_tx <= f_tx + 3'd1;
    wire f_hi = f_own && s_kind$q == 2'd0 && fidx$q[0] && fidx$q != 4'd1;
    always @(*) if (f_past && !reset) begin
        assert(tx_next == f_hi);
        // In state 3 the flits before `fidx` have left (a reply in progress: fidx = 1).
        if (state$q == 3'd3 && s_kind$q == 2'd0) assert(f_tx == (fidx$q < 4'd2 ? 3'd0 : fidx$q[3:1] - 3'd1));
        if (state$q == 3'd4 || (state$q == 3'd0 && status_v$q)) assert(f_tx == (f_kind == 2'd0 && f_inj == 2'd1 ? f_len : 3'd0));
        if (state$q != 3'd3) assert(!tx_next);
        if (state$q == 3'd1 || state$q == 3'd2 || (state$q != 3'd0 && s_kind$q != 2'd0)) assert(f_tx == 3'd0);
        if (f_kind[1] && (state$q != 3'd0 || status_v$q)) assert(f_inj == 2'd0 && state$q <= 3'd1);
        if (status_valid && f_kind == 2'd2) assert(f_age <= 4'd2);
    end
    // mb_word is gated by the previous cycle's mailbox state.
    reg f_mbok = 1'b0;
    always @(posedge clock) f_mbok <= mb_valid && {1'b0, mb_sel} < mb_len && !mb_pop && !reset;
    always @(*) if (f_past && !f_mbok) assert(mb_word == 32'd0);
    always @(*) if (f_past) begin
        assert(f_out == (state$q != 3'd0 || status_v$q));
        if (status_valid) assert(f_out);
        if (state$q == 3'd1 || state$q == 3'd2) assert(f_inj == 2'd0);
        if (state$q == 3'd4) assert(f_inj == 2'd1);
        if (state$q == 3'd3) assert(f_inj == (inj_busy$q && !inj_rep$q ? 2'd1 : 2'd0));
        assert(f_inj <= 2'd1);
        if (status_valid && status_code == 2'd2) assert(f_inj == 2'd0 && f_age <= 4'd2);
        if (state$q == 3'd1) assert(f_age == 4'd0);
        if (state$q == 3'd2) assert(f_age == 4'd1);
        assert(mb_cnt$q <= 3'd4);
        if (rx_busy$q && rx_acc$q) assert(mb_cnt$q != 3'd4);
        assert(mb_cnt$q[1:0] == wr_ptr$q - rd_ptr$q);
        if (commit) assert(!f_com && net_in_valid && net_in_flit[16] && rx_busy$q);
        if (f_com) assert(!rx_busy$q);
        if (status_v$q) assert(state$q == 3'd0);
    end
"#
    );
    prove("ni_status", &with_props(&v, &props), 8);
}

/// (c, mailbox reads) `mb_word` never shows a word of a popped message, a word beyond the head
/// message's length, or a word of a run before the reset: whenever the gate of `mb_word` was
/// open (last cycle `mb_valid`, `mb_sel < mb_len`, `!mb_pop`), the RAM word read is *fresh*:
/// written by the reception of the head message's own packet. Ghost: a fresh bit per RAM word,
/// cleared for a ring slot's 4 words when a data packet is accepted into that slot (its route
/// flit), set when the reception writes the word; all clear after reset (the scrub writes
/// zeros and sets none). Inductive invariants: a packet being received into slot `wr_ptr` has
/// its words so far fresh; every committed message has words 0 .. len-1 fresh (this needs the
/// length check at the commit: a packet shorter than its header would leave unwritten words
/// under the new header). k = 4.
#[test]
fn ni_mailbox_shows_only_the_heads_words() {
    let v = ni_verilog();
    let mut p = String::from(
        r#"
    reg [15:0] f_fr = 16'd0;
    wire f_acc = net_in_valid && !rx_busy$q && net_in_flit[9:8] == 2'd0 && mb_cnt$q != 3'd4 && !scrub$q;
    always @(posedge clock) begin
        if (reset) f_fr <= 16'd0;
        else begin
            if (f_acc) f_fr <= (f_fr & ~(16'hF << {wr_ptr$q, 2'd0})) | ((words$write_enable && !scrub$q) ? 16'd1 << words$write_address : 16'd0);
            else if (words$write_enable && !scrub$q) f_fr <= f_fr | (16'd1 << words$write_address);
        end
    end
    // Words of the packet being received so far: flits 3, 5, 7, 9 carry the high halves.
    wire [2:0] f_nw = rx_idx$q < 4'd2 ? 3'd0 : rx_idx$q[3:1] - 3'd1;
    reg f_rdf = 1'b0;
    always @(posedge clock) f_rdf <= f_fr[words$read_address];
    reg f_gate = 1'b0;
    always @(posedge clock) f_gate <= mb_valid && {1'b0, mb_sel} < mb_len && !mb_pop && !reset;
    always @(*) if (f_past && !reset) begin
        if (f_gate) assert(f_rdf);
        if (mb_word != 32'd0) assert(f_gate && f_rdf);
        // The ring (as in ni_one_status_per_send): slot wr_ptr is never a committed one.
        assert(mb_cnt$q <= 3'd4 && mb_cnt$q[1:0] == wr_ptr$q - rd_ptr$q);
        if (rx_busy$q && rx_acc$q) assert(mb_cnt$q != 3'd4);
"#,
    );
    for w in 0..4 {
        p += &format!("        if (rx_busy$q && rx_acc$q && rx_kind$q == 2'd0 && 3'd{w} < f_nw) assert(f_fr[{{wr_ptr$q, 2'd{w}}}]);\n");
    }
    for s in 0..4 {
        for w in 0..4 {
            p += &format!(
                "        if ({{1'b0, 2'd{s} - rd_ptr$q}} < mb_cnt$q && 3'd{w} < hdr{s}$q[19:17]) assert(f_fr[{}]);\n",
                s * 4 + w
            );
        }
    }
    p += "    end\n";
    prove("ni_mailbox", &with_props(&v, &format!("{NI_GHOST}{p}")), 4);
}

/// (c, receiver side, bounded response) For a node X chosen by the solver: every data or
/// grant packet from X whose `last` flit the NI takes makes it owe X exactly one status reply
/// (a bit of `pend_d`/`pend_r`; it says *delivered* exactly when the message was committed),
/// and the NI injects exactly that one reply packet (route flit to X, kind 2; then the code),
/// no other reply to X. From the cycle the reply is owed until its `last` flit is taken,
/// `net_out_valid` is 1 in every cycle and at most 192 flits are taken, the reply's two
/// included (the packet in progress ≤ 10, then round robin: at most 15 other replies, each
/// possibly followed by one own packet of ≤ 10 flits, since the own send gets a turn after a
/// reply). So if `net_out_ready` is never low for more than M consecutive cycles, the reply
/// has left within 192·(M+1) cycles. Also `net_in_ready` is always 1: the NI takes every
/// flit the router offers. Environment assumptions: packets from the network are ≤ 10 flits
/// (NIs build them so) and a packet from X arrives only while no reply to X is owed (X has
/// one send outstanding and sends again only after its status, i.e. after this reply left).
/// Proved by k-induction with k = 4 (the bound is an inductive potential: flits taken +
/// flits that can still precede the reply ≤ 192).
#[test]
fn ni_replies_exactly_once_in_bounded_time() {
    let v = ni_verilog();
    let props = format!(
        "{NI_GHOST}{}",
        r#"
    (* anyconst *) reg [3:0] f_x;
    wire f_owed = pend_d$q[f_x] || pend_r$q[f_x];
    wire f_from_x = rx_end && !rx_kind$q[1] && rx_src$q == f_x;
    // X sends again only after its status, so never while a reply to X is owed.
    always @(*) if (f_from_x) assume(!f_owed);
    wire f_rep_x_last = take_out && cur_rep && ridx == f_x && net_out_flit[16];
    reg [1:0] f_ow = 2'd0; reg f_code = 1'b0; reg [9:0] f_n = 10'd0;
    always @(posedge clock) begin
        if (reset) f_ow <= 2'd0;
        else f_ow <= f_ow + (f_from_x ? 2'd1 : 2'd0) - (f_rep_x_last ? 2'd1 : 2'd0);
        if (f_from_x) f_code <= !commit;
        if (reset || !f_owed) f_n <= 10'd0;
        else if (take_out) f_n <= f_n + 10'd1;
    end
    // Round-robin position: replies that can go before X's are those strictly after the
    // last one served (`rr`, one-hot; 0 acts as node 15) and before X.
    wire [3:0] f_ri = {|(rr$q & 16'hFF00), |(rr$q & 16'hF0F0), |(rr$q & 16'hCCCC), |(rr$q & 16'hAAAA)};
    wire [3:0] f_r = rr$q == 16'd0 ? 4'd15 : f_ri;
    wire [3:0] f_pos = f_x - f_r - 4'd1;
    wire f_xrep = inj_busy$q && inj_rep$q && rep_idx$q == f_x;
    wire [9:0] f_rem = !inj_busy$q ? 10'd0 : inj_rep$q ? 10'd1 : {6'd0, s_len$q, 1'b0} + 10'd2 - {6'd0, fidx$q};
    // An own packet can still go before the next reply (the own send's turn).
    wire f_oc = inj_busy$q ? inj_rep$q : own_turn$q;
    wire [9:0] f_pot = f_xrep ? 10'd1 : f_rem + (f_oc ? 10'd10 : 10'd0) + 10'd2 + 10'd12 * {6'd0, f_pos};
    always @(*) if (f_past && !reset) begin
        assert(net_in_ready);
        // Exactly one reply per packet: owed once, injected once, with the right code.
        assert(f_ow == {1'b0, f_owed});
        assert(!(pend_d$q[f_x] && pend_r$q[f_x]));
        if (f_owed) assert(pend_r$q[f_x] == f_code);
        if (f_xrep) assert(f_owed && rep_code$q == f_code);
        if (take_out && cur_rep && ridx == f_x) begin
            assert(f_owed && rcode == f_code);
            if (fidx$q == 4'd0) assert(net_out_flit == {8'd2, my_y, my_x, f_x});
            else assert(net_out_flit == {16'h8000, f_code});
        end
        // Bounded response.
        assert((rr$q & (rr$q - 16'd1)) == 16'd0);
        if (inj_busy$q && inj_rep$q) assert(rr$q == (16'd1 << rep_idx$q));
        if (f_owed) assert(net_out_valid && f_n <= 10'd192 && f_pot <= 10'd192 && {1'b0, f_n} + {1'b0, f_pot} <= 11'd192);
    end
"#
    );
    prove("ni_reply", &with_props(&v, &props), 4);
}

/// (c, sender side, bounded response) A taken send leaves the check states within 2 cycles
/// (refused or dropped: status then, proved in `ni_one_status_per_send`); in the inject state (3) the
/// NI offers a flit in every cycle (`net_out_valid` = 1) and its own packet has left, at most
/// 12 flits after the state was entered (at most 2 reply flits, then its own ≤ 10-flit packet,
/// contiguously); in the wait state (4) it stays until the `last` flit of a status packet from
/// the send's destination arrives and pulses the status in the next cycle, with the packet's
/// code (delivered or rejected).
/// So if `net_out_ready` is never low for more than M consecutive cycles, the own packet has
/// left within 12·(M+1) cycles of entering state 3. Every packet the NI injects (own or reply)
/// is a worm of ≤ 10 flits offered back to back (after a non-`last` flit is taken,
/// `net_out_valid` stays 1 until the `last` one is), as the router proofs assume. k = 4.
#[test]
fn ni_own_packet_and_status_in_bounded_time() {
    let v = ni_verilog();
    let props = format!(
        "{NI_GHOST}{}",
        r#"
    reg [4:0] f_s = 5'd0;
    always @(posedge clock) if (reset || state$q != 3'd3) f_s <= 5'd0; else if (take_out) f_s <= f_s + 5'd1;
    wire [4:0] f_own_rem = (inj_busy$q && !inj_rep$q) ? {1'b0, s_len$q, 1'b0} + 5'd2 - {1'b0, fidx$q} : {1'b0, s_len$q, 1'b0} + 5'd2;
    wire [4:0] f_q = f_own_rem + ((inj_busy$q && inj_rep$q) ? 5'd1 : 5'd0) + ((!inj_busy$q && !own_turn$q) ? 5'd2 : 5'd0);
    // A status packet from the outstanding send's destination (any other is ignored).
    wire f_reply_in = rx_end && rx_kind$q == 2'd2 && rx_src$q == s_dst$q;
    // The packets the NI injects are worms as routers expect them: ≤ 10 flits, back to back.
    reg f_omid = 1'b0;
    always @(posedge clock) if (reset) f_omid <= 1'b0; else if (take_out) f_omid <= !net_out_flit[16];
    always @(*) if (f_past && !reset) begin
        if (f_omid) assert(net_out_valid && inj_busy$q);
        if (net_out_valid && fidx$q == 4'd9) assert(net_out_flit[16]);
    end
    always @(*) if (f_past && !reset) begin
        if (state$q == 3'd3) assert(net_out_valid && f_s <= 5'd12 && f_q <= 5'd12 && {1'b0, f_s} + {1'b0, f_q} <= 6'd12);
        if (state$q == 3'd3 && inj_busy$q && !inj_rep$q && take_out && net_out_flit[16]) assert(state$d == 3'd4);
    end
    always @(posedge clock) if (f_past && !$past(reset) && !reset) begin
        if ($past(state$q) == 3'd1) assert(state$q == 3'd0 || state$q == 3'd2 || state$q == 3'd3);
        if ($past(state$q) == 3'd2) assert(state$q == 3'd0 || state$q == 3'd3);
        if ($past(state$q) == 3'd4) begin
            if ($past(f_reply_in)) assert(state$q == 3'd0 && status_valid && status_code == {1'b0, $past(net_in_flit[0])});
            else assert(state$q == 3'd4 && !status_valid);
        end
    end
"#
    );
    prove("ni_send_bound", &with_props(&v, &props), 4);
}

/// (d, buffers) The router's input buffer is a FIFO: the n-th flit taken is the n-th flit
/// offered downstream, unchanged (none dropped, duplicated or reordered), and a buffer that
/// holds a flit offers it. Checked for a solver-chosen n.
#[test]
fn router_buffer_is_a_fifo() {
    let v = export::verilog("skid", &mut SkidBuffer::default()).unwrap();
    let props = r#"
    reg f_past = 1'b0;
    always @(posedge clock) f_past <= 1'b1;
    always @(*) if (!f_past) assume(reset);
    always @(*) if (f_past) assume(!reset);
    (* anyconst *) reg [3:0] f_n;
    reg [3:0] f_in = 4'd0, f_out = 4'd0; reg [16:0] f_val; reg f_armed = 1'b0;
    wire f_tk = in_valid && in_ready;
    wire f_pp = out_valid && out_ready;
    always @(posedge clock) if (f_past) begin
        if (f_tk) f_in <= f_in + 4'd1;
        if (f_pp) f_out <= f_out + 4'd1;
        if (f_tk && f_in == f_n) begin f_val <= in_flit; f_armed <= 1'b1; end
        if (f_pp && f_out == f_n) f_armed <= 1'b0;
    end
    wire [3:0] f_occ = f_in - f_out;
    always @(*) if (f_past) begin
        assert(f_occ <= 4'd2);
        assert(f_occ == {3'd0, head_valid$q} + {3'd0, skid_valid$q});
        assert(out_valid == (f_occ != 4'd0));
        if (skid_valid$q) assert(head_valid$q);
        if (f_armed) assert(f_occ != 4'd0 && (f_n - f_out) < f_occ);
        if (f_armed && f_n == f_out) assert(out_flit == f_val);
        if (f_armed && skid_valid$q && f_n == f_out + 4'd1) assert(skid$q == f_val);
    end
"#;
    prove("skid_fifo", &with_props(&v, props), 6);
}

/// (d, arbiter) An output arbiter (all five sources allowed): once it has passed a
/// non-`last` flit from source s, it grants s alone (or nothing, while s has no flit) until
/// it passes s's `last` flit; a grant is one-hot, only to a source with a flit, and when the
/// output is free only to a requester (a packet's first flit).
#[test]
fn router_arbiter_keeps_worms_whole() {
    let v = export::verilog("arbiter", &mut OutputArbiter::new(0b11111)).unwrap();
    let props = r#"
    reg f_past = 1'b0;
    always @(posedge clock) f_past <= 1'b1;
    always @(*) if (!f_past) assume(reset);
    // The router requests only with a head flit (proved in router_crossbar_keeps_flits).
    always @(*) assume((req & ~valid) == 5'd0);
    reg f_lk = 1'b0; reg [4:0] f_ow = 5'd0;
    wire f_tk = out_valid && ready;
    always @(posedge clock) if (reset) f_lk <= 1'b0; else if (f_tk) begin f_lk <= ((grant & last) == 5'd0); f_ow <= grant; end
    always @(*) if (f_past && !reset) begin
        assert(out_valid == (grant != 5'd0));
        assert((grant & (grant - 5'd1)) == 5'd0);
        assert((grant & ~valid) == 5'd0);
        if (f_lk) assert(locked$q && owner$q == f_ow && f_ow != 5'd0 && (f_ow & (f_ow - 5'd1)) == 5'd0);
        if (f_lk) assert((grant & ~f_ow) == 5'd0);
        if (!locked$q) assert((grant & ~req) == 5'd0);
        if (locked$q) assert(owner$q != 5'd0 && (owner$q & (owner$q - 5'd1)) == 5'd0);
    end
"#;
    prove("router_arbiter", &with_props(&v, props), 4);
}

/// (liveness, buffer) The input buffer never makes a bubble inside a worm and only holds up
/// its input while its head waits: if its input offers the flits of a worm back to back (after
/// a non-`last` flit is taken, `in_valid` stays 1 until the `last` one is taken, as NIs and
/// router outputs do), then after a non-`last` flit leaves, the buffer offers the next one in
/// every cycle until the `last` one has left (so the output it goes to offers it back to back
/// too); `in_ready` is low only while the head is offered and was not taken in the previous
/// cycle (a run of L cycles of `in_ready` low follows L cycles of the head waiting). k = 4.
#[test]
fn router_buffer_no_bubbles() {
    let v = export::verilog("skid", &mut SkidBuffer::default()).unwrap();
    let props = r#"
    reg f_past = 1'b0;
    always @(posedge clock) f_past <= 1'b1;
    always @(*) if (!f_past) assume(reset);
    always @(*) if (f_past) assume(!reset);
    reg f_imid = 1'b0, f_omid = 1'b0; reg f_pop = 1'b0;
    always @(posedge clock) begin
        if (in_valid && in_ready) f_imid <= !in_flit[16];
        if (out_valid && out_ready) f_omid <= !out_flit[16];
        f_pop <= out_valid && out_ready;
        if (reset) begin f_imid <= 1'b0; f_omid <= 1'b0; end
    end
    // The upstream side offers a worm's flits back to back.
    always @(*) if (f_imid) assume(in_valid);
    always @(*) if (f_past && !reset) begin
        if (f_omid) assert(out_valid);
        if (!in_ready) assert(out_valid && !f_pop);
        // Induction helpers: the worm state of the stored flits.
        if (skid_valid$q) assert(head_valid$q);
        if (!head_valid$q) assert(f_omid == f_imid);
        if (head_valid$q && !skid_valid$q) assert(f_imid == !head$q[16]);
        if (skid_valid$q) assert(f_imid == !skid$q[16]);
        if (head_valid$q) assert(mid$q == !head$q[16]);
    end
"#;
    prove("skid_no_bubbles", &with_props(&v, props), 4);
}

/// (liveness, arbiter) An output arbiter (all five sources) is fair with a bound and work
/// conserving, against an environment that behaves as the router's input buffers do (proved
/// in `router_buffer_is_a_fifo`, `router_buffer_no_bubbles`, `router_crossbar_keeps_flits`):
/// requests only with a head flit; a requesting first flit stays, unchanged, until it leaves
/// through this output; after a non-`last` flit of source s has left, s offers its next flit
/// (a body flit, no request) in every cycle until its `last` one has left; and a worm has at
/// most 10 flits. Proved: while source i (solver's choice) requests, the output offers a flit
/// in every cycle, and at most 40 flits of other sources leave before i's first flit does (at
/// most 4 worms of ≤ 10 flits: round robin); the output also offers a flit in every cycle
/// while it is locked (no bubble inside a worm). So a first flit waiting for an output whose
/// `ready` is never low for more than M consecutive cycles leaves within 41·(M+1) cycles, and a
/// body flit at the head of the owning input within M+1. k = 4.
#[test]
fn router_arbiter_bounded_wait() {
    let v = export::verilog("arbiter", &mut OutputArbiter::new(0b11111)).unwrap();
    let props = r#"
    reg f_past = 1'b0;
    always @(posedge clock) f_past <= 1'b1;
    always @(*) if (!f_past) assume(reset);
    always @(*) if (f_past) assume(!reset);
    (* anyconst *) reg [2:0] f_i;
    always @(*) assume(f_i <= 3'd4);
    wire [4:0] f_tk = grant & {5{ready}};
    reg [4:0] f_pr = 5'd0, f_pt = 5'd0, f_pl = 5'd0, f_mid = 5'd0;
    reg [3:0] f_len0 = 4'd0, f_len1 = 4'd0, f_len2 = 4'd0, f_len3 = 4'd0, f_len4 = 4'd0;
    reg [5:0] f_c = 6'd0;
    always @(posedge clock) begin
        f_pr <= req; f_pt <= f_tk; f_pl <= last;
        f_mid <= (f_mid | (f_tk & ~last)) & ~(f_tk & last);
        if (f_tk[0]) f_len0 <= last[0] ? 4'd0 : f_len0 + 4'd1;
        if (f_tk[1]) f_len1 <= last[1] ? 4'd0 : f_len1 + 4'd1;
        if (f_tk[2]) f_len2 <= last[2] ? 4'd0 : f_len2 + 4'd1;
        if (f_tk[3]) f_len3 <= last[3] ? 4'd0 : f_len3 + 4'd1;
        if (f_tk[4]) f_len4 <= last[4] ? 4'd0 : f_len4 + 4'd1;
        if (!req[f_i] || f_tk[f_i]) f_c <= 6'd0; else if (f_tk != 5'd0) f_c <= f_c + 6'd1;
        if (reset) begin f_c <= 6'd0; f_mid <= 5'd0; f_len0 <= 4'd0; f_len1 <= 4'd0; f_len2 <= 4'd0; f_len3 <= 4'd0; f_len4 <= 4'd0; end
    end
    // The environment: the router's input buffers.
    always @(*) assume((req & ~valid) == 5'd0);
    always @(*) if (f_past) assume((f_pr & ~f_pt & ~req) == 5'd0 && ((f_pr & ~f_pt) & (last ^ f_pl)) == 5'd0);
    always @(*) assume((f_mid & ~valid) == 5'd0 && (f_mid & req) == 5'd0);
    always @(*) begin
        if (f_mid[0] && f_len0 == 4'd9) assume(last[0]);
        if (f_mid[1] && f_len1 == 4'd9) assume(last[1]);
        if (f_mid[2] && f_len2 == 4'd9) assume(last[2]);
        if (f_mid[3] && f_len3 == 4'd9) assume(last[3]);
        if (f_mid[4] && f_len4 == 4'd9) assume(last[4]);
    end
    // Round-robin position of i: sources strictly after the last owner (4 if none) and before i.
    wire [2:0] f_p = owner$q[0] ? 3'd0 : owner$q[1] ? 3'd1 : owner$q[2] ? 3'd2 : owner$q[3] ? 3'd3 : 3'd4;
    wire [3:0] f_d = {1'b0, f_i} + 4'd4 - {1'b0, f_p};
    wire [5:0] f_pos = {2'd0, f_d >= 4'd5 ? f_d - 4'd5 : f_d};
    wire [3:0] f_lw = f_p == 3'd0 ? f_len0 : f_p == 3'd1 ? f_len1 : f_p == 3'd2 ? f_len2 : f_p == 3'd3 ? f_len3 : f_len4;
    wire [5:0] f_rem = !locked$q ? 6'd10 * f_pos : owner$q[f_i] ? 6'd0 : 6'd10 - {2'd0, f_lw} + 6'd10 * f_pos;
    always @(*) if (f_past && !reset) begin
        assert(above$q == ((owner$q << 1) | (owner$q << 2) | (owner$q << 3) | (owner$q << 4)));
        assert((owner$q & (owner$q - 5'd1)) == 5'd0);
        if (locked$q) assert(owner$q != 5'd0 && out_valid);
        if (locked$q && (f_mid & owner$q) == 5'd0) assert((req & owner$q) != 5'd0);
        if (req != 5'd0) assert(out_valid);
        assert((f_mid & ~(locked$q ? owner$q : 5'd0)) == 5'd0);
        if (!f_mid[0]) assert(f_len0 == 4'd0); else assert(f_len0 != 4'd0);
        if (!f_mid[1]) assert(f_len1 == 4'd0); else assert(f_len1 != 4'd0);
        if (!f_mid[2]) assert(f_len2 == 4'd0); else assert(f_len2 != 4'd0);
        if (!f_mid[3]) assert(f_len3 == 4'd0); else assert(f_len3 != 4'd0);
        if (!f_mid[4]) assert(f_len4 == 4'd0); else assert(f_len4 != 4'd0);
        assert(f_len0 <= 4'd9 && f_len1 <= 4'd9 && f_len2 <= 4'd9 && f_len3 <= 4'd9 && f_len4 <= 4'd9);
        if (req[f_i]) assert(f_c <= 6'd40 && f_rem <= 6'd40 && {1'b0, f_c} + {1'b0, f_rem} <= 7'd40);
    end
"#;
    prove("router_arbiter_wait", &with_props(&v, props), 4);
}

/// (d, crossbar) In the router at (1,1), every cycle: each input's head goes to at most one
/// output; an input is popped exactly when an output that grants it is ready (nothing dropped
/// or duplicated); an output carries exactly its granted input's head flit (nothing altered);
/// an input buffer's request (`out_req`, registered with a first flit; zero for body flits by
/// construction of the buffer) names exactly one output, and while an input owns an output
/// its waiting first flit requests that very output; an input owns at most one output. With
/// the arbiter proof (a locked output serves only its owner) and the FIFO proof of the
/// buffers: the flits of a message leave in order, contiguously, unaltered, through one
/// output; none is dropped.
#[test]
fn router_crossbar_keeps_flits() {
    let v = blocks::export("router").unwrap();
    let mut p = String::from(
        "    reg f_past = 1'b0;\n    always @(posedge clock) f_past <= 1'b1;\n    always @(*) if (!f_past) assume(reset);\n",
    );
    let d = ["l", "n", "e", "s", "w"];
    for o in d {
        p += &format!("    always @(*) if (f_past) assert(out_{o}_valid == (oa_{o}$grant != 5'd0) && (oa_{o}$grant & (oa_{o}$grant - 5'd1)) == 5'd0);\n");
    }
    for (k, i) in d.iter().enumerate() {
        let grants: Vec<String> = d.iter().map(|o| format!("oa_{o}$grant[{k}]")).collect();
        let taken: Vec<String> = d
            .iter()
            .map(|o| format!("(oa_{o}$grant[{k}] && out_{o}_ready)"))
            .collect();
        let count: Vec<String> = d
            .iter()
            .map(|o| format!("{{4'd0, oa_{o}$grant[{k}]}}"))
            .collect();
        p += &format!(
            "    always @(*) if (f_past) begin\n        assert(({}) <= 5'd1);\n        assert(pop_{i} == ({}));\n        \
             if ({}) assert(ib_{i}$out_valid);\n        \
             if (ib_{i}$out_req != 5'd0) assert(ib_{i}$out_valid && (ib_{i}$out_req & (ib_{i}$out_req - 5'd1)) == 5'd0);\n",
            count.join(" + "),
            taken.join(" || "),
            grants.join(" || "),
        );
        for (m, o) in d.iter().enumerate() {
            p += &format!(
                "        if (oa_{o}$grant[{k}]) assert(out_{o}_flit == ib_{i}$out_flit);\n"
            );
            // An output locked to input i: a first flit waiting at i's head is routed to it.
            p += &format!("        if (f_lk_{o} && f_ow_{o}[{k}] && ib_{i}$out_req != 5'd0) assert(ib_{i}$out_req == 5'd{});\n", 1 << m);
        }
        let locks: Vec<String> = d
            .iter()
            .map(|o| format!("{{4'd0, f_lk_{o} && f_ow_{o}[{k}]}}"))
            .collect();
        p += &format!("        assert(({}) <= 5'd1);\n", locks.join(" + "));
        // An input that owns an output and has no flit at its head is inside its worm: the
        // next flit it loads is a body flit (`mid`, brought out of the buffer below).
        let owns: Vec<String> = d
            .iter()
            .map(|o| format!("(f_lk_{o} && f_ow_{o}[{k}])"))
            .collect();
        p += &format!(
            "        if (({}) && !ib_{i}$out_valid) assert(f_mid_{i});\n",
            owns.join(" || ")
        );
        p += "    end\n";
    }
    // The arbiters' own invariant (proved in router_arbiter_keeps_worms_whole), asserted in
    // each arbiter so that induction can use it, and the arbiters' lock state brought out to
    // `top` (as `f_lk_o`, `f_ow_o`) by two extra ports in this copy of the Verilog.
    let mut v = with_props(&v, &p);
    for o in d {
        v = with_module_props(
            &v,
            &format!("top$oa_{o}"),
            "    output wire f_locked;\n    output wire [4:0] f_owner;\n    assign f_locked = locked$q;\n    assign f_owner = owner$q;\n    \
             always @(*) if (locked$q) assert(owner$q != 5'd0 && (owner$q & (owner$q - 5'd1)) == 5'd0 && (owner$q & ~sources) == 5'd0);\n",
        );
        v = v.replacen(
            &format!("module top$oa_{o}(clock,"),
            &format!("module top$oa_{o}(f_locked,f_owner,clock,"),
            1,
        );
        v = v.replacen(
            &format!("    top$oa_{o} oa_{o}(\n"),
            &format!("    wire f_lk_{o};\n    wire [4:0] f_ow_{o};\n    top$oa_{o} oa_{o}(\n        .f_locked(f_lk_{o}),\n        .f_owner(f_ow_{o}),\n"),
            1,
        );
    }
    // Each input buffer's own invariant (`mid` says whether the head flit is not a `last` one;
    // a request is registered only with a valid head, and names one output), asserted in the
    // buffer, and `mid` brought out to `top` as `f_mid_i`.
    for i in d {
        v = with_module_props(
            &v,
            &format!("top$ib_{i}"),
            "    output wire f_mid;\n    assign f_mid = mid$q;\n    \
             always @(*) if (!reset) begin\n        if (skid_valid$q) assert(head_valid$q);\n        \
             if (head_valid$q) assert(mid$q == !head$q[16]);\n        \
             if (req$q != 5'd0) assert(head_valid$q && (req$q & (req$q - 5'd1)) == 5'd0);\n    end\n",
        );
        v = v.replacen(
            &format!("module top$ib_{i}(clock,"),
            &format!("module top$ib_{i}(f_mid,clock,"),
            1,
        );
        v = v.replacen(
            &format!("    top$ib_{i} ib_{i}(\n"),
            &format!("    wire f_mid_{i};\n    top$ib_{i} ib_{i}(\n        .f_mid(f_mid_{i}),\n"),
            1,
        );
    }
    prove("router_crossbar", &v, 4);
}

/// Bring signal `expr` (of `width` bits) of instance `inst` (module `module`) out to `top` as
/// wire `name`, by an extra output port in this copy of the Verilog.
fn expose(v: &str, module: &str, inst: &str, name: &str, width: u32, expr: &str) -> String {
    let w = if width > 1 {
        format!("[{}:0] ", width - 1)
    } else {
        String::new()
    };
    let v = with_module_props(
        v,
        module,
        &format!("    output wire {w}f_x_{name};\n    assign f_x_{name} = {expr};\n"),
    );
    let v = v.replacen(
        &format!("module {module}("),
        &format!("module {module}(f_x_{name},"),
        1,
    );
    v.replacen(
        &format!("    {module} {inst}(\n"),
        &format!("    wire {w}{name};\n    {module} {inst}(\n        .f_x_{name}({name}),\n"),
        1,
    )
}

/// (liveness, whole router) In the router at (1,1), for an input i and an output o chosen by
/// the solver: while i's head is a first flit requesting o, o offers a flit in every cycle and
/// at most 40 flits of other inputs leave through o before it (round robin: at most 4 worms of
/// ≤ 10 flits); an output that is locked to an input offers a flit in every cycle (no bubble
/// inside a worm); a worm's flits leave back to back through the one output it owns. Inputs
/// are assumed to behave as NIs and routers send (proved for the NI in
/// `ni_own_packet_and_status_in_bounded_time`, and for router outputs here): worms of at most
/// 10 flits, offered back to back. Outputs' `ready` is arbitrary: counted in flits, so with
/// `out_o_ready` never low for more than M consecutive cycles the first flit leaves within
/// 41·(M+1) cycles. The same as `router_arbiter_bounded_wait` + `router_buffer_no_bubbles`,
/// checked on the whole router in one run (with the crossbar proof's invariants). k = 4.
#[test]
fn router_bounded_wait() {
    let d = ["l", "n", "e", "s", "w"];
    let mut v = blocks::export("router").unwrap();
    for o in d {
        let m = format!("top$oa_{o}");
        let i = format!("oa_{o}");
        v = expose(&v, &m, &i, &format!("f_lk_{o}"), 1, "locked$q");
        v = expose(&v, &m, &i, &format!("f_ow_{o}"), 5, "owner$q");
        v = with_module_props(
            &v,
            &m,
            "    always @(*) if (!reset) begin\n        \
             if (locked$q) assert(owner$q != 5'd0 && (owner$q & ~sources) == 5'd0);\n        \
             assert((owner$q & (owner$q - 5'd1)) == 5'd0);\n        \
             assert(above$q == ((owner$q << 1) | (owner$q << 2) | (owner$q << 3) | (owner$q << 4)));\n    end\n",
        );
    }
    for i in d {
        let m = format!("top$ib_{i}");
        let n = format!("ib_{i}");
        v = expose(&v, &m, &n, &format!("f_mid_{i}"), 1, "mid$q");
        v = expose(&v, &m, &n, &format!("f_sv_{i}"), 1, "skid_valid$q");
        v = expose(&v, &m, &n, &format!("f_sl_{i}"), 1, "skid$q[16]");
        v = with_module_props(
            &v,
            &m,
            "    always @(*) if (!reset) begin\n        if (skid_valid$q) assert(head_valid$q);\n        \
             if (head_valid$q) assert(mid$q == !head$q[16]);\n        \
             if (req$q != 5'd0) assert(head_valid$q && (req$q & (req$q - 5'd1)) == 5'd0);\n    end\n",
        );
    }
    let mut p = String::from(
        "    reg f_past = 1'b0;\n    always @(posedge clock) f_past <= 1'b1;\n    always @(*) if (!f_past) assume(reset);\n    \
         always @(*) if (f_past) assume(!reset);\n",
    );
    for (k, i) in d.iter().enumerate() {
        // f_in: flits of the current worm taken at the input; f_hp: popped from the head.
        p += &format!(
            "    reg [3:0] f_in_{i} = 4'd0, f_hp_{i} = 4'd0;\n    always @(posedge clock) begin\n        \
             if (in_{i}_valid && in_{i}_ready) f_in_{i} <= in_{i}_flit[16] ? 4'd0 : f_in_{i} + 4'd1;\n        \
             if (pop_{i}) f_hp_{i} <= ib_{i}$out_flit[16] ? 4'd0 : f_hp_{i} + 4'd1;\n        \
             if (reset) begin f_in_{i} <= 4'd0; f_hp_{i} <= 4'd0; end\n    end\n    \
             always @(*) if (f_past && !reset) begin\n        \
             if (f_in_{i} != 4'd0) assume(in_{i}_valid);\n        if (in_{i}_valid && f_in_{i} == 4'd9) assume(in_{i}_flit[16]);\n    end\n    \
             always @(*) if (f_past && !reset) begin\n        assert(f_in_{i} <= 4'd9 && f_hp_{i} <= 4'd9);\n        \
             if (!ib_{i}$out_valid) assert(f_in_{i} == f_hp_{i} && f_mid_{i} == (f_hp_{i} != 4'd0));\n        \
             if (ib_{i}$out_valid && !f_sv_{i}) assert(f_in_{i} == (ib_{i}$out_flit[16] ? 4'd0 : f_hp_{i} + 4'd1));\n        \
             if (f_sv_{i}) assert(f_in_{i} == (f_sl_{i} ? 4'd0 : ib_{i}$out_flit[16] ? 4'd1 : f_hp_{i} + 4'd2));\n        \
             if (ib_{i}$out_valid) assert((ib_{i}$out_req != 5'd0) == (f_hp_{i} == 4'd0));\n        \
             if (f_hp_{i} != 4'd0) assert(ib_{i}$out_valid);\n        \
             if (ib_{i}$out_valid && !ib_{i}$out_flit[16]) assert(f_hp_{i} <= 4'd8);\n"
        );
        let owns: Vec<String> = d
            .iter()
            .map(|o| format!("(f_lk_{o} && f_ow_{o}[{k}])"))
            .collect();
        let locks: Vec<String> = d
            .iter()
            .map(|o| format!("{{4'd0, f_lk_{o} && f_ow_{o}[{k}]}}"))
            .collect();
        // XY turns: from l anywhere; from n to s or l; e to w, s, n, l; s to n or l; w to e, s, n, l.
        let turns = [0b11111, 0b01001, 0b11011, 0b00011, 0b01111][k];
        p += &format!("        assert((ib_{i}$out_req & ~5'd{turns}) == 5'd0);\n");
        p += &format!(
            "        if (f_hp_{i} != 4'd0) assert({});\n",
            owns.join(" || ")
        );
        p += &format!("        assert(({}) <= 5'd1);\n", locks.join(" + "));
        for (m, o) in d.iter().enumerate() {
            p += &format!("        if (f_lk_{o} && f_ow_{o}[{k}] && f_hp_{i} == 4'd0) assert(ib_{i}$out_req == 5'd{});\n", 1 << m);
        }
        p += "    end\n";
    }
    for o in d {
        p += &format!(
            "    always @(*) if (f_past && !reset) begin\n        \
             assert(out_{o}_valid == (oa_{o}$grant != 5'd0) && (oa_{o}$grant & (oa_{o}$grant - 5'd1)) == 5'd0);\n        \
             if (f_lk_{o} || oa_{o}$req != 5'd0) assert(out_{o}_valid);\n    end\n"
        );
    }
    let mux = |sig: &dyn Fn(&str) -> String, sel: &str| -> String {
        let mut e = sig("w");
        for (k, x) in d.iter().enumerate().take(4).rev() {
            e = format!("{sel} == 3'd{k} ? {} : {e}", sig(x));
        }
        e
    };
    p += "    (* anyconst *) reg [2:0] f_i; (* anyconst *) reg [2:0] f_o;\n    always @(*) assume(f_i <= 3'd4 && f_o <= 3'd4);\n";
    p += &format!(
        "    wire f_wait = ({}) == (5'd1 << f_o);\n",
        mux(&|x| format!("ib_{x}$out_req"), "f_i")
    );
    p += &format!(
        "    wire f_pop_i = {};\n",
        mux(&|x| format!("pop_{x}"), "f_i")
    );
    p += &format!(
        "    wire [4:0] f_tk = ({}) & {{5{{{}}}}};\n",
        mux(&|x| format!("oa_{x}$grant"), "f_o"),
        mux(&|x| format!("out_{x}_ready"), "f_o")
    );
    p += &format!(
        "    wire f_lk = {};\n    wire [4:0] f_ow = {};\n",
        mux(&|x| format!("f_lk_{x}"), "f_o"),
        mux(&|x| format!("f_ow_{x}"), "f_o")
    );
    p += &format!(
        "    wire f_ov = {};\n",
        mux(&|x| format!("out_{x}_valid"), "f_o")
    );
    p += r#"    reg [5:0] f_c = 6'd0;
    always @(posedge clock) if (reset || !f_wait || f_pop_i) f_c <= 6'd0; else if (f_tk != 5'd0) f_c <= f_c + 6'd1;
    wire [2:0] f_p = f_ow[0] ? 3'd0 : f_ow[1] ? 3'd1 : f_ow[2] ? 3'd2 : f_ow[3] ? 3'd3 : 3'd4;
    wire [3:0] f_d = {1'b0, f_i} + 4'd4 - {1'b0, f_p};
    wire [5:0] f_pos = {2'd0, f_d >= 4'd5 ? f_d - 4'd5 : f_d};
"#;
    p += &format!(
        "    wire [3:0] f_lw = {};\n",
        mux(&|x| format!("f_hp_{x}"), "f_p")
    );
    p += r#"    wire [5:0] f_rem = !f_lk ? 6'd10 * f_pos : f_ow[f_i] ? 6'd0 : 6'd10 - {2'd0, f_lw} + 6'd10 * f_pos;
    always @(*) if (f_past && !reset && f_wait) assert(f_ov && f_c <= 6'd40 && f_rem <= 6'd40 && {1'b0, f_c} + {1'b0, f_rem} <= 7'd40);
"#;
    prove("router_wait", &with_props(&v, &p), 4);
}

/// (routing) In the router at (1,1): a first flit at an input's head requests exactly the
/// output XY routing gives for its `dst` ([1:0] x, [3:2] y) and the direction it came from:
/// from the local port east if x > 1, west if x < 1, else south if y > 1, north if y < 1,
/// else local; from the west (travelling east) east while x != 1, and from the east west,
/// then as the local port in y; from the north south while y != 1, from the south north, else
/// local. (The route is computed on the flit on its way into the head register; this checks
/// that it is the flit's own route.) With the deadlock-freedom argument: a packet addressed
/// inside the mesh moves towards `dst` in x, then in y, and leaves at `dst`'s local port. k = 2.
#[test]
fn router_routes_xy() {
    let v = blocks::export("router").unwrap();
    let mut p = String::from(
        "    reg f_past = 1'b0;\n    always @(posedge clock) f_past <= 1'b1;\n    always @(*) if (!f_past) assume(reset);\n",
    );
    // One-hot outputs: 1 l, 2 n, 4 e, 8 s, 16 w. Router at (1,1).
    p += "    function [4:0] f_y(input [1:0] y); f_y = y > 2'd1 ? 5'd8 : y < 2'd1 ? 5'd2 : 5'd1; endfunction\n";
    p += "    function [4:0] f_xy(input [3:0] dst); f_xy = dst[1:0] > 2'd1 ? 5'd4 : dst[1:0] < 2'd1 ? 5'd16 : f_y(dst[3:2]); endfunction\n";
    let want = [
        ("l", "f_xy(ib_l$out_flit[3:0])"),
        (
            "w",
            "ib_w$out_flit[1:0] != 2'd1 ? 5'd4 : f_y(ib_w$out_flit[3:2])",
        ),
        (
            "e",
            "ib_e$out_flit[1:0] != 2'd1 ? 5'd16 : f_y(ib_e$out_flit[3:2])",
        ),
        ("n", "ib_n$out_flit[3:2] != 2'd1 ? 5'd8 : 5'd1"),
        ("s", "ib_s$out_flit[3:2] != 2'd1 ? 5'd2 : 5'd1"),
    ];
    for (i, w) in want {
        p += &format!("    always @(*) if (f_past && !reset && ib_{i}$out_req != 5'd0) assert(ib_{i}$out_req == ({w}));\n");
    }
    prove("router_xy", &with_props(&v, &p), 2);
}

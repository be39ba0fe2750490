//! UART transmitter and receiver: 8 data bits, no parity, one stop bit (8N1), least
//! significant bit first ([`UartTx`], [`UartRx`]), and their host ends for tests and the
//! simulated console ([`UartDecoder`], [`UartEncoder`]).
//!
//! The transmitter's ports (synchronous to `clock`): `data` is taken when `valid` and `ready` are both high;
//! `ready` is high while nothing is being sent; `tx` is the line (idle high). A byte takes
//! `10 * (divisor + 1)` cycles from the cycle it is taken; `tx` changes only on clock edges
//! (it is a register bit, inverted: every flip-flop starts at 0, the line starts idle).
//!
//! `divisor` is clock cycles per bit minus one, fixed when the block is made
//! ([`UartTx::new`]): 12 MHz / 115,200 baud is 104 cycles a bit, divisor 103.
use rust_hdl::prelude::*;

/// The transmitter; see the module documentation.
#[derive(LogicBlock)]
pub struct UartTx {
    pub clock: Signal<In, Clock>,
    pub reset: Signal<In, Bit>,
    pub data: Signal<In, Bits<8>>,
    pub valid: Signal<In, Bit>,
    pub ready: Signal<Out, Bit>,
    pub tx: Signal<Out, Bit>,
    divisor: Constant<Bits<16>>,
    /// The frame still to send, inverted (0 = line high), bit 0 on the line.
    frame_n: DFF<Bits<10>>,
    /// Bits of the frame still to send.
    left: DFF<Bits<4>>,
    /// Cycles left in the current bit.
    count: DFF<Bits<16>>,
    data_n: Signal<Local, Bits<8>>,
}

impl UartTx {
    /// A transmitter sending one bit every `divisor + 1` cycles.
    pub fn new(divisor: u16) -> Self {
        UartTx {
            clock: Default::default(),
            reset: Default::default(),
            data: Default::default(),
            valid: Default::default(),
            ready: Default::default(),
            tx: Default::default(),
            divisor: Constant::new((divisor as u64).into()),
            frame_n: Default::default(),
            left: Default::default(),
            count: Default::default(),
            data_n: Default::default(),
        }
    }
}

impl Logic for UartTx {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(self, clock, frame_n, left, count);
        self.data_n.next = !self.data.val();
        self.ready.next = self.left.q.val() == bits::<4>(0);
        self.tx.next = !self.frame_n.q.val().get_bit(0);
        if self.left.q.val() != bits::<4>(0) {
            if self.count.q.val() == bits::<16>(0) {
                self.count.d.next = self.divisor.val();
                self.frame_n.d.next = self.frame_n.q.val() >> 1;
                self.left.d.next = self.left.q.val() - 1;
            } else {
                self.count.d.next = self.count.q.val() - 1;
            }
        } else if self.valid.val() {
            // Start bit (line low: 1 inverted), the data, the stop bit (line high: 0).
            // (`data_n` is its own 8-bit signal: in Verilog `~data` in a 10-bit expression
            // would invert the extension bits too.)
            self.frame_n.d.next = (bit_cast::<10, 8>(self.data_n.val()) << 1) | bits::<10>(1);
            self.left.d.next = bits::<4>(10);
            self.count.d.next = self.divisor.val();
        }
        if self.reset.val() {
            self.frame_n.d.next = bits::<10>(0);
            self.left.d.next = bits::<4>(0);
            self.count.d.next = bits::<16>(0);
        }
    }
}

/// UART receiver, 8N1, least significant bit first: the other end of [`UartTx`].
///
/// Ports (synchronous to `clock`): `rx` is the line (idle high; it goes through two
/// flip-flops first, so it may come from a pin); `valid` pulses for one cycle with the byte on
/// `data` (a register, held until the next byte) when a byte's stop bit was high, `error`
/// instead when it was low (a framing error: the byte is dropped). Each bit is sampled in its
/// middle, `divisor + 1` cycles apart, counted from the falling edge of the start bit; a start
/// bit that is high again at its middle was a glitch and is ignored.
#[derive(LogicBlock)]
pub struct UartRx {
    pub clock: Signal<In, Clock>,
    pub reset: Signal<In, Bit>,
    pub rx: Signal<In, Bit>,
    pub data: Signal<Out, Bits<8>>,
    pub valid: Signal<Out, Bit>,
    pub error: Signal<Out, Bit>,
    divisor: Constant<Bits<16>>,
    half: Constant<Bits<16>>,
    /// The line inverted (1 = low), through two flip-flops: every flip-flop starts at 0, so
    /// the line starts idle.
    low1: DFF<Bit>,
    low2: DFF<Bit>,
    /// A byte is coming.
    busy: DFF<Bit>,
    /// Next bit to sample: 0 start, 1..8 data, 9 stop.
    bit_no: DFF<Bits<4>>,
    /// Cycles until that bit's middle.
    count: DFF<Bits<16>>,
    shift: DFF<Bits<8>>,
    last: DFF<Bits<8>>,
    valid_r: DFF<Bit>,
    error_r: DFF<Bit>,
}

impl UartRx {
    /// A receiver of one bit every `divisor + 1` cycles.
    pub fn new(divisor: u16) -> Self {
        UartRx {
            clock: Default::default(),
            reset: Default::default(),
            rx: Default::default(),
            data: Default::default(),
            valid: Default::default(),
            error: Default::default(),
            divisor: Constant::new((divisor as u64).into()),
            half: Constant::new((divisor as u64 / 2).into()),
            low1: Default::default(),
            low2: Default::default(),
            busy: Default::default(),
            bit_no: Default::default(),
            count: Default::default(),
            shift: Default::default(),
            last: Default::default(),
            valid_r: Default::default(),
            error_r: Default::default(),
        }
    }
}

impl Logic for UartRx {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(self, clock, low1, low2, busy, bit_no, count, shift, last, valid_r, error_r);
        self.low1.d.next = !self.rx.val();
        self.low2.d.next = self.low1.q.val();
        self.valid_r.d.next = false;
        self.error_r.d.next = false;
        if !self.busy.q.val() {
            if self.low2.q.val() {
                self.busy.d.next = true;
                self.bit_no.d.next = 0.into();
                self.count.d.next = self.half.val();
            }
        } else if self.count.q.val() != bits::<16>(0) {
            self.count.d.next = self.count.q.val() - 1;
        } else {
            self.count.d.next = self.divisor.val();
            self.bit_no.d.next = self.bit_no.q.val() + 1;
            if self.bit_no.q.val() == bits::<4>(0) {
                if !self.low2.q.val() {
                    self.busy.d.next = false;
                }
            } else if self.bit_no.q.val() == bits::<4>(9) {
                self.busy.d.next = false;
                if self.low2.q.val() {
                    self.error_r.d.next = true;
                } else {
                    self.valid_r.d.next = true;
                    self.last.d.next = self.shift.q.val();
                }
            } else {
                self.shift.d.next = self.shift.q.val() >> 1;
                if !self.low2.q.val() {
                    self.shift.d.next = (self.shift.q.val() >> 1) | bits::<8>(128);
                }
            }
        }
        if self.reset.val() {
            self.busy.d.next = false;
            self.valid_r.d.next = false;
            self.error_r.d.next = false;
        }
        self.data.next = self.last.q.val();
        self.valid.next = self.valid_r.q.val();
        self.error.next = self.error_r.q.val();
    }
}

/// The levels of a UART line sending bytes (8N1, `cycles_per_bit` cycles a bit), one per clock
/// cycle: the host's end of [`UartRx`] in tests and in the simulated console.
#[derive(Debug, Clone)]
pub struct UartEncoder {
    cycles_per_bit: u32,
    queue: std::collections::VecDeque<u8>,
    /// The byte being sent and the cycle within it.
    current: Option<(u8, u32)>,
}

impl UartEncoder {
    pub fn new(cycles_per_bit: u32) -> Self {
        UartEncoder {
            cycles_per_bit,
            queue: Default::default(),
            current: None,
        }
    }

    /// Queues bytes to send.
    pub fn send(&mut self, bytes: &[u8]) {
        self.queue.extend(bytes);
    }

    /// Whether every queued byte is on the line and done.
    pub fn idle(&self) -> bool {
        self.current.is_none() && self.queue.is_empty()
    }

    /// The line's level in the next cycle.
    pub fn level(&mut self) -> bool {
        if self.current.is_none() {
            self.current = self.queue.pop_front().map(|b| (b, 0));
        }
        let Some((byte, t)) = self.current else {
            return true;
        };
        let bit = t / self.cycles_per_bit;
        let level = match bit {
            0 => false,
            1..=8 => byte >> (bit - 1) & 1 != 0,
            _ => true,
        };
        self.current = (t + 1 < 10 * self.cycles_per_bit).then_some((byte, t + 1));
        level
    }
}

/// Bytes on a UART line sampled once per clock cycle (8N1, `cycles_per_bit` cycles a bit):
/// the receiving end of [`UartTx`] in tests and in the simulated console. A start bit whose
/// stop bit is low is a framing error.
#[derive(Debug, Clone)]
pub struct UartDecoder {
    cycles_per_bit: u32,
    /// Cycles since the falling edge of the start bit, while a byte is coming.
    at: Option<u32>,
    byte: u8,
    previous: bool,
    pub framing_errors: u32,
}

impl UartDecoder {
    pub fn new(cycles_per_bit: u32) -> Self {
        UartDecoder {
            cycles_per_bit,
            at: None,
            byte: 0,
            previous: true,
            framing_errors: 0,
        }
    }

    /// Takes the line's level in one cycle; a byte whose stop bit was sampled comes back.
    pub fn sample(&mut self, line: bool) -> Option<u8> {
        let falling = self.previous && !line;
        self.previous = line;
        let Some(t) = self.at else {
            if falling {
                self.at = Some(0);
            }
            return None;
        };
        let t = t + 1;
        self.at = Some(t);
        // Sample each bit in its middle: bit k (0 = start) at (k + 1/2) bit times.
        let mid = |k: u32| k * self.cycles_per_bit + self.cycles_per_bit / 2;
        for k in 1..9 {
            if t == mid(k) && line {
                self.byte |= 1 << (k - 1);
            }
        }
        if t == mid(9) {
            self.at = None;
            let byte = std::mem::take(&mut self.byte);
            if !line {
                self.framing_errors += 1;
                return None;
            }
            return Some(byte);
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Sends `bytes` through a rust-hdl simulation of the transmitter and decodes the line.
    fn send(divisor: u16, bytes: &[u8]) -> Vec<u8> {
        let mut uut = UartTx::new(divisor);
        uut.connect_all();
        let mut sim = Simulation::new();
        let bytes = bytes.to_vec();
        let n = bytes.len();
        let out = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let got = out.clone();
        let bit = divisor as u32 + 1;
        sim.add_clock(5, |x: &mut Box<UartTx>| x.clock.next = !x.clock.val());
        sim.add_testbench(move |mut sim: Sim<UartTx>| {
            let mut x = sim.init()?;
            let mut rx = UartDecoder::new(bit);
            let mut queue = bytes.clone().into_iter();
            let mut next = queue.next();
            for _ in 0..(12 * bit as usize * (n + 1)) {
                x.valid.next = next.is_some();
                x.data.next = (next.unwrap_or(0) as u64).into();
                wait_clock_true!(sim, clock, x);
                if x.ready.val() && next.is_some() {
                    next = queue.next();
                }
                if let Some(b) = rx.sample(x.tx.val()) {
                    got.lock().unwrap().push(b);
                }
                wait_clock_false!(sim, clock, x);
            }
            sim.done(x)
        });
        sim.run(Box::new(uut), 1_000_000).unwrap();
        let v = out.lock().unwrap().clone();
        v
    }

    #[test]
    fn bytes_arrive_in_order_at_any_divisor() {
        let bytes = [0x00, 0xff, 0xa5, 0x5a, 0x01, 0x80];
        for divisor in [1, 3, 6] {
            assert_eq!(send(divisor, &bytes), bytes, "divisor {divisor}");
        }
    }

    /// Drives the receiver with `line` (one level per cycle) in rust-hdl's simulator: the
    /// bytes it took and the framing errors it counted.
    fn receive(divisor: u16, line: Vec<bool>) -> (Vec<u8>, u32) {
        let mut uut = UartRx::new(divisor);
        uut.connect_all();
        let mut sim = Simulation::new();
        let out = std::sync::Arc::new(std::sync::Mutex::new((Vec::new(), 0u32)));
        let got = out.clone();
        sim.add_clock(5, |x: &mut Box<UartRx>| x.clock.next = !x.clock.val());
        sim.add_testbench(move |mut sim: Sim<UartRx>| {
            let mut x = sim.init()?;
            for &level in &line {
                x.rx.next = level;
                wait_clock_true!(sim, clock, x);
                let mut g = got.lock().unwrap();
                if x.valid.val() {
                    g.0.push(x.data.val().index() as u8);
                }
                if x.error.val() {
                    g.1 += 1;
                }
                drop(g);
                wait_clock_false!(sim, clock, x);
            }
            sim.done(x)
        });
        sim.run(Box::new(uut), 10_000_000).unwrap();
        let v = out.lock().unwrap().clone();
        v
    }

    #[test]
    fn the_receiver_takes_what_the_encoder_sends_and_counts_framing_errors() {
        let bytes = [0x00, 0xff, 0xa5, 0x5a, 0x01, 0x80];
        for divisor in [3u16, 6] {
            let bit = divisor as u32 + 1;
            let mut enc = UartEncoder::new(bit);
            enc.send(&bytes);
            let mut line: Vec<bool> = (0..5).map(|_| true).collect();
            while !enc.idle() {
                line.push(enc.level());
            }
            // A byte whose stop bit is low: a framing error, then the line idles.
            line.extend((0..10 * bit).map(|_| false));
            line.extend((0..30).map(|_| true));
            let (got, errors) = receive(divisor, line);
            assert_eq!(got, bytes, "divisor {divisor}");
            assert_eq!(errors, 1, "divisor {divisor}");
        }
    }

    #[test]
    fn the_decoder_counts_a_missing_stop_bit() {
        let mut rx = UartDecoder::new(4);
        // Start bit then all low: the stop bit is low.
        let got: Vec<_> = (0..60).filter_map(|t| rx.sample(t < 2)).collect();
        assert!(got.is_empty());
        assert_eq!(rx.framing_errors, 1);
    }
}

//! UART transmitter: 8 data bits, no parity, one stop bit (8N1), least significant bit first.
//!
//! Ports (synchronous to `clock`): `data` is taken when `valid` and `ready` are both high;
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

    #[test]
    fn the_decoder_counts_a_missing_stop_bit() {
        let mut rx = UartDecoder::new(4);
        // Start bit then all low: the stop bit is low.
        let got: Vec<_> = (0..60).filter_map(|t| rx.sample(t < 2)).collect();
        assert!(got.is_empty());
        assert_eq!(rx.framing_errors, 1);
    }
}

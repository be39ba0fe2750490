//! Frames between the board and its host over the UART (docs/uart.md).
//!
//! A frame is `SYNC, kind, node, badge (2 bytes, little-endian), n, n words (4 bytes each,
//! little-endian), check`, where `check` is the CRC-8 (polynomial 0x07, initial value 0, no
//! reflection) of every byte from `kind` to the last word byte. `n` is at most
//! [`MAX_WORDS`]. [`BoardTop`](super::BoardTop) writes them; [`Decoder`] reads them and
//! counts what it rejects, never passing a bad frame on.

/// First byte of every frame.
pub const SYNC: u8 = 0xa5;
/// A data message a console device received: `node` is the console, `badge` the sender's.
pub const MESSAGE: u8 = 1;
/// A grant a console device received (its words are the granted capability's badge etc.).
pub const GRANT: u8 = 2;
/// End of boot: `node` is where the boot program stopped; badge bit 0 set = it failed there
/// (the node trapped in its start function), bits `[11:8]` the node's trap cause.
pub const BOOT: u8 = 3;
/// The status of a host frame's send: `node` is the gateway slot, `badge` the frame's `seq`,
/// one word: 0 delivered, 1 rejected (the receiver's mailbox was full), 2 refused (an empty
/// slot, no send right, or no gateway).
pub const STATUS: u8 = 4;
/// A host frame (or stray bytes) the board rejected: `node` is the reason of the first
/// rejection since the last report (`super::host::CHECK` ...), `badge` the number of
/// rejections since power-on; no words.
pub const REJECTED: u8 = 5;
/// Most words in a frame (the largest message).
pub const MAX_WORDS: usize = 4;

/// One frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frame {
    pub kind: u8,
    pub node: u8,
    pub badge: u16,
    pub words: Vec<u32>,
}

impl Frame {
    /// A host frame: send `words` through gateway slot `slot`; `seq` comes back in the status.
    pub fn host_send(slot: u8, seq: u16, words: &[u32]) -> Frame {
        Frame {
            kind: super::host::HOST_SEND,
            node: slot,
            badge: seq,
            words: words.to_vec(),
        }
    }

    /// Its bytes on the line.
    pub fn encode(&self) -> Vec<u8> {
        let mut b = vec![SYNC, self.kind, self.node];
        b.extend(self.badge.to_le_bytes());
        b.push(self.words.len() as u8);
        for w in &self.words {
            b.extend(w.to_le_bytes());
        }
        b.push(crc8(&b[1..]));
        b
    }
}

/// CRC-8, polynomial 0x07, initial value 0.
pub fn crc8(bytes: &[u8]) -> u8 {
    let mut crc = 0u8;
    for &b in bytes {
        crc ^= b;
        for _ in 0..8 {
            crc = if crc & 0x80 != 0 {
                crc << 1 ^ 0x07
            } else {
                crc << 1
            };
        }
    }
    crc
}

/// Why a frame was rejected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reject {
    /// The check byte did not match.
    Check,
    /// More than [`MAX_WORDS`] words announced.
    Oversized,
    /// An unknown kind.
    Kind,
    /// Bytes before a sync byte, or a frame cut short by the next sync.
    Noise,
}

/// Frames from a byte stream. A rejected frame is counted in `rejected` and skipped; the
/// decoder then looks for the next sync byte.
#[derive(Debug, Clone, Default)]
pub struct Decoder {
    buf: Vec<u8>,
    /// Rejections, in order.
    pub rejected: Vec<Reject>,
}

impl Decoder {
    pub fn new() -> Self {
        Self::default()
    }

    /// Takes one byte; a complete, valid frame comes back.
    pub fn push(&mut self, byte: u8) -> Option<Frame> {
        if self.buf.is_empty() {
            if byte == SYNC {
                self.buf.push(byte);
            } else {
                self.rejected.push(Reject::Noise);
            }
            return None;
        }
        self.buf.push(byte);
        if self.buf.len() == 2 && !matches!(byte, MESSAGE | GRANT | BOOT | STATUS | REJECTED) {
            return self.reject(Reject::Kind);
        }
        if self.buf.len() < 6 {
            return None;
        }
        let n = self.buf[5] as usize;
        if n > MAX_WORDS {
            return self.reject(Reject::Oversized);
        }
        if self.buf.len() < 7 + 4 * n {
            return None;
        }
        let b = std::mem::take(&mut self.buf);
        if crc8(&b[1..6 + 4 * n]) != b[6 + 4 * n] {
            self.rejected.push(Reject::Check);
            return None;
        }
        Some(Frame {
            kind: b[1],
            node: b[2],
            badge: u16::from_le_bytes([b[3], b[4]]),
            words: b[6..6 + 4 * n]
                .chunks(4)
                .map(|w| u32::from_le_bytes([w[0], w[1], w[2], w[3]]))
                .collect(),
        })
    }

    /// The line went quiet or ended: a frame still being read is cut short.
    pub fn finish(&mut self) {
        if !self.buf.is_empty() {
            self.buf.clear();
            self.rejected.push(Reject::Noise);
        }
    }

    fn reject(&mut self, why: Reject) -> Option<Frame> {
        self.buf.clear();
        self.rejected.push(why);
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc8_matches_the_standard_check_value() {
        // CRC-8 (SMBus): "123456789" -> 0xF4.
        assert_eq!(crc8(b"123456789"), 0xf4);
    }

    #[test]
    fn frames_round_trip_and_bad_ones_are_rejected() {
        let f = Frame {
            kind: MESSAGE,
            node: 3,
            badge: 0x1234,
            words: vec![1, 0xdead_beef],
        };
        let bytes = f.encode();
        let mut d = Decoder::new();
        let got: Vec<Frame> = bytes.iter().filter_map(|&b| d.push(b)).collect();
        assert_eq!(got, std::slice::from_ref(&f));
        assert!(d.rejected.is_empty());

        // A wrong check byte, then an oversized one, then a truncated one: none delivered.
        let mut bad = bytes.clone();
        *bad.last_mut().unwrap() ^= 1;
        let mut oversized = bytes.clone();
        oversized[5] = 5;
        let truncated = &bytes[..bytes.len() - 2];
        let mut d = Decoder::new();
        let mut delivered = 0;
        for &b in bad.iter().chain(&oversized[..6]).chain(truncated) {
            delivered += d.push(b).is_some() as usize;
        }
        d.finish();
        assert_eq!(delivered, 0);
        assert_eq!(
            d.rejected,
            [Reject::Check, Reject::Oversized, Reject::Noise]
        );
        // And the stream recovers.
        assert_eq!(bytes.iter().filter_map(|&b| d.push(b)).count(), 1);
    }
}

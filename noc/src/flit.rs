//! The message format of Castle's network-on-chip, and its encoding as flits.
//!
//! A **flit** is [`FLIT_BITS`] = 17 bits: 16 data bits (`[15:0]`) and the `last` bit (`[16]`),
//! which marks the final flit of a packet. A packet (one message) is a worm of 2 to 10 flits,
//! switched as a whole: a router output stays with one input from the first flit to the `last`
//! one (wormhole switching).
//!
//! ```text
//! flit 0 (route flit)  [1:0] dst_x  [3:2] dst_y  [5:4] src_x  [7:6] src_y
//!                      [9:8] kind   [12:10] len  [15:13] zero (reserved)
//! flit 1               [15:0] badge
//! flit 2+2i, 3+2i      payload word i: low half, then high half   (i < len <= 4)
//! ```
//!
//! The routers read only `dst_x`/`dst_y` of a packet's first flit and the `last` bit of every
//! flit; everything else is for the network interfaces. `src` is where a status reply goes (the
//! sender's NI); the receiving enclave never sees it, only the badge. Coordinates are 2 bits,
//! so a mesh has at most 4x4 nodes; x grows eastwards, y southwards, (0,0) is the north-west
//! corner. docs/noc.md explains the choice of width.
use rust_hdl::prelude::*;

/// Data bits per flit.
pub const DATA_BITS: usize = 16;
/// Bits per flit: data plus the `last` bit.
pub const FLIT_BITS: usize = DATA_BITS + 1;
/// Position of the `last` bit in a flit.
pub const LAST_BIT: usize = DATA_BITS;
/// Bits per mesh coordinate.
pub const COORD_BITS: usize = 2;
/// Largest mesh side.
pub const MAX_SIDE: u8 = 1 << COORD_BITS;
/// Most payload words in a message.
pub const MAX_WORDS: usize = 4;
/// A flit as the hardware carries it.
pub type Flit = Bits<FLIT_BITS>;

/// What a message is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kind {
    /// Payload words from one enclave to another, through a capability.
    Data = 0,
    /// A capability being delegated (payload: the attenuated c-list entry).
    Grant = 1,
    /// The receiving NI's answer to a send: delivered or rejected.
    Status = 2,
}

impl Kind {
    pub fn from_bits(v: u16) -> Option<Kind> {
        match v {
            0 => Some(Kind::Data),
            1 => Some(Kind::Grant),
            2 => Some(Kind::Status),
            _ => None,
        }
    }
}

/// A node of the mesh.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Node {
    pub x: u8,
    pub y: u8,
}

impl Node {
    pub const fn new(x: u8, y: u8) -> Node {
        Node { x, y }
    }
}

/// One message: header fields plus 0..=4 payload words.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Message {
    pub dst: Node,
    pub src: Node,
    pub kind: Kind,
    pub badge: u16,
    pub payload: Vec<u32>,
}

/// Why a flit sequence is not a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FlitError {
    /// Fewer flits than the header's length asks for, or no header at all.
    Short { have: usize, need: usize },
    /// The `last` bit is set on the wrong flit (`at`), or missing at the end.
    Last { at: usize },
    /// A reserved kind (3) or length above 4, or nonzero reserved bits.
    Header { flit: u32 },
}

impl std::error::Error for FlitError {}

impl std::fmt::Display for FlitError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FlitError::Short { have, need } => {
                write!(f, "packet has {have} flits, its header needs {need}")
            }
            FlitError::Last { at } => write!(f, "`last` bit misplaced at flit {at}"),
            FlitError::Header { flit } => write!(f, "malformed route flit {flit:#07x}"),
        }
    }
}

/// Number of flits of a message with `len` payload words.
pub const fn flits_for(len: usize) -> usize {
    2 + 2 * len
}

impl Message {
    /// Encode as flits (each the low [`FLIT_BITS`] bits of a `u32`).
    /// Panics on a payload longer than [`MAX_WORDS`] or a coordinate beyond [`MAX_SIDE`].
    pub fn to_flits(&self) -> Vec<u32> {
        let len = self.payload.len();
        assert!(len <= MAX_WORDS, "message of {len} words");
        for n in [self.dst, self.src] {
            assert!(
                n.x < MAX_SIDE && n.y < MAX_SIDE,
                "node {n:?} outside a 4x4 mesh"
            );
        }
        let route = (self.dst.x as u32)
            | (self.dst.y as u32) << 2
            | (self.src.x as u32) << 4
            | (self.src.y as u32) << 6
            | (self.kind as u32) << 8
            | (len as u32) << 10;
        let mut v = vec![route, self.badge as u32];
        for w in &self.payload {
            v.push(w & 0xffff);
            v.push(w >> 16);
        }
        let n = v.len();
        v[n - 1] |= 1 << LAST_BIT;
        v
    }

    /// Decode one packet (exactly its flits).
    pub fn from_flits(f: &[u32]) -> Result<Message, FlitError> {
        let Some(&route) = f.first() else {
            return Err(FlitError::Short { have: 0, need: 2 });
        };
        let kind = Kind::from_bits(((route >> 8) & 3) as u16);
        let len = ((route >> 10) & 7) as usize;
        if kind.is_none() || len > MAX_WORDS || route & 0xe000 != 0 {
            return Err(FlitError::Header { flit: route });
        }
        let need = flits_for(len);
        if f.len() < need {
            return Err(FlitError::Short {
                have: f.len(),
                need,
            });
        }
        for (i, &x) in f.iter().enumerate() {
            if ((x >> LAST_BIT) & 1 == 1) != (i + 1 == need) || i >= need {
                return Err(FlitError::Last { at: i });
            }
        }
        let d = |x: u32| x & 0xffff;
        Ok(Message {
            dst: Node::new((route & 3) as u8, ((route >> 2) & 3) as u8),
            src: Node::new(((route >> 4) & 3) as u8, ((route >> 6) & 3) as u8),
            kind: kind.unwrap(),
            badge: d(f[1]) as u16,
            payload: (0..len)
                .map(|i| d(f[2 + 2 * i]) | d(f[3 + 2 * i]) << 16)
                .collect(),
        })
    }
}

/// A flit value as the hardware type.
pub fn flit(v: u32) -> Flit {
    bits::<FLIT_BITS>(v as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        for len in 0..=MAX_WORDS {
            let m = Message {
                dst: Node::new(3, 1),
                src: Node::new(0, 2),
                kind: Kind::Grant,
                badge: 0xbeef,
                payload: (0..len as u32)
                    .map(|i| 0x8765_4321 ^ (i * 0x1111_1111))
                    .collect(),
            };
            let f = m.to_flits();
            assert_eq!(f.len(), flits_for(len));
            assert!(f.iter().all(|&x| x < 1 << FLIT_BITS));
            assert_eq!(
                f[0] & 0xf,
                3 | 1 << 2,
                "dst in the low 4 bits of the route flit"
            );
            assert_eq!(Message::from_flits(&f), Ok(m));
        }
    }

    #[test]
    fn malformed() {
        let m = Message {
            dst: Node::new(1, 1),
            src: Node::new(0, 0),
            kind: Kind::Data,
            badge: 7,
            payload: vec![1],
        };
        let f = m.to_flits();
        assert!(matches!(
            Message::from_flits(&f[..3]),
            Err(FlitError::Short { .. })
        ));
        let mut g = f.clone();
        g[1] |= 1 << LAST_BIT;
        assert_eq!(Message::from_flits(&g), Err(FlitError::Last { at: 1 }));
        let mut h = f.clone();
        h[0] |= 3 << 8;
        assert!(matches!(
            Message::from_flits(&h),
            Err(FlitError::Header { .. })
        ));
    }
}

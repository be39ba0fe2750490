//! The interpreter loop: decodes instructions in place from the image's code and follows
//! the side table, as described in [`crate::image`].
use super::memory::Memory;
use super::Trap;
use super::{Counters, TrapCause};
use crate::image::{FuncKind, Image, ImportKind, Profile};

/// A saved caller: where to resume after the callee returns.
#[derive(Debug, Clone, Copy)]
struct Frame {
    ret_pc: u32,
    ret_stp: u32,
    fp: u32,
    func: u32,
}

/// Registers and stacks of one run.
pub(crate) struct Machine<'a> {
    pub image: &'a Image,
    pub profile: &'a Profile,
    pub memory: &'a mut Memory,
    pub globals: &'a mut [i32],
    pub counters: &'a mut Counters,
}

/// The registers and stacks of a run in progress, kept between [`Machine::resume`] calls.
#[derive(Debug, Clone)]
pub(crate) struct State {
    stack: Vec<i32>,
    frames: Vec<Frame>,
    pc: u32,
    stp: u32,
    fp: u32,
    func: u32,
    /// Instructions the run may still execute.
    pub fuel: u64,
    /// An entry check failed: the run traps at its first resume.
    entry_trap: Option<Trap>,
}

/// Why [`Machine::resume`] returned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// The invoked function returned these results.
    Returned(Vec<i32>),
    /// The run trapped; it is over.
    Trapped(Trap),
    /// A `call` (or `call_indirect`) reached the capability call `kind`. Its arguments are
    /// popped; `pc` is the pc of the call instruction. Resume with
    /// [`Machine::complete_import`] and its result, or trap it there.
    Import {
        /// Which call.
        kind: ImportKind,
        /// Its arguments, first parameter first.
        args: Vec<i32>,
        /// pc of the call instruction.
        pc: u32,
    },
    /// The step budget of this resume ran out; the run goes on at the next resume.
    Paused,
}

enum Flow {
    Next,
    Return(Vec<i32>),
    Import(ImportKind, Vec<i32>),
}

type Step = Result<Flow, TrapCause>;

impl Machine<'_> {
    /// Starts function `func` with `args` (already checked against its signature) and a
    /// budget of `fuel` instructions.
    pub(crate) fn start(&mut self, func: u32, args: &[i32], fuel: u64) -> State {
        let mut s = State {
            stack: args.to_vec(),
            frames: Vec::new(),
            pc: 0,
            stp: 0,
            fp: 0,
            func,
            fuel,
            entry_trap: None,
        };
        let entry_pc = self
            .image
            .functions
            .get(func as usize)
            .map_or(0, |f| f.entry_pc);
        if let Err(cause) = self.enter(&mut s, func) {
            s.entry_trap = Some(Trap {
                cause,
                pc: entry_pc,
            });
        }
        s
    }

    /// Runs function `func` with `args` to its return: a capability call traps (a single
    /// enclave has no network).
    pub(crate) fn run(&mut self, func: u32, args: &[i32], fuel: u64) -> Result<Vec<i32>, Trap> {
        let mut s = self.start(func, args, fuel);
        match self.resume(&mut s, u64::MAX) {
            Event::Returned(results) => Ok(results),
            Event::Trapped(trap) => Err(trap),
            Event::Import { kind, pc, .. } => Err(Trap {
                cause: TrapCause::ImportCall(kind),
                pc,
            }),
            Event::Paused => unreachable!("an unlimited resume does not pause"),
        }
    }

    /// Executes at most `steps` instructions of the run `s`.
    pub(crate) fn resume(&mut self, s: &mut State, steps: u64) -> Event {
        if let Some(trap) = s.entry_trap.take() {
            return Event::Trapped(trap);
        }
        for _ in 0..steps {
            let at = s.pc;
            if s.fuel == 0 {
                return Event::Trapped(Trap {
                    cause: TrapCause::FuelExhausted,
                    pc: at,
                });
            }
            s.fuel -= 1;
            self.counters.instructions += 1;
            match self.step(s) {
                Ok(Flow::Next) => {}
                Ok(Flow::Return(results)) => return Event::Returned(results),
                Ok(Flow::Import(kind, args)) => return Event::Import { kind, args, pc: at },
                Err(cause) => return Event::Trapped(Trap { cause, pc: at }),
            }
        }
        Event::Paused
    }

    /// Finishes the capability call the run stopped at: pushes its result.
    pub(crate) fn complete_import(s: &mut State, result: i32) {
        s.stack.push(result);
    }

    /// Starts executing function `func` whose arguments are on top of the stack.
    fn enter(&mut self, s: &mut State, func: u32) -> Result<(), TrapCause> {
        let f = self
            .image
            .functions
            .get(func as usize)
            .ok_or(TrapCause::MalformedImage)?;
        if let FuncKind::Import(kind) = f.kind {
            // Only the host can invoke a function directly; it refuses imports.
            return Err(TrapCause::ImportCall(kind));
        }
        let depth = s.frames.len() as u64 + 1;
        if depth > u64::from(self.profile.call_depth) {
            return Err(TrapCause::StackOverflow);
        }
        let fp = s
            .stack
            .len()
            .checked_sub(f.params as usize)
            .ok_or(TrapCause::MalformedImage)?;
        let frame_top =
            fp as u64 + u64::from(f.params) + u64::from(f.locals) + u64::from(f.max_stack);
        if frame_top > u64::from(self.profile.value_stack_words) {
            return Err(TrapCause::StackOverflow);
        }
        s.stack.resize(s.stack.len() + f.locals as usize, 0);
        s.fp = fp as u32;
        s.func = func;
        s.pc = f.entry_pc;
        s.stp = f.entry_stp;
        self.counters.calls += 1;
        self.counters.max_call_depth = self.counters.max_call_depth.max(depth as u32);
        self.counters.max_stack_words = self.counters.max_stack_words.max(frame_top as u32);
        Ok(())
    }

    fn call(&mut self, s: &mut State, func: u32) -> Step {
        let f = self
            .image
            .functions
            .get(func as usize)
            .ok_or(TrapCause::MalformedImage)?;
        if let FuncKind::Import(kind) = f.kind {
            let n = kind.params() as usize;
            let from = s
                .stack
                .len()
                .checked_sub(n)
                .filter(|&b| b >= s.fp as usize)
                .ok_or(TrapCause::MalformedImage)?;
            return Ok(Flow::Import(kind, s.stack.split_off(from)));
        }
        s.frames.push(Frame {
            ret_pc: s.pc,
            ret_stp: s.stp,
            fp: s.fp,
            func: s.func,
        });
        self.enter(s, func)?;
        Ok(Flow::Next)
    }

    /// Returns from the current function; the results when it was the invoked one.
    fn ret(&mut self, s: &mut State) -> Step {
        let results = self
            .image
            .functions
            .get(s.func as usize)
            .ok_or(TrapCause::MalformedImage)?
            .results as usize;
        let fp = s.fp as usize;
        let top = s
            .stack
            .len()
            .checked_sub(results)
            .filter(|&t| t >= fp)
            .ok_or(TrapCause::MalformedImage)?;
        s.stack.copy_within(top.., fp);
        s.stack.truncate(fp + results);
        match s.frames.pop() {
            None => Ok(Flow::Return(std::mem::take(&mut s.stack))),
            Some(frame) => {
                s.pc = frame.ret_pc;
                s.stp = frame.ret_stp;
                s.fp = frame.fp;
                s.func = frame.func;
                Ok(Flow::Next)
            }
        }
    }

    /// Takes the branch described by side-table entry `index`.
    fn take(&self, s: &mut State, index: u32) -> Result<(), TrapCause> {
        let e = *self
            .image
            .side_table
            .get(index as usize)
            .ok_or(TrapCause::MalformedImage)?;
        let (keep, drop) = (e.keep as usize, e.drop as usize);
        let len = s.stack.len();
        let from = len
            .checked_sub(keep + drop)
            .filter(|&f| f >= s.fp as usize)
            .ok_or(TrapCause::MalformedImage)?;
        s.stack.copy_within(len - keep.., from);
        s.stack.truncate(len - drop);
        s.pc = e.target_pc;
        s.stp = e.target_stp;
        Ok(())
    }

    /// Executes one instruction.
    fn step(&mut self, s: &mut State) -> Step {
        let op = self.byte(s)?;
        match op {
            0x00 => return Err(TrapCause::Unreachable),
            0x01 => {}
            0x02 | 0x03 => s.pc += 1,
            0x04 => {
                let c = pop(s)?;
                s.pc += 1;
                if c != 0 {
                    s.stp += 1;
                } else {
                    self.take(s, s.stp)?;
                }
            }
            0x05 | 0x0c => self.take(s, s.stp)?,
            0x0b => {
                let end_pc = self.image.functions.get(s.func as usize).map(|f| f.end_pc);
                if end_pc == Some(s.pc - 1) {
                    return self.ret(s);
                }
            }
            0x0d => {
                if pop(s)? != 0 {
                    self.take(s, s.stp)?;
                } else {
                    self.leb(s, false)?;
                    s.stp += 1;
                }
            }
            0x0e => {
                let i = pop(s)? as u32;
                let n = self.leb(s, false)?;
                self.take(s, s.stp + i.min(n))?;
            }
            0x0f => return self.ret(s),
            0x10 => {
                let func = self.leb(s, false)?;
                return self.call(s, func);
            }
            0x11 => {
                let ty = self.leb(s, false)?;
                self.leb(s, false)?; // table index, always 0
                let i = pop(s)? as u32;
                let func = self
                    .image
                    .table
                    .get(i as usize)
                    .copied()
                    .flatten()
                    .ok_or(TrapCause::UndefinedElement)?;
                let expected = self
                    .image
                    .type_ids
                    .get(ty as usize)
                    .ok_or(TrapCause::MalformedImage)?;
                let actual = self
                    .image
                    .functions
                    .get(func as usize)
                    .ok_or(TrapCause::MalformedImage)?
                    .type_id;
                if actual != *expected {
                    return Err(TrapCause::IndirectTypeMismatch);
                }
                return self.call(s, func);
            }
            0x1a => {
                pop(s)?;
            }
            0x1b => {
                let c = pop(s)?;
                let b = pop(s)?;
                let a = pop(s)?;
                s.stack.push(if c != 0 { a } else { b });
            }
            0x20..=0x22 => {
                let index = s.fp as usize + self.leb(s, false)? as usize;
                if op == 0x20 {
                    let value = *s.stack.get(index).ok_or(TrapCause::MalformedImage)?;
                    s.stack.push(value);
                } else {
                    let value = if op == 0x21 {
                        pop(s)?
                    } else {
                        *s.stack.last().ok_or(TrapCause::MalformedImage)?
                    };
                    *s.stack.get_mut(index).ok_or(TrapCause::MalformedImage)? = value;
                }
            }
            0x23 => {
                let index = self.leb(s, false)? as usize;
                s.stack
                    .push(*self.globals.get(index).ok_or(TrapCause::MalformedImage)?);
            }
            0x24 => {
                let index = self.leb(s, false)? as usize;
                let value = pop(s)?;
                *self
                    .globals
                    .get_mut(index)
                    .ok_or(TrapCause::MalformedImage)? = value;
            }
            0x28 | 0x2c..=0x2f => {
                self.leb(s, false)?; // alignment hint
                let offset = self.leb(s, false)?;
                let addr = pop(s)? as u32;
                let oob = TrapCause::MemOutOfBounds;
                let value = match op {
                    0x28 => i32::from_le_bytes(self.memory.load(addr, offset).ok_or(oob)?),
                    0x2c => i8::from_le_bytes(self.memory.load(addr, offset).ok_or(oob)?) as i32,
                    0x2d => u8::from_le_bytes(self.memory.load(addr, offset).ok_or(oob)?) as i32,
                    0x2e => i16::from_le_bytes(self.memory.load(addr, offset).ok_or(oob)?) as i32,
                    _ => u16::from_le_bytes(self.memory.load(addr, offset).ok_or(oob)?) as i32,
                };
                s.stack.push(value);
            }
            0x36 | 0x3a | 0x3b => {
                self.leb(s, false)?;
                let offset = self.leb(s, false)?;
                let value = pop(s)?.to_le_bytes();
                let addr = pop(s)? as u32;
                let width = match op {
                    0x36 => 4,
                    0x3a => 1,
                    _ => 2,
                };
                if !self.memory.store(addr, offset, &value[..width]) {
                    return Err(TrapCause::MemOutOfBounds);
                }
            }
            0x3f => {
                self.leb(s, false)?; // memory index, always 0
                s.stack.push(self.memory.pages() as i32);
            }
            0x40 => {
                self.leb(s, false)?;
                let delta = pop(s)? as u32;
                s.stack.push(self.memory.grow(delta));
            }
            0x41 => {
                let value = self.leb(s, true)? as i32;
                s.stack.push(value);
            }
            0x45 => {
                let a = pop(s)?;
                s.stack.push((a == 0) as i32);
            }
            0x67..=0x69 => {
                let a = pop(s)?;
                s.stack.push(match op {
                    0x67 => a.leading_zeros() as i32,
                    0x68 => a.trailing_zeros() as i32,
                    _ => a.count_ones() as i32,
                });
            }
            0x46..=0x4f | 0x6a..=0x78 => {
                let b = pop(s)?;
                let a = pop(s)?;
                s.stack.push(binary(op, a, b)?);
            }
            _ => return Err(TrapCause::MalformedImage),
        }
        Ok(Flow::Next)
    }

    fn byte(&self, s: &mut State) -> Result<u8, TrapCause> {
        let b = *self
            .image
            .code
            .get(s.pc as usize)
            .ok_or(TrapCause::MalformedImage)?;
        s.pc += 1;
        Ok(b)
    }

    /// Reads a LEB128 immediate at pc.
    fn leb(&self, s: &mut State, signed: bool) -> Result<u32, TrapCause> {
        let bytes = self
            .image
            .code
            .get(s.pc as usize..)
            .ok_or(TrapCause::MalformedImage)?;
        match crate::leb128::decode(bytes, signed) {
            Some((value, len, false)) => {
                s.pc += len as u32;
                Ok(value)
            }
            _ => Err(TrapCause::MalformedImage),
        }
    }
}

fn pop(s: &mut State) -> Result<i32, TrapCause> {
    if s.stack.len() <= s.fp as usize {
        return Err(TrapCause::MalformedImage);
    }
    s.stack.pop().ok_or(TrapCause::MalformedImage)
}

/// The i32 comparison and binary arithmetic opcodes.
fn binary(op: u8, a: i32, b: i32) -> Result<i32, TrapCause> {
    let (ua, ub) = (a as u32, b as u32);
    Ok(match op {
        0x46 => (a == b) as i32,
        0x47 => (a != b) as i32,
        0x48 => (a < b) as i32,
        0x49 => (ua < ub) as i32,
        0x4a => (a > b) as i32,
        0x4b => (ua > ub) as i32,
        0x4c => (a <= b) as i32,
        0x4d => (ua <= ub) as i32,
        0x4e => (a >= b) as i32,
        0x4f => (ua >= ub) as i32,
        0x6a => a.wrapping_add(b),
        0x6b => a.wrapping_sub(b),
        0x6c => a.wrapping_mul(b),
        0x6d => match (a, b) {
            (_, 0) => return Err(TrapCause::DivByZero),
            (i32::MIN, -1) => return Err(TrapCause::IntOverflow),
            _ => a / b,
        },
        0x6e => ua.checked_div(ub).ok_or(TrapCause::DivByZero)? as i32,
        0x6f => {
            if b == 0 {
                return Err(TrapCause::DivByZero);
            }
            a.wrapping_rem(b)
        }
        0x70 => ua.checked_rem(ub).ok_or(TrapCause::DivByZero)? as i32,
        0x71 => a & b,
        0x72 => a | b,
        0x73 => a ^ b,
        0x74 => a.wrapping_shl(ub),
        0x75 => a.wrapping_shr(ub),
        0x76 => ua.wrapping_shr(ub) as i32,
        0x77 => ua.rotate_left(ub % 32) as i32,
        0x78 => ua.rotate_right(ub % 32) as i32,
        _ => return Err(TrapCause::MalformedImage),
    })
}

#[cfg(test)]
mod tests {
    use super::binary;
    use crate::model::TrapCause;

    #[test]
    fn division_traps_and_wraps() {
        assert_eq!(binary(0x6d, 7, 0), Err(TrapCause::DivByZero));
        assert_eq!(binary(0x6d, i32::MIN, -1), Err(TrapCause::IntOverflow));
        assert_eq!(binary(0x6f, i32::MIN, -1), Ok(0));
        assert_eq!(binary(0x6e, -1, 2), Ok(i32::MAX));
        assert_eq!(binary(0x70, 7, 0), Err(TrapCause::DivByZero));
    }

    #[test]
    fn shifts_and_rotates_mask_the_count() {
        assert_eq!(binary(0x74, 1, 33), Ok(2));
        assert_eq!(binary(0x75, -8, 33), Ok(-4));
        assert_eq!(binary(0x76, -8, 33), Ok(0x7fff_fffc));
        assert_eq!(binary(0x77, 0x8000_0001u32 as i32, 1), Ok(3));
        assert_eq!(binary(0x78, 3, 1), Ok(0x8000_0001u32 as i32));
    }
}

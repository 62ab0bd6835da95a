//! Pure decoders: from a syscall's registers and the tracee memory they point to, to
//! data (`Decoded`). Formatting to text happens later, in `render`.
//!
//! Everything here reads the tracee only through the [`Tracee`] trait, so the decoders
//! can be tested and fuzzed over plain byte buffers.

use crate::model::{Fd, MsgHdr, SockAddr, SockId};
use syscalls::Sysno;

/// What the decoders may ask of the stopped tracee.
pub trait Tracee {
    /// Read up to `len` bytes at `addr`. Returns the bytes read (possibly fewer than
    /// `len` when the range crosses into unmapped memory), or None when nothing at
    /// `addr` is readable. Callers bound `len`.
    fn read_mem(&self, addr: u64, len: usize) -> Option<Vec<u8>>;
    /// Which socket (or file) the tracee's `fd` is, when it can be found.
    fn fd_identity(&mut self, fd: Fd) -> Option<SockId>;
}

/// Options that shape decoding.
#[derive(Clone, Debug)]
pub struct DecodeOpts {
    /// `-s N`: bytes of payload data to keep per buffer.
    pub strsize: usize,
}

impl Default for DecodeOpts {
    fn default() -> Self {
        DecodeOpts { strsize: 32 }
    }
}

/// One decoded argument, as data.
#[derive(Clone, Debug, PartialEq)]
pub enum Arg {
    /// A plain signed number.
    Int(i64),
    /// A pointer shown as an address (NULL, or memory that could not be read).
    Ptr(u64),
    /// An fd; rendered with its identity from `Decoded::fds`.
    Fd(Fd),
    /// Already-safe text (flag names, constants).
    Text(String),
}

/// A decoded call, after its exit stop.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Decoded {
    /// The arguments in order.
    pub args: Vec<Arg>,
    /// Return value as the kernel gave it (negative errno on failure).
    pub ret: i64,
    /// The fd the call operated on.
    pub fd: Option<Fd>,
    /// The socket address argument.
    pub addr: Option<SockAddr>,
    /// Decoded msghdrs.
    pub msgs: Vec<MsgHdr>,
    /// Identities of fds used or returned.
    pub fds: Vec<SockId>,
    /// Fds returned (accept, socket: one; socketpair: two).
    pub ret_fds: Vec<Fd>,
}

/// What the entry stop captured, to finish decoding at the exit stop.
#[derive(Clone, Debug)]
pub struct EntryState {
    /// The call.
    pub sys: Sysno,
    /// Its six argument registers.
    pub regs: [u64; 6],
    /// Arguments already decoded at entry (inputs the kernel may not change).
    pub args: Vec<Arg>,
}

/// Decode what can be decoded at the entry stop.
pub fn decode_entry(
    sys: Sysno,
    regs: [u64; 6],
    _t: &mut dyn Tracee,
    _o: &DecodeOpts,
) -> EntryState {
    let args = regs.iter().map(|r| Arg::Ptr(*r)).collect();
    EntryState { sys, regs, args }
}

/// Finish decoding at the exit stop (`ret` is the raw kernel return value).
pub fn decode_exit(e: EntryState, ret: i64, _t: &mut dyn Tracee, _o: &DecodeOpts) -> Decoded {
    Decoded {
        args: e.args,
        ret,
        ..Decoded::default()
    }
}

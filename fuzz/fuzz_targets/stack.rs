//! Fuzz the stack walk's inputs: /proc/PID/maps text, the registers, the stack bytes, and
//! the unwind tables themselves (a hostile ELF file). Real CFI comes from a small system
//! program (/usr/bin/true: small enough that reading it does not count against a run's
//! time), mapped wherever the input says. Nothing may panic or hang, every bound must
//! hold, and the rendered stack must be terminal-safe.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sockwhy::model::stack::{FileId, RawStack};
use sockwhy::model::{Pid, SyscallEvent};
use sockwhy::render::escape::is_terminal_safe;
use sockwhy::render::stack::format_stack;
use sockwhy::stack::elf::UnwindInfo;
use sockwhy::stack::files::{Found, file_id};
use sockwhy::stack::maps::{Mapping, Maps};
use sockwhy::stack::symbols::ModuleSymbols;
use sockwhy::stack::unwind::ModuleSource;
use sockwhy::stack::{Capturer, Regs, StackOpts, Symbolizer};
use std::cell::RefCell;
use std::sync::OnceLock;
use std::time::Duration;

const STACK_BASE: u64 = 0x7ffd_0000_0000;

/// Every file mapping is this one file: real tables, wherever the maps put them.
struct OneFile(Found);

impl ModuleSource for OneFile {
    fn find(&mut self, _pid: Pid, m: &Mapping) -> Option<Found> {
        m.is_file().then(|| self.0.clone())
    }
}

fn real_elf() -> &'static Found {
    static EXE: OnceLock<Found> = OnceLock::new();
    EXE.get_or_init(|| {
        let p = std::fs::canonicalize("/usr/bin/true").unwrap();
        let md = std::fs::metadata(&p).unwrap();
        Found {
            open_path: p,
            id: file_id(&md),
        }
    })
}

thread_local! {
    // Shared by every run, as in sockwhy: reading this executable's tables and DWARF once
    // keeps the fuzzer fast, and the caches get exercised across changing maps.
    static CAPTURER: RefCell<Capturer> = RefCell::new(Capturer::new(opts()));
    static SYMBOLIZER: RefCell<Symbolizer> = RefCell::new(Symbolizer::new());
}

/// The tracee's memory: `stack` at STACK_BASE, nothing elsewhere.
fn stack_at_base(stack: &[u8]) -> impl Fn(u64, usize) -> Option<Vec<u8>> + '_ {
    move |a, l| {
        let at = usize::try_from(a.checked_sub(STACK_BASE)?).ok()?;
        let b = stack.get(at..)?;
        (!b.is_empty()).then(|| b[..l.min(b.len())].to_vec())
    }
}

struct Input<'a>(&'a [u8]);

impl<'a> Input<'a> {
    fn u64(&mut self) -> u64 {
        let mut a = [0u8; 8];
        let n = self.0.len().min(8);
        a[..n].copy_from_slice(&self.0[..n]);
        self.0 = &self.0[n..];
        u64::from_le_bytes(a)
    }
    fn bytes(&mut self, n: usize) -> &'a [u8] {
        let (a, b) = self.0.split_at(n.min(self.0.len()));
        self.0 = b;
        a
    }
}

fn opts() -> StackOpts {
    StackOpts {
        frame_limit: 64,
        max_bytes: 64 << 10,
        time_limit: Duration::from_secs(5),
        every_call: false,
    }
}

fn check(raw: &RawStack, o: &StackOpts) {
    assert!(raw.frames.len() <= o.frame_limit);
    assert!(raw.bytes_read <= o.max_bytes);
    for f in &raw.frames {
        assert!(f.module.is_none_or(|i| usize::from(i) < raw.modules.len()));
    }
    let ev = SyscallEvent {
        stack: SYMBOLIZER.with(|s| s.borrow_mut().symbolize(raw)),
        stack_end: Some(raw.end),
        ..Default::default()
    };
    for fold in [false, true] {
        for l in format_stack(&ev, fold, false) {
            assert!(is_terminal_safe(&l), "not terminal-safe: {l:?}");
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let mut inp = Input(rest);
    match mode % 4 {
        0 => {
            // Raw maps text: the parse must give sorted ranges that `find` agrees with.
            let maps = Maps::parse(rest);
            for w in maps.mappings.windows(2) {
                assert!(w[0].start <= w[1].start);
            }
            for m in &maps.mappings {
                assert!(m.start < m.end);
                assert!(maps.find(m.start).is_some());
                let _ = maps.object_range(maps.index_of(m.start).unwrap());
            }
        }
        1 | 2 => {
            // A walk: the real program mapped by fuzzed lines (mode 1) or fuzzed raw maps
            // text (mode 2), fuzzed registers, fuzzed stack bytes.
            let base = inp.u64() & 0x0000_7fff_ffff_f000;
            let ip_off = inp.u64() & 0xf_ffff;
            let sp_off = inp.u64() & 0xfff8;
            let bp = inp.u64();
            let text = if mode % 4 == 1 {
                let off = inp.u64() & 0xf_f000;
                let len = (inp.u64() & 0xff_f000) + 0x1000;
                format!(
                    "{base:x}-{:x} r--p 00000000 fe:00 7 /fuzz/exe\n{:x}-{:x} r-xp {off:x} fe:00 7 /fuzz/exe\n{STACK_BASE:x}-{:x} rw-p 00000000 00:00 0 [stack]\n",
                    base + 0x1000,
                    base + 0x1000,
                    base + 0x1000 + len,
                    STACK_BASE + 0x10_0000
                )
                .into_bytes()
            } else {
                let n = (inp.u64() & 0xfff) as usize;
                inp.bytes(n).to_vec()
            };
            let stack = inp.0;
            let mem = stack_at_base(stack);
            let regs = Regs {
                ip: base + 0x1000 + ip_off,
                sp: STACK_BASE + sp_off,
                bp,
            };
            let mut src = OneFile(real_elf().clone());
            let maps = Maps::parse(&text);
            let (raw, again) = CAPTURER.with(|c| {
                let mut c = c.borrow_mut();
                let raw = c.capture_in(1, &maps, regs, &mem, &mut src);
                (raw, c.capture_in(1, &maps, regs, &mem, &mut src))
            });
            check(&raw, &opts());
            // Twice: the module now known must give the same walk.
            assert_eq!(raw.frames, again.frames);
        }
        _ => {
            // A hostile ELF file as the module: its tables drive the walk, its symbols
            // and DWARF name the frames.
            let n = (inp.u64() & 0xffff) as usize;
            let elf = inp.bytes(n);
            let ip_off = inp.u64() & 0xffff;
            let stack = inp.0;
            if let Some(syms) = ModuleSymbols::parse(elf) {
                let _ = syms.lookup(ip_off, ip_off);
            }
            let id = FileId {
                dev: 1,
                ino: 1,
                size: elf.len() as u64,
                mtime_ns: 0,
            };
            let o = opts();
            let mut cap = Capturer::new(o.clone());
            cap.insert_tables(id.clone(), UnwindInfo::parse(elf));
            let found = Found {
                open_path: "/nonexistent/fuzz".into(),
                id,
            };
            let text = format!(
                "555555554000-555555564000 r-xp 00000000 fe:00 7 /fuzz/elf\n{STACK_BASE:x}-{:x} rw-p 00000000 00:00 0 [stack]\n",
                STACK_BASE + 0x10_0000
            );
            let mem = stack_at_base(stack);
            let regs = Regs {
                ip: 0x5555_5555_4000 + ip_off,
                sp: STACK_BASE,
                bp: STACK_BASE + 16,
            };
            let raw = cap.capture_in(
                1,
                &Maps::parse(text.as_bytes()),
                regs,
                &mem,
                &mut OneFile(found),
            );
            check(&raw, &o);
        }
    }
});

//! The walk at a stop: framehop follows each frame's CFI (.eh_frame, .debug_frame; frame
//! pointers where a module has none), one framehop unwinder per process holding the
//! modules its maps show, their tables shared through the file cache.

use super::elf::{Bytes, UnwindInfo};
use super::files::{FileCache, Found, find_mapped};
use super::maps::{Mapping, Maps};
use super::memory::{ReadMemory, Refused, StackWindow};
use super::{Regs, StackOpts};
use crate::model::Pid;
use crate::model::stack::{FileId, ModuleRef, RawFrame, RawStack, StackEnd};
use framehop::x86_64::{CacheX86_64, UnwindRegsX86_64, UnwinderX86_64};
use framehop::{Error, FrameAddress, Module, Unwinder};
use std::collections::HashMap;
use std::io::Read;
use std::time::Instant;

/// Processes whose unwinders are kept; the least recently walked goes first.
const MAX_PROCS: usize = 256;

/// Bytes of /proc/PID/maps read at most (some 200,000 mappings).
const MAX_MAPS_TEXT: u64 = 16 << 20;

/// Where the file behind a mapping is found (the real filesystem; a fixed file in fuzzing).
pub trait ModuleSource {
    /// The file `pid` mapped at `m`, if it can be found.
    fn find(&mut self, pid: Pid, m: &Mapping) -> Option<Found>;
}

/// Files as the process sees them (see `files::find_mapped`).
pub struct LiveFiles;

impl ModuleSource for LiveFiles {
    fn find(&mut self, pid: Pid, m: &Mapping) -> Option<Found> {
        find_mapped(pid, m)
    }
}

/// A module given to a process's unwinder, by the start of its first mapping.
struct Known {
    ino: u64,
    dev: (u32, u32),
    /// None when the file could not be found: not looked for again.
    module: Option<ModuleRef>,
}

/// One process: its unwinder and the modules in it.
#[derive(Default)]
struct Proc {
    unwinder: UnwinderX86_64<Bytes>,
    known: HashMap<u64, Known>,
    used: u64,
}

/// Walks stacks at stops; keeps what it learnt between them.
pub struct Capturer {
    opts: StackOpts,
    files: FileCache,
    procs: HashMap<Pid, Proc>,
    cache: CacheX86_64,
    tick: u64,
}

impl Capturer {
    /// A capturer with these bounds (a frame limit is kept within 1..=MAX_FRAME_LIMIT).
    pub fn new(mut opts: StackOpts) -> Self {
        opts.frame_limit = opts.frame_limit.clamp(1, super::MAX_FRAME_LIMIT);
        Capturer {
            opts,
            files: FileCache::default(),
            procs: HashMap::new(),
            cache: CacheX86_64::new(),
            tick: 0,
        }
    }

    /// Whether a reported call gets a stack: every one, or only failures.
    pub fn wants(&self, failed: bool) -> bool {
        failed || self.opts.every_call
    }

    /// Walk the stack of a stopped thread of process `pid` from its registers `regs`
    /// (None when they could not be read), reading the thread's memory through `mem`.
    pub fn capture(&mut self, pid: Pid, regs: Option<Regs>, mem: &dyn ReadMemory) -> RawStack {
        let t0 = Instant::now();
        let Some(regs) = regs else {
            return ended(StackEnd::NoRegisters, t0);
        };
        let Some(text) = read_maps(pid) else {
            return ended(StackEnd::NoMaps, t0);
        };
        let mut raw = self.capture_in(pid, &Maps::parse(&text), regs, mem, &mut LiveFiles);
        raw.capture_ns = t0.elapsed().as_nanos() as u64;
        raw
    }

    /// The walk over given maps and files (the part that does not touch /proc).
    pub fn capture_in(
        &mut self,
        pid: Pid,
        maps: &Maps,
        regs: Regs,
        mem: &dyn ReadMemory,
        source: &mut dyn ModuleSource,
    ) -> RawStack {
        let t0 = Instant::now();
        let deadline = t0 + self.opts.time_limit;
        self.tick += 1;
        self.evict();
        let tick = self.tick;
        let proc = self.procs.entry(pid).or_default();
        proc.used = tick;
        forget_unmapped(proc, maps);

        let mut window = StackWindow::new(mem, self.opts.max_bytes, deadline);
        let mut raw = RawStack::default();
        let mut starts: Vec<u64> = Vec::new();
        let mut uregs = UnwindRegsX86_64::new(regs.ip, regs.sp, regs.bp);
        let mut addr = FrameAddress::InstructionPointer(regs.ip);
        raw.end = loop {
            let Some(idx) = maps.index_of(addr.address_for_lookup()) else {
                break StackEnd::NotCode {
                    addr: addr.address(),
                };
            };
            if !maps.mappings[idx].exec {
                break StackEnd::NotCode {
                    addr: addr.address(),
                };
            }
            let module = known_module(proc, &mut self.files, source, pid, maps, idx).map(|m| {
                let i = match starts.iter().position(|s| *s == m.0) {
                    Some(i) => i,
                    None => {
                        starts.push(m.0);
                        raw.modules.push(m.1.clone());
                        starts.len() - 1
                    }
                };
                i as u16
            });
            raw.frames.push(RawFrame {
                addr: addr.address(),
                is_return: addr.is_return_address(),
                module,
            });
            if raw.frames.len() >= self.opts.frame_limit {
                break StackEnd::FrameLimit;
            }
            if Instant::now() > deadline {
                break StackEnd::TimeLimit;
            }
            let mut read = |a: u64| window.read_u64(a).ok_or(());
            match proc
                .unwinder
                .unwind_frame(addr, &mut uregs, &mut self.cache, &mut read)
            {
                Ok(Some(ret)) => match FrameAddress::from_return_address(ret) {
                    Some(next) => addr = next,
                    None => break StackEnd::Complete,
                },
                Ok(None) | Err(Error::ReturnAddressIsNull) => break StackEnd::Complete,
                Err(Error::CouldNotReadStack(a)) => {
                    break match window.refused {
                        Some(Refused::Budget) => StackEnd::ByteLimit,
                        Some(Refused::Time) => StackEnd::TimeLimit,
                        Some(Refused::Unreadable(a)) => StackEnd::Unreadable { addr: a },
                        None => StackEnd::Unreadable { addr: a },
                    };
                }
                Err(_) => break StackEnd::Corrupt,
            }
        };
        raw.bytes_read = window.bytes_read;
        raw.capture_ns = t0.elapsed().as_nanos() as u64;
        raw
    }

    /// Give the tables for a file identity without a file behind it (fuzzing: tables
    /// parsed from arbitrary bytes).
    pub fn insert_tables(&mut self, id: FileId, tables: Option<UnwindInfo>) {
        self.files.insert(id, tables.map(std::sync::Arc::new));
    }

    fn evict(&mut self) {
        if self.procs.len() < MAX_PROCS {
            return;
        }
        if let Some(old) = self
            .procs
            .iter()
            .min_by_key(|(_, p)| p.used)
            .map(|(k, _)| *k)
        {
            self.procs.remove(&old);
        }
    }
}

fn ended(end: StackEnd, t0: Instant) -> RawStack {
    RawStack {
        end,
        capture_ns: t0.elapsed().as_nanos() as u64,
        ..Default::default()
    }
}

fn read_maps(pid: Pid) -> Option<Vec<u8>> {
    let f = std::fs::File::open(format!("/proc/{pid}/maps")).ok()?;
    let mut text = Vec::new();
    f.take(MAX_MAPS_TEXT).read_to_end(&mut text).ok()?;
    Some(text)
}

/// Drop the modules whose file is no longer mapped where it was (dlclose, exec).
fn forget_unmapped(proc: &mut Proc, maps: &Maps) {
    let gone: Vec<u64> = proc
        .known
        .iter()
        .filter(|(start, k)| {
            maps.index_of(**start).is_none_or(|i| {
                let m = &maps.mappings[i];
                m.start != **start || m.ino != k.ino || m.dev != k.dev
            })
        })
        .map(|(s, _)| *s)
        .collect();
    for s in gone {
        proc.known.remove(&s);
        proc.unwinder.remove_module(s);
    }
}

/// The module of mapping `idx`, given to the unwinder on first sight. None for code that
/// no file backs (JIT, [vdso]) or whose file cannot be found: frame pointers walk it.
fn known_module<'p>(
    proc: &'p mut Proc,
    files: &mut FileCache,
    source: &mut dyn ModuleSource,
    pid: Pid,
    maps: &Maps,
    idx: usize,
) -> Option<(u64, &'p ModuleRef)> {
    let m = &maps.mappings[idx];
    if !m.is_file() {
        return None;
    }
    let range = maps.object_range(idx);
    let first = &maps.mappings[range.start];
    let start = first.start;
    if !proc.known.contains_key(&start) {
        let module = source
            .find(pid, m)
            .map(|found| add_module(&mut proc.unwinder, files, found, maps, idx));
        proc.known.insert(
            start,
            Known {
                ino: first.ino,
                dev: first.dev,
                module,
            },
        );
    }
    let k = proc.known.get(&start)?;
    k.module.as_ref().map(|m| (start, m))
}

/// Give the unwinder the tables of the file `found` behind mapping `idx` and its neighbours.
fn add_module(
    unwinder: &mut UnwinderX86_64<Bytes>,
    files: &mut FileCache,
    found: Found,
    maps: &Maps,
    idx: usize,
) -> ModuleRef {
    let m = &maps.mappings[idx];
    let range = maps.object_range(idx);
    let start = maps.mappings[range.start].start;
    let tables = files.tables(&found);
    let bias = match &tables {
        Some(t) => t.bias(m),
        None => m.start.wrapping_sub(m.offset),
    };
    let end = maps.mappings[range.end - 1].end;
    if let Some(t) = &tables {
        let name = String::from_utf8_lossy(&m.path).into_owned();
        unwinder.add_module(Module::new(name, start..end, bias, t.section_info()));
    }
    ModuleRef {
        path: m.path.clone(),
        open_path: found.open_path,
        id: found.id,
        bias,
        build_id: tables.and_then(|t| t.build_id.clone()),
    }
}

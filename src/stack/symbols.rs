//! One module's names: its DWARF (functions, inlining, file:line, through addr2line) and
//! its ELF symbol table (function+offset where there is no debug info). Sections are read
//! into memory, never mapped: a file truncated under a mapping would kill the reader.

use super::files::{Found, open_found};
use addr2line::gimli;
use object::{Object, ObjectSection, ObjectSymbol, ReadCache, ReadRef, SymbolKind};
use std::borrow::Cow;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// A DWARF section larger than this is not loaded (that module then gets names from its
/// symbol table only).
const MAX_DEBUG_SECTION: u64 = 512 << 20;

type Reader = gimli::EndianArcSlice<gimli::RunTimeEndian>;

/// A function symbol: start, size (0 when the table does not say), demangled name.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Symbol {
    addr: u64,
    size: u64,
    name: Box<str>,
}

/// A name found for an address.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Named {
    /// Demangled function name (not yet escaped).
    pub function: Option<String>,
    /// Offset of the address from the symbol's start (outermost frame only).
    pub function_offset: Option<u64>,
    /// Source file.
    pub file: Option<String>,
    /// Line.
    pub line: Option<u32>,
    /// Inlined into the next entry.
    pub inlined: bool,
}

/// The names of one module.
pub struct ModuleSymbols {
    dwarf: Option<addr2line::Context<Reader>>,
    symbols: Vec<Symbol>,
}

impl ModuleSymbols {
    /// Read the module that `found` names, with the separate debug file that its build id
    /// points to when the module itself carries no DWARF. None when it cannot be opened as
    /// the same file, or is not an object file.
    pub fn load(found: &Found, build_id: Option<&[u8]>) -> Option<ModuleSymbols> {
        let file = open_found(found)?;
        let cache = ReadCache::new(file);
        let mut syms = ModuleSymbols::parse(&cache)?;
        if (syms.dwarf.is_none() || syms.symbols.is_empty())
            && let Some(debug) = build_id.and_then(debug_file_for)
            && let Ok(f) = std::fs::File::open(&debug)
            && let Some(extra) = ModuleSymbols::parse(&ReadCache::new(f))
        {
            if syms.dwarf.is_none() {
                syms.dwarf = extra.dwarf;
            }
            if syms.symbols.is_empty() {
                syms.symbols = extra.symbols;
            }
        }
        Some(syms)
    }

    /// Parse an object file from any reader (a file, or a buffer in tests).
    pub fn parse<'a, R: ReadRef<'a>>(data: R) -> Option<ModuleSymbols> {
        let obj = object::File::parse(data).ok()?;
        Some(ModuleSymbols {
            dwarf: load_dwarf(&obj),
            symbols: load_symbols(&obj),
        })
    }

    /// The frames at file address `probe` (for a return address, the call instruction's),
    /// innermost (inlined) first; the last is the function that owns the machine frame.
    /// `at` is the frame's own file address, for the symbol offset.
    pub fn lookup(&self, probe: u64, at: u64) -> Vec<Named> {
        let mut out = Vec::new();
        if let Some(ctx) = &self.dwarf
            && let Ok(mut frames) = ctx.find_frames(probe).skip_all_loads()
        {
            while let Ok(Some(f)) = frames.next() {
                let function = f
                    .function
                    .as_ref()
                    .and_then(|n| n.demangle().ok())
                    .map(Cow::into_owned);
                let (file, line) = f
                    .location
                    .map(|l| (l.file.map(str::to_owned), l.line))
                    .unwrap_or_default();
                out.push(Named {
                    function,
                    function_offset: None,
                    file,
                    line,
                    inlined: true,
                });
                if out.len() >= 64 {
                    break;
                }
            }
        }
        let sym = self.symbol(probe);
        match out.last_mut() {
            Some(outer) => {
                outer.inlined = false;
                if let Some(s) = sym {
                    outer.function_offset = Some(at.wrapping_sub(s.addr));
                    if outer.function.is_none() {
                        outer.function = Some(s.name.to_string());
                    }
                }
            }
            None => out.push(Named {
                function: sym.map(|s| s.name.to_string()),
                function_offset: sym.map(|s| at.wrapping_sub(s.addr)),
                file: None,
                line: None,
                inlined: false,
            }),
        }
        out
    }

    fn symbol(&self, probe: u64) -> Option<&Symbol> {
        let i = self.symbols.partition_point(|s| s.addr <= probe);
        let s = self.symbols.get(i.checked_sub(1)?)?;
        // Past the end of a sized symbol is code the table does not name (a static
        // function of a stripped file): better no name than the wrong one.
        (s.size == 0 || probe < s.addr.saturating_add(s.size)).then_some(s)
    }
}

/// /usr/lib/debug/.build-id/ab/cdef....debug, where Debian's -dbgsym packages put them.
fn debug_file_for(build_id: &[u8]) -> Option<PathBuf> {
    let (first, rest) = build_id.split_first()?;
    if rest.is_empty() {
        return None;
    }
    let hex: String = rest.iter().map(|b| format!("{b:02x}")).collect();
    let p = Path::new("/usr/lib/debug/.build-id")
        .join(format!("{first:02x}"))
        .join(format!("{hex}.debug"));
    p.is_file().then_some(p)
}

fn load_dwarf<'a, R: ReadRef<'a>>(obj: &object::File<'a, R>) -> Option<addr2line::Context<Reader>> {
    obj.section_by_name(".debug_info")?;
    let endian = if obj.is_little_endian() {
        gimli::RunTimeEndian::Little
    } else {
        gimli::RunTimeEndian::Big
    };
    let load = |id: gimli::SectionId| -> Result<Reader, gimli::Error> {
        let data: Arc<[u8]> = match id {
            // Not needed for names and lines.
            gimli::SectionId::DebugLoc
            | gimli::SectionId::DebugLocLists
            | gimli::SectionId::DebugMacinfo
            | gimli::SectionId::DebugMacro => Arc::from(&[][..]),
            _ => obj
                .section_by_name(id.name())
                .filter(|s| s.size() <= MAX_DEBUG_SECTION)
                .and_then(|s| s.uncompressed_data().ok())
                .map(|d| Arc::from(&*d))
                .unwrap_or_else(|| Arc::from(&[][..])),
        };
        Ok(gimli::EndianArcSlice::new(data, endian))
    };
    let dwarf = gimli::Dwarf::load(load).ok()?;
    addr2line::Context::from_dwarf(dwarf).ok()
}

fn load_symbols<'a, R: ReadRef<'a>>(obj: &object::File<'a, R>) -> Vec<Symbol> {
    let table: Vec<_> = if obj.symbol_table().is_some() {
        obj.symbols().collect()
    } else {
        obj.dynamic_symbols().collect()
    };
    let mut v: Vec<Symbol> = table
        .iter()
        .filter(|s| s.kind() == SymbolKind::Text && !s.is_undefined() && s.address() != 0)
        .filter_map(|s| {
            let name = s.name().ok()?;
            Some(Symbol {
                addr: s.address(),
                size: s.size(),
                name: addr2line::demangle_auto(Cow::Borrowed(name), None).into(),
            })
        })
        .collect();
    // Aliases (connect and __connect) share an address: keep the first, for a stable name.
    v.sort_by_key(|s| s.addr);
    v.dedup_by_key(|s| s.addr);
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The C library this test runs with, from its own maps.
    fn libc_path() -> String {
        let maps = std::fs::read_to_string("/proc/self/maps").unwrap();
        maps.lines()
            .filter_map(|l| l.split_whitespace().nth(5))
            .find(|p| p.contains("/libc.so"))
            .expect("libc mapped")
            .to_owned()
    }

    #[test]
    fn a_library_without_debug_info_is_named_from_its_dynamic_symbols() {
        let data = std::fs::read(libc_path()).unwrap();
        let obj = object::File::parse(&data[..]).unwrap();
        let connect = obj
            .dynamic_symbols()
            .find(|s| s.name() == Ok("connect"))
            .unwrap()
            .address();
        let syms = ModuleSymbols::parse(&data[..]).unwrap();
        // Debian's libc carries no DWARF of its own: names come from .dynsym.
        assert!(syms.dwarf.is_none());
        let n = syms.lookup(connect + 0x0f, connect + 0x10);
        assert_eq!(n.len(), 1);
        let name = n[0].function.as_deref().unwrap();
        assert!(
            ["connect", "__connect", "__libc_connect"].contains(&name),
            "{name}"
        );
        assert_eq!(n[0].function_offset, Some(0x10));
        assert!(n[0].file.is_none() && !n[0].inlined);
        // Past the end of the last sized symbol there is no name, rather than a wrong one.
        let past = syms
            .symbols
            .last()
            .map(|s| s.addr + s.size + 0x100)
            .unwrap();
        assert_eq!(syms.lookup(past, past)[0].function, None);
    }
}

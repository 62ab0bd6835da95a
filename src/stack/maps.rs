//! /proc/PID/maps, parsed: which file (if any) backs each range of the address space, and
//! which ranges hold code. Pure, so it is fuzzed over arbitrary text.

/// At most this many mappings are looked at: a process with more is walked only through
/// the first ones (the kernel's own limit, vm.max_map_count, is 65530 by default).
pub const MAX_MAPPINGS: usize = 65_536;

/// One line of /proc/PID/maps.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mapping {
    /// First address.
    pub start: u64,
    /// One past the last address.
    pub end: u64,
    /// Mapped executable.
    pub exec: bool,
    /// Offset in the file of `start`.
    pub offset: u64,
    /// Device (major, minor) of the file, as maps prints it.
    pub dev: (u32, u32),
    /// Inode of the file; 0 for anonymous memory.
    pub ino: u64,
    /// The path, or a name in brackets (`[stack]`, `[vdso]`), as the kernel prints it
    /// (without a trailing ` (deleted)`); empty for anonymous memory.
    pub path: Vec<u8>,
    /// The file was deleted (or replaced) after it was mapped.
    pub deleted: bool,
}

impl Mapping {
    /// True when a file backs it (not anonymous memory, not `[vdso]`, `[stack]`...).
    pub fn is_file(&self) -> bool {
        self.ino != 0 && self.path.first() == Some(&b'/')
    }
}

/// The mappings of one process, sorted by address.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Maps {
    /// In address order.
    pub mappings: Vec<Mapping>,
}

impl Maps {
    /// Parse the text of /proc/PID/maps; lines that do not parse are skipped.
    pub fn parse(text: &[u8]) -> Maps {
        let mut mappings: Vec<Mapping> = text
            .split(|b| *b == b'\n')
            .filter_map(parse_line)
            .take(MAX_MAPPINGS)
            .collect();
        // The kernel prints them in order; a hostile or damaged text must still give a
        // list the binary search below can trust.
        mappings.sort_by_key(|m| m.start);
        Maps { mappings }
    }

    /// The mapping that holds `addr`.
    pub fn find(&self, addr: u64) -> Option<&Mapping> {
        let i = self.mappings.partition_point(|m| m.start <= addr);
        let m = self.mappings.get(i.checked_sub(1)?)?;
        (addr < m.end).then_some(m)
    }

    /// The mappings of the same file load around `idx`: the run of neighbours with the
    /// same file and rising offsets (an ELF object's segments), as index range.
    pub fn object_range(&self, idx: usize) -> std::ops::Range<usize> {
        let same = |a: &Mapping, b: &Mapping| {
            a.ino == b.ino && a.dev == b.dev && a.path == b.path && a.offset < b.offset
        };
        let mut lo = idx;
        while lo > 0 && same(&self.mappings[lo - 1], &self.mappings[lo]) {
            lo -= 1;
        }
        let mut hi = idx + 1;
        while hi < self.mappings.len() && same(&self.mappings[hi - 1], &self.mappings[hi]) {
            hi += 1;
        }
        lo..hi
    }

    /// Index of the mapping that holds `addr`.
    pub fn index_of(&self, addr: u64) -> Option<usize> {
        let i = self.mappings.partition_point(|m| m.start <= addr);
        let i = i.checked_sub(1)?;
        (addr < self.mappings[i].end).then_some(i)
    }
}

/// `start-end perms offset major:minor inode   path`.
fn parse_line(line: &[u8]) -> Option<Mapping> {
    let mut fields = Fields { rest: line };
    let range = fields.next()?;
    let perms = fields.next()?;
    let offset = hex(fields.next()?)?;
    let dev = fields.next()?;
    let ino = std::str::from_utf8(fields.next()?).ok()?.parse().ok()?;
    // The path is the rest of the line after the padding; it may hold spaces.
    let path = fields.rest.trim_ascii_start();
    let (path, deleted) = match path.strip_suffix(b" (deleted)") {
        Some(p) => (p, true),
        None => (path, false),
    };
    let dash = range.iter().position(|b| *b == b'-')?;
    let start = hex(&range[..dash])?;
    let end = hex(&range[dash + 1..])?;
    if end <= start {
        return None;
    }
    let colon = dev.iter().position(|b| *b == b':')?;
    let major = u32::try_from(hex(&dev[..colon])?).ok()?;
    let minor = u32::try_from(hex(&dev[colon + 1..])?).ok()?;
    Some(Mapping {
        start,
        end,
        exec: perms.get(2) == Some(&b'x'),
        offset,
        dev: (major, minor),
        ino,
        path: path.to_vec(),
        deleted,
    })
}

struct Fields<'a> {
    rest: &'a [u8],
}

impl<'a> Fields<'a> {
    fn next(&mut self) -> Option<&'a [u8]> {
        let s = self.rest.trim_ascii_start();
        let end = s.iter().position(|b| *b == b' ').unwrap_or(s.len());
        if end == 0 {
            return None;
        }
        self.rest = &s[end..];
        Some(&s[..end])
    }
}

fn hex(s: &[u8]) -> Option<u64> {
    if s.is_empty() || s.len() > 16 {
        return None;
    }
    u64::from_str_radix(std::str::from_utf8(s).ok()?, 16).ok()
}

/// The device number stat reports for (major, minor), as glibc's makedev encodes it.
pub fn makedev(major: u32, minor: u32) -> u64 {
    let (ma, mi) = (u64::from(major), u64::from(minor));
    ((ma & 0xffff_f000) << 32) | ((ma & 0xfff) << 8) | ((mi & 0xffff_ff00) << 12) | (mi & 0xff)
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &[u8] = b"\
55d0c0a00000-55d0c0a01000 r--p 00000000 fe:00 1234                       /tmp/a b/prog
55d0c0a01000-55d0c0a02000 r-xp 00001000 fe:00 1234                       /tmp/a b/prog
55d0c0a02000-55d0c0a03000 r--p 00002000 fe:00 1234                       /tmp/a b/prog
55d0c1000000-55d0c1021000 rw-p 00000000 00:00 0                          [heap]
7f0000026000-7f000017c000 r-xp 00026000 fe:00 326279                     /usr/lib/x86_64-linux-gnu/libc.so.6 (deleted)
7ffd00000000-7ffd00021000 rw-p 00000000 00:00 0                          [stack]
7ffd000ff000-7ffd00101000 r-xp 00000000 00:00 0                          [vdso]
garbage line
";

    #[test]
    fn parses_paths_with_spaces_deleted_files_and_pseudo_names() {
        let m = Maps::parse(TEXT);
        assert_eq!(m.mappings.len(), 7);
        let prog = &m.mappings[1];
        assert_eq!(prog.path, b"/tmp/a b/prog");
        assert!(prog.exec && prog.is_file());
        assert_eq!((prog.offset, prog.dev, prog.ino), (0x1000, (0xfe, 0), 1234));
        let libc = m.find(0x7f00_0010_0000).unwrap();
        assert!(libc.deleted);
        assert_eq!(libc.path, b"/usr/lib/x86_64-linux-gnu/libc.so.6");
        assert!(!m.find(0x7ffd_0010_0000).unwrap().is_file(), "[vdso]");
        assert!(m.find(0x1000).is_none());
        assert!(m.find(0x55d0_c0a0_3000).is_none(), "end is exclusive");
        assert_eq!(m.object_range(1), 0..3);
        assert_eq!(m.object_range(3), 3..4);
    }

    #[test]
    fn makedev_matches_stat() {
        // fe:00 as stat reports it on this kind of machine.
        assert_eq!(makedev(0xfe, 0), 0xfe00);
        assert_eq!(makedev(259, 3), (259 << 8) | 3);
        assert_eq!(makedev(0x1000, 0x100), (1 << 44) | (1 << 20));
    }
}

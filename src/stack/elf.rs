//! What the unwinder needs from an ELF file: its CFI sections (.eh_frame with its
//! .eh_frame_hdr index, .debug_frame), the loadable segments (to turn a mapping into a
//! load bias) and the build id. Read through `object` from any `ReadRef`: a file read on
//! demand, or a plain buffer (tests, fuzzing).

use super::maps::Mapping;
use framehop::ExplicitModuleSectionInfo;
use object::{Object, ObjectSection, ObjectSegment, ReadRef};
use std::ops::Range;
use std::sync::Arc;

/// A section larger than this is not loaded (a hostile or enormous file must not make the
/// tracer allocate without bound): the module is then walked by frame pointers.
pub const MAX_SECTION: u64 = 64 << 20;

/// The section bytes are shared by every process that maps the same file.
pub type Bytes = Arc<[u8]>;

/// A section's address range in the file's own address space, and its bytes.
#[derive(Clone, Debug)]
pub struct Section {
    /// Stated address range (SVMA).
    pub svma: Range<u64>,
    /// Contents.
    pub data: Bytes,
}

/// A PT_LOAD segment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Load {
    /// p_vaddr.
    pub vaddr: u64,
    /// p_offset.
    pub offset: u64,
    /// p_filesz.
    pub filesz: u64,
}

/// The unwind-relevant parts of one ELF file.
#[derive(Clone, Debug, Default)]
pub struct UnwindInfo {
    /// .eh_frame.
    pub eh_frame: Option<Section>,
    /// .eh_frame_hdr (the binary-search index of .eh_frame).
    pub eh_frame_hdr: Option<Section>,
    /// .debug_frame.
    pub debug_frame: Option<Section>,
    /// Address range of .text.
    pub text_svma: Option<Range<u64>>,
    /// Address range of .got (CFI may address relative to it).
    pub got_svma: Option<Range<u64>>,
    /// PT_LOAD segments.
    pub loads: Vec<Load>,
    /// NT_GNU_BUILD_ID.
    pub build_id: Option<Vec<u8>>,
}

impl UnwindInfo {
    /// Parse an ELF file; None when it is not one `object` can read.
    pub fn parse<'a, R: ReadRef<'a>>(data: R) -> Option<UnwindInfo> {
        let file = object::File::parse(data).ok()?;
        if !matches!(file.format(), object::BinaryFormat::Elf) {
            return None;
        }
        let section = |name: &str| -> Option<Section> {
            let s = file.section_by_name(name)?;
            if s.size() > MAX_SECTION {
                return None;
            }
            let data = s.data().ok()?;
            Some(Section {
                svma: s.address()..s.address().checked_add(s.size())?,
                data: Arc::from(data),
            })
        };
        let range = |name: &str| {
            let s = file.section_by_name(name)?;
            Some(s.address()..s.address().checked_add(s.size())?)
        };
        let loads = file
            .segments()
            .map(|seg| {
                let (offset, filesz) = seg.file_range();
                Load {
                    vaddr: seg.address(),
                    offset,
                    filesz,
                }
            })
            .collect();
        let eh_frame = section(".eh_frame");
        let text_svma = range(".text");
        let got_svma = range(".got");
        let eh_frame_hdr = section(".eh_frame_hdr").filter(|hdr| {
            eh_frame
                .as_ref()
                .is_some_and(|eh| hdr_is_sound(hdr, eh, text_svma.as_ref(), got_svma.as_ref()))
        });
        Some(UnwindInfo {
            eh_frame,
            eh_frame_hdr,
            debug_frame: section(".debug_frame"),
            text_svma,
            got_svma,
            loads,
            build_id: file.build_id().ok().flatten().map(<[u8]>::to_vec),
        })
    }

    /// What framehop is given for one process's mapping of this file.
    pub fn section_info(&self) -> ExplicitModuleSectionInfo<Bytes> {
        ExplicitModuleSectionInfo {
            base_svma: 0,
            text_svma: self.text_svma.clone(),
            got_svma: self.got_svma.clone(),
            eh_frame_svma: self.eh_frame.as_ref().map(|s| s.svma.clone()),
            eh_frame: self.eh_frame.as_ref().map(|s| s.data.clone()),
            eh_frame_hdr_svma: self.eh_frame_hdr.as_ref().map(|s| s.svma.clone()),
            eh_frame_hdr: self.eh_frame_hdr.as_ref().map(|s| s.data.clone()),
            debug_frame: self.debug_frame.as_ref().map(|s| s.data.clone()),
            ..Default::default()
        }
    }

    /// The load bias of a mapping of this file: process address minus file address. The
    /// segment the mapping was made for (it starts at the page of the segment's offset)
    /// says where the file's addresses landed. Two segments can share a page of the file
    /// (the read-only one ends where the code begins), so the exact start is asked
    /// first; without any, the mapping's offset is taken as its file address.
    pub fn bias(&self, m: &Mapping) -> u64 {
        let page = |x: u64| x & !0xfff;
        let seg = self
            .loads
            .iter()
            .find(|l| page(l.offset) == m.offset)
            .or_else(|| {
                self.loads.iter().find(|l| {
                    page(l.offset) <= m.offset && m.offset < l.offset.saturating_add(l.filesz)
                })
            });
        match seg {
            Some(l) => m
                .start
                .wrapping_add(l.offset)
                .wrapping_sub(m.offset)
                .wrapping_sub(l.vaddr),
            None => m.start.wrapping_sub(m.offset),
        }
    }
}

/// Whether the .eh_frame_hdr index can be trusted with arithmetic: gimli, under framehop,
/// subtracts .eh_frame's address from each FDE pointer of the table and multiplies the
/// table's entry count without checking either, which panics (in a build with overflow
/// checks) on a hostile file. Every entry is read once here, with the bases framehop uses;
/// a table that points before .eh_frame or promises more entries than it holds is dropped,
/// and framehop then indexes .eh_frame itself, with checked arithmetic.
fn hdr_is_sound(
    hdr: &Section,
    eh: &Section,
    text: Option<&Range<u64>>,
    got: Option<&Range<u64>>,
) -> bool {
    use gimli::{BaseAddresses, EhFrameHdr, LittleEndian};
    let bases = BaseAddresses::default()
        .set_eh_frame(eh.svma.start)
        .set_eh_frame_hdr(hdr.svma.start)
        .set_text(text.map_or(0, |r| r.start))
        .set_got(got.map_or(0, |r| r.start));
    let Ok(parsed) = EhFrameHdr::new(&hdr.data, LittleEndian).parse(&bases, 8) else {
        // framehop cannot parse it either, and does not use it.
        return true;
    };
    let Ok(eh_frame_ptr) = parsed.eh_frame_ptr().direct() else {
        return false;
    };
    let Some(table) = parsed.table() else {
        return true;
    };
    let mut rows = table.iter(&bases);
    loop {
        match rows.next() {
            Ok(Some((_, fde))) => match fde.direct() {
                Ok(p) if p >= eh_frame_ptr => {}
                _ => return false,
            },
            Ok(None) => return true,
            Err(_) => return false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mapping(start: u64, offset: u64) -> Mapping {
        Mapping {
            start,
            end: start + 0x1000,
            exec: true,
            offset,
            dev: (0, 0),
            ino: 1,
            path: b"/x".to_vec(),
            deleted: false,
        }
    }

    #[test]
    fn bias_of_pie_and_fixed_executables() {
        let pie = UnwindInfo {
            loads: vec![
                Load {
                    vaddr: 0,
                    offset: 0,
                    filesz: 0x600,
                },
                Load {
                    vaddr: 0x1000,
                    offset: 0x1000,
                    filesz: 0x1d5,
                },
            ],
            ..Default::default()
        };
        assert_eq!(
            pie.bias(&mapping(0x5555_5555_5000, 0x1000)),
            0x5555_5555_4000
        );
        let fixed = UnwindInfo {
            loads: vec![Load {
                vaddr: 0x401000,
                offset: 0x1000,
                filesz: 0x200,
            }],
            ..Default::default()
        };
        assert_eq!(fixed.bias(&mapping(0x401000, 0x1000)), 0);
        // rustc's layout: the code segment starts in the read-only segment's last page
        // and sits one page higher in memory than in the file.
        let shared_page = UnwindInfo {
            loads: vec![
                Load {
                    vaddr: 0,
                    offset: 0,
                    filesz: 0x12f0c,
                },
                Load {
                    vaddr: 0x13f10,
                    offset: 0x12f10,
                    filesz: 0x3d7e0,
                },
            ],
            ..Default::default()
        };
        let code = mapping(0x5555_5556_7000, 0x12000);
        assert_eq!(shared_page.bias(&code), 0x5555_5555_4000);
    }

    #[test]
    fn reads_our_own_executable() {
        let exe = std::fs::read("/proc/self/exe").unwrap();
        let info = UnwindInfo::parse(&exe[..]).expect("an ELF file");
        assert!(
            info.eh_frame.is_some() && info.eh_frame_hdr.is_some(),
            "a linker's .eh_frame_hdr passes the check"
        );
        assert!(!info.loads.is_empty());
        assert!(UnwindInfo::parse(&b"not an elf file"[..]).is_none());
    }

    #[test]
    fn an_eh_frame_hdr_pointing_before_eh_frame_is_dropped() {
        // Found by the fuzzer: such a table made gimli subtract with overflow (a panic in
        // a build with overflow checks) on the first lookup.
        let mut exe = std::fs::read("/proc/self/exe").unwrap();
        let at = {
            let obj = object::File::parse(&exe[..]).unwrap();
            let hdr = obj.section_by_name(".eh_frame_hdr").unwrap();
            hdr.file_range().unwrap().0 as usize
        };
        // version, eh_frame_ptr_enc, fde_count_enc, table_enc = datarel|sdata4.
        assert_eq!(exe[at..at + 4], [1, 0x1b, 0x03, 0x3b]);
        // The first row's FDE pointer (after eh_frame_ptr, fde_count, initial_location),
        // relative to .eh_frame_hdr: 0 is the header itself, which lies before .eh_frame.
        exe[at + 16..at + 20].copy_from_slice(&0i32.to_le_bytes());
        let info = UnwindInfo::parse(&exe[..]).unwrap();
        assert!(info.eh_frame.is_some());
        assert!(info.eh_frame_hdr.is_none(), "the index is not trusted");
    }
}

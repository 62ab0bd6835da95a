//! Mapped files, opened only when they are the file the process mapped, and their unwind
//! tables cached by file identity: every process that maps the same libc shares one copy,
//! read once.

use super::elf::UnwindInfo;
use super::maps::{Mapping, makedev};
use crate::model::Pid;
use crate::model::stack::FileId;
use std::collections::HashMap;
use std::fs::File;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
use std::path::PathBuf;
use std::sync::Arc;

/// Files whose tables are kept; past this the cache starts afresh (a tracee that maps
/// thousands of distinct files must not make the tracer grow without bound).
const MAX_FILES: usize = 512;

/// A mapped file found on disk: where, and its identity (from stat, not yet opened).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Found {
    /// The path that leads to it.
    pub open_path: PathBuf,
    /// Its identity.
    pub id: FileId,
}

/// Find the file behind `m` in process `pid`: the path itself when it leads to the mapped
/// inode; else the same path inside the process's root (a container, a chroot); else the
/// mapping itself through /proc/PID/map_files (a deleted or replaced file).
pub fn find_mapped(pid: Pid, m: &Mapping) -> Option<Found> {
    if !m.is_file() {
        return None;
    }
    let path = PathBuf::from(std::ffi::OsStr::from_bytes(&m.path));
    let mut root = PathBuf::from(format!("/proc/{pid}/root"));
    root.push(path.strip_prefix("/").ok()?);
    let map_files = PathBuf::from(format!("/proc/{pid}/map_files/{:x}-{:x}", m.start, m.end));
    let dev = makedev(m.dev.0, m.dev.1);
    let candidates = [(path, Some(dev)), (root, Some(dev)), (map_files, None)];
    candidates.into_iter().find_map(|(p, dev)| {
        let md = std::fs::metadata(&p).ok()?;
        let same = md.is_file() && md.ino() == m.ino && dev.is_none_or(|d| md.dev() == d);
        same.then(|| Found {
            open_path: p,
            id: file_id(&md),
        })
    })
}

/// Open a found file, checking it is still the same one. Checked by stat first: opening
/// a FIFO or a device that took the path's place could block or have effects.
pub fn open_found(f: &Found) -> Option<File> {
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY)
        .open(&f.open_path)
        .ok()?;
    let md = file.metadata().ok()?;
    (md.is_file() && file_id(&md) == f.id).then_some(file)
}

/// The identity of a file from its metadata.
pub fn file_id(md: &std::fs::Metadata) -> FileId {
    FileId {
        dev: md.dev(),
        ino: md.ino(),
        size: md.size(),
        mtime_ns: i128::from(md.mtime()) * 1_000_000_000 + i128::from(md.mtime_nsec()),
    }
}

/// Unwind tables per file identity.
#[derive(Default)]
pub struct FileCache {
    tables: HashMap<FileId, Option<Arc<UnwindInfo>>>,
}

impl FileCache {
    /// The tables of an opened file, read on first use; None when it is not an ELF
    /// file (remembered, so it is not read again).
    pub fn tables(&mut self, found: &Found) -> Option<Arc<UnwindInfo>> {
        if let Some(t) = self.tables.get(&found.id) {
            return t.clone();
        }
        if self.tables.len() >= MAX_FILES {
            self.tables.clear();
        }
        // Read on demand: only the headers and the CFI sections, not a whole
        // (possibly huge, debug-info laden) binary.
        let t = open_found(found)
            .and_then(|file| UnwindInfo::parse(&object::ReadCache::new(file)))
            .map(Arc::new);
        self.tables.insert(found.id.clone(), t.clone());
        t
    }

    /// Insert tables for an identity (fuzzing and tests, where no file backs them).
    pub fn insert(&mut self, id: FileId, t: Option<Arc<UnwindInfo>>) {
        self.tables.insert(id, t);
    }
}

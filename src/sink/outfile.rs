//! Opening the files sockwhy writes: `--save`, `-o`, `report -o` and the TUI's save.
//!
//! Traces and reports hold the tracee's bytes, and sockwhy often runs as root in
//! directories others can write (/tmp), so an output file is opened without following a
//! symlink in its last component (O_NOFOLLOW) and created 0600. An existing file is used
//! only when it is a regular file of the caller's, with no other hard link, on a real
//! filesystem (not proc, sysfs or another kernel interface); it is made 0600 on the open
//! descriptor (fchmod, so no rename can redirect it) and emptied only then. Anything else
//! is refused with one line naming the file, and every later write error names it too.
//! The null device is the one exception: `-o /dev/null` is how a trace is silenced, and
//! it keeps nothing.

use std::fs::{File, OpenOptions, Permissions};
use std::io::{self, Write};
use std::os::unix::fs::{FileTypeExt, MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

/// Filesystems whose files are kernel interfaces: writing a trace into one changes the
/// system (or fails in strange ways), and making one 0600 would hide it from others.
const KERNEL_FILESYSTEMS: &[&str] = &[
    "proc",
    "sysfs",
    "debugfs",
    "tracefs",
    "securityfs",
    "cgroup",
    "cgroup2",
    "configfs",
    "efivarfs",
    "bpf",
    "pstore",
    "fusectl",
    "binfmt_misc",
    "selinuxfs",
    "hugetlbfs",
    "mqueue",
    "devpts",
];

/// An output file opened by [`create`]; write errors name it.
#[derive(Debug)]
pub struct OutFile {
    file: File,
    path: PathBuf,
}

/// Open `path` for writing as the module says: created 0600, or an own regular file made
/// 0600 and emptied; refused (one line naming it) otherwise.
pub fn create(path: &Path) -> io::Result<OutFile> {
    let shown = path.display();
    // Refuse what is plainly not ours before opening it: opening a FIFO or a device can
    // block or act. The open below is checked again on the descriptor, which is what holds.
    match std::fs::symlink_metadata(path) {
        Ok(m) => check(path, &m)?,
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        Err(e) => {
            return Err(io::Error::new(
                e.kind(),
                format!("cannot create {shown}: {e}"),
            ));
        }
    }
    // Read too: the live TUI reads its saved trace back while writing it.
    let file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .mode(0o600)
        // O_NONBLOCK: a FIFO swapped in after the check must not block the open; it has
        // no effect on the regular file that passes the check.
        .custom_flags(libc::O_NOFOLLOW | libc::O_NOCTTY | libc::O_NONBLOCK)
        .open(path)
        .map_err(|e| {
            if e.raw_os_error() == Some(libc::ELOOP) && is_symlink(path) {
                refused(path, SYMLINK)
            } else {
                io::Error::new(e.kind(), format!("cannot create {shown}: {e}"))
            }
        })?;
    let m = file
        .metadata()
        .map_err(|e| io::Error::new(e.kind(), format!("cannot create {shown}: {e}")))?;
    check(path, &m)?;
    if !is_null_device(&m) {
        if m.mode() & 0o7777 != 0o600 {
            file.set_permissions(Permissions::from_mode(0o600))
                .map_err(|e| {
                    io::Error::new(e.kind(), format!("cannot make {shown} private (0600): {e}"))
                })?;
        }
        if m.len() > 0 {
            file.set_len(0)
                .map_err(|e| io::Error::new(e.kind(), format!("cannot empty {shown}: {e}")))?;
        }
    }
    Ok(OutFile {
        file,
        path: path.to_owned(),
    })
}

/// A private file in `dir` that no one else can open: created 0600 under a new name
/// (never an existing file, never through a symlink) and unlinked at once, so nothing is
/// left behind however the process ends.
pub fn spool(dir: &Path) -> io::Result<OutFile> {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let path = dir.join(format!(".sockwhy-spool-{}-{nanos}", std::process::id()));
    let file = OpenOptions::new()
        .read(true)
        .write(true)
        .create_new(true)
        .mode(0o600)
        .custom_flags(libc::O_NOFOLLOW)
        .open(&path)
        .map_err(|e| io::Error::new(e.kind(), format!("cannot create {}: {e}", path.display())))?;
    std::fs::remove_file(&path)?;
    Ok(OutFile { file, path })
}

impl OutFile {
    /// The path it was opened as.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Another handle on the same open file (the same offset: writes through either
    /// follow each other).
    pub fn try_clone(&self) -> io::Result<OutFile> {
        Ok(OutFile {
            file: self.file.try_clone().map_err(|e| self.named(e))?,
            path: self.path.clone(),
        })
    }

    /// A plain handle on the open file, for reading it back.
    pub fn try_clone_file(&self) -> io::Result<std::fs::File> {
        self.file.try_clone().map_err(|e| self.named(e))
    }

    fn named(&self, e: io::Error) -> io::Error {
        io::Error::new(e.kind(), format!("{}: {e}", self.path.display()))
    }
}

impl Write for OutFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.file.write(buf).map_err(|e| self.named(e))
    }

    fn flush(&mut self) -> io::Result<()> {
        self.file.flush().map_err(|e| self.named(e))
    }
}

const SYMLINK: &str = "it is a symbolic link (sockwhy does not write through one)";

/// Why `m` (of `path`) may not be written, as a refusal; Ok when it may.
fn check(path: &Path, m: &std::fs::Metadata) -> io::Result<()> {
    let t = m.file_type();
    let what = if t.is_symlink() {
        SYMLINK.to_owned()
    } else if is_null_device(m) {
        return Ok(());
    } else if t.is_dir() {
        "it is a directory".to_owned()
    } else if !t.is_file() {
        let kind = if t.is_fifo() {
            "a FIFO"
        } else if t.is_socket() {
            "a socket"
        } else if t.is_char_device() {
            "a character device"
        } else if t.is_block_device() {
            "a block device"
        } else {
            "not a file"
        };
        format!("it is not a regular file ({kind})")
    } else if m.uid() != effective_uid() {
        format!(
            "it belongs to uid {}, not to uid {} (remove it first)",
            m.uid(),
            effective_uid()
        )
    } else if m.nlink() > 1 {
        format!(
            "it has {} hard links (writing would change the other names too)",
            m.nlink()
        )
    } else if let Some(fs) = kernel_filesystem(m.dev()) {
        format!("it is on {fs}, a kernel interface, not a file to write a trace to")
    } else {
        return Ok(());
    };
    Err(refused(path, &what))
}

fn refused(path: &Path, why: &str) -> io::Error {
    io::Error::new(
        io::ErrorKind::PermissionDenied,
        format!("refusing to write {}: {why}", path.display()),
    )
}

fn is_symlink(path: &Path) -> bool {
    std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink())
}

/// /dev/null, wherever it is linked from: character device 1:3.
fn is_null_device(m: &std::fs::Metadata) -> bool {
    m.file_type().is_char_device() && dev_numbers(m.rdev()) == (1, 3)
}

/// (major, minor) of a Linux `dev_t`.
fn dev_numbers(dev: u64) -> (u64, u64) {
    let major = ((dev >> 8) & 0xfff) | ((dev >> 32) & !0xfff);
    let minor = (dev & 0xff) | ((dev >> 12) & !0xff);
    (major, minor)
}

/// The filesystem type of device `dev` when it is a kernel interface, from
/// /proc/self/mountinfo (`ID PARENT MAJOR:MINOR ROOT POINT OPTS... - TYPE SOURCE ...`).
fn kernel_filesystem(dev: u64) -> Option<String> {
    let (major, minor) = dev_numbers(dev);
    let want = format!("{major}:{minor}");
    let info = std::fs::read_to_string("/proc/self/mountinfo").ok()?;
    info.lines().find_map(|l| {
        let mut f = l.split(' ');
        if f.nth(2)? != want {
            return None;
        }
        let fstype = l.split_once(" - ")?.1.split(' ').next()?;
        KERNEL_FILESYSTEMS
            .contains(&fstype)
            .then(|| fstype.to_owned())
    })
}

/// The caller's effective uid, the owner a file it creates gets (Uid: real effective ...).
fn effective_uid() -> u32 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            let uids = s.lines().find_map(|l| l.strip_prefix("Uid:"))?.to_owned();
            uids.split_whitespace().nth(1)?.parse().ok()
        })
        // Without /proc, claim no uid: every existing file is then refused, none trusted.
        .unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dev_numbers_split_like_the_kernel() {
        assert_eq!(dev_numbers(0x0103), (1, 3));
        // glibc's makedev(259, 65536): the minor's high bits go above the major's.
        assert_eq!(dev_numbers(0x1001_0300), (259, 65536));
    }

    #[test]
    fn the_null_device_and_proc_are_known() {
        let null = std::fs::metadata("/dev/null").unwrap();
        assert!(is_null_device(&null));
        let version = std::fs::metadata("/proc/version").unwrap();
        assert_eq!(kernel_filesystem(version.dev()).as_deref(), Some("proc"));
        let here = std::fs::metadata(env!("CARGO_MANIFEST_DIR")).unwrap();
        assert_eq!(kernel_filesystem(here.dev()), None);
    }
}

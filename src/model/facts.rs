//! Facts probed from the live system at a failure, while the tracee is still stopped.
//! Filled by `probe`, read by `diagnose`; not part of the saved trace (the resulting
//! `Cause` with its evidence is).
//!
//! Plain data only: every field is something a probe observed. `None` (or an empty list
//! with its `*_checked` flag false) means "not looked at or could not be read", which a
//! rule must not read as "absent".

use super::errno::Errno;
use super::{ByteString, Fd, Pid, SockKind, UnixName};

/// Connection state of an AF_UNIX socket.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SockState {
    /// Neither listening nor connected (TCP_CLOSE / SS_UNCONNECTED).
    Unconnected,
    /// listen() was called.
    Listening,
    /// A connect() is in progress.
    Connecting,
    /// Connected to a peer (TCP_ESTABLISHED / SS_CONNECTED).
    Connected,
    /// Being torn down.
    Disconnecting,
    /// A state number this build does not name.
    Other(u32),
}

impl SockState {
    /// A word for people.
    pub fn word(self) -> String {
        match self {
            SockState::Unconnected => "unconnected".into(),
            SockState::Listening => "listening".into(),
            SockState::Connecting => "connecting".into(),
            SockState::Connected => "connected".into(),
            SockState::Disconnecting => "disconnecting".into(),
            SockState::Other(n) => format!("state {n}"),
        }
    }
}

/// One AF_UNIX socket as sock_diag or /proc/net/unix shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnixSocket {
    /// Socket inode.
    pub inode: u64,
    /// Socket type.
    pub kind: SockKind,
    /// Connection state.
    pub state: SockState,
    /// Bound name (Unnamed when unbound).
    pub name: UnixName,
    /// Peer inode as the kernel reports it. `Some(0)`: the peer has no inode, because it
    /// was closed or (stream) is still waiting in the listener's accept queue.
    pub peer: Option<u64>,
    /// Listeners: connections waiting in the accept queue; others: bytes queued to read.
    pub rqueue: Option<u32>,
    /// Listeners: the backlog limit given to listen(); others: bytes queued to send.
    pub wqueue: Option<u32>,
    /// Inode and device (major, minor) of the file a path-bound socket created.
    pub vfs: Option<VfsId>,
    /// Owner uid of the socket (kernel 5.3+).
    pub uid: Option<u32>,
    /// Shutdown bits (1 = no more receives, 2 = no more sends), when reported.
    pub shutdown: Option<u8>,
    /// Send buffer size in bytes (SO_SNDBUF as the kernel keeps it).
    pub sndbuf: Option<u32>,
}

impl UnixSocket {
    /// A socket with only what every source knows (inode, type, state); the sources that
    /// know more (sock_diag's attributes) fill the rest.
    pub fn new(inode: u64, kind: SockKind, state: SockState) -> Self {
        UnixSocket {
            inode,
            kind,
            state,
            name: UnixName::Unnamed,
            peer: None,
            rqueue: None,
            wqueue: None,
            vfs: None,
            uid: None,
            shutdown: None,
            sndbuf: None,
        }
    }
}

/// A file's identity: inode on a device.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct VfsId {
    /// Inode number.
    pub ino: u64,
    /// Device major number.
    pub major: u32,
    /// Device minor number.
    pub minor: u32,
}

/// A process holding an fd.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Owner {
    /// Its pid.
    pub pid: Pid,
    /// Its /proc/PID/comm (raw bytes: escape before showing).
    pub comm: ByteString,
    /// The fd numbers it holds the object on.
    pub fds: Vec<Fd>,
}

/// Everything the probes found for one failing call.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Facts {
    /// The tracee's credentials (/proc/PID/status).
    pub creds: Option<Creds>,
    /// RLIMIT_NOFILE of the tracee, when the call is about fd counts.
    pub nofile: Option<Limit>,
    /// Number of fds the tracee has open.
    pub open_fds: Option<u64>,
    /// The address's path walked as the tracee sees it.
    pub path: Option<PathWalk>,
    /// Sockets bound to the address (by file inode for a path, by name for an abstract
    /// name); None when not checked.
    pub bound: Option<Vec<BoundSocket>>,
    /// Sockets bound by the same path name to a file that is gone: deleted, or replaced
    /// by the file there now (their server runs on, unreachable by this path).
    pub bound_elsewhere: Vec<BoundSocket>,
    /// `bound` came from sock_diag (file inodes known) in every network namespace, so an
    /// empty list means nobody holds the file; false: names only (/proc/net/unix) somewhere.
    pub bound_exact: bool,
    /// Sockets bound to the abstract name in other network namespaces than the tracee's
    /// (it cannot reach them); None when not looked at.
    pub bound_other_netns: Option<Vec<BoundSocket>>,
    /// The tracee's namespaces, when the call's name was looked up.
    pub ns: Option<Namespaces>,
    /// Live sockets whose names resemble the call's, best first (at most a few); empty
    /// when none or not looked for.
    pub near: Vec<NearMiss>,
    /// Names of the uids and gids a permission failure involves, from the tracee's own
    /// root (its /etc/passwd and /etc/group); None when not looked at.
    pub names: Option<IdNames>,
    /// The call's fd as the tracee has it now: open or not, what it is, its flags.
    pub fd: Option<FdFacts>,
    /// net.core.optmem_max: the most ancillary data one call may pass.
    pub optmem_max: Option<u64>,
    /// The call's fd's own socket, as the kernel sees it now.
    pub own: Option<UnixSocket>,
    /// The peer the trace knew for this fd, and whether it still exists.
    pub peer: Option<PeerFacts>,
    /// SCM_CREDENTIALS the call tried to send.
    pub claims: Vec<CredClaim>,
    /// Fds passed in SCM_RIGHTS, and whether each is open in the sender.
    pub rights: Vec<RightsFd>,
    /// Signals pending for the thread or the process at the exit stop (names), for EINTR.
    pub pending_signals: Option<Vec<String>>,
    /// The tracee's memory cgroup, for ENOMEM.
    pub memcg: Option<MemCgroup>,
    /// /proc/sys/fs/file-nr: open files in the whole system and the limit (fs.file-max).
    pub system_files: Option<(u64, u64)>,
    /// /proc/sys/net/unix/max_dgram_qlen, for datagram EAGAIN.
    pub max_dgram_qlen: Option<u32>,
    /// Things a probe could not check, one short phrase each (for honesty in evidence).
    pub unchecked: Vec<String>,
    /// The user-space stack captured at the stop (-k), to be symbolised on the pipeline
    /// thread; taken for any reported call -k asks for, not only failures.
    pub stack: Option<super::RawStack>,
}

/// A memory cgroup's limit and use.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MemCgroup {
    /// Its path in the cgroup hierarchy (system text: escape before showing).
    pub path: String,
    /// Bytes charged to it now.
    pub usage: Option<u64>,
    /// Its limit in bytes; None when unlimited or unreadable.
    pub limit: Option<u64>,
    /// Times an allocation hit the limit (v1 memory.failcnt, v2 memory.events `max`).
    pub failcnt: Option<u64>,
}

/// A process's credentials.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Creds {
    /// Real, effective, saved and filesystem uid.
    pub uid: [u32; 4],
    /// Real, effective, saved and filesystem gid.
    pub gid: [u32; 4],
    /// Supplementary groups.
    pub groups: Vec<u32>,
    /// Effective capability mask.
    pub cap_eff: u64,
}

impl Creds {
    /// Supplementary groups as `4,24,27`, or `none`.
    pub fn groups_text(&self) -> String {
        if self.groups.is_empty() {
            return "none".into();
        }
        self.groups
            .iter()
            .map(|g| g.to_string())
            .collect::<Vec<_>>()
            .join(",")
    }

    /// The uid that file permission checks use.
    pub fn fsuid(&self) -> u32 {
        self.uid[3]
    }
    /// The gid that file permission checks use.
    pub fn fsgid(&self) -> u32 {
        self.gid[3]
    }
    /// True when the effective set holds capability number `cap`.
    pub fn has_cap(&self, cap: u32) -> bool {
        cap < 64 && self.cap_eff & (1u64 << cap) != 0
    }
}

/// O_NONBLOCK in an fd's flags.
pub const O_NONBLOCK: u32 = 0o4000;
/// O_PATH in an fd's flags.
pub const O_PATH: u32 = 0o10000000;

/// What an fd of the tracee is (/proc/PID/fd/N, /proc/PID/fdinfo/N).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FdFacts {
    /// The fd number.
    pub fd: Fd,
    /// It is open in the tracee.
    pub open: bool,
    /// Where /proc/PID/fd/N points (`pipe:[123]`, `anon_inode:[eventfd]`, a path).
    pub target: Option<ByteString>,
    /// The kind of file it refers to (stat through the link), when it has one.
    pub kind: Option<FileKind>,
    /// The open flags (fdinfo `flags:`).
    pub flags: Option<u32>,
}

impl FdFacts {
    /// True when the fd is non-blocking; None when the flags were not read.
    pub fn nonblocking(&self) -> Option<bool> {
        self.flags.map(|f| f & O_NONBLOCK != 0)
    }
}

/// User and group names, as the tracee's /etc/passwd and /etc/group give them (only
/// the ids a failure involves). Raw bytes: escape before showing.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct IdNames {
    /// uid -> name, and the user's primary gid.
    pub users: Vec<(u32, ByteString, u32)>,
    /// gid -> name, and the users /etc/group lists as its members.
    pub groups: Vec<(u32, ByteString, Vec<ByteString>)>,
}

impl IdNames {
    /// The name of `uid`.
    pub fn user(&self, uid: u32) -> Option<&ByteString> {
        self.users.iter().find(|u| u.0 == uid).map(|u| &u.1)
    }
    /// The name of `gid`.
    pub fn group(&self, gid: u32) -> Option<&ByteString> {
        self.groups.iter().find(|g| g.0 == gid).map(|g| &g.1)
    }
    /// True when /etc/group (or /etc/passwd, as the primary group) puts `uid` in `gid`;
    /// None when the files do not say (the user or the group is not listed).
    pub fn listed_in(&self, uid: u32, gid: u32) -> Option<bool> {
        let (_, name, primary) = self.users.iter().find(|u| u.0 == uid)?;
        let (_, _, members) = self.groups.iter().find(|g| g.0 == gid)?;
        Some(*primary == gid || members.contains(name))
    }
}

/// CAP_DAC_OVERRIDE.
pub const CAP_DAC_OVERRIDE: u32 = 1;
/// CAP_DAC_READ_SEARCH.
pub const CAP_DAC_READ_SEARCH: u32 = 2;
/// CAP_SETGID.
pub const CAP_SETGID: u32 = 6;
/// CAP_SETUID.
pub const CAP_SETUID: u32 = 7;
/// CAP_SYS_ADMIN.
pub const CAP_SYS_ADMIN: u32 = 21;
/// CAP_SYS_RESOURCE.
pub const CAP_SYS_RESOURCE: u32 = 24;

/// A resource limit; None means unlimited.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Limit {
    /// Soft limit.
    pub soft: Option<u64>,
    /// Hard limit.
    pub hard: Option<u64>,
}

/// What kind of file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileKind {
    /// A socket file.
    Socket,
    /// A regular file.
    Regular,
    /// A directory.
    Dir,
    /// A symbolic link.
    Symlink,
    /// A named pipe.
    Fifo,
    /// A character device.
    CharDev,
    /// A block device.
    BlockDev,
    /// Anything else.
    Other,
}

impl FileKind {
    /// "a regular file", "a directory", ...
    pub fn phrase(self) -> &'static str {
        match self {
            FileKind::Socket => "a socket",
            FileKind::Regular => "a regular file",
            FileKind::Dir => "a directory",
            FileKind::Symlink => "a symbolic link",
            FileKind::Fifo => "a named pipe (FIFO)",
            FileKind::CharDev => "a character device",
            FileKind::BlockDev => "a block device",
            FileKind::Other => "an unknown kind of file",
        }
    }
}

/// lstat() of one file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FileInfo {
    /// Kind.
    pub kind: FileKind,
    /// Permission bits (07777).
    pub mode: u32,
    /// Owner uid.
    pub uid: u32,
    /// Owner gid.
    pub gid: u32,
    /// Identity.
    pub id: VfsId,
}

/// Access a call needs on a file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// Search (x) on a directory.
    Search,
    /// Write (w).
    Write,
}

/// One component reached while walking a path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PathStep {
    /// The path so far, as the tracee would write it (raw bytes).
    pub path: ByteString,
    /// What is there.
    pub info: FileInfo,
    /// The link target, when it is a symbolic link that was followed.
    pub link: Option<ByteString>,
}

/// Where a walk stopped.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum WalkEnd {
    /// Every component exists; the last step is the object.
    Found,
    /// `at` does not exist (its parent, the previous step, does).
    Missing {
        /// The missing path.
        at: ByteString,
        /// It is the last component (the socket itself), not a directory on the way.
        last: bool,
    },
    /// `at` is used as a directory but is not one.
    NotDir {
        /// The offending path.
        at: ByteString,
    },
    /// More than 40 symbolic links.
    Loop,
    /// lstat failed otherwise, or the walk could not start.
    Error {
        /// The path lstat failed on.
        at: ByteString,
        /// Its errno (`ENAMETOOLONG`); None when the walk could not start (the process's
        /// root or cwd cannot be read).
        errno: Option<Errno>,
    },
}

/// A permission the tracee lacks.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Denial {
    /// The file (as the tracee names it).
    pub path: ByteString,
    /// What was needed.
    pub need: Access,
    /// Its mode and owner.
    pub info: FileInfo,
}

/// A path resolved the way the kernel would for the tracee: against /proc/PID/root or
/// /proc/PID/cwd, component by component, with the tracee's credentials.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PathWalk {
    /// The path as the tracee passed it.
    pub given: ByteString,
    /// The tracee's cwd when the path is relative.
    pub cwd: Option<ByteString>,
    /// Directories and files reached, in order (the start directory first).
    pub steps: Vec<PathStep>,
    /// How the walk ended.
    pub end: WalkEnd,
    /// The first permission the tracee lacks on the way (search on directories, then
    /// write on the socket for connect, or write on the parent for bind).
    pub denied: Option<Denial>,
    /// Credentials were known, so `denied: None` means "allowed by mode bits".
    pub perms_checked: bool,
    /// For bind: the parent directory is on a read-only mount.
    pub parent_readonly: Option<bool>,
}

impl PathWalk {
    /// The object the path names, when the walk reached it.
    pub fn target(&self) -> Option<&PathStep> {
        match self.end {
            WalkEnd::Found => self.steps.last(),
            _ => None,
        }
    }
}

/// A socket bound to the address, and who holds it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BoundSocket {
    /// The socket.
    pub sock: UnixSocket,
    /// Processes with an fd on it (empty: none we can see).
    pub owners: Vec<Owner>,
    /// Matched by the socket file's inode (true) or only by the bound name (false).
    pub by_file: bool,
    /// The name as its first holder sees it (its namespaces, the file there), when
    /// looked at.
    pub holder: Option<HolderView>,
}

/// The namespaces of a process, by the inode numbers /proc/PID/ns/* name (None: not
/// readable).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Namespaces {
    /// Mount namespace: which files a path reaches.
    pub mnt: Option<u64>,
    /// Network namespace: which abstract names exist, which sockets sock_diag lists.
    pub net: Option<u64>,
    /// User namespace: what uids mean.
    pub user: Option<u64>,
    /// Pid namespace: what pids mean.
    pub pid: Option<u64>,
}

/// One kind of namespace.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NsKind {
    /// Mount.
    Mnt,
    /// Network.
    Net,
    /// User.
    User,
    /// Pid.
    Pid,
}

impl NsKind {
    /// Every kind, in the order they matter to a socket's name.
    pub const ALL: [NsKind; 4] = [NsKind::Mnt, NsKind::Net, NsKind::User, NsKind::Pid];

    /// The name /proc/PID/ns uses (`mnt`), and nsenter's option for it (`-m`).
    pub fn name(self) -> (&'static str, &'static str) {
        match self {
            NsKind::Mnt => ("mnt", "-m"),
            NsKind::Net => ("net", "-n"),
            NsKind::User => ("user", "-U"),
            NsKind::Pid => ("pid", "-p"),
        }
    }
}

impl Namespaces {
    /// The inode of one kind.
    pub fn get(&self, k: NsKind) -> Option<u64> {
        match k {
            NsKind::Mnt => self.mnt,
            NsKind::Net => self.net,
            NsKind::User => self.user,
            NsKind::Pid => self.pid,
        }
    }

    /// The kinds both know and that differ: (kind, ours, theirs).
    pub fn differ(&self, other: &Namespaces) -> Vec<(NsKind, u64, u64)> {
        NsKind::ALL
            .iter()
            .filter_map(|&k| match (self.get(k), other.get(k)) {
                (Some(a), Some(b)) if a != b => Some((k, a, b)),
                _ => None,
            })
            .collect()
    }

    /// True when both are known and the same for `k`.
    pub fn same(&self, other: &Namespaces, k: NsKind) -> Option<bool> {
        Some(self.get(k)? == other.get(k)?)
    }
}

/// What a socket's bound name reaches in its holder's mount namespace.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NameThere {
    /// The socket's own file (the inode sock_diag gave for it).
    ThisSocket(FileInfo),
    /// Some other file.
    Other(FileInfo),
    /// Nothing.
    Missing,
    /// Could not be looked at (the holder's root is not readable, the socket's file
    /// inode is not known).
    Unknown,
}

/// A bound socket's name as its holder sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HolderView {
    /// The holder.
    pub pid: Pid,
    /// Its namespaces.
    pub ns: Namespaces,
    /// What the name reaches there (through /proc/PID/root, or its cwd for a relative name).
    pub there: NameThere,
    /// Its cwd, when the bound name is relative.
    pub cwd: Option<ByteString>,
}

/// How a live socket's name resembles the name a call failed on, the likeliest first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum NearKind {
    /// The call's relative path, bound under another directory (the server's cwd, or an
    /// absolute path ending with it).
    Relative,
    /// The path's name as an abstract name, or the abstract name as a path.
    OtherKind,
    /// The same name with another number in it (a port, a display, a uid).
    OtherNumber,
    /// A similar file name in the same directory (`api.sock`, `api-server.sock`).
    SameDirSimilar,
    /// The same file name in another directory.
    SameBasename,
    /// An abstract name one or two edits away.
    AbstractEdit,
}

/// A live socket that is probably the one the failed call meant.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NearMiss {
    /// The socket and its holders.
    pub bound: BoundSocket,
    /// How its name resembles the call's.
    pub kind: NearKind,
    /// The names are close enough for the guess to be the likely cause (the same file
    /// name in a sibling or nested directory, not anywhere on the machine); otherwise it
    /// is only a hint beside another cause.
    pub close: bool,
    /// Whether the tracee reaches that socket at its name (the name leads to its file
    /// as the tracee resolves it; an abstract name in its network namespace); None when
    /// not checked.
    pub reachable: Option<bool>,
}

/// The peer of the call's socket.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PeerFacts {
    /// Peer inode the trace saw when it identified the fd, if any.
    pub known: Option<u64>,
    /// That socket still exists.
    pub exists: Option<bool>,
    /// Processes holding it now.
    pub owners: Vec<Owner>,
    /// Its bound name, when the socket was found.
    pub name: Option<UnixName>,
}

/// One SCM_CREDENTIALS the call tried to send.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CredClaim {
    /// Claimed pid.
    pub pid: i32,
    /// Claimed uid.
    pub uid: u32,
    /// Claimed gid.
    pub gid: u32,
    /// A process with that pid exists (None: not checked).
    pub pid_exists: Option<bool>,
}

/// One fd passed in SCM_RIGHTS.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RightsFd {
    /// The fd number in the sender.
    pub fd: Fd,
    /// Open in the sender right now.
    pub open: bool,
}

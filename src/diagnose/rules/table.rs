//! The rule table: every cause sockwhy can state, in the order rules are asked, each
//! with its stable id (saved in the trace as `cause.rule`, listed by `sockwhy explain`),
//! the calls and errnos it is about, and one line on what it says. The first rule that
//! finds its cause wins, so specific rules come before general ones. An id is set here
//! and nowhere else; ids are never reused for another meaning.

use super::{Ctx, address, args, cmsg, namespace, near, service, state};
use crate::model::{Cause, Errno};
use syscalls::Sysno;

/// The calls a rule is asked about.
#[derive(Clone, Copy, Debug)]
pub enum Calls {
    /// Every call.
    Any,
    /// Only these.
    Only(&'static [Sysno]),
    /// The calls of either list.
    Either(&'static [Sysno], &'static [Sysno]),
}

/// The outcomes a rule is asked about.
#[derive(Clone, Copy, Debug)]
pub enum Outcomes {
    /// A failure with any errno.
    AnyErrno,
    /// A failure with one of these errnos.
    Errnos(&'static [Errno]),
    /// A call that succeeded (a warning about it: fds dropped, ...).
    Success,
}

/// One rule.
pub struct RuleDef {
    /// Stable id, `connect.stale-socket`.
    pub id: &'static str,
    /// The calls it is about.
    pub calls: Calls,
    /// The outcomes it is about.
    pub outcomes: Outcomes,
    /// What it finds, in one line (for `sockwhy explain`).
    pub about: &'static str,
    /// The rule itself: a cause when the facts show it.
    pub(super) find: fn(&Ctx) -> Option<Cause>,
}

impl RuleDef {
    /// True when this rule is asked about `sys` ending with `errno` (None: success).
    pub fn applies(&self, sys: Sysno, errno: Option<Errno>) -> bool {
        let call = match self.calls {
            Calls::Any => true,
            Calls::Only(s) => s.contains(&sys),
            Calls::Either(a, b) => a.contains(&sys) || b.contains(&sys),
        };
        call && self.outcome_is(errno)
    }

    /// True when this rule is about `errno` (None: success), whatever the call.
    pub fn outcome_is(&self, errno: Option<Errno>) -> bool {
        match (self.outcomes, errno) {
            (Outcomes::AnyErrno, Some(_)) => true,
            (Outcomes::Errnos(list), Some(e)) => list.contains(&e),
            (Outcomes::Success, None) => true,
            _ => false,
        }
    }

    /// True when the rule can be asked about one of `calls` (any call when it takes all).
    pub fn about_any_of(&self, calls: &[Sysno]) -> bool {
        match self.calls {
            Calls::Any => true,
            Calls::Only(s) => calls.iter().any(|c| s.contains(c)),
            Calls::Either(a, b) => calls.iter().any(|c| a.contains(c) || b.contains(c)),
        }
    }
}

/// The rules that can fire for `errno` (None: a success) on one of `calls` (None: any
/// call), in table order.
pub fn rules_for<'a>(
    errno: Option<Errno>,
    calls: Option<&'a [Sysno]>,
) -> impl Iterator<Item = &'static RuleDef> + 'a {
    RULES
        .iter()
        .filter(move |r| r.outcome_is(errno) && calls.is_none_or(|c| r.about_any_of(c)))
}

/// Calls that look a name up to reach a peer.
const REACH: &[Sysno] = &[
    Sysno::connect,
    Sysno::sendto,
    Sysno::sendmsg,
    Sysno::sendmmsg,
];
/// Calls that take an address.
const ADDR_CALLS: &[Sysno] = &[
    Sysno::connect,
    Sysno::bind,
    Sysno::sendto,
    Sysno::sendmsg,
    Sysno::sendmmsg,
];
/// Calls that walk a path to a socket or its directory.
const WALKS: &[Sysno] = ADDR_CALLS;
const CONNECT: &[Sysno] = &[Sysno::connect];
const BIND: &[Sysno] = &[Sysno::bind];
const LISTEN: &[Sysno] = &[Sysno::listen];
const ACCEPT: &[Sysno] = &[Sysno::accept, Sysno::accept4];
const LISTEN_ACCEPT: &[Sysno] = &[Sysno::listen, Sysno::accept, Sysno::accept4];
const SEND_TO: &[Sysno] = &[Sysno::sendto, Sysno::sendmsg, Sysno::sendmmsg];
const SENDMSG: &[Sysno] = &[Sysno::sendmsg, Sysno::sendmmsg];
const SOCKET: &[Sysno] = &[Sysno::socket, Sysno::socketpair];
const RECVMSG: &[Sysno] = &[Sysno::recvmsg, Sysno::recvmmsg];
const SOCKETPAIR: &[Sysno] = &[Sysno::socketpair];
const SOCKOPT: &[Sysno] = &[Sysno::setsockopt, Sysno::getsockopt];
const SENDS: &[Sysno] = state::SENDS;
const RECVS: &[Sysno] = state::RECVS;

const fn rule(
    id: &'static str,
    calls: Calls,
    outcomes: Outcomes,
    about: &'static str,
    find: fn(&Ctx) -> Option<Cause>,
) -> RuleDef {
    RuleDef {
        id,
        calls,
        outcomes,
        about,
        find,
    }
}

use Calls::{Any, Only};
use Errno as E;
use Outcomes::{AnyErrno, Errnos};

/// Every rule, in the order they are asked.
pub static RULES: &[RuleDef] = &[
    rule(
        "any.injected",
        Any,
        AnyErrno,
        "sockwhy's --inject made the call fail; it was not performed",
        args::injected,
    ),
    // The address itself.
    rule(
        "address.malformed",
        Only(ADDR_CALLS),
        Errnos(&[E::EINVAL, E::ENAMETOOLONG, E::EAFNOSUPPORT]),
        "the address as passed is malformed (the decoder names what is wrong)",
        address::malformed,
    ),
    rule(
        "address.wrong-family",
        Only(ADDR_CALLS),
        Errnos(&[E::EINVAL, E::ENAMETOOLONG, E::EAFNOSUPPORT]),
        "sun_family is not AF_UNIX",
        address::wrong_family,
    ),
    rule(
        "address.addrlen-too-big",
        Only(ADDR_CALLS),
        Errnos(&[E::EINVAL, E::ENAMETOOLONG, E::EAFNOSUPPORT]),
        "addrlen is larger than struct sockaddr_un",
        address::addrlen_too_big,
    ),
    rule(
        "address.addrlen-too-small",
        Only(ADDR_CALLS),
        Errnos(&[E::EINVAL, E::ENAMETOOLONG, E::EAFNOSUPPORT]),
        "addrlen does not cover sun_family",
        address::addrlen_too_small,
    ),
    rule(
        "address.path-too-long",
        Only(ADDR_CALLS),
        Errnos(&[E::EINVAL, E::ENAMETOOLONG, E::EAFNOSUPPORT]),
        "the path is longer than the 108 bytes of sun_path",
        address::path_too_long,
    ),
    rule(
        "address.component-too-long",
        Only(ADDR_CALLS),
        Errnos(&[E::EINVAL, E::ENAMETOOLONG, E::EAFNOSUPPORT]),
        "a component of the path (or of a symlink's target) is over 255 bytes",
        address::component_too_long,
    ),
    rule(
        "connect.unnamed-address",
        Only(CONNECT),
        Errnos(&[E::EINVAL, E::ENAMETOOLONG, E::EAFNOSUPPORT]),
        "the address has no name (addrlen covers only sun_family)",
        address::unnamed_address,
    ),
    rule(
        "connect.optional-service-absent",
        Only(REACH),
        Errnos(&[E::ENOENT, E::ECONNREFUSED]),
        "a well-known socket whose absence is normal (glibc's nscd lookup): harmless",
        service::optional_service_absent,
    ),
    // Permissions on the way.
    rule(
        "path.search-denied",
        Only(ADDR_CALLS),
        Errnos(&[E::EACCES, E::EPERM]),
        "a directory of the path may not be searched by the process's user and groups",
        address::search_denied,
    ),
    rule(
        "bind.dir-write-denied",
        Only(BIND),
        Errnos(&[E::EACCES, E::EPERM]),
        "the directory the socket file goes in may not be written by the process",
        address::dir_write_denied,
    ),
    rule(
        "connect.socket-write-denied",
        Only(REACH),
        Errnos(&[E::EACCES, E::EPERM]),
        "the socket file may not be written by the process (connecting needs write)",
        address::socket_write_denied,
    ),
    rule(
        "path.acl-or-lsm",
        Only(ADDR_CALLS),
        Errnos(&[E::EACCES, E::EPERM]),
        "the mode bits allow the access: an ACL or a security module refused it",
        address::acl_or_lsm,
    ),
    rule(
        "sendto.receiver-connected",
        Only(REACH),
        Errnos(&[E::EPERM]),
        "the receiving datagram socket is connected to another socket",
        address::receiver_connected,
    ),
    rule(
        "bind.read-only",
        Only(BIND),
        Errnos(&[E::EROFS]),
        "the directory is on a read-only mount",
        address::read_only,
    ),
    rule(
        "bind.in-use-live-server",
        Only(BIND),
        Errnos(&[E::EADDRINUSE]),
        "a live socket holds the name (another instance of the server runs)",
        address::in_use_live,
    ),
    rule(
        "bind.in-use-not-socket",
        Only(BIND),
        Errnos(&[E::EADDRINUSE]),
        "a file that is not a socket sits at the path",
        address::in_use_not_socket,
    ),
    rule(
        "bind.in-use-stale-file",
        Only(BIND),
        Errnos(&[E::EADDRINUSE]),
        "a socket file nobody holds sits at the path (left by a server that exited)",
        address::in_use_stale,
    ),
    rule(
        "connect.wrong-type",
        Only(REACH),
        Errnos(&[E::EPROTOTYPE]),
        "the name is bound by a socket of another type (stream vs datagram)",
        address::wrong_type,
    ),
    rule(
        "connect.backlog-full",
        Only(CONNECT),
        Errnos(&[E::EAGAIN]),
        "the listener's accept queue is full; on AF_UNIX that is a refusal, not a connect in progress",
        address::backlog_full,
    ),
    rule(
        "connect.backlog-was-full",
        Only(CONNECT),
        Errnos(&[E::EAGAIN]),
        "the listener's accept queue was full at the call and has room now",
        address::backlog_was_full,
    ),
    // What the name leads to: first what the tracee cannot see (namespaces, its cwd),
    // then the name itself, then names like it.
    rule(
        "connect.relative-other-cwd",
        Only(REACH),
        Errnos(&[E::ENOENT, E::ECONNREFUSED]),
        "a relative path the server bound from another working directory than the client's",
        near::relative_other_cwd,
    ),
    rule(
        "connect.other-mount-namespace",
        Only(REACH),
        Errnos(&[E::ENOENT, E::ECONNREFUSED]),
        "the path is the server's socket in its own mount namespace (or root), not the client's",
        namespace::other_mount_namespace,
    ),
    rule(
        "connect.abstract-other-netns",
        Only(REACH),
        Errnos(&[E::ECONNREFUSED]),
        "the abstract name is held in another network namespace than the client's",
        namespace::abstract_other_netns,
    ),
    rule(
        "connect.listening-now",
        Only(REACH),
        Errnos(&[E::ECONNREFUSED]),
        "the name has a listener now: it was not listening yet at the call",
        address::listening_now,
    ),
    rule(
        "connect.not-listening",
        Only(REACH),
        Errnos(&[E::ECONNREFUSED]),
        "the name is bound, but its socket never called listen()",
        address::not_listening,
    ),
    rule(
        "connect.deleted-while-held",
        Only(REACH),
        Errnos(&[E::ENOENT]),
        "the socket file was deleted while its server still holds the socket",
        address::deleted_while_held,
    ),
    rule(
        "connect.stale-replaced",
        Only(REACH),
        Errnos(&[E::ECONNREFUSED, E::ENOENT]),
        "a socket file nobody holds; its server runs on, bound to an earlier file of that name",
        address::stale_replaced,
    ),
    rule(
        "connect.not-a-socket-file",
        Only(REACH),
        Errnos(&[E::ECONNREFUSED]),
        "the path is a regular file, a directory, ... not a socket",
        address::not_a_socket_file,
    ),
    rule(
        "connect.service-not-running",
        Only(REACH),
        Errnos(&[E::ENOENT, E::ECONNREFUSED]),
        "a well-known service's socket (X11, D-Bus, PostgreSQL, ssh-agent, ...) that nothing serves: which service, and another of its sockets that runs",
        service::service_not_running,
    ),
    rule(
        "connect.did-you-mean",
        Only(REACH),
        Errnos(&[E::ENOENT, E::ECONNREFUSED, E::EPROTOTYPE]),
        "a live socket with a similar name (elsewhere, another number, one edit away) is probably the one meant",
        near::did_you_mean,
    ),
    rule(
        "connect.abstract-unbound",
        Only(REACH),
        Errnos(&[E::ECONNREFUSED]),
        "nobody has bound the abstract name in the process's network namespace",
        address::abstract_unbound,
    ),
    rule(
        "connect.missing-directory",
        Only(REACH),
        Errnos(&[E::ENOENT]),
        "a directory of the path does not exist",
        address::missing_directory,
    ),
    rule(
        "connect.no-socket-file",
        Only(REACH),
        Errnos(&[E::ENOENT]),
        "no socket file at the path, and nobody bound to that name",
        address::no_socket_file,
    ),
    rule(
        "path.not-a-directory",
        Only(WALKS),
        Errnos(&[E::ENOTDIR]),
        "a component used as a directory is a file (named, with its kind)",
        address::not_a_directory,
    ),
    rule(
        "path.symlink-loop",
        Only(WALKS),
        Errnos(&[E::ELOOP]),
        "resolving the path follows more than 40 symbolic links",
        address::symlink_loop,
    ),
    rule(
        "connect.unresolvable",
        Only(REACH),
        Errnos(&[E::ENOENT, E::ECONNREFUSED, E::ENOTDIR, E::ELOOP]),
        "the path cannot be resolved for another reason (named)",
        address::unresolvable,
    ),
    rule(
        "connect.stale-socket",
        Only(REACH),
        Errnos(&[E::ECONNREFUSED, E::ENOENT]),
        "a socket file nobody holds: its server has exited",
        address::stale_socket,
    ),
    rule(
        "connect.created-after",
        Only(REACH),
        Errnos(&[E::ENOENT]),
        "the socket file exists now: it was created after the call",
        address::created_after,
    ),
    rule(
        "bind.missing-directory",
        Only(BIND),
        Errnos(&[E::ENOENT]),
        "a directory of the path does not exist (bind creates only the file)",
        address::bind_missing_dir,
    ),
    // The call's own socket and its peer.
    rule(
        "connect.already-connected",
        Only(CONNECT),
        Errnos(&[E::EISCONN]),
        "the socket is connected already (a socket connects once)",
        state::already_connected,
    ),
    rule(
        "sendto.connected-stream",
        Only(SEND_TO),
        Errnos(&[E::EISCONN]),
        "a send with an address on a connected stream socket",
        state::connected_stream,
    ),
    rule(
        "send.own-shutdown",
        Only(SENDS),
        Errnos(&[E::EPIPE]),
        "the program shut the socket down for writing itself",
        state::own_shutdown,
    ),
    rule(
        "send.peer-shut-read",
        Only(SENDS),
        Errnos(&[E::EPIPE]),
        "the peer still exists but shut its side down for reading",
        state::peer_shut_read,
    ),
    rule(
        "send.peer-closed",
        Only(SENDS),
        Errnos(&[E::EPIPE]),
        "the peer closed its end (who closed it, when the trace saw it)",
        state::peer_closed,
    ),
    rule(
        "socket.peer-reset",
        Calls::Either(SENDS, RECVS),
        Errnos(&[E::ECONNRESET]),
        "the peer closed with data sent to it unread",
        state::peer_reset,
    ),
    rule(
        "send.dgram-peer-closed",
        Only(SENDS),
        Errnos(&[E::ECONNREFUSED]),
        "the connected datagram peer was closed; the kernel disconnects the socket",
        state::dgram_peer_closed,
    ),
    rule(
        "socket.dgram-peer-gone",
        Any,
        Errnos(&[E::ENOTCONN]),
        "the datagram peer closed and the kernel disconnected this socket",
        state::dgram_peer_gone,
    ),
    rule(
        "socket.listening-no-data",
        Any,
        Errnos(&[E::ENOTCONN]),
        "data calls on a listening socket (use the fd accept() returns)",
        state::listening_no_data,
    ),
    rule(
        "socket.not-connected",
        Any,
        Errnos(&[E::ENOTCONN]),
        "the socket was never connected (or its connect failed)",
        state::not_connected,
    ),
    rule(
        "bind.already-bound",
        Only(BIND),
        Errnos(&[E::EINVAL]),
        "the socket is bound already",
        state::already_bound,
    ),
    rule(
        "listen.not-bound",
        Only(LISTEN_ACCEPT),
        Errnos(&[E::EINVAL]),
        "listen() or accept() on a socket that is not bound (AF_UNIX does not autobind)",
        state::listen_not_bound,
    ),
    rule(
        "accept.not-listening",
        Only(ACCEPT),
        Errnos(&[E::EINVAL]),
        "accept() on a socket that is not listening",
        state::accept_not_listening,
    ),
    rule(
        "listen.connected",
        Only(LISTEN),
        Errnos(&[E::EINVAL]),
        "listen() on a connected socket",
        state::listen_connected,
    ),
    rule(
        "recv.stream-unconnected",
        Only(RECVS),
        Errnos(&[E::EINVAL]),
        "receiving on an unconnected stream socket",
        state::recv_unconnected,
    ),
    rule(
        "listen.dgram",
        Only(LISTEN_ACCEPT),
        Errnos(&[E::EOPNOTSUPP]),
        "listen() or accept() on a datagram socket",
        state::listen_dgram,
    ),
    rule(
        "sendto.stream-address",
        Only(SEND_TO),
        Errnos(&[E::EOPNOTSUPP]),
        "a send to an address on an unconnected stream socket",
        state::stream_address,
    ),
    rule(
        "sockopt.other-protocol",
        Only(SOCKOPT),
        Errnos(&[E::EOPNOTSUPP]),
        "an option of another protocol (TCP_NODELAY...) asked of a UNIX socket",
        args::other_protocol_option,
    ),
    rule(
        "send.oob",
        Any,
        Errnos(&[E::EOPNOTSUPP]),
        "MSG_OOB, which this AF_UNIX socket does not support",
        state::oob,
    ),
    rule(
        "accept.nothing-waiting",
        Only(ACCEPT),
        Errnos(&[E::EAGAIN]),
        "a non-blocking accept() with no connection waiting",
        state::nothing_waiting,
    ),
    rule(
        "recv.nothing-queued",
        Only(RECVS),
        Errnos(&[E::EAGAIN]),
        "a non-blocking receive with nothing queued",
        state::nothing_queued,
    ),
    rule(
        "send.dgram-queue-full",
        Only(SENDS),
        Errnos(&[E::EAGAIN]),
        "the datagram receiver's queue is full",
        state::dgram_queue_full,
    ),
    rule(
        "send.buffer-full",
        Only(SENDS),
        Errnos(&[E::EAGAIN]),
        "the stream socket's send buffer is full (the peer is not reading)",
        state::buffer_full,
    ),
    rule(
        "send.message-too-big",
        Only(SENDS),
        Errnos(&[E::EMSGSIZE]),
        "a datagram or seqpacket message larger than the send buffer",
        state::message_too_big,
    ),
    rule(
        "fd.not-a-socket",
        Any,
        Errnos(&[E::ENOTSOCK]),
        "the fd is not a socket (what it is instead)",
        state::not_a_socket,
    ),
    rule(
        "fd.closed-earlier",
        Any,
        Errnos(&[E::EBADF]),
        "the fd was closed earlier in the trace",
        state::closed_earlier,
    ),
    rule(
        "fd.negative",
        Any,
        Errnos(&[E::EBADF]),
        "a negative fd: the result of a call that failed was used",
        state::negative_fd,
    ),
    rule(
        "fd.o-path",
        Any,
        Errnos(&[E::EBADF]),
        "the fd was opened with O_PATH, which allows no I/O",
        state::o_path,
    ),
    rule(
        "fd.not-open",
        Any,
        Errnos(&[E::EBADF]),
        "the fd is not open in the process",
        state::not_open,
    ),
    // Control messages and fd counts.
    rule(
        "sendmsg.rights-fd-not-open",
        Only(SENDMSG),
        Errnos(&[E::EBADF]),
        "SCM_RIGHTS passes an fd that is not open in the sender",
        cmsg::rights_not_open,
    ),
    rule(
        "sendmsg.malformed-cmsg",
        Only(SENDMSG),
        Errnos(&[E::EINVAL]),
        "a control message's cmsg_len is shorter than its header or runs past msg_controllen",
        cmsg::malformed_cmsg,
    ),
    rule(
        "sendmsg.too-many-fds",
        Only(SENDMSG),
        Errnos(&[E::EINVAL]),
        "more than 253 fds in the SCM_RIGHTS of one message",
        cmsg::too_many_fds,
    ),
    rule(
        "sendmsg.unsendable-cmsg",
        Only(SENDMSG),
        Errnos(&[E::EINVAL]),
        "a SOL_SOCKET control message that cannot be sent (unknown, or receive-only such as SCM_SECURITY)",
        cmsg::unsendable_cmsg,
    ),
    rule(
        "sendmsg.credentials-length",
        Only(SENDMSG),
        Errnos(&[E::EINVAL]),
        "SCM_CREDENTIALS with a cmsg_len other than CMSG_LEN(sizeof(struct ucred))",
        cmsg::credentials_length,
    ),
    rule(
        "sendmsg.credentials-length-unseen",
        Only(SENDMSG),
        Errnos(&[E::EINVAL]),
        "SCM_CREDENTIALS and nothing else wrong in the record: most likely its cmsg_len",
        cmsg::credentials_length_unseen,
    ),
    rule(
        "sendmsg.control-over-optmem",
        Only(SENDMSG),
        Errnos(&[E::ENOBUFS]),
        "msg_controllen is larger than net.core.optmem_max",
        cmsg::control_over_optmem,
    ),
    rule(
        "recvmsg.fds-dropped",
        Only(RECVMSG),
        Outcomes::Success,
        "a receive that worked but cut the control data short (MSG_CTRUNC): passed fds were closed",
        cmsg::fds_dropped,
    ),
    rule(
        "sendmsg.nested-too-deep",
        Only(SENDMSG),
        Errnos(&[E::ETOOMANYREFS]),
        "passed sockets carry passed fds themselves, nested too deep",
        cmsg::nested_too_deep,
    ),
    rule(
        "sendmsg.too-many-in-flight",
        Only(SENDMSG),
        Errnos(&[E::ETOOMANYREFS]),
        "too many fds sent and not yet received, for an unprivileged user",
        cmsg::too_many_in_flight,
    ),
    rule(
        "fd.table-full",
        Any,
        Errnos(&[E::EMFILE]),
        "the process is at its RLIMIT_NOFILE",
        cmsg::fd_table_full,
    ),
    rule(
        "fd.table-was-full",
        Any,
        Errnos(&[E::EMFILE]),
        "the process was at its RLIMIT_NOFILE; fds were closed since",
        cmsg::fd_table_was_full,
    ),
    rule(
        "fd.system-table-full",
        Any,
        Errnos(&[E::ENFILE]),
        "the system-wide file table (fs.file-max) is full",
        cmsg::system_table_full,
    ),
    rule(
        "socket.kernel-memory",
        Any,
        Errnos(&[E::ENFILE]),
        "ENFILE far from fs.file-max: the kernel could not allocate the socket",
        cmsg::kernel_memory,
    ),
    rule(
        "sendmsg.creds-pid-gone",
        Only(SENDMSG),
        Errnos(&[E::ESRCH]),
        "SCM_CREDENTIALS claims a pid that does not exist",
        cmsg::creds_pid_gone,
    ),
    rule(
        "sendmsg.creds-not-owned",
        Only(SENDMSG),
        Errnos(&[E::EPERM]),
        "SCM_CREDENTIALS claims a pid, uid or gid the sender does not have",
        cmsg::creds_not_owned,
    ),
    // Signals, arguments, memory.
    rule(
        "signal.no-sa-restart",
        Any,
        Errnos(&[E::EINTR]),
        "a signal handler without SA_RESTART ran (seen: the kernel did not restart the call)",
        args::no_sa_restart,
    ),
    rule(
        "signal.not-restartable",
        Any,
        Errnos(&[E::EINTR]),
        "a signal handler ran, and this call is never restarted whatever SA_RESTART says",
        args::not_restartable,
    ),
    rule(
        "signal.eintr-direct",
        Any,
        Errnos(&[E::EINTR]),
        "EINTR straight from the kernel (a call with a timeout, or never restarted)",
        args::eintr_direct,
    ),
    rule(
        "socket.bad-protocol",
        Only(SOCKET),
        Errnos(&[E::EPROTONOSUPPORT]),
        "a protocol number AF_UNIX does not have",
        args::bad_protocol,
    ),
    rule(
        "socket.bad-type",
        Only(SOCKET),
        Errnos(&[E::ESOCKTNOSUPPORT]),
        "a socket type AF_UNIX does not support",
        args::bad_type,
    ),
    rule(
        "socket.bad-type-flags",
        Only(SOCKET),
        Errnos(&[E::EINVAL]),
        "a socket type out of range, or unknown flag bits",
        args::bad_type_flags,
    ),
    rule(
        "socket.no-family",
        Only(SOCKET),
        Errnos(&[E::EAFNOSUPPORT]),
        "an address family this kernel does not have",
        args::no_family,
    ),
    rule(
        "socketpair.not-unix",
        Only(SOCKETPAIR),
        Errnos(&[E::EOPNOTSUPP]),
        "socketpair() for a family other than AF_UNIX",
        args::socketpair_not_unix,
    ),
    rule(
        "any.bad-pointer",
        Any,
        Errnos(&[E::EFAULT]),
        "a pointer argument is not readable memory",
        args::bad_pointer,
    ),
    rule(
        "memory.cgroup-limit",
        Any,
        Errnos(&[E::ENOMEM]),
        "the process's memory cgroup is at its limit",
        args::cgroup_limit,
    ),
    rule(
        "memory.system-short",
        Any,
        Errnos(&[E::ENOMEM]),
        "the memory cgroup has room: the system is short of memory",
        args::system_short,
    ),
    rule(
        "memory.unknown",
        Any,
        Errnos(&[E::ENOMEM]),
        "the kernel could not allocate; no memory cgroup to look at",
        args::no_memory,
    ),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_ids_are_unique_and_well_formed() {
        let mut ids: Vec<&str> = RULES.iter().map(|r| r.id).collect();
        for id in &ids {
            let (group, name) = id.split_once('.').unwrap_or_else(|| panic!("{id}"));
            assert!(
                !group.is_empty()
                    && group.bytes().all(|b| b.is_ascii_lowercase())
                    && !name.is_empty()
                    && name
                        .bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'),
                "{id}"
            );
        }
        let n = ids.len();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), n, "rule ids are unique");
        for r in RULES {
            assert!(
                !r.about.is_empty() && !r.about.ends_with('.'),
                "{}: about",
                r.id
            );
        }
    }

    #[test]
    fn rules_for_an_errno_and_call() {
        let ids = |e, c: Option<&[Sysno]>| rules_for(Some(e), c).map(|r| r.id).collect::<Vec<_>>();
        let refused = ids(E::ECONNREFUSED, Some(&[Sysno::connect]));
        assert!(refused.contains(&"connect.stale-socket"), "{refused:?}");
        assert!(refused.contains(&"any.injected"), "{refused:?}");
        assert!(!refused.contains(&"bind.in-use-stale-file"), "{refused:?}");
        let bind = ids(E::EADDRINUSE, Some(&[Sysno::bind]));
        assert!(bind.contains(&"bind.in-use-live-server"), "{bind:?}");
        assert!(ids(E::EADDRINUSE, None).contains(&"bind.in-use-stale-file"));
    }
}

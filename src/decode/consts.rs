//! Constant tables: known names plus a hex remainder, `0x.. /* X_??? */` for the unknown,
//! as strace prints them. Values come from libc where it has them; the few newer ones
//! (SO_PASSPIDFD, SCM_PIDFD, MSG_SOCK_DEVMEM, ...) are the kernel's uapi numbers.

/// One table: value and name, in the order names are printed.
pub type Table = &'static [(u64, &'static str)];

/// The name of `v` in `table`, or `0x.. /* PREFIX??? */` when it has none.
pub fn name_or_hex(table: Table, v: u64, unknown: &str) -> String {
    match lookup(table, v) {
        Some(n) => n.to_string(),
        None => format!("{v:#x} /* {unknown} */"),
    }
}

/// The name of `v` in `table`, if it has one.
pub fn lookup(table: Table, v: u64) -> Option<&'static str> {
    table.iter().find(|(k, _)| *k == v).map(|(_, n)| *n)
}

/// Flag names joined with `|`, then the bits no name covers in hex; `0` for no bits;
/// `0x.. /* PREFIX??? */` when no bit has a name.
pub fn flags(table: Table, v: u64, unknown: &str) -> String {
    if v == 0 {
        return "0".to_string();
    }
    let mut rest = v;
    let mut parts: Vec<String> = Vec::new();
    for (bit, name) in table {
        if *bit != 0 && rest & bit == *bit {
            parts.push((*name).to_string());
            rest &= !bit;
        }
    }
    if parts.is_empty() {
        return format!("{v:#x} /* {unknown} */");
    }
    if rest != 0 {
        parts.push(format!("{rest:#x}"));
    }
    parts.join("|")
}

/// Address families (`AF_*`).
pub const ADDRESS_FAMILIES: Table = &[
    (libc::AF_UNSPEC as u64, "AF_UNSPEC"),
    (libc::AF_UNIX as u64, "AF_UNIX"),
    (libc::AF_INET as u64, "AF_INET"),
    (libc::AF_AX25 as u64, "AF_AX25"),
    (libc::AF_IPX as u64, "AF_IPX"),
    (libc::AF_APPLETALK as u64, "AF_APPLETALK"),
    (libc::AF_NETROM as u64, "AF_NETROM"),
    (libc::AF_BRIDGE as u64, "AF_BRIDGE"),
    (libc::AF_ATMPVC as u64, "AF_ATMPVC"),
    (libc::AF_X25 as u64, "AF_X25"),
    (libc::AF_INET6 as u64, "AF_INET6"),
    (libc::AF_ROSE as u64, "AF_ROSE"),
    (libc::AF_DECnet as u64, "AF_DECnet"),
    (libc::AF_NETBEUI as u64, "AF_NETBEUI"),
    (libc::AF_SECURITY as u64, "AF_SECURITY"),
    (libc::AF_KEY as u64, "AF_KEY"),
    (libc::AF_NETLINK as u64, "AF_NETLINK"),
    (libc::AF_PACKET as u64, "AF_PACKET"),
    (libc::AF_ASH as u64, "AF_ASH"),
    (libc::AF_ECONET as u64, "AF_ECONET"),
    (libc::AF_ATMSVC as u64, "AF_ATMSVC"),
    (libc::AF_RDS as u64, "AF_RDS"),
    (libc::AF_SNA as u64, "AF_SNA"),
    (libc::AF_IRDA as u64, "AF_IRDA"),
    (libc::AF_PPPOX as u64, "AF_PPPOX"),
    (libc::AF_WANPIPE as u64, "AF_WANPIPE"),
    (libc::AF_LLC as u64, "AF_LLC"),
    (27, "AF_IB"),
    (28, "AF_MPLS"),
    (libc::AF_CAN as u64, "AF_CAN"),
    (libc::AF_TIPC as u64, "AF_TIPC"),
    (libc::AF_BLUETOOTH as u64, "AF_BLUETOOTH"),
    (libc::AF_IUCV as u64, "AF_IUCV"),
    (libc::AF_RXRPC as u64, "AF_RXRPC"),
    (libc::AF_ISDN as u64, "AF_ISDN"),
    (libc::AF_PHONET as u64, "AF_PHONET"),
    (libc::AF_IEEE802154 as u64, "AF_IEEE802154"),
    (libc::AF_CAIF as u64, "AF_CAIF"),
    (libc::AF_ALG as u64, "AF_ALG"),
    (libc::AF_NFC as u64, "AF_NFC"),
    (libc::AF_VSOCK as u64, "AF_VSOCK"),
    (41, "AF_KCM"),
    (42, "AF_QIPCRTR"),
    (43, "AF_SMC"),
    (44, "AF_XDP"),
    (45, "AF_MCTP"),
];

/// The family name (`AF_UNIX`), or the number in hex with `/* AF_??? */`.
pub fn family_name(family: u16) -> String {
    name_or_hex(ADDRESS_FAMILIES, u64::from(family), "AF_???")
}

/// Socket types (the low 4 bits of socket()'s type argument).
pub const SOCK_TYPES: Table = &[
    (libc::SOCK_STREAM as u64, "SOCK_STREAM"),
    (libc::SOCK_DGRAM as u64, "SOCK_DGRAM"),
    (libc::SOCK_RAW as u64, "SOCK_RAW"),
    (libc::SOCK_RDM as u64, "SOCK_RDM"),
    (libc::SOCK_SEQPACKET as u64, "SOCK_SEQPACKET"),
    (libc::SOCK_DCCP as u64, "SOCK_DCCP"),
    (10, "SOCK_PACKET"),
];

/// Flags or'ed into socket()'s type and accept4()'s flags (strace's order).
pub const SOCK_FLAGS: Table = &[
    (libc::SOCK_CLOEXEC as u64, "SOCK_CLOEXEC"),
    (libc::SOCK_NONBLOCK as u64, "SOCK_NONBLOCK"),
];

/// socket()'s type argument: `SOCK_STREAM|SOCK_CLOEXEC`, as strace's tprint_sock_type.
pub fn sock_type(v: u32) -> String {
    const TYPE_MASK: u32 = 0xf;
    match lookup(SOCK_TYPES, u64::from(v & TYPE_MASK)) {
        Some(name) => {
            let rest = v & !TYPE_MASK;
            if rest == 0 {
                name.to_string()
            } else {
                format!("{name}|{}", flags(SOCK_FLAGS, u64::from(rest), "SOCK_???"))
            }
        }
        None => flags(SOCK_FLAGS, u64::from(v), "SOCK_???"),
    }
}

/// accept4()'s flags.
pub fn accept_flags(v: u32) -> String {
    flags(SOCK_FLAGS, u64::from(v), "SOCK_???")
}

/// `MSG_*` flags of send/recv calls and msg_flags.
pub const MSG_FLAGS: Table = &[
    (libc::MSG_OOB as u64, "MSG_OOB"),
    (libc::MSG_PEEK as u64, "MSG_PEEK"),
    (libc::MSG_DONTROUTE as u64, "MSG_DONTROUTE"),
    (libc::MSG_CTRUNC as u64, "MSG_CTRUNC"),
    (0x10, "MSG_PROBE"),
    (libc::MSG_TRUNC as u64, "MSG_TRUNC"),
    (libc::MSG_DONTWAIT as u64, "MSG_DONTWAIT"),
    (libc::MSG_EOR as u64, "MSG_EOR"),
    (libc::MSG_WAITALL as u64, "MSG_WAITALL"),
    (libc::MSG_FIN as u64, "MSG_FIN"),
    (libc::MSG_SYN as u64, "MSG_SYN"),
    (libc::MSG_CONFIRM as u64, "MSG_CONFIRM"),
    (libc::MSG_RST as u64, "MSG_RST"),
    (libc::MSG_ERRQUEUE as u64, "MSG_ERRQUEUE"),
    (libc::MSG_NOSIGNAL as u64, "MSG_NOSIGNAL"),
    (libc::MSG_MORE as u64, "MSG_MORE"),
    (libc::MSG_WAITFORONE as u64, "MSG_WAITFORONE"),
    (0x40000, "MSG_BATCH"),
    (0x2000000, "MSG_SOCK_DEVMEM"),
    (libc::MSG_ZEROCOPY as u64, "MSG_ZEROCOPY"),
    (0x8000000, "MSG_SPLICE_PAGES"),
    (libc::MSG_FASTOPEN as u64, "MSG_FASTOPEN"),
    (libc::MSG_CMSG_CLOEXEC as u64, "MSG_CMSG_CLOEXEC"),
    (0x80000000, "MSG_CMSG_COMPAT"),
];

/// `MSG_*` flags as text.
pub fn msg_flags(v: u32) -> String {
    flags(MSG_FLAGS, u64::from(v), "MSG_???")
}

/// shutdown()'s how.
pub const SHUT_HOW: Table = &[
    (libc::SHUT_RD as u64, "SHUT_RD"),
    (libc::SHUT_WR as u64, "SHUT_WR"),
    (libc::SHUT_RDWR as u64, "SHUT_RDWR"),
];

/// Socket option levels.
pub const SOL_LEVELS: Table = &[
    (libc::SOL_IP as u64, "SOL_IP"),
    (libc::SOL_SOCKET as u64, "SOL_SOCKET"),
    (libc::SOL_TCP as u64, "SOL_TCP"),
    (libc::SOL_UDP as u64, "SOL_UDP"),
    (libc::SOL_IPV6 as u64, "SOL_IPV6"),
    (libc::SOL_ICMPV6 as u64, "SOL_ICMPV6"),
    (libc::SOL_RAW as u64, "SOL_RAW"),
    (libc::SOL_PACKET as u64, "SOL_PACKET"),
    (libc::SOL_NETLINK as u64, "SOL_NETLINK"),
    (libc::SOL_TIPC as u64, "SOL_TIPC"),
    (libc::SOL_BLUETOOTH as u64, "SOL_BLUETOOTH"),
    (libc::SOL_ALG as u64, "SOL_ALG"),
    (libc::SOL_TLS as u64, "SOL_TLS"),
    (libc::SOL_XDP as u64, "SOL_XDP"),
];

/// SOL_SOCKET option numbers used by the decoders (asm-generic/socket.h, x86_64).
pub mod so {
    pub const PASSCRED: i32 = 16;
    pub const PEERCRED: i32 = 17;
    pub const TYPE: i32 = 3;
    pub const ERROR: i32 = 4;
    pub const SNDBUF: i32 = 7;
    pub const RCVBUF: i32 = 8;
    pub const LINGER: i32 = 13;
    pub const RCVTIMEO_OLD: i32 = 20;
    pub const SNDTIMEO_OLD: i32 = 21;
    pub const PEERNAME: i32 = 28;
    pub const PEERSEC: i32 = 31;
    pub const RCVTIMEO_NEW: i32 = 66;
    pub const SNDTIMEO_NEW: i32 = 67;
    pub const PEERPIDFD: i32 = 77;
    pub const PEERGROUPS: i32 = 59;
}

/// SOL_SOCKET option names (asm-generic numbering, which x86_64 uses).
pub const SO_NAMES: Table = &[
    (1, "SO_DEBUG"),
    (2, "SO_REUSEADDR"),
    (3, "SO_TYPE"),
    (4, "SO_ERROR"),
    (5, "SO_DONTROUTE"),
    (6, "SO_BROADCAST"),
    (7, "SO_SNDBUF"),
    (8, "SO_RCVBUF"),
    (9, "SO_KEEPALIVE"),
    (10, "SO_OOBINLINE"),
    (11, "SO_NO_CHECK"),
    (12, "SO_PRIORITY"),
    (13, "SO_LINGER"),
    (14, "SO_BSDCOMPAT"),
    (15, "SO_REUSEPORT"),
    (16, "SO_PASSCRED"),
    (17, "SO_PEERCRED"),
    (18, "SO_RCVLOWAT"),
    (19, "SO_SNDLOWAT"),
    (20, "SO_RCVTIMEO_OLD"),
    (21, "SO_SNDTIMEO_OLD"),
    (22, "SO_SECURITY_AUTHENTICATION"),
    (23, "SO_SECURITY_ENCRYPTION_TRANSPORT"),
    (24, "SO_SECURITY_ENCRYPTION_NETWORK"),
    (25, "SO_BINDTODEVICE"),
    (26, "SO_ATTACH_FILTER"),
    (27, "SO_DETACH_FILTER"),
    (28, "SO_PEERNAME"),
    (29, "SO_TIMESTAMP_OLD"),
    (30, "SO_ACCEPTCONN"),
    (31, "SO_PEERSEC"),
    (32, "SO_SNDBUFFORCE"),
    (33, "SO_RCVBUFFORCE"),
    (34, "SO_PASSSEC"),
    (35, "SO_TIMESTAMPNS_OLD"),
    (36, "SO_MARK"),
    (37, "SO_TIMESTAMPING_OLD"),
    (38, "SO_PROTOCOL"),
    (39, "SO_DOMAIN"),
    (40, "SO_RXQ_OVFL"),
    (41, "SO_WIFI_STATUS"),
    (42, "SO_PEEK_OFF"),
    (43, "SO_NOFCS"),
    (44, "SO_LOCK_FILTER"),
    (45, "SO_SELECT_ERR_QUEUE"),
    (46, "SO_BUSY_POLL"),
    (47, "SO_MAX_PACING_RATE"),
    (48, "SO_BPF_EXTENSIONS"),
    (49, "SO_INCOMING_CPU"),
    (50, "SO_ATTACH_BPF"),
    (51, "SO_ATTACH_REUSEPORT_CBPF"),
    (52, "SO_ATTACH_REUSEPORT_EBPF"),
    (53, "SO_CNX_ADVICE"),
    (54, "SCM_TIMESTAMPING_OPT_STATS"),
    (55, "SO_MEMINFO"),
    (56, "SO_INCOMING_NAPI_ID"),
    (57, "SO_COOKIE"),
    (58, "SCM_TIMESTAMPING_PKTINFO"),
    (59, "SO_PEERGROUPS"),
    (60, "SO_ZEROCOPY"),
    (61, "SO_TXTIME"),
    (62, "SO_BINDTOIFINDEX"),
    (63, "SO_TIMESTAMP_NEW"),
    (64, "SO_TIMESTAMPNS_NEW"),
    (65, "SO_TIMESTAMPING_NEW"),
    (66, "SO_RCVTIMEO_NEW"),
    (67, "SO_SNDTIMEO_NEW"),
    (68, "SO_DETACH_REUSEPORT_BPF"),
    (69, "SO_PREFER_BUSY_POLL"),
    (70, "SO_BUSY_POLL_BUDGET"),
    (71, "SO_NETNS_COOKIE"),
    (72, "SO_BUF_LOCK"),
    (73, "SO_RESERVE_MEM"),
    (74, "SO_TXREHASH"),
    (75, "SO_RCVMARK"),
    (76, "SO_PASSPIDFD"),
    (77, "SO_PEERPIDFD"),
    (78, "SO_DEVMEM_LINEAR"),
    (79, "SO_DEVMEM_DMABUF"),
    (80, "SO_DEVMEM_DONTNEED"),
];

/// Control message types at SOL_SOCKET.
pub mod scm {
    pub const RIGHTS: i32 = 1;
    pub const CREDENTIALS: i32 = 2;
    pub const SECURITY: i32 = 3;
    pub const PIDFD: i32 = 4;
}

/// SOL_SOCKET control message types.
pub const SCM_TYPES: Table = &[
    (scm::RIGHTS as u64, "SCM_RIGHTS"),
    (scm::CREDENTIALS as u64, "SCM_CREDENTIALS"),
    (scm::SECURITY as u64, "SCM_SECURITY"),
    (scm::PIDFD as u64, "SCM_PIDFD"),
    (29, "SCM_TIMESTAMP_OLD"),
    (35, "SCM_TIMESTAMPNS_OLD"),
    (37, "SCM_TIMESTAMPING_OLD"),
];

/// The option level as text (`SOL_SOCKET`, or a number).
pub fn sol_level(v: i32) -> String {
    match lookup(SOL_LEVELS, v as u32 as u64) {
        Some(n) => n.to_string(),
        None => format!("{:#x} /* SOL_??? */", v as u32),
    }
}

/// SOL_TCP options, as strace names them: programs set them on every connection they
/// make, UNIX sockets included (where they fail with EOPNOTSUPP).
pub const TCP_NAMES: Table = &[
    (libc::TCP_NODELAY as u64, "TCP_NODELAY"),
    (libc::TCP_MAXSEG as u64, "TCP_MAXSEG"),
    (libc::TCP_CORK as u64, "TCP_CORK"),
    (libc::TCP_KEEPIDLE as u64, "TCP_KEEPIDLE"),
    (libc::TCP_KEEPINTVL as u64, "TCP_KEEPINTVL"),
    (libc::TCP_KEEPCNT as u64, "TCP_KEEPCNT"),
    (libc::TCP_SYNCNT as u64, "TCP_SYNCNT"),
    (libc::TCP_LINGER2 as u64, "TCP_LINGER2"),
    (libc::TCP_DEFER_ACCEPT as u64, "TCP_DEFER_ACCEPT"),
    (libc::TCP_WINDOW_CLAMP as u64, "TCP_WINDOW_CLAMP"),
    (libc::TCP_INFO as u64, "TCP_INFO"),
    (libc::TCP_QUICKACK as u64, "TCP_QUICKACK"),
    (libc::TCP_CONGESTION as u64, "TCP_CONGESTION"),
    (libc::TCP_USER_TIMEOUT as u64, "TCP_USER_TIMEOUT"),
    (libc::TCP_FASTOPEN as u64, "TCP_FASTOPEN"),
    (libc::TCP_NOTSENT_LOWAT as u64, "TCP_NOTSENT_LOWAT"),
];

/// The option name as text: names are known for SOL_SOCKET and SOL_TCP (strace's
/// `0x63 /* TCP_??? */` for an unknown one there), a number at other levels.
pub fn sockopt_name(level: i32, name: i32) -> String {
    match level {
        libc::SOL_SOCKET => name_or_hex(SO_NAMES, name as u32 as u64, "SO_???"),
        libc::SOL_TCP => name_or_hex(TCP_NAMES, name as u32 as u64, "TCP_???"),
        _ => name.to_string(),
    }
}

/// fcntl() commands the fd-changing path cares about (and the everyday ones).
pub const FCNTL_CMDS: Table = &[
    (libc::F_DUPFD as u64, "F_DUPFD"),
    (libc::F_GETFD as u64, "F_GETFD"),
    (libc::F_SETFD as u64, "F_SETFD"),
    (libc::F_GETFL as u64, "F_GETFL"),
    (libc::F_SETFL as u64, "F_SETFL"),
    (libc::F_GETLK as u64, "F_GETLK"),
    (libc::F_SETLK as u64, "F_SETLK"),
    (libc::F_SETLKW as u64, "F_SETLKW"),
    (libc::F_SETOWN as u64, "F_SETOWN"),
    (libc::F_GETOWN as u64, "F_GETOWN"),
    (libc::F_DUPFD_CLOEXEC as u64, "F_DUPFD_CLOEXEC"),
];

/// Open flags as dup3() and F_SETFD/F_SETFL show them (the ones that matter on sockets).
pub const O_FLAGS: Table = &[
    (libc::O_WRONLY as u64, "O_WRONLY"),
    (libc::O_RDWR as u64, "O_RDWR"),
    (libc::O_APPEND as u64, "O_APPEND"),
    (libc::O_NONBLOCK as u64, "O_NONBLOCK"),
    (libc::O_ASYNC as u64, "O_ASYNC"),
    (libc::O_CLOEXEC as u64, "O_CLOEXEC"),
];

/// close_range() flags.
pub const CLOSE_RANGE_FLAGS: Table = &[(2, "CLOSE_RANGE_UNSHARE"), (4, "CLOSE_RANGE_CLOEXEC")];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decode_const_tables_print_like_strace() {
        assert_eq!(
            sock_type((libc::SOCK_STREAM | libc::SOCK_CLOEXEC | libc::SOCK_NONBLOCK) as u32),
            "SOCK_STREAM|SOCK_CLOEXEC|SOCK_NONBLOCK"
        );
        assert_eq!(sock_type(0x104d), "0x104d /* SOCK_??? */");
        assert_eq!(sock_type(0x80000 | 0xd), "SOCK_CLOEXEC|0xd");
        assert_eq!(
            accept_flags(0x80000 | 0x800 | 4),
            "SOCK_CLOEXEC|SOCK_NONBLOCK|0x4"
        );
        assert_eq!(accept_flags(0), "0");
        assert_eq!(family_name(12345), "0x3039 /* AF_??? */");
        assert_eq!(
            msg_flags(0x2 | 0x100 | 0x80000000),
            "MSG_PEEK|MSG_WAITALL|MSG_CMSG_COMPAT"
        );
        assert_eq!(name_or_hex(SHUT_HOW, 7, "SHUT_???"), "0x7 /* SHUT_??? */");
        assert_eq!(sockopt_name(1, 999), "0x3e7 /* SO_??? */");
        assert_eq!(sol_level(270), "SOL_NETLINK");
        assert_eq!(crate::model::Errno::new(111).name(), Some("ECONNREFUSED"));
    }

    #[test]
    fn decode_so_table_agrees_with_libc() {
        // Ties the hand-numbered rows to libc where libc has the constant.
        for (v, n) in [
            (libc::SO_PASSCRED, "SO_PASSCRED"),
            (libc::SO_PEERCRED, "SO_PEERCRED"),
            (libc::SO_SNDBUF, "SO_SNDBUF"),
            (libc::SO_RCVBUF, "SO_RCVBUF"),
            (libc::SO_TYPE, "SO_TYPE"),
            (libc::SO_ERROR, "SO_ERROR"),
            (libc::SO_PASSSEC, "SO_PASSSEC"),
            (libc::SO_PEERSEC, "SO_PEERSEC"),
            (libc::SO_ACCEPTCONN, "SO_ACCEPTCONN"),
            (libc::SO_LINGER, "SO_LINGER"),
            (libc::SO_PEEK_OFF, "SO_PEEK_OFF"),
        ] {
            assert_eq!(lookup(SO_NAMES, v as u64), Some(n));
        }
        assert_eq!(libc::SO_RCVTIMEO, so::RCVTIMEO_OLD);
        assert_eq!(libc::SO_SNDTIMEO, so::SNDTIMEO_OLD);
        assert_eq!(libc::SCM_RIGHTS, scm::RIGHTS);
        assert_eq!(libc::SCM_CREDENTIALS, scm::CREDENTIALS);
    }
}

//! NETLINK_SOCK_DIAG with UNIX_DIAG: per-socket peer, name, queue lengths.

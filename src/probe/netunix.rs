//! /proc/net/unix: every AF_UNIX socket in our network namespace.

//! Failures grouped by where in the program they were made (`-k`): the first frame of the
//! program's own code in each failing call's stack, keyed by module, function, file and
//! line, never by address (which moves from run to run), so "3 call sites fail with
//! ENOENT" counts places in the source.

use crate::model::SyscallEvent;
use crate::stack::fold::first_own;
use serde::Serialize;
use std::collections::HashMap;

/// Distinct call sites kept; failing calls from sites past this are counted, not listed.
pub const MAX_CALL_SITES: usize = 1_000;
/// Call sites listed per failure group.
pub const MAX_SITES_PER_GROUP: usize = 16;
/// Distinct failures listed per call site.
pub const MAX_FAILURES_PER_SITE: usize = 16;

/// A place in the program: the first frame of its own code under a call.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct CallSite {
    /// The mapped file (escaped text).
    pub module: Option<String>,
    /// The function (escaped text).
    pub function: Option<String>,
    /// The source file (escaped text).
    pub file: Option<String>,
    /// The line in `file`.
    pub line: Option<u32>,
    /// The offset in `module`, only when neither a function nor a file names the place
    /// (a stripped program): still stable across runs, unlike the address.
    pub offset: Option<u64>,
}

impl CallSite {
    /// The call site of a call, when its stack reaches the program's own code.
    pub fn of(ev: &SyscallEvent) -> Option<CallSite> {
        let f = first_own(&ev.stack)?;
        let named = f.function.is_some() || f.file.is_some();
        Some(CallSite {
            module: f.module.clone(),
            function: f.function.clone(),
            file: f.file.clone(),
            line: f.file.as_ref().and(f.line),
            offset: if named { None } else { f.offset },
        })
    }
}

/// How many failing calls of a group came from one call site.
#[derive(Clone, Debug, Serialize)]
pub struct SiteCount {
    /// Where.
    pub site: CallSite,
    /// Failing calls from there.
    pub count: u64,
}

/// One kind of failure at a call site.
#[derive(Clone, Debug, Serialize)]
pub struct SiteFailure {
    /// Syscall name.
    pub syscall: String,
    /// Errno name.
    pub errno: String,
    /// Failing calls.
    pub count: u64,
    /// Of which classed as expected.
    pub expected: u64,
}

/// Every failing call made from one call site.
#[derive(Clone, Debug, Serialize)]
pub struct CallSiteFailures {
    /// Where.
    pub site: CallSite,
    /// Failing calls from there.
    pub count: u64,
    /// Of which classed as expected.
    pub expected: u64,
    /// By syscall and errno, most first (at most [`MAX_FAILURES_PER_SITE`]).
    pub failures: Vec<SiteFailure>,
    /// Failing calls of kinds past that limit.
    pub failures_omitted: u64,
    /// `seq` of the first failing call from there.
    pub first_seq: u64,
}

impl CallSiteFailures {
    /// True when every failure from here was classed as expected.
    pub fn all_expected(&self) -> bool {
        self.expected == self.count
    }
}

/// Count one failing call from `site` in a group's bounded list of sites (`more` counts
/// the calls from sites past the limit).
pub(super) fn count_in_group(list: &mut Vec<SiteCount>, more: &mut u64, site: &CallSite) {
    if let Some(s) = list.iter_mut().find(|s| &s.site == site) {
        s.count += 1;
    } else if list.len() < MAX_SITES_PER_GROUP {
        list.push(SiteCount {
            site: site.clone(),
            count: 1,
        });
    } else {
        *more += 1;
    }
}

/// Most calls first, then the order they were first seen (stable).
pub(super) fn sort_group_sites(list: &mut [SiteCount]) {
    list.sort_by_key(|s| std::cmp::Reverse(s.count));
}

/// Builds the list of call sites one failing call at a time (bounded).
#[derive(Default)]
pub(super) struct SitesAcc {
    index: HashMap<CallSite, usize>,
    sites: Vec<CallSiteFailures>,
    /// Failing calls from sites past [`MAX_CALL_SITES`].
    pub(super) omitted: u64,
}

impl SitesAcc {
    /// One failing call from `site`.
    pub(super) fn add(&mut self, site: &CallSite, ev: &SyscallEvent, errno: &str, expected: bool) {
        let i = match self.index.get(site) {
            Some(&i) => i,
            None if self.sites.len() >= MAX_CALL_SITES => {
                self.omitted += 1;
                return;
            }
            None => {
                self.sites.push(CallSiteFailures {
                    site: site.clone(),
                    count: 0,
                    expected: 0,
                    failures: Vec::new(),
                    failures_omitted: 0,
                    first_seq: ev.seq,
                });
                self.index.insert(site.clone(), self.sites.len() - 1);
                self.sites.len() - 1
            }
        };
        let s = &mut self.sites[i];
        s.count += 1;
        s.expected += u64::from(expected);
        let syscall = ev.syscall.name();
        match s
            .failures
            .iter()
            .position(|f| f.errno == errno && f.syscall == syscall)
        {
            Some(k) => {
                let f = &mut s.failures[k];
                f.count += 1;
                f.expected += u64::from(expected);
            }
            None if s.failures.len() < MAX_FAILURES_PER_SITE => s.failures.push(SiteFailure {
                syscall: syscall.into_owned(),
                errno: errno.to_owned(),
                count: 1,
                expected: u64::from(expected),
            }),
            None => s.failures_omitted += 1,
        }
    }

    /// The sites: those with a consequential failure first, then by calls, then by the
    /// first call; each site's failures most first.
    pub(super) fn finish(self) -> Vec<CallSiteFailures> {
        let mut sites = self.sites;
        for s in &mut sites {
            s.failures.sort_by(|a, b| {
                (a.expected == a.count)
                    .cmp(&(b.expected == b.count))
                    .then(b.count.cmp(&a.count))
            });
        }
        sites.sort_by(|a, b| {
            a.all_expected()
                .cmp(&b.all_expected())
                .then(b.count.cmp(&a.count))
                .then(a.first_seq.cmp(&b.first_seq))
        });
        sites
    }
}

/// How many of `sites` had a failure with `errno` (a lower bound when a site's list of
/// failures was cut).
pub(super) fn sites_with_errno(sites: &[CallSiteFailures], errno: &str) -> u64 {
    sites
        .iter()
        .filter(|s| s.failures.iter().any(|f| f.errno == errno))
        .count() as u64
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::StackFrame;

    fn frame(
        module: &str,
        function: Option<&str>,
        file: Option<(&str, u32)>,
        addr: u64,
    ) -> StackFrame {
        StackFrame {
            addr,
            module: Some(module.into()),
            offset: Some(addr & 0xffff),
            function: function.map(Into::into),
            function_offset: function.map(|_| addr & 0xff),
            file: file.map(|f| f.0.into()),
            line: file.map(|f| f.1),
            inlined: false,
        }
    }

    fn ev(frames: Vec<StackFrame>) -> SyscallEvent {
        SyscallEvent {
            syscall: "connect".into(),
            stack: frames,
            ..Default::default()
        }
    }

    #[test]
    fn the_site_is_the_first_own_frame_without_its_address() {
        let libc = "/usr/lib/x86_64-linux-gnu/libc.so.6";
        let a = ev(vec![
            frame(libc, Some("__connect"), None, 0x7f00_0011_a7cb),
            frame(
                "/app",
                Some("connect_db"),
                Some(("db.c", 42)),
                0x5500_0000_4120,
            ),
            frame("/app", Some("main"), Some(("main.c", 9)), 0x5500_0000_1a2b),
        ]);
        // The same place in another run: other addresses, the same site.
        let b = ev(vec![
            frame(libc, Some("__connect"), None, 0x7e00_0011_a7cb),
            frame(
                "/app",
                Some("connect_db"),
                Some(("db.c", 42)),
                0x5600_0000_4125,
            ),
        ]);
        let site = CallSite::of(&a).unwrap();
        assert_eq!(site.function.as_deref(), Some("connect_db"));
        assert_eq!((site.file.as_deref(), site.line), (Some("db.c"), Some(42)));
        assert_eq!(site.offset, None);
        assert_eq!(CallSite::of(&b), Some(site));
        // Stripped: only the module and the offset tell places apart.
        let c = ev(vec![frame("/app", None, None, 0x5500_0000_4120)]);
        let stripped = CallSite::of(&c).unwrap();
        assert_eq!(stripped.offset, Some(0x4120));
        assert_eq!(CallSite::of(&ev(vec![])), None);
        assert_eq!(
            CallSite::of(&ev(vec![frame(libc, Some("__connect"), None, 1)])),
            None,
            "no own frame"
        );
    }

    #[test]
    fn sites_count_calls_and_errnos() {
        let mut acc = SitesAcc::default();
        let mk = |f: &str, line| CallSite {
            module: Some("/app".into()),
            function: Some(f.into()),
            file: Some("a.c".into()),
            line: Some(line),
            offset: None,
        };
        let e = ev(vec![]);
        acc.add(&mk("nscd", 1), &e, "ENOENT", true);
        acc.add(&mk("db", 2), &e, "ENOENT", false);
        acc.add(&mk("db", 2), &e, "ENOENT", false);
        acc.add(&mk("health", 3), &e, "ENOENT", false);
        acc.add(&mk("cache", 4), &e, "EACCES", false);
        let sites = acc.finish();
        let names: Vec<_> = sites
            .iter()
            .map(|s| s.site.function.as_deref().unwrap())
            .collect();
        assert_eq!(
            names,
            ["db", "health", "cache", "nscd"],
            "expected-only last"
        );
        assert_eq!(sites_with_errno(&sites, "ENOENT"), 3);
        assert_eq!(sites_with_errno(&sites, "EACCES"), 1);
        assert_eq!(sites[0].failures[0].count, 2);
    }
}

//! Reports on a saved trace: what ran, every distinct failure (worst first), counts and a
//! timeline, as text, Markdown, HTML or JSON.
//!
//! Built in one streaming pass ([`ReportBuilder::add`] per record, or [`Report::from_reader`]):
//! memory grows with the number of distinct failures and processes, each capped
//! ([`MAX_GROUPS`], [`MAX_PROCESSES`], ...), never with the number of records. A group
//! keeps one example call and a bounded list of pids; the timeline is a fixed number of
//! buckets per process whose width doubles as the trace gets longer.
//!
//! Worst first: a group "ended a process" when it holds the last consequential failing
//! call of a process that then exited non-zero or was killed by a signal, and the process
//! made no successful call of the same syscall in between (it did not recover by
//! retrying). Groups that ended the main process (the one spawned or the first attached)
//! come first, then those that ended another process, then the other consequential ones,
//! and last the failures the trace classed as expected (harmless); each tier by count,
//! then by first time.
//!
//! Expected and consequential failures of the same call, errno and target are separate
//! groups; getpeername and getsockname failures are grouped by call and errno alone (a
//! program probes fd after fd). With `-k` stacks, failures are also grouped by their call
//! site (`sites.rs`).

mod chart;
mod format;
pub mod html;
pub mod json;
pub mod markdown;
mod sites;
pub mod text;
mod timeline;
mod wrap;

pub use sites::{
    CallSite, CallSiteFailures, MAX_CALL_SITES, MAX_FAILURES_PER_SITE, MAX_SITES_PER_GROUP,
    SiteCount, SiteFailure,
};
pub use timeline::{ErrnoSeries, MAX_CHART_ERRNOS, MAX_TIMELINE_ROWS, Timeline, TimelineRow};

use crate::model::{
    Cause, EndReason, FailureClass, FailureKind, Fd, Header, Pid, ProcessEvent, ProcessEventKind,
    Record, SockId, SyscallEvent, SyscallName, TRACE_FORMAT_VERSION, TraceEnd,
};
use crate::sink::jsonl::read::{JsonlReader, ReadError};
use crate::sink::summary::{Summary, SummaryRow};
use serde::Serialize;
use sites::SitesAcc;
use std::collections::HashMap;
use std::io::BufRead;
use syscalls::Sysno;
use timeline::TimelineAcc;

/// Distinct failure groups kept; failures past this are counted, not grouped.
pub const MAX_GROUPS: usize = 10_000;
/// Pids listed per failure group.
pub const MAX_PIDS_PER_GROUP: usize = 16;
/// Processes ended by one failure group that are listed.
pub const MAX_ENDED_PER_GROUP: usize = 16;
/// Processes kept in the process tree.
pub const MAX_PROCESSES: usize = 10_000;
/// Execs kept per process.
pub const MAX_EXECS_PER_PROCESS: usize = 16;
/// Arguments kept per exec (a program can be started with very many).
pub const MAX_ARGV: usize = 64;
/// Signals kept per process.
pub const MAX_SIGNALS_PER_PROCESS: usize = 16;
/// Distinct errno names counted.
pub const MAX_ERRNOS: usize = 256;
/// Buckets of the failure timeline.
pub const TIMELINE_BUCKETS: usize = 64;
/// Fds listed for a group of getpeername/getsockname probes.
pub const MAX_PROBE_FDS: usize = 16;

/// How the failures are ordered, as every report states it.
pub const WORST_FIRST_RULE: &str = "Worst first: failures that ended a process (the last failing call of a process \
that then exited non-zero or was killed, with no later success of the same syscall), those that ended the main \
process first; then by number of calls. Expected failures (harmless ones, such as an nscd lookup or an fd probe) \
come last.";

/// Everything a report shows, ready to render.
#[derive(Clone, Debug, Serialize)]
pub struct Report {
    /// The run as the header and the process events tell it.
    pub run: Run,
    /// Every process seen, in tree order (parents before children).
    pub processes: Vec<Process>,
    /// Processes seen but not kept (past [`MAX_PROCESSES`]).
    pub processes_omitted: u64,
    /// Distinct failures, worst first.
    pub failures: Vec<FailureGroup>,
    /// Failing calls not grouped (past [`MAX_GROUPS`] distinct groups).
    pub failures_ungrouped: u64,
    /// Calls, errors and time per syscall, most time first.
    pub syscalls: Vec<SummaryRow>,
    /// The total of `syscalls`.
    pub syscalls_total: SummaryRow,
    /// Failing calls per errno, most first.
    pub errnos: Vec<ErrnoCount>,
    /// Failures over time, per process and per errno.
    pub timeline: Timeline,
    /// Failing calls by call site (the first frame of the program's own code in their
    /// `-k` stack), those with a consequential failure first; empty without stacks.
    pub call_sites: Vec<CallSiteFailures>,
    /// Failing calls from call sites past [`MAX_CALL_SITES`].
    pub call_sites_omitted: u64,
    /// Problems with the trace that did not stop the report (a truncated last line).
    pub warnings: Vec<String>,
    /// Records read (header included).
    pub records: u64,
}

/// The run.
#[derive(Clone, Debug, Serialize)]
pub struct Run {
    /// The command line started (empty when attaching).
    pub command: Vec<String>,
    /// Pids attached to.
    pub attached: Vec<Pid>,
    /// Start time, RFC 3339.
    pub start: String,
    /// From the start to the last thing seen, in nanoseconds.
    pub duration_ns: u64,
    /// Kernel of the tracing machine.
    pub kernel: String,
    /// sockwhy version that wrote the trace.
    pub sockwhy: String,
    /// Trace format version.
    pub format_version: u32,
    /// The main process: the one spawned, or the first attached.
    pub main_pid: Option<Pid>,
    /// How the main process ended, when it did within the trace.
    pub main_exit: Option<ExitStatus>,
    /// The trace's closing record (format version 2): how the run ended.
    pub ended: Option<TraceEnd>,
}

/// How a process ended.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ExitStatus {
    /// When, nanoseconds since the start.
    pub ts_ns: u64,
    /// Exit code, when it exited.
    pub code: Option<i32>,
    /// The killing signal, when it was killed.
    pub signal: Option<String>,
    /// A core dump was left.
    pub core_dumped: bool,
}

impl ExitStatus {
    /// True for a non-zero exit or death by a signal.
    pub fn failed(&self) -> bool {
        self.signal.is_some() || self.code.is_some_and(|c| c != 0)
    }
}

/// A program a process ran.
#[derive(Clone, Debug, Serialize)]
pub struct Exec {
    /// When.
    pub ts_ns: u64,
    /// Program path (escaped text).
    pub exe: Option<String>,
    /// argv (escaped text).
    pub argv: Vec<String>,
}

/// One process of the run.
#[derive(Clone, Debug, Serialize)]
pub struct Process {
    /// Its pid.
    pub pid: Pid,
    /// Its parent, when known.
    pub ppid: Option<Pid>,
    /// Depth in the tree (0 for a root).
    pub depth: usize,
    /// How it came: spawn, attach or fork; None when first seen through a call.
    pub origin: Option<ProcessEventKind>,
    /// When it was first seen.
    pub start_ns: u64,
    /// Short command name (escaped text).
    pub comm: Option<String>,
    /// Programs it ran, in order.
    pub execs: Vec<Exec>,
    /// Execs past [`MAX_EXECS_PER_PROCESS`].
    pub execs_omitted: u64,
    /// Threads created (clone events).
    pub threads: u64,
    /// Signals delivered to it, by name, in order of first delivery.
    pub signals: Vec<SignalCount>,
    /// Deliveries of signals past the first [`MAX_SIGNALS_PER_PROCESS`] names.
    pub signals_omitted: u64,
    /// Process events of kinds this sockwhy does not know (a newer trace), by name as read.
    pub other_events: Vec<EventCount>,
    /// How it ended; None when it still ran at the end of the trace.
    pub exit: Option<ExitStatus>,
    /// sockwhy detached from it (it ran on).
    pub detached: bool,
    /// Traced calls it made.
    pub calls: u64,
    /// Of which failed.
    pub failures: u64,
}

impl Process {
    /// A short name: comm, else the last program's file name, else None.
    pub fn name(&self) -> Option<&str> {
        if let Some(c) = &self.comm {
            return Some(c);
        }
        let last = self.execs.last()?;
        let exe = last
            .exe
            .as_deref()
            .or(last.argv.first().map(String::as_str))?;
        Some(exe.rsplit('/').next().unwrap_or(exe))
    }
}

/// How often one signal was delivered to a process.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SignalCount {
    /// Signal name (`SIGPIPE`).
    pub signal: String,
    /// Deliveries.
    pub count: u64,
}

/// How often a process event of a kind this build does not know was seen.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct EventCount {
    /// The event's name as read.
    pub event: String,
    /// Occurrences.
    pub count: u64,
}

/// A pid and its name at the end of the trace.
#[derive(Clone, Debug, Serialize)]
pub struct ProcRef {
    /// The pid.
    pub pid: Pid,
    /// The process's name (escaped text).
    pub name: Option<String>,
}

/// A process a failure ended.
#[derive(Clone, Debug, Serialize)]
pub struct Ended {
    /// The process.
    pub process: ProcRef,
    /// Its exit.
    pub exit: ExitStatus,
    /// It is the main process.
    pub main: bool,
}

/// What a failure was aimed at, for grouping.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum TargetKind {
    /// The socket address argument (or msg_name).
    Address,
    /// The socket the call used.
    Socket,
    /// Only the fd number is known.
    Fd,
    /// getpeername/getsockname on any fd: `target` lists the fds.
    Probe,
    /// Nothing to tell calls apart.
    None,
}

/// Every failing call with the same (syscall, errno, address or socket), expected or not.
#[derive(Clone, Debug, Serialize)]
pub struct FailureGroup {
    /// Syscall name.
    pub syscall: String,
    /// Errno name.
    pub errno: String,
    /// What kind of target `target` is.
    pub target_kind: TargetKind,
    /// The address or socket, as text (escaped), e.g. `"/run/x.sock"` or `UNIX-STREAM:[123]`.
    pub target: String,
    /// Failing calls in the group.
    pub count: u64,
    /// First and last time, nanoseconds since the start.
    pub first_ns: u64,
    /// Last time.
    pub last_ns: u64,
    /// The processes that made these calls (at most [`MAX_PIDS_PER_GROUP`]).
    pub processes: Vec<ProcRef>,
    /// More processes than listed made them.
    pub more_processes: bool,
    /// Processes this failure ended (see the module docs for the rule).
    pub ended: Vec<Ended>,
    /// How many processes it ended, listed or not.
    pub ended_count: u64,
    /// What the errno means for this call.
    pub explanation: Option<String>,
    /// Manual page.
    pub man: Option<String>,
    /// The likely cause: the most confident one seen in the group (the first on ties),
    /// with its rule id and fix.
    pub cause: Option<Cause>,
    /// How the trace classed these failures (the first call's class): expected ones are
    /// harmless and ranked last. None when the trace does not say.
    pub class: Option<FailureClass>,
    /// Calls of the group that a later call recovered from (`class.recovered_by`).
    pub recovered: u64,
    /// Where in the program the calls were made (with `-k`), most calls first (at most
    /// [`MAX_SITES_PER_GROUP`]).
    pub call_sites: Vec<SiteCount>,
    /// Calls from call sites past that limit.
    pub call_sites_more: u64,
    /// The first failing call of the group, in full.
    pub example: SyscallEvent,
}

impl FailureGroup {
    /// True when this failure ended the main process.
    pub fn ended_main(&self) -> bool {
        self.ended.iter().any(|e| e.main)
    }

    /// True when the trace classed these failures as expected (harmless).
    pub fn is_expected(&self) -> bool {
        self.class
            .as_ref()
            .is_some_and(|c| c.kind.is(FailureKind::Expected))
    }

    fn tier(&self) -> u8 {
        if self.is_expected() {
            3
        } else if self.ended_main() {
            0
        } else if self.ended_count > 0 {
            1
        } else {
            2
        }
    }
}

/// Failing calls of one errno.
#[derive(Clone, Debug, Serialize)]
pub struct ErrnoCount {
    /// Errno name.
    pub errno: String,
    /// Failing calls.
    pub count: u64,
    /// Syscalls that failed with it, by name.
    pub syscalls: Vec<String>,
    /// Of the failing calls, those classed as expected.
    pub expected: u64,
    /// Distinct call sites (with `-k`) that failed with it: "3 call sites fail with ENOENT".
    pub call_sites: u64,
}

impl Report {
    /// Read a whole trace and build its report, streaming.
    pub fn from_reader<R: BufRead>(input: R) -> Result<Report, ReadError> {
        let mut reader = JsonlReader::new(input);
        let mut b = ReportBuilder::new();
        while let Some(rec) = reader.next_record()? {
            b.add(&rec);
        }
        let mut r = b.finish();
        r.warnings
            .extend(reader.warnings().iter().map(ToString::to_string));
        if r.run.ended.is_none() && r.run.format_version >= 2 {
            r.warnings.push(NO_CLOSING_RECORD.to_owned());
        }
        Ok(r)
    }

    /// The process with this pid (the last one, if the pid was reused).
    pub fn process(&self, pid: Pid) -> Option<&Process> {
        self.processes.iter().rev().find(|p| p.pid == pid)
    }

    /// Failing calls in all.
    pub fn failed_calls(&self) -> u64 {
        self.syscalls_total.errors
    }
}

/// What a trace of version 2 or later without its closing record says.
const NO_CLOSING_RECORD: &str = "the trace has no closing record: sockwhy was stopped before it finished \
writing it (killed, or it crashed), so the last events may be missing";

/// How the run ended, from the closing record: None for a version 1 trace (it has none).
pub(crate) fn end_label(r: &Report) -> Option<String> {
    let Some(end) = &r.run.ended else {
        return (r.run.format_version >= 2)
            .then(|| "not recorded (the trace has no closing record)".to_owned());
    };
    let status = end
        .exit_code
        .map(|c| format!("; sockwhy exited {c}"))
        .unwrap_or_default();
    Some(match end.how.known() {
        Some(EndReason::Exited) => format!("the traced program ended{status}"),
        Some(EndReason::Detached) => "sockwhy detached; the processes ran on".to_owned(),
        Some(EndReason::OutputClosed) => format!(
            "sockwhy's output closed, so tracing stopped there (a spawned program is ended, \
             an attached one detached){status}"
        ),
        Some(EndReason::Interrupted) => {
            format!("sockwhy was told to stop while the program ran{status}")
        }
        None => format!("{}{status}", format::safe(&end.how.name())),
    })
}

/// How the run ended, in a few words: `pid 1000 (demo) exited 1 at +0.25s`.
pub(crate) fn result_label(r: &Report) -> String {
    let Some(pid) = r.run.main_pid else {
        return "no main process in the trace".to_owned();
    };
    let name = r
        .process(pid)
        .and_then(Process::name)
        .map(|n| format!(" ({})", format::safe(n)))
        .unwrap_or_default();
    match &r.run.main_exit {
        Some(e) => format!(
            "pid {pid}{name} {} at {}",
            format::exit_label(e),
            format::at(e.ts_ns)
        ),
        None => format!("pid {pid}{name} was still running at the end of the trace"),
    }
}

struct ProcState {
    info: Process,
    /// Index in `ReportBuilder::groups` of its last failure and that call's syscall,
    /// cleared by a later success of the same syscall.
    last_failure: Option<(usize, u64)>,
    last_failure_syscall: SyscallName,
    /// None: not asked for yet; Some(None): past the limit, none for good.
    timeline_row: Option<Option<usize>>,
    fatal_ns: Option<u64>,
}

#[derive(PartialEq, Eq, Hash)]
struct GroupKey {
    syscall: String,
    errno: String,
    target: String,
    expected: bool,
}

struct EndedState {
    proc_index: usize,
    exit: ExitStatus,
}

struct GroupState {
    group: FailureGroup,
    pids: Vec<Pid>,
    ended: Vec<EndedState>,
    /// For a group of probes: the fds probed (at most [`MAX_PROBE_FDS`]), and whether
    /// there were more.
    probe_fds: Vec<Fd>,
    more_probe_fds: bool,
}

/// Accumulates records one at a time; [`ReportBuilder::finish`] makes the [`Report`].
pub struct ReportBuilder {
    header: Option<Header>,
    procs: Vec<ProcState>,
    by_pid: HashMap<Pid, usize>,
    procs_omitted: u64,
    main_pid: Option<Pid>,
    groups: Vec<GroupState>,
    group_index: HashMap<GroupKey, usize>,
    ungrouped: u64,
    summary: Summary,
    end: Option<TraceEnd>,
    errnos: HashMap<String, ErrnoAcc>,
    timeline: TimelineAcc,
    sites: SitesAcc,
    end_ns: u64,
    records: u64,
}

impl Default for ReportBuilder {
    fn default() -> Self {
        ReportBuilder::new()
    }
}

impl ReportBuilder {
    /// An empty report.
    pub fn new() -> Self {
        ReportBuilder {
            header: None,
            procs: Vec::new(),
            by_pid: HashMap::new(),
            procs_omitted: 0,
            main_pid: None,
            groups: Vec::new(),
            group_index: HashMap::new(),
            ungrouped: 0,
            summary: Summary::new(),
            end: None,
            errnos: HashMap::new(),
            timeline: TimelineAcc::new(),
            sites: SitesAcc::default(),
            end_ns: 0,
            records: 0,
        }
    }

    /// Take one record into account.
    pub fn add(&mut self, rec: &Record) {
        self.records += 1;
        match rec {
            Record::Header(h) => {
                if self.header.is_none() {
                    self.main_pid = h.attached.first().copied();
                    self.header = Some(h.clone());
                }
            }
            Record::Process(p) => self.add_process_event(p),
            Record::Syscall(ev) => self.add_call(ev),
            Record::End(e) => self.end = Some(e.clone()),
        }
    }

    fn see(&mut self, ts_ns: u64) {
        self.end_ns = self.end_ns.max(ts_ns);
    }

    /// The index of the live process `pid`, creating it when first seen.
    fn proc_index(&mut self, pid: Pid, ts_ns: u64) -> Option<usize> {
        if let Some(&i) = self.by_pid.get(&pid) {
            return Some(i);
        }
        self.new_proc(pid, ts_ns, None, None)
    }

    fn new_proc(
        &mut self,
        pid: Pid,
        ts_ns: u64,
        ppid: Option<Pid>,
        origin: Option<ProcessEventKind>,
    ) -> Option<usize> {
        if self.procs.len() >= MAX_PROCESSES {
            // Count processes by their start events only: calls of an omitted process
            // come here again and again.
            if origin.is_some() {
                self.procs_omitted += 1;
            }
            self.by_pid.remove(&pid);
            return None;
        }
        self.procs.push(ProcState {
            info: Process {
                pid,
                ppid,
                depth: 0,
                origin,
                start_ns: ts_ns,
                comm: None,
                execs: Vec::new(),
                execs_omitted: 0,
                threads: 0,
                signals: Vec::new(),
                signals_omitted: 0,
                other_events: Vec::new(),
                exit: None,
                detached: false,
                calls: 0,
                failures: 0,
            },
            last_failure: None,
            last_failure_syscall: SyscallName::default(),
            timeline_row: None,
            fatal_ns: None,
        });
        let i = self.procs.len() - 1;
        self.by_pid.insert(pid, i);
        Some(i)
    }

    fn add_process_event(&mut self, p: &ProcessEvent) {
        self.see(p.ts_ns);
        let Some(event) = &p.event else { return };
        let Some(kind) = event.known() else {
            // A kind a later sockwhy wrote: counted for its process, shown as it is.
            if let Some(i) = self.proc_index(p.pid, p.ts_ns) {
                let name = event.name();
                let others = &mut self.procs[i].info.other_events;
                if let Some(c) = others.iter_mut().find(|c| c.event == name) {
                    c.count += 1;
                } else if others.len() < MAX_SIGNALS_PER_PROCESS {
                    others.push(EventCount {
                        event: name.into_owned(),
                        count: 1,
                    });
                }
            }
            return;
        };
        let i = match kind {
            ProcessEventKind::Spawn | ProcessEventKind::Attach | ProcessEventKind::Fork => {
                if self.main_pid.is_none() && kind != ProcessEventKind::Fork {
                    self.main_pid = Some(p.pid);
                }
                match self.by_pid.get(&p.pid).copied() {
                    // Seen through a call before its event arrived: fill in what it says.
                    Some(i) if self.procs[i].info.exit.is_none() => {
                        let info = &mut self.procs[i].info;
                        info.ppid = info.ppid.or(p.ppid);
                        info.origin = info.origin.or(Some(kind));
                        Some(i)
                    }
                    // A new process (or a reused pid).
                    _ => self.new_proc(p.pid, p.ts_ns, p.ppid, Some(kind)),
                }
            }
            _ => self.proc_index(p.pid, p.ts_ns),
        };
        let Some(i) = i else { return };
        if let Some(c) = &p.comm {
            self.procs[i].info.comm = Some(c.clone());
        }
        match kind {
            ProcessEventKind::Clone => self.procs[i].info.threads += 1,
            ProcessEventKind::Exec => {
                let info = &mut self.procs[i].info;
                if info.execs.len() < MAX_EXECS_PER_PROCESS {
                    let mut argv: Vec<String> = p.argv.iter().take(MAX_ARGV).cloned().collect();
                    if p.argv.len() > MAX_ARGV {
                        argv.push(format!("... {} more", p.argv.len() - MAX_ARGV));
                    }
                    info.execs.push(Exec {
                        ts_ns: p.ts_ns,
                        exe: p.exe.clone(),
                        argv,
                    });
                } else {
                    info.execs_omitted += 1;
                }
                // A new program: the old one's failures no longer decide its exit.
                self.procs[i].last_failure = None;
            }
            ProcessEventKind::Signal => {
                let info = &mut self.procs[i].info;
                if let Some(sig) = &p.signal {
                    if let Some(c) = info.signals.iter_mut().find(|c| &c.signal == sig) {
                        c.count += 1;
                    } else if info.signals.len() < MAX_SIGNALS_PER_PROCESS {
                        info.signals.push(SignalCount {
                            signal: sig.clone(),
                            count: 1,
                        });
                    } else {
                        info.signals_omitted += 1;
                    }
                }
            }
            ProcessEventKind::Detach => self.procs[i].info.detached = true,
            ProcessEventKind::Exit if p.tid == p.pid => self.add_exit(i, p),
            _ => {}
        }
    }

    fn add_exit(&mut self, i: usize, p: &ProcessEvent) {
        let exit = ExitStatus {
            ts_ns: p.ts_ns,
            code: p.exit_code,
            signal: p.signal.clone(),
            core_dumped: p.core_dumped,
        };
        if exit.failed()
            && let Some((g, ts)) = self.procs[i].last_failure.take()
        {
            self.procs[i].fatal_ns = Some(ts);
            let gs = &mut self.groups[g];
            gs.group.ended_count += 1;
            if gs.ended.len() < MAX_ENDED_PER_GROUP {
                gs.ended.push(EndedState {
                    proc_index: i,
                    exit: exit.clone(),
                });
            }
        }
        self.procs[i].info.exit = Some(exit);
        // The pid may be reused by a later process.
        self.by_pid.remove(&p.pid);
    }

    fn add_call(&mut self, ev: &SyscallEvent) {
        self.see(ev.ts_ns.saturating_add(ev.duration_ns));
        self.summary.add_call(ev);
        let pi = self.proc_index(ev.pid, ev.ts_ns);
        if let Some(i) = pi {
            self.procs[i].info.calls += 1;
        }
        let Some(errno) = &ev.errno else {
            if let Some(i) = pi
                && self.procs[i].last_failure.is_some()
                && self.procs[i].last_failure_syscall == ev.syscall
            {
                self.procs[i].last_failure = None;
            }
            return;
        };
        let errno = errno.name();
        let expected = ev
            .class
            .as_ref()
            .is_some_and(|c| c.kind.is(FailureKind::Expected));
        self.count_errno(&errno, &ev.syscall.name(), expected);
        let site = sites::CallSite::of(ev);
        let g = self.group_for(ev, &errno, expected, site.as_ref());
        if let Some(site) = &site {
            self.sites.add(site, ev, &errno, expected);
        }
        let mut row = None;
        if let Some(i) = pi {
            let st = &mut self.procs[i];
            st.info.failures += 1;
            // A harmless failure does not end a process: the last consequential one
            // before the exit stays the one that did.
            if !expected {
                if let Some(g) = g {
                    st.last_failure = Some((g, ev.ts_ns));
                    st.last_failure_syscall.clone_from(&ev.syscall);
                } else {
                    st.last_failure = None;
                }
            }
            row = match st.timeline_row {
                Some(r) => r,
                None => {
                    let r = self.timeline.new_row(i);
                    self.procs[i].timeline_row = Some(r);
                    r
                }
            };
        }
        self.timeline.add(row, ev.ts_ns, &errno, expected);
    }

    fn count_errno(&mut self, errno: &str, syscall: &str, expected: bool) {
        let full = self.errnos.len() >= MAX_ERRNOS;
        let key = if full && !self.errnos.contains_key(errno) {
            "other"
        } else {
            errno
        };
        let e = self.errnos.entry(key.to_owned()).or_default();
        e.count += 1;
        e.expected += u64::from(expected);
        if !e.syscalls.iter().any(|s| s == syscall) && e.syscalls.len() < 32 {
            e.syscalls.push(syscall.to_owned());
        }
    }

    /// The group of a failing call, creating it; None past [`MAX_GROUPS`].
    fn group_for(
        &mut self,
        ev: &SyscallEvent,
        errno: &str,
        expected: bool,
        site: Option<&sites::CallSite>,
    ) -> Option<usize> {
        let (target_kind, target) = target_of(ev);
        let key = GroupKey {
            syscall: ev.syscall.name().into_owned(),
            errno: errno.to_owned(),
            target,
            expected,
        };
        let g = match self.group_index.get(&key) {
            Some(&g) => g,
            None => {
                if self.groups.len() >= MAX_GROUPS {
                    self.ungrouped += 1;
                    return None;
                }
                self.groups.push(GroupState {
                    group: FailureGroup {
                        syscall: key.syscall.clone(),
                        errno: key.errno.clone(),
                        target_kind,
                        target: key.target.clone(),
                        count: 0,
                        first_ns: ev.ts_ns,
                        last_ns: ev.ts_ns,
                        processes: Vec::new(),
                        more_processes: false,
                        ended: Vec::new(),
                        ended_count: 0,
                        explanation: None,
                        man: None,
                        cause: None,
                        class: ev.class.clone(),
                        recovered: 0,
                        call_sites: Vec::new(),
                        call_sites_more: 0,
                        example: ev.clone(),
                    },
                    pids: Vec::new(),
                    ended: Vec::new(),
                    probe_fds: Vec::new(),
                    more_probe_fds: false,
                });
                let g = self.groups.len() - 1;
                self.group_index.insert(key, g);
                g
            }
        };
        let gs = &mut self.groups[g];
        let grp = &mut gs.group;
        grp.count += 1;
        grp.first_ns = grp.first_ns.min(ev.ts_ns);
        grp.last_ns = grp.last_ns.max(ev.ts_ns);
        if grp.explanation.is_none() {
            grp.explanation.clone_from(&ev.explanation);
        }
        if grp.man.is_none() {
            grp.man.clone_from(&ev.man);
        }
        if let Some(c) = &ev.cause
            && grp.cause.as_ref().is_none_or(|old| c.rank() > old.rank())
        {
            grp.cause = Some(c.clone());
        }
        if grp.class.is_none() {
            grp.class.clone_from(&ev.class);
        }
        grp.recovered += u64::from(ev.class.as_ref().is_some_and(|c| c.recovered_by.is_some()));
        if let Some(site) = site {
            sites::count_in_group(&mut grp.call_sites, &mut grp.call_sites_more, site);
        }
        if grp.target_kind == TargetKind::Probe
            && let Some(fd) = ev.fd
            && !gs.probe_fds.contains(&fd)
        {
            if gs.probe_fds.len() < MAX_PROBE_FDS {
                gs.probe_fds.push(fd);
            } else {
                gs.more_probe_fds = true;
            }
        }
        if !gs.pids.contains(&ev.pid) {
            if gs.pids.len() < MAX_PIDS_PER_GROUP {
                gs.pids.push(ev.pid);
            } else {
                grp.more_processes = true;
            }
        }
        Some(g)
    }

    /// The finished report.
    pub fn finish(mut self) -> Report {
        let header = self.header.take();

        let procs = &self.procs;
        let proc_ref = |i: usize| ProcRef {
            pid: procs[i].info.pid,
            name: procs[i].info.name().map(str::to_owned),
        };
        let latest_by_pid =
            |pid: Pid| -> Option<usize> { procs.iter().rposition(|p| p.info.pid == pid) };
        let main_index = self.main_pid.and_then(|m| {
            procs
                .iter()
                .position(|p| p.info.pid == m && p.info.origin.is_some())
                .or_else(|| procs.iter().position(|p| p.info.pid == m))
        });

        let main_exit = main_index.and_then(|i| procs[i].info.exit.clone());

        let mut failures: Vec<FailureGroup> = Vec::with_capacity(self.groups.len());
        for gs in self.groups {
            let mut g = gs.group;
            g.processes = gs
                .pids
                .iter()
                .map(|&pid| match latest_by_pid(pid) {
                    Some(i) => proc_ref(i),
                    None => ProcRef { pid, name: None },
                })
                .collect();
            g.ended = gs
                .ended
                .into_iter()
                .map(|e| Ended {
                    process: proc_ref(e.proc_index),
                    exit: e.exit,
                    main: Some(e.proc_index) == main_index,
                })
                .collect();
            if g.target_kind == TargetKind::Probe {
                g.target = probe_label(&gs.probe_fds, gs.more_probe_fds);
            }
            sites::sort_group_sites(&mut g.call_sites);
            failures.push(g);
        }
        failures.sort_by(|a, b| {
            a.tier()
                .cmp(&b.tier())
                .then(b.count.cmp(&a.count))
                .then(a.first_ns.cmp(&b.first_ns))
                .then(a.syscall.cmp(&b.syscall))
                .then(a.errno.cmp(&b.errno))
                .then(a.target.cmp(&b.target))
        });

        let timeline = self.timeline.finish(self.end_ns, |i| {
            (
                proc_ref(i),
                procs[i].info.start_ns,
                procs[i].info.exit.clone(),
                procs[i].fatal_ns,
            )
        });
        let call_sites_omitted = self.sites.omitted;
        let call_sites = self.sites.finish();

        let mut errnos: Vec<ErrnoCount> = self
            .errnos
            .into_iter()
            .map(|(errno, e)| ErrnoCount {
                call_sites: sites::sites_with_errno(&call_sites, &errno),
                errno,
                count: e.count,
                syscalls: e.syscalls,
                expected: e.expected,
            })
            .collect();
        errnos.sort_by(|a, b| b.count.cmp(&a.count).then(a.errno.cmp(&b.errno)));

        let processes = tree_order(self.procs.into_iter().map(|p| p.info).collect());
        let h = header.unwrap_or_else(|| Header {
            format: String::new(),
            version: TRACE_FORMAT_VERSION,
            command: Vec::new(),
            attached: Vec::new(),
            start: String::new(),
            kernel: String::new(),
            sockwhy: String::new(),
        });
        Report {
            run: Run {
                command: h.command,
                attached: h.attached,
                start: h.start,
                duration_ns: self.end_ns,
                kernel: h.kernel,
                sockwhy: h.sockwhy,
                format_version: h.version,
                main_pid: self.main_pid,
                main_exit,
                ended: self.end,
            },
            processes,
            processes_omitted: self.procs_omitted,
            failures,
            failures_ungrouped: self.ungrouped,
            syscalls: self.summary.rows(),
            syscalls_total: self.summary.total(),
            errnos,
            timeline,
            call_sites,
            call_sites_omitted,
            warnings: Vec::new(),
            records: self.records,
        }
    }
}

/// Processes in tree order: each root (no known parent) in order of appearance, followed
/// by its descendants depth first. A parent is the latest process with that pid that
/// started before the child; cycles from a damaged file cannot loop.
fn tree_order(procs: Vec<Process>) -> Vec<Process> {
    let n = procs.len();
    let mut parent: Vec<Option<usize>> = vec![None; n];
    let mut latest: HashMap<Pid, usize> = HashMap::new();
    for (i, p) in procs.iter().enumerate() {
        parent[i] = p.ppid.and_then(|pp| latest.get(&pp).copied());
        latest.insert(p.pid, i);
    }
    let mut children: Vec<Vec<usize>> = vec![Vec::new(); n];
    let mut roots = Vec::new();
    for (i, par) in parent.iter().enumerate() {
        match *par {
            Some(pi) if pi != i => children[pi].push(i),
            _ => roots.push(i),
        }
    }
    let mut order = Vec::with_capacity(n);
    let mut depth = vec![0usize; n];
    let mut seen = vec![false; n];
    for r in roots {
        let mut stack = vec![(r, 0usize)];
        while let Some((i, d)) = stack.pop() {
            if seen[i] {
                continue;
            }
            seen[i] = true;
            depth[i] = d;
            order.push(i);
            for &c in children[i].iter().rev() {
                stack.push((c, d + 1));
            }
        }
    }
    let mut slots: Vec<Option<Process>> = procs.into_iter().map(Some).collect();
    order
        .into_iter()
        .filter_map(|i| {
            let mut p = slots[i].take()?;
            p.depth = depth[i];
            Some(p)
        })
        .collect()
}

/// Failing calls of one errno, as the builder counts them.
#[derive(Default)]
struct ErrnoAcc {
    count: u64,
    expected: u64,
    syscalls: Vec<String>,
}

/// `fds 0, 1, 2`, `fd 1`, `fds 0, 1, ... and more`.
fn probe_label(fds: &[Fd], more: bool) -> String {
    let list: Vec<String> = fds.iter().map(ToString::to_string).collect();
    let mut s = format!(
        "{} {}",
        if fds.len() == 1 && !more { "fd" } else { "fds" },
        list.join(", ")
    );
    if more {
        s.push_str(" and more");
    }
    s
}

/// What a failing call was aimed at: its address, else its socket, else its fd. A
/// getpeername or getsockname is a probe: which fd it asked about does not tell failures
/// apart (the fds are listed in the group instead).
fn target_of(ev: &SyscallEvent) -> (TargetKind, String) {
    if ev.syscall.is_any(&[Sysno::getpeername, Sysno::getsockname]) {
        return (TargetKind::Probe, String::new());
    }
    if let Some(a) = &ev.addr {
        return (TargetKind::Address, format::addr_label(a));
    }
    if let Some(a) = ev.msgs.iter().find_map(|m| m.name.as_ref()) {
        return (TargetKind::Address, format::addr_label(a));
    }
    let fd_sock: Option<&SockId> = match ev.fd {
        Some(fd) => ev.fds.iter().find(|s| s.fd == fd),
        None => ev.fds.first(),
    };
    if let Some(s) = fd_sock {
        return (TargetKind::Socket, socket_group_label(s));
    }
    match ev.fd {
        Some(fd) => (TargetKind::Fd, format!("fd {fd}")),
        None => (TargetKind::None, String::new()),
    }
}

/// A socket for grouping: by the path it or its peer is bound to when it has one (so
/// failures on many connections to one server group together), else by its inode.
fn socket_group_label(s: &SockId) -> String {
    use crate::render::escape::quote_unix_name;
    if !s.peer_path.is_unnamed() {
        format!("{} peer {}", s.proto, quote_unix_name(&s.peer_path))
    } else if !s.path.is_unnamed() {
        format!("{} {}", s.proto, quote_unix_name(&s.path))
    } else if s.inode != 0 {
        format!("{}:[{}]", s.proto, s.inode)
    } else {
        format!("{} fd {}", s.proto, s.fd)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn proc_ev(kind: ProcessEventKind, ts: u64, pid: Pid, ppid: Option<Pid>) -> Record {
        Record::Process(ProcessEvent {
            event: Some(kind.into()),
            ts_ns: ts,
            pid,
            tid: pid,
            ppid,
            ..ProcessEvent::default()
        })
    }

    fn exit(ts: u64, pid: Pid, code: i32) -> Record {
        Record::Process(ProcessEvent {
            event: Some(ProcessEventKind::Exit.into()),
            ts_ns: ts,
            pid,
            tid: pid,
            exit_code: Some(code),
            ..ProcessEvent::default()
        })
    }

    fn call(ts: u64, pid: Pid, name: &str, errno: Option<&str>, path: &str) -> Record {
        Record::Syscall(Box::new(SyscallEvent {
            ts_ns: ts,
            pid,
            tid: pid,
            syscall: name.into(),
            ret: if errno.is_some() { -1 } else { 0 },
            errno: errno.map(Into::into),
            addr: Some(crate::model::SockAddr::unix(
                crate::model::UnixName::Path(path.into()),
                20,
            )),
            ..SyscallEvent::default()
        }))
    }

    fn build(recs: &[Record]) -> Report {
        let mut b = ReportBuilder::new();
        for r in recs {
            b.add(r);
        }
        b.finish()
    }

    #[test]
    fn last_failure_before_a_nonzero_exit_ended_the_program() {
        let r = build(&[
            proc_ev(ProcessEventKind::Spawn, 0, 1, None),
            call(10, 1, "connect", Some("ENOENT"), "/a"),
            call(20, 1, "connect", Some("ENOENT"), "/a"),
            call(30, 1, "bind", Some("EADDRINUSE"), "/b"),
            exit(40, 1, 1),
        ]);
        assert_eq!(r.failures.len(), 2);
        // Fewer calls, but it ended the program: first.
        assert_eq!(r.failures[0].syscall, "bind");
        assert!(r.failures[0].ended_main());
        assert_eq!(r.failures[1].count, 2);
        assert_eq!(r.run.main_exit.as_ref().unwrap().code, Some(1));
    }

    #[test]
    fn a_later_success_of_the_same_call_is_a_recovery() {
        let r = build(&[
            proc_ev(ProcessEventKind::Spawn, 0, 1, None),
            call(10, 1, "connect", Some("ENOENT"), "/a"),
            call(20, 1, "connect", None, "/a"),
            exit(40, 1, 1),
        ]);
        assert_eq!(r.failures[0].ended_count, 0);
    }

    #[test]
    fn a_clean_exit_ends_nothing_and_children_rank_second() {
        let r = build(&[
            proc_ev(ProcessEventKind::Spawn, 0, 1, None),
            proc_ev(ProcessEventKind::Fork, 5, 2, Some(1)),
            call(10, 1, "connect", Some("ENOENT"), "/a"),
            call(11, 1, "connect", Some("ENOENT"), "/a"),
            call(12, 2, "bind", Some("EACCES"), "/b"),
            exit(20, 2, 3),
            exit(40, 1, 0),
        ]);
        assert_eq!(r.failures[0].syscall, "bind");
        assert!(!r.failures[0].ended_main());
        assert_eq!(r.failures[0].ended_count, 1);
        assert_eq!(r.failures[1].ended_count, 0);
        assert_eq!(r.processes[1].depth, 1);
        assert_eq!(r.processes[1].ppid, Some(1));
    }

    #[test]
    fn a_reused_pid_is_a_new_process() {
        let r = build(&[
            proc_ev(ProcessEventKind::Spawn, 0, 1, None),
            proc_ev(ProcessEventKind::Fork, 5, 2, Some(1)),
            exit(6, 2, 0),
            proc_ev(ProcessEventKind::Fork, 7, 2, Some(1)),
            exit(8, 2, 0),
        ]);
        assert_eq!(r.processes.len(), 3);
        assert!(r.processes.iter().all(|p| p.exit.is_some() || p.pid == 1));
    }

    #[test]
    fn memory_is_bounded_by_groups_not_calls() {
        let mut b = ReportBuilder::new();
        b.add(&proc_ev(ProcessEventKind::Spawn, 0, 1, None));
        for i in 0..(MAX_GROUPS as u64 + 500) {
            b.add(&call(
                i * 1_000_000,
                1,
                "connect",
                Some("ENOENT"),
                &format!("/p{i}"),
            ));
        }
        let r = b.finish();
        assert_eq!(r.failures.len(), MAX_GROUPS);
        assert_eq!(r.failures_ungrouped, 500);
        assert!(r.timeline.buckets <= TIMELINE_BUCKETS);
        assert_eq!(r.timeline.rows[0].failures, MAX_GROUPS as u64 + 500);
    }

    fn classed(rec: Record, kind: FailureKind) -> Record {
        let Record::Syscall(mut ev) = rec else {
            unreachable!()
        };
        ev.class = Some(FailureClass {
            kind: kind.into(),
            reason: "because".into(),
            recovered_by: None,
        });
        Record::Syscall(ev)
    }

    #[test]
    fn expected_failures_rank_last_and_end_nothing() {
        let r = build(&[
            proc_ev(ProcessEventKind::Spawn, 0, 1, None),
            call(10, 1, "connect", Some("ENOENT"), "/db"),
            // Many harmless ones, the last failures before the exit.
            classed(
                call(20, 1, "connect", Some("ENOENT"), "/nscd"),
                FailureKind::Expected,
            ),
            classed(
                call(21, 1, "connect", Some("ENOENT"), "/nscd"),
                FailureKind::Expected,
            ),
            classed(
                call(22, 1, "connect", Some("ENOENT"), "/nscd"),
                FailureKind::Expected,
            ),
            // The same target once expected, once not: two groups.
            call(30, 1, "bind", Some("EADDRINUSE"), "/b"),
            call(31, 1, "bind", Some("EADDRINUSE"), "/b"),
            classed(
                call(32, 1, "bind", Some("EADDRINUSE"), "/b"),
                FailureKind::Expected,
            ),
            exit(40, 1, 1),
        ]);
        let names: Vec<(&str, &str, bool)> = r
            .failures
            .iter()
            .map(|g| (g.syscall.as_str(), g.target.as_str(), g.is_expected()))
            .collect();
        assert_eq!(
            names,
            [
                ("bind", "\"/b\"", false),
                ("connect", "\"/db\"", false),
                ("connect", "\"/nscd\"", true),
                ("bind", "\"/b\"", true),
            ]
        );
        // The last consequential failure ended the program, not the nscd lookups after it.
        assert!(r.failures[0].ended_main());
        assert!(r.failures[2..].iter().all(|g| g.ended_count == 0));
        assert_eq!(r.errnos[0].expected, 3);
        let row = &r.timeline.rows[0];
        assert_eq!(row.expected.iter().sum::<u64>(), 4);
        assert_eq!(row.counts.iter().sum::<u64>(), 7);
        let series: Vec<(&str, u64, u64)> = r
            .timeline
            .by_errno
            .iter()
            .map(|s| (s.errno.as_str(), s.total, s.expected))
            .collect();
        assert_eq!(series, [("ENOENT", 4, 3), ("EADDRINUSE", 3, 1)]);
    }

    #[test]
    fn fd_probes_are_one_group_per_call_and_errno() {
        let probe = |ts, fd: i32, name: &str| {
            Record::Syscall(Box::new(SyscallEvent {
                ts_ns: ts,
                pid: 1,
                tid: 1,
                syscall: name.into(),
                ret: -1,
                errno: Some("ENOTSOCK".into()),
                fd: Some(fd),
                fds: vec![SockId::new(
                    fd,
                    crate::model::SockProto::Unix(crate::model::SockKind::Stream),
                    100 + fd as u64,
                )],
                ..SyscallEvent::default()
            }))
        };
        let r = build(&[
            proc_ev(ProcessEventKind::Spawn, 0, 1, None),
            probe(1, 0, "getpeername"),
            probe(2, 1, "getpeername"),
            probe(3, 2, "getpeername"),
            probe(4, 1, "getpeername"),
            probe(5, 1, "getsockname"),
        ]);
        assert_eq!(r.failures.len(), 2);
        assert_eq!(r.failures[0].target_kind, TargetKind::Probe);
        assert_eq!(r.failures[0].target, "fds 0, 1, 2");
        assert_eq!(r.failures[0].count, 4);
        assert_eq!(r.failures[1].target, "fd 1");
        let many: Vec<Record> = (0..40)
            .map(|fd| probe(fd as u64, fd, "getpeername"))
            .collect();
        let r = build(&many);
        assert!(
            r.failures[0].target.ends_with(", 15 and more"),
            "{}",
            r.failures[0].target
        );
    }

    #[test]
    fn timeline_widens_and_keeps_counts() {
        let mut recs = vec![proc_ev(ProcessEventKind::Spawn, 0, 1, None)];
        for i in 0..1000u64 {
            recs.push(call(i * 7_000_000, 1, "connect", Some("ENOENT"), "/a"));
        }
        let r = build(&recs);
        let t = &r.timeline;
        assert!(t.bucket_ns * t.buckets as u64 > 999 * 7_000_000);
        assert_eq!(t.rows[0].counts.iter().sum::<u64>(), 1000);
    }
}

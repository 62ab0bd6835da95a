//! The process tree, built from the trace's process events.

use super::text::clean;
use crate::model::{Pid, ProcessEvent, ProcessEventKind};
use std::collections::BTreeMap;

/// How a traced process is doing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum ProcState {
    /// Still traced.
    Alive,
    /// Ended with this exit code.
    Exited(i32),
    /// Killed by a signal.
    Killed { signal: String, core: bool },
    /// sockwhy let go of it; it runs on.
    Detached,
}

impl ProcState {
    /// For the tree and the status bar.
    pub fn describe(&self) -> String {
        match self {
            ProcState::Alive => "running".to_owned(),
            ProcState::Exited(c) => format!("exit {c}"),
            ProcState::Killed { signal, core } => {
                format!(
                    "killed by {signal}{}",
                    if *core { " (core dumped)" } else { "" }
                )
            }
            ProcState::Detached => "detached".to_owned(),
        }
    }
}

/// One process (thread group).
#[derive(Clone, Debug)]
pub(crate) struct Proc {
    /// Thread-group id.
    pub pid: Pid,
    /// Parent, when known.
    pub ppid: Option<Pid>,
    /// Short command name (terminal-safe).
    pub comm: Option<String>,
    /// Programs it ran, in order: `exe argv...` (terminal-safe).
    pub execs: Vec<String>,
    /// Threads seen besides the leader.
    pub threads: u32,
    /// Signals delivered.
    pub signals: u32,
    /// Events of kinds this sockwhy does not know (a newer trace), as read (terminal-safe).
    pub other_events: Vec<String>,
    /// Alive or how it ended.
    pub state: ProcState,
}

/// Distinct unknown event names kept per process.
const MAX_OTHER_EVENTS: usize = 8;

/// Every process of the trace.
#[derive(Default, Debug)]
pub(crate) struct ProcTable {
    procs: BTreeMap<Pid, Proc>,
    /// The first spawned or attached process: its exit is the tracee's exit status.
    pub root: Option<Pid>,
}

impl ProcTable {
    fn entry(&mut self, pid: Pid) -> &mut Proc {
        self.procs.entry(pid).or_insert_with(|| Proc {
            pid,
            ppid: None,
            comm: None,
            execs: Vec::new(),
            threads: 0,
            signals: 0,
            other_events: Vec::new(),
            state: ProcState::Alive,
        })
    }

    /// Fold one process event in.
    pub fn apply(&mut self, ev: &ProcessEvent) {
        let p = self.entry(ev.pid);
        if let Some(c) = &ev.comm {
            p.comm = Some(clean(c).into_owned());
        }
        match ev.kind() {
            Some(ProcessEventKind::Spawn | ProcessEventKind::Attach) => {
                p.ppid = ev.ppid.or(p.ppid);
                p.state = ProcState::Alive;
                if !ev.argv.is_empty() || ev.exe.is_some() {
                    p.execs.push(exec_text(ev));
                }
                if self.root.is_none() {
                    self.root = Some(ev.pid);
                }
            }
            Some(ProcessEventKind::Fork) => {
                p.ppid = ev.ppid.or(p.ppid);
                p.state = ProcState::Alive;
            }
            Some(ProcessEventKind::Clone) if ev.tid != ev.pid => p.threads += 1,
            Some(ProcessEventKind::Exec) => {
                p.execs.push(exec_text(ev));
                if ev.comm.is_none()
                    && let Some(exe) = &ev.exe
                {
                    let base = exe.rsplit('/').next().unwrap_or(exe);
                    p.comm = Some(clean(base).into_owned());
                }
            }
            Some(ProcessEventKind::Exit) => {
                // A thread other than the leader ending does not end the process.
                if ev.tid == ev.pid || ev.tid == 0 {
                    p.state = match (&ev.signal, ev.exit_code) {
                        (Some(sig), _) => ProcState::Killed {
                            signal: clean(sig).into_owned(),
                            core: ev.core_dumped,
                        },
                        (None, Some(c)) => ProcState::Exited(c),
                        (None, None) => ProcState::Exited(0),
                    };
                } else {
                    p.threads = p.threads.saturating_sub(1);
                }
            }
            Some(ProcessEventKind::Signal) => p.signals += 1,
            Some(ProcessEventKind::Detach) => p.state = ProcState::Detached,
            Some(ProcessEventKind::Clone) => {}
            None => {
                // A kind a later sockwhy wrote: listed as it is (a few names at most).
                if let Some(e) = &ev.event {
                    let name = clean(&e.name()).into_owned();
                    if p.other_events.len() < MAX_OTHER_EVENTS && !p.other_events.contains(&name) {
                        p.other_events.push(name);
                    }
                }
            }
        }
    }

    /// A process by pid.
    pub fn get(&self, pid: Pid) -> Option<&Proc> {
        self.procs.get(&pid)
    }

    /// Processes still traced.
    pub fn alive(&self) -> usize {
        self.procs
            .values()
            .filter(|p| p.state == ProcState::Alive)
            .count()
    }

    /// Number of processes.
    pub fn len(&self) -> usize {
        self.procs.len()
    }

    /// The tracee's exit status: how the root process ended, if it has.
    pub fn root_state(&self) -> Option<&ProcState> {
        self.root.and_then(|r| self.procs.get(&r)).map(|p| &p.state)
    }

    /// Depth-first order of the tree: (depth, pid); children by pid.
    pub fn tree(&self) -> Vec<(usize, Pid)> {
        let mut children: BTreeMap<Pid, Vec<Pid>> = BTreeMap::new();
        let mut roots = Vec::new();
        for p in self.procs.values() {
            match p
                .ppid
                .filter(|pp| self.procs.contains_key(pp) && *pp != p.pid)
            {
                Some(pp) => children.entry(pp).or_default().push(p.pid),
                None => roots.push(p.pid),
            }
        }
        let mut out = Vec::with_capacity(self.procs.len());
        let mut stack: Vec<(usize, Pid)> = roots.iter().rev().map(|&r| (0, r)).collect();
        while let Some((d, pid)) = stack.pop() {
            if out.len() > self.procs.len() {
                break; // a parent cycle in a corrupt trace
            }
            out.push((d, pid));
            if let Some(kids) = children.get(&pid) {
                stack.extend(kids.iter().rev().map(|&k| (d + 1, k)));
            }
        }
        out
    }
}

fn exec_text(ev: &ProcessEvent) -> String {
    let mut s = String::new();
    if let Some(exe) = &ev.exe {
        s.push_str(&clean(exe));
    }
    for (i, a) in ev.argv.iter().enumerate() {
        // argv[0] usually repeats the program; keep it only when there is no exe.
        if i == 0 && ev.exe.is_some() {
            continue;
        }
        if !s.is_empty() {
            s.push(' ');
        }
        s.push_str(&clean(a));
    }
    s
}

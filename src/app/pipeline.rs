//! One pipeline for every front end: the tracer's messages in; each call rendered (when
//! some sink shows its text), diagnosed and remembered, each failure classified
//! (`hold.rs`: a failure decided by what comes next waits, with what follows it); every
//! record out to the sinks in order; at the end the closing record, so a saved trace
//! says how the run ended.
//!
//! An output that fails (a closed pipe, a full disk) is dropped, and the trace is stopped
//! (the caller says how); the other sinks go on to the end, so the saved trace still gets
//! the exit records of the processes and its closing record.

use super::hold::{Hold, Out};
use crate::diagnose::{self, History};
use crate::model::escape::StrStyle;
use crate::model::{EndReason, Facts, Header, Record, StackEnd, TraceEnd};
use crate::render::call::render_call;
use crate::sink::Sink;
use crate::stack::Symbolizer;
use crate::tracer::{Finish, TraceMsg};
use anyhow::anyhow;
use std::sync::mpsc::{Receiver, RecvTimeoutError, TryRecvError};
use std::time::Instant;

/// A sink and whether it still works.
struct Output {
    sink: Box<dyn Sink + Send>,
    failed: bool,
}

/// The sinks of a trace and the diagnosis state.
pub struct Pipeline {
    outputs: Vec<Output>,
    history: History,
    /// How the strings of a call's text are written (-x, -xx).
    style: StrStyle,
    /// Names the stacks the tracer captured (-k), after the tracee has been resumed.
    symbolizer: Symbolizer,
    hold: Hold,
    /// The first output error.
    error: Option<anyhow::Error>,
}

/// How the tracer's part of a run went.
#[derive(Debug, Default)]
pub struct Ran {
    /// What the tracer said at the end.
    pub finish: Finish,
    /// An output failed during the trace, and the trace was stopped for it.
    pub output_failed: bool,
}

impl Ran {
    /// The closing record: `interrupted` when the front end asked the tracer to stop (a
    /// signal to sockwhy that ended the programs counts too).
    pub fn end(&self, interrupted: bool) -> TraceEnd {
        let how = if self.output_failed {
            EndReason::OutputClosed
        } else if interrupted || self.finish.interrupted {
            EndReason::Interrupted
        } else if self.finish.exit_code.is_none() {
            EndReason::Detached
        } else {
            EndReason::Exited
        };
        TraceEnd {
            how: how.into(),
            exit_code: self.finish.exit_code,
        }
    }
}

impl Pipeline {
    /// A pipeline over `sinks`, written to in that order.
    pub fn new(sinks: Vec<Box<dyn Sink + Send>>) -> Pipeline {
        Pipeline {
            outputs: sinks
                .into_iter()
                .map(|sink| Output {
                    sink,
                    failed: false,
                })
                .collect(),
            history: History::default(),
            style: StrStyle::default(),
            symbolizer: Symbolizer::new(),
            hold: Hold::default(),
            error: None,
        }
    }

    /// Write the strings of a call's text in `style` (strace's -x and -xx).
    pub fn with_style(mut self, style: StrStyle) -> Pipeline {
        self.style = style;
        self
    }

    /// The header, first of all records.
    pub fn start(&mut self, header: Header) {
        self.fan_out(&Record::Header(header));
    }

    /// Read the tracer's messages until it finishes. When an output fails, `stop` is
    /// called (once) to end the trace; the messages are still read to the end.
    pub fn run(&mut self, rx: &Receiver<TraceMsg>, mut stop: impl FnMut()) -> Ran {
        let mut output_failed = false;
        let mut out = Vec::new();
        let finish = loop {
            let msg = match rx.try_recv() {
                Ok(m) => Some(m),
                Err(TryRecvError::Disconnected) => break Finish::default(),
                Err(TryRecvError::Empty) => {
                    // Caught up with the tracer: what the sinks buffered goes out now.
                    if !self.each(|s| s.flush()) && !output_failed {
                        output_failed = true;
                        stop();
                    }
                    // A held failure waits for later records, but not forever in real
                    // time.
                    match self.hold.deadline() {
                        Some(d) => {
                            match rx.recv_timeout(d.saturating_duration_since(Instant::now())) {
                                Ok(m) => Some(m),
                                Err(RecvTimeoutError::Timeout) => {
                                    self.hold.tick(Instant::now(), &mut out);
                                    None
                                }
                                Err(RecvTimeoutError::Disconnected) => break Finish::default(),
                            }
                        }
                        None => match rx.recv() {
                            Ok(m) => Some(m),
                            // The tracer went away without saying how the trace ended.
                            Err(_) => break Finish::default(),
                        },
                    }
                }
            };
            match msg {
                Some(TraceMsg::Finished(finish)) => break finish,
                Some(TraceMsg::Warning(w)) => self.hold.push_warning(w, &mut out),
                Some(TraceMsg::Process(pe)) => {
                    // Exits close sockets: the rules can then say who closed a peer.
                    self.history.record_process(&pe);
                    self.hold
                        .push(Record::Process(pe), &Facts::default(), &mut out);
                }
                Some(TraceMsg::Syscall {
                    event: mut ev,
                    args,
                    mut facts,
                }) => {
                    if let Some(raw) = facts.stack.take() {
                        ev.stack = self.symbolizer.symbolize(&raw);
                        ev.stack_end = (raw.end != StackEnd::Complete).then_some(raw.end);
                    }
                    // The rules quote the arguments, so a failure always gets its text.
                    if ev.failed()
                        || self
                            .outputs
                            .iter()
                            .any(|o| !o.failed && o.sink.wants_text(&ev))
                    {
                        render_call(&mut ev, &args, self.style);
                    }
                    diagnose::diagnose(&mut ev, &facts, &self.history);
                    self.history.record(&ev);
                    self.hold.push(Record::Syscall(ev), &facts, &mut out);
                }
                None => {}
            }
            if !self.emit(&mut out) && !output_failed {
                output_failed = true;
                stop();
            }
        };
        self.hold.finish(&mut out);
        if !self.emit(&mut out) && !output_failed {
            output_failed = true;
            stop();
        }
        Ran {
            finish,
            output_failed,
        }
    }

    /// Send what the classification step released to the sinks, in order; false when a
    /// sink failed now.
    fn emit(&mut self, out: &mut Vec<Out>) -> bool {
        let mut ok = true;
        for o in out.drain(..) {
            ok &= match o {
                Out::Record(r) => self.fan_out(&r),
                Out::Warning(w) => self.each(|s| s.warning(&w)),
            };
        }
        ok
    }

    /// The closing record to every sink that still works; then the first output error,
    /// if any.
    pub fn finish(mut self, end: &TraceEnd) -> anyhow::Result<()> {
        self.each(|s| s.finish(end));
        match self.error.take() {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }

    /// Write a record to every sink that still works; false when one failed now.
    fn fan_out(&mut self, rec: &Record) -> bool {
        self.each(|s| s.write(rec))
    }

    /// Do `f` to every sink that still works; a sink that fails is not used again, and
    /// the first failure is kept. False when one failed now.
    fn each(&mut self, mut f: impl FnMut(&mut dyn Sink) -> std::io::Result<()>) -> bool {
        let mut ok = true;
        for o in self.outputs.iter_mut().filter(|o| !o.failed) {
            if let Err(e) = f(o.sink.as_mut()) {
                o.failed = true;
                ok = false;
                if self.error.is_none() {
                    self.error =
                        Some(anyhow!(e).context(format!("cannot write {}", o.sink.what())));
                }
            }
        }
        ok
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{ProcessEvent, ProcessEventKind, SyscallEvent};
    use crate::sink::jsonl::write::JsonlWriter;
    use crate::sink::text::TextSink;
    use std::io::{self, Write};
    use std::sync::{Arc, Mutex, mpsc};

    /// A writer that takes `room` bytes, then fails as a closed pipe does.
    struct Pipe {
        room: usize,
    }

    impl Write for Pipe {
        fn write(&mut self, b: &[u8]) -> io::Result<usize> {
            if self.room < b.len() {
                return Err(io::ErrorKind::BrokenPipe.into());
            }
            self.room -= b.len();
            Ok(b.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[derive(Clone, Default)]
    struct Shared(Arc<Mutex<Vec<u8>>>);

    impl Write for Shared {
        fn write(&mut self, b: &[u8]) -> io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    fn call(seq: u64) -> TraceMsg {
        TraceMsg::Syscall {
            event: Box::new(SyscallEvent {
                seq,
                pid: 5,
                tid: 5,
                syscall: syscalls::Sysno::close.into(),
                ..Default::default()
            }),
            args: Box::default(),
            facts: Box::default(),
        }
    }

    #[test]
    fn a_closed_text_output_stops_the_trace_and_the_saved_trace_ends_properly() {
        let saved = Shared::default();
        let mut pipe = Pipeline::new(vec![
            Box::new(TextSink::new(Pipe { room: 40 }, false, false)),
            Box::new(JsonlWriter::new(saved.clone())),
        ]);
        pipe.start(Header {
            format: crate::model::TRACE_FORMAT_NAME.into(),
            version: crate::model::TRACE_FORMAT_VERSION,
            command: vec![],
            attached: vec![],
            start: String::new(),
            kernel: String::new(),
            sockwhy: String::new(),
        });
        let (tx, rx) = mpsc::channel();
        for seq in 1..=5 {
            tx.send(call(seq)).unwrap();
        }
        tx.send(TraceMsg::Process(ProcessEvent {
            event: Some(ProcessEventKind::Exit.into()),
            pid: 5,
            tid: 5,
            signal: Some("SIGKILL".into()),
            ..Default::default()
        }))
        .unwrap();
        tx.send(TraceMsg::Finished(Finish {
            exit_code: Some(137),
            ..Default::default()
        }))
        .unwrap();
        let mut stops = 0;
        let ran = pipe.run(&rx, || stops += 1);
        assert_eq!(stops, 1, "one request to stop");
        assert!(ran.output_failed);
        let end = ran.end(false);
        assert_eq!(end.how, EndReason::OutputClosed);
        let err = pipe.finish(&end).unwrap_err();
        assert!(crate::app::is_broken_pipe(&err), "{err:#}");
        let text = String::from_utf8(saved.0.lock().unwrap().clone()).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 1 + 5 + 1 + 1, "{text}");
        assert!(lines[6].contains("\"event\":\"exit\""), "{text}");
        assert_eq!(
            lines[7],
            r#"{"type":"end","how":"output-closed","exit_code":137}"#
        );
    }
}

//! `--tui`: the tracer thread, a pipeline thread (the same pipeline as a text trace, with
//! the TUI's feed as a sink), and the TUI on this thread, joined by channels. The feed to
//! the TUI is unbounded on purpose: if the UI falls behind, events wait in memory rather
//! than being dropped or stalling the tracee beyond the tracer's own bounded channel.
//!
//! What a text trace prints at the end (`-c`, `--stats`) is printed once the terminal is
//! given back, and an output error (`--save` on a full disk) is shown in the TUI when it
//! happens and reported again on exit.

use super::cli::TraceOpts;
use super::pipeline::Pipeline;
use super::trace::{make_header, start, stats_lines, stop_control, write_lines};
use crate::sink::Sink;
use crate::sink::jsonl::write::JsonlWriter;
use crate::sink::summary::SummarySink;
use crate::tracer::{self, Control, TraceConfig};
use crate::tui::{FeedSink, Live, LiveControl};
use anyhow::{Context, Result, anyhow};
use std::io::Write;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, mpsc};

/// Bytes written by the pipeline thread, printed by this one once the TUI is gone.
#[derive(Clone, Default)]
struct Later(Arc<Mutex<Vec<u8>>>);

impl Write for Later {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        let mut v = self
            .0
            .lock()
            .map_err(|_| std::io::Error::other("poisoned"))?;
        v.extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The trace the TUI reads details back from: the `--save` file, or a private one in the
/// temp directory (or here, when that cannot be made).
fn backing_trace(opts: &TraceOpts) -> Result<(Trace, std::fs::File)> {
    let w = match &opts.save {
        Some(p) => JsonlWriter::create(p)?,
        None => JsonlWriter::spool(&std::env::temp_dir())
            .or_else(|_| JsonlWriter::spool(Path::new(".")))
            .context("cannot create the TUI's copy of the trace (in the temp directory or here)")?,
    };
    let r = w.reader().context("cannot read the trace back")?;
    Ok((w, r))
}

/// The trace file the pipeline writes for the TUI.
type Trace = JsonlWriter<std::io::BufWriter<crate::sink::outfile::OutFile>>;

/// Trace with the live TUI.
pub fn run_live_tui(opts: &TraceOpts, cfg: TraceConfig) -> Result<i32> {
    let command = match &cfg.target {
        tracer::Target::Spawn { argv, .. } => argv.clone(),
        tracer::Target::Attach(_) => Vec::new(),
    };
    // Files first: a path that cannot be written must not cost the program a start.
    let (trace, backing) = backing_trace(opts)?;
    let mut handle = start(cfg)?;
    let (feed_tx, feed_rx) = mpsc::channel();
    let tables = Later::default();
    let mut sinks: Vec<Box<dyn Sink + Send>> =
        vec![Box::new(FeedSink::new(feed_tx, trace, opts.save.is_some()))];
    if opts.summary || opts.summary_and_trace {
        sinks.push(Box::new(SummarySink::new(tables.clone())));
    }
    let stop = stop_control(handle.attached);
    let pipe_controller = handle.controller();
    let ui_controller = handle.controller();
    let mut pipe =
        Pipeline::new(sinks).with_style(crate::model::escape::StrStyle::from_count(opts.hex));
    pipe.start(make_header(opts, &command));
    // The user quit (or the TUI failed) with the program still traced.
    let interrupted = Arc::new(AtomicBool::new(false));
    let rx = std::mem::replace(&mut handle.rx, mpsc::sync_channel(1).1);
    let seen = Arc::clone(&interrupted);
    let pipeline = std::thread::Builder::new()
        .name("pipeline".into())
        .spawn(move || {
            let ran = pipe.run(&rx, || pipe_controller.request(stop));
            let result = pipe.finish(&ran.end(seen.load(Ordering::SeqCst)));
            (ran, result)
        })
        .context("cannot start the pipeline thread")?;
    let pty = handle.pty_master.take();
    let resize_handle = pty.as_ref().and_then(|p| p.try_clone().ok());
    let attached = handle.attached;
    let asked = Arc::clone(&interrupted);
    let live = Live {
        feed: feed_rx,
        pty,
        control: Box::new(move |c| {
            asked.store(true, Ordering::SeqCst);
            ui_controller.request(match c {
                LiveControl::Detach => Control::Detach,
                LiveControl::Kill => Control::Kill,
            })
        }),
        resize_pty: Box::new(move |rows, cols| {
            if let Some(p) = &resize_handle {
                tracer::resize_pty(p, rows, cols);
            }
        }),
        attached,
        save_path: opts
            .save
            .clone()
            .unwrap_or_else(|| "sockwhy-trace.jsonl".into()),
        backing: Some(backing),
    };
    // The TUI's own handler takes SIGTERM/SIGHUP on this thread, so the terminal is
    // restored first; it then asks the tracer to detach or kill.
    tracer::unblock_termination_signals();
    let ui = crate::tui::run_live(live);
    if !pipeline.is_finished() {
        // The UI ended (quit, or an error) with the trace still running: never leave
        // the tracee stopped. Attached processes are detached, a spawned one ended.
        interrupted.store(true, Ordering::SeqCst);
        handle.request(stop);
    }
    let (ran, result) = pipeline
        .join()
        .map_err(|_| anyhow!("the pipeline thread panicked"))?;
    handle.join();
    ui.context("the TUI failed")?;
    // The terminal is ours again: what a text trace prints at its end.
    let mut err = std::io::stderr();
    let table = std::mem::take(&mut *tables.0.lock().map_err(|_| anyhow!("poisoned"))?);
    err.write_all(&table)?;
    if opts.stats {
        write_lines(&mut err, &stats_lines(&ran.finish))?;
    }
    result?;
    Ok(ran.finish.exit_code.unwrap_or(0))
}

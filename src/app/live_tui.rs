//! `--tui`: the tracer thread, a pipeline thread (diagnose, save), and the TUI on this
//! thread, joined by channels. The feed to the TUI is unbounded on purpose: if the UI
//! falls behind, events wait in memory rather than being dropped or stalling the tracee
//! beyond the tracer's own bounded channel.

use super::cli::TraceOpts;
use super::trace::{Pipeline, make_header, start};
use crate::model::Record;
use crate::tracer::{self, Control, TraceConfig, TraceMsg};
use crate::tui::{Feed, Live, LiveControl};
use anyhow::{Context, Result};
use std::sync::mpsc;

/// Trace with the live TUI.
pub fn run_live_tui(opts: &TraceOpts, cfg: TraceConfig) -> Result<i32> {
    let command = match &cfg.target {
        tracer::Target::Spawn { argv, .. } => argv.clone(),
        tracer::Target::Attach(_) => Vec::new(),
    };
    let mut handle = start(cfg)?;
    let header = make_header(opts, &command);
    let mut pipe = Pipeline::new(opts, &header, Box::new(std::io::sink()), false)?.without_text();
    let (feed_tx, feed_rx) = mpsc::channel();
    let _ = feed_tx.send(Feed::Record(Box::new(Record::Header(header))));
    let rx = std::mem::replace(&mut handle.rx, mpsc::sync_channel(1).1);
    let pipeline = std::thread::Builder::new()
        .name("pipeline".into())
        .spawn(move || {
            let mut code = None;
            for msg in rx.iter() {
                match msg {
                    TraceMsg::Finished(f) => {
                        code = f.exit_code;
                        let _ = feed_tx.send(Feed::Finished(f.exit_code));
                        break;
                    }
                    TraceMsg::Warning(w) => {
                        let _ = feed_tx.send(Feed::Warning(w));
                    }
                    m => {
                        if let Some(rec) = pipe.process(m) {
                            let _ = pipe.write(&rec);
                            let _ = feed_tx.send(Feed::Record(Box::new(rec)));
                        }
                    }
                }
            }
            code
        })
        .context("cannot start the pipeline thread")?;
    let pty = handle.pty_master.take();
    let resize_handle = pty.as_ref().and_then(|p| p.try_clone().ok());
    let attached = handle.attached;
    let ui_controller = handle.controller();
    let live = Live {
        feed: feed_rx,
        pty,
        control: Box::new(move |c| {
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
    };
    // The TUI's own handler takes SIGTERM/SIGHUP on this thread, so the terminal is
    // restored first; it then asks the tracer to detach or kill.
    tracer::unblock_termination_signals();
    let ui = crate::tui::run_live(live);
    if !pipeline.is_finished() {
        // The UI ended (quit, or an error) with the trace still running: never leave
        // the tracee stopped. Attached processes are detached, a spawned one ended.
        handle.request(if attached {
            Control::Detach
        } else {
            Control::Kill
        });
    }
    let code = pipeline.join().unwrap_or(None);
    handle.join();
    ui.context("the TUI failed")?;
    Ok(code.unwrap_or(0))
}

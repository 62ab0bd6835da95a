//! The machine-readable report: the whole [`Report`] as one JSON document.
//!
//! Strings are as the trace holds them (JSON escaping keeps them lossless); times are
//! nanoseconds since the start of the trace. `format`/`version` name this layout.

use super::Report;
use serde::Serialize;
use std::io::{self, Write};

/// `format` of the JSON report.
pub const REPORT_FORMAT_NAME: &str = "sockwhy-report";
/// Version of the JSON report layout.
pub const REPORT_FORMAT_VERSION: u32 = 1;

#[derive(Serialize)]
struct Doc<'a> {
    format: &'static str,
    version: u32,
    #[serde(flatten)]
    report: &'a Report,
}

/// Write `r` as pretty-printed JSON, with a trailing newline.
pub fn write_json(r: &Report, out: &mut dyn Write) -> io::Result<()> {
    let doc = Doc {
        format: REPORT_FORMAT_NAME,
        version: REPORT_FORMAT_VERSION,
        report: r,
    };
    serde_json::to_writer_pretty(&mut *out, &doc).map_err(io::Error::from)?;
    writeln!(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Header, ProcessEvent, ProcessEventKind, Record, SyscallEvent};
    use crate::sink::report::ReportBuilder;

    #[test]
    fn json_report_is_lossless_and_tagged() {
        let mut b = ReportBuilder::new();
        b.add(&Record::Header(Header {
            format: "sockwhy-trace".into(),
            version: 1,
            command: vec!["x".into()],
            attached: vec![],
            start: "2026-01-01T00:00:00Z".into(),
            kernel: "Linux".into(),
            sockwhy: "0.1.0".into(),
        }));
        b.add(&Record::Process(ProcessEvent {
            event: Some(ProcessEventKind::Spawn.into()),
            pid: 5,
            tid: 5,
            ..ProcessEvent::default()
        }));
        b.add(&Record::Syscall(Box::new(SyscallEvent {
            seq: 1,
            ts_ns: 10,
            pid: 5,
            tid: 5,
            syscall: "connect".into(),
            ret: -1,
            errno: Some("ENOENT".into()),
            explanation: Some("a\u{1b}<b>".into()),
            ..SyscallEvent::default()
        })));
        b.add(&Record::Process(ProcessEvent {
            event: Some(ProcessEventKind::Exit.into()),
            ts_ns: 20,
            pid: 5,
            tid: 5,
            exit_code: Some(2),
            ..ProcessEvent::default()
        }));
        let mut out = Vec::new();
        write_json(&b.finish(), &mut out).unwrap();
        let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(v["format"], "sockwhy-report");
        assert_eq!(v["version"], 1);
        assert_eq!(v["failures"][0]["errno"], "ENOENT");
        assert_eq!(v["failures"][0]["ended"][0]["main"], true);
        assert_eq!(v["failures"][0]["explanation"], "a\u{1b}<b>");
        assert_eq!(v["run"]["main_exit"]["code"], 2);
        assert_eq!(v["syscalls_total"]["errors"], 1);
    }

    #[test]
    fn json_report_has_classes_fixes_call_sites_and_series() {
        let text = include_str!("../../../tests/fixtures/noisy-client.jsonl");
        let r = Report::from_reader(text.as_bytes()).unwrap();
        let mut out = Vec::new();
        write_json(&r, &mut out).unwrap();
        let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
        let f = &v["failures"];
        assert_eq!(f[0]["class"]["kind"], "consequential");
        assert_eq!(f[0]["cause"]["rule"], "connect.no-socket-file");
        assert!(
            f[0]["cause"]["fix"]
                .as_str()
                .unwrap()
                .starts_with("Start the database")
        );
        assert_eq!(f[0]["call_sites"][0]["site"]["function"], "connect_db");
        assert_eq!(f[0]["call_sites"][0]["site"]["line"], 42);
        assert_eq!(f[0]["call_sites"][0]["count"], 3);
        let last = &f[f.as_array().unwrap().len() - 1];
        assert_eq!(last["class"]["kind"], "expected");
        assert_eq!(last["class"]["recovered_by"], 15);
        assert_eq!(last["recovered"], 1);
        let probe = f
            .as_array()
            .unwrap()
            .iter()
            .find(|g| g["syscall"] == "getpeername")
            .unwrap();
        assert_eq!(probe["target_kind"], "probe");
        assert_eq!(probe["target"], "fds 0, 1, 2");
        assert_eq!(probe["count"], 3);
        assert_eq!(v["call_sites"].as_array().unwrap().len(), 4);
        assert_eq!(v["call_sites"][0]["failures"][0]["errno"], "ENOENT");
        assert_eq!(v["errnos"][0]["errno"], "ENOENT");
        assert_eq!(v["errnos"][0]["call_sites"], 2);
        assert_eq!(v["errnos"][0]["expected"], 2);
        let series = &v["timeline"]["by_errno"];
        assert_eq!(series[0]["errno"], "ENOENT");
        assert_eq!(series[0]["total"], 6);
        let buckets = v["timeline"]["buckets"].as_u64().unwrap() as usize;
        assert_eq!(series[0]["counts"].as_array().unwrap().len(), buckets);
        assert_eq!(
            v["timeline"]["rows"][0]["expected"]
                .as_array()
                .unwrap()
                .len(),
            buckets
        );
    }
}

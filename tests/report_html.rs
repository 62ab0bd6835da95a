//! The HTML report opened in headless Chromium: what rendered (the failure groups, the
//! SVG timeline), and that hostile values from the trace stay text (no script element
//! appears, the title is not changed). Ignored where Chromium is missing (see build.rs;
//! under CI=true they run and fail without it). SOCKWHY_CHROMIUM names the browser binary.

mod common;

use sockwhy::sink::report::Report;
use std::fs;
use std::io::BufReader;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn find_chromium() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("SOCKWHY_CHROMIUM") {
        return Some(PathBuf::from(p));
    }
    let path = std::env::var_os("PATH")?;
    for dir in std::env::split_paths(&path) {
        for name in ["chromium", "chromium-browser", "google-chrome"] {
            let p = dir.join(name);
            if p.is_file() {
                return Some(p);
            }
        }
    }
    None
}

/// Render `fixture` to HTML with the real binary and return the DOM Chromium built.
fn dump_dom(fixture: &str) -> String {
    let chromium = find_chromium().unwrap_or_else(|| {
        panic!("chromium not found in PATH (apt-get install -y chromium, or set SOCKWHY_CHROMIUM)")
    });
    let tmp = common::tempdir(&format!("report_html_{fixture}"));
    fs::create_dir_all(tmp.join("profile")).unwrap();
    let html = tmp.join("report.html");
    let trace = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(fixture);
    let st = Command::new(env!("CARGO_BIN_EXE_sockwhy"))
        .args(["report", "--format", "html", "-o"])
        .arg(&html)
        .arg(&trace)
        .status()
        .unwrap();
    assert!(st.success());

    let dom = tmp.join("dom.html");
    let mut child = Command::new(&chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ])
        .arg(format!("--user-data-dir={}", tmp.join("profile").display()))
        .arg("--dump-dom")
        .arg(format!("file://{}", html.display()))
        .stdin(Stdio::null())
        .stdout(fs::File::create(&dom).unwrap())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {}: {e}", chromium.display()));
    let deadline = Instant::now() + Duration::from_secs(120);
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("chromium did not finish within 120 s");
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    assert!(status.success(), "chromium failed: {status}");
    let dom = fs::read_to_string(&dom).unwrap();
    assert!(dom.contains("</html>"), "no DOM dumped: {dom:.200}");
    dom
}

/// A text value as Chromium serialises a text node in the dumped DOM: `&`, `<`, `>`
/// escaped, quotes as they are (the value itself went through `format::safe`, a no-op
/// for the printable ASCII of our fixtures).
fn dom_text(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

fn count(hay: &str, needle: &str) -> usize {
    hay.matches(needle).count()
}

/// The report the library builds for `fixture`, to say what the page must show.
fn report_of(fixture: &str) -> Report {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(fixture);
    Report::from_reader(BufReader::new(fs::File::open(p).unwrap())).unwrap()
}

#[test]
#[cfg_attr(not(has_chromium), ignore = "chromium is not installed")]
fn demo_report_renders_groups_and_timeline() {
    check_rendered("demo.jsonl");
}

#[test]
#[cfg_attr(not(has_chromium), ignore = "chromium is not installed")]
fn recorded_demo_report_renders_groups_and_timeline() {
    check_rendered("recorded-daemon.jsonl");
}

fn check_rendered(fixture: &str) {
    let dom = dump_dom(fixture);
    // What must be there follows from the fixture, so a re-recorded demo trace still passes.
    let r = report_of(fixture);
    assert!(!r.failures.is_empty(), "the demo fixture has failures");
    assert_eq!(
        count(&dom, "<article class=\"failure"),
        r.failures.len(),
        "one article per failure group"
    );
    for (n, g) in r.failures.iter().enumerate() {
        let fatal = if g.ended_count > 0 { " fatal" } else { "" };
        let expected = if g.is_expected() { " expected" } else { "" };
        assert!(
            dom.contains(&format!(
                "<article class=\"failure{fatal}{expected}\" id=\"f{}\">",
                n + 1
            )),
            "group {} rendered",
            n + 1
        );
        assert!(dom.contains(&format!(
            "<span class=\"errno\">{}</span>",
            dom_text(&g.errno)
        )));
        if let Some(c) = &g.cause {
            assert!(
                dom.contains(&dom_text(&c.summary)),
                "cause of group {} shown",
                n + 1
            );
        }
    }
    if r.failures[0].ended_main() {
        assert!(dom.contains("ended the program"));
    }
    assert!(
        dom.contains("<svg class=\"timeline\""),
        "inline SVG timeline"
    );
    assert_eq!(
        count(&dom, "<g class=\"row\">"),
        r.timeline.rows.len(),
        "one timeline row per process with failures"
    );
    let fatal_rows = r
        .timeline
        .rows
        .iter()
        .filter(|t| t.fatal_ns.is_some())
        .count();
    // Bars have a position; the legend's sample marks do not.
    assert_eq!(count(&dom, "<rect class=\"fatal\" x="), fatal_rows);
    assert!(count(&dom, "<rect class=\"f") >= 1);
    assert!(dom.contains("<title>sockwhy report: "));
    check_charts(&dom, &r);
    assert!(!dom.contains("<script"));
    assert_eq!(
        count(&dom, "http://"),
        count(&dom, "xmlns=\"http://www.w3.org/2000/svg\""),
        "nothing is loaded from anywhere"
    );
}

/// The timeline's legend and human ticks, and the chart per errno beside it.
fn check_charts(dom: &str, r: &Report) {
    // Both charts have a legend: five marks for the timeline, one per errno series.
    assert_eq!(count(dom, "<g class=\"legend\">"), 2, "two legends");
    assert_eq!(
        count(dom, "<g class=\"key\""),
        5 + r.timeline.by_errno.len(),
        "legend entries"
    );
    for mark in [
        "failure",
        "expected failure",
        "last failure before the process exited",
    ] {
        assert!(
            dom.contains(&format!("<text x=\"16\">{mark}</text>")),
            "{mark}"
        );
    }
    // Ticks read as times for people: 0, then a number and a unit, never +0.144000s.
    let ticks: Vec<&str> = dom
        .split("<text class=\"tick\"")
        .skip(1)
        .filter_map(|t| {
            t.split_once('>')
                .and_then(|(_, rest)| rest.split_once("</text>"))
        })
        .map(|(label, _)| label)
        .collect();
    assert!(ticks.len() >= 4, "ticks on both charts: {ticks:?}");
    assert_eq!(ticks[0], "0");
    for t in &ticks[1..] {
        if *t == "0" {
            continue; // the errno chart's axis starts again
        }
        let (num, unit) = t.split_once(' ').unwrap_or_else(|| panic!("tick {t:?}"));
        assert!(num.parse::<f64>().is_ok(), "tick {t:?}");
        assert!(["us", "ms", "s"].contains(&unit), "tick {t:?}");
    }
    // The chart per errno: one series per errno, in a figure beside the timeline.
    assert!(dom.contains("<div class=\"charts\">"));
    assert!(dom.contains("<svg class=\"errno-chart\""));
    assert_eq!(count(dom, "<g class=\"series\""), r.timeline.by_errno.len());
    for s in &r.timeline.by_errno {
        assert!(
            dom.contains(&format!("data-errno=\"{}\"", dom_text(&s.errno))),
            "series {}",
            s.errno
        );
    }
}

/// Expected failures look different, and rule ids, fixes, call sites and stacks show.
#[test]
#[cfg_attr(not(has_chromium), ignore = "chromium is not installed")]
fn noisy_report_marks_expected_failures_and_shows_fixes_sites_and_stacks() {
    let fixture = "noisy-client.jsonl";
    check_rendered(fixture);
    let dom = dump_dom(fixture);
    let r = report_of(fixture);
    let expected = r.failures.iter().filter(|g| g.is_expected()).count();
    assert!(expected > 0);
    assert_eq!(count(&dom, "<article class=\"failure expected\""), expected);
    assert_eq!(
        count(&dom, "<span class=\"badge expected\">expected</span>"),
        expected
    );
    assert_eq!(
        count(&dom, "<tr class=\"expected\">"),
        expected + 1,
        "and one call site"
    );
    assert!(
        count(&dom, "<rect class=\"expected\"") >= 2,
        "legend and bars"
    );
    for g in &r.failures {
        let Some(c) = &g.cause else { continue };
        if let Some(fix) = &c.fix {
            assert!(dom.contains(&format!("<dd class=\"fix\">{}</dd>", dom_text(fix))));
        }
        if !c.rule.is_empty() {
            assert!(dom.contains(&format!("<code class=\"rule\">{}</code>", c.rule)));
        }
    }
    // Grouped by call site, and the example's folded stack.
    assert!(dom.contains("<section id=\"sites\">"));
    assert!(dom.contains("2 call sites fail with ENOENT"));
    assert_eq!(count(&dom, "<table class=\"sites\">"), 1);
    assert!(dom.contains("connect_db at src/db.c:42 in /opt/app/bin/client"));
    assert!(dom.contains("#4-6 3 frames in libc.so.6, C start-up"));
    // The probes of fds 0, 1 and 2 are one group.
    assert!(dom.contains("<code>fds 0, 1, 2</code>"));
    // Still no script, and the policy allows none.
    assert!(!dom.contains("<script"));
    assert!(
        dom.contains("content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:\"")
    );
}

#[test]
#[cfg_attr(not(has_chromium), ignore = "chromium is not installed")]
fn hostile_values_stay_text() {
    let dom = dump_dom("hostile.jsonl");
    // No element made from trace values: no script, no img, one style (ours).
    assert!(!dom.contains("<script"), "a script element appeared");
    assert!(!dom.contains("<img"), "an img element appeared");
    assert_eq!(count(&dom, "<style"), 1, "a style element appeared");
    assert!(!dom.contains("<b>"), "a b element appeared");
    // The title is ours, not 'pwned'.
    let title = dom
        .split("<title>")
        .nth(1)
        .and_then(|t| t.split("</title>").next())
        .unwrap();
    assert!(title.starts_with("sockwhy report: "), "{title}");
    assert!(!dom.contains("<title>pwned"));
    // The values are shown as text.
    assert!(dom.contains("&lt;/td&gt;&lt;script&gt;document.title='pwned'&lt;/script&gt;"));
    assert!(dom.contains("&lt;img src=x onerror="));
    // The raw escape byte in comm is shown as \x1b, not passed on.
    assert!(dom.contains("\\x1b[31m"));
    assert!(!dom.contains('\u{1b}'));
}

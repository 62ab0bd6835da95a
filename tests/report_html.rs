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
        assert!(
            dom.contains(&format!(
                "<article class=\"failure{fatal}\" id=\"f{}\">",
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
    assert_eq!(count(&dom, "<rect class=\"fatal\""), fatal_rows);
    assert!(count(&dom, "<rect class=\"f") >= 1);
    assert!(dom.contains("<title>sockwhy report: "));
    assert!(!dom.contains("<script"));
    assert_eq!(
        count(&dom, "http://"),
        count(&dom, "xmlns=\"http://www.w3.org/2000/svg\""),
        "nothing is loaded from anywhere"
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

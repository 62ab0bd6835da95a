//! Signal over noise on real programs (issue 12): a server spinning on EMFILE, a client
//! whose real failure follows glibc's nscd lookups.

#[path = "common/cbuild.rs"]
mod cbuild;
mod common;

use common::*;

#[test]
fn a_server_spinning_on_emfile_prints_a_few_lines_and_saves_every_call() {
    const N: usize = 20_000;
    let dir = tempdir("noise-emfile");
    let save = dir.join("t.jsonl");
    let o = run(sockwhy()
        .args(["--color=never", "--save"])
        .arg(&save)
        .arg(cbuild::fixture("noisy"))
        .arg("emfile")
        .arg(&dir)
        .arg(N.to_string()));
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(
        String::from_utf8_lossy(&o.stdout).trim(),
        format!("emfile={N}")
    );
    let text = stderr(&o);
    let failing: Vec<&str> = text
        .lines()
        .filter(|l| l.contains("accept4") || l.starts_with(' '))
        .collect();
    // The first in full (the line, its meaning and cause), then one count.
    assert!(failing.len() <= 12, "{} lines:\n{text}", failing.len());
    assert_eq!(
        text.lines().filter(|l| l.contains("= -1 EMFILE")).count(),
        1,
        "{text}"
    );
    let first = text
        .lines()
        .find(|l| l.contains("accept4(") && l.contains("EMFILE"))
        .unwrap();
    assert!(first.starts_with("[pid "), "{first}");
    let trace = read_trace(&save);
    let accepts = syscalls(&trace, "accept4");
    assert_eq!(accepts.len(), N, "the saved trace keeps every call");
    assert!(accepts.iter().all(|r| r["errno"] == "EMFILE"));
    let (first_seq, last_seq) = (&accepts[0]["seq"], &accepts[N - 1]["seq"]);
    let count = format!(
        "... {} more like #{first_seq} (accept4 EMFILE), last #{last_seq}",
        "19,999"
    );
    assert!(text.contains(&count), "no {count:?} in:\n{text}");
}

/// Failures are classified (issue 11): glibc's nscd lookups take one line each, so the
/// real failure comes within the first lines of `--failed`.
#[test]
fn a_real_failure_after_nscd_lookups_is_within_the_first_10_lines_of_failed() {
    let dir = tempdir("noise-nscd");
    let save = dir.join("t.jsonl");
    let o = run(sockwhy()
        .args(["--color=never", "--failed", "--save"])
        .arg(&save)
        .arg(cbuild::fixture("noisy"))
        .arg("nscd")
        .arg(&dir));
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let trace = read_trace(&save);
    let nscd: Vec<_> = syscalls(&trace, "connect")
        .into_iter()
        .filter(|r| {
            r["addr"]["path"]
                .as_str()
                .is_some_and(|p| p.ends_with("/nscd/socket"))
        })
        .collect();
    assert!(
        !nscd.is_empty(),
        "glibc asked nscd (nscd does not run here)"
    );
    for r in &nscd {
        assert_eq!(r["class"]["kind"], "expected", "{r}");
    }
    let text = stderr(&o);
    let at = text
        .lines()
        .position(|l| l.contains("missing.sock") && l.contains("ENOENT"))
        .unwrap_or_else(|| panic!("no real failure in:\n{text}"));
    assert!(at < 10, "the real failure is line {}:\n{text}", at + 1);
    for l in text
        .lines()
        .filter(|l| l.starts_with("[pid ") && l.contains("/nscd/socket"))
    {
        assert!(l.ends_with(')') && l.contains("(expected: "), "{l}");
    }
}

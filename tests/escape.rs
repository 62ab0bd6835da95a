//! Bytes from the tracee never reach a terminal raw, and the saved trace keeps them
//! exactly (issue 3, "Safety of what is shown").

mod common;

use common::*;

const EVIL: &[u8] = b"\x1b[2J\x1b]0;pwned\x07\xc2\x9b31m\xffend";

#[test]
fn hostile_names_are_escaped_in_text_and_lossless_in_json() {
    let dir = tempdir("hostile");
    let save = dir.join("t.jsonl");
    let o = run(sockwhy()
        .args(["--color=never", "-s", "64", "--save"])
        .arg(&save)
        .arg("--")
        .arg(tracee())
        .arg("hostile"));
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    // No control byte at all in the text trace: only newlines end lines.
    for (i, b) in o.stderr.iter().enumerate() {
        assert!(
            *b == b'\n' || (0x20..0x7f).contains(b),
            "raw byte {b:#x} at {i} in the text trace"
        );
    }
    let text = stderr(&o);
    // In the call's line as strace 6.1 writes it (octal); in sockwhy's own text as \xNN.
    assert!(
        text.contains(r#"sun_path=@"\33[2J\33]0;pwned\7\302\23331m\377end""#),
        "abstract name not escaped as expected: {text}"
    );
    let x = run(sockwhy()
        .args(["--color=never", "-x", "--"])
        .arg(tracee())
        .arg("hostile"));
    assert!(
        stderr(&x).contains(r#"sun_path=@"\x1b\x5b\x32\x4a\x1b\x5d\x30"#),
        "-x: {}",
        stderr(&x)
    );
    assert!(text.contains(r#"/nonexistent/\x1b[2J"#), "{text}");

    // The saved trace holds the exact bytes (invalid UTF-8 as hex).
    let trace = std::fs::read_to_string(&save).unwrap();
    let bind = trace
        .lines()
        .find(|l| l.contains("\"syscall\":\"bind\""))
        .expect("bind saved");
    let v: serde_json::Value = serde_json::from_str(bind).unwrap();
    let hex = v["addr"]["path"]["hex"]
        .as_str()
        .expect("non-UTF-8 name saved as hex");
    let bytes: Vec<u8> = (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
        .collect();
    assert_eq!(bytes, EVIL);
    assert_eq!(v["addr"]["kind"], "abstract");
}

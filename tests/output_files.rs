//! The files sockwhy writes (`--save`, `-o`, `report -o`; the TUI's save is in
//! tui_tmux.rs) are never written through a planted symlink, are private (0600) even when
//! they existed with another mode, are never someone else's file, and every refusal is one
//! line naming the file (issue 10).

mod common;

use common::*;
use std::fs;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::Output;

/// The three ways to make sockwhy write a file.
const HOW: [&str; 3] = ["--save", "-o", "report -o"];

/// sockwhy writing `out` the way `how` says.
fn write_with(how: &str, out: &Path) -> Output {
    let demo = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/demo.jsonl");
    let mut cmd = sockwhy();
    match how {
        "--save" => cmd.arg("--save").arg(out).args(["-o", "/dev/null", "--"]),
        "-o" => cmd.arg("-o").arg(out).arg("--"),
        _ => cmd.args(["report", "-o"]).arg(out).arg(&demo),
    };
    if how != "report -o" {
        cmd.arg(tracee()).arg("connect");
    }
    run(&mut cmd)
}

/// Each way in turn, writing `out`.
fn writers(out: &Path) -> Vec<(&'static str, Output)> {
    HOW.iter().map(|h| (*h, write_with(h, out))).collect()
}

/// The refusal: exit 1, stderr one line naming the file and saying `why`.
fn assert_refused(how: &str, o: &Output, file: &Path, why: &str) {
    let e = stderr(o);
    assert_eq!(o.status.code(), Some(1), "{how}: {e}");
    assert_eq!(e.lines().count(), 1, "{how}: one line: {e}");
    assert!(
        e.starts_with(&format!("sockwhy: refusing to write {}: ", file.display())),
        "{how}: {e}"
    );
    assert!(e.contains(why), "{how}: {e}");
}

fn mode(p: &Path) -> u32 {
    fs::symlink_metadata(p).unwrap().mode() & 0o7777
}

fn victim(dir: &Path) -> PathBuf {
    let v = dir.join("victim");
    fs::write(&v, "precious\n").unwrap();
    fs::set_permissions(&v, fs::Permissions::from_mode(0o644)).unwrap();
    v
}

#[test]
fn a_planted_symlink_is_refused_and_its_target_untouched() {
    let dir = unique_dir(&std::env::temp_dir(), "sockwhy-out-symlink");
    let v = victim(&dir);
    let link = dir.join("trace.jsonl");
    std::os::unix::fs::symlink(&v, &link).unwrap();
    for (how, o) in writers(&link) {
        assert_refused(how, &o, &link, "it is a symbolic link");
        assert_eq!(fs::read_to_string(&v).unwrap(), "precious\n", "{how}");
        assert_eq!(mode(&v), 0o644, "{how}");
    }
    // A dangling one too: following it would create the target.
    let gone = dir.join("would-be-created");
    let dangling = dir.join("dangling.jsonl");
    std::os::unix::fs::symlink(&gone, &dangling).unwrap();
    for (how, o) in writers(&dangling) {
        assert_refused(how, &o, &dangling, "it is a symbolic link");
        assert!(!gone.exists(), "{how} created the symlink's target");
    }
    let _ = fs::remove_dir_all(&dir);
}

#[test]
fn new_and_overwritten_files_are_0600() {
    let dir = unique_dir(&std::env::temp_dir(), "sockwhy-out-mode");
    for how in HOW {
        let o = write_with(how, &dir.join("new"));
        assert_eq!(o.status.code(), Some(0), "{how}: {}", stderr(&o));
        assert_eq!(mode(&dir.join("new")), 0o600, "{how}");
        fs::remove_file(dir.join("new")).unwrap();
    }
    // Pre-created world-readable and writable, with old contents: 0600, and only the new
    // contents (a longer old file leaves no tail behind).
    let old = "OLD-CONTENTS\n".repeat(1 << 16);
    let open = dir.join("open");
    for how in HOW {
        fs::write(&open, &old).unwrap();
        fs::set_permissions(&open, fs::Permissions::from_mode(0o666)).unwrap();
        let o = write_with(how, &open);
        assert_eq!(o.status.code(), Some(0), "{how}: {}", stderr(&o));
        assert_eq!(mode(&open), 0o600, "{how} left the old mode");
        let got = fs::read_to_string(&open).unwrap();
        assert!(!got.contains("OLD-CONTENTS"), "{how} left old bytes");
        let start = match how {
            "--save" => "{\"type\":\"header\"",
            "-o" => "[pid ",
            _ => "sockwhy report\n",
        };
        assert!(got.starts_with(start), "{how} wrote {got:.80}");
    }
    let _ = fs::remove_dir_all(&dir);
}

#[test]
fn what_is_not_an_own_regular_file_is_refused() {
    let dir = unique_dir(&std::env::temp_dir(), "sockwhy-out-kinds");
    // A directory, a FIFO (opening it must not block), a file with a second hard link.
    for (how, o) in writers(&dir) {
        assert_refused(how, &o, &dir, "it is a directory");
    }
    let fifo = dir.join("fifo");
    nix::unistd::mkfifo(&fifo, nix::sys::stat::Mode::from_bits_truncate(0o600)).unwrap();
    for (how, o) in writers(&fifo) {
        assert_refused(how, &o, &fifo, "it is not a regular file (a FIFO)");
    }
    let v = victim(&dir);
    let hard = dir.join("hard");
    fs::hard_link(&v, &hard).unwrap();
    for (how, o) in writers(&hard) {
        assert_refused(how, &o, &hard, "it has 2 hard links");
        assert_eq!(fs::read_to_string(&v).unwrap(), "precious\n", "{how}");
    }
    // /dev/null stays usable: it is how a text trace is silenced.
    for (how, o) in writers(Path::new("/dev/null")) {
        assert_eq!(o.status.code(), Some(0), "{how}: {}", stderr(&o));
    }
    let _ = fs::remove_dir_all(&dir);
}

#[test]
#[cfg_attr(not(is_root), ignore = "needs root")]
fn a_file_of_another_user_is_refused() {
    require_root();
    let dir = unique_dir(&std::env::temp_dir(), "sockwhy-out-owner");
    let theirs = dir.join("theirs.jsonl");
    fs::write(&theirs, "theirs\n").unwrap();
    fs::set_permissions(&theirs, fs::Permissions::from_mode(0o666)).unwrap();
    std::os::unix::fs::chown(&theirs, Some(65534), Some(65534)).unwrap();
    for (how, o) in writers(&theirs) {
        assert_refused(how, &o, &theirs, "it belongs to uid 65534, not to uid 0");
        assert_eq!(fs::read_to_string(&theirs).unwrap(), "theirs\n", "{how}");
        assert_eq!(mode(&theirs), 0o666, "{how}");
    }
    let _ = fs::remove_dir_all(&dir);
}

#[test]
fn a_kernel_file_is_refused_naming_it() {
    let version = fs::read_to_string("/proc/version").unwrap();
    let mode_before = mode(Path::new("/proc/version"));
    for (how, o) in writers(Path::new("/proc/version")) {
        assert_refused(how, &o, Path::new("/proc/version"), "it is on proc");
    }
    assert_eq!(fs::read_to_string("/proc/version").unwrap(), version);
    assert_eq!(mode(Path::new("/proc/version")), mode_before);
}

#[test]
fn open_errors_name_the_file() {
    let missing = Path::new("/nonexistent-sockwhy-dir/trace.jsonl");
    for (how, o) in writers(missing) {
        let e = stderr(&o);
        assert_eq!(o.status.code(), Some(1), "{how}: {e}");
        assert_eq!(
            e.trim_end(),
            format!(
                "sockwhy: cannot create {}: No such file or directory (os error 2)",
                missing.display()
            ),
            "{how}"
        );
    }
}

/// The library's writer goes the same way (the TUI saves with it).
#[test]
fn the_trace_writer_refuses_a_symlink_too() {
    let dir = unique_dir(&std::env::temp_dir(), "sockwhy-out-lib");
    let v = victim(&dir);
    let link = dir.join("saved.jsonl");
    std::os::unix::fs::symlink(&v, &link).unwrap();
    let Err(e) = sockwhy::sink::jsonl::write::JsonlWriter::create(&link) else {
        panic!("created through a symlink");
    };
    assert!(
        e.to_string()
            .starts_with(&format!("refusing to write {}", link.display())),
        "{e}"
    );
    assert_eq!(fs::read_to_string(&v).unwrap(), "precious\n");
    let _ = fs::remove_dir_all(&dir);
}

/// An output that is refused (a planted symlink, a directory that does not exist) is
/// refused before the command starts: the program does not run half a trace (its side
/// effects, here a file it creates, never happen), and an attached one is never stopped.
#[test]
fn a_refused_output_means_the_command_never_starts() {
    let dir = unique_dir(&std::env::temp_dir(), "sockwhy-out-first");
    let link = dir.join("trace.jsonl");
    std::os::unix::fs::symlink(victim(&dir), &link).unwrap();
    let missing = dir.join("no/such/dir/trace");
    let ran = dir.join("ran");
    let script = format!("echo ran > {}", ran.display());
    for (opt, file) in [
        ("--save", &link),
        ("-o", &link),
        ("--save", &missing),
        ("-o", &missing),
    ] {
        let o = run(sockwhy()
            .arg(opt)
            .arg(file)
            .args(["--", "sh", "-c", &script]));
        assert_eq!(
            o.status.code(),
            Some(1),
            "{opt} {}: {}",
            file.display(),
            stderr(&o)
        );
        assert_eq!(stderr(&o).lines().count(), 1, "{}", stderr(&o));
        assert!(!ran.exists(), "{opt} {}: the command ran", file.display());
    }
    // Attached: the program keeps running, never stopped, and has no tracer afterwards.
    let mut sleeper = std::process::Command::new("sleep")
        .arg("30")
        .spawn()
        .unwrap();
    let pid = sleeper.id().to_string();
    let o = run(sockwhy().arg("--save").arg(&link).args(["-p", &pid]));
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let status = fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    assert!(status.contains("TracerPid:\t0\n"), "{status}");
    assert!(!status.contains("State:\tT"), "{status}");
    let _ = sleeper.kill();
    let _ = sleeper.wait();
    let _ = fs::remove_dir_all(&dir);
}

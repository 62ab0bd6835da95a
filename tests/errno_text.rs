//! The errno texts of the line are the C library's strerror(), as strace, perror() and
//! Python print them (issue 12): checked here against this machine's C library.

mod common;

use sockwhy::model::Errno;
use sockwhy::model::errno::description;
use std::process::Command;

#[test]
fn errno_texts_are_the_c_librarys() {
    let dir = common::tempdir("errno-text");
    let src = dir.join("strerror.c");
    std::fs::write(
        &src,
        "#include <stdio.h>\n#include <string.h>\n\
         int main(void) { for (int e = 1; e <= 133; e++) printf(\"%d %s\\n\", e, strerror(e)); return 0; }\n",
    )
    .unwrap();
    let bin = dir.join("strerror");
    let st = Command::new("gcc")
        .arg("-o")
        .arg(&bin)
        .arg(&src)
        .status()
        .unwrap();
    assert!(st.success());
    let out = String::from_utf8(Command::new(&bin).output().unwrap().stdout).unwrap();
    let mut checked = 0;
    for l in out.lines() {
        let (n, text) = l.split_once(' ').unwrap();
        let n: i32 = n.parse().unwrap();
        if text.starts_with("Unknown error") {
            continue;
        }
        assert_eq!(description(Errno::new(n)), text, "errno {n}");
        checked += 1;
    }
    assert!(checked > 120, "{checked}");
    assert_eq!(
        description(Errno::EAGAIN),
        "Resource temporarily unavailable"
    );
}

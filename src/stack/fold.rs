//! Which frames belong to the C library and the language runtimes, so a stack can be shown
//! with them folded and the program's own first frame in view.

use crate::model::StackFrame;

/// File names of runtime libraries (by prefix of the file name).
const RUNTIME_LIBS: &[&str] = &[
    "libc.so",
    "libc-",
    "ld-linux",
    "ld-musl",
    "libc.musl",
    "libpthread",
    "libdl",
    "libm.so",
    "librt",
    "libresolv",
    "libstdc++",
    "libc++",
    "libgcc_s",
];

/// Function names of Rust's std linked into the program itself. A trait method
/// (`<T as Trait>::f`) is std's when its type `T` is (`<&dyn core::ops::Fn<..> as ..>`),
/// not when only the trait is (`<myapp::Config as core::fmt::Debug>::fmt` is the program's).
const RUST_STD: &[&str] = &["std::", "core::", "alloc::", "__rust_"];

/// Function names of the C start-up code linked into the program.
const C_START: &[&str] = &["_start", "__libc_start"];

/// What runtime a frame belongs to: the library's file name (`libc.so.6`), `Rust std`, or
/// `C start-up`; None for the program's own code.
pub fn runtime_of(f: &StackFrame) -> Option<String> {
    let lib = f
        .module
        .as_deref()
        .map(|m| m.rsplit('/').next().unwrap_or(m))
        .filter(|name| RUNTIME_LIBS.iter().any(|p| name.starts_with(p)));
    if let Some(lib) = lib {
        return Some(lib.to_owned());
    }
    let func = f.function.as_deref()?;
    if RUST_STD.iter().any(|p| self_type(func).starts_with(p)) {
        Some("Rust std".into())
    } else if C_START.iter().any(|p| func.starts_with(p)) {
        Some("C start-up".into())
    } else {
        None
    }
}

/// The path a function name starts with: for `<&mut dyn T as Trait>::f`, `T`.
fn self_type(func: &str) -> &str {
    let Some(mut t) = func.strip_prefix('<') else {
        return func;
    };
    for p in ["&", "mut ", "dyn ", "*const ", "*mut ", "["] {
        t = t.trim_start_matches(p);
    }
    t
}

/// True for a frame of the C library, the dynamic loader or a language runtime.
pub fn is_runtime(f: &StackFrame) -> bool {
    runtime_of(f).is_some()
}

/// `runtime_of` for each frame of a stack, innermost first, with what a frame alone cannot
/// tell: the `main` that rustc generates (called by the C start-up code, calling
/// `std::rt::lang_start`) is Rust's start-up, not the program's `fn main`.
pub fn runtime_of_each(frames: &[StackFrame]) -> Vec<Option<String>> {
    let mut v: Vec<Option<String>> = frames.iter().map(runtime_of).collect();
    for i in 1..frames.len() {
        let inner = frames[i - 1].function.as_deref().unwrap_or("");
        if v[i].is_none()
            && frames[i].function.as_deref() == Some("main")
            && inner.starts_with("std::rt::lang_start")
        {
            v[i] = Some("Rust std".into());
        }
    }
    v
}

/// The first frame of the program's own code, if any.
pub fn first_own(frames: &[StackFrame]) -> Option<&StackFrame> {
    let kinds = runtime_of_each(frames);
    frames
        .iter()
        .zip(kinds)
        .find(|(_, k)| k.is_none())
        .map(|(f, _)| f)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(module: &str, function: &str) -> StackFrame {
        StackFrame {
            module: Some(module.into()),
            function: Some(function.into()),
            ..Default::default()
        }
    }

    #[test]
    fn libc_and_rust_std_are_runtime_the_program_is_not() {
        assert!(is_runtime(&frame(
            "/usr/lib/x86_64-linux-gnu/libc.so.6",
            "__connect"
        )));
        assert!(is_runtime(&frame(
            "/tmp/prog",
            "std::os::unix::net::UnixStream::connect"
        )));
        assert!(is_runtime(&frame("/tmp/prog", "_start")));
        assert_eq!(
            runtime_of(&frame("/tmp/prog", "core::ops::FnOnce::call_once")).as_deref(),
            Some("Rust std")
        );
        assert!(!is_runtime(&frame("/tmp/prog", "connect_to_daemon")));
        assert!(!is_runtime(&frame("/tmp/libclient.so", "main")));
        let closure =
            "<&dyn core::ops::function::Fn<()> as core::ops::function::FnOnce<()>>::call_once";
        assert!(is_runtime(&frame("/tmp/prog", closure)));
        assert!(!is_runtime(&frame(
            "/tmp/prog",
            "<app::Config as core::fmt::Debug>::fmt"
        )));
        let rust_start = [
            frame("/tmp/prog", "app::main"),
            frame("/tmp/prog", "std::rt::lang_start_internal"),
            frame("/tmp/prog", "main"),
        ];
        let kinds = runtime_of_each(&rust_start);
        assert_eq!(kinds[0], None);
        assert_eq!(kinds[2].as_deref(), Some("Rust std"), "rustc's main shim");
        assert_eq!(runtime_of_each(&rust_start[2..])[0], None, "C's main");
        let frames = [
            frame("/lib/libc.so.6", "__connect"),
            frame("/tmp/prog", "connect_to_daemon"),
        ];
        assert_eq!(
            first_own(&frames).and_then(|f| f.function.as_deref()),
            Some("connect_to_daemon")
        );
    }
}

//! Rules about well-known sockets (`assets/sockets.toml`): the name is a service's (the
//! X server of a display, the D-Bus system bus, PostgreSQL on a port, an ssh-agent), so
//! the cause names the service, says whether anything serves it, and how to start one
//! or point the client at one that runs. One function per cause; `table.rs` gives the ids.

use super::near::{near_text, wrong_here};
use super::{Ctx, cause, cause_fix, owners_text};
use crate::kb::sockets::{Match, service_of};
use crate::model::facts::{NearMiss, SockState};
use crate::model::{Cause, Confidence, SockKind, UnixName};
use crate::render::escape::{escape_str, quote_unix_name};

/// The call's name and the service it belongs to, when nothing serves that name now
/// (nobody bound, or only sockets that do not listen; none bound by the name elsewhere).
fn unserved<'a>(c: &'a Ctx) -> Option<(&'a UnixName, Match)> {
    let name = c.addr()?.unix_name()?;
    let m = service_of(name)?;
    let bound = c.f.bound.as_deref()?;
    let serving = bound
        .iter()
        .any(|b| b.sock.state == SockState::Listening || b.sock.kind == SockKind::Dgram);
    (!serving && c.f.bound_elsewhere.is_empty()).then_some((name, m))
}

/// ENOENT / ECONNREFUSED on a socket whose absence is normal (glibc's nscd lookup).
pub(super) fn optional_service_absent(c: &Ctx) -> Option<Cause> {
    let (name, m) = unserved(c).or_else(|| {
        // Harmless whatever the probes saw: the name alone says it.
        let name = c.addr()?.unix_name()?;
        Some((name, service_of(name)?))
    })?;
    let why = m.service.harmless.as_deref()?;
    cause(
        format!(
            "Harmless: {} is {}, which is not running; {why}.",
            quote_unix_name(name),
            escape_str(&m.what())
        ),
        vec![format!(
            "{} is the socket of {} (sockwhy's list of well-known sockets: {})",
            quote_unix_name(name),
            escape_str(&m.what()),
            m.service.id
        )],
        Confidence::High,
    )
}

/// The near miss that is a socket of the same service, and its match.
fn same_service<'a>(c: &'a Ctx, m: &Match) -> Option<(&'a NearMiss, Match)> {
    c.f.near.iter().find_map(|n| {
        let nm = service_of(&n.bound.sock.name)?;
        (nm.service.id == m.service.id).then_some((n, nm))
    })
}

/// ENOENT / ECONNREFUSED on a well-known socket nothing serves: the service is not
/// running (another of its sockets may be).
pub(super) fn service_not_running(c: &Ctx) -> Option<Cause> {
    let (name, m) = unserved(c)?;
    if m.service.harmless.is_some() {
        return None;
    }
    let shown = quote_unix_name(name);
    let what = escape_str(&m.what());
    let mut ev = vec![
        format!(
            "{shown} is the socket of {what} (sockwhy's list of well-known sockets: {})",
            m.service.id
        ),
        format!("{shown} {}", wrong_here(c)),
    ];
    if !m.service.servers.is_empty() {
        ev.push(format!(
            "programs that serve it: {}",
            escape_str(&m.service.servers.join(", "))
        ));
    }
    let start = escape_str(&m.fill(&m.service.start));
    match same_service(c, &m) {
        Some((n, nm)) => {
            ev.push(near_text(n));
            ev.extend(c.f.near.iter().filter(|o| *o != n).map(near_text));
            let point = escape_str(&nm.fill(&nm.service.point));
            cause_fix(
                format!(
                    "{shown} is the socket of {what}, and nothing serves it ({}); {} runs: {} held by {}.",
                    wrong_here(c),
                    escape_str(&nm.what()),
                    quote_unix_name(&n.bound.sock.name),
                    owners_text(&n.bound.owners)
                ),
                ev,
                super::address::exactness(c.f),
                format!("to use that one, {point}; or {start}"),
            )
        }
        None => {
            ev.extend(c.f.near.iter().map(near_text));
            cause_fix(
                format!(
                    "{shown} is the socket of {what}, and nothing serves it ({}): it is not running, or listens elsewhere.",
                    wrong_here(c)
                ),
                ev,
                super::address::exactness(c.f),
                format!(
                    "{start}; or point the client at one that runs ({})",
                    escape_str(&m.generic(&m.service.point))
                ),
            )
        }
    }
}

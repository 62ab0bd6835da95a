//! Well-known sockets (`assets/sockets.toml`): which service a socket name belongs to,
//! which programs serve it, how to start one and how to point a client elsewhere. Data,
//! compiled in and parsed once; this module only matches names against it.

use crate::model::UnixName;
use serde::Deserialize;
use std::sync::OnceLock;

/// The data file, compiled in.
pub const ASSET: &str = include_str!("../../assets/sockets.toml");

/// One service's sockets.
#[derive(Debug)]
pub struct Service {
    /// Short stable name (`x11`).
    pub id: String,
    /// What the socket is, with placeholders (`the X server for display :{n}`).
    pub what: String,
    paths: Vec<Pattern>,
    abstracts: Vec<Pattern>,
    /// Command names of the programs that serve it.
    pub servers: Vec<String>,
    /// How to start one, with placeholders.
    pub start: String,
    /// How to point a client at another socket, with placeholders.
    pub point: String,
    /// Why a failing connect there is normal, when it is.
    pub harmless: Option<String>,
}

/// A socket name matched to its service, with the numbers its pattern captured.
#[derive(Clone, Debug)]
pub struct Match {
    /// The service.
    pub service: &'static Service,
    /// The name's bytes (an abstract name without its NUL), as text (lossy).
    path: String,
    /// Captured placeholders: (`n`, `1`).
    vars: Vec<(String, String)>,
}

impl Match {
    /// `template` with its placeholders filled: `{path}` the name, the captures by name;
    /// a placeholder this match lacks is left as written.
    pub fn fill(&self, template: &str) -> String {
        let mut out = template.replace("{path}", &self.path);
        for (k, v) in &self.vars {
            out = out.replace(&format!("{{{k}}}"), v);
        }
        out
    }

    /// `template` with `{path}` and every placeholder written as a name to fill in
    /// (`set DISPLAY=:N`), for a socket of the service other than this one.
    pub fn generic(&self, template: &str) -> String {
        let mut out = String::new();
        let mut rest = template;
        while let Some(i) = rest.find('{') {
            out.push_str(&rest[..i]);
            match rest[i..].find('}') {
                Some(j) => {
                    out.push_str(&rest[i + 1..i + j].to_ascii_uppercase());
                    rest = &rest[i + j + 1..];
                }
                None => {
                    rest = &rest[i..];
                    break;
                }
            }
        }
        out.push_str(rest);
        out
    }

    /// What the socket is (`the X server for display :1`).
    pub fn what(&self) -> String {
        self.fill(&self.service.what)
    }

    /// True when `comm` is one of the service's programs.
    pub fn served_by(&self, comm: &[u8]) -> bool {
        self.service.servers.iter().any(|s| s.as_bytes() == comm)
    }
}

/// One piece of a pattern.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Piece {
    /// These bytes.
    Lit(Vec<u8>),
    /// Any bytes but '/' (`*`).
    Star,
    /// Any bytes (`**`).
    Stars,
    /// One or more digits, captured under this name.
    Num(String),
}

/// A compiled name pattern.
#[derive(Clone, Debug)]
struct Pattern(Vec<Piece>);

impl Pattern {
    fn parse(p: &str) -> Result<Pattern, String> {
        let b = p.as_bytes();
        let mut out: Vec<Piece> = Vec::new();
        let mut i = 0;
        let mut lit = Vec::new();
        let flush = |lit: &mut Vec<u8>, out: &mut Vec<Piece>| {
            if !lit.is_empty() {
                out.push(Piece::Lit(std::mem::take(lit)));
            }
        };
        while i < b.len() {
            match b[i] {
                b'*' => {
                    flush(&mut lit, &mut out);
                    if b.get(i + 1) == Some(&b'*') {
                        out.push(Piece::Stars);
                        i += 2;
                    } else {
                        out.push(Piece::Star);
                        i += 1;
                    }
                }
                b'{' => {
                    flush(&mut lit, &mut out);
                    let end = p[i..]
                        .find('}')
                        .ok_or_else(|| format!("{p:?}: unclosed {{"))?;
                    let name = &p[i + 1..i + end];
                    if name.is_empty() || !name.bytes().all(|c| c.is_ascii_lowercase()) {
                        return Err(format!("{p:?}: bad placeholder {{{name}}}"));
                    }
                    out.push(Piece::Num(name.to_owned()));
                    i += end + 1;
                }
                c => {
                    lit.push(c);
                    i += 1;
                }
            }
        }
        flush(&mut lit, &mut out);
        Ok(Pattern(out))
    }

    /// The captures when `name` matches the whole pattern.
    fn captures(&self, name: &[u8]) -> Option<Vec<(String, String)>> {
        let mut vars = Vec::new();
        matches(&self.0, name, &mut vars).then_some(vars)
    }
}

/// Backtracking match of `pieces` against all of `s` (patterns are short; names at most
/// 108 bytes, so the search is small).
fn matches(pieces: &[Piece], s: &[u8], vars: &mut Vec<(String, String)>) -> bool {
    let Some((first, rest)) = pieces.split_first() else {
        return s.is_empty();
    };
    match first {
        Piece::Lit(l) => s.starts_with(l) && matches(rest, &s[l.len()..], vars),
        Piece::Star | Piece::Stars => {
            let stop = match first {
                Piece::Star => s.iter().position(|&b| b == b'/').unwrap_or(s.len()),
                _ => s.len(),
            };
            (0..=stop).any(|n| matches(rest, &s[n..], vars))
        }
        Piece::Num(name) => {
            let digits = s.iter().take_while(|b| b.is_ascii_digit()).count();
            (1..=digits).rev().any(|n| {
                let mark = vars.len();
                vars.push((name.clone(), String::from_utf8_lossy(&s[..n]).into_owned()));
                if matches(rest, &s[n..], vars) {
                    true
                } else {
                    vars.truncate(mark);
                    false
                }
            })
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawService {
    id: String,
    what: String,
    #[serde(default)]
    paths: Vec<String>,
    #[serde(default, rename = "abstract")]
    abstracts: Vec<String>,
    #[serde(default)]
    servers: Vec<String>,
    start: String,
    point: String,
    #[serde(default)]
    harmless: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    socket: Vec<RawService>,
}

/// The well-known sockets.
#[derive(Debug)]
pub struct Sockets(Vec<Service>);

impl Sockets {
    /// Parse a file in the form of `assets/sockets.toml`.
    pub fn parse(text: &str) -> Result<Sockets, String> {
        let raw: RawFile = toml::from_str(text).map_err(|e| format!("assets/sockets.toml: {e}"))?;
        let mut out = Vec::with_capacity(raw.socket.len());
        for r in raw.socket {
            let pats = |v: &[String]| {
                v.iter()
                    .map(|p| Pattern::parse(p))
                    .collect::<Result<Vec<_>, _>>()
            };
            let paths = pats(&r.paths).map_err(|e| format!("{}: {e}", r.id))?;
            let abstracts = pats(&r.abstracts).map_err(|e| format!("{}: {e}", r.id))?;
            if paths.is_empty() && abstracts.is_empty() {
                return Err(format!("{}: no paths and no abstract names", r.id));
            }
            if let Some(s) = r.servers.iter().find(|s| s.len() > 15) {
                return Err(format!(
                    "{}: server {s:?} is longer than a comm (15 bytes)",
                    r.id
                ));
            }
            if out.iter().any(|s: &Service| s.id == r.id) {
                return Err(format!("{}: id used twice", r.id));
            }
            out.push(Service {
                id: r.id,
                what: r.what,
                paths,
                abstracts,
                servers: r.servers,
                start: r.start,
                point: r.point,
                harmless: r.harmless,
            });
        }
        Ok(Sockets(out))
    }

    /// The one compiled in.
    pub fn builtin() -> &'static Sockets {
        static S: OnceLock<Sockets> = OnceLock::new();
        // Part of the binary and checked by the tests: a failure is a build defect.
        S.get_or_init(|| Sockets::parse(ASSET).unwrap_or_else(|e| panic!("{e}")))
    }

    /// Every service.
    pub fn services(&self) -> &[Service] {
        &self.0
    }
}

/// The well-known service `name` belongs to, if any (first entry that matches).
pub fn service_of(name: &UnixName) -> Option<Match> {
    let (bytes, abstract_) = match name {
        UnixName::Path(p) => (p.as_bytes(), false),
        UnixName::Abstract(a) => (a.as_bytes(), true),
        UnixName::Unnamed => return None,
    };
    Sockets::builtin().0.iter().find_map(|s| {
        let pats = if abstract_ { &s.abstracts } else { &s.paths };
        let vars = pats.iter().find_map(|p| p.captures(bytes))?;
        Some(Match {
            service: s,
            path: String::from_utf8_lossy(bytes).into_owned(),
            vars,
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ByteString;

    fn path(p: &str) -> UnixName {
        UnixName::Path(ByteString::from(p))
    }

    #[test]
    fn sockets_asset_parses_and_bad_data_is_refused() {
        let s = Sockets::parse(ASSET).expect("assets/sockets.toml");
        assert!(s.services().len() >= 15);
        let bad = ASSET.replacen(
            "paths = [\"/tmp/.X11-unix/X{n}\"]",
            "paths = [\"/tmp/X{N}\"]",
            1,
        );
        assert!(
            Sockets::parse(&bad)
                .unwrap_err()
                .contains("bad placeholder")
        );
        let twice = format!(
            "{ASSET}\n[[socket]]\nid = \"x11\"\nwhat = \"w\"\npaths = [\"/x\"]\nstart = \"s\"\npoint = \"p\"\n"
        );
        assert_eq!(Sockets::parse(&twice).unwrap_err(), "x11: id used twice");
    }

    #[test]
    fn sockets_names_match_their_services() {
        let m = service_of(&path("/tmp/.X11-unix/X12")).unwrap();
        assert_eq!(m.service.id, "x11");
        assert_eq!(m.what(), "the X server for display :12");
        assert_eq!(m.fill(&m.service.point), "set DISPLAY=:12");
        assert_eq!(m.generic(&m.service.point), "set DISPLAY=:N");
        assert!(m.served_by(b"Xvfb"));
        let m = service_of(&UnixName::Abstract("/tmp/.X11-unix/X0".into())).unwrap();
        assert_eq!(m.service.id, "x11");
        let id = |p: &str| service_of(&path(p)).map(|m| m.service.id.clone());
        assert_eq!(
            id("/var/run/postgresql/.s.PGSQL.5432").as_deref(),
            Some("postgresql")
        );
        assert_eq!(
            service_of(&path("/tmp/.s.PGSQL.5433")).unwrap().what(),
            "PostgreSQL on port 5433"
        );
        assert_eq!(id("/run/user/1000/bus").as_deref(), Some("dbus-session"));
        assert_eq!(id("/var/run/docker.sock").as_deref(), Some("docker"));
        assert_eq!(
            id("/tmp/ssh-XXXXabcd/agent.1234").as_deref(),
            Some("ssh-agent")
        );
        assert_eq!(
            id("/home/u/.ssh/cm-u@host:22").as_deref(),
            Some("ssh-control")
        );
        assert_eq!(
            id("/run/user/1000/gnupg/S.gpg-agent.ssh").as_deref(),
            Some("gpg-agent")
        );
        assert_eq!(
            id("/var/run/redis/redis-server.sock").as_deref(),
            Some("redis")
        );
        assert_eq!(id("/dev/log").as_deref(), Some("syslog"));
        assert_eq!(id("/run/nscd/socket").as_deref(), Some("nscd"));
        assert_eq!(id("/run/user/1000/wayland-0").as_deref(), Some("wayland"));
        assert_eq!(id("/run/user/1000/pipewire-0").as_deref(), Some("pipewire"));
        assert_eq!(
            id("/run/user/1000/pulse/native").as_deref(),
            Some("pulseaudio")
        );
        assert_eq!(
            id("/run/systemd/journal/socket").as_deref(),
            Some("journald")
        );
        assert_eq!(
            id("/run/containerd/containerd.sock").as_deref(),
            Some("containerd")
        );
        assert_eq!(id("/run/mysqld/mysqld.sock").as_deref(), Some("mysql"));
        assert_eq!(id("/run/systemd/notify").as_deref(), Some("systemd-notify"));
        assert_eq!(
            id("/run/systemd/private").as_deref(),
            Some("systemd-private")
        );
        assert_eq!(
            id("/run/dbus/system_bus_socket").as_deref(),
            Some("dbus-system")
        );
        assert_eq!(id("/tmp/.X11-unix/Xa"), None);
        assert_eq!(id("/tmp/app.sock"), None);
        assert!(service_of(&UnixName::Unnamed).is_none());
    }
}

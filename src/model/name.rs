//! Names in the saved format that come from a closed set in this build (syscalls, errnos,
//! socket kinds, cmsg and address kinds, process events, confidence), and the one way a
//! name this build does not know is kept.
//!
//! docs/trace-format.md (Versioning) lets a later sockwhy add values to any of these lists
//! without a new version, and asks readers to show unknown names as they are. So every such
//! field is a [`Named`]: the typed value when the name is known, the name as read when not.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::borrow::Cow;
use std::fmt;

/// A closed set of values with one name each in the saved format.
pub trait NameSet: Copy + Eq {
    /// The name written to a trace.
    fn to_name(self) -> Cow<'static, str>;
    /// The value a trace name stands for, when this build knows it.
    fn from_name(s: &str) -> Option<Self>;
}

/// A value of a [`NameSet`], or a name this build does not know, kept as it was read.
///
/// An unknown name is text from a file: escape it before it reaches a terminal (the
/// sinks do, as for every text field).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Named<T> {
    /// A name this build knows.
    Known(T),
    /// A name this build does not know, as read.
    Unknown(Box<str>),
}

impl<T: NameSet> Named<T> {
    /// The value of a name, or the name kept as read.
    pub fn parse(s: &str) -> Self {
        T::from_name(s).map_or_else(|| Named::Unknown(s.into()), Named::Known)
    }

    /// The typed value, when the name is known.
    pub fn known(&self) -> Option<T> {
        match self {
            Named::Known(t) => Some(*t),
            Named::Unknown(_) => None,
        }
    }

    /// The name as the trace writes it (an unknown one as read).
    pub fn name(&self) -> Cow<'_, str> {
        match self {
            Named::Known(t) => t.to_name(),
            Named::Unknown(s) => Cow::Borrowed(s),
        }
    }

    /// True when this is `t`.
    pub fn is(&self, t: T) -> bool {
        self.known() == Some(t)
    }

    /// True when this is one of `ts`.
    pub fn is_any(&self, ts: &[T]) -> bool {
        self.known().is_some_and(|t| ts.contains(&t))
    }
}

/// The empty unknown name: a record still being built (tests, `..Default::default()`).
impl<T> Default for Named<T> {
    fn default() -> Self {
        Named::Unknown(Box::from(""))
    }
}

impl<T> From<T> for Named<T> {
    fn from(t: T) -> Self {
        Named::Known(t)
    }
}

/// A name as a trace writes it (what [`Named::parse`] does).
impl<T: NameSet> From<&str> for Named<T> {
    fn from(s: &str) -> Self {
        Named::parse(s)
    }
}

impl<T: PartialEq> PartialEq<T> for Named<T> {
    fn eq(&self, other: &T) -> bool {
        matches!(self, Named::Known(t) if t == other)
    }
}

impl<T: NameSet> fmt::Display for Named<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name())
    }
}

impl<T: NameSet> Serialize for Named<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.name())
    }
}

impl<'de, T: NameSet> Deserialize<'de> for Named<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<T>(std::marker::PhantomData<T>);
        impl<T: NameSet> serde::de::Visitor<'_> for V<T> {
            type Value = Named<T>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a name")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Named<T>, E> {
                Ok(Named::parse(v))
            }
        }
        d.deserialize_str(V(std::marker::PhantomData))
    }
}

/// Implement [`NameSet`] for a fieldless enum from its table of names, and serialise the
/// enum by name (for the documents built from the model, such as the JSON report).
macro_rules! name_set {
    ($t:ty { $($v:ident => $n:literal),* $(,)? }) => {
        impl $crate::model::name::NameSet for $t {
            fn to_name(self) -> std::borrow::Cow<'static, str> {
                std::borrow::Cow::Borrowed(match self { $(Self::$v => $n),* })
            }
            fn from_name(s: &str) -> Option<Self> {
                match s { $($n => Some(Self::$v),)* _ => None }
            }
        }
        impl serde::Serialize for $t {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(&$crate::model::name::NameSet::to_name(*self))
            }
        }
    };
}
pub(crate) use name_set;

impl NameSet for syscalls::Sysno {
    fn to_name(self) -> Cow<'static, str> {
        Cow::Borrowed(syscalls::Sysno::name(&self))
    }
    fn from_name(s: &str) -> Option<Self> {
        s.parse().ok()
    }
}

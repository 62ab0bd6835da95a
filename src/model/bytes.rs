//! Bytes that came from the tracee (paths, names, payloads).
//!
//! Kept as raw bytes in memory. In JSON they are a plain string when they are valid
//! UTF-8 (JSON escaping keeps control bytes lossless) and `{"hex": "..."}` otherwise,
//! so the saved trace never loses or invents a byte. Turning them into text for a
//! person goes through `render::escape`, never through `String::from_utf8_lossy`.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// An owned byte string from the tracee.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ByteString(pub Vec<u8>);

impl ByteString {
    /// The raw bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }
    /// Length in bytes.
    pub fn len(&self) -> usize {
        self.0.len()
    }
    /// True when there are no bytes.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl From<&[u8]> for ByteString {
    fn from(b: &[u8]) -> Self {
        ByteString(b.to_vec())
    }
}

impl From<Vec<u8>> for ByteString {
    fn from(b: Vec<u8>) -> Self {
        ByteString(b)
    }
}

impl From<&str> for ByteString {
    fn from(s: &str) -> Self {
        ByteString(s.as_bytes().to_vec())
    }
}

#[derive(Serialize)]
#[serde(untagged)]
enum Repr {
    Text(String),
    Hex { hex: String },
}

impl Serialize for ByteString {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match std::str::from_utf8(&self.0) {
            Ok(t) => Repr::Text(t.to_owned()).serialize(s),
            Err(_) => Repr::Hex {
                hex: self.0.iter().map(|b| format!("{b:02x}")).collect(),
            }
            .serialize(s),
        }
    }
}

impl<'de> Deserialize<'de> for ByteString {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        // A visitor rather than an untagged enum: untagged buffers every value first,
        // which made reading large traces twice as slow.
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = ByteString;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a string or {\"hex\": \"...\"}")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<ByteString, E> {
                Ok(ByteString(v.as_bytes().to_vec()))
            }
            fn visit_string<E: serde::de::Error>(self, v: String) -> Result<ByteString, E> {
                Ok(ByteString(v.into_bytes()))
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut m: A,
            ) -> Result<ByteString, A::Error> {
                let mut out = None;
                while let Some(k) = m.next_key::<std::borrow::Cow<'de, str>>()? {
                    if k == "hex" {
                        let hex: std::borrow::Cow<'de, str> = m.next_value()?;
                        out = Some(decode_hex(&hex).map_err(serde::de::Error::custom)?);
                    } else {
                        m.next_value::<serde::de::IgnoredAny>()?;
                    }
                }
                out.map(ByteString)
                    .ok_or_else(|| serde::de::Error::missing_field("hex"))
            }
        }
        d.deserialize_any(V)
    }
}

fn decode_hex(hex: &str) -> Result<Vec<u8>, &'static str> {
    if !hex.len().is_multiple_of(2) {
        return Err("odd-length hex byte string");
    }
    (0..hex.len())
        .step_by(2)
        .map(|i| {
            hex.get(i..i + 2)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        })
        .collect::<Option<Vec<u8>>>()
        .ok_or("invalid hex byte string")
}

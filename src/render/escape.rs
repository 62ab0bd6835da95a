//! Escaping for people: the functions live with the text fields they define
//! (`model::escape`), re-exported here for everything that renders.

pub use crate::model::escape::*;

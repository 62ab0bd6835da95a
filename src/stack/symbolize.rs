//! Raw stacks to named frames, on the pipeline thread (the tracee has long moved on: only
//! the module identities captured at the stop are used). Modules are read once per file
//! identity and each address is looked up once.

use super::files::Found;
use super::symbols::{ModuleSymbols, Named};
use crate::model::StackFrame;
use crate::model::stack::{FileId, ModuleRef, RawStack};
use crate::render::escape::{escape_bytes, escape_str};
use std::collections::HashMap;
use std::sync::Arc;

/// Modules kept; past this the cache starts afresh.
const MAX_MODULES: usize = 256;
/// Addresses remembered.
const MAX_MEMO: usize = 1 << 16;

/// Names stacks; keeps what it has read.
#[derive(Default)]
pub struct Symbolizer {
    modules: HashMap<FileId, Option<ModuleSymbols>>,
    memo: HashMap<(FileId, u64, bool), Arc<[Named]>>,
}

impl Symbolizer {
    /// A symbolizer with empty caches.
    pub fn new() -> Self {
        Self::default()
    }

    /// The frames of `raw`, innermost first, inlined functions as frames of their own.
    pub fn symbolize(&mut self, raw: &RawStack) -> Vec<StackFrame> {
        let mut out = Vec::with_capacity(raw.frames.len());
        for f in &raw.frames {
            let Some(m) = f.module.and_then(|i| raw.modules.get(usize::from(i))) else {
                out.push(StackFrame {
                    addr: f.addr,
                    ..Default::default()
                });
                continue;
            };
            let offset = f.addr.wrapping_sub(m.bias);
            let module = Some(escape_bytes(&m.path));
            let names = self.names(m, offset, f.is_return);
            if names.is_empty() {
                out.push(StackFrame {
                    addr: f.addr,
                    module: module.clone(),
                    offset: Some(offset),
                    ..Default::default()
                });
            }
            for n in names.iter() {
                out.push(StackFrame {
                    addr: f.addr,
                    module: module.clone(),
                    offset: Some(offset),
                    function: n.function.as_deref().map(escape_str),
                    function_offset: n.function_offset,
                    file: n.file.as_deref().map(escape_str),
                    line: n.line,
                    inlined: n.inlined,
                });
            }
        }
        out
    }

    fn names(&mut self, m: &ModuleRef, offset: u64, is_return: bool) -> Arc<[Named]> {
        let key = (m.id.clone(), offset, is_return);
        if let Some(n) = self.memo.get(&key) {
            return n.clone();
        }
        let names: Arc<[Named]> = match module(&mut self.modules, m) {
            // The call instruction ends just before a return address.
            Some(s) => s
                .lookup(offset.wrapping_sub(u64::from(is_return)), offset)
                .into(),
            None => Arc::from(Vec::new()),
        };
        if self.memo.len() >= MAX_MEMO {
            self.memo.clear();
        }
        self.memo.insert(key, names.clone());
        names
    }
}

/// The names of module `m`, read on first use.
fn module<'a>(
    modules: &'a mut HashMap<FileId, Option<ModuleSymbols>>,
    m: &ModuleRef,
) -> Option<&'a ModuleSymbols> {
    if !modules.contains_key(&m.id) {
        if modules.len() >= MAX_MODULES {
            modules.clear();
        }
        let found = Found {
            open_path: m.open_path.clone(),
            id: m.id.clone(),
        };
        // Opened only if it is still the file the stop saw (same inode, size, mtime).
        let s = ModuleSymbols::load(&found, m.build_id.as_deref());
        modules.insert(m.id.clone(), s);
    }
    modules.get(&m.id)?.as_ref()
}

//! What a panic may still do before the process ends: put the terminal back — only if the TUI
//! took it (headless commands such as `validate --output json` must not get escape sequences on
//! stdout) — and write the open editor's unsaved draft (`std::process::exit` skips destructors,
//! so nothing else would).
use crate::domain::manifest::ItemDraft;
use crate::sources::drafts::DraftStore;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

static TERMINAL_TAKEN: AtomicBool = AtomicBool::new(false);

struct Pending {
    store: Option<DraftStore>,
    draft: Option<ItemDraft>,
}

static PENDING: Mutex<Pending> = Mutex::new(Pending {
    store: None,
    draft: None,
});

/// The TUI switched the terminal to raw mode / the alternate screen (`true`), or gave it back.
pub fn set_terminal_taken(taken: bool) {
    TERMINAL_TAKEN.store(taken, Ordering::SeqCst);
}

pub fn terminal_taken() -> bool {
    TERMINAL_TAKEN.load(Ordering::SeqCst)
}

/// Where drafts go (the state dir); none: nothing to flush.
pub fn set_draft_store(store: Option<DraftStore>) {
    if let Ok(mut p) = PENDING.lock() {
        p.store = store;
    }
}

/// The editor's draft not yet on disk (`None` once written or when no editor is open).
pub fn remember_draft(draft: Option<ItemDraft>) {
    if let Ok(mut p) = PENDING.lock()
        && p.draft != draft
    {
        p.draft = draft;
    }
}

/// Writes the remembered draft, if any; returns where. Never blocks on a poisoned or held lock
/// (the panic may have happened while holding it).
pub fn flush_draft() -> Option<std::path::PathBuf> {
    let mut p = match PENDING.try_lock() {
        Ok(p) => p,
        Err(std::sync::TryLockError::Poisoned(e)) => e.into_inner(),
        Err(std::sync::TryLockError::WouldBlock) => return None,
    };
    let draft = p.draft.take()?;
    let store = p.store.as_ref()?;
    store.write(&draft).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_remembered_draft_is_written_once() {
        let dir = tempfile::tempdir().expect("tmp");
        set_draft_store(Some(DraftStore::new(dir.path().join("drafts"))));
        let draft = ItemDraft {
            context: Some("prod".into()),
            namespace: "agents".into(),
            name: "fw".into(),
            lane: Some("A".into()),
            wave: None,
            depends_on: Vec::new(),
            text: "typed a second ago".into(),
            base_resource_version: None,
        };
        remember_draft(Some(draft.clone()));
        let path = flush_draft().expect("written");
        let written = std::fs::read_to_string(path).expect("read");
        assert!(written.contains("typed a second ago"), "{written}");
        assert_eq!(flush_draft(), None, "nothing left to write");
        remember_draft(Some(draft));
        remember_draft(None);
        assert_eq!(
            flush_draft(),
            None,
            "a draft written by the app is forgotten"
        );
        set_draft_store(None);
    }
}

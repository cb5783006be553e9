//! Drafts of work items in the state dir, one JSON file per item: written atomically (temp file +
//! rename) so a crash mid-write never leaves a torn draft; listed at start to offer a restore.
use crate::domain::manifest::ItemDraft;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone)]
pub struct DraftStore {
    dir: PathBuf,
}

impl DraftStore {
    pub fn new(dir: impl Into<PathBuf>) -> DraftStore {
        DraftStore { dir: dir.into() }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// `<context>__<namespace>__<name>.json`; drafts without a context keep their old name.
    fn file_name(context: Option<&str>, namespace: &str, name: &str) -> String {
        let clean = |s: &str| -> String {
            s.chars()
                .map(|c| {
                    if c.is_ascii_alphanumeric() || c == '-' || c == '.' {
                        c
                    } else {
                        '_'
                    }
                })
                .collect()
        };
        let name = if name.is_empty() {
            "unnamed".to_owned()
        } else {
            clean(name)
        };
        match context {
            Some(context) => format!("{}__{}__{name}.json", clean(context), clean(namespace)),
            None => format!("{}__{name}.json", clean(namespace)),
        }
    }

    pub fn path_of(&self, context: Option<&str>, namespace: &str, name: &str) -> PathBuf {
        self.dir.join(Self::file_name(context, namespace, name))
    }

    fn file_name_of(draft: &ItemDraft) -> String {
        Self::file_name(draft.context.as_deref(), &draft.namespace, &draft.name)
    }

    pub fn write(&self, draft: &ItemDraft) -> std::io::Result<PathBuf> {
        write_atomically(&self.dir, &Self::file_name_of(draft), draft)
    }

    /// A copy set aside (the operator took someone else's version): never offered for restore.
    pub fn write_backup(&self, draft: &ItemDraft, stamp: &str) -> std::io::Result<PathBuf> {
        let name = format!(
            "{}.{stamp}.json",
            Self::file_name_of(draft).trim_end_matches(".json")
        );
        write_atomically(&self.dir.join("backup"), &name, draft)
    }

    pub fn delete(
        &self,
        context: Option<&str>,
        namespace: &str,
        name: &str,
    ) -> std::io::Result<()> {
        match std::fs::remove_file(self.path_of(context, namespace, name)) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
            _ => Ok(()),
        }
    }

    /// Every readable draft, oldest first; unreadable files are reported, not fatal.
    pub fn list(&self) -> (Vec<ItemDraft>, Vec<String>) {
        let mut drafts = Vec::new();
        let mut problems = Vec::new();
        let Ok(entries) = std::fs::read_dir(&self.dir) else {
            return (drafts, problems);
        };
        let mut files: Vec<(std::time::SystemTime, PathBuf)> = entries
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .map(|p| {
                (
                    std::fs::metadata(&p)
                        .and_then(|m| m.modified())
                        .unwrap_or(std::time::UNIX_EPOCH),
                    p,
                )
            })
            .collect();
        files.sort();
        for (_, path) in files {
            match std::fs::read_to_string(&path)
                .map_err(|e| e.to_string())
                .and_then(|t| serde_json::from_str::<ItemDraft>(&t).map_err(|e| e.to_string()))
            {
                Ok(d) => drafts.push(d),
                Err(e) => problems.push(format!("{}: {e}", path.display())),
            }
        }
        (drafts, problems)
    }
}

fn write_atomically(dir: &Path, name: &str, draft: &ItemDraft) -> std::io::Result<PathBuf> {
    std::fs::create_dir_all(dir)?;
    let path = dir.join(name);
    let tmp = dir.join(format!(".{name}.tmp"));
    let json = serde_json::to_vec_pretty(draft).map_err(std::io::Error::other)?;
    {
        use std::io::Write;
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(&json)?;
        f.sync_all()?;
    }
    std::fs::rename(&tmp, &path)?;
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draft(name: &str, text: &str) -> ItemDraft {
        ItemDraft {
            context: Some("prod".into()),
            namespace: "agents".into(),
            name: name.into(),
            lane: Some("A".into()),
            wave: None,
            depends_on: vec![],
            text: text.into(),
            base_resource_version: Some("7".into()),
        }
    }

    #[test]
    fn write_list_delete() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = DraftStore::new(dir.path().join("drafts"));
        assert_eq!(store.list().0, vec![]);
        store.write(&draft("a", "one")).expect("write");
        store.write(&draft("a", "two")).expect("overwrite");
        store
            .write(&draft("../evil/name", "x"))
            .expect("names are sanitized");
        let (drafts, problems) = store.list();
        assert!(problems.is_empty());
        assert_eq!(drafts.len(), 2);
        assert!(drafts.iter().any(|d| d.text == "two"));
        store.delete(Some("prod"), "agents", "a").expect("delete");
        store
            .delete(Some("prod"), "agents", "a")
            .expect("deleting twice is fine");
        assert_eq!(store.list().0.len(), 1);
        store
            .write_backup(&draft("a", "mine"), "20260210T120000")
            .expect("backup");
        assert_eq!(store.list().0.len(), 1, "backups are not offered");
    }

    #[test]
    fn a_corrupt_draft_is_reported_not_fatal() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = DraftStore::new(dir.path());
        std::fs::write(dir.path().join("agents__bad.json"), "{not json").expect("write");
        store.write(&draft("ok", "t")).expect("write");
        let (drafts, problems) = store.list();
        assert_eq!(drafts.len(), 1);
        assert!(problems[0].contains("agents__bad.json"));
    }

    #[test]
    fn the_same_item_in_two_contexts_keeps_two_drafts() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = DraftStore::new(dir.path());
        let prod = draft("a", "typed against prod");
        let staging = ItemDraft {
            context: Some("staging".into()),
            ..draft("a", "typed against staging")
        };
        let legacy = ItemDraft {
            context: None,
            ..draft("a", "from an earlier version")
        };
        for d in [&prod, &staging, &legacy] {
            store.write(d).expect("write");
        }
        let (drafts, _) = store.list();
        assert_eq!(drafts.len(), 3, "{drafts:?}");
        store
            .delete(Some("staging"), "agents", "a")
            .expect("delete");
        let (drafts, _) = store.list();
        let mut left: Vec<_> = drafts.iter().map(|d| d.text.as_str()).collect();
        left.sort();
        assert_eq!(left, ["from an earlier version", "typed against prod"]);
    }
}

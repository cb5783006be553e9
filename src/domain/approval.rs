//! Approval of a work item, recorded on the resource (annotations) so `kubectl` and a second
//! operator's cockpit see it. It binds to a hash of the item's content: any later edit — from the
//! cockpit or elsewhere — makes it stale, which the cockpit shows as revoked.
use super::work_item::WorkItem;
use sha2::{Digest, Sha256};

pub const APPROVED_BY: &str = "swarm.proompteng.ai/approved-by";
pub const APPROVED_AT: &str = "swarm.proompteng.ai/approved-at";
pub const APPROVED_HASH: &str = "swarm.proompteng.ai/approved-hash";

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Approval {
    NotApproved,
    Approved {
        by: String,
        at: String,
    },
    /// Approved once, edited since: not approved any more.
    Revoked {
        by: String,
        at: String,
    },
}

impl Approval {
    pub fn is_approved(&self) -> bool {
        matches!(self, Approval::Approved { .. })
    }

    pub fn label(&self) -> String {
        match self {
            Approval::NotApproved => "not approved".into(),
            Approval::Approved { by, at } => format!("approved by {by} at {at}"),
            Approval::Revoked { by, .. } => format!("approval by {by} revoked: edited since"),
        }
    }
}

/// Hash of what an approval vouches for: the text, lane, wave and dependencies.
pub fn content_hash(
    text: &str,
    lane: Option<&str>,
    wave: Option<&str>,
    depends_on: &[String],
) -> String {
    let mut h = Sha256::new();
    for part in [
        "swarm-work-item-v1",
        lane.unwrap_or(""),
        wave.unwrap_or(""),
        &depends_on.join(","),
        text,
    ] {
        h.update((part.len() as u64).to_le_bytes());
        h.update(part.as_bytes());
    }
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

impl WorkItem {
    pub fn content_hash(&self) -> String {
        content_hash(
            &self.text,
            self.lane.as_deref(),
            self.wave.as_deref(),
            &self.depends_on,
        )
    }

    pub fn approval(&self) -> Approval {
        let (Some(by), Some(hash)) = (
            self.annotations.get(APPROVED_BY),
            self.annotations.get(APPROVED_HASH),
        ) else {
            return Approval::NotApproved;
        };
        let at = self
            .annotations
            .get(APPROVED_AT)
            .cloned()
            .unwrap_or_default();
        if *hash == self.content_hash() {
            Approval::Approved { by: by.clone(), at }
        } else {
            Approval::Revoked { by: by.clone(), at }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn item(text: &str, annotations: serde_json::Value) -> WorkItem {
        WorkItem::from_json(&json!({"metadata": {"name": "x", "namespace": "n",
            "labels": {"swarm.proompteng.ai/lane": "A"}, "annotations": annotations},
            "spec": {"text": text}}))
    }

    #[test]
    fn approval_binds_to_content() {
        let hash = item("v1", json!({})).content_hash();
        let approved = item(
            "v1",
            json!({APPROVED_BY: "ana", APPROVED_AT: "2026-02-10T12:00:00Z", APPROVED_HASH: hash}),
        );
        assert!(approved.approval().is_approved());
        let edited = item(
            "v2",
            json!({APPROVED_BY: "ana", APPROVED_AT: "t", APPROVED_HASH: hash}),
        );
        assert_eq!(
            edited.approval(),
            Approval::Revoked {
                by: "ana".into(),
                at: "t".into()
            }
        );
        assert_eq!(item("v1", json!({})).approval(), Approval::NotApproved);
    }

    #[test]
    fn hash_separates_fields() {
        assert_ne!(
            content_hash("ab", Some("A"), None, &[]),
            content_hash("b", Some("Aa"), None, &[])
        );
        assert_ne!(
            content_hash("t", Some("A"), Some("1"), &[]),
            content_hash("t", Some("A"), Some("2"), &[])
        );
    }
}

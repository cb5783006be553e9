//! Approval of a work item, recorded on the resource (annotations) so `kubectl` and a second
//! operator's cockpit see it. An approval is a claim — *this* content of *this* item
//! (namespace/name) in *this* plan, approved by someone at some time — and, when an allowed-signers
//! file is configured, the operator's SSH signature over that claim. So an approval cannot be
//! edited (the signature breaks), copied to another item or plan (the claim names them), made up
//! by anyone without an allowed key (unknown signer), or kept across an edit (the content hash
//! changes). Pure: the hash, the claim, and the verdict.
use super::plan::Plan;
use super::signature::{self, AllowedSigners, SigCheck};
use super::work_item::WorkItem;
use chrono::{DateTime, Utc};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

pub const APPROVED_BY: &str = "swarm.proompteng.ai/approved-by";
pub const APPROVED_AT: &str = "swarm.proompteng.ai/approved-at";
pub const APPROVED_HASH: &str = "swarm.proompteng.ai/approved-hash";
/// `namespace/name` the approval was made for.
pub const APPROVED_FOR: &str = "swarm.proompteng.ai/approved-for";
/// The plan identity the approval was made in (canonical JSON, see [`plan_identity`]).
pub const APPROVED_PLAN: &str = "swarm.proompteng.ai/approved-plan";
/// The armored SSHSIG over the claim's canonical message.
pub const APPROVAL_SIGNATURE: &str = "swarm.proompteng.ai/approval-signature";

/// Every annotation an approval writes (revoking removes them all).
pub const ANNOTATIONS: [&str; 6] = [
    APPROVED_BY,
    APPROVED_AT,
    APPROVED_HASH,
    APPROVED_FOR,
    APPROVED_PLAN,
    APPROVAL_SIGNATURE,
];

/// Content hashes carry their version: an approval made under an older version (which covered
/// less of the item) is shown revoked with that reason, never silently valid.
pub const HASH_PREFIX: &str = "v2:";

/// Why an approval on the resource does not count.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// Made under the version-1 hash, which covered only text, lane, wave and dependencies.
    OldHash,
    /// The item changed since it was approved.
    Edited,
    /// Allowed signers are configured and the approval carries no signature.
    Unsigned,
    /// The signature does not verify over the recorded claim (or is not a signature).
    Forged(String),
    /// A valid approval of another item or another plan.
    Copied(String),
    /// Outside the signer's validity window, or older than `[approvals] max_age_days`.
    Expired(String),
    /// A valid signature by a key the allowed-signers file does not list.
    UnknownSigner(String),
}

impl Refusal {
    pub fn message(&self) -> String {
        match self {
            Refusal::OldHash => "approved under the old content hash, which did not cover the whole spec (acceptance criteria, contract, source, …): approval revoked".into(),
            Refusal::Edited => "changed since it was approved".into(),
            Refusal::Unsigned => "the approval is not signed, and [approvals] allowed_signers is configured: it could have been written by anyone with write access".into(),
            Refusal::Forged(why) => format!("forged approval: {why}"),
            Refusal::Copied(what) => format!("copied approval: it was made for {what}"),
            Refusal::Expired(why) => format!("expired approval: {why}"),
            Refusal::UnknownSigner(fp) => format!("signed by {fp}, a key the allowed signers file does not list"),
        }
    }

    pub fn short(&self) -> &'static str {
        match self {
            Refusal::OldHash => "old hash",
            Refusal::Edited => "edited since",
            Refusal::Unsigned => "unsigned",
            Refusal::Forged(_) => "forged",
            Refusal::Copied(_) => "copied",
            Refusal::Expired(_) => "expired",
            Refusal::UnknownSigner(_) => "unknown signer",
        }
    }

    pub fn fix(&self) -> &'static str {
        match self {
            Refusal::Edited => "review the change and approve again (a, or swarm approve)",
            Refusal::UnknownSigner(_) => {
                "approve with a key the allowed signers file lists, or add the signer's key to it"
            }
            _ => "review the item and approve it again (a, or swarm approve)",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Approval {
    NotApproved,
    Approved {
        /// The signer's principal from the allowed-signers file; unverified: the `approved-by`
        /// annotation as written.
        by: String,
        at: String,
        /// False when no allowed-signers file is configured: nothing vouches for who wrote it.
        verified: bool,
    },
    /// There is an approval on the resource and it does not count.
    Revoked {
        by: String,
        at: String,
        reason: Refusal,
    },
}

impl Approval {
    pub fn is_approved(&self) -> bool {
        matches!(self, Approval::Approved { .. })
    }

    pub fn label(&self) -> String {
        match self {
            Approval::NotApproved => "not approved".into(),
            Approval::Approved {
                by,
                at,
                verified: true,
            } => format!("approved by {by} at {at} (signature verified)"),
            Approval::Approved {
                by,
                at,
                verified: false,
            } => format!("approved by {by} at {at} (unverified: no allowed signers configured)"),
            Approval::Revoked { by, reason, .. } => {
                format!("approval by {by} refused: {}", reason.message())
            }
        }
    }
}

/// Writes `v` as canonical JSON: object keys sorted (by code point), no whitespace, serde_json's
/// escaping and number forms. The same value always gives the same bytes, whatever order the API
/// server or a YAML file had.
pub fn canonical_json(v: &Value) -> String {
    fn write(v: &Value, out: &mut String) {
        match v {
            Value::Object(map) => {
                let mut keys: Vec<&String> = map.keys().collect();
                keys.sort();
                out.push('{');
                for (i, k) in keys.into_iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    out.push_str(&Value::String(k.clone()).to_string());
                    out.push(':');
                    write(&map[k], out);
                }
                out.push('}');
            }
            Value::Array(items) => {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    write(item, out);
                }
                out.push(']');
            }
            other => out.push_str(&other.to_string()),
        }
    }
    let mut out = String::new();
    write(v, &mut out);
    out
}

fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// What an approval vouches for: everything the run executes from. The whole `spec` (text,
/// summary, description, acceptanceCriteria, contract, source, vcsRef, labels, and any field a
/// later schema adds), plus the lane, wave and dependencies the cockpit keeps in metadata.
pub fn content_document(item: &WorkItem) -> Value {
    let mut spec = match &item.spec_rest {
        Value::Object(m) => m.clone(),
        _ => serde_json::Map::new(),
    };
    // The text as read; one of another type was kept in `spec_rest` as it is.
    spec.entry("text")
        .or_insert_with(|| Value::String(item.text.clone()));
    json!({
        "hashVersion": 2,
        "lane": item.lane,
        "wave": item.wave,
        "dependsOn": item.depends_on,
        "spec": spec,
    })
}

/// `v2:` + SHA-256 of the canonical JSON of [`content_document`].
pub fn content_hash(item: &WorkItem) -> String {
    format!(
        "{HASH_PREFIX}{}",
        sha256_hex(canonical_json(&content_document(item)).as_bytes())
    )
}

/// The plan's identity as approvals name it: its name, repository and base (canonical JSON).
/// Lane or wave edits in the plan do not void approvals (the launch gates re-check those);
/// moving an approval to another plan does.
pub fn plan_identity(plan: &Plan) -> String {
    canonical_json(&json!({
        "name": plan.name,
        "repository": plan.repository,
        "base": plan.base,
    }))
}

/// What an approval claims, as recorded in the annotations and signed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claim {
    /// `namespace/name`.
    pub target: String,
    pub plan: String,
    pub content: String,
    pub by: String,
    pub at: String,
}

impl Claim {
    pub fn for_item(item: &WorkItem, plan: &Plan, by: &str, at: &str) -> Claim {
        Claim {
            target: item.key.to_string(),
            plan: plan_identity(plan),
            content: item.content_hash(),
            by: by.to_owned(),
            at: at.to_owned(),
        }
    }

    /// The claim the annotations record; `None` without `approved-by` and `approved-hash`.
    pub fn recorded(item: &WorkItem) -> Option<Claim> {
        let a = &item.annotations;
        let get = |k: &str| a.get(k).cloned().unwrap_or_default();
        if !a.contains_key(APPROVED_BY) || !a.contains_key(APPROVED_HASH) {
            return None;
        }
        Some(Claim {
            target: get(APPROVED_FOR),
            plan: get(APPROVED_PLAN),
            content: get(APPROVED_HASH),
            by: get(APPROVED_BY),
            at: get(APPROVED_AT),
        })
    }

    /// The exact bytes signed: canonical JSON, versioned.
    pub fn message(&self) -> String {
        canonical_json(&json!({
            "approval": "swarm-approval-v1",
            "target": self.target,
            "plan": self.plan,
            "content": self.content,
            "by": self.by,
            "at": self.at,
        }))
    }

    /// The annotations recording this claim and its signature (none in unverified mode).
    pub fn annotations(&self, signature: Option<&str>) -> Value {
        json!({
            APPROVED_BY: self.by,
            APPROVED_AT: self.at,
            APPROVED_HASH: self.content,
            APPROVED_FOR: self.target,
            APPROVED_PLAN: self.plan,
            APPROVAL_SIGNATURE: signature,
        })
    }
}

/// The merge patch recording an approval: the claim's annotations and its signature (removed
/// when there is none), preconditioned on the resourceVersion the approval was made from.
pub fn approval_patch(item: &WorkItem, claim: &Claim, signature: Option<&str>) -> Value {
    json!({"metadata": {
        "resourceVersion": item.resource_version,
        "annotations": claim.annotations(signature),
    }})
}

/// The merge patch removing every approval annotation (revoke).
pub fn revoke_patch(item: &WorkItem) -> Value {
    let annotations: serde_json::Map<String, Value> = ANNOTATIONS
        .iter()
        .map(|k| ((*k).to_owned(), Value::Null))
        .collect();
    json!({"metadata": {
        "resourceVersion": item.resource_version,
        "annotations": annotations,
    }})
}

/// Records an unsigned approval of `item` in `plan` on the item itself (as the API server would
/// after [`approval_patch`]): for the demo and tests.
pub fn record_unsigned(item: &mut WorkItem, plan: &Plan, by: &str, at: &str) {
    let claim = Claim::for_item(item, plan, by, at);
    if let Value::Object(map) = claim.annotations(None) {
        for (k, v) in map {
            match v {
                Value::String(v) => item.annotations.insert(k, v),
                _ => item.annotations.remove(&k),
            };
        }
    }
}

/// Whose approvals count: the allowed signers (none: unverified mode) and an optional maximum
/// age. Signature checks are remembered by (message, signature), so drawing the board does not
/// verify every signature on every frame.
#[derive(Clone, Default)]
pub struct Policy {
    pub signers: Option<Arc<AllowedSigners>>,
    pub max_age: Option<chrono::Duration>,
    memo: Arc<Mutex<HashMap<[u8; 32], SigCheck>>>,
}

impl std::fmt::Debug for Policy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Policy")
            .field("signers", &self.signers.as_ref().map(|s| s.signers.len()))
            .field("max_age", &self.max_age)
            .finish()
    }
}

impl Policy {
    pub fn new(signers: Option<AllowedSigners>, max_age: Option<chrono::Duration>) -> Policy {
        Policy {
            signers: signers.map(Arc::new),
            max_age,
            memo: Arc::default(),
        }
    }

    /// True when approvals are only hash-checked (no allowed signers configured).
    pub fn is_unverified(&self) -> bool {
        self.signers.is_none()
    }

    fn check_signature(&self, signers: &AllowedSigners, message: &str, armored: &str) -> SigCheck {
        let mut h = Sha256::new();
        h.update((message.len() as u64).to_le_bytes());
        h.update(message.as_bytes());
        h.update(armored.as_bytes());
        let key: [u8; 32] = h.finalize().into();
        if let Ok(memo) = self.memo.lock()
            && let Some(hit) = memo.get(&key)
        {
            return hit.clone();
        }
        let result = signature::check(signers, message.as_bytes(), armored);
        if let Ok(mut memo) = self.memo.lock() {
            if memo.len() > 10_000 {
                memo.clear();
            }
            memo.insert(key, result.clone());
        }
        result
    }

    /// The verdict on `item`'s approval in `plan` at `now`.
    pub fn verify(&self, item: &WorkItem, plan: &Plan, now: DateTime<Utc>) -> Approval {
        let Some(claim) = Claim::recorded(item) else {
            return Approval::NotApproved;
        };
        let refused = |by: &str, reason| Approval::Revoked {
            by: by.to_owned(),
            at: claim.at.clone(),
            reason,
        };
        if !claim.content.starts_with(HASH_PREFIX) {
            return refused(&claim.by, Refusal::OldHash);
        }
        // Who vouches for the claim: the signature (verified mode), else nobody.
        let mut by = claim.by.clone();
        if let Some(signers) = &self.signers {
            let Some(armored) = item.annotations.get(APPROVAL_SIGNATURE) else {
                return refused(&claim.by, Refusal::Unsigned);
            };
            match self.check_signature(signers, &claim.message(), armored) {
                SigCheck::Invalid(why) => return refused(&claim.by, Refusal::Forged(why)),
                SigCheck::UnknownSigner { fingerprint } => {
                    return refused(&claim.by, Refusal::UnknownSigner(fingerprint));
                }
                SigCheck::Valid {
                    principal,
                    fingerprint,
                    valid_after,
                    valid_before,
                } => {
                    if let Some(after) = valid_after.filter(|t| !super::clock::reached(now, *t)) {
                        return refused(
                            &principal,
                            Refusal::Expired(format!(
                                "the key {fingerprint} is valid only after {after} (allowed signers)"
                            )),
                        );
                    }
                    if let Some(before) = valid_before.filter(|t| super::clock::reached(now, *t)) {
                        return refused(
                            &principal,
                            Refusal::Expired(format!(
                                "the key {fingerprint} was valid until {before} (allowed signers)"
                            )),
                        );
                    }
                    by = principal;
                }
            }
        }
        if claim.target != item.key.to_string() {
            let what = if claim.target.is_empty() {
                "no item named in it".to_owned()
            } else {
                claim.target.clone()
            };
            return refused(&by, Refusal::Copied(what));
        }
        if claim.plan != plan_identity(plan) {
            return refused(
                &by,
                Refusal::Copied(format!("another plan ({})", claim.plan)),
            );
        }
        if claim.content != item.content_hash() {
            return refused(&by, Refusal::Edited);
        }
        if let Some(max_age) = self.max_age {
            match DateTime::parse_from_rfc3339(&claim.at) {
                // A time ahead of the clock (beyond a few minutes of skew) would never reach
                // the maximum age.
                Ok(at) if at.with_timezone(&Utc) > now + chrono::Duration::minutes(5) => {
                    return refused(
                        &by,
                        Refusal::Expired(format!(
                            "approved at {}, a time that has not come yet: [approvals] max_age_days cannot be judged",
                            claim.at
                        )),
                    );
                }
                Ok(at) if now.signed_duration_since(at) > max_age => {
                    return refused(
                        &by,
                        Refusal::Expired(format!(
                            "approved at {}, longer ago than [approvals] max_age_days ({} days)",
                            claim.at,
                            max_age.num_days()
                        )),
                    );
                }
                Ok(_) => {}
                Err(_) => {
                    return refused(
                        &by,
                        Refusal::Expired(format!(
                            "approval time {:?} cannot be read, and [approvals] max_age_days is set",
                            claim.at
                        )),
                    );
                }
            }
        }
        Approval::Approved {
            by,
            at: claim.at.clone(),
            verified: self.signers.is_some(),
        }
    }
}

impl WorkItem {
    pub fn content_hash(&self) -> String {
        content_hash(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn item(text: &str, spec_extra: Value, annotations: Value) -> WorkItem {
        let mut spec = json!({"text": text});
        if let (Some(s), Value::Object(extra)) = (spec.as_object_mut(), spec_extra) {
            s.extend(extra);
        }
        WorkItem::from_json(&json!({"metadata": {"name": "x", "namespace": "n",
            "labels": {"swarm.proompteng.ai/lane": "A"}, "annotations": annotations},
            "spec": spec}))
    }

    fn approved(w: &WorkItem, plan: &Plan) -> WorkItem {
        let mut out = w.clone();
        record_unsigned(&mut out, plan, "ana", "2026-02-10T12:00:00Z");
        out
    }

    fn now() -> DateTime<Utc> {
        "2026-02-11T00:00:00Z".parse().expect("time")
    }

    #[test]
    fn unverified_approval_binds_to_content_item_and_plan() {
        let plan = Plan::default();
        let policy = Policy::default();
        let w = item("v1", json!({}), json!({}));
        assert_eq!(policy.verify(&w, &plan, now()), Approval::NotApproved);
        let a = approved(&w, &plan);
        assert_eq!(
            policy.verify(&a, &plan, now()),
            Approval::Approved {
                by: "ana".into(),
                at: "2026-02-10T12:00:00Z".into(),
                verified: false
            }
        );
        let mut edited = a.clone();
        edited.text.push('!');
        assert!(matches!(
            policy.verify(&edited, &plan, now()),
            Approval::Revoked {
                reason: Refusal::Edited,
                ..
            }
        ));
        let mut moved = a.clone();
        moved.key.name = "y".into();
        assert!(matches!(
            policy.verify(&moved, &plan, now()),
            Approval::Revoked { reason: Refusal::Copied(what), .. } if what == "n/x"
        ));
        let mut other_plan = Plan::default();
        other_plan.name = "other".into();
        assert!(matches!(
            policy.verify(&a, &other_plan, now()),
            Approval::Revoked {
                reason: Refusal::Copied(_),
                ..
            }
        ));
    }

    #[test]
    fn every_spec_field_is_covered() {
        let plan = Plan::default();
        let policy = Policy::default();
        let base = item(
            "t",
            json!({"summary": "s", "description": "d", "acceptanceCriteria": ["a"],
                   "contract": {"requiredKeys": ["k"]}, "source": {"provider": "manual"},
                   "vcsRef": {"name": "main"}, "labels": ["l"]}),
            json!({}),
        );
        let a = approved(&base, &plan);
        assert!(policy.verify(&a, &plan, now()).is_approved());
        for (field, value) in [
            ("summary", json!("s2")),
            ("description", json!("d2")),
            ("acceptanceCriteria", json!(["a", "b"])),
            ("contract", json!({"requiredKeys": ["k", "j"]})),
            ("source", json!({"provider": "github"})),
            ("vcsRef", json!({"name": "dev"})),
            ("labels", json!([])),
            ("somethingNew", json!(1)),
        ] {
            let mut edited = item(
                "t",
                json!({"summary": "s", "description": "d", "acceptanceCriteria": ["a"],
                       "contract": {"requiredKeys": ["k"]}, "source": {"provider": "manual"},
                       "vcsRef": {"name": "main"}, "labels": ["l"]}),
                json!({}),
            );
            if let Value::Object(m) = &mut edited.spec_rest {
                m.insert(field.into(), value);
            }
            edited.annotations = a.annotations.clone();
            assert!(
                matches!(
                    policy.verify(&edited, &plan, now()),
                    Approval::Revoked {
                        reason: Refusal::Edited,
                        ..
                    }
                ),
                "an edit of spec.{field} must revoke"
            );
        }
        for (lane, wave, deps) in [
            (Some("B"), None, vec![]),
            (Some("A"), Some("2"), vec![]),
            (Some("A"), None, vec!["other".to_owned()]),
        ] {
            let mut edited = a.clone();
            edited.lane = lane.map(str::to_owned);
            edited.wave = wave.map(str::to_owned);
            edited.depends_on = deps;
            assert!(!policy.verify(&edited, &plan, now()).is_approved());
        }
    }

    #[test]
    fn key_order_does_not_change_the_hash() {
        let a = item(
            "t",
            json!({"source": {"provider": "m", "url": "u"}}),
            json!({}),
        );
        let mut b = a.clone();
        b.spec_rest =
            serde_json::from_str(r#"{"source": {"url": "u", "provider": "m"}}"#).expect("json");
        assert_eq!(a.content_hash(), b.content_hash());
        assert!(a.content_hash().starts_with("v2:"));
    }

    #[test]
    fn old_hash_approvals_show_revoked_with_the_reason() {
        let w = item(
            "v1",
            json!({}),
            json!({APPROVED_BY: "ana", APPROVED_AT: "t",
                   APPROVED_HASH: "5f1e0c2a9b0f0ad4d1a6e4d2f0c4d1b2a3c4d5e6f708192a3b4c5d6e7f801234"}),
        );
        let v = Policy::default().verify(&w, &Plan::default(), now());
        assert_eq!(
            v,
            Approval::Revoked {
                by: "ana".into(),
                at: "t".into(),
                reason: Refusal::OldHash
            }
        );
        assert!(v.label().contains("old content hash"));
    }

    #[test]
    fn signed_mode_refuses_unsigned_and_garbage() {
        let plan = Plan::default();
        let policy = Policy::new(Some(AllowedSigners::default()), None);
        let a = approved(&item("t", json!({}), json!({})), &plan);
        assert!(matches!(
            policy.verify(&a, &plan, now()),
            Approval::Revoked {
                reason: Refusal::Unsigned,
                ..
            }
        ));
        let mut g = a.clone();
        g.annotations
            .insert(APPROVAL_SIGNATURE.into(), "trust me".into());
        assert!(matches!(
            policy.verify(&g, &plan, now()),
            Approval::Revoked {
                reason: Refusal::Forged(_),
                ..
            }
        ));
    }

    #[test]
    fn max_age_expires_old_approvals() {
        let plan = Plan::default();
        let policy = Policy::new(None, Some(chrono::Duration::days(1)));
        let a = approved(&item("t", json!({}), json!({})), &plan);
        assert!(policy.verify(&a, &plan, now()).is_approved());
        let later = now() + chrono::Duration::days(2);
        assert!(matches!(
            policy.verify(&a, &plan, later),
            Approval::Revoked {
                reason: Refusal::Expired(_),
                ..
            }
        ));
    }

    proptest! {
        /// Any change of any spec string revokes; the hash separates fields (no two documents
        /// share one by moving text between fields).
        #[test]
        fn hash_separates_fields(a in ".{0,12}", b in ".{0,12}", c in ".{0,12}") {
            let x = item(&a, json!({"summary": b, "description": c}), json!({}));
            let y = item(&format!("{a}{b}"), json!({"summary": "", "description": c}), json!({}));
            if !b.is_empty() {
                prop_assert_ne!(x.content_hash(), y.content_hash());
            }
            let z = item(&a, json!({"summary": c, "description": b}), json!({}));
            if b != c {
                prop_assert_ne!(x.content_hash(), z.content_hash());
            }
        }
    }
}

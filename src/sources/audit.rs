//! The audit log: one JSON line per mutating action in `<state dir>/audit.jsonl` (who, when, what,
//! on which object, with what outcome). The resources carry annotations of their own as well.
use serde_json::json;
use std::io::Write;
use std::path::PathBuf;

#[derive(Debug, Clone)]
pub struct AuditLog {
    path: PathBuf,
    operator: String,
}

impl AuditLog {
    pub fn new(path: impl Into<PathBuf>, operator: impl Into<String>) -> AuditLog {
        AuditLog {
            path: path.into(),
            operator: operator.into(),
        }
    }

    pub fn path(&self) -> &std::path::Path {
        &self.path
    }

    /// Appends one entry; a log that cannot be written is reported in the tracing log, never fatal.
    pub fn record(&self, action: &str, target: &str, outcome: &str) {
        let line = json!({
            "at": chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
            "operator": self.operator,
            "action": action,
            "target": target,
            "outcome": outcome,
        });
        let result = (|| -> std::io::Result<()> {
            if let Some(dir) = self.path.parent() {
                std::fs::create_dir_all(dir)?;
            }
            let mut f = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(&self.path)?;
            writeln!(f, "{line}")
        })();
        if let Err(e) = result {
            tracing::error!(error = %e, path = %self.path.display(), "cannot write the audit log");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn appends_json_lines() {
        let dir = tempfile::tempdir().expect("tempdir");
        let log = AuditLog::new(dir.path().join("a/audit.jsonl"), "ana");
        log.record("launch", "agents/fw-w1-abc", "created");
        log.record("cancel", "agents/fw-w1-abc", "ok");
        let text = std::fs::read_to_string(log.path()).expect("read");
        let lines: Vec<serde_json::Value> = text
            .lines()
            .map(|l| serde_json::from_str(l).expect("json"))
            .collect();
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0]["operator"], "ana");
        assert_eq!(lines[1]["action"], "cancel");
    }
}

//! The config file (`config.toml` in the config dir): defaults for every command-line option.
//! Command-line flags win over the file; the file wins over built-in defaults.
use serde::Deserialize;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Theme name (built-in or in `themes/` of the config dir) or path to a theme file.
    pub theme: Option<String>,
    /// Plan file with lanes and waves.
    pub plan: Option<PathBuf>,
    pub kubeconfig: Option<PathBuf>,
    pub context: Option<String>,
    pub namespace: Option<String>,
    #[serde(default)]
    pub all_namespaces: bool,
    /// Key remapping: board action → keys (`down = ["j", "ctrl-n"]`), or one table per screen
    /// (`[keys.logs]`).
    #[serde(default)]
    pub keys: crate::app::keymap::KeysConfig,
    #[serde(default)]
    pub notifications: NotificationsConfig,
    /// Refuse every mutating action.
    #[serde(default)]
    pub read_only: bool,
    #[serde(default)]
    pub launch: LaunchConfig,
    #[serde(default)]
    pub guardrails: GuardrailsConfig,
    /// Who approvals and launches are recorded as [default: $USER].
    pub operator: Option<String>,
    /// Head branches must start with this [default: "codex/"].
    pub head_prefix: Option<String>,
    #[serde(default)]
    pub demo: DemoConfig,
    #[serde(default)]
    pub github: GitHubConfig,
    #[serde(default)]
    pub logs: LogsConfig,
    #[serde(default)]
    pub approvals: ApprovalsConfig,
    #[serde(default)]
    pub audit: AuditConfig,
}

/// `[approvals]`: who may approve (signed approvals), and how the operator signs.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ApprovalsConfig {
    /// Allowed-signers file in the format of git's `gpg.ssh.allowedSignersFile`. Unset:
    /// approvals are unverified (shown and confirmed as such).
    pub allowed_signers: Option<PathBuf>,
    /// The operator's SSH key: a private key file, or a public key (or encrypted private key)
    /// whose private half `ssh-agent` holds [default: the first agent key the file allows].
    pub signing_key: Option<PathBuf>,
    /// Approvals older than this many days are refused as expired [default: no limit].
    pub max_age_days: Option<u32>,
}

impl ApprovalsConfig {
    /// The verification policy; a named allowed-signers file that cannot be read or parsed is an
    /// error (never a silent fall back to unverified).
    pub fn policy(&self) -> Result<crate::domain::approval::Policy, String> {
        let signers = match &self.allowed_signers {
            Some(path) => Some(crate::sources::signing::load_allowed_signers(
                &expand_home(path),
            )?),
            None => None,
        };
        Ok(crate::domain::approval::Policy::new(
            signers,
            self.max_age_days
                .map(|d| chrono::Duration::days(i64::from(d))),
        ))
    }

    pub fn signer(
        &self,
        policy: &crate::domain::approval::Policy,
    ) -> crate::sources::signing::Signer {
        crate::sources::signing::Signer::new(self.signing_key.as_deref().map(expand_home), policy)
    }
}

/// `~/x` → `$HOME/x`, as git reads `gpg.ssh.allowedSignersFile`.
fn expand_home(path: &Path) -> PathBuf {
    match (path.strip_prefix("~"), std::env::var_os("HOME")) {
        (Ok(rest), Some(home)) => PathBuf::from(home).join(rest),
        _ => path.to_path_buf(),
    }
}

/// `[audit]`: where the changed files of the swarm's PRs come from, and what counts as drift.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct AuditConfig {
    /// A local clone of the swarm's repository. Only read: the cockpit fetches its remote into
    /// a private bare mirror in the cache dir.
    pub repo: Option<PathBuf>,
    /// The clone's remote the agents push to [default: origin].
    pub remote: Option<String>,
    /// Seconds between fetches [default: 60]; 0 fetches only on `r` and when a run's head moves.
    pub refresh_seconds: Option<u64>,
    /// Seconds one git command may take [default: 120].
    pub git_timeout_seconds: Option<u64>,
    /// Path globs no agent may change (credentials) [default: see README].
    pub guarded_paths: Option<Vec<String>>,
    /// Checks a PR must pass where GitHub's branch rules cannot be read.
    #[serde(default)]
    pub required_checks: Vec<String>,
}

impl AuditConfig {
    pub fn remote(&self) -> String {
        self.remote.clone().unwrap_or_else(|| "origin".into())
    }

    pub fn git_timeout(&self) -> std::time::Duration {
        std::time::Duration::from_secs(self.git_timeout_seconds.unwrap_or(120).max(1))
    }

    pub fn refresh(&self) -> Option<std::time::Duration> {
        match self.refresh_seconds.unwrap_or(60) {
            0 => None,
            s => Some(std::time::Duration::from_secs(s)),
        }
    }

    /// Puts the settings the app uses into its audit state.
    pub fn apply(&self, view: &mut crate::app::audit::AuditView) {
        if let Some(globs) = &self.guarded_paths {
            view.guarded = globs.clone();
        }
        view.required_config = self.required_checks.clone();
    }
}

/// `[logs]`: the log view of a run.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct LogsConfig {
    /// Lines kept per log view before the oldest are dropped [default: 1000000].
    pub max_lines: Option<usize>,
    /// Bytes of log text kept per view before the oldest lines are dropped [default: 256 MiB].
    pub max_bytes: Option<usize>,
    /// Lines fetched from the end of the log when a view opens [default: 10000]; 0: all.
    pub tail: Option<u32>,
    /// Show timestamps [default: false].
    pub timestamps: Option<bool>,
    /// Wrap long lines [default: true].
    pub wrap: Option<bool>,
}

impl LogsConfig {
    /// The settings the log view uses; `save_dir` is where `ctrl-s` writes.
    pub fn settings(&self, save_dir: Option<PathBuf>) -> crate::app::logs::LogSettings {
        let d = crate::app::logs::LogSettings::default();
        crate::app::logs::LogSettings {
            max_lines: self.max_lines.unwrap_or(d.max_lines),
            max_bytes: self.max_bytes.unwrap_or(d.max_bytes),
            tail: match self.tail {
                Some(0) => None,
                Some(n) => Some(n),
                None => d.tail,
            },
            timestamps: self.timestamps.unwrap_or(d.timestamps),
            wrap: self.wrap.unwrap_or(d.wrap),
            save_dir,
        }
    }

    fn check(&self, text: &str, file: &str) -> Result<(), ConfigError> {
        let bad = |key: &str, message: String| ConfigError {
            file: file.to_owned(),
            line: line_of_key(text, key),
            message,
        };
        if self.max_lines == Some(0) {
            return Err(bad(
                "max_lines",
                "logs.max_lines: must be at least 1".into(),
            ));
        }
        if let Some(b) = self.max_bytes
            && b < 4096
        {
            return Err(bad(
                "max_bytes",
                format!("logs.max_bytes: must be at least 4096, got {b}"),
            ));
        }
        Ok(())
    }
}

/// `[github]`: where PR status comes from.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct GitHubConfig {
    /// REST API root [default: https://api.github.com]; GitHub Enterprise: `https://HOST/api/v3`.
    pub api_url: Option<String>,
    /// Seconds between PR refreshes [default: 60]; 0 refreshes only on `r`.
    pub refresh_seconds: Option<u64>,
}

#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct DemoConfig {
    pub seed: Option<u64>,
    pub speed: Option<f64>,
}

/// `[notifications]`: how transitions reach the operator.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct NotificationsConfig {
    /// Ring the terminal bell.
    pub bell: bool,
    /// Also send a desktop notification (`notify-send`).
    pub desktop: bool,
    /// Pending or Blocked longer than this many minutes is flagged as stuck.
    pub stuck_after_minutes: u32,
}

impl Default for NotificationsConfig {
    fn default() -> Self {
        NotificationsConfig {
            bell: true,
            desktop: false,
            stuck_after_minutes: 30,
        }
    }
}

/// `[launch]`: how AgentRuns are created.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct LaunchConfig {
    pub agent: Option<String>,
    pub runtime: Option<String>,
    pub secrets: Option<Vec<String>>,
    pub ttl_seconds_after_finished: Option<u64>,
}

impl LaunchConfig {
    pub fn apply(&self, s: &mut crate::domain::wave::LaunchSettings) {
        if let Some(v) = &self.agent {
            s.agent = v.clone();
        }
        if let Some(v) = &self.runtime {
            s.runtime = v.clone();
        }
        if let Some(v) = &self.secrets {
            s.secrets = v.clone();
        }
        if let Some(v) = self.ttl_seconds_after_finished {
            s.ttl_seconds_after_finished = v;
        }
    }
}

/// `[guardrails]`: the deny-list of live-trading / credential parameters and the allowed secrets.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct GuardrailsConfig {
    pub deny_parameter_names: Option<Vec<String>>,
    pub deny_parameter_values: Option<Vec<String>>,
    pub allowed_secrets: Option<Vec<String>>,
    /// Replaces the default credential path globs.
    pub credential_paths: Option<Vec<String>>,
    /// Added to the default credential path globs.
    pub extra_credential_paths: Option<Vec<String>>,
    /// Replaces the default live broker hosts.
    pub live_endpoints: Option<Vec<String>>,
}

impl GuardrailsConfig {
    /// Every credential glob must compile: a guard that silently matches nothing is no guard.
    fn check(&self, text: &str, file: &str) -> Result<(), ConfigError> {
        let globs = self
            .credential_paths
            .iter()
            .chain(&self.extra_credential_paths)
            .flatten();
        for glob in globs {
            if let Err(e) = crate::domain::paths::PathSpec::guard(glob) {
                return Err(ConfigError {
                    file: file.to_owned(),
                    line: line_of_key(text, "credential_paths"),
                    message: format!("guardrails: credential path {glob:?}: {e}"),
                });
            }
        }
        Ok(())
    }

    pub fn apply(&self, g: &mut crate::domain::wave::Guardrails) {
        if let Some(v) = &self.credential_paths {
            g.credential_paths = v.clone();
        }
        if let Some(v) = &self.extra_credential_paths {
            g.credential_paths.extend(v.iter().cloned());
        }
        if let Some(v) = &self.live_endpoints {
            g.live_endpoints = v.clone();
        }
        if let Some(v) = &self.deny_parameter_names {
            g.deny_parameter_names = v.clone();
        }
        if let Some(v) = &self.deny_parameter_values {
            g.deny_parameter_values = v.clone();
        }
        if let Some(v) = &self.allowed_secrets {
            g.allowed_secrets = v.clone();
        }
    }
}

#[derive(Debug, thiserror::Error, PartialEq)]
#[error("{file}{}: {message}", crate::domain::sanitize::line_suffix(*line))]
pub struct ConfigError {
    pub file: String,
    pub line: usize,
    pub message: String,
}

impl Config {
    /// Loads `path`; a missing file is the empty config unless it was named explicitly.
    pub fn load(path: &Path, explicit: bool) -> Result<Config, ConfigError> {
        match std::fs::read_to_string(path) {
            Ok(text) => Config::parse(&text, &path.display().to_string()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && !explicit => {
                Ok(Config::default())
            }
            Err(e) => Err(ConfigError {
                file: path.display().to_string(),
                line: 0,
                message: format!("cannot read config file: {e}"),
            }),
        }
    }

    pub fn parse(text: &str, file: &str) -> Result<Config, ConfigError> {
        let config: Config = toml::from_str(text).map_err(|e| ConfigError {
            file: file.to_owned(),
            line: e.span().map_or(0, |s| {
                text[..s.start.min(text.len())].matches('\n').count() + 1
            }),
            message: e.message().trim().to_owned(),
        })?;
        if let Some(url) = &config.github.api_url
            && !(url.starts_with("https://") || url.starts_with("http://"))
        {
            return Err(ConfigError {
                file: file.to_owned(),
                line: line_of_key(text, "api_url"),
                message: format!("github.api_url: must be an http(s) URL, got {url:?}"),
            });
        }
        config.logs.check(text, file)?;
        config.guardrails.check(text, file)?;
        if config.approvals.max_age_days == Some(0) {
            return Err(ConfigError {
                file: file.to_owned(),
                line: line_of_key(text, "max_age_days"),
                message: "approvals.max_age_days: must be at least 1 (leave it out for no limit)"
                    .into(),
            });
        }
        if let Some(speed) = config.demo.speed
            && !(speed.is_finite() && speed >= 0.0)
        {
            return Err(ConfigError {
                file: file.to_owned(),
                line: line_of_key(text, "speed"),
                message: format!("demo.speed: must be a number ≥ 0, got {speed}"),
            });
        }
        Ok(config)
    }
}

fn line_of_key(text: &str, key: &str) -> usize {
    text.lines()
        .position(|l| l.trim_start().starts_with(key))
        .map_or(0, |i| i + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_config_parses() {
        let c = Config::parse(
            "theme = \"light\"\nplan = \"/p/plan.toml\"\ncontext = \"kind\"\nnamespace = \"agents\"\nall_namespaces = false\n[demo]\nseed = 7\nspeed = 2.5\n",
            "c.toml",
        )
        .expect("valid");
        assert_eq!(c.theme.as_deref(), Some("light"));
        assert_eq!(
            c.demo,
            DemoConfig {
                seed: Some(7),
                speed: Some(2.5)
            }
        );
    }

    #[test]
    fn bad_config_names_line_and_field() {
        let e =
            Config::parse("theme = \"x\"\nnamespce = \"a\"\n", "c.toml").expect_err("unknown key");
        assert_eq!((e.line, e.file.as_str()), (2, "c.toml"));
        assert!(e.message.contains("namespce"), "{e}");
        let e = Config::parse("[demo]\nspeed = -1.0\n", "c.toml").expect_err("negative");
        assert_eq!(e.line, 2);
        let e = Config::parse("all_namespaces = \"yes\"\n", "c.toml").expect_err("type");
        assert_eq!(e.line, 1);
    }

    #[test]
    fn missing_default_file_is_empty_but_missing_explicit_file_is_an_error() {
        let p = Path::new("/nonexistent/swarm/config.toml");
        assert_eq!(Config::load(p, false), Ok(Config::default()));
        assert!(Config::load(p, true).is_err());
    }
}

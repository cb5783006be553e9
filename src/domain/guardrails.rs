//! The trading-safety guardrails, by meaning: a parameter that turns paper trading off or points
//! at live trading, an in-scope path that changes credentials, a secret a run may not mount.
//! One table (the README's "Guardrails") and one place that applies it; the work item checks,
//! `swarm validate` and the launch gate all call these.
use super::paths::{PathSet, PathSpec};
use globset::{GlobBuilder, GlobSet, GlobSetBuilder};
use regex::Regex;
use std::sync::{Arc, LazyLock, Mutex};

/// The configurable part (`[guardrails]` in the config). Defaults cover the seed's Torghut setup.
#[derive(Debug, Clone, PartialEq)]
pub struct Guardrails {
    /// Glob patterns (case-insensitive) on parameter names, refused whatever their value.
    pub deny_parameter_names: Vec<String>,
    /// Glob patterns (case-insensitive) on parameter values, refused whatever their name.
    pub deny_parameter_values: Vec<String>,
    /// Secrets a run may mount; anything else is refused.
    pub allowed_secrets: Vec<String>,
    /// Paths (globs, ASCII case ignored) that hold credentials: an in-scope path that lies
    /// entirely inside them is refused.
    pub credential_paths: Vec<String>,
    /// Hosts of live (real-money) broker APIs; their paper/sandbox twins are not listed.
    pub live_endpoints: Vec<String>,
    compiled: CredentialCache,
}

/// The compiled credential rules, rebuilt only when the globs change (the editor re-checks on
/// every keystroke).
#[derive(Debug, Default)]
struct CredentialCache(Mutex<Option<(Vec<String>, Arc<PathSet>)>>);

impl Clone for CredentialCache {
    fn clone(&self) -> Self {
        CredentialCache::default()
    }
}

impl PartialEq for CredentialCache {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

pub const DEFAULT_CREDENTIAL_PATHS: &[&str] = &[
    "**/*secret*",
    "**/*credential*",
    "**/*creds*",
    "**/*password*",
    "**/*passwd*",
    "**/token*",
    "**/*token",
    "**/*tokens",
    "**/*token.*",
    "**/*tokens.*",
    "**/*apikey*",
    "**/*api-key*",
    "**/*api_key*",
    "**/*.pem",
    "**/*.key",
    "**/*.p12",
    "**/*.pfx",
    "**/*.jks",
    "**/*.keystore",
    "**/id_rsa*",
    "**/id_ecdsa*",
    "**/id_ed25519*",
    "**/.ssh",
    "**/.env",
    "**/.env.*",
    "**/*.env",
    "**/*kubeconfig*",
    "**/.kube",
    "**/.netrc",
    "**/.git-credentials",
    "**/.npmrc",
    "**/.pypirc",
    "**/.docker/config.json",
];

pub const DEFAULT_LIVE_ENDPOINTS: &[&str] = &[
    "api.alpaca.markets",
    "broker-api.alpaca.markets",
    "api.tradier.com",
];

impl Default for Guardrails {
    fn default() -> Self {
        let strings = |v: &[&str]| v.iter().map(|s| s.to_string()).collect();
        Guardrails {
            deny_parameter_names: strings(&[
                "*live*",
                "*trading_mode*",
                "*tradingmode*",
                "*credential*",
                "*password*",
                "*api_key*",
                "*apikey*",
                "*secret*",
                "*token*",
                "*broker*",
            ]),
            deny_parameter_values: strings(&[
                "live",
                "*live-trading*",
                "*live_trading*",
                "*enable-live*",
                "*paper=false*",
            ]),
            allowed_secrets: vec!["codex-github-token".into()],
            credential_paths: strings(DEFAULT_CREDENTIAL_PATHS),
            live_endpoints: strings(DEFAULT_LIVE_ENDPOINTS),
            compiled: CredentialCache::default(),
        }
    }
}

/// A parameter the guardrails refuse, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub rule: &'static str,
    pub reason: String,
}

fn case_insensitive_set(patterns: &[String]) -> GlobSet {
    let mut b = GlobSetBuilder::new();
    for p in patterns {
        if let Ok(g) = GlobBuilder::new(p).case_insensitive(true).build() {
            b.add(g);
        }
    }
    b.build().unwrap_or_else(|_| GlobSet::empty())
}

/// Letters and digits only, lower case: `TRADING_MODE`, `trading-mode`, `tradingMode` are one key.
fn normal_key(key: &str) -> String {
    key.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

fn normal_value(value: &str) -> String {
    value
        .trim()
        .trim_matches(['"', '\'', '`'])
        .trim()
        .to_ascii_lowercase()
}

fn is_false(v: &str) -> bool {
    matches!(
        v,
        "false" | "0" | "no" | "off" | "n" | "f" | "disabled" | "disable"
    )
}

fn is_true(v: &str) -> bool {
    matches!(
        v,
        "true" | "1" | "yes" | "on" | "y" | "t" | "enabled" | "enable"
    )
}

fn is_live_word(v: &str) -> bool {
    matches!(
        normal_key(v).as_str(),
        "live" | "real" | "realmoney" | "livetrading" | "liveaccount"
    )
}

/// Keys that select where or how orders go.
fn is_mode_key(k: &str) -> bool {
    [
        "mode",
        "env",
        "environment",
        "account",
        "broker",
        "trading",
        "stage",
        "profile",
        "target",
    ]
    .iter()
    .any(|w| k.contains(w))
}

/// Keys that say which money is at stake: "production" there means real money.
fn is_money_key(k: &str) -> bool {
    ["trading", "broker", "account", "alpaca", "order"]
        .iter()
        .any(|w| k.contains(w))
}

static PAIR: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"(?i)([a-z0-9_.\-]+)["']?\s*[:=]\s*["'`]?([a-z0-9_.:/\-]+)"#).expect("valid regex")
});
static FLAG: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)(?:^|[\s,;])--?(live|live[-_]trading|no[-_]paper|real[-_]money|enable[-_]live)\b",
    )
    .expect("valid regex")
});

impl Guardrails {
    /// Why the parameter `key: value` must not reach a run, if it must not.
    pub fn parameter_refusal(&self, key: &str, value: &str) -> Option<Refusal> {
        if let Some(r) = self.meaning(key, value) {
            return Some(r);
        }
        for caps in PAIR.captures_iter(value) {
            let (k, v) = (&caps[1], &caps[2]);
            if let Some(r) = self.meaning(k, v) {
                return Some(Refusal {
                    rule: r.rule,
                    reason: format!("its value sets `{k}={v}`: {}", r.reason),
                });
            }
        }
        if let Some(flag) = FLAG.captures(value) {
            return Some(Refusal {
                rule: "live-flag",
                reason: format!("its value passes the flag `--{}`", &flag[1]),
            });
        }
        if case_insensitive_set(&self.deny_parameter_names).is_match(key) {
            return Some(Refusal {
                rule: "deny-name",
                reason: "its name is on the deny-list of live-trading and credential parameters"
                    .into(),
            });
        }
        if case_insensitive_set(&self.deny_parameter_values).is_match(value.trim()) {
            return Some(Refusal {
                rule: "deny-value",
                reason: "its value is on the deny-list of live-trading values".into(),
            });
        }
        None
    }

    fn meaning(&self, key: &str, value: &str) -> Option<Refusal> {
        let k = normal_key(key);
        let v = normal_value(value);
        if k.contains("paper") && is_false(&v) {
            return Some(Refusal {
                rule: "paper-off",
                reason: "it turns paper trading off".into(),
            });
        }
        if k.contains("live") && is_true(&v) {
            return Some(Refusal {
                rule: "live-on",
                reason: "it turns live trading on".into(),
            });
        }
        if is_mode_key(&k) && is_live_word(&v) {
            return Some(Refusal {
                rule: "live-mode",
                reason: "it selects live trading".into(),
            });
        }
        if is_money_key(&k) && matches!(v.as_str(), "production" | "prod") {
            return Some(Refusal {
                rule: "live-mode",
                reason: "it selects the production (real-money) account".into(),
            });
        }
        if let Some(host) = self.live_endpoint_in(&v) {
            return Some(Refusal {
                rule: "live-endpoint",
                reason: format!("it points at the live broker API {host}"),
            });
        }
        None
    }

    /// A configured live host named in `text` as a whole host (not `paper-api.alpaca.markets`
    /// for `api.alpaca.markets`).
    fn live_endpoint_in(&self, text: &str) -> Option<&str> {
        let host_char = |c: char| c.is_ascii_alphanumeric() || c == '-' || c == '.';
        self.live_endpoints.iter().map(String::as_str).find(|host| {
            let host_l = host.to_ascii_lowercase();
            text.match_indices(&host_l).any(|(i, m)| {
                let before = text[..i].chars().next_back();
                let rest = &text[i + m.len()..];
                let after_ok = match rest.chars().next() {
                    None => true,
                    Some(c) if c.is_ascii_alphanumeric() || c == '-' => false,
                    Some('.') => !rest[1..].starts_with(|c: char| c.is_ascii_alphanumeric()),
                    Some(_) => true,
                };
                !before.is_some_and(host_char) && after_ok
            })
        })
    }

    /// The compiled credential rules (invalid globs are reported by the config loader).
    pub fn credential_set(&self) -> Arc<PathSet> {
        let mut cache = self.compiled.0.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((globs, set)) = cache.as_ref()
            && *globs == self.credential_paths
        {
            return set.clone();
        }
        let specs: Vec<PathSpec> = self
            .credential_paths
            .iter()
            .filter_map(|g| PathSpec::guard(g).ok())
            .collect();
        let set = Arc::new(PathSet::new(&specs));
        *cache = Some((self.credential_paths.clone(), set.clone()));
        set
    }
}

/// An in-scope path that would change credentials: some brace alternative of it lies entirely
/// in the credential rules. Returns an example path of it and the rule that names it.
pub fn credential_path(spec: &PathSpec, rules: &PathSet) -> Option<(String, String)> {
    if rules.is_empty() {
        return None;
    }
    spec.alternatives().into_iter().find_map(|alt| {
        if alt.uncovered_by(rules).is_some() {
            return None;
        }
        let example = alt.example()?;
        let rule = rules
            .matching(&example)
            .map(|r| r.source().to_owned())
            .unwrap_or_default();
        Some((example, rule))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(key: &str, value: &str) -> Option<&'static str> {
        Guardrails::default()
            .parameter_refusal(key, value)
            .map(|r| r.rule)
    }

    #[test]
    fn live_trading_is_refused_by_meaning() {
        for (k, v) in [
            ("paper", "false"),
            ("PAPER_TRADING", "`False`"),
            ("torghut.paper", "0"),
            ("mode", "live"),
            ("tradingMode", "LIVE"),
            ("account_type", "real-money"),
            ("alpaca_account", "production"),
            ("env", "TRADING_MODE=live"),
            ("extraArgs", "--live"),
            ("config", "{\"paper\": false}"),
            ("endpoint", "https://api.alpaca.markets/v2"),
            ("base_url", "api.alpaca.markets"),
            ("flags", "run --no-paper --fast"),
            ("enable_live", "true"),
        ] {
            assert!(refused(k, v).is_some(), "{k}: {v} must be refused");
        }
    }

    #[test]
    fn paper_trading_is_not_refused() {
        for (k, v) in [
            ("repository", "proompteng/lab"),
            ("base", "main"),
            ("head", "codex/swarm/lane-a/order-firewall"),
            ("stage", "implementation"),
            ("gitopsPath", "argocd/applications/torghut"),
            ("paper", "true"),
            ("mode", "paper"),
            ("endpoint", "https://paper-api.alpaca.markets/v2"),
            ("data_url", "https://data.alpaca.markets"),
            ("env", "TRADING_MODE=paper"),
            ("notes", "delivery tracking"),
        ] {
            assert_eq!(refused(k, v), None, "{k}: {v}");
        }
    }

    #[test]
    fn credential_paths_are_found_in_any_alternative() {
        let rules = Guardrails::default().credential_set();
        for path in [
            "kubernetes/torghut/sealed-secret.yaml",
            "argocd/applications/torghut/secrets/**",
            "services/torghut/.env",
            "services/torghut/.env.production",
            "kubernetes/torghut/{deployment.yaml,SealedSecret.yaml}",
            "ops/kubeconfig",
            "services/torghut/app/alpaca-api-key.json",
            "deploy/certs/tls.key",
        ] {
            let spec = PathSpec::parse(path).expect("valid");
            assert!(credential_path(&spec, &rules).is_some(), "{path}");
        }
        for path in [
            "services/torghut/app/trading/**",
            "kubernetes/torghut/deployment.yaml",
            "docs/torghut/runbooks/kill-switch.md",
        ] {
            let spec = PathSpec::parse(path).expect("valid");
            assert_eq!(credential_path(&spec, &rules), None, "{path}");
        }
    }
}

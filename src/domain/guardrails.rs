//! The trading-safety guardrails, by meaning: a parameter that turns paper trading off or points
//! at live trading, an in-scope path that changes credentials, a secret a run may not mount.
//! One table (the README's "Guardrails") and one place that applies it; the work item checks,
//! `swarm validate` and the launch gate all call these.
use super::paths::{PathSet, PathSpec, Witness};
use regex::Regex;
use std::sync::{Arc, LazyLock, Mutex};

mod commands;
mod prose;
mod reading;
mod words;
pub use self::reading::{ReadLine, prose_lines};
use self::words::{WordPattern, has_run, words};

/// The configurable part (`[guardrails]` in the config). Defaults cover the seed's Torghut setup.
#[derive(Debug, Clone, PartialEq)]
pub struct Guardrails {
    /// Patterns on the words of parameter names (see [`WordPattern`]), refused unless the
    /// value keeps paper trading on (`trading_mode: paper`, `disable_live: true`).
    pub deny_parameter_names: Vec<String>,
    /// Patterns on the words of parameter values, refused whatever their name: an entry open at
    /// an end (`*live-trading*`) matches one token of the value, a closed one (`live`) the whole.
    pub deny_parameter_values: Vec<String>,
    /// Secrets a run may mount; anything else is refused.
    pub allowed_secrets: Vec<String>,
    /// Paths (globs, ASCII case ignored) that hold credentials: an in-scope path that lies
    /// entirely inside them is refused.
    pub credential_paths: Vec<String>,
    /// Hosts of live (real-money) broker APIs; their paper/sandbox twins are not listed.
    pub live_endpoints: Vec<String>,
    compiled: CompiledRules,
}

/// Something compiled from a list of patterns, rebuilt only when the patterns change: the editor
/// re-checks on every keystroke and the planner on every frame, and the lists are public fields
/// the config may change after construction.
#[derive(Debug)]
struct Compiled<T>(Mutex<Option<(Vec<String>, Arc<T>)>>);

impl<T> Default for Compiled<T> {
    fn default() -> Self {
        Compiled(Mutex::new(None))
    }
}

impl<T> Compiled<T> {
    fn get(&self, patterns: &[String], build: impl FnOnce(&[String]) -> T) -> Arc<T> {
        let mut cache = self.0.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((kept, compiled)) = cache.as_ref()
            && kept.as_slice() == patterns
        {
            return compiled.clone();
        }
        let compiled = Arc::new(build(patterns));
        *cache = Some((patterns.to_vec(), compiled.clone()));
        compiled
    }
}

impl<T> Clone for Compiled<T> {
    fn clone(&self) -> Self {
        Compiled::default()
    }
}

impl<T> PartialEq for Compiled<T> {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

/// The compiled forms of the pattern lists.
#[derive(Debug, Default, Clone, PartialEq)]
struct CompiledRules {
    credentials: Compiled<PathSet>,
    deny_names: Compiled<Vec<WordPattern>>,
    deny_values: Compiled<Vec<WordPattern>>,
}

pub const DEFAULT_CREDENTIAL_PATHS: &[&str] = &[
    "**/*secret*",
    "**/*credential*",
    "**/*creds*",
    "**/*password*",
    "**/*passwd*",
    // `token`, `token.json`, `token-cache`, `tokens_v2`, `access_token`: not `tokenizer.py`.
    "**/token",
    "**/token[-_]*",
    "**/tokens[-_]*",
    "**/*token",
    "**/*tokens",
    "**/*token.*",
    "**/*tokens.*",
    "**/*apikey*",
    "**/*api-key*",
    "**/*api_key*",
    // `alpaca_api_keys.json`, `keys/alpaca.json`, a private key armored (`private.asc`), and the
    // token stores of package managers and registries named `auth.json`.
    "**/*api*keys*",
    "**/*keys.json",
    "**/keys/*.json",
    "**/*private*.asc",
    "**/auth.json",
    "**/*.pem",
    "**/*.key",
    "**/*.p12",
    "**/*.pfx",
    "**/*.jks",
    "**/*.keystore",
    "**/*.keytab",
    "**/*.ppk",
    "**/*.kdbx",
    "**/*.gpg",
    "**/*private*key*",
    "**/*privkey*",
    "**/*sa[-_]key*",
    "**/*service*account*.json",
    "**/id_rsa*",
    "**/id_dsa*",
    "**/id_ecdsa*",
    "**/id_ed25519*",
    "**/*_rsa",
    "**/*_ed25519",
    "**/.ssh",
    "**/.gnupg",
    // Encrypted secret files (SOPS and the like) are secrets too.
    "**/*.sops",
    "**/*.sops.*",
    "**/*.enc.*",
    "**/.env",
    "**/.env.*",
    "**/.envrc",
    "**/*.env",
    "**/*kubeconfig*",
    "**/.kube",
    "**/.netrc",
    "**/.git-credentials",
    "**/.npmrc",
    "**/.pypirc",
    "**/.docker/config.json",
    // Cloud and database clients' credentials.
    "**/.aws",
    "**/.azure",
    "**/.config/gcloud",
    "**/.s3cfg",
    "**/.boto",
    "**/.pgpass",
    "**/.my.cnf",
    "**/.terraformrc",
    "**/*.tfstate",
    "**/*.tfstate.*",
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
            // Whole words: `*secret` is a name ending in the word secret (`ALPACA_SECRET`, not
            // `secret_scanning`), `*token` not `max_tokens`/`tokenizer`.
            deny_parameter_names: strings(&[
                "*live*",
                "*trading_mode*",
                "*broker*",
                "*credential",
                "*credentials",
                "*password",
                "*passwd",
                "*api_key",
                "*api_key_id",
                "*key_id",
                "*secret",
                "*secrets",
                "*secret_key",
                "*private_key",
                "*access_key",
                "*token",
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
            compiled: CompiledRules::default(),
        }
    }
}

/// Whether a parameter's name makes it a prompt (`Prompt`, `system_prompt`, `promptOverride`,
/// `spec.parameters.prompt`): its words include `prompt` (not `prompt_version`, `prompt_hash`:
/// the reproducibility record of which prompt ran).
pub fn names_a_prompt(key: &str) -> bool {
    let w = words(key);
    w.iter().any(|x| x == "prompt" || x == "prompts")
        && !w.iter().any(|x| {
            matches!(
                x.as_str(),
                "version" | "hash" | "digest" | "sha" | "checksum" | "revision"
            )
        })
}

/// A parameter the guardrails refuse, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub rule: &'static str,
    pub reason: String,
}

fn word_patterns(entries: &[String]) -> Vec<WordPattern> {
    entries.iter().filter_map(|e| WordPattern::new(e)).collect()
}

/// A setting's name that says it holds a secret, by its last words: `ALPACA_SECRET_KEY`,
/// `APCA_API_KEY_ID`, `apiKey`, `db-password`, `GH_TOKEN`, `aws_credentials` (`tokenizer`,
/// `max_tokens` and `--token-budget` are not).
fn names_a_credential(key: &str) -> bool {
    let w = words(key);
    let last = |n: usize| w.len().checked_sub(n).map(|i| &w[i..]);
    let one = last(1).is_some_and(|l| {
        matches!(
            l[0].as_str(),
            "secret" | "password" | "passwd" | "token" | "credential" | "credentials" | "apikey"
        )
    });
    let two = last(2).is_some_and(|l| {
        matches!(
            (l[0].as_str(), l[1].as_str()),
            ("api" | "secret" | "private" | "access" | "signing", "key") | ("key", "id")
        )
    });
    one || two
}

/// A name ending in `key` that is not one of [`names_a_credential`]'s (`ALPACA_KEY`,
/// `BROKER_KEY`, but also `SORT_KEY`): a credential when its value looks like one.
fn names_a_key(key: &str) -> bool {
    words(key)
        .last()
        .is_some_and(|l| matches!(l.as_str(), "key" | "keys"))
}

/// A value shaped like a key or token: six or more characters of letters and digits (both),
/// no spaces (`PKABC123`, `sk-live-1`, `ghp_xxx1`), not a word (`created_at`) or a number.
fn looks_like_a_secret(value: &str) -> bool {
    let v = value.trim().trim_matches(['"', '\'', '`']);
    v.len() >= 6
        && v.chars().any(|c| c.is_ascii_alphabetic())
        && v.chars().any(|c| c.is_ascii_digit())
        && v.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_+/=.".contains(c))
        && carries_a_secret(v)
}

/// A value that is a secret rather than a reference to one (`$GH_TOKEN`, `${SECRET}`), a
/// placeholder left empty, or a file path the run would read a mounted secret from.
fn carries_a_secret(value: &str) -> bool {
    let v = value.trim().trim_matches(['"', '\'', '`']).trim();
    !(v.is_empty()
        || v.starts_with('$')
        || v.starts_with('/')
        || v.starts_with("./")
        || matches!(v.to_ascii_lowercase().as_str(), "null" | "none" | "~" | "-"))
}

/// A value as a setting reads it: whitespace, quotes and YAML tags around it dropped, lower
/// case, and only its first word when more follows (`false  # for now`, `False,`, `'live' # go`).
fn normal_value(value: &str) -> String {
    let v = value
        .trim()
        .trim_start_matches(['"', '\'', '`'])
        .trim_start();
    let v = v
        .strip_prefix("!!bool")
        .or_else(|| v.strip_prefix("!!str"))
        .unwrap_or(v)
        .trim_start()
        .trim_start_matches(['"', '\'', '`'])
        .to_ascii_lowercase();
    // The first token: a value ends where a comment, a separator or a closing quote starts.
    let end = v
        .find(|c: char| !(c.is_ascii_alphanumeric() || "_.:/-@".contains(c)))
        .unwrap_or(v.len());
    let first = v[..end].trim_end_matches(['.', ':']);
    if first.is_empty() {
        v.trim().to_owned()
    } else {
        first.to_owned()
    }
}

/// A whole value as a deny-list entry reads it: a `#` comment and the quotes around it dropped
/// (`'live' # go` is `live`; `live trading stays disabled` stays what it says).
fn whole_value(value: &str) -> String {
    let v = value.split(" #").next().unwrap_or(value);
    v.trim()
        .trim_matches(['"', '\'', '`'])
        .trim()
        .trim_end_matches([',', '.'])
        .to_owned()
}

fn is_false(v: &str) -> bool {
    matches!(
        v,
        "false" | "0" | "no" | "off" | "n" | "f" | "disabled" | "disable" | "never"
    ) || v.parse::<f64>().is_ok_and(|n| n == 0.0)
}

fn is_true(v: &str) -> bool {
    is_bool_true(v) || v.parse::<f64>().is_ok_and(|n| n != 0.0 && n.is_finite())
}

/// A true value spelled as a boolean (not any non-zero number: `order_timeout: 30` is no switch).
fn is_bool_true(v: &str) -> bool {
    matches!(
        v,
        "true" | "1" | "yes" | "on" | "y" | "t" | "enabled" | "enable" | "always"
    )
}

/// A value that unsets a setting (`paper: null`): a flag left unset reads as false.
fn is_unset(v: &str) -> bool {
    matches!(v, "null" | "none" | "nil" | "~")
}

/// A value that selects real money: a word `live` (`live`, `LIVE`, `alpaca-live`, `live_v2`),
/// `real` alone or before money/trading/account/orders, `realmoney`, `livetrading`.
fn is_live_word(v: &str) -> bool {
    says_real_money(&words(v))
}

/// The words hold `live`, or `real` alone or before money/trading/account/orders: what a value
/// and a key both say of real money.
fn says_real_money(w: &[String]) -> bool {
    w.iter().enumerate().any(|(i, word)| {
        word == "live"
            || (word == "real"
                && (w.len() == 1
                    || w.get(i + 1).is_some_and(|n| {
                        matches!(n.as_str(), "money" | "trading" | "account" | "orders")
                    })))
    })
}

/// A value that names paper trading or its twins (`paper`, `alpaca-paper`, `sandbox`).
fn is_paper_word(v: &str) -> bool {
    words(v).iter().any(|w| PAPER_WORDS.contains(&w.as_str()))
}

fn any_word(kw: &[String], set: &[&str]) -> bool {
    kw.iter().any(|w| set.contains(&w.as_str()))
}

/// Keys that select where or how orders go.
fn is_mode_key(kw: &[String]) -> bool {
    any_word(
        kw,
        &[
            "mode",
            "modes",
            "env",
            "environment",
            "account",
            "accounts",
            "broker",
            "trading",
            "stage",
            "profile",
            "target",
            "execution",
            "endpoint",
            "venue",
            "routing",
        ],
    )
}

/// Keys that say which money is at stake: "production" there means real money.
fn is_money_key(kw: &[String]) -> bool {
    any_word(
        kw,
        &[
            "trading",
            "broker",
            "account",
            "alpaca",
            "order",
            "orders",
            "execution",
        ],
    )
}

/// Words that turn a key's meaning around (`disable_paper`, `PAPER_TRADING_DISABLED`, `no-live`,
/// and run together: `nopaper`, `paperOff`).
const NEGATIONS: [&str; 10] = [
    "no", "not", "non", "disable", "disabled", "without", "skip", "bypass", "off", "never",
];

fn negated(kw: &[String]) -> bool {
    any_word(kw, &NEGATIONS)
}

/// The twins of paper trading a broker may call something else.
const PAPER_WORDS: [&str; 3] = ["paper", "sandbox", "testnet"];

/// Words that make `live` mean something other than money: live reload, live data, live logs.
const LIVE_NOT_MONEY: &[&str] = &[
    "reload",
    "reloading",
    "preview",
    "refresh",
    "stream",
    "streaming",
    "data",
    "quote",
    "quotes",
    "feed",
    "log",
    "logs",
    "tail",
    "view",
    "server",
    "share",
    "demo",
    "edit",
    "coding",
    "update",
    "updates",
    "probe",
    "chat",
    "market",
    "prices",
];

/// Keys whose true value means real money: the word `live` (not `liveReload`, `live_data`), or
/// `real` alone or before money/trading/account/orders (`enable_real_money`, `real_orders`).
fn is_live_key(kw: &[String]) -> bool {
    !any_word(kw, LIVE_NOT_MONEY) && says_real_money(kw)
}

/// Keys whose true value keeps trading safe and whose false value lifts that: the kill switch, a
/// dry run, a simulation (`kill_switch: off`, `dry_run: false`, `simulate: false`).
fn is_safety_switch(kw: &[String]) -> bool {
    has_run(kw, &["kill", "switch"])
        || has_run(kw, &["dry", "run"])
        || any_word(
            kw,
            &[
                "killswitch",
                "dryrun",
                "simulate",
                "simulated",
                "simulation",
            ],
        )
}

/// Keys that switch sending orders on (`orders_enabled`, `submit_orders`, `ENABLE_ORDER_SUBMISSION`).
fn is_order_switch(kw: &[String]) -> bool {
    any_word(kw, &["orders", "order"])
        && any_word(
            kw,
            &[
                "enabled",
                "enable",
                "submit",
                "submission",
                "send",
                "place",
                "placement",
                "execute",
                "allowed",
                "allow",
            ],
        )
}

/// Whether `key: value` keeps paper trading on by what it says: a paper key set true, a live key
/// set false (or a negated one true), a mode set to paper, a safety switch on.
fn keeps_paper(key: &str, value: &str) -> bool {
    let kw = words(key);
    let v = normal_value(value);
    let neg = negated(&kw);
    // Whether the key's switch is set to `want`, a negated name read the other way round.
    let set_to = |want: bool| {
        if want != neg {
            is_true(&v)
        } else {
            is_false(&v)
        }
    };
    (any_word(&kw, &PAPER_WORDS) && set_to(true))
        || (is_live_key(&kw) && set_to(false))
        || (is_mode_key(&kw) && is_paper_word(value) && !is_live_word(value))
        || (is_safety_switch(&kw) && set_to(true))
}

/// `name: value` settings written inside a value: `TRADING_MODE=live`, `"paper": false`,
/// `paper: false`, `--mode=live`.
static PAIR: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r#"(?i)([a-z0-9_.\-]+)\\?["'`]?\s*([:=])\s*(?:!!\w+\s+)?\\?["'`]?([a-z0-9_.:/@\-]+)"#,
    )
    .expect("valid regex")
});
/// A flag whose `=value` is itself a setting (`--env=TRADING_MODE=live`, `--set=paper=false`,
/// `--from-literal=KEY=v`): read as `--env TRADING_MODE=live` so the setting is a pair of its own.
static NESTED_FLAG: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"(?i)(^|[\s,;"'`(\[])(--?[a-z][a-z0-9_.\-]*)=([^\s"'`=:]*[=:])"#)
        .expect("valid regex")
});
/// A command-line flag and the value after it: `--mode live`, `--paper false`.
static FLAG_VALUE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r#"(?i)(?:^|[\s,;"'`(\[])--?([a-z][a-z0-9_.\-]*)\s+["'`]?([a-z0-9_.:/@][a-z0-9_.:/@\-]*)"#,
    )
    .expect("valid regex")
});
/// A command-line flag on its own (or with `=value`, read by [`PAIR`]): `--live`, `--no-paper`.
static FLAG: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"(?i)(?:^|[\s,;"'`(\[])--?([a-z][a-z0-9_.\-]*)"#).expect("valid regex")
});

/// Words that only say "use it" next to a live word in a flag or argument.
const PLAIN: [&str; 15] = [
    "enable", "enabled", "use", "with", "allow", "go", "trading", "trade", "account", "mode",
    "money", "orders", "broker", "on", "is",
];

/// A flag or argument that switches live trading on: `--live`, `--live-trading`,
/// `--enable-live`, `--use-live-account`, `--go-live`, `--real-money`, `--real`, `trade-live`
/// — its words are a live word and words that only say "use it" (not `--live-reload`,
/// `--deliver`, `test_live_guard.py`).
fn is_live_flag(flag: &str) -> bool {
    let w = words(flag);
    let live_word = |x: &String| matches!(x.as_str(), "live" | "real");
    w.iter().any(live_word)
        && is_live_word(flag)
        && !negated(&w)
        && w.iter()
            .all(|x| PLAIN.contains(&x.as_str()) || live_word(x))
}

/// Letters of other scripts that read as Latin ones (Cyrillic and Greek look-alikes), by the
/// Latin letter they pass for.
const LOOKALIKES: [(char, char); 52] = [
    ('а', 'a'),
    ('е', 'e'),
    ('о', 'o'),
    ('р', 'p'),
    ('с', 'c'),
    ('х', 'x'),
    ('у', 'y'),
    ('і', 'i'),
    ('ј', 'j'),
    ('ѕ', 's'),
    ('һ', 'h'),
    ('ԁ', 'd'),
    ('ӏ', 'l'),
    ('ԛ', 'q'),
    ('ԝ', 'w'),
    ('ѵ', 'v'),
    ('А', 'A'),
    ('В', 'B'),
    ('Е', 'E'),
    ('К', 'K'),
    ('М', 'M'),
    ('Н', 'H'),
    ('О', 'O'),
    ('Р', 'P'),
    ('С', 'C'),
    ('Т', 'T'),
    ('Х', 'X'),
    ('І', 'I'),
    ('Ј', 'J'),
    ('Ѕ', 'S'),
    ('Ү', 'Y'),
    ('α', 'a'),
    ('ο', 'o'),
    ('ρ', 'p'),
    ('ν', 'v'),
    ('ι', 'i'),
    ('κ', 'k'),
    ('Α', 'A'),
    ('Β', 'B'),
    ('Ε', 'E'),
    ('Ζ', 'Z'),
    ('Η', 'H'),
    ('Ι', 'I'),
    ('Κ', 'K'),
    ('Μ', 'M'),
    ('Ν', 'N'),
    ('Ο', 'O'),
    ('Ρ', 'P'),
    ('Τ', 'T'),
    ('Χ', 'X'),
    ('Υ', 'Y'),
    ('ℓ', 'l'),
];

/// Text as the agent (a reader, not a parser) takes it: invisible characters dropped, full-width
/// forms and look-alike letters of other scripts read as the ASCII they pass for. `ＴＲＡＤＩＮＧ_ＭＯＤＥ:
/// lіve` (a Cyrillic і) is an instruction to trade live to whoever reads it.
fn as_read(text: &str) -> String {
    text.chars()
        .filter(|&c| !super::paths::hygiene::is_invisible(c))
        .map(|c| match c {
            '\u{3002}' | '\u{FF0E}' | '\u{FF61}' => '.',
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFF01 + 0x21).unwrap_or(c),
            '\u{3000}' => ' ',
            '\u{2018}' | '\u{2019}' | '\u{201A}' | '\u{201B}' | '\u{2032}' => '\'',
            '\u{201C}' | '\u{201D}' | '\u{201E}' | '\u{201F}' | '\u{00AB}' | '\u{00BB}' => '"',
            c => LOOKALIKES
                .iter()
                .find(|(from, _)| *from == c)
                .map_or(c, |(_, to)| *to),
        })
        .collect()
}

/// Text as a host name resolver reads it: the full-width forms and ideographic full stops that
/// IDNA maps to ASCII made ASCII, percent-encoded ASCII decoded, lower case.
fn host_text(text: &str) -> String {
    let mapped: String = text
        .chars()
        .map(|c| match c {
            '\u{3002}' | '\u{FF0E}' | '\u{FF61}' => '.',
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFF01 + 0x21).unwrap_or(c),
            c => c,
        })
        .collect();
    let bytes = mapped.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let Some(hex) = mapped.get(i + 1..i + 3)
            && let Ok(b) = u8::from_str_radix(hex, 16)
            && b.is_ascii()
        {
            out.push(b);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).to_lowercase()
}

/// A command argument that is itself a live switch: `torghut.trade live`, `make trade-live`,
/// `run --go live` read as a flag's value is left to the flag's meaning (`pytest -k live` and
/// `-m "not live"` select tests).
fn live_argument(segment: &commands::Segment) -> Option<Refusal> {
    let (_, args) = commands::program(&segment.words)?;
    args.iter()
        .enumerate()
        .filter(|(i, a)| {
            let flag_value = *i > 0 && args[i - 1].starts_with('-');
            !a.starts_with('-') && !flag_value
        })
        .find(|(_, a)| !a.contains(['/', '=', ':']) && !a.contains(".py") && is_live_flag(a))
        .map(|(_, a)| Refusal {
            rule: "live-flag",
            reason: format!("it passes the argument `{a}`, which switches live trading on"),
        })
}

impl Guardrails {
    /// Why the parameter `key: value` must not reach a run, if it must not.
    pub fn parameter_refusal(&self, key: &str, value: &str) -> Option<Refusal> {
        let (key, value) = (&as_read(key), &as_read(value));
        if let Some(r) = self.meaning(key, value) {
            return Some(r);
        }
        if let Some(r) = self.embedded_refusal(value) {
            return Some(r);
        }
        let names = self
            .compiled
            .deny_names
            .get(&self.deny_parameter_names, word_patterns);
        // A deny-listed name passes only with a value that keeps paper trading on.
        if names.iter().any(|p| p.is_match(key)) && !keeps_paper(key, value) {
            return Some(Refusal {
                rule: "deny-name",
                reason: "its name is on the deny-list of live-trading and credential parameters"
                    .into(),
            });
        }
        if self.denied_value(value) {
            return Some(Refusal {
                rule: "deny-value",
                reason: "its value is on the deny-list of live-trading values".into(),
            });
        }
        None
    }

    /// A value on the deny-list: a closed entry (`live`) is the whole value, an open one
    /// (`*live-trading*`) one whitespace-separated token of it, both by whole words.
    fn denied_value(&self, value: &str) -> bool {
        let values = self
            .compiled
            .deny_values
            .get(&self.deny_parameter_values, word_patterns);
        let whole = whole_value(value);
        values.iter().any(|p| {
            if p.open {
                value
                    .split_whitespace()
                    .any(|t| p.is_match(t.trim_matches(['"', '\'', '`', ',', ';'])))
            } else {
                p.is_match(&whole)
            }
        })
    }

    /// Why a command the run executes (a validation command) must not run, if it must not: a
    /// live-trading setting, flag, argument or endpoint written in it, a change to secrets, a
    /// secret written into it. (Reproducibility is [`Guardrails::reproducibility_refusal`].)
    pub fn command_refusal(&self, command: &str) -> Option<Refusal> {
        let command = &as_read(command);
        let segments = commands::segments(command);
        if let Some(r) = segments.iter().find_map(commands::secret_change) {
            return Some(r);
        }
        // `kubectl apply -f kubernetes/torghut/sealed-secret.yaml` changes the secret it holds.
        let credentials = self.credential_set();
        let applied = segments.iter().flat_map(commands::applied_files);
        if let Some(file) = applied.into_iter().find(|f| credentials.matches(f)) {
            return Some(Refusal {
                rule: "secret-change",
                reason: format!(
                    "it applies the credential file `{file}`: runs stay credential-less (a person manages secrets)"
                ),
            });
        }
        // A search for the live host or a live setting (`grep -rn api.alpaca.markets … ||
        // true`) checks it is not used; anywhere else the command reaches or sets it.
        let searches = segments.iter().any(commands::is_search);
        let run: Vec<&commands::Segment> = segments
            .iter()
            .filter(|s| !commands::is_search(s))
            .collect();
        let text = if searches {
            run.iter()
                .map(|s| s.words.join(" "))
                .collect::<Vec<_>>()
                .join(" ; ")
        } else {
            command.clone()
        };
        if let Some(host) = self.live_endpoint_in(&host_text(&text)) {
            return Some(Refusal {
                rule: "live-endpoint",
                reason: format!("it points at the live broker API {host}"),
            });
        }
        if let Some(r) = run.into_iter().find_map(live_argument) {
            return Some(r);
        }
        self.embedded_refusal(&text)
    }

    /// Why a command is not reproducible, if it is not: a download run as a program, a package
    /// installed without a pinned version, a container image without a pinned tag or digest.
    pub fn reproducibility_refusal(&self, command: &str) -> Option<Refusal> {
        commands::reproducibility(&as_read(command))
    }

    /// Why a parameter is not reproducible: its value is such a command, or it names a
    /// container image (`image: ghcr.io/proompteng/torghut:latest`) without a pinned tag.
    pub fn parameter_reproducibility(&self, key: &str, value: &str) -> Option<Refusal> {
        let v = as_read(value);
        let v = v.trim().trim_matches(['"', '\'', '`']);
        let image_key = words(key).iter().any(|w| w == "image");
        let one_ref = !v.is_empty() && !v.contains(char::is_whitespace) && !v.starts_with('$');
        if image_key && one_ref {
            return commands::unpinned_image_ref(v);
        }
        self.reproducibility_refusal(value)
    }

    /// Why a line of the text the agent reads (any section, a spec field) must not reach a
    /// run: a concrete live-trading setting, a live endpoint, a literal secret, a credential
    /// path to change, or an affirmative instruction to trade live. Prose is read clause by
    /// clause, and what a clause says no to (`never set TRADING_MODE=live`) is clean; a line
    /// of code (`code`: inside a fenced block) is read as written.
    pub fn text_refusal(&self, line: &str, code: bool) -> Option<Refusal> {
        self.text_refusals(line, code).into_iter().next()
    }

    /// Why a parameter's value, read as prose, must not reach a run: it tells the agent to trade
    /// live (its settings, endpoints and secrets are [`Guardrails::parameter_refusal`]'s).
    pub fn instruction_refusal(&self, value: &str) -> Option<Refusal> {
        prose::clauses(&as_read(value))
            .iter()
            .any(|(_, c)| prose::live_instruction(c))
            .then(Self::live_instruction)
    }

    /// Every refusal of [`Guardrails::text_refusal`] in a line, one per clause.
    fn text_refusals(&self, line: &str, code: bool) -> Vec<Refusal> {
        let line = &as_read(line);
        if code {
            return self.concrete_refusal(line).into_iter().collect();
        }
        prose::sentences(line)
            .into_iter()
            .flat_map(|sentence| {
                let clauses: Vec<&str> = prose::clauses(sentence)
                    .into_iter()
                    .map(|(_, c)| c)
                    .collect();
                (0..clauses.len())
                    .filter_map(|i| {
                        let clause = clauses[i];
                        // A setting the sentence describes being refused (`When TRADING_MODE=live
                        // is configured, the firewall blocks every order`) is a description, unless
                        // the clause tells the agent to make it (`Set TRADING_MODE=live so …`).
                        let described_refused = !prose::gives_an_instruction(clause)
                            && clauses[i + 1..]
                                .iter()
                                .any(|c| prose::describes_a_refusal(c));
                        let concrete = if described_refused {
                            None
                        } else {
                            self.concrete_refusal(prose::affirmative_part(clause))
                        };
                        concrete.or_else(|| {
                            prose::live_instruction(clause).then(Self::live_instruction)
                        })
                    })
                    .collect::<Vec<_>>()
            })
            .collect()
    }

    /// Why a line tries to take precedence over the spec text, its gates or the system prompt
    /// ("ignore all previous instructions", "the system prompt is outdated", "you are now …").
    pub fn precedence_refusal(&self, line: &str) -> Option<Refusal> {
        let line = &as_read(line);
        prose::clauses(line)
            .iter()
            .any(|(_, c)| prose::precedence_override(c))
            .then(|| Refusal {
                rule: "prompt-precedence",
                reason: "it tries to override the spec, its safety gates or the system prompt"
                    .into(),
            })
    }

    /// What one line of prose (or of a code block in it) says that the guardrails refuse: a live
    /// setting, command or instruction, and an attempt to override the spec's precedence.
    pub fn line_refusals(&self, text: &str, code: bool) -> Vec<Refusal> {
        let mut found = self.text_refusals(text, code);
        if code {
            found.extend(self.command_refusal(text));
        }
        found.extend(self.precedence_refusal(text));
        let mut rules = std::collections::HashSet::new();
        found.retain(|r| rules.insert(r.rule));
        found
    }

    /// Concrete settings in text: `KEY=VALUE` / `key: value` pairs and flags by meaning, a live
    /// endpoint, a literal secret, a credential path named to change.
    fn concrete_refusal(&self, text: &str) -> Option<Refusal> {
        if let Some(host) = self.live_endpoint_in(&host_text(text)) {
            return Some(Refusal {
                rule: "live-endpoint",
                reason: format!("it points at the live broker API {host}"),
            });
        }
        if let Some(r) = self.embedded_refusal(text) {
            return Some(r);
        }
        self.credential_change(text)
    }

    /// The refusal of an affirmative instruction to trade live, wherever it is read.
    fn live_instruction() -> Refusal {
        Refusal {
            rule: "live-instruction",
            reason: "it tells the agent to trade live".into(),
        }
    }

    /// A credential path named with a verb that changes it (`commit kubernetes/torghut/secret.yaml`,
    /// `update services/torghut/.env`); a path only read or mentioned is not a change.
    fn credential_change(&self, text: &str) -> Option<Refusal> {
        const CHANGE: &[&str] = &[
            "add",
            "adds",
            "change",
            "changes",
            "commit",
            "commits",
            "create",
            "creates",
            "delete",
            "deletes",
            "edit",
            "edits",
            "modify",
            "modifies",
            "update",
            "updates",
            "write",
            "writes",
            "remove",
            "removes",
            "rotate",
            "rotates",
            "replace",
            "replaces",
            "touch",
            "patch",
            "apply",
            "overwrite",
            "generate",
            "put",
            "move",
            "rename",
            "copy",
            "store",
            "save",
            "check",
            "push",
            "regenerate",
            "set",
        ];
        let changes = text.split_whitespace().any(|w| {
            CHANGE.contains(
                &w.trim_matches(|c: char| !c.is_ascii_alphabetic())
                    .to_ascii_lowercase()
                    .as_str(),
            )
        });
        if !changes {
            return None;
        }
        let credentials = self.credential_set();
        text.split_whitespace()
            .map(|w| {
                w.trim_matches(|c: char| "`'\"()[]{},;:".contains(c))
                    .trim_end_matches('.')
            })
            .find(|w| (w.contains('/') || w.starts_with('.')) && credentials.matches(w))
            .map(|path| Refusal {
                rule: "credential-path",
                reason: format!("it names the credential path `{path}` to change"),
            })
    }

    /// A setting written inside a value: `name=value` / `name: value` pairs and command-line
    /// flags, each read by its meaning, and literal secrets. (The deny-list of names is for
    /// parameter names: an embedded `TRADING_MODE=paper` is fine.)
    fn embedded_refusal(&self, value: &str) -> Option<Refusal> {
        let value = &NESTED_FLAG.replace_all(value, "$1$2 $3");
        let pairs = PAIR.captures_iter(value).filter_map(|caps| {
            let (k, sep, v) = (caps.get(1)?, &caps[2], caps.get(3)?);
            // `file.py::test_live` is a pytest node id, not a setting.
            (sep == "=" || !v.as_str().starts_with(':')).then(|| (k.as_str(), v.as_str()))
        });
        let flags = FLAG_VALUE
            .captures_iter(value)
            .filter_map(|caps| Some((caps.get(1)?.as_str(), caps.get(2)?.as_str())));
        for (k, v) in pairs.chain(flags) {
            let credential = (names_a_credential(k) && carries_a_secret(v))
                || (names_a_key(k) && looks_like_a_secret(v));
            if credential {
                return Some(Refusal {
                    rule: "embedded-credential",
                    reason: format!(
                        "its value hands the run a credential (`{k}=…`): runs stay credential-less"
                    ),
                });
            }
            if let Some(r) = self.meaning(k, v) {
                return Some(Refusal {
                    rule: r.rule,
                    reason: format!("its value sets `{k}={v}`: {}", r.reason),
                });
            }
        }
        for caps in FLAG.captures_iter(value) {
            let flag = &caps[1];
            // `--no-paper` is `paper` off, as `--disable-paper` is.
            let (name, on) = match flag
                .strip_prefix("no-")
                .or_else(|| flag.strip_prefix("no_"))
            {
                Some(rest) => (rest, "false"),
                None => (flag, "true"),
            };
            let paper_off = self
                .meaning(name, on)
                .is_some_and(|r| r.rule == "paper-off");
            if is_live_flag(flag) || paper_off {
                return Some(Refusal {
                    rule: "live-flag",
                    reason: format!("its value passes the flag `--{flag}`"),
                });
            }
        }
        commands::embedded_secret(value)
    }

    fn meaning(&self, key: &str, value: &str) -> Option<Refusal> {
        let kw = words(key);
        let v = normal_value(value);
        let neg = negated(&kw);
        let refusal = |rule: &'static str, reason: &str| {
            Some(Refusal {
                rule,
                reason: reason.into(),
            })
        };
        if any_word(&kw, &PAPER_WORDS) {
            let off = is_false(&v) || is_unset(&v);
            if (off && !neg) || (is_true(&v) && neg) {
                return refusal("paper-off", "it turns paper trading off");
            }
        }
        if is_live_key(&kw) && ((is_true(&v) && !neg) || (is_false(&v) && neg)) {
            return refusal("live-on", "it turns live trading on");
        }
        if is_safety_switch(&kw) {
            let off = is_false(&v) || is_unset(&v);
            if (off && !neg) || (is_true(&v) && neg) {
                return refusal(
                    "safety-off",
                    "it turns a safety switch off (kill switch, dry run or simulation): orders would go out",
                );
            }
        }
        if is_order_switch(&kw) && !neg && is_bool_true(&v) {
            return refusal("live-on", "it turns sending orders on");
        }
        if is_mode_key(&kw) && (is_live_word(&v) || is_live_word(value)) {
            return refusal("live-mode", "it selects live trading");
        }
        let production = |w: &String| matches!(w.as_str(), "production" | "prod");
        if is_money_key(&kw) && words(&v).iter().any(production) {
            return refusal(
                "live-mode",
                "it selects the production (real-money) account",
            );
        }
        if let Some(host) = self.live_endpoint_in(&host_text(value)) {
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
        self.compiled
            .credentials
            .get(&self.credential_paths, |globs| {
                let specs: Vec<PathSpec> = globs
                    .iter()
                    .filter_map(|g| PathSpec::guard(g).ok())
                    .collect();
                PathSet::new(&specs)
            })
    }
}

/// Why an in-scope path is refused as a change to credentials.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CredentialHit {
    /// It names this credential path, which the rule names.
    Names { example: String, rule: String },
    /// Whether it names one could not be decided: refused, the safe answer.
    Undecided,
}

/// An in-scope path that would change credentials, by one rule with two readings:
/// - its literal reading names a credential path: with every wildcard matching only filler (a
///   character no rule names), its own text still spells one — `.env*` and `*.env*` (`.env`),
///   `*token*` (`token`), `*.key*`, a plain `services/torghut/.env`;
/// - or some brace alternative of it lies entirely on credentials (`*secret*`: whatever its
///   wildcards match, the name holds `secret`).
///
/// A glob whose wildcards would have to spell the credential part (`config/*`, `services/x/**`,
/// `*.py`) merely could hold a secret file and is not refused (the PR audit's guarded-path rule
/// sees the files it really changes). A decision that cannot be made refuses.
pub fn credential_path(spec: &PathSpec, rules: &PathSet) -> Option<CredentialHit> {
    if rules.is_empty() {
        return None;
    }
    let names = |example: String| {
        let rule = rules
            .matching(&example)
            .map(|r| r.source().to_owned())
            .unwrap_or_default();
        CredentialHit::Names { example, rule }
    };
    let mut undecided = false;
    match spec.literally_names(rules) {
        Some(Witness::Path(example)) => return Some(names(example)),
        Some(Witness::TooComplex) => undecided = true,
        None => {}
    }
    for alt in spec.alternatives() {
        match alt.uncovered_by(rules) {
            None => {
                if let Some(example) = alt.example() {
                    return Some(names(example));
                }
            }
            Some(Witness::TooComplex) => undecided = true,
            Some(Witness::Path(_)) => {}
        }
    }
    undecided.then_some(CredentialHit::Undecided)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compiled_deny_lists_follow_changes_to_the_lists() {
        let mut g = Guardrails::default();
        assert!(g.parameter_refusal("region", "moon").is_none());
        // Compiled once by the call above; the lists are public and the config edits them.
        // (An entry matches whole words: `reg*` would be a name starting with the word `reg`.)
        g.deny_parameter_names.push("region*".into());
        assert_eq!(
            g.parameter_refusal("region", "earth").map(|r| r.rule),
            Some("deny-name")
        );
        g.deny_parameter_names.pop();
        g.deny_parameter_values.push("moon".into());
        assert_eq!(
            g.parameter_refusal("region", "MOON").map(|r| r.rule),
            Some("deny-value")
        );
        g.deny_parameter_values.clear();
        assert!(g.parameter_refusal("region", "moon").is_none());
    }

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

    /// A secret written into a value reaches the run as plain text: refused, whatever the
    /// parameter is called. A reference to one, or a setting that only looks like it, is not.
    #[test]
    fn credentials_embedded_in_values_are_refused() {
        for (k, v) in [
            ("env", "ALPACA_SECRET_KEY=abc123"),
            ("env", "APCA_API_KEY_ID=PK123 TRADING_MODE=paper"),
            ("config", "{\"apiKey\": \"sk-live-1\"}"),
            ("extraArgs", "--db-password hunter2"),
            ("env", "GH_TOKEN=ghp_xxx"),
            ("settings", "aws_credentials: AKIA..."),
            ("env", "SIGNING_KEY='k'"),
        ] {
            assert_eq!(refused(k, v), Some("embedded-credential"), "{k}: {v}");
        }
        for (k, v) in [
            ("env", "GH_TOKEN=$GH_TOKEN"),
            ("env", "ALPACA_SECRET_KEY=${ALPACA_SECRET_KEY}"),
            ("env", "TOKEN_FILE_PATH=/var/run/secrets/token"),
            ("env", "max_tokens=4096 tokenizer=bpe"),
            ("env", "TRADING_MODE=paper"),
            ("flags", "--token-budget 20"),
        ] {
            assert_eq!(refused(k, v), None, "{k}: {v}");
        }
    }

    proptest::proptest! {
        /// Generated settings `NAME=value` embedded in a parameter, the name joined from words
        /// in any case and separator: refused exactly when the name ends in a credential word
        /// (or pair) and the value is a literal, judged against the word list directly.
        #[test]
        fn embedded_credentials_follow_the_names_last_words(
            words in proptest::collection::vec(proptest::sample::select(vec![
                "alpaca", "secret", "key", "api", "token", "tokens", "max", "password",
                "id", "budget", "credentials", "private", "file", "path", "db",
            ]), 1..4),
            sep in proptest::sample::select(vec!["_", "-", ""]),
            upper in proptest::bool::ANY,
            value in proptest::sample::select(vec!["abc123", "$REF", "${REF}", "/run/secret", "x"]),
        ) {
            let name = words.join(sep);
            let name = if upper { name.to_ascii_uppercase() } else { name };
            // Joined without a separator the words run together into one (`MAXTOKEN`), unless
            // all of them are vocabulary words a reader splits again (`APIKEY`, `SECRETKEY`).
            let concat = words.concat();
            let read: Vec<&str> = if sep.is_empty()
                && words.len() > 1
                && !words.iter().all(|w| self::words::VOCABULARY.contains(w))
            {
                vec![concat.as_str()]
            } else {
                words.clone()
            };
            let tail: Vec<&str> = read.iter().rev().take(2).rev().copied().collect();
            let last = *tail.last().unwrap_or(&"");
            let expected_name = ["secret", "password", "token", "credentials"].contains(&last)
                || (tail.len() == 2
                    && matches!((tail[0], tail[1]),
                        ("api" | "secret" | "private", "key") | ("key", "id")));
            // A name ending in `key` (`ALPACA_KEY`) holds a credential when its value looks
            // like one: letters and digits, six or more.
            let key_named = last == "key" && value == "abc123";
            let literal = !value.starts_with('$') && !value.starts_with('/');
            let refused = Guardrails::default()
                .embedded_refusal(&format!("{name}={value}"))
                .is_some_and(|r| r.rule == "embedded-credential");
            proptest::prop_assert_eq!(refused, (expected_name && literal) || key_named, "{}={}", name, value);
        }
    }

    /// One setting's name written in another case or with another separator.
    fn spelled(words: &[&str], style: u8) -> String {
        let cap = |w: &str| w[..1].to_ascii_uppercase() + &w[1..];
        match style % 5 {
            0 => words.join("_"),
            1 => words.join("_").to_ascii_uppercase(),
            2 => words.join("-"),
            3 => words
                .iter()
                .enumerate()
                .map(|(i, w)| if i == 0 { w.to_string() } else { cap(w) })
                .collect(),
            _ => words.join("."),
        }
    }

    proptest::proptest! {
        /// The decision on a parameter follows its words, not how they are written: any case
        /// and separator of the same name gives the same refusal (or none).
        #[test]
        fn a_parameters_spelling_does_not_change_its_decision(
            name in proptest::collection::vec(proptest::sample::select(vec![
                "live", "paper", "trading", "mode", "kill", "switch", "dry", "run", "olive",
                "alive", "deliver", "orders", "enabled", "disable", "real", "secret", "scanning",
                "token", "max", "tokens", "broker", "simulate", "keep",
            ]), 1..4),
            value in proptest::sample::select(vec![
                "true", "false", "on", "off", "live", "paper", "real", "production", "30s", "yes",
            ]),
            a in 0u8..5,
            b in 0u8..5,
        ) {
            let g = Guardrails::default();
            let one = g.parameter_refusal(&spelled(&name, a), value).map(|r| r.rule);
            let other = g.parameter_refusal(&spelled(&name, b), value).map(|r| r.rule);
            proptest::prop_assert_eq!(one, other, "{:?} = {}", name, value);
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

    fn hit(path: &str) -> Option<CredentialHit> {
        let rules = Guardrails::default().credential_set();
        credential_path(&PathSpec::parse(path).expect("valid"), &rules)
    }

    /// Globs with several stars in a name, `?`, classes and `**`, against the default rules:
    /// decided (not left to the node limit, which refuses), and fast — these took minutes.
    #[test]
    fn wildcard_globs_on_credentials_are_decided_quickly() {
        let started = std::time::Instant::now();
        for path in [
            "services/torghut/app/trading/*secret*",
            "kubernetes/torghut/*secret*",
            "services/torghut/app/trading/*secret*.py",
            "services/torghut/app/trading/*-secret.yaml",
            "services/torghut/app/trading/secret*",
            "services/torghut/app/trading/*[Ss]ecret*",
            "kubernetes/**/*secret*/**",
            "**/*password*.txt",
            "a/*_rsa*",
            "a/*?*credential*?*",
            "services/torghut/app/trading/.env*",
            "services/torghut/app/trading/*.env*",
            "services/torghut/app/trading/*token*",
            "services/torghut/app/trading/*.key*",
            "services/torghut/{app,lib}/**/*apikey*",
        ] {
            let found = hit(path);
            assert!(
                matches!(found, Some(CredentialHit::Names { .. })),
                "{path}: {found:?}"
            );
        }
        for path in [
            "services/torghut/app/trading/**",
            "services/torghut/app/trading/*",
            "services/torghut/app/trading/config/*",
            "services/torghut/app/trading/*.py",
            "services/torghut/app/**/*.py",
            "services/torghut/app/trading/*key*",
            "services/torghut/app/trading/*env*",
            "services/torghut/app/trading/.env?",
            "services/torghut/app/trading/?ecret*",
            "services/torghut/app/trading/id_*",
            "services/torghut/app/trading/*[!a]*.yaml",
            "kubernetes/torghut/**/*.yaml",
        ] {
            assert_eq!(hit(path), None, "{path}");
        }
        // Debug build, shared machine: seconds at most (the old search took minutes).
        assert!(started.elapsed().as_secs() < 20, "{:?}", started.elapsed());
    }

    /// The literal reading picks the credential part out of the glob's own text.
    #[test]
    fn a_glob_that_spells_a_credential_name_is_refused() {
        for (path, example) in [
            (
                "services/torghut/app/trading/.env*",
                "services/torghut/app/trading/.env",
            ),
            (
                "services/torghut/app/trading/*.env*",
                "services/torghut/app/trading/a.env",
            ),
            (
                "services/torghut/app/trading/*.ENV",
                "services/torghut/app/trading/a.ENV",
            ),
            ("deploy/**/tls.key", "deploy/tls.key"),
            ("deploy/*/id_rsa", "deploy/x/id_rsa"),
        ] {
            let Some(CredentialHit::Names { example: found, .. }) = hit(path) else {
                panic!("{path} must be refused");
            };
            assert_eq!(found, example, "{path}");
        }
    }

    /// Key stores named as such are credentials; files that merely mention keys are not.
    #[test]
    fn key_stores_are_credential_paths() {
        for path in [
            "services/torghut/app/trading/keys/alpaca.json",
            "services/torghut/app/trading/alpaca_keys.json",
            "services/torghut/app/trading/api-keys.yaml",
            "services/torghut/app/trading/private.asc",
            "services/torghut/app/trading/auth.json",
        ] {
            assert!(hit(path).is_some(), "{path} must be refused");
        }
        for path in [
            "services/torghut/app/trading/keys.py",
            "services/torghut/app/trading/key_metrics.py",
            "services/torghut/app/trading/public.asc",
            "services/torghut/app/trading/keys/README.md",
            "services/torghut/app/trading/auth.py",
            "services/torghut/app/trading/monkey.json",
        ] {
            assert!(hit(path).is_none(), "{path} must pass");
        }
    }

    /// Rules of a small alphabet (pathspecs, case ignored) and globs over it.
    fn tiny_rule() -> impl proptest::strategy::Strategy<Value = String> {
        use proptest::prelude::*;
        let atom = prop_oneof![
            Just("a"),
            Just("b"),
            Just("."),
            Just("*"),
            Just("?"),
            Just("[ab]")
        ];
        let name = proptest::collection::vec(atom, 1..=3).prop_map(|v| v.concat());
        (any::<bool>(), proptest::collection::vec(name, 1..=2)).prop_map(|(anywhere, v)| {
            format!("{}{}", if anywhere { "**/" } else { "" }, v.join("/"))
        })
    }

    fn tiny_glob() -> impl proptest::strategy::Strategy<Value = String> {
        use proptest::prelude::*;
        let atom = prop_oneof![
            3 => Just("a"), 2 => Just("b"), 2 => Just("."), 3 => Just("*"), 1 => Just("?"),
            1 => Just("[ab]"), 1 => Just("[!a]"),
        ];
        let segment = prop_oneof![
            1 => Just("**".to_owned()),
            5 => proptest::collection::vec(atom, 1..=3).prop_map(|v| v.concat()),
        ];
        proptest::collection::vec(segment, 1..=2).prop_map(|v| v.join("/"))
    }

    /// The literal reading written out as a regular expression, by hand from the glob's text:
    /// wildcards match only the filler, a positive class its characters; a plain path names
    /// what is beneath it (filler directories) too.
    fn literal_reading_oracle(glob: &str) -> Regex {
        let f = format!("\\x{{{:X}}}", crate::domain::paths::FILLER as u32);
        let segments: Vec<&str> = glob.split('/').collect();
        let mut re = String::from("^");
        for (i, seg) in segments.iter().enumerate() {
            let last = i + 1 == segments.len();
            if *seg == "**" {
                // `**/` any filler directories (or none), a trailing `**` anything beneath.
                re.push_str(&format!("(?:[{f}/]*{})?", if last { "" } else { "/" }));
                continue;
            }
            let mut chars = seg.chars().peekable();
            while let Some(c) = chars.next() {
                match c {
                    '*' => re.push_str(&format!("{f}*")),
                    '?' => re.push_str(&f),
                    '[' => {
                        let class: String = chars.by_ref().take_while(|&c| c != ']').collect();
                        if class.starts_with('!') {
                            re.push_str(&f);
                        } else {
                            re.push_str(&format!("[{class}]"));
                        }
                    }
                    c => re.push_str(&regex::escape(&c.to_string())),
                }
            }
            if !last {
                re.push('/');
            }
        }
        if !glob.contains(['*', '?', '[']) {
            re.push_str(&format!("(?:/[{f}/]*)?"));
        }
        re.push('$');
        Regex::new(&re).expect("a valid oracle")
    }

    fn tiny_paths() -> Vec<String> {
        let chars = ['a', 'b', '.', crate::domain::paths::FILLER];
        let mut names: Vec<String> = chars.iter().map(|c| c.to_string()).collect();
        for _ in 1..3 {
            let longer: Vec<String> = names
                .iter()
                .filter(|n| n.chars().count() == names[names.len() - 1].chars().count())
                .flat_map(|n| chars.iter().map(move |c| format!("{n}{c}")))
                .collect();
            names.extend(longer);
        }
        let mut paths = names.clone();
        for a in &names {
            for b in &names {
                paths.push(format!("{a}/{b}"));
            }
        }
        paths
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig { cases: 64, ..Default::default() })]

        /// The credential decision against brute force over every path of up to two names of up
        /// to three characters of {a, b, ., filler}: a glob whose literal reading (the oracle's
        /// regular expression) names a credential path (the rules matched by globset, each with
        /// everything beneath it) is refused; whatever is refused names its example, a credential
        /// path; what is refused without a literal hit lies wholly on the rules.
        #[test]
        fn credential_decisions_agree_with_brute_force(
            rules in proptest::collection::vec(tiny_rule(), 1..=3),
            glob in tiny_glob(),
        ) {
            let Ok(spec) = PathSpec::parse(&glob) else { return Ok(()) };
            // A rule names its matches and everything beneath: `x/**` names `x` too.
            let compiled: Vec<globset::GlobMatcher> = rules.iter().map(|r| {
                let r = r.strip_suffix("/**").filter(|r| !r.is_empty()).unwrap_or(r);
                globset::GlobBuilder::new(r).literal_separator(true).case_insensitive(true).build().expect("valid").compile_matcher()
            }).collect();
            // The rules name no `z`: to them it is what the filler is, and globset reads it as
            // one character (its `?` is a byte).
            let credential = |p: &str| {
                let p = p.replace(crate::domain::paths::FILLER, "z");
                let segments: Vec<&str> = p.split('/').collect();
                (1..=segments.len()).any(|k| compiled.iter().any(|m| m.is_match(segments[..k].join("/"))))
            };
            let reading = literal_reading_oracle(&glob);
            let paths = tiny_paths();
            let literal_hit = paths.iter().find(|p| reading.is_match(p) && credential(p));
            let set = PathSet::new(&rules.iter().map(|r| PathSpec::guard(r).expect("valid")).collect::<Vec<_>>());
            let raw = spec.literal_reading_hit(&set);
            if let Some(Witness::Path(w)) = &raw {
                proptest::prop_assert!(reading.is_match(w) && credential(w), "{glob} {rules:?}: literal hit {w:?} not in {}", reading.as_str());
            }
            match credential_path(&spec, &set) {
                Some(CredentialHit::Names { example, .. }) => {
                    proptest::prop_assert!(spec.matches(&example) && credential(&example), "{glob} {rules:?}: {example}");
                    if raw.is_none() {
                        let outside = paths.iter().find(|p| spec.matches(p) && !credential(p));
                        proptest::prop_assert!(outside.is_none(), "{glob} {rules:?}: refused by {example}, yet {outside:?} is no credential");
                    }
                }
                Some(CredentialHit::Undecided) => proptest::prop_assert!(false, "small globs are decided"),
                None => proptest::prop_assert!(literal_hit.is_none(), "{glob} {rules:?}: missed {literal_hit:?}"),
            }
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

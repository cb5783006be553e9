//! The GitHub token: from the environment, gh's hosts.yml or the gh CLI; its source is shown, the token never.
use super::*;

/// Where the token came from (shown; the token never is).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenSource {
    Env(&'static str),
    GhHostsFile,
    GhCli,
}

impl std::fmt::Display for TokenSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TokenSource::Env(name) => write!(f, "${name}"),
            TokenSource::GhHostsFile => f.write_str("gh's hosts.yml"),
            TokenSource::GhCli => f.write_str("gh auth token"),
        }
    }
}

/// The token for `host`: `GH_TOKEN` / `GITHUB_TOKEN` (for an Enterprise host
/// `GH_ENTERPRISE_TOKEN` / `GITHUB_ENTERPRISE_TOKEN` first), else the `gh` CLI's stored token
/// (`hosts.yml`, else `gh auth token` when gh keeps it in the system keyring).
pub fn resolve_token(host: &str) -> Option<(SecretString, TokenSource)> {
    if let Some((token, name)) = token_from_env(host, |k| std::env::var(k).ok()) {
        return Some((token, TokenSource::Env(name)));
    }
    if let Some(token) = gh_config_dir()
        .and_then(|dir| std::fs::read_to_string(dir.join("hosts.yml")).ok())
        .and_then(|text| token_from_hosts_yml(&text, host))
    {
        return Some((token, TokenSource::GhHostsFile));
    }
    token_from_gh_cli(host).map(|t| (t, TokenSource::GhCli))
}

/// The first non-empty token variable for `host`.
pub fn token_from_env(
    host: &str,
    var: impl Fn(&str) -> Option<String>,
) -> Option<(SecretString, &'static str)> {
    const PUBLIC: [&str; 2] = ["GH_TOKEN", "GITHUB_TOKEN"];
    const ENTERPRISE: [&str; 4] = [
        "GH_ENTERPRISE_TOKEN",
        "GITHUB_ENTERPRISE_TOKEN",
        "GH_TOKEN",
        "GITHUB_TOKEN",
    ];
    let names: &[&'static str] = if host == "github.com" || host.ends_with(".ghe.com") {
        &PUBLIC
    } else {
        &ENTERPRISE
    };
    names.iter().find_map(|name| {
        let value = var(name)?;
        let value = value.trim();
        (!value.is_empty()).then(|| (SecretString::from(value.to_owned()), *name))
    })
}

/// `oauth_token` of `host` in gh's `hosts.yml`.
pub fn token_from_hosts_yml(text: &str, host: &str) -> Option<SecretString> {
    let doc: Value = serde_norway::from_str(text).ok()?;
    let token = doc.get(host)?.get("oauth_token")?.as_str()?.trim();
    (!token.is_empty()).then(|| SecretString::from(token.to_owned()))
}

pub(super) fn gh_config_dir() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("GH_CONFIG_DIR").filter(|d| !d.is_empty()) {
        return Some(PathBuf::from(dir));
    }
    if let Some(dir) = std::env::var_os("XDG_CONFIG_HOME").filter(|d| !d.is_empty()) {
        return Some(Path::new(&dir).join("gh"));
    }
    std::env::var_os("HOME").map(|home| Path::new(&home).join(".config").join("gh"))
}

/// `gh auth token --hostname HOST`, when gh is installed; gives up after 3 s.
pub(super) fn token_from_gh_cli(host: &str) -> Option<SecretString> {
    use std::process::{Command, Stdio};
    let mut child = Command::new("gh")
        .args(["auth", "token", "--hostname", host])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .ok()?;
    let deadline = std::time::Instant::now() + Duration::from_secs(3);
    loop {
        match child.try_wait() {
            Ok(Some(status)) if status.success() => break,
            Ok(Some(_)) | Err(_) => return None,
            Ok(None) if std::time::Instant::now() > deadline => {
                let _ = child.kill();
                let _ = child.wait();
                return None;
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(20)),
        }
    }
    let mut out = String::new();
    std::io::Read::read_to_string(&mut child.stdout.take()?, &mut out).ok()?;
    let token = out.trim();
    (!token.is_empty()).then(|| SecretString::from(token.to_owned()))
}

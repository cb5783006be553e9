//! SSH signatures (the SSHSIG format of `ssh-keygen -Y sign` and git's `gpg.format=ssh`) and the
//! allowed-signers file that says whose signatures count, in the format of git's
//! `gpg.ssh.allowedSignersFile` (ssh-keygen(1), "ALLOWED SIGNERS"):
//!
//! ```text
//! principals [options] keytype base64-key [comment]
//! ```
//!
//! with the options `namespaces="a,b"`, `valid-after="YYYYMMDD[HHMM[SS]][Z]"`,
//! `valid-before=...` and `cert-authority` (certificates are not accepted for approvals; such a
//! line is reported, never silently trusted). Pure: parsing and verification, no file reading.
use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeZone, Utc};
use ssh_key::public::KeyData;
use ssh_key::{HashAlg, PublicKey, SshSig};

/// The SSHSIG namespace approvals are signed in: a signature made for git commits (`git`) or
/// files (`file`) can never pass as an approval, and the reverse.
pub const NAMESPACE: &str = "swarm-approval@proompteng.ai";

/// One line of the allowed-signers file.
#[derive(Debug, Clone, PartialEq)]
pub struct AllowedSigner {
    /// The principals field as written (comma-separated patterns); the first one names the signer.
    pub principals: Vec<String>,
    /// `namespaces="..."`: the signature namespaces this key may sign in (empty: any).
    pub namespaces: Vec<String>,
    pub valid_after: Option<DateTime<Utc>>,
    pub valid_before: Option<DateTime<Utc>>,
    pub key: KeyData,
    /// 1-based line in the file, for messages.
    pub line: usize,
}

impl AllowedSigner {
    /// Who "approved by" shows: the first principal of the line.
    pub fn principal(&self) -> &str {
        self.principals.first().map_or("", String::as_str)
    }

    fn allows_namespace(&self, namespace: &str) -> bool {
        self.namespaces.is_empty() || self.namespaces.iter().any(|n| pattern_match(n, namespace))
    }
}

/// The parsed allowed-signers file.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AllowedSigners {
    pub signers: Vec<AllowedSigner>,
    /// Where it came from, for messages.
    pub source: String,
}

/// A line of the allowed-signers file that cannot be used.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{file}:{line}: {message}")]
pub struct SignersError {
    pub file: String,
    pub line: usize,
    pub message: String,
}

impl AllowedSigners {
    /// Parses the file's text; any unusable line is an error naming the line (a trust file that is
    /// half read would silently distrust — or trust — the wrong keys).
    pub fn parse(text: &str, file: &str) -> Result<AllowedSigners, SignersError> {
        let mut signers = Vec::new();
        for (i, raw) in text.lines().enumerate() {
            let line = raw.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let err = |message: String| SignersError {
                file: file.to_owned(),
                line: i + 1,
                message,
            };
            signers.push(parse_line(line, i + 1).map_err(err)?);
        }
        Ok(AllowedSigners {
            signers,
            source: file.to_owned(),
        })
    }

    /// The lines that list `key` for `namespace` (validity not considered).
    pub fn lines_for<'a>(
        &'a self,
        key: &'a KeyData,
        namespace: &'a str,
    ) -> impl Iterator<Item = &'a AllowedSigner> + 'a {
        self.signers
            .iter()
            .filter(move |s| &s.key == key && s.allows_namespace(namespace))
    }

    pub fn allows_key(&self, key: &KeyData) -> bool {
        self.lines_for(key, NAMESPACE).next().is_some()
    }
}

fn parse_line(line: &str, number: usize) -> Result<AllowedSigner, String> {
    let fields = split_fields(line)?;
    let mut it = fields.into_iter().peekable();
    let principals_field = it.next().ok_or("missing principals")?;
    let principals: Vec<String> = principals_field
        .split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(str::to_owned)
        .collect();
    if principals.is_empty() {
        return Err("missing principals".into());
    }
    let mut signer = AllowedSigner {
        principals,
        namespaces: Vec::new(),
        valid_after: None,
        valid_before: None,
        key: KeyData::Ed25519(ssh_key::public::Ed25519PublicKey([0; 32])),
        line: number,
    };
    // Options come before the key type; a key type is recognised by its name.
    if let Some(next) = it.peek()
        && !is_key_type(next)
    {
        let options = it.next().unwrap_or_default();
        for option in split_options(&options)? {
            let (name, value) = match option.split_once('=') {
                Some((n, v)) => (n.to_ascii_lowercase(), Some(v.trim_matches('"').to_owned())),
                None => (option.to_ascii_lowercase(), None),
            };
            match (name.as_str(), value) {
                ("cert-authority", None) => {
                    return Err(
                        "cert-authority lines are not supported for approvals: list the signer's own key"
                            .into(),
                    );
                }
                ("namespaces", Some(v)) => {
                    signer.namespaces = v
                        .split(',')
                        .map(str::trim)
                        .filter(|n| !n.is_empty())
                        .map(str::to_owned)
                        .collect();
                }
                ("valid-after", Some(v)) => signer.valid_after = Some(parse_time(&v)?),
                ("valid-before", Some(v)) => signer.valid_before = Some(parse_time(&v)?),
                (other, _) => return Err(format!("unknown or malformed option {other:?}")),
            }
        }
    }
    let key_type = it.next().ok_or("missing key type and key")?;
    let key = it
        .next()
        .ok_or("missing the base64 key after the key type")?;
    let public = PublicKey::from_openssh(&format!("{key_type} {key}"))
        .map_err(|e| format!("cannot read the {key_type} key: {e}"))?;
    signer.key = public.key_data().clone();
    Ok(signer)
}

fn is_key_type(field: &str) -> bool {
    field.starts_with("ssh-")
        || field.starts_with("ecdsa-sha2-")
        || field.starts_with("sk-")
        || field.starts_with("rsa-sha2-")
}

/// Splits on whitespace outside double quotes (option values may be quoted).
fn split_fields(line: &str) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    for c in line.chars() {
        match c {
            '"' => {
                quoted = !quoted;
                cur.push(c);
            }
            c if c.is_whitespace() && !quoted => {
                if !cur.is_empty() {
                    out.push(std::mem::take(&mut cur));
                }
            }
            c => cur.push(c),
        }
    }
    if quoted {
        return Err("unterminated quote".into());
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    Ok(out)
}

/// Splits the options field on commas outside double quotes.
fn split_options(field: &str) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    for c in field.chars() {
        match c {
            '"' => {
                quoted = !quoted;
                cur.push(c);
            }
            ',' if !quoted => out.push(std::mem::take(&mut cur)),
            c => cur.push(c),
        }
    }
    if quoted {
        return Err("unterminated quote in the options".into());
    }
    out.push(cur);
    Ok(out.into_iter().filter(|o| !o.is_empty()).collect())
}

/// `YYYYMMDD`, `YYYYMMDDHHMM` or `YYYYMMDDHHMMSS`, optionally ending in `Z`. Without `Z`
/// ssh-keygen reads local time; the cockpit reads UTC either way and says so in the README.
fn parse_time(v: &str) -> Result<DateTime<Utc>, String> {
    let digits = v.strip_suffix(['Z', 'z']).unwrap_or(v);
    let bad = || format!("bad time {v:?}: expected YYYYMMDD[HHMM[SS]][Z]");
    if !digits.chars().all(|c| c.is_ascii_digit()) {
        return Err(bad());
    }
    let naive = match digits.len() {
        8 => NaiveDate::parse_from_str(digits, "%Y%m%d")
            .ok()
            .and_then(|d| d.and_hms_opt(0, 0, 0)),
        12 => NaiveDateTime::parse_from_str(digits, "%Y%m%d%H%M").ok(),
        14 => NaiveDateTime::parse_from_str(digits, "%Y%m%d%H%M%S").ok(),
        _ => None,
    }
    .ok_or_else(bad)?;
    Ok(Utc.from_utc_datetime(&naive))
}

/// `*` and `?` patterns as in ssh_config(5); `!` negation is not supported (and never matches).
fn pattern_match(pattern: &str, text: &str) -> bool {
    fn go(p: &[char], t: &[char]) -> bool {
        match (p.first(), t.first()) {
            (None, None) => true,
            (Some('*'), _) => go(&p[1..], t) || (!t.is_empty() && go(p, &t[1..])),
            (Some('?'), Some(_)) => go(&p[1..], &t[1..]),
            (Some(a), Some(b)) if a == b => go(&p[1..], &t[1..]),
            _ => false,
        }
    }
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    go(&p, &t)
}

/// What checking a signature found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SigCheck {
    /// Valid, by a key the file lists: the principal, and the key's validity window.
    Valid {
        principal: String,
        fingerprint: String,
        valid_after: Option<DateTime<Utc>>,
        valid_before: Option<DateTime<Utc>>,
    },
    /// A well-formed signature by a key the file does not list (for this namespace).
    UnknownSigner { fingerprint: String },
    /// Not a signature of this message (or not a signature at all): the detail says why.
    Invalid(String),
}

/// Checks an armored SSHSIG over `message` against the allowed signers.
pub fn check(signers: &AllowedSigners, message: &[u8], armored: &str) -> SigCheck {
    let sig = match SshSig::from_pem(armored.trim()) {
        Ok(s) => s,
        Err(e) => return SigCheck::Invalid(format!("not an SSH signature ({e})")),
    };
    if sig.namespace() != NAMESPACE {
        return SigCheck::Invalid(format!(
            "signed in namespace {:?}, not {NAMESPACE:?}",
            sig.namespace()
        ));
    }
    let public = PublicKey::from(sig.public_key().clone());
    if public.verify(NAMESPACE, message, &sig).is_err() {
        return SigCheck::Invalid("the signature does not match the approval's content".into());
    }
    let fingerprint = public.fingerprint(HashAlg::Sha256).to_string();
    match signers.lines_for(sig.public_key(), NAMESPACE).next() {
        Some(line) => SigCheck::Valid {
            principal: line.principal().to_owned(),
            fingerprint,
            valid_after: line.valid_after,
            valid_before: line.valid_before,
        },
        None => SigCheck::UnknownSigner { fingerprint },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str =
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAINNxmfxQOUeiQHzFg2u5us6Xbd0mVdaKk+++Ag28YVlC";

    #[test]
    fn parses_principals_options_and_keys() {
        let text = format!(
            "# team\n\nana@example.com,ana {KEY} laptop\n\"bob@example.com\" namespaces=\"git,swarm-approval@*\",valid-after=\"20260101\",valid-before=20270101Z {KEY}\n"
        );
        let s = AllowedSigners::parse(&text, "allowed").expect("parses");
        assert_eq!(s.signers.len(), 2);
        assert_eq!(s.signers[0].principal(), "ana@example.com");
        assert_eq!(s.signers[0].line, 3);
        assert_eq!(
            s.signers[1].namespaces,
            vec!["git", "swarm-approval@*"],
            "quoted, comma separated"
        );
        assert!(s.signers[1].allows_namespace(NAMESPACE));
        assert!(!s.signers[1].allows_namespace("file"));
        assert_eq!(
            s.signers[1].valid_after.map(|t| t.to_rfc3339()),
            Some("2026-01-01T00:00:00+00:00".into())
        );
        assert!(s.signers[1].valid_before.is_some());
    }

    #[test]
    fn bad_lines_name_the_line() {
        for (text, needle) in [
            ("ana\n", "missing key type"),
            (
                &format!("ana cert-authority {KEY}") as &str,
                "cert-authority",
            ),
            (&format!("ana valid-after=\"2026\" {KEY}"), "bad time"),
            (
                &format!("ana frobnicate {KEY}"),
                "unknown or malformed option",
            ),
            ("ana ssh-ed25519 AAAA", "cannot read"),
            ("ana namespaces=\"x ssh-ed25519 AAAA", "unterminated quote"),
        ] {
            let e = AllowedSigners::parse(&format!("# c\n{text}"), "f").expect_err(text);
            assert_eq!(e.line, 2, "{text}");
            assert!(e.to_string().contains(needle), "{e} / {needle}");
        }
    }

    #[test]
    fn patterns_match_like_ssh() {
        assert!(pattern_match("swarm-*", "swarm-approval@proompteng.ai"));
        assert!(pattern_match("g?t", "git"));
        assert!(!pattern_match("git", "gitx"));
    }

    #[test]
    fn garbage_is_invalid_not_a_panic() {
        let s = AllowedSigners::default();
        assert!(matches!(check(&s, b"m", "nope"), SigCheck::Invalid(_)));
        assert!(matches!(
            check(
                &s,
                b"m",
                "-----BEGIN SSH SIGNATURE-----\nAAAA\n-----END SSH SIGNATURE-----"
            ),
            SigCheck::Invalid(_)
        ));
    }
}

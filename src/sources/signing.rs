//! Signing approvals with the operator's SSH key: a key file (`[approvals] signing_key`), or the
//! key in `ssh-agent` — the one that file names (a `.pub` or an encrypted private key), else the
//! first key the agent offers that the allowed-signers file lists. Produces the SSHSIG format of
//! `ssh-keygen -Y sign`, in the approval namespace.
use crate::domain::WorkItem;
use crate::domain::approval::{self, Claim, Policy};
use crate::domain::signature::{AllowedSigners, NAMESPACE};
use serde_json::Value;
use ssh_key::public::KeyData;
use ssh_key::{HashAlg, LineEnding, PrivateKey, PublicKey, SshSig};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Loads the allowed-signers file named in the config.
pub fn load_allowed_signers(path: &Path) -> Result<AllowedSigners, String> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        format!(
            "[approvals] allowed_signers: cannot read {}: {e}",
            path.display()
        )
    })?;
    AllowedSigners::parse(&text, &path.display().to_string()).map_err(|e| e.to_string())
}

/// How approvals get signed.
#[derive(Debug, Clone, Default)]
pub struct Signer {
    /// `[approvals] signing_key`.
    pub key_file: Option<PathBuf>,
    /// The allowed signers (verified mode); the key must be among them.
    pub signers: Option<Arc<AllowedSigners>>,
    /// `$SSH_AUTH_SOCK`.
    pub agent: Option<PathBuf>,
}

impl Signer {
    pub fn new(key_file: Option<PathBuf>, policy: &Policy) -> Signer {
        Signer {
            key_file,
            signers: policy.signers.clone(),
            agent: std::env::var_os("SSH_AUTH_SOCK")
                .filter(|s| !s.is_empty())
                .map(PathBuf::from),
        }
    }

    /// The armored signature of `message`; `None` in unverified mode without a signing key (the
    /// approval is then recorded unsigned, and shown as unverified).
    pub fn sign(&self, message: &str) -> Result<Option<String>, String> {
        let sig = match &self.key_file {
            Some(path) => self.sign_with_file(path, message)?,
            None => match &self.signers {
                None => return Ok(None),
                Some(signers) => self.sign_with_agent_key(None, signers, message)?,
            },
        };
        if let Some(signers) = &self.signers
            && !signers.allows_key(sig.public_key())
        {
            let public = PublicKey::from(sig.public_key().clone());
            return Err(format!(
                "the signing key {} is not in the allowed signers file {}: add a line `PRINCIPAL namespaces=\"{NAMESPACE}\" {}`",
                public.fingerprint(HashAlg::Sha256),
                signers.source,
                public.to_openssh().unwrap_or_default()
            ));
        }
        sig.to_pem(LineEnding::LF)
            .map(Some)
            .map_err(|e| format!("cannot encode the signature: {e}"))
    }

    fn sign_with_file(&self, path: &Path, message: &str) -> Result<SshSig, String> {
        let text = std::fs::read_to_string(path).map_err(|e| {
            format!(
                "[approvals] signing_key: cannot read {}: {e}",
                path.display()
            )
        })?;
        if let Ok(private) = PrivateKey::from_openssh(&text) {
            if private.is_encrypted() {
                // The public half is readable: the agent may hold the decrypted key.
                let public = private.public_key().key_data().clone();
                return self
                    .sign_with_agent(&public, message)
                    .map_err(|e| format!("{} is encrypted and {e}: load it with `ssh-add {}` (the cockpit never asks for passphrases)", path.display(), path.display()));
            }
            return match private.sign(NAMESPACE, HashAlg::Sha512, message.as_bytes()) {
                Ok(sig) => Ok(sig),
                // ssh-key 0.6 cannot sign with some RSA key files ssh-keygen writes
                // (RustCrypto/SSH#387); the agent can, if it holds the key.
                Err(e) => {
                    let public = private.public_key().key_data().clone();
                    self.sign_with_agent(&public, message).map_err(|agent| {
                        format!(
                            "cannot sign with {} ({e}), and {agent}: load it with `ssh-add {}`",
                            path.display(),
                            path.display()
                        )
                    })
                }
            };
        }
        if let Ok(public) = PublicKey::from_openssh(text.trim()) {
            // A public key names the agent's key to use, as git's `user.signingKey` does.
            return self
                .sign_with_agent(public.key_data(), message)
                .map_err(|e| format!("{} is a public key and {e}", path.display()));
        }
        // A private key file this crate cannot read (ssh-key 0.6 rejects a few valid ECDSA key
        // files): the agent can sign with it if it holds the key named by the `.pub` beside it.
        let public_file = PathBuf::from(format!("{}.pub", path.display()));
        let not_a_key = format!(
            "[approvals] signing_key: {} cannot be read as an OpenSSH private or public key",
            path.display()
        );
        let public = std::fs::read_to_string(&public_file)
            .ok()
            .and_then(|t| PublicKey::from_openssh(t.trim()).ok())
            .ok_or_else(|| not_a_key.clone())?;
        self.sign_with_agent(public.key_data(), message)
            .map_err(|e| {
                format!(
                    "{not_a_key}, and {e}: load it with `ssh-add {}`",
                    path.display()
                )
            })
    }

    fn sign_with_agent_key(
        &self,
        wanted: Option<&KeyData>,
        signers: &AllowedSigners,
        message: &str,
    ) -> Result<SshSig, String> {
        let mut client = self.agent_client()?;
        let keys = agent_keys(&mut client)?;
        let key = keys
            .iter()
            .find(|k| wanted.is_none_or(|w| k.key_data() == w) && signers.allows_key(k.key_data()))
            .ok_or_else(|| {
                format!(
                    "ssh-agent offers {} key(s), none of them in the allowed signers file {} (set [approvals] signing_key, or add your key to that file)",
                    keys.len(),
                    signers.source
                )
            })?;
        agent_sign(&mut client, key, message)
    }

    fn sign_with_agent(&self, public: &KeyData, message: &str) -> Result<SshSig, String> {
        let mut client = self.agent_client()?;
        let keys = agent_keys(&mut client)?;
        let key = keys
            .iter()
            .find(|k| k.key_data() == public)
            .ok_or("ssh-agent does not hold that key")?;
        agent_sign(&mut client, key, message)
    }

    fn agent_client(&self) -> Result<ssh_agent_client_rs::Client, String> {
        let socket = self
            .agent
            .as_ref()
            .ok_or("no ssh-agent is running (SSH_AUTH_SOCK is not set)")?;
        ssh_agent_client_rs::Client::connect(socket)
            .map_err(|e| format!("cannot reach ssh-agent at {}: {e}", socket.display()))
    }
}

/// The plain keys the agent holds (certificates are not used for approvals).
fn agent_keys(client: &mut ssh_agent_client_rs::Client) -> Result<Vec<PublicKey>, String> {
    let identities = client
        .list_all_identities()
        .map_err(|e| format!("ssh-agent: cannot list keys: {e}"))?;
    Ok(identities
        .into_iter()
        .filter_map(|i| match i {
            ssh_agent_client_rs::Identity::PublicKey(k) => Some(k.into_owned()),
            ssh_agent_client_rs::Identity::Certificate(_) => None,
        })
        .collect())
}

/// SSHSIG through the agent: the agent signs the SSHSIG "signed data" blob (namespace, hash of
/// the message), exactly what `ssh-keygen -Y sign` asks it to sign.
fn agent_sign(
    client: &mut ssh_agent_client_rs::Client,
    key: &PublicKey,
    message: &str,
) -> Result<SshSig, String> {
    let blob = SshSig::signed_data(NAMESPACE, HashAlg::Sha512, message.as_bytes())
        .map_err(|e| format!("cannot prepare the signature: {e}"))?;
    let signature = client
        .sign(key.clone(), &blob)
        .map_err(|e| format!("ssh-agent refused to sign: {e}"))?;
    SshSig::new(
        key.key_data().clone(),
        NAMESPACE,
        HashAlg::Sha512,
        signature,
    )
    .map_err(|e| format!("cannot assemble the signature: {e}"))
}

/// Signs `claim` and returns the merge patch recording it on `item`.
pub fn approval_patch(item: &WorkItem, claim: &Claim, signer: &Signer) -> Result<Value, String> {
    let signature = signer.sign(&claim.message())?;
    Ok(approval::approval_patch(item, claim, signature.as_deref()))
}

//! Changed files and textual conflicts from git, read from a **private bare mirror** of the
//! user's clone's remote — never from, or into, the user's repository.
//!
//! Why the system `git` (a subprocess with a timeout) and not gix: `git merge-tree --write-tree`
//! (git ≥ 2.38) is exactly the textual-conflict question, with git's own rename detection and
//! merge rules; gix's merge support is young and would be a second merge implementation to trust.
//! Every operator of a swarm has git installed; a missing or too-old git is reported plainly.
//!
//! Why a separate bare mirror (in the cockpit's cache dir) rather than fetching into a private
//! ref namespace of the user's clone: even private refs are writes into the user's `.git`
//! (objects, packed-refs locks contending with the user's own git commands, refs that show up
//! in `git log --all` and in tools). The mirror costs one copy of the objects and makes "never
//! writes to the user's repository" literally true: the clone is only read (`git remote get-url`).
use crate::domain::audit::{AuditFault, ChangeSet, ChangeSource, ChangedFile, FileStatus};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;
use tokio::process::Command;

/// Refs of the remote's branches live under this prefix in the mirror.
pub const MIRROR_REFS: &str = "refs/swarm/heads/";

/// A git command's outcome: exit code and output.
struct Output {
    code: i32,
    stdout: Vec<u8>,
    stderr: String,
}

/// The private mirror of one clone's remote.
#[derive(Debug, Clone)]
pub struct GitMirror {
    /// The user's clone (read only).
    pub clone: PathBuf,
    /// The bare mirror the cockpit owns.
    pub mirror: PathBuf,
    /// What the mirror fetches from: the clone's remote URL, or the clone itself when it has
    /// no such remote.
    pub url: String,
    pub timeout: Duration,
}

async fn git(dir: &Path, args: &[&str], timeout: Duration) -> Result<Output, String> {
    let mut cmd = Command::new("git");
    cmd.arg("-C")
        .arg(dir)
        .args(args)
        // Never prompt for credentials in the cockpit's terminal; never run the user's pager.
        .env("GIT_TERMINAL_PROMPT", "0")
        .env("GIT_PAGER", "cat")
        .env("LC_ALL", "C")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    let child = cmd.spawn().map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => "git is not installed (not on PATH)".to_owned(),
        _ => format!("cannot run git: {e}"),
    })?;
    let out = tokio::time::timeout(timeout, child.wait_with_output())
        .await
        .map_err(|_| format!("git {} timed out after {}s", args[0], timeout.as_secs()))?
        .map_err(|e| format!("git {}: {e}", args[0]))?;
    Ok(Output {
        code: out.status.code().unwrap_or(-1),
        stdout: out.stdout,
        stderr: String::from_utf8_lossy(&out.stderr).trim().to_owned(),
    })
}

fn first_line(s: &str) -> String {
    crate::domain::sanitize::one_line(s.lines().last().unwrap_or(""))
}

fn git_fault(what: &str, out: &Output) -> AuditFault {
    AuditFault::Git {
        message: format!("{what}: {}", first_line(&out.stderr)),
    }
}

impl GitMirror {
    /// Finds the clone's remote and opens (creating on first use) the mirror under `cache_dir`.
    pub async fn open(
        clone: &Path,
        remote: &str,
        cache_dir: &Path,
        timeout: Duration,
    ) -> Result<GitMirror, AuditFault> {
        let clone_fault = |why: String| AuditFault::Clone {
            path: clone.display().to_string(),
            why,
        };
        if !clone.is_dir() {
            return Err(clone_fault("no such directory".into()));
        }
        let top = git(clone, &["rev-parse", "--absolute-git-dir"], timeout)
            .await
            .map_err(clone_fault)?;
        if top.code != 0 {
            return Err(clone_fault(format!(
                "not a git repository ({})",
                first_line(&top.stderr)
            )));
        }
        let git_dir = String::from_utf8_lossy(&top.stdout).trim().to_owned();
        let url = git(clone, &["remote", "get-url", remote], timeout)
            .await
            .map_err(clone_fault)?;
        let url = if url.code == 0 {
            String::from_utf8_lossy(&url.stdout).trim().to_owned()
        } else {
            // A clone without that remote: its own branches are what there is.
            git_dir.clone()
        };
        let digest = Sha256::digest(git_dir.as_bytes());
        let name: String = digest.iter().take(8).map(|b| format!("{b:02x}")).collect();
        let mirror = cache_dir.join(format!("{name}.git"));
        if !mirror.join("HEAD").is_file() {
            std::fs::create_dir_all(&mirror).map_err(|e| AuditFault::Git {
                message: format!("cannot create the mirror {}: {e}", mirror.display()),
            })?;
            let init = git(&mirror, &["init", "--bare", "--quiet"], timeout)
                .await
                .map_err(|message| AuditFault::Git { message })?;
            if init.code != 0 {
                return Err(git_fault("git init --bare", &init));
            }
        }
        Ok(GitMirror {
            clone: clone.to_path_buf(),
            mirror,
            url,
            timeout,
        })
    }

    async fn run(&self, args: &[&str]) -> Result<Output, AuditFault> {
        git(&self.mirror, args, self.timeout)
            .await
            .map_err(|message| AuditFault::Git { message })
    }

    /// Fetches every branch of the remote into the mirror's private refs (pruning deleted ones).
    pub async fn fetch(&self) -> Result<(), AuditFault> {
        let refspec = format!("+refs/heads/*:{MIRROR_REFS}*");
        let out = self
            .run(&[
                "fetch",
                "--prune",
                "--no-tags",
                "--quiet",
                "--no-write-fetch-head",
                &self.url,
                &refspec,
            ])
            .await?;
        if out.code != 0 {
            return Err(AuditFault::Git {
                message: format!("fetch from {}: {}", self.url, first_line(&out.stderr)),
            });
        }
        Ok(())
    }

    /// The commit a remote branch points at, if the remote has it.
    pub async fn resolve(&self, branch: &str) -> Result<Option<String>, AuditFault> {
        let spec = format!("{MIRROR_REFS}{branch}^{{commit}}");
        let out = self
            .run(&["rev-parse", "--verify", "--quiet", &spec])
            .await?;
        Ok((out.code == 0).then(|| String::from_utf8_lossy(&out.stdout).trim().to_owned()))
    }

    /// Every remote branch the mirror has, with its commit: one `git for-each-ref` for all runs
    /// instead of a `rev-parse` each.
    pub async fn heads(&self) -> Result<std::collections::HashMap<String, String>, AuditFault> {
        let out = self
            .run(&[
                "for-each-ref",
                "--format=%(objectname) %(refname)",
                MIRROR_REFS,
            ])
            .await?;
        if out.code != 0 {
            return Err(git_fault("git for-each-ref", &out));
        }
        Ok(String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter_map(|l| {
                let (sha, name) = l.split_once(' ')?;
                Some((name.strip_prefix(MIRROR_REFS)?.to_owned(), sha.to_owned()))
            })
            .collect())
    }

    /// Whether `new` descends from `old` (a plain push); `false` for a force-push or an `old`
    /// the mirror no longer has.
    pub async fn is_ancestor(&self, old: &str, new: &str) -> Result<bool, AuditFault> {
        let out = self.run(&["merge-base", "--is-ancestor", old, new]).await?;
        Ok(out.code == 0)
    }

    /// The changed files of `head` against `base` (`git diff base...head`: what the PR
    /// changes since it branched), with renames and binary files marked.
    pub async fn changes(&self, base: &str, head: &str) -> Result<ChangeSet, AuditFault> {
        let Some(head_sha) = self.resolve(head).await? else {
            return Err(AuditFault::NotPushed {
                branch: head.to_owned(),
            });
        };
        let Some(base_sha) = self.resolve(base).await? else {
            return Err(AuditFault::NoBase {
                branch: base.to_owned(),
            });
        };
        let range = format!("{base_sha}...{head_sha}");
        let names = self.diff("--name-status", &range).await?;
        let numstat = self.diff("--numstat", &range).await?;
        let merge_base = self.run(&["merge-base", &base_sha, &head_sha]).await?;
        let mut files = parse_name_status(&names.stdout);
        let binary = parse_numstat_binary(&numstat.stdout);
        for f in &mut files {
            f.binary = binary.iter().any(|b| b == &f.path);
        }
        Ok(ChangeSet {
            source: ChangeSource::Git,
            head_sha,
            base_sha: (merge_base.code == 0).then(|| {
                String::from_utf8_lossy(&merge_base.stdout)
                    .trim()
                    .to_owned()
            }),
            files,
            truncated: false,
        })
    }

    /// `git diff <format> <range>` with renames found, NUL-separated, whatever the user's git
    /// config says about colour and external diff tools; a git failure is a fault.
    async fn diff(&self, format: &str, range: &str) -> Result<Output, AuditFault> {
        let out = self
            .run(&[
                "diff",
                format,
                "-z",
                "-M",
                "--no-color",
                "--no-ext-diff",
                range,
            ])
            .await?;
        if out.code != 0 {
            return Err(git_fault(&format!("git diff {format}"), &out));
        }
        Ok(out)
    }

    /// Whether two heads conflict textually when merged (`git merge-tree --write-tree`: no work
    /// tree, no index; it only adds objects to the mirror).
    pub async fn conflicts(&self, a: &str, b: &str) -> Result<bool, AuditFault> {
        let out = self
            .run(&[
                "merge-tree",
                "--write-tree",
                "--name-only",
                "--no-messages",
                a,
                b,
            ])
            .await?;
        match out.code {
            0 => Ok(false),
            1 => Ok(true),
            _ => Err(git_fault("git merge-tree", &out)),
        }
    }
}

/// `git diff --name-status -z`: `STATUS\0path\0`, renames and copies `R100\0old\0new\0`.
pub fn parse_name_status(raw: &[u8]) -> Vec<ChangedFile> {
    let mut fields = raw
        .split(|b| *b == 0)
        .map(|f| String::from_utf8_lossy(f).into_owned());
    let mut out = Vec::new();
    while let Some(status) = fields.next() {
        if status.is_empty() {
            continue;
        }
        let kind = FileStatus::from_git(&status);
        let Some(first) = fields.next() else { break };
        match kind {
            FileStatus::Renamed | FileStatus::Copied => {
                let Some(new) = fields.next() else { break };
                out.push(ChangedFile {
                    path: new,
                    status: kind,
                    previous_path: Some(first),
                    binary: false,
                });
            }
            _ => out.push(ChangedFile::new(first, kind)),
        }
    }
    out
}

/// Paths `git diff --numstat -z` lists as binary (`-\t-\t`). Renames: `-\t-\t\0old\0new\0`.
pub fn parse_numstat_binary(raw: &[u8]) -> Vec<String> {
    let mut fields = raw
        .split(|b| *b == 0)
        .map(|f| String::from_utf8_lossy(f).into_owned());
    let mut out = Vec::new();
    while let Some(entry) = fields.next() {
        if entry.is_empty() {
            continue;
        }
        let mut cols = entry.splitn(3, '\t');
        let (added, deleted, path) = (cols.next(), cols.next(), cols.next().unwrap_or(""));
        let path = if path.is_empty() {
            // A rename: the old and the new path follow as fields of their own.
            let _old = fields.next();
            fields.next().unwrap_or_default()
        } else {
            path.to_owned()
        };
        if added == Some("-") && deleted == Some("-") {
            out.push(path);
        }
    }
    out
}

/// Where mirrors live: `<cache dir>/git` (Linux: `~/.cache/swarm-cockpit/git`).
pub fn default_cache_dir() -> Option<PathBuf> {
    directories::ProjectDirs::from("ai", "proompteng", "swarm-cockpit")
        .map(|d| d.cache_dir().join("git"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn name_status_with_renames_and_odd_names() {
        let raw = b"M\0a.txt\0R087\0old name.txt\0new\tname.txt\0A\0bin.png\0D\0gone\0";
        let files = parse_name_status(raw);
        assert_eq!(files.len(), 4);
        assert_eq!(files[1].status, FileStatus::Renamed);
        assert_eq!(files[1].previous_path.as_deref(), Some("old name.txt"));
        assert_eq!(files[1].path, "new\tname.txt");
        assert_eq!(files[3].status, FileStatus::Deleted);
    }

    #[test]
    fn numstat_binary_including_a_renamed_binary() {
        let raw = b"1\t2\ta.txt\0-\t-\tbin.png\0-\t-\t\0old.bin\0new.bin\0";
        assert_eq!(parse_numstat_binary(raw), vec!["bin.png", "new.bin"]);
    }
}

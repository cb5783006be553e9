//! Real git repositories in temp dirs for the audit tests: a bare "origin" standing in for
//! GitHub, a user's clone of it, and one branch per run with overlapping, disjoint, renamed,
//! binary and conflicting changes. Shared by tests/audit.rs, tests/e2e_audit.rs and the bench.
#![allow(dead_code)]
use std::path::{Path, PathBuf};
use std::process::Command;
use tempfile::TempDir;

pub struct Repos {
    pub dir: TempDir,
    pub origin: PathBuf,
    pub clone: PathBuf,
}

pub fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .env("GIT_AUTHOR_NAME", "t")
        .env("GIT_AUTHOR_EMAIL", "t@example.com")
        .env("GIT_COMMITTER_NAME", "t")
        .env("GIT_COMMITTER_EMAIL", "t@example.com")
        .output()
        .expect("run git");
    assert!(
        out.status.success(),
        "git {args:?} in {}: {}",
        dir.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

pub fn write(dir: &Path, path: &str, contents: &[u8]) {
    let p = dir.join(path);
    std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
    std::fs::write(p, contents).expect("write");
}

/// Ten numbered lines; `edit` replaces line `n` (1-based).
pub fn lines(edit: Option<(usize, &str)>) -> Vec<u8> {
    (1..=10)
        .map(|i| match edit {
            Some((n, text)) if n == i => format!("{text}\n"),
            _ => format!("line {i}\n"),
        })
        .collect::<String>()
        .into_bytes()
}

pub const COMMON: &str = "services/torghut/app/trading/common.py";

impl Repos {
    /// `main` with a lane-A tree, a lane-B file and a doc.
    pub fn new() -> Repos {
        let dir = tempfile::tempdir().expect("tempdir");
        let origin = dir.path().join("origin.git");
        let clone = dir.path().join("clone");
        std::fs::create_dir_all(&origin).expect("mkdir");
        git(&origin, &["init", "--bare", "--quiet", "-b", "main"]);
        git(
            dir.path(),
            &["clone", "--quiet", origin.to_str().expect("utf8"), "clone"],
        );
        git(&clone, &["symbolic-ref", "HEAD", "refs/heads/main"]);
        write(&clone, COMMON, &lines(None));
        write(
            &clone,
            "services/torghut/app/trading/firewall/fw.py",
            b"fw\n",
        );
        write(&clone, "services/dorvud/feat.py", b"feat\n");
        write(
            &clone,
            "docs/old.md",
            b"a document long enough to be recognised as renamed\n",
        );
        git(&clone, &["add", "-A"]);
        git(&clone, &["commit", "--quiet", "-m", "base"]);
        git(&clone, &["push", "--quiet", "origin", "main"]);
        Repos { dir, origin, clone }
    }

    /// A branch from `main` with `changes` (path → contents; `None` deletes), pushed or not.
    pub fn branch(&self, name: &str, changes: &[(&str, Option<&[u8]>)], push: bool) -> String {
        git(&self.clone, &["checkout", "--quiet", "-B", name, "main"]);
        for (path, contents) in changes {
            match contents {
                Some(c) => write(&self.clone, path, c),
                None => {
                    git(&self.clone, &["rm", "--quiet", path]);
                }
            }
        }
        git(&self.clone, &["add", "-A"]);
        git(&self.clone, &["commit", "--quiet", "-m", name]);
        if push {
            git(&self.clone, &["push", "--quiet", "--force", "origin", name]);
        }
        let sha = git(&self.clone, &["rev-parse", "HEAD"]);
        git(&self.clone, &["checkout", "--quiet", "main"]);
        sha
    }

    /// A rename inside one branch: `git mv` then commit and push.
    pub fn rename_branch(
        &self,
        name: &str,
        from: &str,
        to: &str,
        extra: &[(&str, &[u8])],
    ) -> String {
        git(&self.clone, &["checkout", "--quiet", "-B", name, "main"]);
        std::fs::create_dir_all(self.clone.join(to).parent().expect("parent")).expect("mkdir");
        git(&self.clone, &["mv", from, to]);
        for (path, c) in extra {
            write(&self.clone, path, c);
        }
        git(&self.clone, &["add", "-A"]);
        git(&self.clone, &["commit", "--quiet", "-m", name]);
        git(&self.clone, &["push", "--quiet", "--force", "origin", name]);
        let sha = git(&self.clone, &["rev-parse", "HEAD"]);
        git(&self.clone, &["checkout", "--quiet", "main"]);
        sha
    }

    /// Everything about the clone that a write would change: refs, HEAD, status, config and
    /// the list of files under `.git` with their sizes.
    pub fn fingerprint(&self) -> String {
        let mut out = git(&self.clone, &["for-each-ref"]);
        out += &git(&self.clone, &["rev-parse", "HEAD"]);
        out += &git(&self.clone, &["status", "--porcelain", "--branch"]);
        out += &std::fs::read_to_string(self.clone.join(".git/config")).expect("config");
        let mut files = Vec::new();
        let mut stack = vec![self.clone.join(".git")];
        while let Some(d) = stack.pop() {
            for e in std::fs::read_dir(&d).expect("read_dir").flatten() {
                let p = e.path();
                if p.is_dir() {
                    stack.push(p);
                } else if p.file_name().is_some_and(|n| n != "index") {
                    let len = e.metadata().map(|m| m.len()).unwrap_or(0);
                    files.push(format!("{} {len}", p.display()));
                }
            }
        }
        files.sort();
        out + &files.join("\n")
    }
}

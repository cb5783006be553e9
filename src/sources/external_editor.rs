//! Editing a work item's text in `$VISUAL` / `$EDITOR` (else `vi`). The text goes through a
//! fresh temporary file created with `O_EXCL` and mode 0600 (`tempfile`), never a predictable
//! path another local user could plant a symlink at; the command is split with shell rules
//! (`shell-words`), so `code --wait` and `"/opt/My Editor/bin/ed" -n` both work.
use std::io::Write as _;

/// The editor command from the environment: `$VISUAL`, else `$EDITOR`, else `vi`.
pub fn editor_command() -> Result<Vec<String>, String> {
    let raw = std::env::var("VISUAL")
        .ok()
        .filter(|v| !v.trim().is_empty())
        .or_else(|| {
            std::env::var("EDITOR")
                .ok()
                .filter(|v| !v.trim().is_empty())
        })
        .unwrap_or_else(|| "vi".into());
    split_command(&raw)
}

/// Splits an editor command line with POSIX shell quoting rules.
pub fn split_command(raw: &str) -> Result<Vec<String>, String> {
    let words = shell_words::split(raw)
        .map_err(|e| format!("cannot read the editor command {raw:?}: {e}"))?;
    if words.is_empty() {
        return Err("the editor command is empty".into());
    }
    Ok(words)
}

/// Edits `text` in the editor; returns the text as the editor left it.
pub fn edit(text: &str) -> Result<String, String> {
    let command = editor_command()?;
    edit_with(&command, text)
}

/// Edits `text` with `command` (program and arguments; the file is appended).
pub fn edit_with(command: &[String], text: &str) -> Result<String, String> {
    let (program, args) = command.split_first().ok_or("the editor command is empty")?;
    let mut file = tempfile::Builder::new()
        .prefix("swarm-work-item-")
        .suffix(".md")
        .tempfile()
        .map_err(|e| format!("cannot create a temporary file: {e}"))?;
    file.write_all(text.as_bytes())
        .and_then(|()| file.flush())
        .map_err(|e| format!("{}: {e}", file.path().display()))?;
    let status = std::process::Command::new(program)
        .args(args)
        .arg(file.path())
        .status()
        .map_err(|e| format!("cannot start {program:?}: {e}"))?;
    if !status.success() {
        return Err(format!(
            "{program} exited with {status}; the text is unchanged"
        ));
    }
    // By path: editors often replace the file instead of writing into it.
    std::fs::read_to_string(file.path()).map_err(|e| format!("{}: {e}", file.path().display()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn commands_split_with_shell_quoting() {
        assert_eq!(
            split_command("code --wait").expect("ok"),
            ["code", "--wait"]
        );
        assert_eq!(
            split_command(r#""/opt/My Editor/ed" -n 'two words'"#).expect("ok"),
            ["/opt/My Editor/ed", "-n", "two words"]
        );
        assert!(split_command("vim 'unterminated").is_err());
        assert!(split_command("   ").is_err());
    }

    #[test]
    fn the_temp_file_is_private_and_fresh_and_the_edit_comes_back() {
        let dir = tempfile::tempdir().expect("tmp");
        // An "editor" that records the file's mode and path, then appends a line.
        let script = dir.path().join("ed.sh");
        let log = dir.path().join("seen");
        std::fs::write(
            &script,
            format!(
                "#!/bin/sh\nstat -c '%a' \"$1\" > '{}'\necho \"$1\" >> '{}'\necho added >> \"$1\"\n",
                log.display(),
                log.display()
            ),
        )
        .expect("script");
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).expect("chmod");
        let cmd = vec![script.display().to_string()];
        let out = edit_with(&cmd, "text\n").expect("edited");
        assert_eq!(out, "text\nadded\n");
        let seen = std::fs::read_to_string(&log).expect("log");
        let mut lines = seen.lines();
        assert_eq!(lines.next(), Some("600"), "mode 0600");
        let path = lines.next().expect("path");
        assert!(!std::path::Path::new(path).exists(), "removed afterwards");
        let again = edit_with(&cmd, "x").expect("edited");
        assert_eq!(again, "xadded\n");
        let seen = std::fs::read_to_string(&log).expect("log");
        assert_ne!(seen.lines().nth(1), Some(path), "a new name each time");
    }

    #[test]
    fn a_failing_editor_leaves_the_text_unchanged() {
        let e = edit_with(&["false".to_owned()], "t").expect_err("fails");
        assert!(e.contains("unchanged"), "{e}");
        let e = edit_with(&["/nonexistent/editor".to_owned()], "t").expect_err("fails");
        assert!(e.contains("cannot start"), "{e}");
    }
}

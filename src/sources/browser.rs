//! Opens a URL in the operator's browser for `o`: `$BROWSER`, else `open` (macOS) or `xdg-open`.
//! When none can be started — an SSH session without a display, a container — the URL is shown in
//! the status line instead, so it can be copied.
use crate::app::msg::{Msg, SourceEvent};
use std::process::Stdio;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

/// The programs to try, in order.
pub fn openers() -> Vec<String> {
    let mut out: Vec<String> = std::env::var("BROWSER")
        .ok()
        .map(|b| {
            b.split(':')
                .map(str::trim)
                .filter(|p| !p.is_empty())
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    if cfg!(target_os = "macos") {
        out.push("open".into());
    } else {
        // Without a display, xdg-open falls back to a text browser that would fight the cockpit
        // for the terminal: show the URL instead.
        let display = ["DISPLAY", "WAYLAND_DISPLAY"]
            .iter()
            .any(|v| std::env::var_os(v).is_some_and(|d| !d.is_empty()));
        if display {
            out.push("xdg-open".into());
        }
    }
    out
}

/// The notice shown when no browser could be started.
pub fn no_browser_notice(url: &str) -> String {
    format!("no browser could be started; open {url}")
}

/// Starts the first opener that exists, detached from the terminal (no stdin, output discarded).
pub fn spawn_opener(candidates: &[String], url: &str) -> std::io::Result<tokio::process::Child> {
    let mut last = std::io::Error::new(std::io::ErrorKind::NotFound, "no opener configured");
    for program in candidates {
        let spawned = tokio::process::Command::new(program)
            .arg(url)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn();
        match spawned {
            Ok(child) => return Ok(child),
            Err(e) => last = e,
        }
    }
    Err(last)
}

/// Opens `url` with the first of `candidates`; when none starts, or it exits with an error, sends
/// a notice with the URL. The handle ends when the opener has.
pub fn open_with(
    candidates: &[String],
    url: String,
    notices: mpsc::UnboundedSender<Msg>,
) -> Option<JoinHandle<()>> {
    let notice = move |tx: &mpsc::UnboundedSender<Msg>, url: &str| {
        let _ = tx.send(Msg::Source(SourceEvent::Notice(no_browser_notice(url))));
    };
    match spawn_opener(candidates, &url) {
        Ok(mut child) => Some(tokio::spawn(async move {
            let ok = child.wait().await.is_ok_and(|s| s.success());
            if !ok {
                notice(&notices, &url);
            }
        })),
        Err(e) => {
            tracing::info!(error = %e, "no browser to open a URL");
            notice(&notices, &url);
            None
        }
    }
}

/// Opens `url` with the platform's openers (see [`openers`]).
pub fn open(url: String, notices: mpsc::UnboundedSender<Msg>) {
    let _ = open_with(&openers(), url, notices);
}

//! Telling the operator that something happened: the terminal bell and a desktop notification.

/// How the operator is told about transitions that matter.
#[derive(Debug, Clone, Default)]
pub struct NotifySettings {
    pub bell: bool,
    /// Run `notify-send` (where installed) for a desktop notification.
    pub desktop: bool,
}

impl NotifySettings {
    /// Rings and/or notifies as configured. Best effort: no notification daemon is no reason to
    /// bother the operator.
    pub fn notify(&self, title: &str, body: &str) {
        if self.bell {
            use std::io::Write;
            let mut out = std::io::stdout();
            let _ = out.write_all(b"\x07");
            let _ = out.flush();
        }
        if self.desktop {
            let _ = std::process::Command::new("notify-send")
                .arg("--app-name=swarm cockpit")
                .arg(title)
                .arg(body)
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::null())
                .spawn();
        }
    }
}

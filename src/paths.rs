//! Where the cockpit keeps its files (XDG on Linux, the platform's dirs elsewhere).
use directories::ProjectDirs;
use std::path::PathBuf;

fn dirs() -> Option<ProjectDirs> {
    ProjectDirs::from("ai", "proompteng", "swarm-cockpit")
}

/// `config.toml`, `plan.toml`, `themes/`.
pub fn config_dir() -> Option<PathBuf> {
    dirs().map(|d| d.config_dir().to_path_buf())
}

/// Log file, drafts and audit log. Falls back to the local data dir where there is no state dir.
pub fn state_dir() -> Option<PathBuf> {
    dirs().map(|d| {
        d.state_dir()
            .map(|p| p.to_path_buf())
            .unwrap_or_else(|| d.data_local_dir().to_path_buf())
    })
}

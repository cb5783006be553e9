//! Command line (clap). Every flag has a config-file key of the same name (see README).
use clap::{Parser, Subcommand};
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(
    name = "swarm",
    version,
    about = "Terminal cockpit for a swarm of coding agents (AgentRuns) on Kubernetes"
)]
pub struct Cli {
    /// Config file [default: <config dir>/config.toml]
    #[arg(long, global = true, env = "SWARM_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Theme: built-in name (default, light, high-contrast), a name in <config dir>/themes, or a path
    #[arg(long, global = true, value_name = "NAME|PATH")]
    pub theme: Option<String>,
    /// Plan file with lanes and waves [default: <config dir>/plan.toml; the demo uses the Torghut plan]
    #[arg(long, global = true, value_name = "FILE")]
    pub plan: Option<PathBuf>,
    /// Kubeconfig file [default: $KUBECONFIG or ~/.kube/config]
    #[arg(long, global = true, value_name = "FILE")]
    pub kubeconfig: Option<PathBuf>,
    /// Kubeconfig context [default: the current context]
    #[arg(long, global = true)]
    pub context: Option<String>,
    /// Namespace to watch [default: the context's namespace]
    #[arg(short = 'n', long, global = true, conflicts_with = "all_namespaces")]
    pub namespace: Option<String>,
    /// Disable every mutating action (save, approve, launch, cancel, delete)
    #[arg(long, global = true)]
    pub read_only: bool,
    /// Watch all namespaces
    #[arg(short = 'A', long, global = true)]
    pub all_namespaces: bool,
    /// Test hook: panic as soon as the command starts (end-to-end tests check that a headless
    /// command's panic writes no terminal escapes).
    #[arg(long, global = true, hide = true)]
    pub debug_panic: bool,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the cockpit on the embedded demo swarm (no cluster needed)
    Demo {
        /// Seed for the simulated timings (same seed, same story)
        #[arg(long)]
        seed: Option<u64>,
        /// Simulated seconds per real second; 0 freezes the opening state
        #[arg(long)]
        speed: Option<f64>,
        /// Test hook: panic in a background task after this many milliseconds (end-to-end tests
        /// check that a panic restores the terminal).
        #[arg(long, hide = true, value_name = "MS")]
        debug_panic_after_ms: Option<u64>,
        /// Test hook: panic in the UI's task when SIGUSR1 arrives (end-to-end tests check that a
        /// panic writes the unsaved draft).
        #[arg(long, hide = true)]
        debug_panic_on_sigusr1: bool,
    },
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell) to stdout
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff) to stdout: `swarm man > swarm.1`
    Man,
    /// Plan, launch and cancel waves without the UI (exit codes: 0 done, 1 refused by a gate or
    /// read-only, 2 could not run, 3 some runs failed)
    Wave {
        #[command(subcommand)]
        command: WaveCommand,
    },
    /// Approve work items (signed with the `[approvals]` key), refused while a check fails; exits
    /// 0 when all are approved, 1 when any is refused or read-only, 2 when it cannot run, 3 when
    /// the server refused a change
    Approve {
        /// Work item (ImplementationSpec) names, in the namespace of -n or the context
        #[arg(value_name = "NAME", required = true)]
        names: Vec<String>,
        #[arg(long, value_enum, default_value_t = OutputFormat::Human)]
        output: OutputFormat,
    },
    /// Revoke the approval of work items (same exit codes as approve)
    Revoke {
        #[arg(value_name = "NAME", required = true)]
        names: Vec<String>,
        #[arg(long, value_enum, default_value_t = OutputFormat::Human)]
        output: OutputFormat,
    },
    /// Check work items (files or the cluster's) against the plan and the swarm's rules; exits
    /// 0 when clean (warnings allowed), 1 when any check fails, 2 when it cannot run
    Validate {
        /// ImplementationSpec manifests (.yaml, multi-document) or work item texts (.md)
        #[arg(value_name = "PATH", required_unless_present = "cluster")]
        paths: Vec<PathBuf>,
        /// Check the ImplementationSpecs in the cluster instead (uses --context/-n/-A)
        #[arg(long, conflicts_with = "paths")]
        cluster: bool,
        /// Lane of Markdown work items (YAML manifests carry theirs as a label)
        #[arg(long)]
        lane: Option<String>,
        /// Head branches must start with this
        #[arg(long, default_value = "codex/")]
        head_prefix: String,
        /// Check only this wave, as it would launch (its items, and their paths against each
        /// other and against in-flight runs)
        #[arg(long, value_name = "N")]
        wave: Option<u32>,
        #[arg(long, value_enum, default_value_t = OutputFormat::Human)]
        output: OutputFormat,
    },
    /// What the open swarm PRs really touch: lane drift, PRs changing the same files (and
    /// whether they conflict), the merge train; exits 0 clean, 1 drift or conflict, 2 cannot run
    Audit {
        /// A local clone of the repository (only read; fetched into a private mirror)
        /// [default: [audit] repo; without one, the files come from GitHub]
        #[arg(long, value_name = "PATH")]
        repo: Option<PathBuf>,
        /// Only this wave's runs (the merge train still counts earlier waves)
        #[arg(long)]
        wave: Option<u32>,
        #[arg(long, value_enum, default_value_t = OutputFormat::Human)]
        output: OutputFormat,
    },
}

#[derive(Debug, Subcommand)]
pub enum WaveCommand {
    /// Show the waves: their work items, approvals and launch gates
    Plan {
        /// Only this wave
        #[arg(long)]
        wave: Option<u32>,
        #[arg(long, value_enum, default_value_t = OutputFormat::Human)]
        output: OutputFormat,
    },
    /// Check a wave's gates and create one AgentRun per work item (idempotent)
    Launch {
        #[arg(long)]
        wave: u32,
        /// Print the exact AgentRun manifests as YAML instead of creating them
        #[arg(long)]
        dry_run: bool,
        /// Launch although an earlier wave is not merged (recorded on every run)
        #[arg(long)]
        override_unmerged: bool,
        /// Allow a `prompt` parameter, which overrides the spec text (recorded; current schemas reject it)
        #[arg(long)]
        prompt_override: bool,
        /// Launch although new work would wait: the namespace's queue is saturated (many runs
        /// Blocked on one limit) or an upstream Swarm is frozen or paused
        #[arg(long)]
        despite_hold: bool,
        #[arg(long, value_enum, default_value_t = OutputFormat::Human)]
        output: OutputFormat,
    },
    /// Cancel a wave's in-flight runs (delete their Jobs, keep the AgentRuns), or delete its runs
    Cancel {
        #[arg(long)]
        wave: u32,
        /// Delete the AgentRuns instead of cancelling their Jobs
        #[arg(long)]
        delete: bool,
        /// Return once the Jobs (or runs) are deleted, without waiting for each run's verdict
        /// (ended, restarted by a retry, deleted, stuck on its finalizer)
        #[arg(long)]
        no_wait: bool,
        /// How long to wait for the verdicts, in seconds
        #[arg(long, default_value_t = 120)]
        timeout: u64,
        #[arg(long, value_enum, default_value_t = OutputFormat::Human)]
        output: OutputFormat,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum OutputFormat {
    Human,
    Json,
}

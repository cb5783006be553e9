use clap::Parser;
use color_eyre::eyre::{WrapErr, eyre};
use std::path::{Path, PathBuf};
use swarm_cockpit::app::State;
use swarm_cockpit::app::keymap::Keymaps;
use swarm_cockpit::app::state::Origin;
use swarm_cockpit::cli::{Cli, Command, OutputFormat};
use swarm_cockpit::config::Config;
use swarm_cockpit::domain::Plan;
use swarm_cockpit::domain::approval::Policy;
use swarm_cockpit::domain::guardrails::Guardrails;
use swarm_cockpit::domain::plan::TORGHUT_PLAN;
use swarm_cockpit::effects::{Executor, KubeCluster, KubeControl, NotifySettings};
use swarm_cockpit::sources::audit::AuditLog;
use swarm_cockpit::sources::demo_logs::DemoLogs;
use swarm_cockpit::sources::drafts::DraftStore;
use swarm_cockpit::sources::logs::{Backend as LogBackend, LogRunner};
use swarm_cockpit::sources::{demo, demo_cluster, github, kube, kube_watch};
use swarm_cockpit::ui::Theme;
use swarm_cockpit::{paths, runtime, validate};
use tokio::sync::mpsc;

fn main() {
    swarm_cockpit::heap_trim::one_arena();
    if let Err(e) = runtime::install_hooks() {
        eprintln!("swarm: cannot install error hooks: {e}");
    }
    let cli = Cli::parse();
    // The headless commands promise 2 for "could not run" (a plan or config that cannot be read
    // included), so a script tells it from a refusal (1).
    let could_not_run = match cli.command {
        Some(
            Command::Validate { .. }
            | Command::Wave { .. }
            | Command::Approve { .. }
            | Command::Revoke { .. }
            | Command::Audit { .. },
        ) => 2,
        _ => 1,
    };
    let code = match run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("swarm: {e}");
            for cause in e.chain().skip(1) {
                eprintln!("  caused by: {cause}");
            }
            could_not_run
        }
    };
    std::process::exit(code);
}

fn run(cli: Cli) -> color_eyre::Result<i32> {
    match &cli.command {
        Some(Command::Completions { shell }) => {
            let mut cmd = <Cli as clap::CommandFactory>::command();
            clap_complete::generate(*shell, &mut cmd, "swarm", &mut std::io::stdout());
            return Ok(0);
        }
        Some(Command::Man) => {
            let cmd = <Cli as clap::CommandFactory>::command();
            clap_mangen::Man::new(cmd).render(&mut std::io::stdout())?;
            return Ok(0);
        }
        _ => {}
    }
    let config_dir = paths::config_dir();
    let config = match (&cli.config, &config_dir) {
        (Some(path), _) => Config::load(path, true)?,
        (None, Some(dir)) => Config::load(&dir.join("config.toml"), false)?,
        (None, None) => Config::default(),
    };
    let _log_guard = init_logging();
    if cli.debug_panic {
        panic!("debug panic (--debug-panic)");
    }
    let config_file = cli
        .config
        .clone()
        .or_else(|| config_dir.as_ref().map(|d| d.join("config.toml")))
        .map(|p| p.display().to_string())
        .unwrap_or_else(|| "config.toml".into());
    let keymap = Keymaps::from_config(&config.keys).map_err(|errors| {
        let lines: Vec<String> = errors
            .iter()
            .map(|e| format!("{config_file}: {e}"))
            .collect();
        eyre!("{}", lines.join("\n"))
    })?;
    let theme_name = cli
        .theme
        .clone()
        .or(config.theme.clone())
        .unwrap_or_else(|| "default".into());
    let theme = Theme::resolve(
        &theme_name,
        config_dir.as_ref().map(|d| d.join("themes")).as_deref(),
    )?;
    let plan_path = cli.plan.clone().or(config.plan.clone());
    let approvals = config
        .approvals
        .policy()
        .map_err(|e| eyre!("{config_file}: {e}"))?;
    let signer = config.approvals.signer(&approvals);

    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let (tx, rx) = mpsc::channel(runtime::CHANNEL);
    let exit = match &cli.command {
        Some(Command::Completions { .. } | Command::Man) => return Ok(0),
        Some(Command::Wave { command }) => {
            let plan = load_plan(plan_path.as_deref(), config_dir)?;
            let target = target(&cli, &config);
            let state = headless_state(plan, &config, &keymap, cli.read_only, &approvals);
            let audit = audit_log(&state.settings.operator);
            let env = swarm_cockpit::wave_cli::WaveEnv {
                state,
                target: &target,
                audit,
                github: rt.block_on(async { github_client(&config) }),
            };
            return Ok(rt.block_on(swarm_cockpit::wave_cli::run(env, command)));
        }
        Some(Command::Approve { names, output } | Command::Revoke { names, output }) => {
            let revoke = matches!(&cli.command, Some(Command::Revoke { .. }));
            let plan = load_plan(plan_path.as_deref(), config_dir)?;
            let target = target(&cli, &config);
            let state = headless_state(plan, &config, &keymap, cli.read_only, &approvals);
            let audit = audit_log(&state.settings.operator);
            let env = swarm_cockpit::approve_cli::ApproveEnv {
                state,
                target: &target,
                signer: signer.clone(),
                audit,
            };
            return Ok(rt.block_on(swarm_cockpit::approve_cli::run(env, names, revoke, *output)));
        }
        Some(Command::Audit { repo, wave, output }) => {
            let plan = load_plan(plan_path.as_deref(), config_dir)?;
            let target = target(&cli, &config);
            let settings = config.audit.clone();
            let mut configured = State::new(Plan::default(), Origin::default(), chrono::Utc::now());
            configure(&mut configured, &config, &keymap, cli.read_only);
            let guarded = configured.audit.guarded.clone();
            let code = rt.block_on(async {
                let env = swarm_cockpit::audit_cli::AuditEnv {
                    plan: &plan,
                    target: &target,
                    git: git_source(repo.clone(), &config),
                    git_timeout: config.audit.git_timeout(),
                    github: github_client(&config),
                    files: pr_files_client(&config),
                    settings: &settings,
                    guarded,
                };
                swarm_cockpit::audit_cli::run(env, *wave, *output).await
            });
            return Ok(code);
        }
        Some(Command::Validate {
            paths,
            cluster,
            lane,
            head_prefix,
            wave,
            output,
        }) => {
            let plan = load_plan(plan_path.as_deref(), config_dir)?;
            let target = cluster.then(|| target(&cli, &config));
            let source = match &target {
                Some(t) => ValidateSource::Cluster(t),
                None => ValidateSource::Files(paths, lane.as_deref()),
            };
            let mut guardrails = Guardrails::default();
            config.guardrails.apply(&mut guardrails);
            // The PRs are read once the runs are (`run_validate`).
            let opts = validate::Options {
                head_prefix,
                guardrails: &guardrails,
                wave: *wave,
                prs: Default::default(),
            };
            // PR states are read only for the cluster's runs (files have none).
            let code = rt.block_on(async {
                let github = if *cluster {
                    github_client(&config)
                } else {
                    None
                };
                run_validate(&plan, source, opts, github, *output).await
            });
            return Ok(code);
        }
        Some(Command::Demo {
            seed,
            speed,
            debug_panic_after_ms,
            debug_panic_on_sigusr1,
        }) => {
            let plan = match &plan_path {
                Some(p) => Plan::load(p)?,
                None => Plan::parse(TORGHUT_PLAN, "examples/torghut/plan.toml")?,
            };
            let seed = seed.or(config.demo.seed).unwrap_or(1);
            let speed = speed.or(config.demo.speed).unwrap_or(1.0);
            if !(speed.is_finite() && speed >= 0.0) {
                return Err(eyre!("--speed must be a number ≥ 0, got {speed}"));
            }
            let origin = Origin {
                context: "demo".into(),
                namespace: Some(demo::NAMESPACE.into()),
            };
            let mut state = State::new(plan.clone(), origin, chrono::Utc::now());
            configure(&mut state, &config, &keymap, cli.read_only);
            state.settings.approvals = approvals.clone();
            let operator = state.settings.operator.clone();
            let debug_panic_after_ms = *debug_panic_after_ms;
            let debug_panic_on_sigusr1 = *debug_panic_on_sigusr1;
            swarm_cockpit::crash::set_draft_store(draft_store());
            let read_only = state.settings.read_only;
            rt.block_on(async move {
                let cluster = std::sync::Arc::new(demo_cluster::DemoCluster::new(tx.clone()));
                let logs = LogRunner::new(LogBackend::Demo(DemoLogs::new(speed)), tx.clone());
                let executor = Executor::new(tx.clone(), cluster, draft_store())
                    .with_audit(audit_log(&operator), &operator)
                    .with_read_only(read_only)
                    .with_signer(signer)
                    .with_notify(notify_settings(&config))
                    .with_logs(logs);
                let _demo = demo::spawn(plan, seed, speed, tx);
                let ui = runtime::run(state, theme, rx, executor);
                if debug_panic_on_sigusr1 {
                    let mut usr1 = tokio::signal::unix::signal(
                        tokio::signal::unix::SignalKind::user_defined1(),
                    )?;
                    return tokio::select! {
                        exit = ui => exit,
                        _ = usr1.recv() => panic!("debug panic on SIGUSR1 (--debug-panic-on-sigusr1)"),
                    };
                }
                let Some(ms) = debug_panic_after_ms else {
                    return ui.await;
                };
                // Test hook: a panic in the UI loop's own task (as in `update` or a view). A
                // `tokio::spawn`ed task would not do: tokio keeps its panic in the JoinHandle.
                let timer = tokio::time::sleep(std::time::Duration::from_millis(ms));
                tokio::select! {
                    exit = ui => exit,
                    () = timer => panic!("debug panic after {ms} ms (--debug-panic-after-ms)"),
                }
            })?
        }
        None => {
            let plan = load_plan(plan_path.as_deref(), config_dir)?;
            let target = target(&cli, &config);
            rt.block_on(async move {
                let conn = target
                    .connect()
                    .await
                    .wrap_err("cannot configure the Kubernetes client (check --kubeconfig and --context; `swarm demo` runs without a cluster)")?;
                let origin = Origin {
                    context: conn.context.clone(),
                    namespace: conn.namespace.clone(),
                };
                let mut state = State::new(plan, origin, chrono::Utc::now());
                configure(&mut state, &config, &keymap, cli.read_only);
                state.settings.approvals = approvals;
                let (github, _poller) = start_github(&config, &mut state, tx.clone());
                swarm_cockpit::crash::set_draft_store(draft_store());
                let (audit, _auditor) = start_audit(&config, &mut state, tx.clone());
                let shared = kube::SharedClient::new(conn.client.clone());
                let logs = LogRunner::new(LogBackend::Kube(shared.clone()), tx.clone());
                // The watches read the runs on screen first while a restarted server warms up.
                let (on_screen, seen) =
                    tokio::sync::watch::channel(kube_watch::OnScreen::new());
                let watchers = kube::spawn_watchers_seeing(&conn, tx.clone(), &seen);
                let cluster = KubeCluster::new(shared.clone()).with_control(
                    KubeControl::new(shared.clone(), target.clone(), watchers).seeing(seen),
                );
                let executor = Executor::new(tx.clone(), std::sync::Arc::new(cluster), draft_store())
                    .with_audit(audit_log(&state.settings.operator), &state.settings.operator)
                    .with_read_only(state.settings.read_only)
                    .with_notify(notify_settings(&config))
                    .with_signer(signer)
                    .with_logs(logs)
                    .with_links(github, audit)
                    .with_screen(on_screen);
                let contexts = KubeControl::contexts();
                let _ = tx
                    .send(swarm_cockpit::app::Msg::Op(
                        swarm_cockpit::app::msg::OpResult::Contexts(contexts),
                    ))
                    .await;
                runtime::run(state, theme, rx, executor).await
            })?
        }
    };
    tracing::info!(?exit, "cockpit exited");
    // Watchers may be mid-request: do not wait for them once the operator has left.
    rt.shutdown_timeout(std::time::Duration::from_millis(100));
    Ok(exit.code())
}

/// Starts the GitHub poller when a token is found; otherwise the status line says how to get one.
/// A GitHub client when a token is configured (headless commands fetch PR states once).
fn github_client(config: &Config) -> Option<github::GitHubClient> {
    let options = github::GitHubOptions::new(
        config.github.api_url.as_deref(),
        config.github.refresh_seconds,
    );
    let (token, _) = github::resolve_token(&options.host())?;
    github::GitHubClient::new(&options.api_url, token).ok()
}

fn start_github(
    config: &Config,
    state: &mut State,
    tx: mpsc::Sender<swarm_cockpit::app::Msg>,
) -> (
    Option<github::GitHubLink>,
    Option<tokio::task::JoinHandle<()>>,
) {
    use swarm_cockpit::app::github::GitHubStatus;
    let options = github::GitHubOptions::new(
        config.github.api_url.as_deref(),
        config.github.refresh_seconds,
    );
    let Some((token, source)) = github::resolve_token(&options.host()) else {
        tracing::info!(host = %options.host(), "no GitHub token: PR status off");
        state.github.status = Some(GitHubStatus::off("no token (set GH_TOKEN)"));
        return (None, None);
    };
    match github::GitHubClient::new(&options.api_url, token) {
        Ok(client) => {
            tracing::info!(%source, api = %options.api_url, "GitHub poller started");
            // Two missed refreshes (and a margin for a slow one) make the PR data stale.
            state.freshness.github_stale_after = options.refresh.and_then(|every| {
                chrono::Duration::from_std(every * 2 + std::time::Duration::from_secs(30)).ok()
            });
            let (link, handle) = github::spawn(github::Poller::new(client), &options, tx);
            (Some(link), Some(handle))
        }
        Err(e) => {
            state.github.status = Some(GitHubStatus::off(format!("client setup failed: {e}")));
            (None, None)
        }
    }
}

/// The clone to audit (`--repo`, else `[audit] repo`), its remote, and where its mirror lives.
fn git_source(repo: Option<PathBuf>, config: &Config) -> Option<(PathBuf, String, PathBuf)> {
    let clone = repo.or(config.audit.repo.clone())?;
    let cache = swarm_cockpit::sources::git::default_cache_dir()
        .unwrap_or_else(|| std::env::temp_dir().join("swarm-cockpit-git"));
    Some((clone, config.audit.remote(), cache))
}

/// A client for GitHub's PR files when a token is configured.
fn pr_files_client(config: &Config) -> Option<swarm_cockpit::sources::pr_files::PrFilesClient> {
    let options = github::GitHubOptions::new(
        config.github.api_url.as_deref(),
        config.github.refresh_seconds,
    );
    let (token, _) = github::resolve_token(&options.host())?;
    swarm_cockpit::sources::pr_files::PrFilesClient::new(&options.api_url, token).ok()
}

/// Starts the auditor when a clone or a GitHub token gives it a source of changed files.
fn start_audit(
    config: &Config,
    state: &mut State,
    tx: mpsc::Sender<swarm_cockpit::app::Msg>,
) -> (
    Option<swarm_cockpit::sources::pr_audit::AuditLink>,
    Option<tokio::task::JoinHandle<()>>,
) {
    use swarm_cockpit::sources::pr_audit::{Auditor, Sources};
    let git = git_source(None, config);
    let files = pr_files_client(config);
    if git.is_none() && files.is_none() {
        return (None, None);
    }
    state.audit.enabled = true;
    let auditor = Auditor::new(Sources {
        git,
        github: files,
        git_timeout: config.audit.git_timeout(),
    });
    let (link, handle) =
        swarm_cockpit::sources::pr_audit::spawn(auditor, config.audit.refresh(), tx);
    (Some(link), Some(handle))
}

/// Settings from the config file that live in the state.
fn configure(state: &mut State, config: &Config, keymap: &Keymaps, read_only: bool) {
    state.settings.keymap = keymap.clone();
    state.settings.read_only = read_only || config.read_only;
    state.settings.stuck_after =
        chrono::Duration::minutes(i64::from(config.notifications.stuck_after_minutes));
    config.launch.apply(&mut state.settings.launch_settings);
    config.guardrails.apply(&mut state.settings.guardrails);
    // Drift's guarded paths are the guardrails' credential paths unless [audit] names its own.
    state.audit.guarded = state.settings.guardrails.credential_paths.clone();
    config.audit.apply(&mut state.audit);
    if let Some(operator) = &config.operator {
        state.settings.operator = operator.clone();
    }
    if let Some(prefix) = &config.head_prefix {
        state.settings.head_prefix = prefix.clone();
    }
    state.logs.settings = config
        .logs
        .settings(paths::state_dir().map(|d| d.join("logs")));
}

/// The `State` the headless `swarm wave`, `approve` and `revoke` decide on: configured as the
/// TUI's is, with the plan and the approval policy; they load the cluster data into it.
fn headless_state(
    plan: Plan,
    config: &Config,
    keymap: &Keymaps,
    read_only: bool,
    approvals: &Policy,
) -> State {
    let mut state = State::new(Plan::default(), Origin::default(), chrono::Utc::now());
    configure(&mut state, config, keymap, read_only);
    state.settings.plan = plan;
    state.settings.approvals = approvals.clone();
    state
}

fn notify_settings(config: &Config) -> NotifySettings {
    NotifySettings {
        bell: config.notifications.bell,
        desktop: config.notifications.desktop,
    }
}

/// Every mutating action is appended to `<state dir>/audit.jsonl`.
fn audit_log(operator: &str) -> Option<AuditLog> {
    paths::state_dir().map(|d| AuditLog::new(d.join("audit.jsonl"), operator))
}

/// Drafts live in `<state dir>/drafts`.
fn draft_store() -> Option<DraftStore> {
    paths::state_dir().map(|d| DraftStore::new(d.join("drafts")))
}

fn target(cli: &Cli, config: &Config) -> kube::Target {
    kube::Target {
        kubeconfig: cli.kubeconfig.clone().or(config.kubeconfig.clone()),
        context: cli.context.clone().or(config.context.clone()),
        namespace: cli.namespace.clone().or(config.namespace.clone()),
        all_namespaces: cli.all_namespaces || (cli.namespace.is_none() && config.all_namespaces),
    }
}

enum ValidateSource<'a> {
    Files(&'a [PathBuf], Option<&'a str>),
    Cluster(&'a kube::Target),
}

/// `swarm validate`: prints the report; exit 0 clean, 1 failing checks, 2 unable to check.
async fn run_validate(
    plan: &Plan,
    source: ValidateSource<'_>,
    mut opts: validate::Options<'_>,
    github: Option<github::GitHubClient>,
    output: OutputFormat,
) -> i32 {
    let loaded = match source {
        ValidateSource::Files(paths, lane) => validate::read_items(paths, lane, "default")
            .map(|items| kube::Listing {
                items,
                ..Default::default()
            })
            .map_err(|e| e.to_string()),
        ValidateSource::Cluster(target) => {
            kube::list_all(target).await.map_err(|e| format!("{e:#}"))
        }
    };
    let listing = match loaded {
        Ok(loaded) => loaded,
        Err(e) => {
            eprintln!("swarm validate: {e}");
            return 2;
        }
    };
    use swarm_cockpit::domain::ResourceKind;
    if listing.missing.contains(&ResourceKind::ImplementationSpec) {
        // The work items themselves cannot be read: nothing to validate.
        eprintln!(
            "swarm validate: {}",
            kube::missing_crd_message(ResourceKind::ImplementationSpec)
        );
        return 2;
    }
    if let Some(n) = opts.wave
        && !listing
            .items
            .iter()
            .any(|i| swarm_cockpit::domain::placement::item_wave(i, plan) == Some(n))
    {
        eprintln!("swarm validate: no work item is planned in wave {n}");
        return 2;
    }
    // A finished run of a listed work item holds its paths until its PR is merged or closed;
    // without GitHub every such PR counts as open, as at launch.
    let finished = listing.runs.iter().any(|r| {
        !r.phase.is_in_flight()
            && !r.is_template
            && listing
                .items
                .iter()
                .any(|i| swarm_cockpit::domain::placement::is_run_of(r, i))
    });
    opts.prs = match github {
        Some(mut github) if finished => {
            match swarm_cockpit::wave_cli::fetch_prs(&mut github, &listing.items, &listing.runs)
                .await
            {
                Ok(prs) => prs,
                Err(e) => {
                    eprintln!(
                        "swarm validate: GitHub: {e} (PR states unknown: finished runs' PRs count as open)"
                    );
                    Default::default()
                }
            }
        }
        None if finished => {
            eprintln!(
                "swarm validate: no GitHub token: PR states unknown, finished runs' PRs count as open (set GH_TOKEN)"
            );
            Default::default()
        }
        _ => Default::default(),
    };
    let mut report = validate::validate(plan, &listing.items, &listing.runs, &opts);
    if listing.missing.contains(&ResourceKind::AgentRun) {
        let why = kube::missing_crd_message(ResourceKind::AgentRun);
        eprintln!("swarm validate: {why}; in-flight checks skipped");
        report.add(validate::in_flight_skipped(&why));
    }
    match output {
        OutputFormat::Human => print!("{}", report.human()),
        OutputFormat::Json => match serde_json::to_string_pretty(&report) {
            Ok(json) => println!("{json}"),
            Err(e) => {
                eprintln!("swarm validate: {e}");
                return 2;
            }
        },
    }
    report.exit_code()
}

/// The plan `--plan` (or the config's `plan`) names, else [`default_plan`].
fn load_plan(path: Option<&Path>, config_dir: Option<PathBuf>) -> color_eyre::Result<Plan> {
    match path {
        Some(p) => Ok(Plan::load(p)?),
        None => default_plan(config_dir),
    }
}

/// The plan in the config dir if there is one; otherwise lanes are discovered from run labels.
fn default_plan(config_dir: Option<PathBuf>) -> color_eyre::Result<Plan> {
    match config_dir.map(|d| Plan::default_path(&d)) {
        Some(path) if path.is_file() => Ok(Plan::load(&path)?),
        _ => Ok(Plan::default()),
    }
}

/// Logs go to `<state dir>/swarm.log`, never to the terminal the UI draws on.
/// Log lines queued for the writer thread.
const LOG_QUEUE_LINES: usize = 1_024;

fn init_logging() -> Option<tracing_appender::non_blocking::WorkerGuard> {
    let dir = paths::state_dir()?;
    std::fs::create_dir_all(&dir).ok()?;
    let appender = tracing_appender::rolling::never(&dir, "swarm.log");
    // The default queue pre-allocates room for 128,000 lines (4 MB, resident from the start, about
    // a tenth of the cockpit's memory at 10,000 runs); the log writes a few lines a minute, and a
    // burst past this many while the disk stalls is dropped (counted) rather than blocking the UI.
    let (writer, guard) = tracing_appender::non_blocking::NonBlockingBuilder::default()
        .buffered_lines_limit(LOG_QUEUE_LINES)
        .lossy(true)
        .finish(appender);
    let filter = tracing_subscriber::EnvFilter::try_from_env("SWARM_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_writer(writer)
        .with_ansi(false)
        .with_env_filter(filter)
        .try_init()
        .ok()?;
    Some(guard)
}

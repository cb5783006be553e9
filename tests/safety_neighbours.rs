//! Neighbours of the known unsafe cases (live trading, credentials, path tricks, conflicting
//! waves, copied approvals) that the checks must refuse, and ordinary cases they must not. Pure:
//! only the domain's checks, no cluster.
use serde_json::json;
use swarm_cockpit::domain::approval::{self, Approval, Policy};
use swarm_cockpit::domain::checks::{self, CheckId, Context, Finding, Severity};
use swarm_cockpit::domain::guardrails::{self, Guardrails};
use swarm_cockpit::domain::paths::PathSpec;
use swarm_cockpit::domain::plan::{Plan, TORGHUT_PLAN};
use swarm_cockpit::domain::pr::PrState;
use swarm_cockpit::domain::template::Template;
use swarm_cockpit::domain::wave::{self, GateContext, LaunchSettings, Overrides, Wave};
use swarm_cockpit::domain::{Run, WorkItem};

fn plan() -> Plan {
    Plan::parse(TORGHUT_PLAN, "plan.toml").expect("plan")
}

/// A clean item of `lane` in wave 1 with `paths`, then `edit` applied to its text.
fn text(lane: &str, name: &str, paths: &[&str]) -> String {
    let owns: Vec<String> = paths.iter().map(|p| p.to_string()).collect();
    Template::new_item(
        lane,
        &owns,
        "proompteng/lab",
        "main",
        &format!("codex/swarm/lane-{}/{name}", lane.to_lowercase()),
    )
    .replace(
        "What this work item changes, in one or two sentences.",
        "Add the firewall.",
    )
}

fn work_item(name: &str, lane: &str, wave: &str, text: &str) -> WorkItem {
    WorkItem::from_json(&json!({
        "metadata": {"name": name, "namespace": "agents",
            "labels": {"swarm.proompteng.ai/lane": lane, "swarm.proompteng.ai/wave": wave}},
        "spec": {"text": text, "summary": "s"}
    }))
}

fn findings(item: &WorkItem) -> Vec<Finding> {
    let plan = plan();
    let g = Guardrails::default();
    let ctx = Context {
        plan: &plan,
        items: &[],
        in_flight: &[],
        head_prefix: "codex/",
        allow_prompt_override: false,
        guardrails: &g,
    };
    checks::check_item(item, &ctx)
}

fn errors_of(item: &WorkItem, check: CheckId) -> Vec<Finding> {
    findings(item)
        .into_iter()
        .filter(|f| f.check == check && f.severity == Severity::Error)
        .collect()
}

fn with_params(extra: &str) -> WorkItem {
    let t = text("A", "fw", &["services/torghut/app/trading/firewall/**"]).replace(
        "- stage: implementation\n",
        &format!("- stage: implementation\n{extra}"),
    );
    work_item("fw", "A", "1", &t)
}

#[test]
fn the_clean_item_is_clean() {
    let f = findings(&with_params(""));
    assert!(f.is_empty(), "{f:#?}");
}

#[test]
fn live_trading_spellings_in_the_parameters_are_refused() {
    for line in [
        "- PAPER: no",
        "- paper_trading: off",
        "- TRADING_ENV: live",
        "- ALPACA_PAPER: False",
        "- live: 1",
        "- use_live_account: yes",
        "- paper: false  # for the real account",
        "- paper: \"false\"",
        "- mode: 'LIVE' # go",
        "- paper: False,",
        "- disable_paper_trading: true",
        "- PAPER_TRADING_DISABLED: 1",
        "- no_paper: yes",
        "- disable_live: false",
        "- enable_real_money: true",
        "- TRADIER_SANDBOX: false",
        "- env: export TRADING_MODE=live",
        "- args: --mode live",
        "- args: --trading-mode=LIVE",
        "- args: --paper false",
        "- args: --use-live-account",
        "- args: --real",
        "- config: {\"trading\": {\"mode\": \"live\"}}",
        "- config: {\"paper\":false}",
        "- values: \"paper: false\"",
        "- endpoint: https://API.ALPACA.MARKETS:443/v2/orders",
        "- endpoint: wss://api.alpaca.markets./stream",
        "- endpoint: https://api\u{3002}alpaca\u{3002}markets",
        "- endpoint: https://user@api.alpaca.markets",
        "- broker: alpaca-live",
        "- TRADING_MODE=live",
        "- `APCA_API_BASE_URL`: `https://api.alpaca.markets`",
        "- strategy: \"live\"",
        "- PAPEROFF: yes",
        "- paper: \u{201C}false\u{201D}",
        "- config: \"{\\\"paper\\\":false}\"",
        "- config: {\\\"trading_mode\\\": \\\"live\\\"}",
        "- NOPAPER: 1",
        "- paper: 0.0",
        "- paper: null",
        "- PAPER: ~",
        "- env: |\n    TRADING_MODE=live",
        "- extraArgs: [\"--no-paper\"]",
        "- config: paper_trading = false",
        "- mode: l\u{0456}ve",
        "- paper: f\u{0430}lse",
        "- mode: li\u{200B}ve",
        "- \u{FF4D}\u{FF4F}\u{FF44}\u{FF45}: live",
        "- endpoint: https://\u{0430}pi.alpaca.markets",
    ] {
        let w = with_params(&format!("{line}\n"));
        assert!(
            !errors_of(&w, CheckId::Guardrails).is_empty(),
            "{line:?} must be refused: {:#?}",
            findings(&w)
        );
    }
}

#[test]
fn a_repeated_key_or_section_cannot_hide_a_live_setting() {
    // The checks must see every value the agent reads, not only the last of a key.
    let w = with_params("- mode: live\n- mode: paper\n");
    assert!(
        !errors_of(&w, CheckId::Guardrails).is_empty(),
        "{:#?}",
        findings(&w)
    );
    let t = text("A", "fw", &["services/torghut/app/trading/firewall/**"])
        + "\n## Parameters\n- paper: false\n";
    let w = work_item("fw", "A", "1", &t);
    assert!(
        checks::has_errors(&findings(&w)),
        "a second Parameters section: {:#?}",
        findings(&w)
    );
    let t = text("A", "fw", &["services/torghut/app/trading/firewall/**"])
        + "\n## In-scope paths\n- `kubernetes/torghut/deployment.yaml`\n";
    let w = work_item("fw", "A", "1", &t);
    assert!(
        checks::has_errors(&findings(&w)),
        "a second In-scope paths section: {:#?}",
        findings(&w)
    );
}

#[test]
fn paper_trading_and_ordinary_parameters_pass() {
    // (Names with `live`, `token`, `broker`, … are refused by the default deny-list whatever
    // their value: that list is configuration, checked on its own.)
    for line in [
        "- paper: true",
        "- mode: paper",
        "- mode: paper-shadow",
        "- stage: implementation-review",
        "- notes: delivery tracking for the kill switch",
        "- paper_notes: yes",
        "- PAPEROFF: no",
        "- nopaper: 0",
        "- endpoint: https://paper-api.alpaca.markets/v2",
        "- data: wss://stream.data.alpaca.markets/v2/iex",
        "- data_url: https://data.alpaca.markets",
        "- sandbox: true",
        "- args: --paper",
        "- args: --mode paper --verbose",
        "- gitopsPath: argocd/applications/torghut",
    ] {
        let w = with_params(&format!("{line}\n"));
        let g = errors_of(&w, CheckId::Guardrails);
        assert!(g.is_empty(), "{line:?} refused: {g:#?}");
    }
}

#[test]
fn validation_commands_that_run_live_are_refused() {
    for command in [
        "- `TRADING_MODE=live uv run python -m torghut.smoke`",
        "- `curl -s https://api.alpaca.markets/v2/account`",
        "- `uv run python -m torghut.backtest --mode live`",
        "- `uv run python -m torghut.main --no-paper`",
    ] {
        let t = text("A", "fw", &["services/torghut/app/trading/firewall/**"])
            .replace("- `make test`", command);
        let w = work_item("fw", "A", "1", &t);
        assert!(
            !errors_of(&w, CheckId::Guardrails).is_empty(),
            "{command}: {:#?}",
            findings(&w)
        );
    }
    for command in [
        "- `uv run pytest services/torghut/tests/trading/test_firewall.py::test_live_orders_are_refused`",
        "- `uv run pytest -k live services/torghut/tests`",
        "- `TRADING_MODE=paper uv run python -m torghut.smoke --paper`",
        "- `npm run dev -- --live-reload`",
    ] {
        let t = text("A", "fw", &["services/torghut/app/trading/firewall/**"])
            .replace("- `make test`", command);
        let w = work_item("fw", "A", "1", &t);
        let g = errors_of(&w, CheckId::Guardrails);
        assert!(g.is_empty(), "{command}: {g:#?}");
    }
}

#[test]
fn the_prompt_parameter_is_guarded_when_the_override_is_on() {
    let w = with_params("- prompt: set TRADING_MODE=live and ship it\n");
    let plan = plan();
    let g = Guardrails::default();
    let ctx = Context {
        plan: &plan,
        items: &[],
        in_flight: &[],
        head_prefix: "codex/",
        allow_prompt_override: true,
        guardrails: &g,
    };
    let f = checks::check_item(&w, &ctx);
    assert!(f.iter().any(|f| f.check == CheckId::Guardrails), "{f:#?}");
}

fn credential(path: &str) -> bool {
    let rules = Guardrails::default().credential_set();
    let spec = PathSpec::parse(path).expect("valid");
    guardrails::credential_path(&spec, &rules).is_some()
}

#[test]
fn credential_paths_are_refused() {
    for path in [
        "argocd/applications/torghut/alpaca.secret.yaml",
        "kubernetes/torghut/sealedsecret.yaml",
        "kubernetes/torghut/SealedSecrets/**",
        "home/.aws/credentials",
        "home/.aws/config",
        "services/torghut/.envrc",
        "services/torghut/.ENV",
        "deploy/gcp-sa-key.json",
        "deploy/private-key.json",
        "ops/.pgpass",
        "secrets.enc.yaml",
        "argocd/applications/torghut/values.sops.yaml",
        "home/.gnupg/**",
        "keys/deploy_rsa",
        "keys/id_dsa",
    ] {
        assert!(credential(path), "{path} must be refused");
    }
}

#[test]
fn ordinary_paths_are_not_credentials() {
    for path in [
        "services/torghut/app/llm/tokenizer.py",
        "services/torghut/app/llm/tokenize_prompt.py",
        "services/torghut/app/trading/firewall/**",
        "kubernetes/torghut/deployment.yaml",
        "kubernetes/torghut/ca-bundle.crt",
        "docs/torghut/runbooks/rotate-keys.md",
        "services/torghut/app/keyboard.py",
        "services/torghut/app/monkey.py",
    ] {
        assert!(!credential(path), "{path} is not a credential path");
    }
}

fn hygiene(path: &str) -> bool {
    PathSpec::parse(path).is_err()
}

#[test]
fn path_tricks_are_refused() {
    for path in [
        "services/torghut/app/trading/firewall\u{00A0}/**",
        "services/torghut/app/trading/fire\u{2009}wall/**",
        "services/torghut/app/trading/fire\u{3000}wall/**",
        "services/torghut/app/trading/fire\u{200D}wall/**",
        "services/torghut/app/trading/\u{202E}yp.llawerif",
        "a/./b",
        "a/b/..",
        "~/x",
        "C:\\x",
        "a/\tb",
        "services/torghut/app/trading/%2e%2e/%2E%2E/config.py",
        "services/torghut/app/trading/{..,x}/{..,x}/{..,x}/{..,x}/kubernetes/torghut/deployment.yaml",
        "{/etc/passwd,x}",
        "services/{.,x}/y",
        "a/{b,/c}",
        "services/torghut/app/trading/[.][.]/config.py",
        "services/torghut/app/trading/f\u{0456}rewall/**",
        "services/torghut/app/trading/\u{FF46}irewall/**",
    ] {
        assert!(hygiene(path), "{path:?} must be refused");
    }
    for path in [
        "a/b c.py",
        "a/..b/c",
        "a/b.",
        ".github/ci.yml",
        "a/{,b}c",
        "a/?/b",
    ] {
        assert!(!hygiene(path), "{path:?} is plain");
    }
}

#[test]
fn every_line_of_the_in_scope_section_is_checked() {
    for extra in [
        "services/torghut/app/config.py\n",
        "- `services/torghut/app/trading/firewall/**`, `kubernetes/torghut/**`\n",
        "- `services/torghut/app/trading/x/**` (and kubernetes/torghut/secret.yaml)\n",
    ] {
        let t = text("A", "fw", &["services/torghut/app/trading/firewall/**"]).replace(
            "- `services/torghut/app/trading/firewall/**`\n",
            &format!("- `services/torghut/app/trading/firewall/**`\n{extra}"),
        );
        let w = work_item("fw", "A", "1", &t);
        assert!(
            !errors_of(&w, CheckId::PathHygiene).is_empty(),
            "{extra:?}: {:#?}",
            findings(&w)
        );
    }
}

#[test]
fn a_brace_alternative_ending_in_a_slash_is_a_directory() {
    let a = PathSpec::parse("services/torghut/app/trading/{firewall/,risk.py}").expect("valid");
    let b = PathSpec::parse("services/torghut/app/trading/firewall/rules.py").expect("valid");
    assert!(a.overlap(&b).is_some());
}

#[test]
fn placeholders_left_anywhere_are_errors() {
    for (from, to) in [
        (
            "Add the firewall.",
            "What this work item changes, in one or two sentences",
        ),
        ("Add the firewall.", "TODO: describe the firewall"),
        ("- Unit tests cover the new code", "- TBD - criteria"),
        ("- stage: implementation", "- stage: <stage>"),
        ("- `make test`", "- `<command>`"),
        (
            "- `services/torghut/app/trading/firewall/**`",
            "- `path/to/change/**`",
        ),
    ] {
        let t = text("A", "fw", &["services/torghut/app/trading/firewall/**"]);
        assert!(t.contains(from), "{from}");
        let w = work_item("fw", "A", "1", &t.replace(from, to));
        assert!(
            !errors_of(&w, CheckId::Placeholder).is_empty(),
            "{to:?}: {:#?}",
            findings(&w)
        );
    }
}

#[test]
fn a_path_equal_to_a_whole_lane_glob_is_a_warning() {
    for path in [
        "services/torghut/app/trading/**",
        "services/torghut/app/trading/",
        "services/torghut/app/trading/**/*",
        "services/torghut/app/{trading,trading}/**",
    ] {
        let w = work_item("fw", "A", "1", &text("A", "fw", &[path]));
        assert!(
            findings(&w).iter().any(|f| f.check == CheckId::WholeLane),
            "{path}: {:#?}",
            findings(&w)
        );
    }
}

// ---- waves ----

fn approved(name: &str, lane: &str, wave: &str, paths: &[&str], repo: &str) -> WorkItem {
    let t = text(lane, name, paths).replace("proompteng/lab", repo);
    let mut w = work_item(name, lane, wave, &t);
    approval::record_unsigned(&mut w, &plan(), "ana", "2026-02-10T12:00:00Z");
    w
}

fn gate(wave_n: u32, items: &[&WorkItem], runs: &[&Run]) -> Vec<Finding> {
    let plan = plan();
    let waves = wave::plan_waves(items.iter().copied(), &plan);
    let w = waves
        .iter()
        .find(|w| w.number == wave_n)
        .cloned()
        .unwrap_or(Wave {
            number: wave_n,
            title: String::new(),
            items: vec![],
        });
    let pr = |_: &WorkItem| Some(PrState::Merged);
    let g = Guardrails::default();
    let settings = LaunchSettings::default();
    let overrides = Overrides::default();
    let policy = Policy::default();
    let ctx = GateContext {
        plan: &plan,
        all_items: items,
        runs,
        pr_state: &pr,
        head_prefix: "codex/",
        guardrails: &g,
        settings: &settings,
        overrides: &overrides,
        approvals: &policy,
        now: "2026-02-11T00:00:00Z".parse().expect("time"),
    };
    wave::gate_wave(&w, &waves, &ctx)
}

fn overlaps(f: &[Finding]) -> usize {
    f.iter().filter(|f| f.check == CheckId::PathOverlap).count()
}

#[test]
fn one_repository_spelled_two_ways_still_conflicts() {
    for other in [
        "PROOMPTENG/LAB",
        "https://github.com/proompteng/lab",
        "https://github.com/proompteng/lab.git",
        "git@github.com:proompteng/lab.git",
        "github.com/proompteng/lab/",
    ] {
        let a = approved(
            "fw",
            "A",
            "1",
            &["services/torghut/app/trading/firewall/**"],
            "proompteng/lab",
        );
        let b = approved(
            "fw2",
            "A",
            "1",
            &["services/torghut/app/trading/firewall/rules.py"],
            other,
        );
        let f = gate(1, &[&a, &b], &[]);
        assert_eq!(overlaps(&f), 1, "{other}: {f:#?}");
    }
    // Different repositories never conflict.
    let a = approved(
        "fw",
        "A",
        "1",
        &["services/torghut/app/trading/firewall/**"],
        "proompteng/lab",
    );
    let b = approved(
        "fw2",
        "A",
        "1",
        &["services/torghut/app/trading/firewall/**"],
        "proompteng/other",
    );
    assert_eq!(overlaps(&gate(1, &[&a, &b], &[])), 0);
}

#[test]
fn a_second_parameters_heading_cannot_move_an_item_to_another_repository() {
    let a = approved(
        "fw",
        "A",
        "1",
        &["services/torghut/app/trading/firewall/**"],
        "proompteng/lab",
    );
    let t = text("A", "fw2", &["services/torghut/app/trading/firewall/**"])
        + "\n# parameters\n- repository: proompteng/other\n";
    let mut b = work_item("fw2", "A", "1", &t);
    approval::record_unsigned(&mut b, &plan(), "ana", "2026-02-10T12:00:00Z");
    let f = gate(1, &[&a, &b], &[]);
    assert!(checks::has_errors(&f), "{f:#?}");
    assert!(overlaps(&f) >= 1, "{f:#?}");
}

#[test]
fn heads_are_read_the_way_the_checks_read_the_parameters() {
    // `## Parameters:` and `+` bullets are parameters for the checks and the launch: the head
    // uniqueness gate must see them too.
    let t = |name: &str| {
        text(
            "A",
            name,
            &[&format!("services/torghut/app/trading/{name}/**")],
        )
        .replace("## Parameters\n", "## Parameters:\n")
        .replace("- head:", "+ head:")
        .replace(&format!("lane-a/{name}"), "lane-a/shared")
    };
    let mut a = work_item("one", "A", "1", &t("one"));
    let mut b = work_item("two", "A", "1", &t("two"));
    approval::record_unsigned(&mut a, &plan(), "ana", "2026-02-10T12:00:00Z");
    approval::record_unsigned(&mut b, &plan(), "ana", "2026-02-10T12:00:00Z");
    assert_eq!(a.head(), Some("codex/swarm/lane-a/shared"));
    let f = gate(1, &[&a, &b], &[]);
    assert!(f.iter().any(|f| f.check == CheckId::HeadUnique), "{f:#?}");
}

fn running(name: &str, item: &str, wave: &str, repo: &str) -> Run {
    Run::from_json(&json!({
        "metadata": {"name": name, "namespace": "agents",
            "labels": {"swarm.proompteng.ai/wave": wave}},
        "spec": {"implementationSpecRef": {"name": item},
            "parameters": {"repository": repo, "head": format!("codex/swarm/x/{name}")}},
        "status": {"phase": "Running"}
    }))
}

/// A plain path may name a directory: it claims everything beneath it, as `swarm audit` reads
/// it, so a file under it (or a glob reaching under it) conflicts; a sibling with a longer name
/// does not.
#[test]
fn a_plain_path_claims_what_is_beneath_it() {
    let dir = "services/torghut/app/trading/sizing";
    for (other, conflicts) in [
        ("services/torghut/app/trading/sizing/core.py", true),
        ("services/torghut/app/trading/sizing/**/*.py", true),
        ("services/torghut/app/trading/*/core.py", true),
        ("services/torghut/app/trading/sizing", true),
        ("services/torghut/app/trading/sizing_v2/core.py", false),
        ("services/torghut/app/trading/sizing.py", false),
        ("services/torghut/app/trading/risk/**", false),
    ] {
        let a = approved("one", "A", "1", &[dir], "proompteng/lab");
        let b = approved("two", "A", "1", &[other], "proompteng/lab");
        let f = gate(1, &[&a, &b], &[]);
        assert_eq!(overlaps(&f), usize::from(conflicts), "{other}: {f:#?}");
    }
    // Lanes: one owning a plain directory and one owning a file in it overlap.
    let plan = Plan::parse(
        "[[lane]]\nid = \"A\"\ntitle = \"a\"\nowns = [\"src/a\"]\n\
         [[lane]]\nid = \"B\"\ntitle = \"b\"\nowns = [\"src/a/b.py\"]\n\
         [[lane]]\nid = \"C\"\ntitle = \"c\"\nowns = [\"src/ab/**\"]\n",
        "p.toml",
    )
    .expect("plan");
    let f = checks::check_plan(&plan);
    assert_eq!(f.len(), 1, "{f:#?}");
    assert!(f[0].message.contains("both name `src/a/b.py`"), "{f:#?}");
}

/// Wave 1's item owns the firewall; wave 2's changes one file of it.
fn firewall_then_a_file_of_it() -> (WorkItem, WorkItem) {
    (
        approved(
            "old",
            "A",
            "1",
            &["services/torghut/app/trading/firewall/**"],
            "proompteng/lab",
        ),
        approved(
            "new",
            "A",
            "2",
            &["services/torghut/app/trading/firewall/x.py"],
            "proompteng/lab",
        ),
    )
}

#[test]
fn in_flight_runs_of_other_waves_hold_their_paths() {
    let (old, new) = firewall_then_a_file_of_it();
    let run = running("old-run", "old", "1", "proompteng/lab");
    let f = gate(2, &[&old, &new], &[&run]);
    assert_eq!(overlaps(&f), 1, "{f:#?}");
    // The run's repository is what it works on, spelled as it may be.
    let run = running(
        "old-run",
        "old",
        "1",
        "https://github.com/proompteng/lab.git",
    );
    let f = gate(2, &[&old, &new], &[&run]);
    assert_eq!(overlaps(&f), 1, "{f:#?}");
}

#[test]
fn an_in_flight_run_of_a_deleted_item_holds_unknown_paths() {
    let (_, new) = firewall_then_a_file_of_it();
    let run = running(
        "ghost-run",
        "ghost",
        "1",
        "https://github.com/proompteng/lab",
    );
    let f = gate(2, &[&new], &[&run]);
    assert!(
        f.iter()
            .any(|f| f.check == CheckId::InFlight && f.severity == Severity::Error),
        "{f:#?}"
    );
    // Another repository's run is not this launch's concern.
    let run = running("ghost-run", "ghost", "1", "proompteng/other");
    let f = gate(2, &[&new], &[&run]);
    assert!(!checks::has_errors(&f), "{f:#?}");
}

/// A run launched from an earlier text of its item works on the paths that text named, which
/// the edited text no longer says: its paths are unknown, like those of a deleted item's run.
#[test]
fn an_in_flight_run_of_an_edited_item_holds_unknown_paths() {
    let (launched, new) = firewall_then_a_file_of_it();
    let mut obj = json!({
        "metadata": {"name": "old-run", "namespace": "agents",
            "labels": {"swarm.proompteng.ai/wave": "1"},
            "annotations": {wave::CONTENT_HASH: launched.content_hash()}},
        "spec": {"implementationSpecRef": {"name": "old"},
            "parameters": {"repository": "proompteng/lab", "head": "codex/swarm/x/old-run"}},
        "status": {"phase": "Running"}
    });
    let run = Run::from_json(&obj);
    assert!(!run.launched_from_another_version_of(&launched));
    // Unedited: the overlap is found from the item's paths, as before.
    assert_eq!(overlaps(&gate(2, &[&launched, &new], &[&run])), 1);
    // The item narrowed after the launch to something far away: the run still works on the
    // firewall, so the launch is refused, not waved through.
    let edited = approved(
        "old",
        "A",
        "1",
        &["services/torghut/docs/x.md"],
        "proompteng/lab",
    );
    assert!(run.launched_from_another_version_of(&edited));
    let f = gate(2, &[&edited, &new], &[&run]);
    assert!(
        f.iter().any(|f| f.check == CheckId::InFlight
            && f.severity == Severity::Error
            && f.message.contains("earlier version of old")),
        "{f:#?}"
    );
    // A run that does not say what it was launched from (another tool) is judged as before;
    // one of another repository is not this launch's concern.
    obj["metadata"]["annotations"] = json!({});
    assert!(!checks::has_errors(&gate(
        2,
        &[&edited, &new],
        &[&Run::from_json(&obj)]
    )));
    obj["metadata"]["annotations"] = json!({wave::CONTENT_HASH: launched.content_hash()});
    obj["spec"]["parameters"]["repository"] = json!("proompteng/other");
    assert!(!checks::has_errors(&gate(
        2,
        &[&edited, &new],
        &[&Run::from_json(&obj)]
    )));
}

#[test]
fn a_branch_held_by_an_in_flight_run_is_taken_however_it_is_reported() {
    let plan = plan();
    let g = Guardrails::default();
    let w = work_item(
        "fw",
        "A",
        "1",
        &text("A", "fw", &["services/torghut/app/trading/firewall/**"]),
    );
    for (requested, pushed) in [
        ("codex/other", "refs/heads/codex/swarm/lane-a/fw"),
        ("codex/swarm/lane-a/fw", "codex/renamed-by-the-controller"),
    ] {
        let run = Run::from_json(&json!({
            "metadata": {"name": "r", "namespace": "agents"},
            "spec": {"implementationSpecRef": {"name": "other"}, "parameters": {"head": requested}},
            "status": {"phase": "Running", "vcs": {"headBranch": pushed}}
        }));
        let runs = [&run];
        let ctx = Context {
            plan: &plan,
            items: &[],
            in_flight: &runs,
            head_prefix: "codex/",
            allow_prompt_override: false,
            guardrails: &g,
        };
        let f = checks::check_item(&w, &ctx);
        assert!(
            f.iter().any(|f| f.check == CheckId::HeadUnique),
            "{pushed}: {f:#?}"
        );
    }
}

#[test]
fn the_broader_lane_stays_out_of_a_carved_sub_tree() {
    for path in [
        "argocd/applications/torghut/**/values.yaml",
        "argocd/applications/torghut/t[a-b]/x.yaml",
        "argocd/applications/torghut/{kill-switch,ta}/**",
        "argocd/applications/torghut/*/alerts.yaml",
    ] {
        let w = work_item("ks", "C", "1", &text("C", "ks", &[path]));
        let own = errors_of(&w, CheckId::LaneOwnership);
        assert!(
            own.iter().any(|f| f.message.contains("which lane")),
            "{path}: {:#?}",
            findings(&w)
        );
    }
    let w = work_item(
        "ks",
        "C",
        "1",
        &text("C", "ks", &["argocd/applications/torghut/kill-switch/**"]),
    );
    assert!(errors_of(&w, CheckId::LaneOwnership).is_empty());
}

#[test]
fn an_unmerged_pr_of_another_wave_holds_its_paths_after_the_override() {
    let (old, new) = firewall_then_a_file_of_it();
    let mut done = running("old-run", "old", "1", "proompteng/lab");
    done.phase = swarm_cockpit::domain::Phase::Succeeded;
    let plan = plan();
    let items = [&old, &new];
    let waves = wave::plan_waves(items, &plan);
    let g = Guardrails::default();
    let settings = LaunchSettings::default();
    let overrides = Overrides {
        unmerged_previous_wave: true,
        prompt: false,
    };
    let policy = Policy::default();
    for (state, refused) in [
        (Some(PrState::Open), true),
        (None, true),
        (Some(PrState::Merged), false),
        (Some(PrState::Closed), false),
    ] {
        let pr = move |_: &WorkItem| state;
        let ctx = GateContext {
            plan: &plan,
            all_items: &items,
            runs: &[&done],
            pr_state: &pr,
            head_prefix: "codex/",
            guardrails: &g,
            settings: &settings,
            overrides: &overrides,
            approvals: &policy,
            now: "2026-02-11T00:00:00Z".parse().expect("time"),
        };
        let f = wave::gate_wave(&waves[1], &waves, &ctx);
        assert_eq!(overlaps(&f) > 0, refused, "{state:?}: {f:#?}");
    }
}

// ---- approvals ----

#[test]
fn a_future_dated_approval_does_not_outlive_max_age() {
    let mut w = work_item(
        "fw",
        "A",
        "1",
        &text("A", "fw", &["services/torghut/app/trading/firewall/**"]),
    );
    approval::record_unsigned(&mut w, &plan(), "ana", "2099-01-01T00:00:00Z");
    let policy = Policy::new(None, Some(chrono::Duration::days(14)));
    let v = policy.verify(&w, &plan(), "2026-02-11T00:00:00Z".parse().expect("time"));
    assert!(!v.is_approved(), "{v:?}");
}

#[test]
fn an_approval_copied_to_another_namespace_or_with_edited_metadata_is_refused() {
    let t = text("A", "fw", &["services/torghut/app/trading/firewall/**"]);
    let mut w = work_item("fw", "A", "1", &t);
    approval::record_unsigned(&mut w, &plan(), "ana", "2026-02-10T12:00:00Z");
    let now = "2026-02-11T00:00:00Z".parse().expect("time");
    let policy = Policy::default();
    assert!(policy.verify(&w, &plan(), now).is_approved());
    let mut moved = w.clone();
    moved.key.namespace = "other".into();
    assert!(!policy.verify(&moved, &plan(), now).is_approved());
    // What the run is launched with besides the spec: lane, wave, dependencies.
    let mut lane = w.clone();
    lane.lane = Some("C".into());
    let mut deps = w.clone();
    deps.depends_on.push("kill-switch-gitops".into());
    let mut param = w.clone();
    param.text = param.text.replace(
        "- stage: implementation",
        "- stage: implementation\n- paper: true",
    );
    for edited in [lane, deps, param] {
        assert!(!policy.verify(&edited, &plan(), now).is_approved());
    }
}

#[test]
fn a_non_string_text_is_hashed_as_it_is() {
    let a = WorkItem::from_json(&json!({"metadata": {"name": "x", "namespace": "n"},
        "spec": {"text": ""}}));
    let b = WorkItem::from_json(&json!({"metadata": {"name": "x", "namespace": "n"},
        "spec": {"text": {"run": "TRADING_MODE=live"}}}));
    assert_ne!(a.content_hash(), b.content_hash());
    let _ = Approval::NotApproved;
}

// ---- the wave gate against brute force ----

mod generated_waves {
    use super::*;
    use globset::{GlobBuilder, GlobSet, GlobSetBuilder};
    use proptest::prelude::*;
    use std::collections::BTreeSet;

    /// Every valid path of up to four one-letter segments over {a, b, c}, under `x/`: each
    /// generated glob's wildcards match one letter, so two globs that overlap at all overlap on
    /// one of these.
    /// Every path under `x/` of up to six more segments: deep enough for a common path of a
    /// plain path (up to three segments after `x`, and everything beneath it) and a glob (up to
    /// three more), such as `x/a/a/a/b/a` of `x/a/a/a` and `x/**/b/a`.
    fn all_paths() -> Vec<String> {
        let mut out = Vec::new();
        let mut last = vec!["x".to_owned()];
        for _ in 0..6 {
            last = last
                .iter()
                .flat_map(|p| ["a", "b", "c"].map(|s| format!("{p}/{s}")))
                .collect();
            out.extend(last.iter().cloned());
        }
        out
    }

    /// The reference matcher: globset, braces expanded by hand; a plain path (no wildcard,
    /// class or brace) names itself and everything beneath it, as `swarm audit` reads it.
    fn reference(glob: &str) -> GlobSet {
        let mut alternatives = if glob.contains(['*', '?', '[', '{']) {
            vec![glob.to_owned()]
        } else {
            vec![glob.to_owned(), format!("{glob}/**")]
        };
        while let Some(i) = alternatives.iter().position(|g| g.contains('{')) {
            let g = alternatives.remove(i);
            let (open, close) = (g.find('{').expect("brace"), g.find('}').expect("brace"));
            for alt in g[open + 1..close].split(',') {
                alternatives.push(format!("{}{alt}{}", &g[..open], &g[close + 1..]));
            }
        }
        let mut set = GlobSetBuilder::new();
        for a in alternatives {
            set.add(
                GlobBuilder::new(&a)
                    .literal_separator(true)
                    .build()
                    .expect("valid"),
            );
        }
        set.build().expect("valid")
    }

    fn glob() -> impl Strategy<Value = String> {
        let seg = prop_oneof![
            3 => Just("a"), 2 => Just("b"), 2 => Just("*"), 1 => Just("**"), 1 => Just("?"),
            1 => Just("[!a]"), 1 => Just("{a,b}"), 1 => Just("[bc]"),
        ];
        proptest::collection::vec(seg, 1..=3).prop_map(|v| format!("x/{}", v.join("/")))
    }

    /// Spellings of two repositories.
    const REPOS: [(&str, u8); 5] = [
        ("proompteng/lab", 1),
        ("https://github.com/proompteng/lab.git", 1),
        ("Proompteng/Lab", 1),
        ("git@github.com:proompteng/lab.git", 1),
        ("proompteng/other", 2),
    ];

    #[derive(Debug, Clone)]
    struct Gen {
        wave: u8,
        lane: bool,
        repo: usize,
        paths: Vec<String>,
        /// An in-flight run of it (the repository spelling it runs with), or none.
        run: Option<(usize, bool)>,
    }

    fn gen_item() -> impl Strategy<Value = Gen> {
        (
            1u8..=2,
            any::<bool>(),
            0..REPOS.len(),
            proptest::collection::vec(glob(), 1..=2),
            proptest::option::of((0..REPOS.len(), any::<bool>())),
        )
            .prop_map(|(wave, lane, repo, paths, run)| Gen {
                wave,
                lane,
                repo,
                paths,
                run,
            })
    }

    fn build(g: &Gen, i: usize) -> (WorkItem, Option<Run>) {
        let paths: String = g.paths.iter().map(|p| format!("- `{p}`\n")).collect();
        let text = format!(
            "## Objective\nDo {i}.\n\n## In-scope paths\n{paths}\n## Parameters\n- repository: {}\n- head: codex/i{i}\n",
            REPOS[g.repo].0
        );
        let lane = if g.lane { "A" } else { "" };
        let item = work_item(&format!("i{i}"), lane, &g.wave.to_string(), &text);
        let run = g.run.map(|(repo, in_flight)| {
            Run::from_json(&json!({
                "metadata": {"name": format!("run-{i}"), "namespace": "agents",
                    "labels": {"swarm.proompteng.ai/wave": g.wave.to_string()}},
                "spec": {"implementationSpecRef": {"name": format!("i{i}")},
                    "parameters": {"repository": REPOS[repo].0, "head": format!("codex/i{i}")}},
                "status": {"phase": if in_flight { "Running" } else { "Succeeded" }}
            }))
        });
        (item, run)
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

        /// The wave gate refuses exactly the pairs in flight together (two items of the wave,
        /// or an item of the wave and an in-flight run of any item, whatever its wave) that claim
        /// a common path of one repository, however the repository is spelled.
        #[test]
        fn the_gate_refuses_exactly_the_overlapping_pairs(gens in proptest::collection::vec(gen_item(), 2..=5)) {
            let built: Vec<(WorkItem, Option<Run>)> = gens.iter().enumerate().map(|(i, g)| build(g, i)).collect();
            let items: Vec<&WorkItem> = built.iter().map(|(w, _)| w).collect();
            let runs: Vec<&Run> = built.iter().filter_map(|(_, r)| r.as_ref()).collect();
            let in_flight: Vec<&Run> = runs.iter().copied().filter(|r| r.phase.is_in_flight()).collect();
            let plan = plan();
            let waves = wave::plan_waves(items.iter().copied(), &plan);
            let paths = all_paths();
            for w in &waves {
                let found: BTreeSet<(String, String)> = wave::wave_conflicts(w, &in_flight, &items)
                    .into_iter()
                    .filter(|f| f.check == CheckId::PathOverlap)
                    .map(|f| {
                        let other = f.message.split_whitespace()
                            .find(|word| (word.starts_with('i') || word.starts_with("run-")) && *word != f.item
                                && built.iter().enumerate().any(|(i, _)| *word == format!("i{i}") || *word == format!("run-{i}")))
                            .unwrap_or_default()
                            .to_owned();
                        let mut pair = [f.item.clone(), other];
                        pair.sort();
                        (pair[0].clone(), pair[1].clone())
                    })
                    .collect();
                // Owners in flight together: the wave's items, and every in-flight run.
                let mut owners: Vec<(String, u8, &Vec<String>, bool)> = Vec::new();
                for (i, g) in gens.iter().enumerate() {
                    if u32::from(g.wave) == w.number {
                        owners.push((format!("i{i}"), REPOS[g.repo].1, &g.paths, false));
                    }
                    if let Some((repo, true)) = g.run {
                        owners.push((format!("run-{i}"), REPOS[repo].1, &g.paths, true));
                    }
                }
                let mut expected = BTreeSet::new();
                for (a, oa) in owners.iter().enumerate() {
                    for ob in &owners[a + 1..] {
                        if (oa.3 && ob.3) || oa.1 != ob.1 {
                            continue;
                        }
                        let meet = oa.2.iter().any(|pa| ob.2.iter().any(|pb| {
                            let (ra, rb) = (reference(pa), reference(pb));
                            paths.iter().any(|p| ra.is_match(p) && rb.is_match(p))
                        }));
                        if meet {
                            let mut pair = [oa.0.clone(), ob.0.clone()];
                            pair.sort();
                            expected.insert((pair[0].clone(), pair[1].clone()));
                        }
                    }
                }
                prop_assert_eq!(&found, &expected, "wave {}: {:#?}", w.number, gens);
            }
        }
    }
}

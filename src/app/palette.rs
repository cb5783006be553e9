//! The `:` command palette: `:ctx NAME`, `:ns NAME`, `:lane A`, `:wave 2`, `:theme NAME`,
//! `:plan FILE`, `:readonly`, `:quit`, with fuzzy completion over what each command accepts.
use super::effect::Effect;
use super::keymap::{self, PaletteAction};
use super::screen::Screen;
use super::state::State;
use crossterm::event::{KeyCode, KeyEvent};
use nucleo_matcher::pattern::{AtomKind, CaseMatching, Normalization, Pattern};
use nucleo_matcher::{Config, Matcher, Utf32Str};

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Palette {
    pub input: String,
    /// Index into the current candidates.
    pub selected: usize,
    /// Why the last command was refused (unknown command, missing argument).
    pub error: Option<String>,
}

/// The commands, their argument and what they do (for completion and the palette's help line).
pub const COMMANDS: [(&str, &str, &str); 9] = [
    (
        "ctx",
        "NAME",
        "switch kube context (watches re-established)",
    ),
    ("ns", "NAME", "switch namespace (`all` for all namespaces)"),
    ("lane", "ID", "jump to a lane"),
    ("wave", "N", "open the wave planner on wave N"),
    ("theme", "NAME", "switch theme (built-in name or path)"),
    ("plan", "FILE", "load another plan file"),
    ("readonly", "", "turn read-only on for this session"),
    ("help", "", "key bindings"),
    ("quit", "", "leave the cockpit"),
];

/// Every full command the palette can complete to, from what the cockpit knows.
pub fn candidates(state: &State) -> Vec<String> {
    let mut out = Vec::new();
    for ctx in &state.settings.contexts {
        out.push(format!("ctx {ctx}"));
    }
    let mut namespaces: Vec<String> = state
        .cluster
        .runs
        .keys()
        .chain(state.cluster.items.keys())
        .map(|k| k.namespace.to_string())
        .chain(state.cluster.origin.namespace.clone())
        .collect();
    namespaces.sort();
    namespaces.dedup();
    for ns in namespaces {
        out.push(format!("ns {ns}"));
    }
    out.push("ns all".into());
    for column in &state.board_view().columns {
        if let Some(lane) = &column.lane {
            out.push(format!("lane {lane}"));
        }
    }
    for w in super::waves::waves(state) {
        out.push(format!("wave {}", w.number));
    }
    for (name, _) in crate::ui::theme::BUILT_IN {
        out.push(format!("theme {name}"));
    }
    out.push("plan ".into());
    out.extend(["readonly", "help", "quit"].map(String::from));
    out
}

/// The candidates matching the input, best first (all of them for an empty input).
pub fn matches(state: &State, input: &str) -> Vec<String> {
    let all = candidates(state);
    let input = input.trim();
    if input.is_empty() {
        return all;
    }
    let pattern = Pattern::new(
        input,
        CaseMatching::Smart,
        Normalization::Smart,
        AtomKind::Fuzzy,
    );
    let mut matcher = Matcher::new(Config::DEFAULT);
    let mut buf = Vec::new();
    let mut scored: Vec<(u32, String)> = all
        .into_iter()
        .filter_map(|c| {
            let score = pattern.score(Utf32Str::new(&c, &mut buf), &mut matcher)?;
            Some((score, c))
        })
        .collect();
    scored.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
    scored.into_iter().map(|(_, c)| c).collect()
}

pub fn open(state: &mut State) -> Vec<Effect> {
    state.screens.open(Screen::Palette(Palette::default()));
    Vec::new()
}

pub fn on_key(state: &mut State, key: KeyEvent) -> Vec<Effect> {
    let Screen::Palette(palette) = state.screens.front() else {
        return Vec::new();
    };
    let mut palette = palette.clone();
    let found = matches(state, &palette.input);
    if let Some(c) = keymap::typed_char(&key) {
        palette.input.push(c);
        palette.selected = 0;
        palette.error = None;
        state.screens.replace(Screen::Palette(palette));
        return Vec::new();
    }
    match state.settings.keymap.palette.action(&key) {
        Some(PaletteAction::Close) => {
            state.screens.back();
            return Vec::new();
        }
        Some(PaletteAction::Next) => {
            palette.selected = (palette.selected + 1).min(found.len().saturating_sub(1));
        }
        Some(PaletteAction::Prev) => {
            palette.selected = palette.selected.saturating_sub(1);
        }
        Some(PaletteAction::Complete) => {
            if let Some(c) = found.get(palette.selected) {
                palette.input = c.clone();
                palette.selected = 0;
            }
        }
        None if key.code == KeyCode::Backspace => {
            palette.input.pop();
            palette.selected = 0;
            palette.error = None;
        }
        Some(PaletteAction::Run) => {
            // What was typed runs as typed when it is a whole command; otherwise the selection.
            let typed = palette.input.trim().to_owned();
            let command = if is_complete(&typed) {
                typed
            } else {
                found.get(palette.selected).cloned().unwrap_or(typed)
            };
            // The command runs from where the palette was opened (it may open a screen).
            state.screens.back();
            return match run(state, &command) {
                Ok(effects) => effects,
                Err(e) => {
                    palette.error = Some(e);
                    state.screens.open(Screen::Palette(palette));
                    Vec::new()
                }
            };
        }
        None => {}
    }
    state.screens.replace(Screen::Palette(palette));
    Vec::new()
}

fn is_complete(input: &str) -> bool {
    let mut parts = input.split_whitespace();
    let Some(name) = parts.next() else {
        return false;
    };
    match COMMANDS.iter().find(|(n, _, _)| *n == name) {
        Some((_, "", _)) => true,
        Some(_) => parts.next().is_some(),
        None => false,
    }
}

/// Runs one command line (without the `:`).
pub fn run(state: &mut State, line: &str) -> Result<Vec<Effect>, String> {
    let mut parts = line.split_whitespace();
    let name = parts.next().unwrap_or("");
    let arg = parts.collect::<Vec<_>>().join(" ");
    let need = |what: &str| -> Result<String, String> {
        if arg.is_empty() {
            Err(format!(":{name} needs {what}"))
        } else {
            Ok(arg.clone())
        }
    };
    match name {
        "quit" | "q" => Ok(vec![Effect::Quit]),
        "help" => {
            super::help::open(state);
            Ok(Vec::new())
        }
        "readonly" => {
            state.settings.read_only = true;
            super::toasts::show(
                state,
                "read-only for this session: mutating actions are disabled",
            );
            // The executor refuses mutations from now on too, not only the app's own checks.
            Ok(vec![Effect::EnterReadOnly])
        }
        "lane" => {
            let id = need("a lane id")?;
            state.ensure_board();
            let Some(index) = state.board_view().columns.iter().position(|c| {
                c.lane
                    .as_deref()
                    .is_some_and(|l| l.eq_ignore_ascii_case(&id))
            }) else {
                return Err(format!("no lane {id:?} on the board"));
            };
            state.ui.lane = index;
            state.ui.card = 0;
            state.ui.selected = state.board_view().card(index, 0).map(|c| c.id.clone());
            Ok(Vec::new())
        }
        "wave" => {
            let n: u32 = need("a wave number")?
                .parse()
                .map_err(|_| format!("{arg:?} is not a wave number"))?;
            let index = super::waves::waves(state)
                .iter()
                .position(|w| w.number == n)
                .ok_or_else(|| format!("no wave {n}"))?;
            super::waves::open(state);
            if let Some(view) = state.screens.waves_mut() {
                view.selected = index;
            }
            Ok(Vec::new())
        }
        "theme" => Ok(vec![Effect::SetTheme(need("a theme name or path")?)]),
        "plan" => Ok(vec![Effect::LoadPlan(need("a plan file")?.into())]),
        "ctx" => Ok(vec![Effect::SwitchTarget {
            context: Some(need("a context name")?),
            namespace: None,
        }]),
        "ns" => {
            let ns = need("a namespace (or `all`)")?;
            Ok(vec![Effect::SwitchTarget {
                context: None,
                namespace: Some(ns),
            }])
        }
        "" => Err("type a command: ctx, ns, lane, wave, theme, plan, readonly, help, quit".into()),
        other => Err(format!("unknown command :{other}")),
    }
}

/// Everything shown belonged to the old target: its data is replaced whole, and every screen
/// showing some of it closes (an open editor's text is kept as a draft first, a log stream is
/// stopped), so nothing of the old cluster can be acted on in the new one.
fn leave_target(state: &mut State, origin: super::state::Origin) -> Vec<Effect> {
    let mut effects = Vec::new();
    for screen in state.screens.home() {
        match screen {
            Screen::Editor(mut editor) => effects.extend(super::editor::persist(&mut editor)),
            Screen::Logs(_) => effects.push(Effect::StopLogs),
            _ => {}
        }
    }
    *state.cluster = super::state::ClusterData::new(origin);
    state.freshness.watches.clear();
    state.audit.forget_cluster();
    state.ui.selected = None;
    state.ui.lane = 0;
    state.ui.card = 0;
    state.mark_board_dirty();
    // The drafts typed against the new target, if an earlier session left any.
    effects.push(Effect::OfferDrafts);
    effects
}

/// Outcomes of the palette's session commands: contexts known, target switched, plan loaded.
pub fn on_op(state: &mut State, result: super::msg::OpResult) -> Vec<Effect> {
    use super::msg::OpResult;
    match result {
        OpResult::Contexts(contexts) => {
            state.settings.contexts = contexts;
            Vec::new()
        }
        OpResult::TargetSwitched { context, namespace } => {
            let label = format!(
                "{context} · {}",
                namespace.as_deref().unwrap_or("all namespaces")
            );
            let effects = leave_target(state, super::state::Origin { context, namespace });
            super::toasts::show(state, format!("now watching {label}"));
            effects
        }
        OpResult::PlanLoaded(plan) => {
            let name = plan.name.clone();
            state.settings.plan = *plan;
            super::control::recount(state);
            state.mark_board_dirty();
            super::toasts::show(state, format!("plan {name} loaded"));
            Vec::new()
        }
        _ => Vec::new(),
    }
}

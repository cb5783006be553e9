//! Checks: the heart of "parallel execution without merge conflicts and without violating safety".
//! Each check returns structured findings (what, where, why, how to fix) that the editor, the board
//! and the headless `swarm validate` share.
use super::guardrails::{self, Guardrails};
use super::paths::PathSpec;
use super::plan::Plan;
use super::run::Run;
use super::template::{SectionKind, Template};
use super::territory::Ownership;
use super::work_item::WorkItem;
use serde::Serialize;
use std::fmt;

/// The CRD's limits on an ImplementationSpec.
pub const MAX_TEXT_CHARS: usize = 131_072;
pub const MAX_CRITERIA: usize = 50;
pub const MAX_SUMMARY_CHARS: usize = 256;
/// Keys a PR-producing run must carry (the seed's list; `gitopsPath` only where relevant).
pub const REQUIRED_KEYS: [&str; 4] = ["repository", "base", "head", "stage"];

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

/// Stable identifier of a check: what `swarm validate --output json` prints as `"check"` and
/// the text output shows in brackets (`error[head-unique] …`). An enum, so a typo in a check or
/// in a test that filters on one does not compile; serialized in kebab-case, as before.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    strum::IntoStaticStr,
    strum::Display,
    strum::VariantArray,
)]
#[serde(rename_all = "kebab-case")]
#[strum(serialize_all = "kebab-case")]
pub enum CheckId {
    Approval,
    ConflictMarkers,
    Credentials,
    DependencyOrder,
    Guardrails,
    HeadFormat,
    HeadUnique,
    InFlight,
    Lane,
    LaneOverlap,
    LaneOwnership,
    Malformed,
    MergeOrder,
    Name,
    PathHygiene,
    PathOverlap,
    Placeholder,
    PromptPrecedence,
    RequiredKeys,
    SafetyGates,
    SizeLimit,
    TemplateSection,
    WholeLane,
}

impl CheckId {
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub severity: Severity,
    /// Which check found it.
    pub check: CheckId,
    /// The work item (or `plan`) the finding is about.
    pub item: String,
    /// Template section, when the finding points into the text.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub section: Option<String>,
    /// 1-based line in the work item's text (or the plan file).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<usize>,
    pub message: String,
    pub fix: String,
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sev = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        write!(f, "{sev}[{}] {}", self.check, self.item)?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
        }
        if let Some(section) = &self.section {
            write!(f, " ({section})")?;
        }
        write!(f, ": {} — fix: {}", self.message, self.fix)
    }
}

pub fn has_errors(findings: &[Finding]) -> bool {
    findings.iter().any(|f| f.severity == Severity::Error)
}

/// What the item checks need besides the item itself.
pub struct Context<'a> {
    pub plan: &'a Plan,
    /// Every other work item (head branches must be unique across them).
    pub items: &'a [&'a WorkItem],
    /// Runs in flight (their head branches are taken).
    pub in_flight: &'a [&'a Run],
    /// Head branches must start with this (the seed's workers push `codex/...`).
    pub head_prefix: &'a str,
    /// The operator explicitly chose to override the spec text with a prompt parameter.
    pub allow_prompt_override: bool,
    /// Live-trading parameters and credential paths.
    pub guardrails: &'a Guardrails,
}

struct Out<'a> {
    item: &'a str,
    findings: Vec<Finding>,
}

impl Out<'_> {
    fn push(
        &mut self,
        severity: Severity,
        check: CheckId,
        section: Option<SectionKind>,
        line: Option<usize>,
        message: String,
        fix: impl Into<String>,
    ) {
        self.findings.push(Finding {
            severity,
            check,
            item: self.item.to_owned(),
            section: section.map(|s| s.title().to_owned()),
            line,
            message,
            fix: fix.into(),
        });
    }
}

/// All checks of one work item.
pub fn check_item(item: &WorkItem, ctx: &Context) -> Vec<Finding> {
    let template = Template::parse(&item.text);
    let mut out = Out {
        item: &item.key.name,
        findings: Vec::new(),
    };
    check_sections(&template, &mut out);
    check_placeholders(&template, &mut out);
    check_conflict_markers(&item.text, &mut out);
    check_limits(item, &template, &mut out);
    check_lane(item, ctx, &mut out);
    check_paths(item, &template, ctx, &mut out);
    check_parameters(item, &template, ctx, &mut out);
    check_guardrail_parameters(&template, ctx.guardrails, &mut out);
    check_safety(&template, &mut out);
    check_dependencies(item, ctx, &mut out);
    out.findings
}

fn check_sections(t: &Template, out: &mut Out) {
    for kind in SectionKind::ALL {
        if let Some(again) = t.sections_of(kind).nth(1) {
            out.push(
                Severity::Error,
                CheckId::TemplateSection,
                Some(kind),
                Some(again.line),
                format!(
                    "the section \"{}\" is written twice: the agent reads both, the checks and the launch only the first",
                    kind.title()
                ),
                "merge the two sections into one",
            );
        }
    }
    check_lookalike_headings(t, out);
    for kind in SectionKind::ALL {
        let line = t.section(kind).map(|s| s.line);
        if t.section(kind).is_none() {
            out.push(
                Severity::Error,
                CheckId::TemplateSection,
                Some(kind),
                None,
                format!("the section \"{}\" is missing", kind.title()),
                format!("add a `## {}` heading with its content", kind.title()),
            );
            continue;
        }
        let listy = !matches!(kind, SectionKind::Objective | SectionKind::OutOfScope);
        let empty = if listy {
            t.items(kind).is_empty()
        } else {
            t.text_of(kind).is_empty()
        };
        if empty {
            out.push(
                Severity::Error,
                CheckId::TemplateSection,
                Some(kind),
                line,
                format!("the section \"{}\" is empty", kind.title()),
                if listy {
                    "add at least one `- ` list item"
                } else {
                    "write at least one sentence"
                },
            );
        }
    }
}

/// A line that names a section the way a heading would (`In-scope paths:`, `**Parameters**`, a
/// setext heading) without being its `##` heading: the agent may read what follows as that
/// section, the checks read it as part of the one before.
fn check_lookalike_headings(t: &Template, out: &mut Out) {
    for section in &t.sections {
        let mut in_fence = false;
        let lines: Vec<&str> = section.body.lines().collect();
        for (i, line) in lines.iter().enumerate() {
            let trimmed = line.trim();
            if trimmed.starts_with("```") || trimmed.starts_with("~~~") {
                in_fence = !in_fence;
                continue;
            }
            if in_fence || trimmed.is_empty() {
                continue;
            }
            let setext = lines.get(i + 1).is_some_and(|next| {
                let n = next.trim();
                n.len() >= 2 && (n.chars().all(|c| c == '-') || n.chars().all(|c| c == '='))
            });
            let bare = trimmed.trim_matches(|c: char| "*_:#>".contains(c) || c.is_whitespace());
            let decorated = bare.len() < trimmed.len() || setext;
            let Some(kind) = SectionKind::from_title(bare) else {
                continue;
            };
            if !decorated || bare.is_empty() {
                continue;
            }
            out.push(
                Severity::Error,
                CheckId::TemplateSection,
                Some(kind),
                Some(section.line + 1 + i),
                format!(
                    "\"{}\" looks like the heading of the section \"{}\" but is not one: what follows is read as part of \"{}\"",
                    crate::domain::sanitize::one_line(trimmed),
                    kind.title(),
                    section.title
                ),
                format!("write it as the heading `## {}`", kind.title()),
            );
        }
    }
}

/// A merge left unsettled must not be approved or launched.
fn check_conflict_markers(text: &str, out: &mut Out) {
    for (i, line) in text.lines().enumerate() {
        if line.starts_with("<<<<<<< ") || line.starts_with(">>>>>>> ") || line == "=======" {
            out.push(
                Severity::Error,
                CheckId::ConflictMarkers,
                None,
                Some(i + 1),
                "an unresolved merge marker is left in the text".into(),
                "keep the lines you want between <<<<<<< and >>>>>>>, and delete the markers",
            );
            return;
        }
    }
}

fn check_limits(item: &WorkItem, t: &Template, out: &mut Out) {
    let chars = item.text.chars().count();
    if chars > MAX_TEXT_CHARS {
        out.push(
            Severity::Error,
            CheckId::SizeLimit,
            None,
            None,
            format!("the text has {chars} characters; the CRD allows {MAX_TEXT_CHARS}"),
            "split the work item: each must fit one PR",
        );
    }
    let criteria = t.items(SectionKind::AcceptanceCriteria);
    if criteria.len() > MAX_CRITERIA {
        out.push(
            Severity::Error,
            CheckId::SizeLimit,
            Some(SectionKind::AcceptanceCriteria),
            criteria.get(MAX_CRITERIA).map(|c| c.0),
            format!(
                "{} acceptance criteria; the CRD allows {MAX_CRITERIA}",
                criteria.len()
            ),
            "merge or drop criteria, or split the work item",
        );
    }
    let summary = item.summary.chars().count();
    if summary > MAX_SUMMARY_CHARS {
        out.push(
            Severity::Error,
            CheckId::SizeLimit,
            None,
            None,
            format!("the summary has {summary} characters; the CRD allows {MAX_SUMMARY_CHARS}"),
            "shorten the summary (the objective holds the details)",
        );
    }
}

/// The work item's lane must be one of the plan's.
fn check_lane(item: &WorkItem, ctx: &Context, out: &mut Out) {
    let Some(lane_id) = super::placement::item_lane(item) else {
        out.push(
            Severity::Error,
            CheckId::Lane,
            None,
            None,
            "the work item has no lane".into(),
            "set the label swarm.proompteng.ai/lane to one of the plan's lanes",
        );
        return;
    };
    if ctx.plan.lane(lane_id).is_none() && !ctx.plan.lanes.is_empty() {
        let known: Vec<&str> = ctx.plan.lanes.iter().map(|l| l.id.as_str()).collect();
        out.push(
            Severity::Error,
            CheckId::Lane,
            None,
            None,
            format!("lane {lane_id:?} is not in the plan"),
            format!("use one of {}", known.join(", ")),
        );
    }
}

/// The in-scope paths of a work item, parsed: hygiene and syntax errors are reported with their
/// line and the path is left out of every other check.
pub fn in_scope_specs(t: &Template) -> Vec<(usize, Result<PathSpec, String>)> {
    t.raw_items(SectionKind::InScopePaths)
        .into_iter()
        .map(|(line, path)| (line, PathSpec::parse(&path).map_err(|e| e.message)))
        .collect()
}

/// Each in-scope path: plain, inside the lane's territory (sub-trees of other lanes excluded),
/// not on credentials, and not the whole of a lane glob.
fn check_paths(item: &WorkItem, t: &Template, ctx: &Context, out: &mut Out) {
    let territory = ctx.plan.territory();
    let lane = super::placement::item_lane(item)
        .and_then(|id| Some((ctx.plan.lane(id)?, territory.lane(id)?)));
    let credentials = ctx.guardrails.credential_set();
    let section = Some(SectionKind::InScopePaths);
    // A path written as prose (no list marker) is one the agent may take as in scope and no
    // check reads: every line of the section is a list item.
    let mut in_fence = false;
    for (line, text) in t.body_lines(SectionKind::InScopePaths) {
        let trimmed = text.trim();
        if trimmed.starts_with("```") || trimmed.starts_with("~~~") {
            in_fence = !in_fence;
            continue;
        }
        if trimmed.is_empty() || in_fence || super::template::list_item(text).is_some() {
            continue;
        }
        out.push(
            Severity::Error,
            CheckId::PathHygiene,
            section,
            Some(line),
            format!(
                "\"{}\" is not a list item: the agent may read it as a path, the checks do not",
                crate::domain::sanitize::one_line(trimmed)
            ),
            "write each in-scope path as its own `- ` list item, and notes in another section",
        );
    }
    for (line, spec) in in_scope_specs(t) {
        let spec = match spec {
            Ok(spec) => spec,
            Err(problem) => {
                out.push(
                    Severity::Error,
                    CheckId::PathHygiene,
                    section,
                    Some(line),
                    problem,
                    "write a plain repository-relative path or glob such as `services/torghut/app/trading/firewall/**`",
                );
                continue;
            }
        };
        let path = spec.source();
        match guardrails::credential_path(&spec, &credentials) {
            Some(guardrails::CredentialHit::Names { example, rule }) => out.push(
                Severity::Error,
                CheckId::Credentials,
                section,
                Some(line),
                format!("{path} changes credentials: `{example}` is a credential path (rule `{rule}`)"),
                "runs stay credential-less: leave secrets, keys, tokens, .env files and kubeconfigs to a person (see [guardrails] credential_paths)",
            ),
            Some(guardrails::CredentialHit::Undecided) => out.push(
                Severity::Error,
                CheckId::Credentials,
                section,
                Some(line),
                format!("{path}: whether it changes credentials could not be decided (the glob is too complex to compare with the credential rules), so it is refused"),
                "narrow the glob (fewer wildcards in one name, or the files themselves) so the check can decide it",
            ),
            None => {}
        }
        let Some((plan_lane, lane)) = lane else {
            continue;
        };
        let (carved, whole) = match lane.ownership(&spec) {
            Ownership::Outside(outside) => {
                out.push(
                    Severity::Error,
                    CheckId::LaneOwnership,
                    section,
                    Some(line),
                    format!(
                        "{path} is outside lane {}'s paths ({}): it names `{outside}`",
                        lane.id,
                        plan_lane.owns.join(", ")
                    ),
                    "narrow the path to the lane's ownership, or move the work item to the lane that owns it",
                );
                continue;
            }
            Ownership::Inside { carved, whole } => (carved, whole),
        };
        for (carve, inside) in carved {
            out.push(
                Severity::Error,
                CheckId::LaneOwnership,
                section,
                Some(line),
                format!(
                    "{path} reaches into {}, which lane {} owns inside lane {}'s tree (both name `{inside}`)",
                    carve.spec.source(),
                    carve.owner,
                    lane.id
                ),
                format!(
                    "leave that sub-tree to lane {}, or declare the overlap `shared = true` in the plan",
                    carve.owner
                ),
            );
        }
        if let Some(whole) = whole {
            out.push(
                Severity::Warning,
                CheckId::WholeLane,
                section,
                Some(line),
                format!(
                    "{path} claims all of lane {}'s {}: it will conflict with every other work item of the lane in flight",
                    lane.id,
                    whole.source()
                ),
                "narrow it to the directories and files this work item changes",
            );
        }
    }
}

fn check_parameters(item: &WorkItem, t: &Template, ctx: &Context, out: &mut Out) {
    let params = t.parameters();
    let section_line = t.section(SectionKind::Parameters).map(|s| s.line);
    for key in REQUIRED_KEYS {
        match params.get(key) {
            None => out.push(
                Severity::Error,
                CheckId::RequiredKeys,
                Some(SectionKind::Parameters),
                section_line,
                format!("the required key `{key}` is missing"),
                format!("add `- {key}: <value>` under Parameters"),
            ),
            Some((line, v)) if v.is_empty() => out.push(
                Severity::Error,
                CheckId::RequiredKeys,
                Some(SectionKind::Parameters),
                Some(*line),
                format!("the required key `{key}` is empty"),
                format!("give `{key}` a value"),
            ),
            _ => {}
        }
    }
    let touches_gitops = t.items(SectionKind::InScopePaths).iter().any(|(_, p)| {
        p.starts_with("argocd/") || p.starts_with("kubernetes/") || p.starts_with("charts/")
    });
    if touches_gitops && !params.contains_key("gitopsPath") {
        out.push(
            Severity::Warning,
            CheckId::RequiredKeys,
            Some(SectionKind::Parameters),
            section_line,
            "the work item changes GitOps paths but declares no `gitopsPath`".into(),
            "add `- gitopsPath: <path of the app's manifests>` under Parameters",
        );
    }
    if let Some((line, _)) = params.get("prompt")
        && !ctx.allow_prompt_override
    {
        out.push(
                Severity::Error,
                CheckId::PromptPrecedence,
                Some(SectionKind::Parameters),
                Some(*line),
                "a `prompt` parameter overrides the spec text (prompt precedence); current upstream schemas reject it".into(),
                "remove `prompt` and put the instructions in the text; use the explicit prompt-override action if you really mean it",
            );
    }
    if let Some((line, head)) = params.get("head").filter(|(_, h)| !h.is_empty()) {
        if let Some(problem) = ref_format_problem(head) {
            out.push(
                Severity::Error,
                CheckId::HeadFormat,
                Some(SectionKind::Parameters),
                Some(*line),
                format!("head {head:?} is not a valid branch name: {problem}"),
                "use a branch like codex/swarm/lane-a/<work-item>",
            );
        } else if !head.starts_with(ctx.head_prefix) {
            out.push(
                Severity::Error,
                CheckId::HeadFormat,
                Some(SectionKind::Parameters),
                Some(*line),
                format!("head {head:?} does not start with {:?}", ctx.head_prefix),
                format!(
                    "name the branch {}swarm/lane-<lane>/{}",
                    ctx.head_prefix, item.key.name
                ),
            );
        }
        for other in ctx.items {
            if other.key != item.key && other.head() == Some(head.as_str()) {
                out.push(
                    Severity::Error,
                    CheckId::HeadUnique,
                    Some(SectionKind::Parameters),
                    Some(*line),
                    format!(
                        "head {head:?} is also the head of work item {}",
                        other.key.name
                    ),
                    "give each work item its own branch",
                );
            }
        }
        for run in ctx.in_flight {
            // The item's own runs push its branch by design; a second launch is the wave gate's
            // business.
            let own_run = super::placement::is_run_of(run, item);
            // A branch is the same whether named `x` or `refs/heads/x` (as a controller may
            // report it), and the run holds both the branch it asked for and the one it pushed.
            let branch = |b: &str| {
                b.trim()
                    .strip_prefix("refs/heads/")
                    .unwrap_or(b.trim())
                    .to_owned()
            };
            let holds = [run.head_branch.as_deref(), run.requested_head.as_deref()]
                .into_iter()
                .flatten()
                .any(|b| branch(b) == branch(head));
            if !own_run && holds {
                out.push(
                    Severity::Error,
                    CheckId::HeadUnique,
                    Some(SectionKind::Parameters),
                    Some(*line),
                    format!(
                        "head {head:?} is in use by the in-flight run {}",
                        run.key.name
                    ),
                    "pick another branch, or wait for that run to finish",
                );
            }
        }
    }
}

/// Text the template pre-fills for the operator to replace: never launched as written.
pub const PLACEHOLDERS: [&str; 2] = [Template::OBJECTIVE_PLACEHOLDER, Template::PATH_PLACEHOLDER];

/// Lower case, one space between words, no trailing punctuation: the template's sentences are
/// found however they were retyped.
fn loose(text: &str) -> String {
    let words: Vec<String> = text.split_whitespace().map(str::to_lowercase).collect();
    words
        .join(" ")
        .trim_end_matches(['.', ':', ';', '!', ','])
        .to_owned()
}

fn is_placeholder(text: &str) -> bool {
    let t = text.trim().trim_matches('`').trim();
    let marker = t.trim_end_matches([':', '.']).to_ascii_uppercase();
    // The first word as written: `TODO: describe it`, `- [ ] TBD`, `FIXME later`.
    let first_word = t
        .split(|c: char| !c.is_ascii_alphanumeric())
        .find(|w| !w.is_empty())
        .unwrap_or("");
    let objective = loose(Template::OBJECTIVE_PLACEHOLDER);
    let path = Template::PATH_PLACEHOLDER.trim_end_matches("/**");
    PLACEHOLDERS.contains(&t)
        || loose(t).contains(&objective)
        || t.contains(path)
        || matches!(
            marker.as_str(),
            "TODO" | "TBD" | "FIXME" | "XXX" | "..." | "…"
        )
        || matches!(first_word, "TODO" | "TBD" | "FIXME" | "XXX")
        || (t.starts_with('<') && t.ends_with('>') && !t[1..t.len() - 1].contains(['<', '>']))
}

/// A parameter value still holding a `<…>` to fill in (`head: codex/swarm/lane-a/<name>`): no
/// parameter has angle brackets.
fn is_placeholder_value(value: &str) -> bool {
    is_placeholder(value)
        || value
            .find('<')
            .is_some_and(|open| value[open..].contains('>'))
}

/// A section still holding the template's placeholder text is not filled in: every section the
/// agent reads (one written twice, or one the template does not name, too).
fn check_placeholders(t: &Template, out: &mut Out) {
    for section in &t.sections {
        let first = section.line + 1;
        for (i, text) in section.body.lines().enumerate() {
            let line = first + i;
            let content =
                super::template::list_item(text).unwrap_or_else(|| text.trim().to_owned());
            let value = (section.kind == Some(SectionKind::Parameters))
                .then(|| parameter_line(text))
                .flatten()
                .filter(|(k, _)| !k.is_empty())
                .map(|(_, v)| v);
            let left =
                is_placeholder(&content) || value.as_deref().is_some_and(is_placeholder_value);
            if !content.is_empty() && left {
                let what = section.kind.map_or_else(
                    || section.title.to_lowercase(),
                    |k| k.title().to_lowercase(),
                );
                out.findings.push(Finding {
                    severity: Severity::Error,
                    check: CheckId::Placeholder,
                    item: out.item.to_owned(),
                    section: Some(
                        section
                            .kind
                            .map_or_else(|| section.title.clone(), |k| k.title().to_owned()),
                    ),
                    line: Some(line),
                    message: format!(
                        "\"{}\" is placeholder text, not filled in",
                        crate::domain::sanitize::one_line(&content)
                    ),
                    fix: format!("replace it with this work item's own {what}"),
                });
            }
        }
    }
}

/// A line of a Parameters section as `key: value` (list marker and backticks dropped), or as a
/// bare value (`TRADING_MODE=live`) with an empty key.
fn parameter_line(line: &str) -> Option<(String, String)> {
    let content = super::template::list_item(line).unwrap_or_else(|| line.trim().to_owned());
    if content.is_empty() || content.starts_with("```") || content.starts_with("~~~") {
        return None;
    }
    Some(match content.split_once(':') {
        Some((k, v)) => (
            k.trim().trim_matches('`').trim().to_owned(),
            v.trim().trim_matches('`').trim().to_owned(),
        ),
        None => (String::new(), content),
    })
}

/// Parameters that would turn paper trading off, point at live trading or carry credentials:
/// every line of every Parameters section, as the agent reads them (a key given twice, a line
/// that is not `key: value`, the `prompt` parameter), and every validation command.
fn check_guardrail_parameters(t: &Template, guardrails: &Guardrails, out: &mut Out) {
    let mut seen: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    for (line, text) in t.all_body_lines(SectionKind::Parameters) {
        let Some((key, value)) = parameter_line(text) else {
            continue;
        };
        if !key.is_empty() && super::template::list_item(text).is_some() {
            let normal: String = key
                .chars()
                .filter(char::is_ascii_alphanumeric)
                .map(|c| c.to_ascii_lowercase())
                .collect();
            if let Some(first) = seen.insert(normal, line) {
                out.push(
                    Severity::Error,
                    CheckId::TemplateSection,
                    Some(SectionKind::Parameters),
                    Some(line),
                    format!(
                        "parameter `{}` is given again (first on line {first}): the agent reads both values, the launch only one",
                        crate::domain::sanitize::one_line(&key)
                    ),
                    "keep one value per parameter",
                );
            }
        }
        if let Some(r) = guardrails.parameter_refusal(&key, &value) {
            let shown = if key.is_empty() {
                value.clone()
            } else {
                format!("{key}: {value}")
            };
            out.push(
                Severity::Error,
                CheckId::Guardrails,
                Some(SectionKind::Parameters),
                Some(line),
                format!(
                    "parameter `{}` is refused: {}",
                    crate::domain::sanitize::one_line(&shown),
                    r.reason
                ),
                "remove it: paper trading is the default and runs stay credential-less (see [guardrails] in the config)",
            );
        }
    }
    for (line, text) in t.all_body_lines(SectionKind::ValidationCommands) {
        let command = super::template::list_item(text).unwrap_or_else(|| text.trim().to_owned());
        if let Some(r) = guardrails.command_refusal(&command) {
            out.push(
                Severity::Error,
                CheckId::Guardrails,
                Some(SectionKind::ValidationCommands),
                Some(line),
                format!(
                    "validation command `{}` is refused: {}",
                    crate::domain::sanitize::one_line(&command),
                    r.reason
                ),
                "validate in paper mode: the agent runs these commands",
            );
        }
    }
}

fn check_safety(t: &Template, out: &mut Out) {
    let Some(section) = t.section(SectionKind::SafetyGates) else {
        return;
    };
    let gates: Vec<String> = t
        .items(SectionKind::SafetyGates)
        .into_iter()
        .map(|(_, g)| g.to_lowercase())
        .collect();
    let declared = |needle: &[&str]| gates.iter().any(|g| needle.iter().any(|n| g.contains(n)));
    if !declared(&["paper-only", "paper only", "paper trading"]) {
        out.push(
            Severity::Error,
            CheckId::SafetyGates,
            Some(SectionKind::SafetyGates),
            Some(section.line),
            "the paper-only gate is not declared".into(),
            "add `- paper-only` (paper trading is the default; no live enablement)",
        );
    }
    if !declared(&[
        "no credential",
        "no credentials",
        "credential-less",
        "no secrets",
    ]) {
        out.push(
            Severity::Error,
            CheckId::SafetyGates,
            Some(SectionKind::SafetyGates),
            Some(section.line),
            "the no-credentials-changes gate is not declared".into(),
            "add `- no credentials changes`",
        );
    }
}

fn check_dependencies(item: &WorkItem, ctx: &Context, out: &mut Out) {
    let wave_of = |w: &WorkItem| super::placement::item_wave(w, ctx.plan);
    for dep in &item.depends_on {
        match ctx.items.iter().find(|i| i.key.name == dep) {
            None => out.push(
                Severity::Warning,
                CheckId::DependencyOrder,
                None,
                None,
                format!("depends on {dep:?}, which is not a known work item"),
                "fix the name in swarm.proompteng.ai/depends-on, or create that work item",
            ),
            Some(other) => {
                if let (Some(mine), Some(theirs)) = (wave_of(item), wave_of(other))
                    && theirs > mine
                {
                    out.push(
                        Severity::Error,
                        CheckId::DependencyOrder,
                        None,
                        None,
                        format!("depends on {dep} (wave {theirs}) but is planned in the earlier wave {mine}"),
                        "move this work item to a later wave, or drop the dependency",
                    );
                }
            }
        }
    }
}

/// Lane globs must not overlap unless the plan declares it, and a declared overlap must be a
/// sub-tree (one lane's glob inside the other's) unless it is declared shared.
pub fn check_plan(plan: &Plan) -> Vec<Finding> {
    let plan_finding = |message: String, fix: String| Finding {
        severity: Severity::Error,
        check: CheckId::LaneOverlap,
        item: "plan".into(),
        section: None,
        line: None,
        message,
        fix,
    };
    let mut findings = Vec::new();
    let territory = plan.territory();
    for (i, a) in territory.lanes.iter().enumerate() {
        for b in &territory.lanes[i + 1..] {
            if plan.declares_overlap(&a.id, &b.id).is_some() {
                continue;
            }
            for ga in a.owns.specs() {
                for gb in b.owns.specs() {
                    if let Some(both) = ga.overlap(gb) {
                        findings.push(plan_finding(
                            format!(
                                "lane {} owns {} and lane {} owns {}: they overlap (both name `{both}`)",
                                a.id,
                                ga.source(),
                                b.id,
                                gb.source()
                            ),
                            format!(
                                "narrow one of the globs, or declare it: [[overlap]] lanes = [\"{}\", \"{}\"]",
                                a.id, b.id
                            ),
                        ));
                    }
                }
            }
        }
    }
    for amb in &plan.territory().ambiguities {
        let (a, b) = &amb.lanes;
        let (ga, gb) = &amb.globs;
        let message = if amb.equal {
            format!(
                "lanes {a} and {b} both own all of {ga} / {gb}: a declared overlap needs one lane to own a sub-tree of the other's"
            )
        } else {
            format!(
                "lane {a}'s {ga} and lane {b}'s {gb} cross (both name `{}`) without one lying inside the other, so no lane owns the common paths",
                amb.witness
            )
        };
        findings.push(plan_finding(
            message,
            "make one glob a sub-tree of the other, or declare the overlap `shared = true`".into(),
        ));
    }
    findings
}

/// Git's branch-name rules (`git check-ref-format --branch`), as a reason when broken.
pub fn ref_format_problem(name: &str) -> Option<&'static str> {
    if name.is_empty() {
        return Some("it is empty");
    }
    if name.chars().any(|c| c.is_control() || c == ' ') {
        return Some("it contains spaces or control characters");
    }
    if name.contains(['~', '^', ':', '?', '*', '[', '\\']) {
        return Some("it contains one of ~ ^ : ? * [ \\");
    }
    if name.contains("..") || name.contains("@{") || name.contains("//") {
        return Some("it contains `..`, `@{` or `//`");
    }
    if name.starts_with('/') || name.ends_with('/') || name.ends_with('.') || name == "@" {
        return Some("it starts or ends with `/`, or ends with `.`");
    }
    if name.ends_with(".lock")
        || name
            .split('/')
            .any(|c| c.starts_with('.') || c.ends_with(".lock"))
    {
        return Some("a component starts with `.` or ends with `.lock`");
    }
    if name.starts_with('-') {
        return Some("it starts with `-`");
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_ids_serialize_as_their_kebab_case_names_and_the_readme_lists_each() {
        use strum::VariantArray;
        let readme = include_str!("../../README.md");
        for id in CheckId::VARIANTS {
            let json = serde_json::to_value(id).expect("serializes");
            assert_eq!(json, serde_json::json!(id.as_str()));
            assert_eq!(id.to_string(), id.as_str());
            assert!(
                id.as_str()
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c == '-'),
                "{id:?}"
            );
            assert!(readme.contains(&format!("`{id}`")), "README lists {id}");
        }
        // The ids scripts already read stay the same.
        assert_eq!(CheckId::HeadUnique.as_str(), "head-unique");
        assert_eq!(CheckId::InFlight.as_str(), "in-flight");
        assert_eq!(CheckId::Lane.as_str(), "lane");
        let f = Finding {
            severity: Severity::Error,
            check: CheckId::LaneOwnership,
            item: "fw".into(),
            section: None,
            line: Some(3),
            message: "m".into(),
            fix: "f".into(),
        };
        assert_eq!(
            serde_json::to_value(&f).expect("serializes"),
            serde_json::json!({"severity": "error", "check": "lane-ownership", "item": "fw",
                "line": 3, "message": "m", "fix": "f"})
        );
        assert_eq!(f.to_string(), "error[lane-ownership] fw:3: m — fix: f");
    }
    use crate::domain::plan::TORGHUT_PLAN;
    use serde_json::json;

    fn plan() -> Plan {
        Plan::parse(TORGHUT_PLAN, "plan.toml").expect("plan")
    }

    static GUARDRAILS: std::sync::LazyLock<Guardrails> =
        std::sync::LazyLock::new(Guardrails::default);

    fn item(name: &str, lane: &str, text: &str) -> WorkItem {
        WorkItem::from_json(&json!({
            "metadata": {"name": name, "namespace": "agents", "labels": {"swarm.proompteng.ai/lane": lane, "swarm.proompteng.ai/wave": "1"}},
            "spec": {"text": text, "summary": "s"}
        }))
    }

    fn good(head: &str) -> String {
        Template::new_item(
            "A",
            &["services/torghut/app/trading/firewall/**".into()],
            "proompteng/lab",
            "main",
            head,
        )
        .replace(
            "What this work item changes, in one or two sentences.",
            "Add the firewall.",
        )
    }

    fn ctx<'a>(plan: &'a Plan, items: &'a [&'a WorkItem], runs: &'a [&'a Run]) -> Context<'a> {
        Context {
            plan,
            items,
            in_flight: runs,
            head_prefix: "codex/",
            allow_prompt_override: false,
            guardrails: &GUARDRAILS,
        }
    }

    fn checks(findings: &[Finding]) -> Vec<&'static str> {
        findings.iter().map(|f| f.check.as_str()).collect()
    }

    #[test]
    fn a_good_item_has_no_findings() {
        let plan = plan();
        let w = item("fw", "A", &good("codex/swarm/lane-a/fw"));
        let f = check_item(&w, &ctx(&plan, &[], &[]));
        assert!(f.is_empty(), "{f:#?}");
    }

    #[test]
    fn paths_outside_the_lane_are_errors_with_their_line() {
        let plan = plan();
        let text = good("codex/swarm/lane-a/fw").replace(
            "- `services/torghut/app/trading/firewall/**`",
            "- `services/torghut/app/trading/firewall/**`\n- `kubernetes/torghut/**`\n- services/**",
        );
        let w = item("fw", "A", &text);
        let f = check_item(&w, &ctx(&plan, &[], &[]));
        let own: Vec<_> = f
            .iter()
            .filter(|f| f.check == CheckId::LaneOwnership)
            .collect();
        assert_eq!(own.len(), 2, "{f:#?}");
        assert_eq!(own[0].line, Some(6));
        assert_eq!(own[0].section.as_deref(), Some("In-scope paths"));
        assert!(own[0].message.contains("outside lane A"));
    }

    #[test]
    fn missing_sections_keys_and_gates_are_reported() {
        let plan = plan();
        let w = item(
            "x",
            "A",
            "## Objective\nDo it.\n## Safety gates\n- be careful\n## Parameters\n- head: main\n- prompt: do X\n",
        );
        let f = check_item(&w, &ctx(&plan, &[], &[]));
        let c = checks(&f);
        for expected in [
            "template-section",
            "required-keys",
            "safety-gates",
            "prompt-precedence",
            "head-format",
        ] {
            assert!(c.contains(&expected), "{expected} in {c:?}");
        }
        let prompt = f
            .iter()
            .find(|f| f.check == CheckId::PromptPrecedence)
            .expect("prompt");
        assert_eq!(prompt.line, Some(7));
        let ok = Context {
            allow_prompt_override: true,
            ..ctx(&plan, &[], &[])
        };
        assert!(!checks(&check_item(&w, &ok)).contains(&"prompt-precedence"));
    }

    #[test]
    fn head_must_be_unique_across_items_and_in_flight_runs() {
        let plan = plan();
        let a = item("a", "A", &good("codex/swarm/lane-a/shared"));
        let b = item("b", "A", &good("codex/swarm/lane-a/shared"));
        let run = Run::from_json(&json!({"metadata": {"name": "r", "namespace": "agents"},
            "spec": {"implementationSpecRef": {"name": "other"}, "parameters": {"head": "codex/swarm/lane-a/shared"}},
            "status": {"phase": "Running"}}));
        let own = Run::from_json(&json!({"metadata": {"name": "r2", "namespace": "agents"},
            "spec": {"implementationSpecRef": {"name": "a"}, "parameters": {"head": "codex/swarm/lane-a/shared"}}}));
        let items = [&a, &b];
        let runs = [&run, &own];
        let f = check_item(&a, &ctx(&plan, &items, &runs));
        let unique: Vec<_> = f
            .iter()
            .filter(|f| f.check == CheckId::HeadUnique)
            .map(|f| f.message.clone())
            .collect();
        assert_eq!(unique.len(), 2, "{unique:?}");
        assert!(unique[0].contains("work item b"));
        assert!(unique[1].contains("in-flight run r"));
    }

    #[test]
    fn limits_of_the_crd() {
        let plan = plan();
        let criteria: String = (0..51).map(|i| format!("- criterion {i}\n")).collect();
        let text = good("codex/swarm/lane-a/fw")
            .replace("- Unit tests cover the new code\n", &criteria)
            + &"x".repeat(MAX_TEXT_CHARS);
        let f = check_item(&item("big", "A", &text), &ctx(&plan, &[], &[]));
        assert_eq!(
            f.iter().filter(|f| f.check == CheckId::SizeLimit).count(),
            2,
            "{f:#?}"
        );
    }

    #[test]
    fn unknown_lane_and_wave_order() {
        let plan = plan();
        let f = check_item(&item("x", "Q", &good("codex/a")), &ctx(&plan, &[], &[]));
        assert!(
            f.iter()
                .any(|f| f.check == CheckId::Lane && f.message.contains("\"Q\""))
        );
        let later = WorkItem::from_json(
            &json!({"metadata": {"name": "later", "namespace": "agents",
            "labels": {"swarm.proompteng.ai/lane": "A", "swarm.proompteng.ai/wave": "3"}}, "spec": {"text": ""}}),
        );
        let mut first = item("first", "A", &good("codex/swarm/lane-a/first"));
        first.depends_on = vec!["later".into(), "ghost".into()];
        let items = [&later];
        let f = check_item(&first, &ctx(&plan, &items, &[]));
        let deps: Vec<_> = f
            .iter()
            .filter(|f| f.check == CheckId::DependencyOrder)
            .collect();
        assert_eq!(deps.len(), 2);
        assert_eq!(deps[0].severity, Severity::Error);
        assert_eq!(deps[1].severity, Severity::Warning);
    }

    #[test]
    fn plan_overlaps_need_a_declaration() {
        assert!(
            check_plan(&plan()).is_empty(),
            "the Torghut plan declares its overlaps"
        );
        let mut p = plan();
        p.overlaps.clear();
        let f = check_plan(&p);
        assert!(
            f.iter()
                .any(|f| f.message.contains("lane B") && f.message.contains("lane C")),
            "{f:#?}"
        );
    }

    #[test]
    fn merge_markers_are_errors_with_their_line() {
        let plan = plan();
        let text = good("codex/swarm/lane-a/fw").replace(
            "Add the firewall.",
            "<<<<<<< yours\nA\n=======\nB\n>>>>>>> theirs",
        );
        let f = check_item(&item("fw", "A", &text), &ctx(&plan, &[], &[]));
        let m: Vec<_> = f
            .iter()
            .filter(|f| f.check == CheckId::ConflictMarkers)
            .collect();
        assert_eq!(m.len(), 1);
        assert_eq!(m[0].line, Some(2));
    }

    #[test]
    fn branch_names_follow_git_rules() {
        assert_eq!(ref_format_problem("codex/swarm/lane-a/x"), None);
        for bad in [
            "", "a b", "a..b", "a/", "/a", "a.lock", "a/.b", "x~1", "-x", "a//b",
        ] {
            assert!(ref_format_problem(bad).is_some(), "{bad:?}");
        }
    }
}

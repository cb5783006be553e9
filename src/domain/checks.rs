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
    check_guardrail_parameters(item, &template, ctx, &mut out);
    check_safety(&template, &mut out);
    check_dependencies(item, ctx, &mut out);
    check_wave_label(item, &mut out);
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
    check_path_sections(t, out);
    check_parameter_lines(t, out);
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

/// Whether a heading the template does not name speaks of paths or scope (`Additional in-scope
/// paths`, `Also in scope`, `Files`): the agent may take what it lists as in scope. The
/// out-of-scope constraints are the one section about scope that lists no in-scope paths.
fn speaks_of_paths(title: &str) -> bool {
    let lower = title.to_lowercase();
    let words: Vec<&str> = lower
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    let out_of_scope =
        words.windows(3).any(|w| w == ["out", "of", "scope"]) || words.contains(&"outofscope");
    !out_of_scope
        && words.iter().any(|w| {
            matches!(
                *w,
                "scope" | "inscope" | "path" | "paths" | "file" | "files"
            )
        })
}

/// Whether the section at `index` is a sub-heading of In-scope paths (`### Backend` under it):
/// Markdown nests it there, so the agent reads its items as in-scope paths.
fn under_in_scope_paths(t: &Template, index: usize) -> bool {
    let level = t.sections[index].level();
    t.sections[..index]
        .iter()
        .rev()
        .find(|s| s.level() < level)
        .is_some_and(|parent| parent.kind == Some(SectionKind::InScopePaths))
}

/// Paths are read from one section: another section about paths or scope, or a sub-heading of
/// In-scope paths, is an error.
fn check_path_sections(t: &Template, out: &mut Out) {
    for (index, section) in t.sections.iter().enumerate() {
        let what = if section.kind.is_some() {
            continue;
        } else if under_in_scope_paths(t, index) {
            "is a sub-heading of In-scope paths"
        } else if speaks_of_paths(&section.title) {
            "speaks of paths"
        } else {
            continue;
        };
        out.findings.push(Finding {
            severity: Severity::Error,
            check: CheckId::TemplateSection,
            item: out.item.to_owned(),
            section: Some(section.title.clone()),
            line: Some(section.line),
            message: format!(
                "the section \"{}\" {what}, but paths are read only from ## In-scope paths: the agent may take what it lists as in scope, no check reads it",
                crate::domain::sanitize::one_line(&section.title)
            ),
            fix: "list every path under `## In-scope paths` (one `- ` item each), or rename the section if it lists none".into(),
        });
    }
}

/// Every non-blank line of a Parameters section is a `- key: value` item: any other line is
/// read by the agent and dropped by the launch.
fn check_parameter_lines(t: &Template, out: &mut Out) {
    for (line, text) in t.all_body_lines(SectionKind::Parameters) {
        let trimmed = text.trim();
        let key_value = super::template::list_item(text)
            .and_then(|item| {
                item.split_once(':')
                    .map(|(k, _)| !k.trim().trim_matches('`').trim().is_empty())
            })
            .unwrap_or(false);
        if trimmed.is_empty() || key_value {
            continue;
        }
        out.push(
            Severity::Error,
            CheckId::TemplateSection,
            Some(SectionKind::Parameters),
            Some(line),
            format!(
                "\"{}\" is not a `key: value` parameter: the agent reads it, the launch does not pass it",
                crate::domain::sanitize::one_line(trimmed)
            ),
            "write it as `- key: value`, or move the note to another section",
        );
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

/// The one path of an in-scope list item as written after its marker: a bare path, or one in
/// backticks (the only place a space may stand). Anything after it — prose, a comment, a second
/// path — is refused rather than read as part of one literal glob no other item would meet.
fn one_path(item: &str) -> Result<&str, String> {
    let shown = crate::domain::sanitize::one_line(item.trim());
    let several = || {
        format!(
            "\"{shown}\" holds more than one path: one path per list item (what follows the path is never checked)"
        )
    };
    if let Some(quoted) = item.strip_prefix('`') {
        let Some(end) = quoted.find('`') else {
            return Err(format!("\"{shown}\" opens a backtick it does not close"));
        };
        return if quoted[end + 1..].trim().is_empty() {
            Ok(&quoted[..end])
        } else {
            Err(several())
        };
    }
    // Trailing spaces are the path hygiene's to refuse (as before); a space inside is a second word.
    if item.trim_end().contains(char::is_whitespace) {
        return Err(several());
    }
    Ok(item)
}

/// How to fix a malformed in-scope path.
const PATH_FIX: &str = "write a plain repository-relative path or glob such as `services/torghut/app/trading/firewall/**`";
const ONE_PATH_FIX: &str = "put each path on its own `- ` line (in backticks if it has a space), and notes in another section";

/// Why an in-scope path is refused, and how to fix it.
type PathRefusal = (String, &'static str);

/// The in-scope paths with, for a refused one, its reason and fix.
fn in_scope_entries(t: &Template) -> Vec<(usize, Result<PathSpec, PathRefusal>)> {
    t.raw_items(SectionKind::InScopePaths)
        .into_iter()
        .map(|(line, item)| {
            let spec = one_path(&item)
                .map_err(|e| (e, ONE_PATH_FIX))
                .and_then(|path| PathSpec::parse(path).map_err(|e| (e.message, PATH_FIX)));
            (line, spec)
        })
        .collect()
}

/// The in-scope paths of a work item, parsed: hygiene and syntax errors are reported with their
/// line and the path is left out of every other check.
pub fn in_scope_specs(t: &Template) -> Vec<(usize, Result<PathSpec, String>)> {
    in_scope_entries(t)
        .into_iter()
        .map(|(line, spec)| (line, spec.map_err(|(message, _)| message)))
        .collect()
}

/// Every non-blank line of the In-scope paths section is a path list item: a line the agent may
/// read as a path (prose, a code block, a table, a comment) and no check reads is an error.
fn check_path_lines(t: &Template, out: &mut Out) {
    for (line, text) in t.body_lines(SectionKind::InScopePaths) {
        let trimmed = text.trim();
        if trimmed.is_empty() || super::template::list_item(text).is_some() {
            continue;
        }
        let what = if trimmed.starts_with("```") || trimmed.starts_with("~~~") {
            "a code block"
        } else {
            "not a list item"
        };
        out.push(
            Severity::Error,
            CheckId::PathHygiene,
            Some(SectionKind::InScopePaths),
            Some(line),
            format!(
                "\"{}\" is {what}: the agent may read it as a path, the checks do not",
                crate::domain::sanitize::one_line(trimmed)
            ),
            "write each in-scope path as its own `- ` list item, and notes in another section",
        );
    }
}

/// Each in-scope path: plain, inside the lane's territory (sub-trees of other lanes excluded),
/// not on credentials, and not the whole of a lane glob.
fn check_paths(item: &WorkItem, t: &Template, ctx: &Context, out: &mut Out) {
    let territory = ctx.plan.territory();
    let lane = super::placement::item_lane(item)
        .and_then(|id| Some((ctx.plan.lane(id)?, territory.lane(id)?)));
    let credentials = ctx.guardrails.credential_set();
    let section = Some(SectionKind::InScopePaths);
    check_path_lines(t, out);
    for (line, spec) in in_scope_entries(t) {
        let spec = match spec {
            Ok(spec) => spec,
            Err((problem, fix)) => {
                out.push(
                    Severity::Error,
                    CheckId::PathHygiene,
                    section,
                    Some(line),
                    problem,
                    fix,
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
        for other in ctx.items.iter().filter(|o| o.key != item.key) {
            let Some(theirs) = other.head().filter(|h| refs_collide(head, h)) else {
                continue;
            };
            let message = if theirs == head.as_str() {
                format!(
                    "head {head:?} is also the head of work item {}",
                    other.key.name
                )
            } else {
                format!(
                    "head {head:?} and the head {theirs:?} of work item {} cannot both exist in git: {}",
                    other.key.name,
                    collision_reason(head, theirs)
                )
            };
            out.push(
                Severity::Error,
                CheckId::HeadUnique,
                Some(SectionKind::Parameters),
                Some(*line),
                message,
                "give each work item its own branch, none a directory of another's (codex/swarm/lane-a/<work-item>)",
            );
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
                .any(|b| refs_collide(&branch(b), &branch(head)));
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

/// The trading-safety guardrails on everything the agent reads: every line of every Parameters
/// section as the agent reads it (a key given twice, a line that is not `key: value`, the
/// `prompt` parameter and any parameter named like one), every validation command (safety and
/// reproducibility), every other line of the text and every string field of the spec (concrete
/// live settings, endpoints, secrets and credential paths, instructions to trade live or to
/// override the spec).
fn check_guardrail_parameters(item: &WorkItem, t: &Template, ctx: &Context, out: &mut Out) {
    let guardrails = ctx.guardrails;
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
        let shown = if key.is_empty() {
            value.clone()
        } else {
            format!("{key}: {value}")
        };
        let shown = crate::domain::sanitize::one_line(&shown);
        // `prompt = x` and `prompt=x` are the parameter `prompt` to whoever reads them.
        let (read_key, read_value) = if key.is_empty() {
            value
                .split_once('=')
                .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
                .unwrap_or_default()
        } else {
            (key.clone(), value.clone())
        };
        // The exact `prompt: …` is check_parameters' finding; any other spelling is this one.
        if key != "prompt" && guardrails::names_a_prompt(&read_key) && !ctx.allow_prompt_override {
            out.push(
                Severity::Error,
                CheckId::PromptPrecedence,
                Some(SectionKind::Parameters),
                Some(line),
                format!(
                    "parameter `{shown}` is a prompt: it overrides the spec text (prompt precedence)"
                ),
                "remove it and put the instructions in the text; use the explicit prompt-override action if you really mean it",
            );
        }
        if let Some(r) = guardrails.parameter_refusal(&key, &value) {
            out.push(
                Severity::Error,
                CheckId::Guardrails,
                Some(SectionKind::Parameters),
                Some(line),
                format!("parameter `{shown}` is refused: {}", r.reason),
                "remove it: paper trading is the default and runs stay credential-less (see [guardrails] in the config)",
            );
        } else if let Some(r) = guardrails
            .parameter_reproducibility(&read_key, &read_value)
            .or_else(|| guardrails.instruction_refusal(&value))
            .or_else(|| guardrails.precedence_refusal(&read_value))
        {
            push_guardrail(
                out,
                &r,
                Some(SectionKind::Parameters),
                Some(line),
                &format!("parameter `{shown}`"),
            );
        }
    }
    for (line, text) in t.all_body_lines(SectionKind::ValidationCommands) {
        let command = super::template::list_item(text).unwrap_or_else(|| text.trim().to_owned());
        let shown = format!(
            "validation command `{}`",
            crate::domain::sanitize::one_line(&command)
        );
        let section = Some(SectionKind::ValidationCommands);
        if let Some(r) = guardrails.command_refusal(&command) {
            if r.rule == "secret-change" {
                push_guardrail(out, &r, section, Some(line), &shown);
            } else {
                out.push(
                    Severity::Error,
                    CheckId::Guardrails,
                    section,
                    Some(line),
                    format!("{shown} is refused: {}", r.reason),
                    "validate in paper mode: the agent runs these commands",
                );
            }
        }
        if let Some(r) = guardrails.reproducibility_refusal(&command) {
            push_guardrail(out, &r, section, Some(line), &shown);
        }
    }
    for l in guardrails::prose_lines(item, t) {
        for r in guardrails.line_refusals(&l.text, l.code) {
            let text = crate::domain::sanitize::one_line(l.text.trim());
            let (shown, line) = match &l.field {
                Some(_) => (format!("\"{text}\" (line {})", l.line), None),
                None => (format!("\"{text}\""), Some(l.line)),
            };
            let before = out.findings.len();
            push_guardrail(out, &r, l.section, line, &shown);
            // A spec field is named as the finding's section.
            if let (Some(field), Some(f)) = (&l.field, out.findings.get_mut(before)) {
                f.section = Some(field.clone());
            }
        }
    }

    /// A guardrail finding: what (`shown`) is refused, by which rule, and how to fix it.
    fn push_guardrail(
        out: &mut Out,
        r: &guardrails::Refusal,
        section: Option<SectionKind>,
        line: Option<usize>,
        shown: &str,
    ) {
        out.push(
            Severity::Error,
            r.check(),
            section,
            line,
            format!("{shown} is refused ({}): {}", r.rule, r.reason),
            r.fix(),
        );
    }
}

/// The words of a safety-gate line, lower case, as read: hyphens and punctuation split words
/// (`paper-only` is `paper only`), apostrophes do not (`don't` is `dont`).
fn gate_words(text: &str) -> Vec<String> {
    text.to_lowercase()
        .replace(['\'', '’'], "")
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_owned)
        .collect()
}

const NEGATIONS: [&str; 8] = [
    "no", "not", "never", "dont", "without", "nor", "cannot", "mustnt",
];

/// Whether the word at `i` is negated by one of the `within` words before it (`do not allow`,
/// `no live trading allowed`).
fn negated_within(words: &[String], i: usize, within: usize) -> bool {
    words[i.saturating_sub(within)..i]
        .iter()
        .any(|w| NEGATIONS.contains(&w.as_str()))
}

fn negated(words: &[String], i: usize) -> bool {
    negated_within(words, i, 2)
}

/// Words that make a gate conditional or lift it, whatever they are said of: a gate "except
/// rotating the key", "waived for this item", "not required here" is no gate. A permission
/// counts unless negated (`no credential changes allowed` is the gate); an exception always.
fn weakened(words: &[String]) -> bool {
    const EXCEPTIONS: [&str; 17] = [
        "except",
        "excepting",
        "unless",
        "waive",
        "waived",
        "waiver",
        "optional",
        "exempt",
        "exception",
        "bypass",
        "bypassed",
        "override",
        "overridden",
        "suspended",
        "lifted",
        "relaxed",
        "skipped",
    ];
    const PERMISSIONS: [&str; 5] = ["allowed", "allow", "allows", "permitted", "permit"];
    let phrase = |a: &str, b: &[&str]| {
        words
            .windows(2)
            .any(|w| w[0] == a && b.contains(&w[1].as_str()))
    };
    words.iter().enumerate().any(|(i, w)| {
        EXCEPTIONS.contains(&w.as_str())
            || (PERMISSIONS.contains(&w.as_str()) && !negated_within(words, i, 4))
    }) || phrase(
        "not",
        &[
            "required",
            "needed",
            "enforced",
            "apply",
            "applicable",
            "mandatory",
        ],
    ) || phrase("n", &["a"])
        || phrase("no", &["longer"])
        || live_enabled(words)
}

/// Live trading turned on in the line: `live` followed closely by enabled/on/allowed/yes/true,
/// or `enable(d)` shortly before it, not negated (`no live enablement`, `live trading stays
/// disabled`, `never enable live trading` are the gate itself).
fn live_enabled(words: &[String]) -> bool {
    const ON: [&str; 8] = [
        "enabled",
        "enable",
        "on",
        "allowed",
        "permitted",
        "yes",
        "true",
        "ok",
    ];
    const TURN_ON: [&str; 4] = ["enable", "enabled", "enabling", "activate"];
    (0..words.len()).filter(|&i| words[i] == "live").any(|l| {
        let after = (l + 1..words.len().min(l + 5))
            .take_while(|&j| words[j] != "paper")
            .any(|j| ON.contains(&words[j].as_str()) && !negated_within(words, j, 4));
        let before = (l.saturating_sub(3)..l)
            .any(|j| TURN_ON.contains(&words[j].as_str()) && !negated(words, j));
        after || before
    })
}

/// The paper gate turned off in the line: `no paper-only restriction`, `paper trading off`,
/// `paper mode disabled` (the words after `paper` up to any `live`, which the gate disables).
fn paper_denied(words: &[String]) -> bool {
    const OFF: [&str; 6] = ["off", "false", "disabled", "removed", "dropped", "ended"];
    (0..words.len()).filter(|&i| words[i] == "paper").any(|p| {
        negated(words, p)
            || words[p + 1..]
                .iter()
                .take_while(|w| *w != "live")
                .any(|w| OFF.contains(&w.as_str()))
    })
}

/// A line declaring paper trading only: it speaks of paper trading (`paper-only`, `Paper trading
/// only`, `keep paper trading on`) or keeps live trading off (`no live trading`, `live trading
/// stays disabled`).
fn declares_paper(words: &[String]) -> bool {
    const OFF: [&str; 5] = ["disabled", "off", "forbidden", "prohibited", "never"];
    const ENABLED: [&str; 5] = ["enabled", "enable", "on", "activated", "used"];
    words.iter().any(|w| w == "paper")
        || (0..words.len()).filter(|&i| words[i] == "live").any(|l| {
            negated(words, l)
                || words[l + 1..].iter().any(|w| OFF.contains(&w.as_str()))
                // `Live trading is not to be enabled`, `must never be turned on`.
                || negation_then(words, l + 1..l + 6, |w| ENABLED.contains(&w))
        })
}

const CREDENTIAL_WORDS: [&str; 14] = [
    "credential",
    "credentials",
    "secret",
    "secrets",
    "key",
    "keys",
    "apikey",
    "apikeys",
    "token",
    "tokens",
    "password",
    "passwords",
    "kubeconfig",
    "kubeconfigs",
];

fn is_credential_word(w: &str) -> bool {
    CREDENTIAL_WORDS.contains(&w)
}

/// A line declaring no credential changes: a negation shortly before a credential word (`no
/// credentials changes`, `No secret changes`, `Do not touch credentials`, `Never modify secrets or
/// API keys`), `credential-less`, or credentials left as they are (`Leave credentials untouched`,
/// `secrets stay unchanged`).
fn declares_no_credentials(words: &[String]) -> bool {
    const KEPT: [&str; 5] = ["untouched", "unchanged", "alone", "intact", "unmodified"];
    let near_negation = negation_then(words, 0..words.len(), is_credential_word);
    let less = words
        .windows(2)
        .any(|w| w[0] == "credential" && w[1] == "less")
        || words.iter().any(|w| w == "credentialless");
    let kept = words.iter().any(|w| is_credential_word(w))
        && words.iter().any(|w| KEPT.contains(&w.as_str()));
    near_negation || less || kept || negated_change_after(words)
}

/// A negation at a position in `at` (clipped to the words) with a word `target` accepts among
/// the four after it (`no … credentials`, `not to be changed`).
fn negation_then(
    words: &[String],
    at: std::ops::Range<usize>,
    target: impl Fn(&str) -> bool,
) -> bool {
    (at.start..at.end.min(words.len())).any(|n| {
        NEGATIONS.contains(&words[n].as_str()) && words[n + 1..].iter().take(4).any(|w| target(w))
    })
}

/// A credential word, then a negated change a few words on: `Credentials and secrets are not to
/// be changed`, `API keys must never be rotated`, `secrets may not be touched`.
fn negated_change_after(words: &[String]) -> bool {
    const CHANGES: [&str; 22] = [
        "change",
        "changed",
        "modify",
        "modified",
        "touch",
        "touched",
        "rotate",
        "rotated",
        "edit",
        "edited",
        "commit",
        "committed",
        "write",
        "written",
        "alter",
        "altered",
        "update",
        "updated",
        "replace",
        "replaced",
        "add",
        "added",
    ];
    (0..words.len())
        .filter(|&c| is_credential_word(&words[c]))
        .any(|c| negation_then(words, c + 1..c + 8, |w| CHANGES.contains(&w)))
}

/// The Safety gates section declares both gates, each in a line that does not weaken it; a line
/// that speaks of a gate and weakens it (waives, excepts, allows, turns live on) is an error on
/// its own, naming the gate.
fn check_safety(t: &Template, out: &mut Out) {
    let Some(section) = t.section(SectionKind::SafetyGates) else {
        return;
    };
    let section_kind = Some(SectionKind::SafetyGates);
    let (mut paper, mut credentials) = (false, false);
    for (line, text) in t.body_lines(SectionKind::SafetyGates) {
        let words = gate_words(text);
        let about_paper = words.iter().any(|w| w == "paper" || w == "live");
        let about_credentials = words.iter().any(|w| is_credential_word(w));
        let weak = weakened(&words);
        let paper_off = about_paper && (weak || paper_denied(&words));
        let credentials_off = about_credentials && weak;
        let item = super::template::list_item(text).is_some();
        paper |= item && !paper_off && declares_paper(&words);
        credentials |= item && !credentials_off && declares_no_credentials(&words);
        for (off, gate) in [
            (paper_off, "paper-only"),
            (credentials_off, "no-credentials-changes"),
        ] {
            if off {
                out.push(
                    Severity::Error,
                    CheckId::SafetyGates,
                    section_kind,
                    Some(line),
                    format!(
                        "\"{}\" weakens the {gate} gate: a gate holds for every run, without exceptions",
                        crate::domain::sanitize::one_line(text.trim())
                    ),
                    format!("state the {gate} gate without conditions; live trading or a credential change is a person's work, not a run's"),
                );
            }
        }
    }
    if !paper {
        out.push(
            Severity::Error,
            CheckId::SafetyGates,
            section_kind,
            Some(section.line),
            "the paper-only gate is not declared".into(),
            "add `- paper-only` (paper trading is the default; no live enablement)",
        );
    }
    if !credentials {
        out.push(
            Severity::Error,
            CheckId::SafetyGates,
            section_kind,
            Some(section.line),
            "the no-credentials-changes gate is not declared".into(),
            "add `- no credentials changes`",
        );
    }
}

/// A wave label must be a number: one that is not (`1st`, `two`) would drop the work item out of
/// every wave, unlaunched and unchecked as part of one, with nothing said.
fn check_wave_label(item: &WorkItem, out: &mut Out) {
    let Some(label) = item
        .wave
        .as_deref()
        .map(str::trim)
        .filter(|l| !l.is_empty())
    else {
        return;
    };
    if label.parse::<u32>().is_err() {
        out.push(
            Severity::Error,
            CheckId::Malformed,
            None,
            None,
            format!(
                "the wave label {:?} is not a wave number: the work item is in no wave",
                crate::domain::sanitize::one_line(label)
            ),
            format!(
                "set the label {} to the wave's number, e.g. \"1\"",
                super::labels::WAVE
            ),
        );
    }
}

/// A shortest dependency path from `start` back to itself (`[start, …, start]`), if `start` is on
/// a cycle: breadth-first over `deps`, so the message names the tightest loop.
pub fn cycle_through<'a>(
    start: &'a str,
    deps: &dyn Fn(&str) -> Vec<&'a str>,
) -> Option<Vec<&'a str>> {
    let mut parent: std::collections::HashMap<&str, &str> = std::collections::HashMap::new();
    let mut queue = std::collections::VecDeque::from([start]);
    while let Some(node) = queue.pop_front() {
        for next in deps(node) {
            if next == start {
                let mut path = vec![start, node];
                let mut at = node;
                while at != start {
                    at = parent[at];
                    path.push(at);
                }
                path.reverse();
                return Some(path);
            }
            if !parent.contains_key(next) {
                parent.insert(next, node);
                queue.push_back(next);
            }
        }
    }
    None
}

/// Dependencies: known, not the item itself, not on a cycle, and merged before the item starts —
/// so in an earlier wave (a wave launches together: a dependency in the same wave would still be
/// in flight when its dependent starts, one in a later wave after it). An unknown dependency is a
/// warning here (`swarm validate` may be given part of the items) and an error at launch.
fn check_dependencies(item: &WorkItem, ctx: &Context, out: &mut Out) {
    let wave_of = |w: &WorkItem| super::placement::item_wave(w, ctx.plan);
    let name = item.key.name.as_str();
    let by_name = |n: &str| {
        (n == name)
            .then_some(item)
            .or_else(|| ctx.items.iter().copied().find(|i| i.key.name == n))
    };
    // Self-dependencies are said on their own; the cycle search follows the other edges.
    let deps = |n: &str| {
        by_name(n)
            .map(|i| {
                i.depends_on
                    .iter()
                    .map(String::as_str)
                    .filter(|d| *d != n)
                    .collect()
            })
            .unwrap_or_default()
    };
    let mut push = |severity, message: String, fix: &str| {
        out.push(severity, CheckId::DependencyOrder, None, None, message, fix)
    };
    for dep in &item.depends_on {
        if dep == name {
            push(
                Severity::Error,
                format!("depends on itself ({name} → {name}): it can never start"),
                "drop its own name from swarm.proompteng.ai/depends-on",
            );
            continue;
        }
        let Some(other) = by_name(dep) else {
            let near = ctx
                .items
                .iter()
                .find(|i| i.key.name.eq_ignore_ascii_case(dep))
                .map(|i| format!(" (names are case-sensitive: did you mean {}?)", i.key.name))
                .unwrap_or_default();
            push(
                Severity::Warning,
                format!("depends on {dep:?}, which is not a known work item{near}"),
                "fix the name in swarm.proompteng.ai/depends-on, or create that work item (`wave launch` refuses it)",
            );
            continue;
        };
        let (Some(mine), Some(theirs)) = (wave_of(item), wave_of(other)) else {
            continue;
        };
        if theirs > mine {
            push(
                Severity::Error,
                format!(
                    "depends on {dep} (wave {theirs}) but is planned in the earlier wave {mine}"
                ),
                "move this work item to a later wave, or drop the dependency",
            );
        } else if theirs == mine {
            push(
                Severity::Error,
                format!(
                    "depends on {dep}, which is in the same wave {mine}: a wave launches together, so this work item would start before {dep} is merged"
                ),
                "move this work item to a later wave than its dependency (the seed merges in dependency order), or drop the dependency",
            );
        }
    }
    if let Some(cycle) = cycle_through(name, &deps) {
        push(
            Severity::Error,
            format!(
                "its dependencies form a cycle: {}: none of them can start first",
                cycle.join(" → ")
            ),
            "break the cycle: drop one of these dependencies in swarm.proompteng.ai/depends-on",
        );
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

/// Whether two branches cannot both exist in one clone: the same name, the same name but for
/// case (one file on a case-insensitive file system), or one a directory of the other
/// (`a/b` is a file where `a/b/c` needs a directory — git refuses the second ref). Case is
/// folded for the directory rule too: on a case-insensitive clone `A` and `a/x` collide as well.
pub fn refs_collide(a: &str, b: &str) -> bool {
    let (a, b) = (a.to_lowercase(), b.to_lowercase());
    let under = |long: &str, short: &str| {
        long.strip_prefix(short)
            .is_some_and(|rest| rest.starts_with('/'))
    };
    a == b || under(&a, &b) || under(&b, &a)
}

/// Why two colliding (different) branch names cannot both exist.
fn collision_reason(a: &str, b: &str) -> &'static str {
    if a.eq_ignore_ascii_case(b) || a.to_lowercase() == b.to_lowercase() {
        "they differ only in case (one ref on a case-insensitive clone)"
    } else {
        "one is a directory of the other (git refuses a ref under an existing one)"
    }
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

    fn errors_of(text: &str, check: CheckId) -> Vec<Finding> {
        let plan = plan();
        check_item(&item("fw", "A", text), &ctx(&plan, &[], &[]))
            .into_iter()
            .filter(|f| f.check == check && f.severity == Severity::Error)
            .collect()
    }

    fn with_paths(paths: &str) -> String {
        good("codex/swarm/lane-a/fw")
            .replace("- `services/torghut/app/trading/firewall/**`\n", paths)
    }

    #[test]
    fn an_in_scope_item_is_exactly_one_path() {
        let fw = "services/torghut/app/trading/firewall";
        for extra in [
            format!("- {fw}/** and kubernetes/torghut/**\n"),
            format!("- {fw}/**, kubernetes/torghut/**\n"),
            format!("- {fw}/** - also kubernetes/torghut/x.yaml\n"),
            format!("- {fw}/** (and {fw}/risk/**)\n"),
            format!("- {fw}/** # the firewall\n"),
            format!("- `{fw}/**` and `kubernetes/torghut/**`\n"),
            format!("- `{fw}/**` (the firewall)\n"),
            format!("* {fw}/a.py {fw}/b.py\n"),
            format!("1. {fw}/**\tkubernetes/**\n"),
            format!("- `{fw}/**\n"),
        ] {
            let f = errors_of(&with_paths(&extra), CheckId::PathHygiene);
            assert_eq!(f.len(), 1, "{extra:?}: {f:#?}");
            assert_eq!(f[0].line, Some(5), "{extra:?}");
            assert!(errors_of(&with_paths(&extra), CheckId::LaneOwnership).is_empty());
        }
        for one in [
            format!("- {fw}/**\n"),
            format!("- `{fw}/**`\n"),
            format!("* `{fw}/**`  \n"),
            format!("1. {fw}/x.py\n"),
        ] {
            assert!(
                errors_of(&with_paths(&one), CheckId::PathHygiene).is_empty(),
                "{one:?}"
            );
        }
    }

    #[test]
    fn every_line_of_in_scope_paths_is_a_path_item() {
        let fw = "- services/torghut/app/trading/firewall/**\n";
        for (body, errors) in [
            (format!("{fw}```\nkubernetes/torghut/**\n```\n"), 3),
            (format!("{fw}~~~\n- kubernetes/torghut/**\n~~~\n"), 2),
            (format!("{fw}kubernetes/torghut/**\n"), 1),
            (format!("{fw}| kubernetes/torghut/** |\n"), 1),
            (format!("{fw}<!-- kubernetes/torghut/** -->\n"), 1),
            (format!("{fw}    kubernetes/torghut/**\n"), 1),
        ] {
            let f = errors_of(&with_paths(&body), CheckId::PathHygiene);
            assert_eq!(f.len(), errors, "{body:?}: {f:#?}");
        }
        // A fenced list item is still read as a path: outside lane A here.
        let fenced = format!("{fw}```\n- kubernetes/torghut/**\n```\n");
        assert_eq!(
            errors_of(&with_paths(&fenced), CheckId::LaneOwnership).len(),
            1
        );
    }

    #[test]
    fn paths_are_read_only_from_in_scope_paths() {
        let base = good("codex/swarm/lane-a/fw");
        for extra in [
            "## Additional in-scope paths\n- kubernetes/torghut/**\n",
            "## Also in scope\n- kubernetes/torghut/**\n",
            "### Files\n- kubernetes/torghut/**\n",
            "Also in scope\n----\n- kubernetes/torghut/**\n",
            "More paths\n===\n- kubernetes/torghut/**\n",
            "## Scope notes\n- none\n",
        ] {
            let f = errors_of(&format!("{base}\n{extra}"), CheckId::TemplateSection);
            assert_eq!(f.len(), 1, "{extra:?}: {f:#?}");
            assert!(
                f[0].message.contains("read only from ## In-scope paths"),
                "{f:#?}"
            );
        }
        // A sub-heading of In-scope paths, whatever its title, nests there for the agent.
        for sub in [
            "### Infra\n- kubernetes/torghut/**\n",
            "#### Also\n- kubernetes/**\n",
        ] {
            let text = base.replace(
                "- `services/torghut/app/trading/firewall/**`\n",
                &format!("- `services/torghut/app/trading/firewall/**`\n{sub}"),
            );
            let f = errors_of(&text, CheckId::TemplateSection);
            assert_eq!(f.len(), 1, "{sub:?}: {f:#?}");
            assert!(
                f[0].message.contains("read only from ## In-scope paths"),
                "{f:#?}"
            );
        }
        for fine in [
            "## Notes\n- none\n",
            "## Out of scope notes\n- none\n",
            "Notes\n---\n- x\n",
        ] {
            assert!(
                errors_of(&format!("{base}\n{fine}"), CheckId::TemplateSection).is_empty(),
                "{fine:?}"
            );
        }
        // A setext heading of a known section written twice is a duplicate, as `##` is.
        let twice = format!("{base}\nIn-scope paths\n--------------\n- kubernetes/torghut/**\n");
        let f = errors_of(&twice, CheckId::TemplateSection);
        assert!(
            f.iter().any(|f| f.message.contains("written twice")),
            "{f:#?}"
        );
    }

    #[test]
    fn a_parameters_line_is_key_value() {
        let base = good("codex/swarm/lane-a/fw");
        for bad in [
            "- TRADING_MODE=live",
            "- live trading",
            "notes here",
            "- : value",
            "```",
        ] {
            let text = base.replace(
                "- stage: implementation",
                &format!("- stage: implementation\n{bad}"),
            );
            let f = errors_of(&text, CheckId::TemplateSection);
            assert_eq!(f.len(), 1, "{bad:?}: {f:#?}");
            assert!(f[0].message.contains("is not a `key: value` parameter"));
        }
        let text = base.replace(
            "- stage: implementation",
            "- stage: implementation\n- `gitopsPath`: `argocd/x`\n",
        );
        assert!(errors_of(&text, CheckId::TemplateSection).is_empty());
    }

    fn in_wave(name: &str, wave: &str, deps: &[&str]) -> WorkItem {
        let mut w = WorkItem::from_json(&json!({"metadata": {"name": name, "namespace": "agents",
            "labels": {"swarm.proompteng.ai/lane": "A", "swarm.proompteng.ai/wave": wave}},
            "spec": {"text": good(&format!("codex/swarm/lane-a/{name}")), "summary": "s"}}));
        w.depends_on = deps.iter().map(|d| (*d).to_owned()).collect();
        w
    }

    fn dep_findings(of: &WorkItem, items: &[&WorkItem]) -> Vec<Finding> {
        let plan = plan();
        check_item(of, &ctx(&plan, items, &[]))
            .into_iter()
            .filter(|f| f.check == CheckId::DependencyOrder)
            .collect()
    }

    #[test]
    fn dependencies_must_merge_before_their_dependents_start() {
        let b1 = in_wave("b", "1", &[]);
        let same = in_wave("a", "1", &["b"]);
        let f = dep_findings(&same, &[&same, &b1]);
        assert_eq!(f.len(), 1, "{f:#?}");
        assert!(f[0].severity == Severity::Error && f[0].message.contains("same wave 1"));
        let after = in_wave("a", "2", &["b"]);
        assert!(dep_findings(&after, &[&after, &b1]).is_empty());
        let itself = in_wave("a", "1", &["a"]);
        let f = dep_findings(&itself, &[&itself]);
        assert_eq!(f.len(), 1, "{f:#?}");
        assert!(f[0].message.contains("depends on itself"));
        // Case matters: `B` is not `b` (a warning in validate, refused at launch).
        let case = in_wave("a", "2", &["B"]);
        let f = dep_findings(&case, &[&case, &b1]);
        assert_eq!(f.len(), 1, "{f:#?}");
        assert_eq!(f[0].severity, Severity::Warning);
        assert!(f[0].message.contains("did you mean b?"));
        // A cycle of three across waves names its members in order.
        let (x, y, z) = (
            in_wave("x", "3", &["y"]),
            in_wave("y", "2", &["z"]),
            in_wave("z", "1", &["x"]),
        );
        let items = [&x, &y, &z];
        for (w, cycle) in [
            (&x, "x → y → z → x"),
            (&y, "y → z → x → y"),
            (&z, "z → x → y → z"),
        ] {
            let f = dep_findings(w, &items);
            assert!(
                f.iter().any(|f| f.message.contains(cycle)),
                "{cycle}: {f:#?}"
            );
        }
        // Depending on a cycle is not being on it.
        let outside = in_wave("o", "4", &["x"]);
        let f = dep_findings(&outside, &[&outside, &x, &y, &z]);
        assert!(f.iter().all(|f| !f.message.contains("cycle")), "{f:#?}");
    }

    #[test]
    fn a_wave_label_that_is_not_a_number_is_an_error() {
        let plan = plan();
        for (label, bad) in [
            ("1st", true),
            ("two", true),
            ("-1", true),
            ("1.0", true),
            ("2", false),
            (" 3 ", false),
        ] {
            let w = in_wave("a", label, &[]);
            let f = check_item(&w, &ctx(&plan, &[], &[]));
            let malformed = f
                .iter()
                .any(|f| f.check == CheckId::Malformed && f.message.contains("wave label"));
            assert_eq!(malformed, bad, "{label:?}: {f:#?}");
        }
    }

    /// Brute force: `start` reaches itself over one edge or more (depth-first, every path).
    fn on_cycle(start: usize, edges: &[Vec<usize>]) -> bool {
        fn reach(at: usize, target: usize, edges: &[Vec<usize>], seen: &mut Vec<bool>) -> bool {
            edges[at].iter().any(|&n| {
                n == target
                    || (!seen[n] && {
                        seen[n] = true;
                        reach(n, target, edges, seen)
                    })
            })
        }
        let mut seen = vec![false; edges.len()];
        reach(start, start, edges, &mut seen)
    }

    proptest::proptest! {
        #[test]
        fn cycles_are_found_exactly(raw in proptest::collection::vec(proptest::collection::vec(0usize..7, 0..4), 1..7)) {
            let n = raw.len();
            // Self-loops are reported apart from cycles.
            let edges: Vec<Vec<usize>> = raw.iter().enumerate()
                .map(|(i, e)| e.iter().map(|x| x % n).filter(|&x| x != i).collect())
                .collect();
            let names: Vec<String> = (0..n).map(|i| format!("n{i}")).collect();
            let index = |s: &str| names.iter().position(|x| x == s).expect("name");
            let deps = |s: &str| edges[index(s)].iter().map(|&j| names[j].as_str()).collect();
            for (i, name) in names.iter().enumerate() {
                let found = cycle_through(name, &deps);
                proptest::prop_assert_eq!(found.is_some(), on_cycle(i, &edges), "node {} of {:?}", i, edges);
                if let Some(cycle) = found {
                    proptest::prop_assert_eq!(cycle.first(), Some(&name.as_str()));
                    proptest::prop_assert_eq!(cycle.last(), Some(&name.as_str()));
                    for pair in cycle.windows(2) {
                        proptest::prop_assert!(edges[index(pair[0])].contains(&index(pair[1])));
                    }
                }
            }
        }

        #[test]
        fn colliding_refs_are_prefixes_at_a_slash_or_equal_ignoring_case(
            refs in proptest::collection::vec("[aAbB]{1,2}(/[aAbB]{1,2}){0,2}", 2..5)
        ) {
            for a in &refs {
                for b in &refs {
                    let (la, lb) = (a.to_lowercase(), b.to_lowercase());
                    let prefix = |x: &str, y: &str| x.len() > y.len() && x.starts_with(y) && x.as_bytes()[y.len()] == b'/';
                    let oracle = la == lb || prefix(&la, &lb) || prefix(&lb, &la);
                    proptest::prop_assert_eq!(refs_collide(a, b), oracle, "{} {}", a, b);
                }
            }
        }
    }

    #[test]
    fn heads_git_cannot_hold_together_are_refused() {
        let plan = plan();
        for (a, b, collide) in [
            ("codex/swarm/lane-a", "codex/swarm/lane-a/x", true),
            ("codex/swarm/lane-a/X", "codex/swarm/lane-a/x", true),
            ("codex/swarm/Lane-A", "codex/swarm/lane-a/x", true),
            ("codex/swarm/lane-a/x", "codex/swarm/lane-a/xy", false),
            ("codex/swarm/lane-a/x-1", "codex/swarm/lane-a/x", false),
        ] {
            let one = item("one", "A", &good(a));
            let two = item("two", "A", &good(b));
            let items = [&one, &two];
            let f = check_item(&one, &ctx(&plan, &items, &[]));
            let refused = f.iter().any(|f| f.check == CheckId::HeadUnique);
            assert_eq!(refused, collide, "{a} {b}: {f:#?}");
            let run = Run::from_json(&json!({"metadata": {"name": "r", "namespace": "agents"},
                "spec": {"implementationSpecRef": {"name": "other"}, "parameters": {"head": b}},
                "status": {"phase": "Running"}}));
            let f = check_item(&one, &ctx(&plan, &[], &[&run]));
            assert_eq!(
                f.iter().any(|f| f.check == CheckId::HeadUnique),
                collide,
                "run {b}"
            );
        }
    }

    /// The safety-gate findings of a Safety gates section: (paper missing, credentials missing,
    /// lines that weaken a gate).
    fn gates_of(gates: &str) -> (bool, bool, Vec<usize>) {
        let text = good("codex/swarm/lane-a/fw")
            .replace("- paper-only\n- no credentials changes\n", gates);
        let f = errors_of(&text, CheckId::SafetyGates);
        let missing = |what: &str| {
            f.iter()
                .any(|f| f.message.contains(what) && f.message.contains("not declared"))
        };
        let weak = f
            .iter()
            .filter(|f| f.message.contains("weakens"))
            .filter_map(|f| f.line)
            .collect();
        (missing("paper-only"), missing("no-credentials"), weak)
    }

    #[test]
    fn safety_gates_count_only_when_not_weakened() {
        let creds = "- no credentials changes\n";
        let paper = "- paper-only\n";
        // Declarations of the paper gate, with the credentials gate given.
        for ok in [
            "- paper-only",
            "- Paper trading only: live trading stays disabled by default",
            "- Live trading stays disabled by default (paper-only)",
            "- Keep paper trading on.",
            "- No live trading",
            "- Never enable live trading; paper mode only",
            "- Do not allow live trading (paper only)",
            "- Live trading stays off; paper trading on",
            "- Live trading is not to be enabled",
            "- Live trading must never be turned on or enabled",
        ] {
            assert_eq!(
                gates_of(&format!("{ok}\n{creds}")),
                (false, false, vec![]),
                "{ok}"
            );
        }
        // The paper gate weakened in its own bullet: an error on that line, and not declared.
        for weak in [
            "- paper trading off for this test",
            "- no paper-only restriction",
            "- paper-only (waived for this item: live trading allowed)",
            "- Paper trading only is NOT required here: live trading is enabled for this item.",
            "- paper-only unless the operator says otherwise",
            "- paper-only, except for the final smoke test",
            "- paper mode disabled",
            "- paper-only is optional",
            "- live trading enabled; paper trading as a fallback",
            "- paper-only (n/a for this item)",
        ] {
            assert_eq!(
                gates_of(&format!("{weak}\n{creds}")),
                (true, false, vec![18]),
                "{weak}"
            );
        }
        // Declarations of the credentials gate.
        for ok in [
            "- no credentials changes",
            "- No credentials or secrets changes",
            "- No secret changes",
            "- Do not touch credentials.",
            "- Never modify secrets or API keys",
            "- Leave credentials untouched",
            "- Don't rotate any keys",
            "- credential-less",
            "- No credential changes allowed",
            "- Secrets stay unchanged",
            "- Credentials and secrets are not to be changed.",
            "- API keys must never be rotated",
            "- Secrets may not be touched by this run",
        ] {
            assert_eq!(
                gates_of(&format!("{paper}{ok}\n")),
                (false, false, vec![]),
                "{ok}"
            );
        }
        for weak in [
            "- no credentials changes (except rotating the Alpaca key)",
            "- Credentials changes are allowed (rotate the Alpaca key).",
            "- no secret changes unless needed for the test",
            "- no credentials changes (waived)",
            "- API keys may be rotated when permitted",
            "- Secrets are not to be changed, except the Alpaca key",
        ] {
            assert_eq!(
                gates_of(&format!("{paper}{weak}\n")),
                (false, true, vec![19]),
                "{weak}"
            );
        }
        // A waiver elsewhere in the section still counts, even with both gates declared.
        let (p, c, weak) = gates_of(&format!(
            "{paper}{creds}- live trading allowed for this item\n"
        ));
        assert_eq!((p, c, weak), (false, false, vec![20]));
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

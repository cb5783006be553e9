//! Where the agent reads instructions besides the Parameters and Validation commands: every
//! other line of the text (the preamble and every section, code blocks included) and every string
//! field of the spec (`summary`, `description`, `acceptanceCriteria`, fields a later schema adds).
use super::Refusal;
use crate::domain::checks::CheckId;
use crate::domain::template::{SectionKind, Template};
use crate::domain::work_item::WorkItem;

/// One line the agent reads as prose (or as code, inside a fenced block).
#[derive(Debug, Clone, PartialEq)]
pub struct ReadLine {
    /// The section of the text it is in (none in the preamble or a spec field).
    pub section: Option<SectionKind>,
    /// The spec field it is in (`spec.description`), when not in the text.
    pub field: Option<String>,
    /// 1-based: in the whole text, or in the field.
    pub line: usize,
    pub text: String,
    /// Inside a fenced code block: read as written, without the prose's negations.
    pub code: bool,
}

fn is_fence(line: &str) -> bool {
    let t = line.trim_start();
    t.starts_with("```") || t.starts_with("~~~")
}

/// Lines with their fence state; fence lines themselves are left out.
fn with_fences<'a>(
    lines: impl Iterator<Item = (Option<SectionKind>, usize, &'a str)>,
) -> Vec<(Option<SectionKind>, usize, &'a str, bool)> {
    let mut in_fence = false;
    let mut out = Vec::new();
    for (kind, n, l) in lines {
        if is_fence(l) {
            in_fence = !in_fence;
            continue;
        }
        out.push((kind, n, l, in_fence));
    }
    out
}

/// The lines of the text outside Parameters and Validation commands (those are read as
/// settings and commands), and every line of every string field of the spec but the text.
pub fn prose_lines(item: &WorkItem, t: &Template) -> Vec<ReadLine> {
    let skip = [SectionKind::Parameters, SectionKind::ValidationCommands];
    let preamble = t
        .preamble
        .lines()
        .enumerate()
        .map(|(i, l)| (None, i + 1, l));
    let sections = t
        .sections
        .iter()
        .filter(|s| !s.kind.is_some_and(|k| skip.contains(&k)))
        .flat_map(|s| s.numbered_lines().map(move |(n, l)| (s.kind, n, l)));
    let mut out: Vec<ReadLine> = with_fences(preamble.chain(sections))
        .into_iter()
        .map(|(section, line, text, code)| ReadLine {
            section,
            field: None,
            line,
            text: text.to_owned(),
            code,
        })
        .collect();
    let mut fields = Vec::new();
    spec_strings(&item.spec_rest, "spec", &mut fields);
    for (path, value) in fields {
        let lines = value.lines().enumerate().map(|(i, l)| (None, i + 1, l));
        out.extend(
            with_fences(lines)
                .into_iter()
                .map(|(_, line, text, code)| ReadLine {
                    section: None,
                    field: Some(path.clone()),
                    line,
                    text: text.to_owned(),
                    code,
                }),
        );
    }
    out
}

/// Every string in a spec value with its field path (`spec.description`,
/// `spec.acceptanceCriteria[1]`).
fn spec_strings(value: &serde_json::Value, path: &str, out: &mut Vec<(String, String)>) {
    match value {
        serde_json::Value::String(s) => out.push((path.to_owned(), s.clone())),
        serde_json::Value::Array(a) => {
            for (i, v) in a.iter().enumerate() {
                spec_strings(v, &format!("{path}[{i}]"), out);
            }
        }
        serde_json::Value::Object(m) => {
            for (k, v) in m {
                spec_strings(v, &format!("{path}.{k}"), out);
            }
        }
        _ => {}
    }
}

impl Refusal {
    /// The check a refusal is reported under.
    pub fn check(&self) -> CheckId {
        match self.rule {
            "prompt-precedence" => CheckId::PromptPrecedence,
            "secret-change" | "credential-path" => CheckId::Credentials,
            _ => CheckId::Guardrails,
        }
    }

    /// How to fix what the rule refuses.
    pub fn fix(&self) -> &'static str {
        match self.rule {
            "prompt-precedence" => {
                "remove it: the spec text and its safety gates take precedence, and nothing in the text may override them"
            }
            "secret-change" | "credential-path" | "embedded-credential" => {
                "runs stay credential-less: leave secrets, keys and tokens to a person, and pass only `$VARIABLE` references"
            }
            "download-to-shell" | "unpinned-package" | "unpinned-image" => {
                "make it reproducible: pin every package and image to an exact version or digest, and run no downloaded script"
            }
            _ => {
                "keep paper trading: say what must hold in words (\"the firewall refuses a live trading mode\") instead of writing the live setting, endpoint or instruction"
            }
        }
    }
}

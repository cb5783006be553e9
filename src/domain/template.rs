//! The seed's work-item template as Markdown: one `## <Section>` heading per section, list items for
//! paths, criteria, commands and gates, `- key: value` items under `## Parameters`.
//!
//! Parsing is lossless: a [`Template`] keeps every byte (the text before the first heading, each
//! heading line as written, each body), so `render(parse(x)) == x` for any text. Reading is lenient
//! (heading level and case, `-`/`*`/`+` bullets, backticks); findings are precise (section + line).
use std::collections::BTreeMap;

/// The sections of the seed's template, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SectionKind {
    Objective,
    InScopePaths,
    OutOfScope,
    AcceptanceCriteria,
    ValidationCommands,
    SafetyGates,
    Parameters,
}

impl SectionKind {
    pub const ALL: [SectionKind; 7] = [
        SectionKind::Objective,
        SectionKind::InScopePaths,
        SectionKind::OutOfScope,
        SectionKind::AcceptanceCriteria,
        SectionKind::ValidationCommands,
        SectionKind::SafetyGates,
        SectionKind::Parameters,
    ];

    /// The heading as the seed names it.
    pub fn title(self) -> &'static str {
        match self {
            SectionKind::Objective => "Objective",
            SectionKind::InScopePaths => "In-scope paths",
            SectionKind::OutOfScope => "Out-of-scope constraints",
            SectionKind::AcceptanceCriteria => "Acceptance criteria",
            SectionKind::ValidationCommands => "Validation commands",
            SectionKind::SafetyGates => "Safety gates",
            SectionKind::Parameters => "Parameters",
        }
    }

    /// Recognises a heading's title leniently: case, spacing, hyphens and a trailing colon ignored.
    pub fn from_title(title: &str) -> Option<SectionKind> {
        let norm = normalize(title);
        SectionKind::ALL.into_iter().find(|k| {
            normalize(k.title()) == norm
                || match k {
                    SectionKind::InScopePaths => norm == "inscope" || norm == "paths",
                    SectionKind::OutOfScope => norm == "outofscope",
                    SectionKind::ValidationCommands => norm == "validation",
                    SectionKind::SafetyGates => norm == "safety",
                    _ => false,
                }
        })
    }
}

fn normalize(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section {
    /// The heading exactly as written, without its last newline: one line (`## Title`), or two
    /// for a setext heading (`Title` and its `---`/`===` underline, joined by their newline).
    pub heading: String,
    /// Whether the heading line ended with a newline (false only for a last line without one).
    pub heading_newline: bool,
    pub title: String,
    pub kind: Option<SectionKind>,
    /// Everything after the heading line up to the next heading, newlines included.
    pub body: String,
    /// 1-based line of the heading in the whole text.
    pub line: usize,
}

impl Section {
    /// The body's lines with their 1-based line numbers in the whole text.
    pub fn numbered_lines(&self) -> impl Iterator<Item = (usize, &str)> {
        let first = self.line + self.heading_lines();
        self.body
            .lines()
            .enumerate()
            .map(move |(i, l)| (first + i, l))
    }
}

impl Section {
    /// The heading's level: the number of `#`, or 1 for a setext `===` underline and 2 for `---`.
    pub fn level(&self) -> usize {
        match self.heading.split_once('\n') {
            Some((_, underline)) if underline.trim().starts_with('=') => 1,
            Some(_) => 2,
            None => self
                .heading
                .trim_start()
                .chars()
                .take_while(|c| *c == '#')
                .count(),
        }
    }

    /// How many lines the heading takes: 2 for a setext heading, else 1.
    pub fn heading_lines(&self) -> usize {
        self.heading.matches('\n').count() + 1
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Template {
    /// Text before the first heading.
    pub preamble: String,
    pub sections: Vec<Section>,
}

/// A heading line: 1-6 `#`, a space (or end), a title. Lines in fenced code blocks are not headings.
fn heading_title(line: &str) -> Option<&str> {
    let trimmed = line.trim_start();
    if line.len() - trimmed.len() > 3 {
        return None;
    }
    let hashes = trimmed.chars().take_while(|c| *c == '#').count();
    if hashes == 0 || hashes > 6 {
        return None;
    }
    let rest = &trimmed[hashes..];
    if !rest.is_empty() && !rest.starts_with([' ', '\t']) {
        return None;
    }
    Some(rest.trim().trim_end_matches('#').trim())
}

/// A line without its line ending.
fn content_of(line: &str) -> &str {
    let content = line.strip_suffix('\n').unwrap_or(line);
    content.strip_suffix('\r').unwrap_or(content)
}

fn is_fence(content: &str) -> bool {
    let t = content.trim_start();
    t.starts_with("```") || t.starts_with("~~~")
}

/// A setext underline: up to 3 spaces, then only `=` (one or more) or only `-` (two or more: a
/// single `-` is an empty list item), trailing spaces allowed.
fn is_setext_underline(content: &str) -> bool {
    let trimmed = content.trim_start();
    if content.len() - trimmed.len() > 3 {
        return false;
    }
    let t = trimmed.trim_end();
    (!t.is_empty() && t.chars().all(|c| c == '=')) || (t.len() >= 2 && t.chars().all(|c| c == '-'))
}

/// A line that can be the text of a setext heading: a paragraph line (not blank, not a list
/// item, quote, table row, fence or ATX heading, indented at most 3 spaces). Markdown renders
/// `Title` over `---` as a heading, so the agent reads a new section there.
fn setext_title(content: &str) -> Option<&str> {
    let trimmed = content.trim_start();
    let paragraph = !trimmed.is_empty()
        && content.len() - trimmed.len() <= 3
        && list_item(content).is_none()
        && !trimmed.starts_with(['>', '|', '<'])
        && !is_fence(content)
        && heading_title(content).is_none();
    paragraph.then(|| trimmed.trim_end())
}

impl Template {
    pub fn parse(text: &str) -> Template {
        let mut template = Template::default();
        let mut in_fence = false;
        let lines: Vec<&str> = text.split_inclusive('\n').collect();
        let mut index = 0;
        while index < lines.len() {
            let line = lines[index];
            let line_no = index + 1;
            let content = content_of(line);
            if is_fence(content) {
                in_fence = !in_fence;
            }
            let atx = (!in_fence && !is_fence(content))
                .then(|| heading_title(content))
                .flatten();
            // A paragraph line over an underline. Lines of the paragraph above it (Markdown
            // makes them part of the heading too) stay in the body before it: still read there.
            let setext = (!in_fence && atx.is_none())
                .then(|| setext_title(content))
                .flatten()
                .filter(|_| {
                    lines
                        .get(index + 1)
                        .is_some_and(|n| is_setext_underline(content_of(n)))
                });
            let (title, heading, taken) = match (atx, setext) {
                (Some(title), _) => (title, line.to_owned(), 1),
                (None, Some(title)) => (title, format!("{line}{}", lines[index + 1]), 2),
                (None, None) => {
                    match template.sections.last_mut() {
                        Some(section) => section.body.push_str(line),
                        None => template.preamble.push_str(line),
                    }
                    index += 1;
                    continue;
                }
            };
            template.sections.push(Section {
                heading: heading.strip_suffix('\n').unwrap_or(&heading).to_owned(),
                heading_newline: heading.ends_with('\n'),
                title: title.to_owned(),
                kind: SectionKind::from_title(title),
                body: String::new(),
                line: line_no,
            });
            index += taken;
        }
        template
    }

    /// Exactly the text that was parsed (plus any edits made through the API).
    pub fn render(&self) -> String {
        let mut out = self.preamble.clone();
        for s in &self.sections {
            out.push_str(&s.heading);
            if s.heading_newline {
                out.push('\n');
            }
            out.push_str(&s.body);
        }
        out
    }

    pub fn section(&self, kind: SectionKind) -> Option<&Section> {
        self.sections.iter().find(|s| s.kind == Some(kind))
    }

    /// Every section of a kind, in order (a kind written twice is a finding: the agent reads
    /// both, the fields only the first).
    pub fn sections_of(&self, kind: SectionKind) -> impl Iterator<Item = &Section> {
        self.sections.iter().filter(move |s| s.kind == Some(kind))
    }

    /// The lines of every section of a kind, with their 1-based line numbers in the text.
    pub fn all_body_lines(&self, kind: SectionKind) -> impl Iterator<Item = (usize, &str)> {
        self.sections_of(kind).flat_map(Section::numbered_lines)
    }

    /// The body of a section, trimmed; empty when absent.
    pub fn text_of(&self, kind: SectionKind) -> String {
        self.section(kind)
            .map(|s| s.body.trim().to_owned())
            .unwrap_or_default()
    }

    /// The lines of a section's body with their 1-based line numbers in the text.
    pub fn body_lines(&self, kind: SectionKind) -> impl Iterator<Item = (usize, &str)> {
        self.section(kind)
            .into_iter()
            .flat_map(Section::numbered_lines)
    }

    /// List items of a section with the line each is on (backticks around an item are dropped).
    pub fn items(&self, kind: SectionKind) -> Vec<(usize, String)> {
        self.body_lines(kind)
            .filter_map(|(line, l)| list_item(l).map(|item| (line, item)))
            .collect()
    }

    /// `- key: value` items of the Parameters section, with their lines.
    pub fn parameters(&self) -> BTreeMap<String, (usize, String)> {
        self.items(SectionKind::Parameters)
            .into_iter()
            .filter_map(|(line, item)| {
                let (k, v) = item.split_once(':')?;
                let key = k.trim().trim_matches('`').trim();
                let value = v.trim().trim_matches('`').trim();
                (!key.is_empty()).then(|| (key.to_owned(), (line, value.to_owned())))
            })
            .collect()
    }

    /// Replaces (or appends) a section's body, keeping its heading as written.
    pub fn set_body(&mut self, kind: SectionKind, body: &str) {
        let mut body = body.to_owned();
        if !body.ends_with('\n') {
            body.push('\n');
        }
        match self.sections.iter_mut().find(|s| s.kind == Some(kind)) {
            Some(s) => {
                // Keep a blank line before the next heading, as the template is written.
                s.body = format!("{body}\n");
                s.heading_newline = true;
            }
            None => {
                // The new heading must start on a line of its own.
                match self.sections.last_mut() {
                    Some(last) if !last.heading_newline => last.heading_newline = true,
                    Some(last) if !last.body.is_empty() && !last.body.ends_with('\n') => {
                        last.body.push('\n')
                    }
                    None if !self.preamble.is_empty() && !self.preamble.ends_with('\n') => {
                        self.preamble.push('\n')
                    }
                    _ => {}
                }
                let rendered = self.render();
                let line = rendered.matches('\n').count() + 1;
                self.sections.push(Section {
                    heading: format!("## {}", kind.title()),
                    heading_newline: true,
                    title: kind.title().to_owned(),
                    kind: Some(kind),
                    body: format!("{body}\n"),
                    line,
                });
            }
        }
    }

    /// The objective a new work item starts with, to be replaced.
    pub const OBJECTIVE_PLACEHOLDER: &'static str =
        "What this work item changes, in one or two sentences.";
    /// The in-scope path a new work item starts with when its lane has no globs.
    pub const PATH_PLACEHOLDER: &'static str = "path/to/change/**";

    /// List items of a section as written after their marker (`- `, `1. `): backticks, spaces
    /// inside them and at the end of the line kept, for the path checks to judge.
    pub fn raw_items(&self, kind: SectionKind) -> Vec<(usize, String)> {
        self.body_lines(kind)
            .filter_map(|(line, l)| {
                list_item(l)?;
                let l = l.strip_suffix('\r').unwrap_or(l).trim_start();
                let rest = if l.starts_with(['-', '*', '+']) {
                    &l[1..]
                } else {
                    &l.trim_start_matches(|c: char| c.is_ascii_digit())[1..]
                };
                Some((line, rest.trim_start().to_owned()))
            })
            .collect()
    }

    /// The pre-filled template for a new work item in `lane`.
    pub fn new_item(
        lane: &str,
        owns: &[String],
        repository: &str,
        base: &str,
        head: &str,
    ) -> String {
        let paths: String = if owns.is_empty() {
            format!("- `{}`\n", Template::PATH_PLACEHOLDER)
        } else {
            owns.iter().map(|p| format!("- `{p}`\n")).collect()
        };
        format!(
            "## Objective\n{objective}\n\n\
             ## In-scope paths\n{paths}\n\
             ## Out-of-scope constraints\n- No changes outside lane {lane}'s paths\n- No live trading enablement; paper trading stays the default\n\n\
             ## Acceptance criteria\n- Unit tests cover the new code\n\n\
             ## Validation commands\n- `make test`\n\n\
             ## Safety gates\n- paper-only\n- no credentials changes\n\n\
             ## Parameters\n- repository: {repository}\n- base: {base}\n- head: {head}\n- stage: implementation\n",
            objective = Template::OBJECTIVE_PLACEHOLDER,
        )
    }
}

/// `- item`, `* item`, `+ item`, `1. item` → `item` (outer backticks removed).
pub fn list_item(line: &str) -> Option<String> {
    let t = line.trim_start();
    let rest = if let Some(r) = t.strip_prefix(['-', '*', '+']) {
        r
    } else {
        let digits = t.chars().take_while(char::is_ascii_digit).count();
        if digits == 0 {
            return None;
        }
        t[digits..].strip_prefix(['.', ')'])?
    };
    if !rest.starts_with([' ', '\t']) {
        return None;
    }
    let item = rest.trim();
    if item.is_empty() {
        return None;
    }
    let item = item
        .strip_prefix('`')
        .and_then(|s| s.strip_suffix('`'))
        .filter(|s| !s.contains('`'))
        .unwrap_or(item);
    Some(item.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const SAMPLE: &str = "Intro line\n## Objective\nAdd it.\n\n### in-scope PATHS:\n* `a/**`\n- b.py\n\n## Acceptance criteria\n1. works\n2) tested\n\n```\n## not a heading\n```\n## Parameters\n- repository: `o/r`\n- head: codex/x\n-notitem\n## Extra";

    #[test]
    fn parses_sections_leniently() {
        let t = Template::parse(SAMPLE);
        assert_eq!(t.preamble, "Intro line\n");
        let kinds: Vec<_> = t.sections.iter().map(|s| s.kind).collect();
        assert_eq!(
            kinds,
            [
                Some(SectionKind::Objective),
                Some(SectionKind::InScopePaths),
                Some(SectionKind::AcceptanceCriteria),
                Some(SectionKind::Parameters),
                None
            ]
        );
        assert_eq!(
            t.items(SectionKind::InScopePaths),
            [(6, "a/**".into()), (7, "b.py".into())]
        );
        assert_eq!(
            t.items(SectionKind::AcceptanceCriteria),
            [(10, "works".into()), (11, "tested".into())]
        );
        let params = t.parameters();
        assert_eq!(params["repository"], (17, "o/r".into()));
        assert_eq!(params["head"], (18, "codex/x".into()));
        assert_eq!(params.len(), 2);
        assert_eq!(t.text_of(SectionKind::Objective), "Add it.");
    }

    #[test]
    fn setext_headings_are_headings() {
        let t = Template::parse(
            "## Objective\nDo it.\nAlso in scope\n----\n- a/**\nParameters\n==\n- head: x\n- b\n---\n",
        );
        let titles: Vec<_> = t
            .sections
            .iter()
            .map(|s| (s.title.as_str(), s.line))
            .collect();
        assert_eq!(
            titles,
            [("Objective", 1), ("Also in scope", 3), ("Parameters", 6)]
        );
        assert_eq!(t.sections[1].numbered_lines().next(), Some((5, "- a/**")));
        assert_eq!(t.parameters()["head"], (8, "x".into()));
        // Under a list item, in a fence or after a blank line, `---` is a rule, not an underline.
        let t = Template::parse("## Objective\n- a\n---\n```\nx\n---\n```\n\n---\n");
        assert_eq!(t.sections.len(), 1);
    }

    #[test]
    fn render_is_lossless() {
        for text in [
            SAMPLE,
            "",
            "\n",
            "## A",
            "## A\n",
            "no headings\r\nat all",
            "#\n##\n#######x\n",
            "Title\n---\nbody\r\nT2\r\n===",
            "x\n==",
        ] {
            assert_eq!(Template::parse(text).render(), text);
        }
    }

    #[test]
    fn set_body_replaces_or_appends() {
        let mut t = Template::parse("## Objective\nold\n\n## Safety gates\n- paper-only");
        t.set_body(SectionKind::Objective, "new");
        t.set_body(SectionKind::Parameters, "- head: codex/y");
        let text = t.render();
        assert_eq!(
            text,
            "## Objective\nnew\n\n## Safety gates\n- paper-only\n## Parameters\n- head: codex/y\n\n"
        );
        let again = Template::parse(&text);
        assert_eq!(again.parameters()["head"].1, "codex/y");
        assert_eq!(
            again.section(SectionKind::Parameters).map(|s| s.line),
            Some(6)
        );
    }

    #[test]
    fn the_new_item_template_has_every_section() {
        let text = Template::new_item(
            "A",
            &["x/**".into()],
            "o/r",
            "main",
            "codex/swarm/lane-a/new",
        );
        let t = Template::parse(&text);
        for kind in SectionKind::ALL {
            assert!(t.section(kind).is_some(), "{kind:?}");
        }
        assert_eq!(t.items(SectionKind::InScopePaths)[0].1, "x/**");
    }

    proptest! {
        #[test]
        fn arbitrary_text_round_trips(text in "(?s).{0,400}") {
            let t = Template::parse(&text);
            prop_assert_eq!(t.render(), text);
        }

        #[test]
        fn markdownish_text_round_trips_and_is_stable(lines in proptest::collection::vec(
            prop_oneof![
                Just("## Objective".to_owned()), Just("# in-scope paths".to_owned()),
                Just("```".to_owned()), Just("- `a/**`".to_owned()), Just("* b".to_owned()),
                Just("- key: value".to_owned()), Just("".to_owned()), "[ -~]{0,20}",
                Just("---".to_owned()), Just("===".to_owned()), Just("Also in scope".to_owned()),
            ], 0..30), trailing_newline: bool) {
            let mut text = lines.join("\n");
            if trailing_newline { text.push('\n'); }
            let once = Template::parse(&text).render();
            prop_assert_eq!(&once, &text);
            prop_assert_eq!(Template::parse(&once), Template::parse(&text));
        }
    }
}

//! The swarm plan: lanes (who owns which repository paths), the merge-order categories that number
//! the waves, and the work items of the first wave. Lives in a TOML file next to the swarm's
//! repository or in the config dir; the seed's Torghut plan ships as `examples/torghut/plan.toml`.
use super::paths::PathSpec;
use super::territory::{Territory, TerritoryCache};
use serde::Deserialize;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use toml::Spanned;

/// A lane owns a narrow, non-overlapping set of repository paths.
#[derive(Debug, Clone, PartialEq)]
pub struct Lane {
    pub id: String,
    pub title: String,
    pub owns: Vec<String>,
}

/// One merge-order category (the seed: safety + order firewall first, ...).
#[derive(Debug, Clone, PartialEq)]
pub struct WaveCategory {
    pub number: u32,
    pub title: String,
}

/// A work item the plan proposes (becomes an ImplementationSpec).
#[derive(Debug, Clone, PartialEq)]
pub struct PlannedItem {
    pub name: String,
    pub lane: String,
    pub wave: u32,
    pub summary: String,
    pub paths: Vec<String>,
    pub head: Option<String>,
    pub depends_on: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Plan {
    pub name: String,
    pub repository: Option<String>,
    pub base: Option<String>,
    pub lanes: Vec<Lane>,
    pub waves: Vec<WaveCategory>,
    pub items: Vec<PlannedItem>,
    /// Lane pairs whose globs may overlap because the plan says so (`[[overlap]]`).
    pub overlaps: Vec<DeclaredOverlap>,
    territory: TerritoryCache,
}

/// `[[overlap]] lanes = ["B", "C"]`: the two lanes' globs overlap on purpose. By default the
/// more specific lane owns the shared sub-tree; `shared = true` lets both work in it (conflicts
/// between their items are still refused path by path).
#[derive(Debug, Clone, PartialEq)]
pub struct DeclaredOverlap {
    pub lanes: (String, String),
    pub shared: bool,
    pub reason: Option<String>,
}

/// A plan that cannot be used, naming the file, line and field.
#[derive(Debug, thiserror::Error, PartialEq)]
#[error("{file}{}: {message}", crate::domain::sanitize::line_suffix(*line))]
pub struct PlanError {
    pub file: String,
    pub line: usize,
    pub message: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPlan {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    repository: Option<String>,
    #[serde(default)]
    base: Option<String>,
    #[serde(default, rename = "lane")]
    lanes: Vec<RawLane>,
    #[serde(default, rename = "wave")]
    waves: Vec<RawWave>,
    #[serde(default, rename = "item")]
    items: Vec<RawItem>,
    #[serde(default, rename = "overlap")]
    overlaps: Vec<RawOverlap>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLane {
    id: Spanned<String>,
    title: String,
    #[serde(default)]
    owns: Vec<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawWave {
    number: Spanned<u32>,
    title: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawItem {
    name: Spanned<String>,
    lane: Spanned<String>,
    wave: Spanned<u32>,
    summary: String,
    #[serde(default)]
    paths: Vec<String>,
    #[serde(default)]
    head: Option<String>,
    #[serde(default)]
    depends_on: Vec<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawOverlap {
    lanes: Spanned<Vec<String>>,
    #[serde(default)]
    reason: Option<String>,
    #[serde(default)]
    shared: bool,
}

impl Plan {
    pub fn load(path: &Path) -> Result<Plan, PlanError> {
        let text = std::fs::read_to_string(path).map_err(|e| PlanError {
            file: path.display().to_string(),
            line: 0,
            message: format!("cannot read plan file: {e}"),
        })?;
        Plan::parse(&text, &path.display().to_string())
    }

    /// Parses and checks a plan. `file` only names the source in errors.
    pub fn parse(text: &str, file: &str) -> Result<Plan, PlanError> {
        let err = |span: Option<Range<usize>>, message: String| PlanError {
            file: file.to_owned(),
            line: span.map(|s| line_of(text, s.start)).unwrap_or(0),
            message,
        };
        let raw: RawPlan = toml::from_str(text).map_err(|e| {
            err(
                e.span(),
                e.message().trim().to_owned() + &field_hint(e.span(), text),
            )
        })?;

        let mut lanes: Vec<Lane> = Vec::new();
        for lane in &raw.lanes {
            let id = lane.id.get_ref().trim();
            if id.is_empty() {
                return Err(err(
                    Some(lane.id.span()),
                    "lane.id: must not be empty".into(),
                ));
            }
            if lanes.iter().any(|l| l.id == id) {
                return Err(err(
                    Some(lane.id.span()),
                    format!("lane.id: lane {id:?} is declared twice"),
                ));
            }
            for glob in &lane.owns {
                PathSpec::parse(glob.get_ref()).map_err(|e| {
                    err(
                        Some(glob.span()),
                        format!("lane {id:?} owns: invalid glob {:?}: {e}", glob.get_ref()),
                    )
                })?;
            }
            lanes.push(Lane {
                id: id.to_owned(),
                title: lane.title.clone(),
                owns: lane.owns.iter().map(|g| g.get_ref().clone()).collect(),
            });
        }

        let mut waves: Vec<WaveCategory> = Vec::new();
        for wave in &raw.waves {
            let n = *wave.number.get_ref();
            if waves.iter().any(|w| w.number == n) {
                return Err(err(
                    Some(wave.number.span()),
                    format!("wave.number: wave {n} is declared twice"),
                ));
            }
            waves.push(WaveCategory {
                number: n,
                title: wave.title.clone(),
            });
        }
        waves.sort_by_key(|w| w.number);

        let mut overlaps = Vec::new();
        for overlap in &raw.overlaps {
            let pair = overlap.lanes.get_ref();
            if pair.len() != 2 {
                return Err(err(
                    Some(overlap.lanes.span()),
                    "overlap.lanes: expected exactly two lane ids".into(),
                ));
            }
            for id in pair {
                if !lanes.iter().any(|l| &l.id == id) {
                    return Err(err(
                        Some(overlap.lanes.span()),
                        format!("overlap.lanes: unknown lane {id:?}"),
                    ));
                }
            }
            overlaps.push(DeclaredOverlap {
                lanes: (pair[0].clone(), pair[1].clone()),
                shared: overlap.shared,
                reason: overlap.reason.clone(),
            });
        }

        let mut items: Vec<PlannedItem> = Vec::new();
        for item in &raw.items {
            let name = item.name.get_ref().trim().to_owned();
            if items.iter().any(|i| i.name == name) {
                return Err(err(
                    Some(item.name.span()),
                    format!("item.name: work item {name:?} is declared twice"),
                ));
            }
            let lane = item.lane.get_ref().trim();
            if !lanes.iter().any(|l| l.id == lane) {
                return Err(err(
                    Some(item.lane.span()),
                    format!("item {name:?} lane: unknown lane {lane:?}"),
                ));
            }
            let wave = *item.wave.get_ref();
            if !waves.is_empty() && !waves.iter().any(|w| w.number == wave) {
                return Err(err(
                    Some(item.wave.span()),
                    format!("item {name:?} wave: unknown wave {wave}"),
                ));
            }
            items.push(PlannedItem {
                name,
                lane: lane.to_owned(),
                wave,
                summary: item.summary.clone(),
                paths: item.paths.clone(),
                head: item.head.clone(),
                depends_on: item
                    .depends_on
                    .iter()
                    .map(|d| d.get_ref().clone())
                    .collect(),
            });
        }
        for item in &raw.items {
            for dep in &item.depends_on {
                if !items.iter().any(|i| &i.name == dep.get_ref()) {
                    return Err(err(
                        Some(dep.span()),
                        format!(
                            "item {:?} depends_on: unknown work item {:?}",
                            item.name.get_ref(),
                            dep.get_ref()
                        ),
                    ));
                }
            }
        }

        Ok(Plan {
            name: raw.name.unwrap_or_default(),
            repository: raw.repository,
            base: raw.base,
            lanes,
            waves,
            items,
            overlaps,
            territory: TerritoryCache::default(),
        })
    }

    /// Who owns which paths, overlaps resolved (computed once per version of the lanes).
    pub fn territory(&self) -> Arc<Territory> {
        self.territory.get(self)
    }

    /// Whether the plan declares that lanes `a` and `b` overlap.
    pub fn declares_overlap(&self, a: &str, b: &str) -> Option<&DeclaredOverlap> {
        self.overlaps
            .iter()
            .find(|o| (o.lanes.0 == a && o.lanes.1 == b) || (o.lanes.0 == b && o.lanes.1 == a))
    }

    pub fn lane(&self, id: &str) -> Option<&Lane> {
        self.lanes.iter().find(|l| l.id == id)
    }

    /// Where the plan lives when `--plan` is not given.
    pub fn default_path(config_dir: &Path) -> PathBuf {
        config_dir.join("plan.toml")
    }
}

/// The seed's Torghut plan, embedded so `swarm demo` runs anywhere.
pub const TORGHUT_PLAN: &str = include_str!("../../examples/torghut/plan.toml");

fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].matches('\n').count() + 1
}

/// toml's messages name the field but not which table it sits in; add the table header line.
fn field_hint(span: Option<Range<usize>>, text: &str) -> String {
    let Some(span) = span else {
        return String::new();
    };
    let before = &text[..span.start.min(text.len())];
    before
        .lines()
        .rev()
        .map(str::trim)
        .find(|l| l.starts_with('['))
        .map(|header| format!(" (in {header})"))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_torghut_plan_parses() {
        let plan = Plan::parse(TORGHUT_PLAN, "plan.toml").expect("embedded plan parses");
        let ids: Vec<_> = plan.lanes.iter().map(|l| l.id.as_str()).collect();
        assert_eq!(ids, ["A", "B", "C", "D", "E"]);
        assert_eq!(plan.waves.len(), 4);
        assert!(plan.items.iter().any(|i| i.name == "order-firewall"));
    }

    #[test]
    fn missing_field_names_line_and_field() {
        let e = Plan::parse("[[lane]]\nid = \"A\"\n", "p.toml").expect_err("title missing");
        assert_eq!(e.file, "p.toml");
        assert_eq!(e.line, 1);
        assert!(e.message.contains("title"), "{e}");
    }

    #[test]
    fn wrong_type_names_line() {
        let e = Plan::parse("[[lane]]\nid = \"A\"\ntitle = 3\n", "p.toml").expect_err("bad type");
        assert_eq!(e.line, 3);
        assert!(e.message.contains("string"), "{e}");
    }

    #[test]
    fn unknown_field_is_refused() {
        let e = Plan::parse(
            "[[lane]]\nid = \"A\"\ntitle = \"t\"\nowner = []\n",
            "p.toml",
        )
        .expect_err("unknown");
        assert_eq!(e.line, 4);
        assert!(e.message.contains("owner"), "{e}");
    }

    #[test]
    fn semantic_errors_name_their_line() {
        let dup = "[[lane]]\nid = \"A\"\ntitle = \"a\"\n\n[[lane]]\nid = \"A\"\ntitle = \"b\"\n";
        assert_eq!(Plan::parse(dup, "p").expect_err("dup").line, 6);
        let glob = "[[lane]]\nid = \"A\"\ntitle = \"a\"\nowns = [\"ok/**\",\n  \"bad/[\"]\n";
        let e = Plan::parse(glob, "p").expect_err("glob");
        assert_eq!(e.line, 5);
        assert!(e.message.contains("invalid glob"), "{e}");
        let lane = "[[lane]]\nid = \"A\"\ntitle = \"a\"\n[[item]]\nname = \"x\"\nlane = \"Z\"\nwave = 1\nsummary = \"s\"\n";
        let e = Plan::parse(lane, "p").expect_err("lane");
        assert_eq!(
            (e.line, e.message.as_str()),
            (6, "item \"x\" lane: unknown lane \"Z\"")
        );
    }

    #[test]
    fn syntax_error_is_reported_not_panicked() {
        let e = Plan::parse("[[lane]\n", "p").expect_err("syntax");
        assert_eq!(e.line, 1);
    }
}

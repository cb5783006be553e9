//! Lane drift: changed files outside the work item's in-scope paths, outside its lane, or on
//! guarded (credential) paths. Each drifting file names every rule it breaks and why.
//!
//! A concrete path is matched against globs with `/`-aware semantics (`*` never crosses a `/`,
//! `**` does), the same reading the plan's lane globs have everywhere else.
use super::ChangedFile;
use globset::{GlobBuilder, GlobMatcher};
use serde::Serialize;

/// The rules a changed file can break, most serious first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DriftRule {
    /// On a guarded path (credentials): never an agent's to change.
    Guarded,
    /// Outside the lane's owned globs.
    OutsideLane,
    /// Inside the lane but outside the work item's in-scope paths.
    OutsideScope,
}

impl DriftRule {
    pub fn label(self) -> &'static str {
        match self {
            DriftRule::Guarded => "guarded path",
            DriftRule::OutsideLane => "outside lane",
            DriftRule::OutsideScope => "outside scope",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RuleBreak {
    pub rule: DriftRule,
    /// Why, naming the globs: `lane A owns services/a/**`.
    pub why: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DriftFile {
    pub path: String,
    pub rules: Vec<RuleBreak>,
}

impl DriftFile {
    pub fn worst(&self) -> Option<DriftRule> {
        self.rules.iter().map(|r| r.rule).min()
    }
}

/// Compiled globs, each kept with its text so a finding can name it. Invalid globs match
/// nothing (the plan and work item checks report them where they are written).
pub struct GlobList {
    globs: Vec<(String, GlobMatcher)>,
}

impl GlobList {
    pub fn new(globs: &[String]) -> GlobList {
        GlobList {
            globs: globs
                .iter()
                .filter_map(|g| compile(g).map(|m| (g.clone(), m)))
                .collect(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.globs.is_empty()
    }

    /// The first glob that matches `path`.
    pub fn matching(&self, path: &str) -> Option<&str> {
        self.globs
            .iter()
            .find(|(_, m)| m.is_match(path))
            .map(|(g, _)| g.as_str())
    }
}

/// A path or glob as written in a plan or work item: `dir/` and a glob-free directory name
/// stand for everything under them.
fn compile(pattern: &str) -> Option<GlobMatcher> {
    let p = pattern.trim().trim_start_matches("./");
    if p.is_empty() {
        return None;
    }
    let text = if let Some(dir) = p.strip_suffix('/') {
        format!("{dir}/**")
    } else if !p.contains(['*', '?', '[', '{']) {
        // `services/x` names the file itself or the directory: both.
        format!("{{{p},{p}/**}}")
    } else {
        p.to_owned()
    };
    GlobBuilder::new(&text)
        .literal_separator(true)
        .build()
        .ok()
        .map(|g| g.compile_matcher())
}

/// Whether a concrete path matches a glob (`/`-aware).
pub fn path_matches(glob: &str, path: &str) -> bool {
    compile(glob).is_some_and(|m| m.is_match(path))
}

/// The drifting files of one change set. `scope` empty (no work item, or no paths) and `lane`
/// `None` (no lane, or not in the plan) skip that rule: nothing to judge against.
pub fn drift(
    files: &[ChangedFile],
    scope: &[String],
    lane: Option<(&str, &[String])>,
    guarded: &GlobList,
) -> Vec<DriftFile> {
    let lane_globs = lane.map(|(id, owns)| (id, owns, GlobList::new(owns)));
    drift_with(
        files,
        scope,
        lane_globs.as_ref().map(|(id, owns, g)| (*id, *owns, g)),
        guarded,
    )
}

/// [`drift`] with the lane's globs compiled once by the caller (one audit judges many runs of
/// few lanes; compiling a glob costs far more than matching it).
pub fn drift_with(
    files: &[ChangedFile],
    scope: &[String],
    lane_globs: Option<(&str, &[String], &GlobList)>,
    guarded: &GlobList,
) -> Vec<DriftFile> {
    let scope_globs = GlobList::new(scope);
    let mut out: Vec<DriftFile> = Vec::new();
    for file in files {
        for path in file.paths() {
            if out.iter().any(|d| d.path == path) {
                continue;
            }
            let mut rules = Vec::new();
            if let Some(glob) = guarded.matching(path) {
                rules.push(RuleBreak {
                    rule: DriftRule::Guarded,
                    why: format!("matches the guarded glob {glob}"),
                });
            }
            let in_lane = match &lane_globs {
                Some((id, owns, globs)) if globs.matching(path).is_none() => {
                    rules.push(RuleBreak {
                        rule: DriftRule::OutsideLane,
                        why: format!("lane {id} owns {}", owns.join(", ")),
                    });
                    false
                }
                _ => true,
            };
            if in_lane && !scope_globs.is_empty() && scope_globs.matching(path).is_none() {
                rules.push(RuleBreak {
                    rule: DriftRule::OutsideScope,
                    why: format!("in-scope paths are {}", scope.join(", ")),
                });
            }
            if !rules.is_empty() {
                out.push(DriftFile {
                    path: path.to_owned(),
                    rules,
                });
            }
        }
    }
    out
}

/// The card badge: the count of files breaking the most serious rule found.
pub fn badge(drift: &[DriftFile]) -> Option<String> {
    let worst = drift.iter().filter_map(DriftFile::worst).min()?;
    let n = drift
        .iter()
        .filter(|d| d.rules.iter().any(|r| r.rule == worst))
        .count();
    let what = match (worst, n) {
        (DriftRule::Guarded, 1) => "guarded path".to_owned(),
        (DriftRule::Guarded, _) => "guarded paths".to_owned(),
        (rule, _) => rule.label().to_owned(),
    };
    Some(format!("⚠ {n} {what}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::audit::FileStatus;

    fn files(paths: &[&str]) -> Vec<ChangedFile> {
        paths
            .iter()
            .map(|p| ChangedFile::new(*p, FileStatus::Modified))
            .collect()
    }

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|x| x.to_string()).collect()
    }

    #[test]
    fn star_does_not_cross_a_slash_and_double_star_does() {
        assert!(path_matches("src/*.rs", "src/a.rs"));
        assert!(!path_matches("src/*.rs", "src/x/a.rs"));
        assert!(path_matches("src/**", "src/x/a.rs"));
        assert!(path_matches("src/", "src/x/a.rs"));
        assert!(path_matches("src/x", "src/x/a.rs"));
        assert!(path_matches("src/x", "src/x"));
        assert!(!path_matches("src/x", "src/xy"));
        assert!(!path_matches("[", "["));
    }

    #[test]
    fn each_file_names_every_rule_it_breaks() {
        let owns = s(&["services/a/**"]);
        let scope = s(&["services/a/firewall/**"]);
        let guarded = GlobList::new(&s(&["**/*.pem", "**/.env"]));
        let d = drift(
            &files(&[
                "services/a/firewall/mod.py",
                "services/a/config.py",
                "services/b/x.py",
                "services/a/firewall/key.pem",
            ]),
            &scope,
            Some(("A", &owns)),
            &guarded,
        );
        let got: Vec<(&str, Vec<DriftRule>)> = d
            .iter()
            .map(|f| (f.path.as_str(), f.rules.iter().map(|r| r.rule).collect()))
            .collect();
        assert_eq!(
            got,
            vec![
                ("services/a/config.py", vec![DriftRule::OutsideScope]),
                ("services/b/x.py", vec![DriftRule::OutsideLane]),
                ("services/a/firewall/key.pem", vec![DriftRule::Guarded]),
            ]
        );
        assert_eq!(d[1].rules[0].why, "lane A owns services/a/**");
        assert_eq!(d[2].rules[0].why, "matches the guarded glob **/*.pem");
        assert_eq!(badge(&d).as_deref(), Some("⚠ 1 guarded path"));
    }

    #[test]
    fn a_rename_counts_its_old_path_too() {
        let owns = s(&["services/a/**"]);
        let mut f = ChangedFile::new("services/a/new.py", FileStatus::Renamed);
        f.previous_path = Some("services/b/old.py".into());
        let d = drift(&[f], &[], Some(("A", &owns)), &GlobList::new(&[]));
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].path, "services/b/old.py");
        assert_eq!(badge(&d).as_deref(), Some("⚠ 1 outside lane"));
    }

    #[test]
    fn nothing_to_judge_against_is_no_drift() {
        let d = drift(&files(&["anything/at/all"]), &[], None, &GlobList::new(&[]));
        assert!(d.is_empty());
        assert_eq!(badge(&d), None);
    }
}

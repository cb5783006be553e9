//! Themes: colors for the UI and a color + symbol per phase, from `themes/*.toml`. Built-in themes
//! are embedded so the binary works anywhere; a user theme may set only what it changes.
use crate::app::legend::{Badge, Glyph, MAX_SYMBOL_WIDTH};
use crate::domain::Phase;
use ratatui::style::{Color, Modifier, Style};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::Path;
use std::str::FromStr;
use toml::Spanned;

/// Built-in themes: (name, TOML source).
pub const BUILT_IN: [(&str, &str); 3] = [
    ("default", include_str!("../../themes/default.toml")),
    ("light", include_str!("../../themes/light.toml")),
    (
        "high-contrast",
        include_str!("../../themes/high-contrast.toml"),
    ),
];

#[derive(Debug, Clone, PartialEq)]
pub struct PhaseStyle {
    pub color: Color,
    pub symbol: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Theme {
    pub name: String,
    pub background: Color,
    pub foreground: Color,
    pub muted: Color,
    pub accent: Color,
    pub border: Color,
    pub border_focused: Color,
    pub selection_bg: Color,
    pub selection_fg: Color,
    pub title_bg: Color,
    pub title_fg: Color,
    pub status_bg: Color,
    pub status_fg: Color,
    pub ok: Color,
    pub warning: Color,
    pub error: Color,
    phases: BTreeMap<String, PhaseStyle>,
    /// Badge symbols the theme changes; the rest are [`Badge::default_symbol`].
    badges: BTreeMap<Badge, String>,
}

#[derive(Debug, thiserror::Error, PartialEq)]
#[error("{file}{}: {message}", crate::domain::sanitize::line_suffix(*line))]
pub struct ThemeError {
    pub file: String,
    pub line: usize,
    pub message: String,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawTheme {
    name: Option<String>,
    #[serde(default)]
    ui: RawUi,
    #[serde(default)]
    phase: BTreeMap<Spanned<String>, RawPhase>,
    /// Badge symbols by [`Badge::key`].
    #[serde(default)]
    badge: BTreeMap<Spanned<String>, Spanned<String>>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawUi {
    background: Option<Spanned<String>>,
    foreground: Option<Spanned<String>>,
    muted: Option<Spanned<String>>,
    accent: Option<Spanned<String>>,
    border: Option<Spanned<String>>,
    border_focused: Option<Spanned<String>>,
    selection_bg: Option<Spanned<String>>,
    selection_fg: Option<Spanned<String>>,
    title_bg: Option<Spanned<String>>,
    title_fg: Option<Spanned<String>>,
    status_bg: Option<Spanned<String>>,
    status_fg: Option<Spanned<String>>,
    ok: Option<Spanned<String>>,
    warning: Option<Spanned<String>>,
    error: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPhase {
    color: Option<Spanned<String>>,
    symbol: Option<Spanned<String>>,
}

impl Default for Theme {
    fn default() -> Self {
        // The embedded default is covered by tests; fall back to a plain palette rather than panic.
        Theme::parse_over(BUILT_IN[0].1, "themes/default.toml", &Theme::plain())
            .unwrap_or_else(|_| Theme::plain())
    }
}

impl Theme {
    /// Resolves `--theme`: a path (contains `/` or ends in `.toml`), a theme in the user's themes
    /// dir, or a built-in name.
    pub fn resolve(
        name_or_path: &str,
        user_themes_dir: Option<&Path>,
    ) -> Result<Theme, ThemeError> {
        let looks_like_path = name_or_path.contains('/') || name_or_path.ends_with(".toml");
        if looks_like_path {
            return Theme::load(Path::new(name_or_path));
        }
        if let Some(dir) = user_themes_dir {
            let candidate = dir.join(format!("{name_or_path}.toml"));
            if candidate.is_file() {
                return Theme::load(&candidate);
            }
        }
        match BUILT_IN.iter().find(|(n, _)| *n == name_or_path) {
            Some((n, src)) => Theme::parse(src, &format!("themes/{n}.toml")),
            None => Err(ThemeError {
                file: name_or_path.to_owned(),
                line: 0,
                message: format!(
                    "unknown theme {name_or_path:?}; built-in themes: {}",
                    BUILT_IN.map(|(n, _)| n).join(", ")
                ),
            }),
        }
    }

    pub fn load(path: &Path) -> Result<Theme, ThemeError> {
        let text = std::fs::read_to_string(path).map_err(|e| ThemeError {
            file: path.display().to_string(),
            line: 0,
            message: format!("cannot read theme file: {e}"),
        })?;
        Theme::parse(&text, &path.display().to_string())
    }

    /// Parses a theme; keys it omits come from the default theme.
    pub fn parse(text: &str, file: &str) -> Result<Theme, ThemeError> {
        Theme::parse_over(text, file, &Theme::default())
    }

    fn parse_over(text: &str, file: &str, base: &Theme) -> Result<Theme, ThemeError> {
        let err = |offset: Option<usize>, message: String| ThemeError {
            file: file.to_owned(),
            line: offset.map_or(0, |o| text[..o.min(text.len())].matches('\n').count() + 1),
            message,
        };
        let raw: RawTheme = toml::from_str(text)
            .map_err(|e| err(e.span().map(|s| s.start), e.message().trim().to_owned()))?;
        let color = |field: &str, v: &Option<Spanned<String>>, fallback: Color| {
            match v {
            None => Ok(fallback),
            Some(s) => parse_color(s.get_ref()).ok_or_else(|| {
                err(
                    Some(s.span().start),
                    format!(
                        "{field}: invalid color {:?} (use a name like \"red\" or \"dark gray\", \"#rrggbb\", or 0-255)",
                        s.get_ref()
                    ),
                )
            }),
        }
        };
        let u = &raw.ui;
        let mut theme = Theme {
            name: raw.name.clone().unwrap_or_else(|| file.to_owned()),
            background: color("ui.background", &u.background, base.background)?,
            foreground: color("ui.foreground", &u.foreground, base.foreground)?,
            muted: color("ui.muted", &u.muted, base.muted)?,
            accent: color("ui.accent", &u.accent, base.accent)?,
            border: color("ui.border", &u.border, base.border)?,
            border_focused: color("ui.border_focused", &u.border_focused, base.border_focused)?,
            selection_bg: color("ui.selection_bg", &u.selection_bg, base.selection_bg)?,
            selection_fg: color("ui.selection_fg", &u.selection_fg, base.selection_fg)?,
            title_bg: color("ui.title_bg", &u.title_bg, base.title_bg)?,
            title_fg: color("ui.title_fg", &u.title_fg, base.title_fg)?,
            status_bg: color("ui.status_bg", &u.status_bg, base.status_bg)?,
            status_fg: color("ui.status_fg", &u.status_fg, base.status_fg)?,
            ok: color("ui.ok", &u.ok, base.ok)?,
            warning: color("ui.warning", &u.warning, base.warning)?,
            error: color("ui.error", &u.error, base.error)?,
            phases: base.phases.clone(),
            badges: base.badges.clone(),
        };
        for (key, symbol) in &raw.badge {
            let name = key.get_ref();
            let Some(badge) = Badge::ALL.iter().find(|b| b.key() == name) else {
                return Err(err(
                    Some(key.span().start),
                    format!(
                        "badge.{name}: unknown badge; expected one of {}",
                        Badge::ALL.map(Badge::key).join(", ")
                    ),
                ));
            };
            let sym = symbol.get_ref();
            let width = unicode_width::UnicodeWidthStr::width(sym.as_str());
            if !(1..=MAX_SYMBOL_WIDTH).contains(&width) || sym.chars().any(char::is_control) {
                return Err(err(
                    Some(symbol.span().start),
                    format!(
                        "badge.{name}: {sym:?} must be 1 to {MAX_SYMBOL_WIDTH} printable columns wide"
                    ),
                ));
            }
            theme.badges.insert(*badge, sym.clone());
        }
        for (key, raw_phase) in &raw.phase {
            let name = key.get_ref();
            if !Phase::COUNTED.contains(&name.as_str()) {
                return Err(err(
                    Some(key.span().start),
                    format!(
                        "phase.{name}: unknown phase; expected one of {}",
                        Phase::COUNTED.join(", ")
                    ),
                ));
            }
            let current = theme.phases.get(name).cloned().unwrap_or(PhaseStyle {
                color: theme.foreground,
                symbol: "•".into(),
            });
            let symbol = match &raw_phase.symbol {
                None => current.symbol,
                Some(s) => {
                    let sym = s.get_ref();
                    let width = unicode_width::UnicodeWidthStr::width(sym.as_str());
                    if width != 1 || sym.chars().any(char::is_control) {
                        return Err(err(
                            Some(s.span().start),
                            format!(
                                "phase.{name}.symbol: {sym:?} must be one printable column wide"
                            ),
                        ));
                    }
                    sym.clone()
                }
            };
            let style = PhaseStyle {
                color: color(
                    &format!("phase.{name}.color"),
                    &raw_phase.color,
                    current.color,
                )?,
                symbol,
            };
            theme.phases.insert(name.clone(), style);
        }
        Ok(theme)
    }

    /// A theme with no file behind it: terminal defaults and ASCII symbols.
    fn plain() -> Theme {
        let phases = Phase::COUNTED
            .iter()
            .map(|k| {
                (
                    (*k).to_owned(),
                    PhaseStyle {
                        color: Color::Reset,
                        symbol: "*".into(),
                    },
                )
            })
            .collect();
        Theme {
            name: "plain".into(),
            background: Color::Reset,
            foreground: Color::Reset,
            muted: Color::Reset,
            accent: Color::Reset,
            border: Color::Reset,
            border_focused: Color::Reset,
            selection_bg: Color::Reset,
            selection_fg: Color::Reset,
            title_bg: Color::Reset,
            title_fg: Color::Reset,
            status_bg: Color::Reset,
            status_fg: Color::Reset,
            ok: Color::Reset,
            warning: Color::Reset,
            error: Color::Reset,
            phases,
            badges: BTreeMap::new(),
        }
    }

    pub fn phase(&self, phase: &Phase) -> PhaseStyle {
        self.phases
            .get(phase.theme_key())
            .cloned()
            .unwrap_or(PhaseStyle {
                color: self.foreground,
                symbol: "?".into(),
            })
    }

    /// The symbol drawn for a badge.
    pub fn badge(&self, badge: Badge) -> &str {
        self.badges
            .get(&badge)
            .map_or(badge.default_symbol(), String::as_str)
    }

    /// The symbol and color of a legend entry.
    pub fn glyph(&self, glyph: Glyph) -> (String, Color) {
        match glyph {
            Glyph::Phase(key) => {
                let style = self.phases.get(key).cloned().unwrap_or(PhaseStyle {
                    color: self.foreground,
                    symbol: "?".into(),
                });
                (style.symbol, style.color)
            }
            Glyph::Badge(b) => (self.badge(b).to_owned(), self.badge_color(b)),
        }
    }

    /// The color a badge is drawn in.
    pub fn badge_color(&self, badge: Badge) -> Color {
        match badge {
            Badge::Stuck
            | Badge::ChecksPending
            | Badge::Revoked
            | Badge::Retry
            | Badge::Terminating
            | Badge::Retention
            | Badge::SwarmHeld
            | Badge::Reconcile => self.warning,
            Badge::Duplicate => self.error,
            Badge::Retained => self.ok,
            Badge::ChecksFailing
            | Badge::ReviewChanges
            | Badge::Conflict
            | Badge::LanePrFailing => self.error,
            Badge::ChecksPassing
            | Badge::ReviewApproved
            | Badge::Approved
            | Badge::LanePrMerged => self.ok,
            Badge::LanePrOpen | Badge::LanesLeft | Badge::LanesRight => self.accent,
            Badge::Branch
            | Badge::NoPr
            | Badge::ReviewRequired
            | Badge::Stale
            | Badge::MoreBelow => self.muted,
        }
    }

    pub fn base(&self) -> Style {
        Style::default().fg(self.foreground).bg(self.background)
    }

    pub fn muted(&self) -> Style {
        Style::default().fg(self.muted)
    }

    pub fn selected(&self) -> Style {
        Style::default()
            .fg(self.selection_fg)
            .bg(self.selection_bg)
            .add_modifier(Modifier::BOLD)
    }
}

fn parse_color(s: &str) -> Option<Color> {
    let s = s.trim();
    if s.is_empty() {
        return None;
    }
    Color::from_str(s).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn built_in_themes_parse_completely() {
        for (name, src) in BUILT_IN {
            let theme = Theme::parse_over(src, name, &Theme::plain())
                .unwrap_or_else(|e| panic!("{name}: {e}"));
            for key in Phase::COUNTED {
                assert_ne!(theme.phases[key].symbol, "*", "{name} lacks phase.{key}");
            }
            assert_eq!(theme.name, name);
        }
    }

    #[test]
    fn partial_theme_inherits_the_default() {
        let t = Theme::parse("[ui]\naccent = \"#ff0000\"\n", "mine.toml").expect("valid");
        assert_eq!(t.accent, Color::Rgb(255, 0, 0));
        assert_eq!(t.border, Theme::default().border);
    }

    #[test]
    fn bad_color_names_file_line_and_field() {
        let e = Theme::parse(
            "name = \"x\"\n[ui]\nmuted = \"grey\"\naccent = \"nope\"\n",
            "t.toml",
        )
        .expect_err("bad color");
        assert_eq!((e.file.as_str(), e.line), ("t.toml", 4));
        assert!(
            e.message.starts_with("ui.accent: invalid color \"nope\""),
            "{e}"
        );
    }

    #[test]
    fn bad_phase_and_symbol_and_syntax_are_reported() {
        let e = Theme::parse("[phase.runing]\ncolor = \"red\"\n", "t").expect_err("phase");
        assert!(e.message.contains("unknown phase"), "{e}");
        let e = Theme::parse("[phase.running]\nsymbol = \"ab\"\n", "t").expect_err("symbol");
        assert_eq!(e.line, 2);
        let e = Theme::parse("[ui\n", "t").expect_err("syntax");
        assert_eq!(e.line, 1);
        let e = Theme::parse("[ui]\nbackgroud = \"red\"\n", "t").expect_err("unknown key");
        assert!(e.message.contains("backgroud"), "{e}");
    }

    #[test]
    fn badges_come_from_the_theme_and_are_checked() {
        let t = Theme::parse("[badge]\nstuck = \"!!\"\n", "t").expect("valid");
        assert_eq!(t.badge(Badge::Stuck), "!!");
        assert_eq!(t.glyph(Glyph::Badge(Badge::Stuck)).0, "!!");
        assert_eq!(t.badge(Badge::Branch), "⎇");
        let e = Theme::parse("[badge]\nstuk = \"!\"\n", "t").expect_err("unknown");
        assert!(e.message.contains("badge.stuk: unknown badge"), "{e}");
        let e = Theme::parse("[badge]\nstale = \"\"\n", "t").expect_err("empty");
        assert_eq!(e.line, 2);
        let e = Theme::parse("[badge]\nstale = \"0123456789\"\n", "t").expect_err("wide");
        assert!(e.message.contains("1 to 9"), "{e}");
    }

    #[test]
    fn resolve_finds_built_ins_and_reports_unknown_names() {
        assert_eq!(Theme::resolve("light", None).expect("light").name, "light");
        let e = Theme::resolve("solarized", None).expect_err("unknown");
        assert!(e.message.contains("default, light, high-contrast"), "{e}");
    }
}

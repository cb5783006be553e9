//! Toasts: one-line notices in the status line ("approved", "theme light", "launch refused…"),
//! each gone after [`TOAST_SECONDS`]. Any flow shows one with [`show`]; the status line draws
//! [`Toasts::current`].
use super::state::State;
use chrono::{DateTime, Utc};

/// How long a toast stays in the status line.
pub const TOAST_SECONDS: i64 = 12;

/// A short message for the status line, gone after [`TOAST_SECONDS`].
#[derive(Debug, Clone, PartialEq)]
pub struct Toast {
    pub text: String,
    pub until: DateTime<Utc>,
}

/// The toast on screen (a newer one replaces it: the status line has room for one).
#[derive(Debug, Clone, Default)]
pub struct Toasts {
    latest: Option<Toast>,
}

impl Toasts {
    /// The toast, while it lasts.
    pub fn current(&self, now: DateTime<Utc>) -> Option<&str> {
        self.latest
            .as_ref()
            .filter(|t| !crate::domain::clock::reached(now, t.until))
            .map(|t| t.text.as_str())
    }

    /// When the toast on screen goes away (the runtime redraws then).
    pub fn expires_at(&self) -> Option<DateTime<Utc>> {
        self.latest.as_ref().map(|t| t.until)
    }
}

/// Shows `text` in the status line for a few seconds, made safe to draw on one line.
pub fn show(state: &mut State, text: impl Into<String>) {
    let until = state.now + chrono::Duration::seconds(TOAST_SECONDS);
    let text = crate::domain::sanitize::one_line(&text.into());
    state.toasts.latest = Some(Toast { text, until });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_toast_lasts_its_seconds_and_is_one_safe_line() {
        let now = Utc::now();
        let mut s = State::new(Default::default(), Default::default(), now);
        show(&mut s, "two\nlines \u{202e}evil");
        let text = s.toasts.current(now).expect("shown").to_owned();
        assert!(
            !text.contains('\n') && !text.contains('\u{202e}'),
            "{text:?}"
        );
        let later = now + chrono::Duration::seconds(TOAST_SECONDS);
        assert_eq!(s.toasts.current(later), None);
        assert_eq!(s.toasts.expires_at(), Some(later));
    }
}

//! The phase a card shows. The controller writes a plain string; anything it may add later must
//! display as-is rather than crash.
use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Phase {
    /// Accepted but not started (or no status yet).
    Pending,
    /// Pending because of a `Blocked` condition (ConcurrencyLimit, QueueLimit, RateLimit).
    Blocked,
    Running,
    Succeeded,
    Failed,
    Cancelled,
    /// A template run (never submitted).
    Template,
    /// A work item with no run launched yet.
    NotLaunched,
    /// A phase this version does not know, shown verbatim.
    Unknown(String),
}

impl Phase {
    /// Parses the controller's `status.phase`; `None`/empty means the controller has not reported yet.
    pub fn parse(raw: Option<&str>) -> Phase {
        match raw.map(str::trim) {
            None | Some("") => Phase::Pending,
            Some(s) => match s.to_ascii_lowercase().as_str() {
                "pending" => Phase::Pending,
                "running" => Phase::Running,
                "succeeded" => Phase::Succeeded,
                "failed" => Phase::Failed,
                "cancelled" | "canceled" => Phase::Cancelled,
                "template" => Phase::Template,
                "blocked" => Phase::Blocked,
                _ => Phase::Unknown(super::sanitize::one_line(&super::sanitize::truncate_chars(
                    s, 40,
                ))),
            },
        }
    }

    pub fn label(&self) -> &str {
        match self {
            Phase::Pending => "Pending",
            Phase::Blocked => "Blocked",
            Phase::Running => "Running",
            Phase::Succeeded => "Succeeded",
            Phase::Failed => "Failed",
            Phase::Cancelled => "Cancelled",
            Phase::Template => "Template",
            Phase::NotLaunched => "Not launched",
            Phase::Unknown(s) => s,
        }
    }

    /// Key used by themes to pick a color and symbol.
    pub fn theme_key(&self) -> &'static str {
        match self {
            Phase::Pending => "pending",
            Phase::Blocked => "blocked",
            Phase::Running => "running",
            Phase::Succeeded => "succeeded",
            Phase::Failed => "failed",
            Phase::Cancelled => "cancelled",
            Phase::Template => "template",
            Phase::NotLaunched => "not_launched",
            Phase::Unknown(_) => "unknown",
        }
    }

    /// Finished runs show their duration; active ones their age.
    pub fn is_terminal(&self) -> bool {
        matches!(self, Phase::Succeeded | Phase::Failed | Phase::Cancelled)
    }

    /// In flight: holds a head branch and lane paths (used by checks and counts).
    pub fn is_in_flight(&self) -> bool {
        matches!(
            self,
            Phase::Pending | Phase::Blocked | Phase::Running | Phase::Unknown(_)
        )
    }

    /// Order of cards within a lane: what needs attention first.
    pub fn attention_rank(&self) -> u8 {
        match self {
            Phase::Failed => 0,
            Phase::Blocked => 1,
            Phase::Running => 2,
            Phase::Pending => 3,
            Phase::Unknown(_) => 4,
            Phase::NotLaunched => 5,
            Phase::Succeeded => 6,
            Phase::Cancelled => 7,
            Phase::Template => 8,
        }
    }

    /// The fixed order of phase counts in column headers.
    pub const COUNTED: [&'static str; 9] = [
        "running",
        "pending",
        "blocked",
        "failed",
        "succeeded",
        "cancelled",
        "template",
        "not_launched",
        "unknown",
    ];
}

impl fmt::Display for Phase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_known_and_unknown_phases() {
        assert_eq!(Phase::parse(Some("Running")), Phase::Running);
        assert_eq!(Phase::parse(Some("canceled")), Phase::Cancelled);
        assert_eq!(Phase::parse(None), Phase::Pending);
        assert_eq!(Phase::parse(Some("  ")), Phase::Pending);
        assert_eq!(
            Phase::parse(Some("Hibernating")),
            Phase::Unknown("Hibernating".into())
        );
        assert_eq!(Phase::parse(Some("bad\x1b[2J")).label(), "bad␛[2J");
    }
}

/// One phase change seen at a time, packed into 8 bytes (milliseconds since the epoch and the
/// phase's kind): under churn a 10,000-run board keeps up to 16 of these per run, where
/// `(DateTime<Utc>, Phase)` took 40 bytes each. A phase this version does not know is kept as
/// "unknown", without its text (the run itself still shows the text).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Seen(u64);

const KNOWN: [Phase; 8] = [
    Phase::Pending,
    Phase::Blocked,
    Phase::Running,
    Phase::Succeeded,
    Phase::Failed,
    Phase::Cancelled,
    Phase::Template,
    Phase::NotLaunched,
];

impl Seen {
    pub fn new(at: chrono::DateTime<chrono::Utc>, phase: &Phase) -> Seen {
        let code = KNOWN.iter().position(|k| k == phase).unwrap_or(KNOWN.len()) as u64;
        // 56 bits of signed milliseconds: ±1 million years around 1970.
        Seen(((at.timestamp_millis() as u64) << 8) | code)
    }

    pub fn at(self) -> chrono::DateTime<chrono::Utc> {
        let millis = (self.0 as i64) >> 8;
        chrono::DateTime::from_timestamp_millis(millis).unwrap_or_default()
    }

    pub fn phase(self) -> Phase {
        KNOWN
            .get((self.0 & 0xff) as usize)
            .cloned()
            .unwrap_or_else(|| Phase::Unknown("unknown".into()))
    }
}

#[cfg(test)]
mod seen_tests {
    use super::*;
    use chrono::{TimeZone, Utc};

    #[test]
    fn a_seen_phase_is_eight_bytes_and_round_trips() {
        assert_eq!(std::mem::size_of::<Seen>(), 8);
        let times = [
            Utc.with_ymd_and_hms(2026, 2, 10, 12, 0, 0).unwrap()
                + chrono::Duration::milliseconds(123),
            Utc.with_ymd_and_hms(1969, 7, 20, 20, 17, 40).unwrap(),
            chrono::DateTime::UNIX_EPOCH,
        ];
        for at in times {
            for phase in KNOWN {
                let seen = Seen::new(at, &phase);
                assert_eq!((seen.at(), seen.phase()), (at, phase));
            }
            let odd = Seen::new(at, &Phase::Unknown("Quiescing".into()));
            assert_eq!(odd.at(), at);
            assert_eq!(odd.phase(), Phase::Unknown("unknown".into()));
        }
    }
}

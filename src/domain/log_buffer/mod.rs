//! The log viewer's pure core: turning untrusted log bytes into safe display text, the bounded ring
//! buffer of lines, de-duplication across reconnects, search and filter, wrapping, and the
//! follow/scroll state. No I/O and no terminal: the source task and the view both build on this.
//!
//! Memory: lines live in chunks of [`CHUNK_LINES`] (one `String` of text plus packed offsets and
//! timestamps per chunk), so a buffered line costs its text plus 13 bytes; 1,000,000 lines of 100
//! bytes fit in ~115 MB. The oldest lines are dropped once `max_lines` or `max_bytes` is exceeded,
//! and the count of dropped lines is kept for the visible marker.
use regex::{Regex, RegexBuilder};
use std::collections::{BTreeMap, HashMap, VecDeque};
use std::hash::{Hash, Hasher};
use unicode_width::UnicodeWidthChar;

/// A stored line is at most this long; a longer line is kept as several segments, each after the
/// first flagged [`LineFlags::CONTINUATION`] (so a 1 MB line costs 32 rows of bounded work).
pub const MAX_SEGMENT_BYTES: usize = 32 * 1024;
/// A raw line longer than this is cut (with a visible note of how much): bounds the reader.
pub const MAX_RAW_LINE_BYTES: usize = 4 * 1024 * 1024;
/// Lines per storage chunk.
pub const CHUNK_LINES: usize = 1024;
/// Tab stops every this many columns.
const TAB: usize = 8;
/// "No timestamp" in the packed timestamp column.
const NO_TS: i64 = i64::MIN;

mod lines;
mod ring;
mod scroll;
mod search;
mod text;
mod wrap;

pub use lines::*;
pub use ring::*;
pub use scroll::*;
pub use search::*;
pub use text::*;
pub use wrap::*;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sgr_sequences_become_styles_and_other_escapes_stay_visible() {
        let mut out = String::new();
        let mut runs = Vec::new();
        sanitize_into(
            b"ok \x1b[1;32mPASS\x1b[0m \x1b[2Jx\x07\x1b]0;title\x07",
            &mut out,
            &mut runs,
        );
        assert_eq!(out, "ok PASS ␛[2Jx␇␛]0;title␇");
        assert_eq!(runs.len(), 2);
        assert_eq!(runs[0].start, 3);
        assert!(runs[0].sgr.bold);
        assert_eq!(runs[0].sgr.fg, SgrColor::Indexed(2));
        assert_eq!(runs[1].start, 7);
        assert!(runs[1].sgr.is_plain());
    }

    #[test]
    fn timestamps_parse_as_the_kubelet_writes_them() {
        let (ts, rest) = split_timestamp(b"2026-02-10T12:00:00.5Z hello world");
        assert_eq!(rest, b"hello world");
        assert_eq!(
            format_timestamp(ts.expect("ts")),
            "2026-02-10T12:00:00.500000000Z"
        );
        assert_eq!(split_timestamp(b"not a timestamp at all").0, None);
        assert_eq!(split_timestamp(b"2026-02-10T12:00:00Z").1, b"");
    }
}

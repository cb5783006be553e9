//! Pure tests of the log view's core: the ring buffer, sanitizing, line splitting, de-duplication
//! across reconnects, search, filter, wrapping and the follow/scroll state.
use proptest::prelude::*;
use std::collections::VecDeque;
use swarm_cockpit::domain::log_buffer::*;

fn batch(lines: impl IntoIterator<Item = String>) -> LineBatch {
    let mut b = LineBatch::default();
    for l in lines {
        b.push_str(None, &l);
    }
    b
}

fn texts(buf: &LogBuffer) -> Vec<String> {
    buf.range(buf.first_seq(), buf.end_seq())
        .map(|l| l.text.to_owned())
        .collect()
}

#[test]
fn ring_buffer_keeps_the_newest_lines_and_counts_the_dropped() {
    let mut buf = LogBuffer::new(2500, usize::MAX);
    for chunk in 0..10 {
        buf.append(&batch(
            (0..1000).map(|i| format!("line {}", chunk * 1000 + i)),
        ));
    }
    assert_eq!(buf.len(), 2500);
    assert_eq!(buf.dropped(), 7500);
    assert_eq!(buf.first_seq(), 7500);
    assert_eq!(buf.end_seq(), 10_000);
    assert_eq!(buf.line(7500).expect("first kept").text, "line 7500");
    assert_eq!(buf.line(9999).expect("last").text, "line 9999");
    assert!(buf.line(7499).is_none(), "dropped lines are gone");
    let bytes: usize = texts(&buf).iter().map(String::len).sum();
    assert_eq!(buf.bytes(), bytes);
}

#[test]
fn the_byte_budget_drops_old_lines_too() {
    let mut buf = LogBuffer::new(usize::MAX, 10_000);
    buf.append(&batch((0..1000).map(|i| format!("{i:099}"))));
    assert!(buf.bytes() <= 10_000, "{}", buf.bytes());
    assert_eq!(buf.len(), 101, "10,000 bytes hold 101 lines of 99");
    assert_eq!(
        buf.line(buf.end_seq() - 1).expect("last").text,
        format!("{:099}", 999)
    );
}

#[test]
fn colors_survive_eviction_only_for_kept_lines() {
    let mut buf = LogBuffer::new(3, usize::MAX);
    let mut b = LineBatch::default();
    for i in 0..6 {
        b.push(None, format!("\x1b[31mred {i}\x1b[0m").as_bytes(), 0);
    }
    buf.append(&b);
    let last = buf.line(5).expect("kept");
    assert_eq!(last.text, "red 5");
    assert_eq!(last.styles.len(), 2);
    assert_eq!(last.styles[0].sgr.fg, SgrColor::Indexed(1));
}

#[test]
fn hostile_text_is_inert_invalid_utf8_is_lossy() {
    let mut out = String::new();
    let mut runs = Vec::new();
    sanitize_into(
        b"\x1b]52;c;ZXZpbA==\x07 \x1b[?1049h \x9b2J bad\xff\xfe tab\there \x08\x7f \xe2\x80\xae rtl",
        &mut out,
        &mut runs,
    );
    assert!(!out.chars().any(|c| c.is_control()), "{out:?}");
    assert!(out.contains("␛]52;c;ZXZpbA==␇"), "{out}");
    assert!(out.contains("␛[?1049h"), "{out}");
    assert!(out.contains("bad��"), "{out}");
    assert!(out.contains("␈␡"), "{out}");
    assert!(!out.contains('\u{202e}'), "bidi overrides are neutralized");
    assert!(runs.is_empty(), "no SGR here: {runs:?}");
    let mut out = String::new();
    sanitize_into(b"a\tb\t\x1b[1mc", &mut out, &mut runs);
    assert_eq!(
        out, "a       b       c",
        "tabs expand to the next stop of 8"
    );
}

proptest! {
    /// Whatever the bytes, what is stored has no control character and SGR runs stay in bounds.
    #[test]
    fn any_bytes_sanitize_to_printable_text(raw in proptest::collection::vec(any::<u8>(), 0..400)) {
        let mut b = LineBatch::default();
        b.push(None, &raw, 0);
        let mut buf = LogBuffer::new(10, usize::MAX);
        buf.append(&b);
        for line in buf.range(0, buf.end_seq()) {
            prop_assert!(!line.text.chars().any(|c| c.is_control()));
            for r in line.styles {
                prop_assert!((r.start as usize) <= line.text.len());
            }
        }
    }

    /// Dedup across any reconnect point: the delivered lines are exactly the log, once each.
    #[test]
    fn reconnect_anywhere_loses_and_duplicates_nothing(
        n in 1usize..120,
        cuts in proptest::collection::vec(0usize..120, 1..4),
        same_second in 1i64..5,
    ) {
        // Several lines share a timestamp (same_second of them per tick), some texts repeat.
        let log: Vec<(i64, String)> = (0..n)
            .map(|i| ((i as i64 / same_second) * 250_000_000, format!("msg {}", i % 7)))
            .collect();
        let mut dedup = Dedup::default();
        let mut got: Vec<(i64, String)> = Vec::new();
        let mut pos = 0;
        let mut cuts = cuts.clone();
        cuts.sort();
        cuts.push(n);
        for cut in cuts {
            let cut = cut.clamp(pos, n);
            dedup.start_replay();
            // The server replays from sinceTime (a second before the last timestamp) on.
            let since = dedup.resume_since();
            for (ts, text) in log.iter().take(cut).filter(|(ts, _)| since.is_none_or(|s| *ts >= s)) {
                if dedup.admit(Some(*ts), text.as_bytes()) {
                    got.push((*ts, text.clone()));
                }
            }
            pos = cut;
        }
        prop_assert_eq!(got, log);
    }
}

#[test]
fn replay_without_timestamps_skips_what_was_seen() {
    let mut d = Dedup::default();
    for l in ["a", "b", "c"] {
        assert!(d.admit(None, l.as_bytes()));
    }
    d.start_replay();
    let replay: Vec<bool> = ["a", "b", "c", "d", "a"]
        .iter()
        .map(|l| d.admit(None, l.as_bytes()))
        .collect();
    assert_eq!(replay, [false, false, false, true, true]);
}

#[test]
fn resume_since_overlaps_by_at_least_a_second() {
    let mut d = Dedup::default();
    assert_eq!(d.resume_since(), None);
    d.admit(Some(10_700_000_000), b"x");
    assert_eq!(d.resume_since(), Some(9_000_000_000));
}

#[test]
fn splitter_handles_chunks_crlf_and_caps_huge_lines() {
    let mut s = LineSplitter::default();
    let mut lines: Vec<(Vec<u8>, usize)> = Vec::new();
    for chunk in [&b"one\r\ntw"[..], b"o\nthr", b"ee\n", b"tail"] {
        s.feed(chunk, |l| lines.push((l.bytes.to_vec(), l.cut)));
    }
    assert_eq!(
        lines,
        [
            (b"one".to_vec(), 0),
            (b"two".to_vec(), 0),
            (b"three".to_vec(), 0)
        ]
    );
    assert!(s.has_partial());
    s.finish(|l| lines.push((l.bytes.to_vec(), l.cut)));
    assert_eq!(lines[3], (b"tail".to_vec(), 0));

    let mut s = LineSplitter::default();
    let huge = vec![b'x'; MAX_RAW_LINE_BYTES + 10];
    let mut got = Vec::new();
    for piece in huge.chunks(1 << 20) {
        s.feed(piece, |l| got.push((l.bytes.len(), l.cut)));
    }
    s.feed(b"\nnext\n", |l| got.push((l.bytes.len(), l.cut)));
    assert_eq!(got, [(MAX_RAW_LINE_BYTES, 10), (4, 0)]);
}

#[test]
fn long_lines_are_segmented_and_rejoined_on_export() {
    let long = "y".repeat(MAX_SEGMENT_BYTES * 2 + 5);
    let mut b = LineBatch::default();
    b.push_str(Some(1_000_000_000), &long);
    b.push_str(Some(2_000_000_000), "short");
    assert_eq!(b.len(), 4);
    let mut buf = LogBuffer::new(100, usize::MAX);
    buf.append(&b);
    assert!(!buf.line(0).expect("seg").continuation);
    assert!(buf.line(1).expect("seg").continuation);
    assert_eq!(buf.full_line(2).expect("whole"), long);
    let out = buf.export(None, true);
    assert_eq!(
        out,
        format!("1970-01-01T00:00:01.000000000Z {long}\n1970-01-01T00:00:02.000000000Z short\n")
    );
}

#[test]
fn search_is_smart_case_regex_with_a_literal_fallback() {
    let s = Search::new("err(or)?");
    assert!(s.is_match("an ERROR here"));
    assert_eq!(s.matches("err x error"), [(0, 3), (6, 11)]);
    let s = Search::new("Error");
    assert!(!s.is_match("an error"), "a capital makes it case-sensitive");
    let s = Search::new("a[b");
    assert!(s.error.is_some());
    assert!(s.is_match("x a[b y"), "invalid regex searched as text");
}

#[test]
fn filter_index_follows_appends_and_drops() {
    let mut buf = LogBuffer::new(10, usize::MAX);
    let search = Search::new("even");
    let mut idx = FilterIndex::default();
    let mut inv = FilterIndex::default();
    for round in 0..3 {
        buf.append(&batch((0..6).map(|i| {
            let n = round * 6 + i;
            format!("{n} {}", if n % 2 == 0 { "even" } else { "odd" })
        })));
        idx.catch_up(&buf, &search, false);
        inv.catch_up(&buf, &search, true);
    }
    assert_eq!(idx.seqs, VecDeque::from(vec![8, 10, 12, 14, 16]));
    assert_eq!(inv.seqs, VecDeque::from(vec![9, 11, 13, 15, 17]));
    let filtered = buf.export(Some(&idx.seqs), false);
    assert_eq!(filtered.lines().count(), 5);
    assert!(filtered.lines().all(|l| l.ends_with("even")));
}

#[test]
fn wrapping_respects_wide_characters_and_is_cached_per_width() {
    assert!(wrap_points("short", 10).is_empty());
    assert_eq!(wrap_points("abcdefghij", 4), [4, 8]);
    // Each 日 is 2 columns and 3 bytes: three fit in 7 columns.
    assert_eq!(wrap_points("日日日日日", 7), [9]);
    let mut buf = LogBuffer::new(10, usize::MAX);
    buf.append(&batch(["x".repeat(25)]));
    let line = buf.line(0).expect("line");
    let mut cache = WrapCache::default();
    assert_eq!(cache.rows(&line, 10), 3);
    assert_eq!(cache.row_range(&line, 10, 2), (20, 25));
    assert_eq!(cache.len(), 1);
    assert_eq!(cache.rows(&line, 5), 5);
    assert_eq!(cache.len(), 1, "a new width starts a new cache");
}

/// A view over `rows_per_line` (entry i takes that many rows), seqs offset by 100.
struct Fixed(Vec<usize>);

impl Rows for Fixed {
    fn count(&self) -> usize {
        self.0.len()
    }
    fn seq_at(&self, index: usize) -> u64 {
        100 + index as u64
    }
    fn index_of(&self, seq: u64) -> usize {
        (seq.saturating_sub(100) as usize).min(self.0.len())
    }
    fn rows(&self, index: usize) -> usize {
        self.0[index]
    }
}

#[test]
fn follow_shows_the_end_and_scrolling_up_pauses_it() {
    let mut rows = Fixed(vec![1; 50]);
    let mut s = Scroll::default();
    assert_eq!(s.visible(&rows, 10).first(), Some(&(40, 0)));
    s.up(&rows, 10, 3);
    assert!(!s.follow, "scrolling up pauses following");
    assert_eq!(s.visible(&rows, 10).first(), Some(&(37, 0)));
    // New lines arrive: a paused view stays where it is.
    rows.0.extend([1; 20]);
    assert_eq!(s.visible(&rows, 10).first(), Some(&(37, 0)));
    // Scrolling down to the end does not resume following; G does.
    s.down(&rows, 10, 1000);
    assert!(!s.follow);
    assert_eq!(s.visible(&rows, 10).first(), Some(&(60, 0)));
    rows.0.extend([1; 5]);
    assert_eq!(s.visible(&rows, 10).first(), Some(&(60, 0)));
    s.to_bottom();
    assert!(s.follow);
    assert_eq!(s.visible(&rows, 10).first(), Some(&(65, 0)));
    s.to_top(&rows);
    assert_eq!(s.visible(&rows, 10).first(), Some(&(0, 0)));
}

#[test]
fn scrolling_moves_through_wrapped_rows() {
    let rows = Fixed(vec![1, 4, 1, 3, 1, 1, 1, 1]);
    let mut s = Scroll::default();
    // 13 rows, height 5: following shows the last 5 rows.
    assert_eq!(
        s.visible(&rows, 5),
        [(3, 2), (4, 0), (5, 0), (6, 0), (7, 0)]
    );
    s.up(&rows, 5, 4);
    assert_eq!(s.visible(&rows, 5)[0], (1, 3));
    s.up(&rows, 5, 2);
    assert_eq!(s.visible(&rows, 5)[0], (1, 1));
    s.down(&rows, 5, 3);
    assert_eq!(s.visible(&rows, 5)[0], (2, 0));
    s.up(&rows, 5, 100);
    assert_eq!(s.visible(&rows, 5)[0], (0, 0));
    // Everything fits: always from the top.
    let small = Fixed(vec![1, 2]);
    assert_eq!(
        Scroll::default().visible(&small, 5),
        [(0, 0), (1, 0), (1, 1)]
    );
}

#[test]
fn reveal_brings_a_line_into_view_and_pins_it() {
    let rows = Fixed(vec![1; 100]);
    let mut s = Scroll::default();
    s.reveal(&rows, 9, 30);
    assert!(!s.follow);
    let visible = s.visible(&rows, 9);
    assert!(visible.iter().any(|(i, _)| *i == 30));
    assert_eq!(visible[0], (27, 0), "a third from the top");
    // Already visible: stays put.
    s.reveal(&rows, 9, 32);
    assert_eq!(s.visible(&rows, 9)[0], (27, 0));
}

#[test]
fn a_one_megabyte_line_is_bounded_work() {
    let mut b = LineBatch::default();
    let huge: String = "0123456789abcdef".repeat(64 * 1024 + 7);
    let started = std::time::Instant::now();
    b.push_str(None, &huge);
    let mut buf = LogBuffer::new(1000, usize::MAX);
    buf.append(&b);
    let mut cache = WrapCache::default();
    let rows: usize = buf
        .range(0, buf.end_seq())
        .map(|l| cache.rows(&l, 80))
        .sum();
    assert_eq!(rows, rows_of_segments(&buf, 80));
    assert!(buf.len() >= 32, "split into segments: {}", buf.len());
    assert!(
        started.elapsed() < std::time::Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
}

/// Rows of every segment wrapped separately.
fn rows_of_segments(buf: &LogBuffer, width: usize) -> usize {
    buf.range(0, buf.end_seq())
        .map(|l| l.text.len().div_ceil(width).max(1))
        .sum()
}

/// Found by the property above: a line that is only a newline (or ends in one) took the fast
/// path and kept its control character.
#[test]
fn a_lone_newline_is_shown_as_its_picture() {
    let mut b = LineBatch::default();
    b.push(None, b"done\n", 0);
    let mut buf = LogBuffer::new(10, usize::MAX);
    buf.append(&b);
    let lines: Vec<String> = buf
        .range(0, buf.end_seq())
        .map(|l| l.text.to_string())
        .collect();
    assert_eq!(lines, vec!["done␊".to_owned()]);
}

//! From a byte stream to lines: splitting (with caps), de-duplication across reconnects, and the batches a source sends to the app.
use super::*;

/// Splits a byte stream into lines without ever holding more than [`MAX_RAW_LINE_BYTES`] of one
/// line: the excess of a longer line is skipped and counted.
#[derive(Debug, Default)]
pub struct LineSplitter {
    partial: Vec<u8>,
    /// Bytes of the current line skipped past the cap.
    cut: usize,
}

/// A complete raw line from [`LineSplitter`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RawLine<'a> {
    pub bytes: &'a [u8],
    /// Bytes cut from the end of this line (over the cap).
    pub cut: usize,
}

impl LineSplitter {
    /// Feeds bytes; calls `emit` for each complete line (without its `\n` or `\r\n`).
    pub fn feed(&mut self, mut data: &[u8], mut emit: impl FnMut(RawLine<'_>)) {
        while !data.is_empty() {
            match memchr::memchr(b'\n', data) {
                Some(nl) => {
                    let piece = &data[..nl];
                    if self.partial.is_empty() && self.cut == 0 {
                        emit(RawLine {
                            bytes: strip_cr(cap(piece)),
                            cut: piece.len().saturating_sub(MAX_RAW_LINE_BYTES),
                        });
                    } else {
                        self.push_partial(piece);
                        emit(RawLine {
                            bytes: strip_cr(&self.partial),
                            cut: self.cut,
                        });
                        self.partial.clear();
                        self.cut = 0;
                    }
                    data = &data[nl + 1..];
                }
                None => {
                    self.push_partial(data);
                    data = &[];
                }
            }
        }
    }

    fn push_partial(&mut self, piece: &[u8]) {
        let room = MAX_RAW_LINE_BYTES - self.partial.len();
        let take = piece.len().min(room);
        self.partial.extend_from_slice(&piece[..take]);
        self.cut += piece.len() - take;
    }

    /// An unterminated last line, if any (for a stream that ended for good).
    pub fn finish(&mut self, mut emit: impl FnMut(RawLine<'_>)) {
        if !self.partial.is_empty() || self.cut > 0 {
            emit(RawLine {
                bytes: strip_cr(&self.partial),
                cut: self.cut,
            });
        }
        self.discard();
    }

    /// Forgets an unterminated line (the connection dropped mid-line: it will be read again).
    pub fn discard(&mut self) {
        self.partial.clear();
        self.cut = 0;
    }

    pub fn has_partial(&self) -> bool {
        !self.partial.is_empty() || self.cut > 0
    }
}

pub(super) fn cap(piece: &[u8]) -> &[u8] {
    &piece[..piece.len().min(MAX_RAW_LINE_BYTES)]
}

pub(super) fn strip_cr(line: &[u8]) -> &[u8] {
    line.strip_suffix(b"\r").unwrap_or(line)
}

/// Remembers where a stream was so a reconnect (asked `sinceTime` = a second before the last
/// timestamp, so it overlaps) delivers neither a duplicate nor a gap: replayed lines older than the
/// last one seen are dropped, and at the last timestamp itself only lines not seen yet are kept.
/// Lines without a timestamp fall back to dropping a replayed prefix of recently seen lines.
#[derive(Debug, Clone, Default)]
pub struct Dedup {
    last_ts: Option<i64>,
    /// Hashes of the lines delivered with timestamp `last_ts`.
    at_last: Vec<u64>,
    /// During a replay: the lines at `last_ts` not seen again yet.
    pending_at_last: Vec<u64>,
    replaying: bool,
    recent_plain: VecDeque<u64>,
    replaying_plain: bool,
}

pub(super) const RECENT_PLAIN: usize = 1024;
pub(super) const MAX_AT_LAST: usize = 4096;

impl Dedup {
    /// The `sinceTime` for a reconnect (nanoseconds): whole seconds, a second before the last
    /// line, so the replay overlaps whatever the server rounds.
    pub fn resume_since(&self) -> Option<i64> {
        let ts = self.last_ts?;
        let second = 1_000_000_000;
        Some(ts.div_euclid(second) * second - second)
    }

    pub fn last_timestamp(&self) -> Option<i64> {
        self.last_ts
    }

    /// A new connection begins: what it replays is compared against what was delivered.
    pub fn start_replay(&mut self) {
        self.replaying = self.last_ts.is_some();
        self.pending_at_last = self.at_last.clone();
        self.replaying_plain = !self.recent_plain.is_empty();
    }

    /// Should this line (timestamp, content without it) be delivered?
    pub fn admit(&mut self, ts: Option<i64>, content: &[u8]) -> bool {
        let hash = hash_bytes(content);
        match ts {
            Some(t) => {
                if self.replaying
                    && let Some(last) = self.last_ts
                {
                    if t < last {
                        return false;
                    }
                    if t == last {
                        if let Some(i) = self.pending_at_last.iter().position(|h| *h == hash) {
                            self.pending_at_last.swap_remove(i);
                            return false;
                        }
                    } else {
                        self.replaying = false;
                    }
                }
                match self.last_ts {
                    Some(last) if t == last => {
                        if self.at_last.len() < MAX_AT_LAST {
                            self.at_last.push(hash);
                        }
                    }
                    Some(last) if t < last => {} // out of order (stdout vs stderr): keep it
                    _ => {
                        self.last_ts = Some(t);
                        self.at_last.clear();
                        self.at_last.push(hash);
                    }
                }
                self.replaying_plain = false;
                true
            }
            None => {
                if self.replaying_plain {
                    if self.recent_plain.contains(&hash) {
                        return false;
                    }
                    self.replaying_plain = false;
                }
                if self.recent_plain.len() == RECENT_PLAIN {
                    self.recent_plain.pop_front();
                }
                self.recent_plain.push_back(hash);
                true
            }
        }
    }
}

/// Flags of a stored line.
pub struct LineFlags;

impl LineFlags {
    /// This segment continues the previous line (the line was longer than a segment).
    pub const CONTINUATION: u8 = 1;
}

/// Lines ready to append: already sanitized (by the source task, off the UI thread), packed into
/// one string.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LineBatch {
    pub text: String,
    /// End offset in `text` of each line.
    pub ends: Vec<u32>,
    /// Timestamp of each line (nanoseconds), `i64::MIN` for none.
    pub ts: Vec<i64>,
    pub flags: Vec<u8>,
    /// Style runs of colored lines: (index in this batch, runs).
    pub styles: Vec<(u32, Box<[StyleRun]>)>,
}

impl LineBatch {
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    pub fn bytes(&self) -> usize {
        self.text.len()
    }

    /// Adds one raw line (timestamp already split off), sanitized and cut into segments.
    pub fn push(&mut self, ts: Option<i64>, content: &[u8], cut: usize) {
        let start = self.text.len();
        let mut runs = Vec::new();
        sanitize_into(content, &mut self.text, &mut runs);
        if cut > 0 {
            self.text.push_str(&format!(" … [{cut} more bytes cut]"));
        }
        let ts = ts.unwrap_or(NO_TS);
        let end = self.text.len();
        if end - start <= MAX_SEGMENT_BYTES {
            self.push_segment(end, ts, 0, &runs, start);
            return;
        }
        let mut seg_start = start;
        let mut flags = 0;
        while seg_start < end {
            let mut seg_end = (seg_start + MAX_SEGMENT_BYTES).min(end);
            while !self.text.is_char_boundary(seg_end) {
                seg_end -= 1;
            }
            // Runs inside this segment, rebased; the style in force at its start carries over.
            let rel_start = (seg_start - start) as u32;
            let rel_end = (seg_end - start) as u32;
            let mut seg_runs: Vec<StyleRun> = Vec::new();
            if let Some(active) = runs.iter().rev().find(|r| r.start <= rel_start)
                && !active.sgr.is_plain()
            {
                seg_runs.push(StyleRun {
                    start: 0,
                    sgr: active.sgr,
                });
            }
            seg_runs.extend(
                runs.iter()
                    .filter(|r| r.start > rel_start && r.start < rel_end)
                    .map(|r| StyleRun {
                        start: r.start - rel_start,
                        sgr: r.sgr,
                    }),
            );
            self.push_segment(seg_end, ts, flags, &seg_runs, seg_start);
            flags = LineFlags::CONTINUATION;
            seg_start = seg_end;
        }
    }

    fn push_segment(&mut self, end: usize, ts: i64, flags: u8, runs: &[StyleRun], _start: usize) {
        if !runs.is_empty() {
            self.styles.push((self.ends.len() as u32, runs.into()));
        }
        self.ends.push(end as u32);
        self.ts.push(ts);
        self.flags.push(flags);
    }

    /// Parses one raw line as the kubelet sends it with `timestamps=true` and adds it.
    pub fn push_raw(&mut self, raw: RawLine<'_>) {
        let (ts, content) = split_timestamp(raw.bytes);
        self.push(ts, content, raw.cut);
    }

    /// Adds plain, trusted-shape text lines (tests, the demo, markers).
    pub fn push_str(&mut self, ts: Option<i64>, line: &str) {
        self.push(ts, line.as_bytes(), 0);
    }
}

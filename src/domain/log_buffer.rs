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

// ---------------------------------------------------------------------------------------------
// Colors: a safe SGR subset
// ---------------------------------------------------------------------------------------------

/// A color named by an SGR sequence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SgrColor {
    #[default]
    Default,
    /// 0–255 (0–15 are the ANSI colors).
    Indexed(u8),
    Rgb(u8, u8, u8),
}

/// Text attributes from SGR sequences; only these are ever kept, everything else is shown inert.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Sgr {
    pub fg: SgrColor,
    pub bg: SgrColor,
    pub bold: bool,
    pub dim: bool,
    pub italic: bool,
    pub underline: bool,
    pub reverse: bool,
}

impl Sgr {
    pub fn is_plain(&self) -> bool {
        *self == Sgr::default()
    }

    /// Applies the parameters of one `ESC [ … m`.
    fn apply(&mut self, params: &str) {
        let mut nums = params.split([';', ':']).map(|p| {
            if p.is_empty() {
                0
            } else {
                p.parse::<u16>().unwrap_or(u16::MAX)
            }
        });
        let mut any = false;
        while let Some(n) = nums.next() {
            any = true;
            match n {
                0 => *self = Sgr::default(),
                1 => self.bold = true,
                2 => self.dim = true,
                3 => self.italic = true,
                4 => self.underline = true,
                7 => self.reverse = true,
                22 => {
                    self.bold = false;
                    self.dim = false;
                }
                23 => self.italic = false,
                24 => self.underline = false,
                27 => self.reverse = false,
                30..=37 => self.fg = SgrColor::Indexed((n - 30) as u8),
                39 => self.fg = SgrColor::Default,
                40..=47 => self.bg = SgrColor::Indexed((n - 40) as u8),
                49 => self.bg = SgrColor::Default,
                90..=97 => self.fg = SgrColor::Indexed((n - 90 + 8) as u8),
                100..=107 => self.bg = SgrColor::Indexed((n - 100 + 8) as u8),
                38 | 48 => {
                    let color = match nums.next() {
                        Some(5) => nums
                            .next()
                            .and_then(|i| u8::try_from(i).ok())
                            .map(SgrColor::Indexed),
                        Some(2) => {
                            let mut c = || nums.next().and_then(|v| u8::try_from(v).ok());
                            match (c(), c(), c()) {
                                (Some(r), Some(g), Some(b)) => Some(SgrColor::Rgb(r, g, b)),
                                _ => None,
                            }
                        }
                        _ => None,
                    };
                    if let Some(color) = color {
                        if n == 38 {
                            self.fg = color;
                        } else {
                            self.bg = color;
                        }
                    }
                }
                _ => {} // blink, conceal, fonts…: ignored
            }
        }
        if !any {
            *self = Sgr::default();
        }
    }
}

/// From byte `start` of a line on, the text has style `sgr` (until the next run).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StyleRun {
    pub start: u32,
    pub sgr: Sgr,
}

// ---------------------------------------------------------------------------------------------
// Sanitizing untrusted bytes
// ---------------------------------------------------------------------------------------------

/// Is this text free of anything that needs care ([`sanitize::needs_escape`])? Most log lines
/// are printable ASCII, and are copied as they are.
fn is_clean(text: &str) -> bool {
    if text.bytes().all(|b| (0x20..0x7f).contains(&b)) {
        return true;
    }
    // A log line is one line: the screen sanitiser lets newlines through (multi-line text), a
    // log line must not.
    !text
        .chars()
        .any(|c| c == '\n' || super::sanitize::needs_escape(c))
}

/// Appends one line of untrusted text to `out`, made safe to draw: invalid UTF-8 becomes `�`, SGR
/// color sequences become `styles` (byte offsets into `out` from `base`), every other escape
/// sequence and control character is shown as its visible control picture (`␛[2J`, `␇`), tabs are
/// expanded. Nothing that reaches `out` can drive a terminal.
pub fn sanitize_into(raw: &[u8], out: &mut String, styles: &mut Vec<StyleRun>) {
    let text = String::from_utf8_lossy(raw);
    if is_clean(&text) {
        out.push_str(&text);
        return;
    }
    let base = out.len();
    let mut style = Sgr::default();
    let mut col = 0usize;
    let mut chars = text.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        match c {
            '\x1b' => {
                // CSI: ESC [ parameters (0x30–0x3F)* intermediates (0x20–0x2F)* final (0x40–0x7E)
                let rest = &text[i + 1..];
                if let Some(body) = rest.strip_prefix('[') {
                    let params_len = body
                        .bytes()
                        .take_while(|b| (0x30..=0x3F).contains(b))
                        .count();
                    let inter_len = body[params_len..]
                        .bytes()
                        .take_while(|b| (0x20..=0x2F).contains(b))
                        .count();
                    let fin = body.as_bytes().get(params_len + inter_len).copied();
                    if fin == Some(b'm') && inter_len == 0 {
                        style.apply(&body[..params_len]);
                        let start = (out.len() - base) as u32;
                        match styles.last_mut() {
                            Some(last) if last.start == start => last.sgr = style,
                            Some(last) if last.sgr == style => {}
                            None if style.is_plain() => {}
                            _ => styles.push(StyleRun { start, sgr: style }),
                        }
                        // Skip '[' + params + 'm'.
                        for _ in 0..(1 + params_len + 1) {
                            chars.next();
                        }
                        continue;
                    }
                }
                out.push('␛');
                col += 1;
            }
            '\t' => {
                let n = TAB - col % TAB;
                for _ in 0..n {
                    out.push(' ');
                }
                col += n;
            }
            '\u{7f}' => {
                out.push('␡');
                col += 1;
            }
            c if (c as u32) < 0x20 => {
                out.push(char::from_u32(0x2400 + c as u32).unwrap_or('�'));
                col += 1;
            }
            c if super::sanitize::needs_escape(c) => {
                out.push(super::sanitize::escape_char(c));
                col += 1;
            }
            c => {
                out.push(c);
                col += c.width().unwrap_or(0);
            }
        }
    }
}

/// A kubelet timestamp prefix (`2026-02-10T12:00:00.123456789Z `, RFC 3339 with optional fraction
/// and offset) as nanoseconds since the epoch, and the rest of the line.
pub fn split_timestamp(line: &[u8]) -> (Option<i64>, &[u8]) {
    match parse_timestamp(line) {
        Some((ts, used)) => (Some(ts), &line[used..]),
        None => (None, line),
    }
}

fn parse_timestamp(line: &[u8]) -> Option<(i64, usize)> {
    // Quick shape check before any parsing: YYYY-MM-DDTHH:MM:SS
    if line.len() < 20
        || line[4] != b'-'
        || line[7] != b'-'
        || line[10] != b'T'
        || line[13] != b':'
        || line[16] != b':'
    {
        return None;
    }
    let end = line.iter().position(|&b| b == b' ').unwrap_or(line.len());
    if end > 40 {
        return None;
    }
    let token = std::str::from_utf8(&line[..end]).ok()?;
    let t = chrono::DateTime::parse_from_rfc3339(token).ok()?;
    let nanos = t.timestamp_nanos_opt()?;
    let used = if end < line.len() { end + 1 } else { end };
    Some((nanos, used))
}

/// Formats a stored timestamp as the kubelet does (RFC 3339, nanoseconds, UTC).
pub fn format_timestamp(nanos: i64) -> String {
    chrono::DateTime::from_timestamp_nanos(nanos)
        .to_rfc3339_opts(chrono::SecondsFormat::Nanos, true)
}

/// Formats a stored timestamp for the gutter: `2026-02-10 12:00:00.123`.
pub fn short_timestamp(nanos: i64) -> String {
    chrono::DateTime::from_timestamp_nanos(nanos)
        .format("%Y-%m-%d %H:%M:%S%.3f")
        .to_string()
}

/// Width of the timestamp gutter, its trailing space included.
pub const TIMESTAMP_WIDTH: usize = 24;

fn hash_bytes(bytes: &[u8]) -> u64 {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    bytes.hash(&mut h);
    h.finish()
}

// ---------------------------------------------------------------------------------------------
// Splitting a byte stream into lines
// ---------------------------------------------------------------------------------------------

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

fn cap(piece: &[u8]) -> &[u8] {
    &piece[..piece.len().min(MAX_RAW_LINE_BYTES)]
}

fn strip_cr(line: &[u8]) -> &[u8] {
    line.strip_suffix(b"\r").unwrap_or(line)
}

// ---------------------------------------------------------------------------------------------
// De-duplication across reconnects
// ---------------------------------------------------------------------------------------------

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

const RECENT_PLAIN: usize = 1024;
const MAX_AT_LAST: usize = 4096;

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

// ---------------------------------------------------------------------------------------------
// Batches: what a source sends to the app
// ---------------------------------------------------------------------------------------------

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

// ---------------------------------------------------------------------------------------------
// The ring buffer
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone, Default)]
struct Chunk {
    text: String,
    ends: Vec<u32>,
    ts: Vec<i64>,
    flags: Vec<u8>,
}

impl Chunk {
    fn with_capacity(bytes: usize) -> Chunk {
        Chunk {
            text: String::with_capacity(bytes),
            ends: Vec::with_capacity(CHUNK_LINES),
            ts: Vec::with_capacity(CHUNK_LINES),
            flags: Vec::with_capacity(CHUNK_LINES),
        }
    }

    fn start_of(&self, i: usize) -> usize {
        if i == 0 { 0 } else { self.ends[i - 1] as usize }
    }

    fn seal(&mut self) {
        self.text.shrink_to_fit();
    }
}

/// One stored line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LineRef<'a> {
    pub seq: u64,
    pub text: &'a str,
    pub ts: Option<i64>,
    pub continuation: bool,
    pub styles: &'a [StyleRun],
}

/// The bounded buffer of a log view. Lines are numbered by `seq` from 0 in arrival order; the
/// oldest are dropped past the caps.
#[derive(Debug, Clone)]
pub struct LogBuffer {
    chunks: VecDeque<Chunk>,
    /// Lines of the front chunk already dropped.
    front_skip: usize,
    /// Seq of the first line of the front chunk.
    front_base: u64,
    lines: usize,
    bytes: usize,
    max_lines: usize,
    max_bytes: usize,
    styles: BTreeMap<u64, Box<[StyleRun]>>,
    /// Average line length seen so far, to size new chunks without growth waste.
    avg_line: usize,
}

impl LogBuffer {
    pub fn new(max_lines: usize, max_bytes: usize) -> LogBuffer {
        LogBuffer {
            chunks: VecDeque::new(),
            front_skip: 0,
            front_base: 0,
            lines: 0,
            bytes: 0,
            max_lines: max_lines.max(1),
            max_bytes: max_bytes.max(1),
            styles: BTreeMap::new(),
            avg_line: 100,
        }
    }

    /// Seq of the oldest line kept (= number of lines dropped).
    pub fn first_seq(&self) -> u64 {
        self.front_base + self.front_skip as u64
    }

    /// Seq the next line will get.
    pub fn end_seq(&self) -> u64 {
        self.first_seq() + self.lines as u64
    }

    pub fn len(&self) -> usize {
        self.lines
    }

    pub fn is_empty(&self) -> bool {
        self.lines == 0
    }

    /// Lines dropped to stay within the caps.
    pub fn dropped(&self) -> u64 {
        self.first_seq()
    }

    pub fn bytes(&self) -> usize {
        self.bytes
    }

    pub fn max_lines(&self) -> usize {
        self.max_lines
    }

    pub fn max_bytes(&self) -> usize {
        self.max_bytes
    }

    /// Appends a batch; returns the seq of its first line. Drops the oldest lines past the caps.
    pub fn append(&mut self, batch: &LineBatch) -> u64 {
        let first_new = self.end_seq();
        let mut style_iter = batch.styles.iter().peekable();
        let mut start = 0usize;
        for (i, &end) in batch.ends.iter().enumerate() {
            let end = end as usize;
            let text = &batch.text[start..end];
            let seq = self.end_seq();
            self.push_line(text, batch.ts[i], batch.flags[i]);
            if let Some((idx, runs)) = style_iter.peek()
                && *idx as usize == i
            {
                self.styles.insert(seq, runs.clone());
                style_iter.next();
            }
            start = end;
        }
        if !batch.is_empty() {
            let avg = batch.text.len() / batch.len();
            self.avg_line = (self.avg_line * 3 + avg) / 4;
        }
        self.evict();
        first_new
    }

    fn push_line(&mut self, text: &str, ts: i64, flags: u8) {
        let needs_new = self
            .chunks
            .back()
            .is_none_or(|c| c.ends.len() >= CHUNK_LINES);
        if needs_new {
            if let Some(last) = self.chunks.back_mut() {
                last.seal();
            }
            let guess = (self.avg_line + 8) * CHUNK_LINES;
            self.chunks
                .push_back(Chunk::with_capacity(guess.min(4 << 20)));
        }
        let Some(chunk) = self.chunks.back_mut() else {
            return;
        };
        chunk.text.push_str(text);
        chunk.ends.push(chunk.text.len() as u32);
        chunk.ts.push(ts);
        chunk.flags.push(flags);
        self.lines += 1;
        self.bytes += text.len();
    }

    fn evict(&mut self) {
        while self.lines > self.max_lines || (self.bytes > self.max_bytes && self.lines > 1) {
            let Some(front) = self.chunks.front() else {
                break;
            };
            let i = self.front_skip;
            let len = front.ends[i] as usize - front.start_of(i);
            self.bytes -= len;
            self.lines -= 1;
            self.front_skip += 1;
            if self.front_skip == front.ends.len() && self.chunks.len() > 1 {
                self.front_base += self.front_skip as u64;
                self.front_skip = 0;
                self.chunks.pop_front();
            }
        }
        let first = self.first_seq();
        while let Some(entry) = self.styles.first_entry() {
            if *entry.key() >= first {
                break;
            }
            entry.remove();
        }
    }

    pub fn line(&self, seq: u64) -> Option<LineRef<'_>> {
        if seq < self.first_seq() || seq >= self.end_seq() {
            return None;
        }
        let off = (seq - self.front_base) as usize;
        let chunk = self.chunks.get(off / CHUNK_LINES)?;
        let i = off % CHUNK_LINES;
        let text = &chunk.text[chunk.start_of(i)..chunk.ends[i] as usize];
        let ts = chunk.ts[i];
        Some(LineRef {
            seq,
            text,
            ts: (ts != NO_TS).then_some(ts),
            continuation: chunk.flags[i] & LineFlags::CONTINUATION != 0,
            styles: self.styles.get(&seq).map_or(&[], |r| r),
        })
    }

    /// Lines with seq in `from..to`, oldest first.
    pub fn range(&self, from: u64, to: u64) -> impl Iterator<Item = LineRef<'_>> + '_ {
        let from = from.max(self.first_seq());
        let to = to.min(self.end_seq());
        (from..to).filter_map(move |s| self.line(s))
    }

    /// Every kept line as text, segments rejoined, one per line; with RFC 3339 timestamps when
    /// `timestamps`. `only` restricts to those seqs (a filtered view).
    pub fn export(&self, only: Option<&VecDeque<u64>>, timestamps: bool) -> String {
        let mut out = String::with_capacity(self.bytes + self.lines);
        let write = |line: LineRef<'_>, out: &mut String| {
            if line.continuation {
                // Remove the newline of the segment before: the line goes on.
                if out.ends_with('\n') {
                    out.pop();
                }
            } else if timestamps && let Some(ts) = line.ts {
                out.push_str(&format_timestamp(ts));
                out.push(' ');
            }
            out.push_str(line.text);
            out.push('\n');
        };
        match only {
            Some(seqs) => {
                for &seq in seqs {
                    if let Some(line) = self.line(seq) {
                        write(line, &mut out);
                    }
                }
            }
            None => {
                for line in self.range(self.first_seq(), self.end_seq()) {
                    write(line, &mut out);
                }
            }
        }
        out
    }

    /// The whole logical line (all segments) that `seq` belongs to.
    pub fn full_line(&self, seq: u64) -> Option<String> {
        let mut start = seq;
        while start > self.first_seq() && self.line(start)?.continuation {
            start -= 1;
        }
        let mut out = String::new();
        let mut s = start;
        while let Some(line) = self.line(s) {
            if s != start && !line.continuation {
                break;
            }
            out.push_str(line.text);
            s += 1;
        }
        Some(out)
    }
}

// ---------------------------------------------------------------------------------------------
// Search and filter
// ---------------------------------------------------------------------------------------------

/// A compiled search: a regex (smart case: case-insensitive unless the pattern has a capital);
/// an invalid regex is searched as literal text and says so.
#[derive(Debug, Clone)]
pub struct Search {
    pub pattern: String,
    pub regex: Regex,
    /// Why the pattern is searched literally.
    pub error: Option<String>,
}

impl Search {
    pub fn new(pattern: &str) -> Search {
        let insensitive = !pattern.chars().any(char::is_uppercase);
        let build = |p: &str| {
            RegexBuilder::new(p)
                .case_insensitive(insensitive)
                .size_limit(1 << 22)
                .build()
        };
        match build(pattern) {
            Ok(regex) => Search {
                pattern: pattern.to_owned(),
                regex,
                error: None,
            },
            Err(e) => {
                let first = e.to_string();
                let reason = first
                    .lines()
                    .rev()
                    .find(|l| l.starts_with("error:"))
                    .unwrap_or("invalid regex")
                    .trim_start_matches("error:")
                    .trim()
                    .to_owned();
                let literal = build(&regex::escape(pattern)).unwrap_or_else(|_| {
                    // An escaped pattern always compiles unless it is enormous.
                    Regex::new("$^").unwrap_or_else(|_| unreachable!("a trivial regex compiles"))
                });
                Search {
                    pattern: pattern.to_owned(),
                    regex: literal,
                    error: Some(format!("not a regex ({reason}): searching the text")),
                }
            }
        }
    }

    pub fn is_match(&self, text: &str) -> bool {
        self.regex.is_match(text)
    }

    /// Byte ranges of the (non-empty) matches in `text`.
    pub fn matches(&self, text: &str) -> Vec<(usize, usize)> {
        self.regex
            .find_iter(text)
            .filter(|m| !m.is_empty())
            .map(|m| (m.start(), m.end()))
            .collect()
    }
}

/// Which lines a view shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FilterMode {
    /// Every line.
    #[default]
    Off,
    /// Only lines the search matches.
    Matching,
    /// Only lines the search does not match.
    NotMatching,
}

/// The seqs of the lines a filter keeps, maintained as lines arrive and are dropped.
#[derive(Debug, Clone, Default)]
pub struct FilterIndex {
    pub seqs: VecDeque<u64>,
    /// Every line below this seq has been tested.
    scanned_to: u64,
}

impl FilterIndex {
    /// Tests the lines not tested yet, drops entries for lines the buffer dropped.
    pub fn catch_up(&mut self, buffer: &LogBuffer, search: &Search, inverse: bool) {
        let first = buffer.first_seq();
        while self.seqs.front().is_some_and(|s| *s < first) {
            self.seqs.pop_front();
        }
        let from = self.scanned_to.max(first);
        for line in buffer.range(from, buffer.end_seq()) {
            if search.is_match(line.text) != inverse {
                self.seqs.push_back(line.seq);
            }
        }
        self.scanned_to = buffer.end_seq();
    }
}

// ---------------------------------------------------------------------------------------------
// Wrapping
// ---------------------------------------------------------------------------------------------

/// Display width of sanitized text (no controls left).
pub fn text_width(text: &str) -> usize {
    if text.is_ascii() {
        return text.len();
    }
    text.chars().map(|c| c.width().unwrap_or(0)).sum()
}

/// Byte offsets where the rows after the first begin when `text` is hard-wrapped at `width`
/// columns (empty for a line that fits).
pub fn wrap_points(text: &str, width: usize) -> Vec<u32> {
    let width = width.max(1);
    // Display width never exceeds the byte length: short lines need no walk.
    if text.len() <= width {
        return Vec::new();
    }
    if text.is_ascii() {
        return (1..text.len().div_ceil(width))
            .map(|r| (r * width) as u32)
            .collect();
    }
    let mut out = Vec::new();
    let mut col = 0usize;
    for (i, c) in text.char_indices() {
        let w = c.width().unwrap_or(0);
        if col + w > width && col > 0 {
            out.push(i as u32);
            col = 0;
        }
        col += w;
    }
    out
}

/// Wrap points per line, for one width; invalidated when the width changes. Bounded.
#[derive(Debug, Clone, Default)]
pub struct WrapCache {
    width: usize,
    map: HashMap<u64, Box<[u32]>>,
}

const WRAP_CACHE_MAX: usize = 50_000;

impl WrapCache {
    /// Number of rows `line` takes at `width`.
    pub fn rows(&mut self, line: &LineRef<'_>, width: usize) -> usize {
        if line.text.len() <= width.max(1) {
            return 1;
        }
        self.points(line, width).len() + 1
    }

    /// Row `row` of `line` as a byte range.
    pub fn row_range(&mut self, line: &LineRef<'_>, width: usize, row: usize) -> (usize, usize) {
        if line.text.len() <= width.max(1) {
            return (0, line.text.len());
        }
        let points = self.points(line, width);
        let start = if row == 0 {
            0
        } else {
            points.get(row - 1).map_or(line.text.len(), |p| *p as usize)
        };
        let end = points.get(row).map_or(line.text.len(), |p| *p as usize);
        (start, end)
    }

    fn points(&mut self, line: &LineRef<'_>, width: usize) -> &[u32] {
        if self.width != width {
            self.width = width;
            self.map.clear();
        }
        if self.map.len() >= WRAP_CACHE_MAX && !self.map.contains_key(&line.seq) {
            self.map.clear();
        }
        self.map
            .entry(line.seq)
            .or_insert_with(|| wrap_points(line.text, width).into_boxed_slice())
    }

    pub fn len(&self) -> usize {
        self.map.len()
    }

    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }
}

// ---------------------------------------------------------------------------------------------
// Follow and scroll
// ---------------------------------------------------------------------------------------------

/// The entries a view shows, in order, and how many rows each takes. Implemented by the app over
/// the buffer (all lines or a filter's) and the wrap cache; tests implement it directly.
pub trait Rows {
    fn count(&self) -> usize;
    fn seq_at(&self, index: usize) -> u64;
    /// Index of the first entry with seq ≥ `seq`.
    fn index_of(&self, seq: u64) -> usize;
    fn rows(&self, index: usize) -> usize;
}

/// Where the view is: following the end, or pinned at a line (by seq, so it survives lines
/// arriving, old lines being dropped and a filter being switched).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Scroll {
    pub follow: bool,
    /// Top line shown (when not following) and which of its rows.
    pub top_seq: u64,
    pub top_row: usize,
    /// Columns scrolled right (no wrap only).
    pub hscroll: usize,
}

impl Default for Scroll {
    fn default() -> Self {
        Scroll {
            follow: true,
            top_seq: 0,
            top_row: 0,
            hscroll: 0,
        }
    }
}

/// One screen row: entry index and the row within that entry.
pub type RowPos = (usize, usize);

impl Scroll {
    /// The top row when showing the end (bottom-aligned), or (0, 0) when all fits.
    fn bottom_top(rows: &dyn Rows, height: usize) -> RowPos {
        let n = rows.count();
        let mut need = height;
        let mut i = n;
        while i > 0 {
            i -= 1;
            let r = rows.rows(i);
            if r >= need {
                return (i, r - need);
            }
            need -= r;
        }
        (0, 0)
    }

    /// Rows from `top` to the end, counting at most `limit`.
    fn rows_from(rows: &dyn Rows, top: RowPos, limit: usize) -> usize {
        let mut total = 0;
        let mut i = top.0;
        let mut skip = top.1;
        while i < rows.count() && total < limit {
            total += rows.rows(i).saturating_sub(skip);
            skip = 0;
            i += 1;
        }
        total
    }

    /// The top row actually shown: following → the end; pinned → the pinned line, pulled back
    /// so the view never shows empty space below the last line.
    pub fn top(&self, rows: &dyn Rows, height: usize) -> RowPos {
        let n = rows.count();
        if n == 0 {
            return (0, 0);
        }
        if self.follow {
            return Scroll::bottom_top(rows, height);
        }
        let idx = rows.index_of(self.top_seq).min(n - 1);
        let row = if rows.seq_at(idx) == self.top_seq {
            self.top_row.min(rows.rows(idx).saturating_sub(1))
        } else {
            0
        };
        if Scroll::rows_from(rows, (idx, row), height) < height {
            return Scroll::bottom_top(rows, height);
        }
        (idx, row)
    }

    /// The rows on screen, top to bottom.
    pub fn visible(&self, rows: &dyn Rows, height: usize) -> Vec<RowPos> {
        let mut out = Vec::with_capacity(height);
        let (mut i, mut r) = self.top(rows, height);
        while out.len() < height && i < rows.count() {
            let n = rows.rows(i);
            while r < n && out.len() < height {
                out.push((i, r));
                r += 1;
            }
            i += 1;
            r = 0;
        }
        out
    }

    fn pin(&mut self, rows: &dyn Rows, pos: RowPos) {
        self.follow = false;
        self.top_seq = rows.seq_at(pos.0);
        self.top_row = pos.1;
    }

    /// Scrolls up `n` rows; leaves follow mode (that is what pauses it).
    pub fn up(&mut self, rows: &dyn Rows, height: usize, n: usize) {
        if rows.count() == 0 {
            return;
        }
        let (mut i, mut r) = self.top(rows, height);
        let mut left = n;
        while left > 0 {
            if r >= left {
                r -= left;
                left = 0;
            } else if i == 0 {
                r = 0;
                left = 0;
            } else {
                left -= r + 1;
                i -= 1;
                r = rows.rows(i) - 1;
            }
        }
        self.pin(rows, (i, r));
    }

    /// Scrolls down `n` rows. Stays paused at the end: `G`/`end` resume following.
    pub fn down(&mut self, rows: &dyn Rows, height: usize, n: usize) {
        if rows.count() == 0 || self.follow {
            return;
        }
        let (mut i, mut r) = self.top(rows, height);
        let mut left = n;
        let max = Scroll::bottom_top(rows, height);
        while left > 0 && (i, r) < max {
            let rem = rows.rows(i) - 1 - r;
            if rem >= left {
                r += left;
                left = 0;
            } else {
                left -= rem + 1;
                i += 1;
                r = 0;
            }
        }
        let pos = if (i, r) > max { max } else { (i, r) };
        self.pin(rows, pos);
    }

    pub fn to_top(&mut self, rows: &dyn Rows) {
        if rows.count() > 0 {
            self.pin(rows, (0, 0));
        } else {
            self.follow = false;
            self.top_seq = 0;
            self.top_row = 0;
        }
    }

    /// Back to the end, following again.
    pub fn to_bottom(&mut self) {
        self.follow = true;
    }

    /// Brings entry `index` into view (a third from the top) unless it is already visible.
    pub fn reveal(&mut self, rows: &dyn Rows, height: usize, index: usize) {
        if rows.count() == 0 {
            return;
        }
        if self.visible(rows, height).iter().any(|(i, _)| *i == index) {
            if self.follow {
                // Keep the match still when more lines arrive.
                let top = self.top(rows, height);
                self.pin(rows, top);
            }
            return;
        }
        self.pin(rows, (index.min(rows.count() - 1), 0));
        self.up(rows, height, height / 3);
    }
}

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

//! The bounded ring buffer of lines, stored in chunks.
use super::*;

#[derive(Debug, Clone, Default)]
pub(super) struct Chunk {
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

//! Untrusted log bytes made safe to show: a safe SGR color subset, every other control made visible, kubelet timestamps.
use super::*;

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

/// Is this text free of anything that needs care ([`sanitize::needs_escape`])? Most log lines
/// are printable ASCII, and are copied as they are.
pub(super) fn is_clean(text: &str) -> bool {
    if text.bytes().all(|b| (0x20..0x7f).contains(&b)) {
        return true;
    }
    // A log line is one line: the screen sanitiser lets newlines through (multi-line text), a
    // log line must not.
    !text
        .chars()
        .any(|c| c == '\n' || crate::domain::sanitize::needs_escape(c))
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
            c if crate::domain::sanitize::needs_escape(c) => {
                out.push(crate::domain::sanitize::escape_char(c));
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

pub(super) fn parse_timestamp(line: &[u8]) -> Option<(i64, usize)> {
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

pub(super) fn hash_bytes(bytes: &[u8]) -> u64 {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    bytes.hash(&mut h);
    h.finish()
}

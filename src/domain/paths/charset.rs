//! Sets of characters as sorted, disjoint, inclusive code-point ranges: the alphabet of the path
//! automata. Classes like `[!a-c]` and "any character but `/`" are infinite over `char`, so they
//! are kept symbolically and only split into cells where two automata disagree.

/// Unicode scalar values: everything but the surrogate gap.
const UNIVERSE: [(u32, u32); 2] = [(0, 0xD7FF), (0xE000, 0x10FFFF)];

#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct CharSet {
    ranges: Vec<(u32, u32)>,
}

impl CharSet {
    pub fn any() -> CharSet {
        CharSet {
            ranges: UNIVERSE.to_vec(),
        }
    }

    pub fn single(c: char) -> CharSet {
        CharSet {
            ranges: vec![(c as u32, c as u32)],
        }
    }

    /// Any character a path segment may hold (everything but `/`).
    pub fn not_slash() -> CharSet {
        CharSet::single('/').complement()
    }

    pub fn from_ranges(ranges: impl IntoIterator<Item = (char, char)>) -> CharSet {
        let mut out = CharSet {
            ranges: ranges
                .into_iter()
                .filter(|(lo, hi)| lo <= hi)
                .map(|(lo, hi)| (lo as u32, hi as u32))
                .collect(),
        };
        out.normalize();
        out
    }

    fn normalize(&mut self) {
        self.ranges.sort_unstable();
        let mut merged: Vec<(u32, u32)> = Vec::with_capacity(self.ranges.len());
        for &(lo, hi) in &self.ranges {
            match merged.last_mut() {
                Some(last) if lo <= last.1.saturating_add(1) => last.1 = last.1.max(hi),
                _ => merged.push((lo, hi)),
            }
        }
        self.ranges = merged;
    }

    pub fn ranges(&self) -> &[(u32, u32)] {
        &self.ranges
    }

    pub fn contains(&self, c: u32) -> bool {
        let i = self.ranges.partition_point(|&(_, hi)| hi < c);
        self.ranges.get(i).is_some_and(|&(lo, _)| lo <= c)
    }

    pub fn is_universe(&self) -> bool {
        self.ranges == UNIVERSE
    }

    pub fn intersect(&self, other: &CharSet) -> CharSet {
        let (mut i, mut j) = (0, 0);
        let mut ranges = Vec::new();
        while i < self.ranges.len() && j < other.ranges.len() {
            let (a, b) = (self.ranges[i], other.ranges[j]);
            let lo = a.0.max(b.0);
            let hi = a.1.min(b.1);
            if lo <= hi {
                ranges.push((lo, hi));
            }
            if a.1 < b.1 { i += 1 } else { j += 1 }
        }
        CharSet { ranges }
    }

    pub fn union(&self, other: &CharSet) -> CharSet {
        let mut out = CharSet {
            ranges: self.ranges.iter().chain(&other.ranges).copied().collect(),
        };
        out.normalize();
        out
    }

    /// Everything in the universe that is not in the set.
    pub fn complement(&self) -> CharSet {
        let mut out = Vec::new();
        for &(ulo, uhi) in &UNIVERSE {
            let mut next = ulo;
            for &(lo, hi) in &self.ranges {
                if hi < ulo || lo > uhi {
                    continue;
                }
                if lo > next {
                    out.push((next, lo - 1));
                }
                next = hi.saturating_add(1);
            }
            if next <= uhi {
                out.push((next, uhi));
            }
        }
        CharSet { ranges: out }
    }

    /// ASCII letters in both cases (paths are compared case-insensitively for guard rules).
    pub fn fold_ascii_case(&self) -> CharSet {
        let mut extra = Vec::new();
        for (from, to) in [(b'a', b'A'), (b'A', b'a')] {
            let letters = CharSet {
                ranges: vec![(from as u32, from as u32 + 25)],
            };
            for &(lo, hi) in letters.intersect(self).ranges() {
                extra.push((lo - from as u32 + to as u32, hi - from as u32 + to as u32));
            }
        }
        let mut out = CharSet {
            ranges: self.ranges.iter().copied().chain(extra).collect(),
        };
        out.normalize();
        out
    }
}

/// How readable a character is in a witness path, lower first: letters, digits, capitals, the
/// usual punctuation of file names, other printable ASCII, anything else.
pub fn readability(c: char) -> u8 {
    match c {
        'a'..='z' => 0,
        '0'..='9' => 1,
        'A'..='Z' => 2,
        '/' | '_' | '-' | '.' => 3,
        c if c.is_ascii_graphic() => 4,
        _ => 5,
    }
}

/// The most readable character of the range `lo..=hi` (by [`readability`], then code point),
/// with its rank; none for a range of surrogates only.
pub fn best_char(lo: u32, hi: u32) -> Option<(u8, char)> {
    let first_in = |a: char, b: char| {
        let from = lo.max(a as u32);
        (from <= hi.min(b as u32))
            .then(|| char::from_u32(from))
            .flatten()
    };
    for (rank, (a, b)) in [(0, ('a', 'z')), (1, ('0', '9')), (2, ('A', 'Z'))] {
        if let Some(c) = first_in(a, b) {
            return Some((rank, c));
        }
    }
    if let Some(c) = ['-', '.', '/', '_']
        .into_iter()
        .find(|&c| (lo..=hi).contains(&(c as u32)))
    {
        return Some((3, c));
    }
    // No letter, digit or usual punctuation in range: any printable ASCII in it is rank 4.
    if let Some(c) = first_in('!', '~') {
        return Some((4, c));
    }
    // Beyond ASCII: something visible if the range starts with some, else its first character.
    (lo..=hi.min(lo.saturating_add(64)))
        .filter_map(char::from_u32)
        .find(|c| !c.is_control() && !c.is_whitespace())
        .or_else(|| char::from_u32(lo))
        .map(|c| (readability(c), c))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_algebra() {
        let ac = CharSet::from_ranges([('a', 'c')]);
        let bz = CharSet::from_ranges([('b', 'z')]);
        assert_eq!(ac.intersect(&bz), CharSet::from_ranges([('b', 'c')]));
        assert!(ac.complement().contains('d' as u32));
        assert!(!ac.complement().contains('b' as u32));
        assert_eq!(ac.complement().complement(), ac);
        assert!(CharSet::not_slash().contains('a' as u32));
        assert!(!CharSet::not_slash().contains('/' as u32));
        assert!(CharSet::any().complement().ranges().is_empty());
        assert_eq!(
            CharSet::from_ranges([('a', 'b')]).fold_ascii_case(),
            CharSet::from_ranges([('a', 'b'), ('A', 'B')])
        );
    }

    #[test]
    fn best_char_is_the_most_readable_of_its_range() {
        // Brute force over the first 0x3000 code points in ranges of every shape.
        let rank = |c: char| (readability(c), c);
        for (lo, hi) in [
            (0, 0x2FFF),
            (0x21, 0x2F),
            (0x5B, 0x60),
            (0, 0x20),
            (0x80, 0x2FFF),
        ]
        .into_iter()
        .chain((0..0x80).step_by(7).map(|lo| (lo, lo + 11)))
        {
            let brute = (lo..=hi)
                .filter_map(char::from_u32)
                .min_by_key(|&c| rank(c));
            let (r, c) = best_char(lo, hi).expect("a character");
            if readability(c) < 5 {
                assert_eq!(Some(c), brute, "{lo:#x}..={hi:#x}");
            }
            assert_eq!(r, readability(c));
            assert!((lo..=hi).contains(&(c as u32)));
        }
        assert_eq!(best_char(0xD800, 0xDFFF), None);
    }

    #[test]
    fn readable_chars_are_preferred() {
        assert_eq!(best_char(0, 0x10FFFF), Some((0, 'a')));
        assert_eq!(best_char(0, 0x20), Some((5, '\0')));
        assert_eq!(best_char(0x2D, 0x2D), Some((3, '-')));
        assert_eq!(best_char(0xE9, 0xFF), Some((5, 'é')));
    }
}

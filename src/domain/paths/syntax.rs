//! Glob syntax of lane globs and in-scope paths: `*`, `**`, `?`, `[...]` / `[!...]`, `{a,b}`
//! (nested). Braces are expanded here, so what follows only sees brace-free alternatives.
use super::charset::CharSet;

/// More alternatives than any plan needs; a guard against `{a,b}{c,d}…` blowing up.
pub const MAX_ALTERNATIVES: usize = 256;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Token {
    Literal(char),
    /// `?`: one character of a segment.
    AnyChar,
    /// `*`: any characters of a segment.
    Star,
    /// `**` as written; whether it spans segments depends on its neighbours.
    DoubleStar,
    /// `[...]`: the characters listed, and whether it is `[!...]` (all others but `/`). Kept
    /// apart so that ignoring case (guard rules) negates before folding: a path matches when
    /// one of its case variants does, so with case ignored `[!a]` matches `A` (not `a`) and
    /// therefore `a` too. Globset folds first (`[!a]` then matches neither), which names fewer
    /// paths: for a rule that refuses, the larger reading is the safe one.
    Class(CharSet, bool),
    /// `/`.
    Separator,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct SyntaxError {
    pub message: String,
}

fn error(message: impl Into<String>) -> SyntaxError {
    SyntaxError {
        message: message.into(),
    }
}

enum Node {
    Token(Token),
    Braces(Vec<Vec<Node>>),
}

/// The brace-free alternatives a glob stands for.
pub fn alternatives(glob: &str) -> Result<Vec<Vec<Token>>, SyntaxError> {
    // Most paths have neither braces nor classes: one pass, one alternative.
    if !glob.contains(['{', '}', '[']) {
        return Ok(vec![plain(glob)]);
    }
    let chars: Vec<char> = glob.chars().collect();
    let mut pos = 0;
    let nodes = parse_seq(&chars, &mut pos, 0)?;
    if pos < chars.len() {
        return Err(error(format!("unmatched `{}`", chars[pos])));
    }
    expand(&nodes)
}

/// The tokens of a glob without braces or classes.
pub fn plain(glob: &str) -> Vec<Token> {
    let mut tokens = Vec::with_capacity(glob.len());
    let mut chars = glob.chars().peekable();
    while let Some(c) = chars.next() {
        tokens.push(match c {
            '*' if chars.next_if_eq(&'*').is_some() => Token::DoubleStar,
            '*' => Token::Star,
            '?' => Token::AnyChar,
            '/' => Token::Separator,
            c => Token::Literal(c),
        });
    }
    tokens
}

fn parse_seq(chars: &[char], pos: &mut usize, depth: usize) -> Result<Vec<Node>, SyntaxError> {
    let mut out = Vec::new();
    while *pos < chars.len() {
        let c = chars[*pos];
        match c {
            '}' | ',' if depth > 0 => return Ok(out),
            '}' => return Err(error("unmatched `}`")),
            '{' => {
                *pos += 1;
                let mut alts = Vec::new();
                loop {
                    alts.push(parse_seq(chars, pos, depth + 1)?);
                    match chars.get(*pos) {
                        Some(',') => *pos += 1,
                        Some('}') => {
                            *pos += 1;
                            break;
                        }
                        _ => return Err(error("unclosed `{`")),
                    }
                }
                out.push(Node::Braces(alts));
            }
            '[' => {
                *pos += 1;
                let (set, negated) = parse_class(chars, pos)?;
                out.push(Node::Token(Token::Class(set, negated)));
            }
            '*' if chars.get(*pos + 1) == Some(&'*') => {
                *pos += 2;
                // `***` is `**` then `*` for globset; both mean "any characters" there.
                out.push(Node::Token(Token::DoubleStar));
            }
            '*' => {
                *pos += 1;
                out.push(Node::Token(Token::Star));
            }
            '?' => {
                *pos += 1;
                out.push(Node::Token(Token::AnyChar));
            }
            '/' => {
                *pos += 1;
                out.push(Node::Token(Token::Separator));
            }
            c => {
                *pos += 1;
                out.push(Node::Token(Token::Literal(c)));
            }
        }
    }
    Ok(out)
}

/// After the `[`: `!`/`^` negates, a leading `]` is literal, `a-z` is a range, `-` at either end
/// is literal. The characters listed, and whether negated.
fn parse_class(chars: &[char], pos: &mut usize) -> Result<(CharSet, bool), SyntaxError> {
    let negated = matches!(chars.get(*pos), Some('!' | '^'));
    if negated {
        *pos += 1;
    }
    let mut ranges = Vec::new();
    let mut first = true;
    loop {
        let Some(&c) = chars.get(*pos) else {
            return Err(error("unclosed `[`"));
        };
        if c == ']' && !first {
            *pos += 1;
            break;
        }
        first = false;
        *pos += 1;
        if chars.get(*pos) == Some(&'-') && chars.get(*pos + 1).is_some_and(|&n| n != ']') {
            let hi = chars[*pos + 1];
            if hi < c {
                return Err(error(format!("invalid range `{c}-{hi}` in `[...]`")));
            }
            ranges.push((c, hi));
            *pos += 2;
        } else {
            ranges.push((c, c));
        }
    }
    Ok((CharSet::from_ranges(ranges), negated))
}

impl Token {
    /// The characters a `[...]` matches, ASCII case ignored or not: with case ignored, every
    /// character one of whose case variants the class matches as written. Never `/`.
    pub fn class_set(set: &CharSet, negated: bool, fold_case: bool) -> CharSet {
        let set = if negated {
            set.complement()
        } else {
            set.clone()
        };
        let set = if fold_case {
            set.fold_ascii_case()
        } else {
            set
        };
        set.intersect(&CharSet::not_slash())
    }
}

/// A brace-free alternative written out as a path for the hygiene rules: literals and `/` as
/// they are, a class that can only match `.` as `.`, any other wildcard as a letter (it names a
/// segment's characters, never a `/`, and is not itself a `.` or `..`).
pub fn written(tokens: &[Token]) -> String {
    tokens
        .iter()
        .map(|t| match t {
            Token::Literal(c) => c.to_string(),
            Token::Separator => "/".into(),
            Token::Class(set, false) if set.ranges() == [('.' as u32, '.' as u32)] => ".".into(),
            Token::DoubleStar => "**".into(),
            _ => "x".into(),
        })
        .collect()
}

fn expand(nodes: &[Node]) -> Result<Vec<Vec<Token>>, SyntaxError> {
    let mut acc: Vec<Vec<Token>> = vec![Vec::new()];
    for node in nodes {
        match node {
            Node::Token(t) => acc.iter_mut().for_each(|a| a.push(t.clone())),
            Node::Braces(alts) => {
                let mut options = Vec::new();
                for alt in alts {
                    options.extend(expand(alt)?);
                }
                if acc.len().saturating_mul(options.len()) > MAX_ALTERNATIVES {
                    return Err(error(format!(
                        "more than {MAX_ALTERNATIVES} alternatives in `{{...}}`"
                    )));
                }
                acc = acc
                    .iter()
                    .flat_map(|a| {
                        options.iter().map(move |o| {
                            let mut v = a.clone();
                            v.extend(o.iter().cloned());
                            v
                        })
                    })
                    .collect();
            }
        }
    }
    Ok(acc)
}

#[cfg(test)]
mod tests {
    use super::*;
    use Token::*;

    #[test]
    fn braces_expand_nested() {
        let alts = alternatives("a{b,{c,d}/e}").expect("valid");
        assert_eq!(alts.len(), 3);
        assert_eq!(
            alts[2],
            vec![Literal('a'), Literal('d'), Separator, Literal('e')]
        );
        assert_eq!(
            alternatives("{}").expect("valid"),
            vec![Vec::<Token>::new()]
        );
    }

    #[test]
    fn classes_follow_glob_rules() {
        let [set] = &alternatives("[]a-c-]").expect("valid")[0][..] else {
            panic!("one token")
        };
        let Class(set, false) = set else {
            panic!("class")
        };
        for c in [']', 'a', 'b', 'c', '-'] {
            assert!(set.contains(c as u32), "{c}");
        }
        assert!(!set.contains('d' as u32));
        let Class(listed, true) = &alternatives("[!a]").expect("valid")[0][0] else {
            panic!("class")
        };
        let neg = Token::class_set(listed, true, false);
        assert!(neg.contains('b' as u32) && !neg.contains('a' as u32));
        assert!(neg.contains('A' as u32));
        assert!(!neg.contains('/' as u32), "a class never matches /");
        // Case ignored, `[!a]` matches `A`, so `a` too (one of its case variants matches).
        let folded = Token::class_set(listed, true, true);
        assert!(folded.contains('a' as u32) && folded.contains('A' as u32));
        assert!(folded.contains('b' as u32) && !folded.contains('/' as u32));
        let Class(listed, true) = &alternatives("[!aA]").expect("valid")[0][0] else {
            panic!("class")
        };
        let folded = Token::class_set(listed, true, true);
        assert!(!folded.contains('a' as u32) && !folded.contains('A' as u32));
        assert!(folded.contains('b' as u32));
    }

    #[test]
    fn the_plain_path_shortcut_reads_as_the_parser() {
        for glob in ["a/b.py", "a/**/b", "***", "a*?b/**", "", "/", "a,b", "x]y"] {
            let chars: Vec<char> = glob.chars().collect();
            let mut pos = 0;
            let nodes = parse_seq(&chars, &mut pos, 0).expect("valid");
            assert_eq!(alternatives(glob), expand(&nodes), "{glob}");
        }
    }

    #[test]
    fn syntax_errors_say_what() {
        for (glob, what) in [
            ("a[b", "unclosed `[`"),
            ("a{b", "unclosed `{`"),
            ("a}b", "unmatched `}`"),
            ("[z-a]", "invalid range"),
        ] {
            let e = alternatives(glob).expect_err(glob);
            assert!(e.message.contains(what), "{glob}: {e}");
        }
        let blowup = "{a,b}".repeat(9);
        assert!(alternatives(&blowup).is_err());
    }
}

//! The shapes clients send most — `attrPath op value`, `attrPath pr` and a
//! bare attribute path — parsed without the `scim_v2` grammar, whose lexer
//! builds a fresh lazy DFA for every input (about 100 k instructions a
//! lookup, 29 % of one; see bench/README.md).
//!
//! Each function gives exactly the syntax tree the grammar gives for its
//! input, or `None`: for any other shape and for anything the grammar might
//! refuse or read differently (other whitespace than spaces, `ſw`, invalid
//! escapes, …). The caller then runs the grammar, so its answers and errors
//! do not change. The token rules copied here are those of
//! `scim_v2/src/filter_parser.lalrpop` (1.0): the longest match wins and
//! the keywords `true`, `false`, `null` and `not ` win a tie with a name.

use scim_v2::filter::{AttrExp, AttrPath, CompValue, CompareOp, Filter};

/// `attrPath SP op SP value` or `attrPath SP pr`, the whole (trimmed) text.
pub(crate) fn filter(text: &str) -> Option<Filter> {
    let text = text.trim();
    let (path, rest) = text.split_at(path_token_len(text)?);
    let path = attr_path_token(path)?;
    let rest = after_spaces(rest)?;
    let (op, rest) = (rest.get(..2)?, rest.get(2..)?);
    if op.eq_ignore_ascii_case("pr") {
        return rest.is_empty().then_some(Filter::Attr(AttrExp::Present(path)));
    }
    let op = compare_op(op)?;
    let value = comp_value(after_spaces(rest)?)?;
    Some(Filter::Attr(AttrExp::Comparison(path, op, value)))
}

/// The whole (trimmed) text as one attribute path: what the grammar's
/// `Path` rule gives as `PatchPath::Attr`.
pub(crate) fn attr_path(text: &str) -> Option<AttrPath> {
    let text = text.trim();
    if path_token_len(text)? != text.len() {
        return None;
    }
    attr_path_token(text)
}

/// Length of the name token `text` starts with: a letter, then letters,
/// digits, `_`, `-`, `.` and `:` (the grammar's `AttrNameTok` and
/// `AttrPathTok` together, as the longest match sees them).
fn path_token_len(text: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    if !bytes.first()?.is_ascii_alphabetic() {
        return None;
    }
    let len = bytes.iter().position(|&b| !(b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.' | b':')));
    Some(len.unwrap_or(bytes.len()))
}

/// The path a whole name token stands for, as `scim_v2`'s
/// `parse_attr_path` reads it; `None` where that refuses it.
fn attr_path_token(token: &str) -> Option<AttrPath> {
    // Keywords win a tie with a name of the same length.
    if matches!(token, "true" | "false" | "null") || token.eq_ignore_ascii_case("not") {
        return None;
    }
    let (uri, rest) = match token.rsplit_once(':') {
        Some((uri, rest)) if is_absolute_uri(uri) => (Some(uri), rest),
        // Not a URI: the `:` stays in the name, which no name allows.
        Some(_) => return None,
        None => (None, token),
    };
    let (name, sub_attr) = match rest.split_once('.') {
        Some((name, sub)) => (name, Some(sub)),
        None => (rest, None),
    };
    if !is_attr_name(name) || sub_attr.is_some_and(|sub| !is_attr_name(sub)) {
        return None;
    }
    Some(AttrPath { uri: uri.map(str::to_string), name: name.to_string(), sub_attr: sub_attr.map(str::to_string) })
}

/// Does `fluent_uri::Uri::parse` accept `s`, made of name-token
/// characters? It needs a scheme (a letter, then letters, digits, `+`, `-`,
/// `.`) and a `:`; every name-token character is allowed in the path after it.
fn is_absolute_uri(s: &str) -> bool {
    s.split_once(':').is_some_and(|(scheme, _)| {
        let mut chars = scheme.chars();
        chars.next().is_some_and(|c| c.is_ascii_alphabetic()) && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
    })
}

/// RFC 7644 `ATTRNAME`: a letter, then letters, digits, `_` or `-`.
fn is_attr_name(s: &str) -> bool {
    let mut bytes = s.bytes();
    bytes.next().is_some_and(|b| b.is_ascii_alphabetic()) && bytes.all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// The text after one or more ASCII spaces; `None` when there are none.
fn after_spaces(text: &str) -> Option<&str> {
    let rest = text.trim_start_matches(' ');
    (rest.len() < text.len()).then_some(rest)
}

fn compare_op(word: &str) -> Option<CompareOp> {
    let [a, b] = word.as_bytes() else { return None };
    Some(match [a.to_ascii_lowercase(), b.to_ascii_lowercase()] {
        [b'e', b'q'] => CompareOp::Eq,
        [b'n', b'e'] => CompareOp::Ne,
        [b'c', b'o'] => CompareOp::Co,
        [b's', b'w'] => CompareOp::Sw,
        [b'e', b'w'] => CompareOp::Ew,
        [b'g', b't'] => CompareOp::Gt,
        [b'l', b't'] => CompareOp::Lt,
        [b'g', b'e'] => CompareOp::Ge,
        [b'l', b'e'] => CompareOp::Le,
        _ => return None,
    })
}

/// A comparison value that is the whole of `text`.
fn comp_value(text: &str) -> Option<CompValue> {
    match text {
        "true" => Some(CompValue::True),
        "false" => Some(CompValue::False),
        "null" => Some(CompValue::Null),
        _ if text.starts_with('"') => {
            if string_literal_len(text)? != text.len() {
                return None;
            }
            serde_json::from_str::<String>(text).ok().map(CompValue::Str)
        }
        _ if is_number_literal(text) => serde_json::from_str::<serde_json::Number>(text).ok().map(CompValue::Number),
        _ => None,
    }
}

/// Length of the grammar's string literal at the start of `text` (which
/// starts with `"`): up to the first quote no backslash escapes. The
/// grammar refuses a backslash before a line feed.
fn string_literal_len(text: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut i = 1;
    while let Some(&b) = bytes.get(i) {
        match b {
            b'"' => return Some(i + 1),
            b'\\' if bytes.get(i + 1).is_none_or(|&next| next == b'\n') => return None,
            // The escaped character may be longer than a byte; its other
            // bytes are never `"` or `\`.
            b'\\' => i += 2,
            _ => i += 1,
        }
    }
    None
}

/// `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`, the whole text.
fn is_number_literal(text: &str) -> bool {
    let digits = |s: &str| s.bytes().take_while(u8::is_ascii_digit).count();
    let rest = text.strip_prefix('-').unwrap_or(text);
    let int = digits(rest);
    if int == 0 || (int > 1 && rest.starts_with('0')) {
        return false;
    }
    let mut rest = &rest[int..];
    if let Some(fraction) = rest.strip_prefix('.') {
        let n = digits(fraction);
        if n == 0 {
            return false;
        }
        rest = &fraction[n..];
    }
    if let Some(exponent) = rest.strip_prefix(['e', 'E']) {
        let exponent = exponent.strip_prefix(['+', '-']).unwrap_or(exponent);
        let n = digits(exponent);
        if n == 0 {
            return false;
        }
        rest = &exponent[n..];
    }
    rest.is_empty()
}

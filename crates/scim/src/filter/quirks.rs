//! Rewrites of filter text that real clients send but RFC 7644 §3.4.2.2 does
//! not allow, applied before the text reaches the grammar:
//!
//! * unquoted comparison values (`externalId eq jyoung`, Entra's own docs);
//! * a sub-attribute after a value path (`emails[type eq "work"].value eq "x"`,
//!   Entra's lookup by work email), which means
//!   `emails[type eq "work" and value eq "x"]`.
//!
//! Both rewrites leave quoted strings alone, so a value such as `"a ] b eq c"`
//! is never taken apart.

/// The comparison operators of RFC 7644 §3.4.2.2 (not `pr`: it takes no value).
const COMPARE_OPS: [&str; 9] = ["eq", "ne", "co", "sw", "ew", "gt", "lt", "ge", "le"];

fn is_compare_op(word: &str) -> bool {
    COMPARE_OPS.iter().any(|op| op.eq_ignore_ascii_case(word))
}

/// Both rewrites, in the order they depend on each other.
pub(crate) fn normalize_filter(raw: &str) -> String {
    hoist_value_path_sub_attrs(&quote_bare_values(raw.trim()))
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Tok<'a> {
    Space(&'a str),
    Quoted(&'a str),
    Word(&'a str),
}

impl<'a> Tok<'a> {
    fn text(self) -> &'a str {
        match self {
            Tok::Space(s) | Tok::Quoted(s) | Tok::Word(s) => s,
        }
    }
}

#[derive(Clone, Copy)]
enum TokKind {
    Space,
    Quoted,
    Word,
}

/// Split into runs of whitespace, JSON string literals and everything else.
fn tokens(s: &str) -> Vec<Tok<'_>> {
    let mut out = Vec::new();
    let mut rest = s;
    while let Some(c) = rest.chars().next() {
        let kind = if c.is_whitespace() {
            TokKind::Space
        } else if c == '"' {
            TokKind::Quoted
        } else {
            TokKind::Word
        };
        let len = match kind {
            TokKind::Space => rest.find(|c: char| !c.is_whitespace()).unwrap_or(rest.len()),
            TokKind::Quoted => quoted_len(rest),
            TokKind::Word => rest.find(|c: char| c.is_whitespace() || c == '"').unwrap_or(rest.len()),
        };
        let (tok, tail) = rest.split_at(len);
        out.push(match kind {
            TokKind::Space => Tok::Space(tok),
            TokKind::Quoted => Tok::Quoted(tok),
            TokKind::Word => Tok::Word(tok),
        });
        rest = tail;
    }
    out
}

/// Length in bytes of the string literal `s` starts with (`s` starts with
/// `"`), closing quote included; the rest of `s` when it is unterminated.
fn quoted_len(s: &str) -> usize {
    let mut escaped = false;
    for (i, c) in s.char_indices().skip(1) {
        if escaped {
            escaped = false;
        } else if c == '\\' {
            escaped = true;
        } else if c == '"' {
            return i + 1;
        }
    }
    s.len()
}

/// Quote the value of every comparison whose value is a bare word:
/// `externalId eq jyoung` becomes `externalId eq "jyoung"`. `true`, `false`
/// and `null` (in any case) stay literals, and so do numbers whose text
/// survives a round trip through a JSON number unchanged; anything else
/// that looks numeric (`00123`, `1e5`) is quoted so that no digit is lost.
pub(crate) fn quote_bare_values(s: &str) -> String {
    let toks = tokens(s);
    let mut out = String::with_capacity(s.len() + 8);
    let mut i = 0;
    while i < toks.len() {
        if let (Some(Tok::Space(_)), Tok::Word(op), Some(Tok::Space(gap)), Some(Tok::Word(value))) =
            (i.checked_sub(1).and_then(|p| toks.get(p)), toks[i], toks.get(i + 1), toks.get(i + 2))
            && is_compare_op(op)
        {
            out.push_str(op);
            out.push_str(gap);
            out.push_str(&literal(value));
            i += 3;
            continue;
        }
        out.push_str(toks[i].text());
        i += 1;
    }
    out
}

/// A bare value, up to the first `)` or `]` (which close a group or a value
/// path), as a literal the grammar accepts.
fn literal(word: &str) -> String {
    let end = word.find([')', ']']).unwrap_or(word.len());
    let (core, suffix) = word.split_at(end);
    // A control character is refused inside a quoted value (JSON strings
    // cannot hold one raw); left unquoted, the grammar refuses it here too.
    if core.is_empty() || core.chars().any(|c| c < ' ') {
        return word.to_string();
    }
    let lowered = core.to_ascii_lowercase();
    let core = if matches!(lowered.as_str(), "true" | "false" | "null") {
        lowered
    } else if is_exact_number(core) {
        core.to_string()
    } else {
        serde_json::Value::String(core.to_string()).to_string()
    };
    core + suffix
}

fn is_exact_number(s: &str) -> bool {
    s.parse::<serde_json::Number>().is_ok_and(|n| n.to_string() == s)
}

/// Turn every `attr[F].sub OP value` (and `attr[F].sub pr`) into
/// `attr[(F) and sub OP value]`.
fn hoist_value_path_sub_attrs(s: &str) -> String {
    let mut text = s.to_string();
    // Each rewrite removes one `].sub` outside string literals, so this
    // ends; the bound only makes that obvious.
    for _ in 0..=s.len() {
        match hoist_one(&text) {
            Some(rewritten) => text = rewritten,
            None => break,
        }
    }
    text
}

fn hoist_one(s: &str) -> Option<String> {
    let mut opens = Vec::new();
    let mut in_quote = false;
    let mut escaped = false;
    for (i, c) in s.char_indices() {
        if in_quote {
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                in_quote = false;
            }
            continue;
        }
        match c {
            '"' => in_quote = true,
            '[' => opens.push(i),
            ']' => {
                if let Some(open) = opens.pop()
                    && let Some(rewritten) = hoist_at(s, open, i)
                {
                    return Some(rewritten);
                }
            }
            _ => {}
        }
    }
    None
}

/// `s[open]` is `[` and `s[close]` its `]`; rewrite when a `.sub` and a
/// comparison follow.
fn hoist_at(s: &str, open: usize, close: usize) -> Option<String> {
    let rest = s.get(close + 1..)?.strip_prefix('.')?;
    let name_len = rest.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-')).unwrap_or(rest.len());
    if name_len == 0 {
        return None;
    }
    let (sub, rest) = rest.split_at(name_len);
    let after_gap = rest.trim_start();
    if after_gap.len() == rest.len() {
        return None;
    }
    let op_len = after_gap.find(|c: char| !c.is_ascii_alphabetic()).unwrap_or(after_gap.len());
    let (op, rest) = after_gap.split_at(op_len);
    let (operand, tail) = if op.eq_ignore_ascii_case("pr") {
        ("", rest)
    } else if is_compare_op(op) {
        let value = rest.trim_start();
        if value.len() == rest.len() {
            return None;
        }
        let len = if value.starts_with('"') {
            quoted_len(value)
        } else {
            value.find(|c: char| c.is_whitespace() || c == ')' || c == ']').unwrap_or(value.len())
        };
        if len == 0 {
            return None;
        }
        value.split_at(len)
    } else {
        return None;
    };
    let gap = if operand.is_empty() { "" } else { " " };
    Some(format!("{}({}) and {sub} {op}{gap}{operand}]{tail}", s.get(..=open)?, s.get(open + 1..close)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bare_values_are_quoted_and_literals_kept() {
        assert_eq!(quote_bare_values("externalId eq jyoung"), r#"externalId eq "jyoung""#);
        assert_eq!(quote_bare_values("active EQ True"), "active EQ true");
        assert_eq!(quote_bare_values("x eq NULL"), "x eq null");
        assert_eq!(quote_bare_values("x eq 42"), "x eq 42");
        assert_eq!(quote_bare_values("x eq 00123"), r#"x eq "00123""#);
        assert_eq!(quote_bare_values("x eq 1e5"), r#"x eq "1e5""#);
        assert_eq!(quote_bare_values("(userName eq bob) or title pr"), r#"(userName eq "bob") or title pr"#);
        assert_eq!(quote_bare_values("emails[type eq work]"), r#"emails[type eq "work"]"#);
        assert_eq!(quote_bare_values("userName eq a@b.io and x eq y"), r#"userName eq "a@b.io" and x eq "y""#);
    }

    #[test]
    fn quoted_values_are_untouched() {
        for s in [r#"userName eq "a b eq c""#, r#"title co "x\" eq y""#, r#"a eq "]""#] {
            assert_eq!(quote_bare_values(s), s);
        }
    }

    #[test]
    fn value_path_sub_attribute_is_hoisted() {
        assert_eq!(normalize_filter(r#"emails[type eq "work"].value eq "a@b.io""#), r#"emails[(type eq "work") and value eq "a@b.io"]"#);
        assert_eq!(
            normalize_filter(r#"emails[type eq work].value eq a@b.io and active eq true"#),
            r#"emails[(type eq "work") and value eq "a@b.io"] and active eq true"#
        );
        assert_eq!(normalize_filter(r#"emails[primary eq true].value pr"#), r#"emails[(primary eq true) and value pr]"#);
        assert_eq!(normalize_filter(r#"emails[type eq "]."].value eq "x""#), r#"emails[(type eq "].") and value eq "x"]"#);
    }

    #[test]
    fn odd_text_is_left_for_the_parser_to_refuse() {
        for s in ["", "emails[type eq \"work\"].value", "a eq", "]].x eq y", "\"unterminated eq x", "é eq ü]"] {
            let _ = normalize_filter(s);
        }
        assert_eq!(normalize_filter("  userName eq \"x\"  "), "userName eq \"x\"");
    }
}

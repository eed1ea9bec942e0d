//! apk's version order (`apk version -t`): a version is read as tokens
//! (numbers, a letter after a number, `_alpha`/`_beta`/`_pre`/`_rc`
//! suffixes that sort before the release and `_cvs`/`_svn`/`_git`/`_hg`/
//! `_p` that sort after it, each with an optional number, and a `-rN`
//! revision), compared token by token. A version apk cannot read is
//! compared as far as it could be read, as apk does.

use std::cmp::Ordering;

/// What the next token of a version is; the order matters (a version
/// that ends early, or goes on with a kind of token the other does not
/// have, is ordered by it).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Token {
    Invalid,
    DigitOrZero,
    Digit,
    Letter,
    Suffix,
    SuffixNo,
    RevisionNo,
    End,
}

const PRE_SUFFIXES: [&str; 4] = ["alpha", "beta", "pre", "rc"];
const POST_SUFFIXES: [&str; 5] = ["cvs", "svn", "git", "hg", "p"];

/// Reads the separator after a token and says what comes next.
fn next_token(kind: &mut Token, s: &mut &[u8]) {
    let mut n = Token::Invalid;
    if s.is_empty() || s[0] == 0 {
        n = Token::End;
    } else if matches!(*kind, Token::Digit | Token::DigitOrZero) && s[0].is_ascii_lowercase() {
        n = Token::Letter;
    } else if *kind == Token::Letter && s[0].is_ascii_digit() {
        n = Token::Digit;
    } else if *kind == Token::Suffix && s[0].is_ascii_digit() {
        n = Token::SuffixNo;
    } else {
        match s[0] {
            b'.' => n = Token::DigitOrZero,
            b'_' => n = Token::Suffix,
            b'-' if s.get(1) == Some(&b'r') => {
                n = Token::RevisionNo;
                *s = &s[1..];
            }
            _ => {}
        }
        *s = &s[1..];
    }
    if n < *kind
        && !((n == Token::DigitOrZero && *kind == Token::Digit)
            || (n == Token::Suffix && *kind == Token::SuffixNo)
            || (n == Token::Digit && *kind == Token::Letter))
    {
        n = Token::Invalid;
    }
    *kind = n;
}

/// Reads the token `kind` says is next; its value.
fn get_token(kind: &mut Token, s: &mut &[u8]) -> i64 {
    if s.is_empty() {
        *kind = Token::End;
        return 0;
    }
    let mut i = 0;
    let mut nt = Token::Invalid;
    let digits = |s: &[u8], i: &mut usize| {
        let mut v: i64 = 0;
        while *i < s.len() && s[*i].is_ascii_digit() {
            v = v.saturating_mul(10).saturating_add(i64::from(s[*i] - b'0'));
            *i += 1;
        }
        v
    };
    let v = match *kind {
        // Leading zeros count against the number: 1.05 < 1.5.
        Token::DigitOrZero if s[0] == b'0' => {
            while i < s.len() && s[i] == b'0' {
                i += 1;
            }
            nt = Token::Digit;
            -(i as i64)
        }
        Token::DigitOrZero | Token::Digit | Token::SuffixNo | Token::RevisionNo => {
            digits(s, &mut i)
        }
        Token::Letter => {
            i = 1;
            i64::from(s[0])
        }
        Token::Suffix => {
            if let Some(k) = PRE_SUFFIXES
                .iter()
                .position(|p| s.starts_with(p.as_bytes()))
            {
                i = PRE_SUFFIXES[k].len();
                k as i64 - PRE_SUFFIXES.len() as i64
            } else if let Some(k) = POST_SUFFIXES
                .iter()
                .position(|p| s.starts_with(p.as_bytes()))
            {
                i = POST_SUFFIXES[k].len();
                k as i64
            } else {
                *kind = Token::Invalid;
                return -1;
            }
        }
        Token::Invalid | Token::End => {
            *kind = Token::Invalid;
            return -1;
        }
    };
    *s = &s[i..];
    if s.is_empty() {
        *kind = Token::End;
    } else if nt != Token::Invalid {
        *kind = nt;
    } else {
        next_token(kind, s);
    }
    v
}

pub fn compare(a: &str, b: &str) -> Ordering {
    let (mut a, mut b) = (a.as_bytes(), b.as_bytes());
    let (mut at, mut bt) = (Token::Digit, Token::Digit);
    let (mut av, mut bv) = (0, 0);
    while at == bt && at != Token::End && at != Token::Invalid && av == bv {
        av = get_token(&mut at, &mut a);
        bv = get_token(&mut bt, &mut b);
    }
    match av.cmp(&bv) {
        Ordering::Equal => {}
        other => return other,
    }
    if at == bt {
        return Ordering::Equal;
    }
    // Equal so far: the one that goes on is newer, unless what follows is
    // a pre-release suffix.
    let mut tt = at;
    if at == Token::Suffix && get_token(&mut tt, &mut a) < 0 {
        return Ordering::Less;
    }
    let mut tt = bt;
    if bt == Token::Suffix && get_token(&mut tt, &mut b) < 0 {
        return Ordering::Greater;
    }
    bt.cmp(&at)
}

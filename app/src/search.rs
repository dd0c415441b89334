//! Words for full-text search, the same for what is indexed and what is asked (pure).
//!
//! Neither engine's own tokenizer splits Chinese, which is written without spaces, so
//! Ripen splits text itself and hands the databases words they only need to look up:
//!
//! - a run of CJK characters (Han ideographs, kana) becomes its overlapping two-character
//!   pieces ("今天很好" → 今天, 天很, 很好); a single CJK character on its own stays as it is;
//! - any other run of letters and digits (`char::is_alphanumeric`) is one word, lowercased
//!   character by character (no NFKC; full-width ASCII such as "ＡＢＣ１" is read as ASCII,
//!   since Chinese keyboards type it);
//! - everything else (spaces, punctuation, symbols, emoji) separates.
//!
//! So a term holds only letters and digits and never a space or quote; the index stores a
//! document's terms joined by spaces ([`document`]), and a [`Query`] asks for all of its
//! terms, the last one as a prefix while it is being typed.

/// Longer runs (a pasted hash, a long URL) are not words anyone searches for.
pub const MAX_TERM_CHARS: usize = 64;
/// How much of a query is read, in characters.
pub const MAX_QUERY_CHARS: usize = 200;
/// How many terms a query may ask for.
pub const MAX_QUERY_TERMS: usize = 16;

/// One searchable term.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Term {
    pub text: String,
    /// Made of CJK characters (a two-character piece, or a lone character).
    pub cjk: bool,
}

/// Whether `c` belongs to a script written without spaces between words.
pub fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x3005..=0x3007 // 々 〆 〇
        | 0x3040..=0x30FF // hiragana, katakana
        | 0x31F0..=0x31FF // katakana extensions
        | 0x3400..=0x4DBF // CJK extension A
        | 0x4E00..=0x9FFF // CJK unified ideographs
        | 0xF900..=0xFAFF // CJK compatibility ideographs
        | 0xFF66..=0xFF9D // half-width katakana
        | 0x20000..=0x3134F // CJK extensions B–G, compatibility supplement
    )
}

/// Full-width ASCII (U+FF01–U+FF5E) as ASCII; anything else as it is.
fn narrow(c: char) -> char {
    match c as u32 {
        0xFF01..=0xFF5E => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        _ => c,
    }
}

/// The terms of `text`, in order (repeats kept).
pub fn terms(text: &str) -> Vec<Term> {
    let mut out = Vec::new();
    let mut word = String::new();
    let mut word_chars = 0usize;
    let mut run: Vec<char> = Vec::new();
    let end_word = |word: &mut String, n: &mut usize, out: &mut Vec<Term>| {
        if !word.is_empty() && *n <= MAX_TERM_CHARS {
            out.push(Term {
                text: std::mem::take(word),
                cjk: false,
            });
        }
        word.clear();
        *n = 0;
    };
    let end_run = |run: &mut Vec<char>, out: &mut Vec<Term>| {
        match run.len() {
            0 => {}
            1 => out.push(Term {
                text: run[0].to_string(),
                cjk: true,
            }),
            _ => out.extend(run.windows(2).map(|w| Term {
                text: w.iter().collect(),
                cjk: true,
            })),
        }
        run.clear();
    };
    for c in text.chars().map(narrow) {
        if is_cjk(c) {
            end_word(&mut word, &mut word_chars, &mut out);
            run.push(c);
        } else if c.is_alphanumeric() {
            end_run(&mut run, &mut out);
            // Lowercasing may add a combining mark ('İ' → "i̇"): only letters and digits stay.
            for l in c.to_lowercase().filter(|l| l.is_alphanumeric()) {
                word.push(l);
                word_chars += 1;
            }
        } else {
            end_word(&mut word, &mut word_chars, &mut out);
            end_run(&mut run, &mut out);
        }
    }
    end_word(&mut word, &mut word_chars, &mut out);
    end_run(&mut run, &mut out);
    out
}

/// What the index keeps for a document made of `parts` (title, body…): each distinct
/// term once, in order of first appearance, joined by single spaces.
pub fn document(parts: &[&str]) -> String {
    let mut seen = std::collections::HashSet::new();
    let mut doc = String::new();
    for term in parts.iter().flat_map(|p| terms(p)) {
        if seen.insert(term.text.clone()) {
            if !doc.is_empty() {
                doc.push(' ');
            }
            doc.push_str(&term.text);
        }
    }
    doc
}

/// A search: every term must be found; the last may be the start of a word.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Query {
    terms: Vec<String>,
    prefix: bool,
}

impl Query {
    /// The query in `text`, or `None` when it holds no term (blank, only punctuation).
    ///
    /// The last term is a prefix ("plu" finds "plum") when it is a word or a lone CJK
    /// character and the text does not end after it (a space says the word is complete).
    /// A CJK pair is matched whole.
    pub fn parse(text: &str) -> Option<Self> {
        let text: String = text.chars().take(MAX_QUERY_CHARS).collect();
        let mut terms: Vec<Term> = Vec::new();
        for t in self::terms(&text) {
            if terms.len() == MAX_QUERY_TERMS {
                break;
            }
            if !terms.iter().any(|seen| seen.text == t.text) {
                terms.push(t);
            }
        }
        let last = terms.last()?;
        let open_end = text.chars().last().is_some_and(|c| {
            let c = narrow(c);
            c.is_alphanumeric() || is_cjk(c)
        });
        let prefix = open_end && (!last.cjk || last.text.chars().count() == 1);
        Some(Self {
            terms: terms.into_iter().map(|t| t.text).collect(),
            prefix,
        })
    }

    pub fn terms(&self) -> &[String] {
        &self.terms
    }

    /// Whether the last term is matched as the start of a word.
    pub fn prefix(&self) -> bool {
        self.prefix
    }

    /// An SQLite FTS5 query: each term a quoted string (`"` doubled, though terms never
    /// hold one), joined by `AND`, the last followed by `*` when it is a prefix. Nothing a
    /// person types can become an FTS5 operator (`OR`, `NEAR(`, `-`, `^`, column filters).
    pub fn fts5(&self) -> String {
        self.joined(" AND ", |t| format!("\"{}\"", t.replace('"', "\"\"")), "*")
    }

    /// A PostgreSQL `tsquery` for `to_tsquery('simple', …)`: each term a quoted lexeme
    /// (`'` and `\` escaped, though terms never hold one), joined by `&`, the last marked
    /// `:*` when it is a prefix.
    pub fn tsquery(&self) -> String {
        self.joined(
            " & ",
            |t| format!("'{}'", t.replace('\\', "\\\\").replace('\'', "''")),
            ":*",
        )
    }

    fn joined(&self, and: &str, quote: impl Fn(&str) -> String, prefix: &str) -> String {
        let mut out = String::new();
        for (i, t) in self.terms.iter().enumerate() {
            if i > 0 {
                out.push_str(and);
            }
            out.push_str(&quote(t));
            if self.prefix && i + 1 == self.terms.len() {
                out.push_str(prefix);
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(text: &str) -> Vec<String> {
        terms(text).into_iter().map(|t| t.text).collect()
    }

    #[test]
    fn latin_text_is_lowercase_words_of_letters_and_digits() {
        assert_eq!(
            texts("Dear future me, the PLUM tree blossomed in 2031!"),
            [
                "dear",
                "future",
                "me",
                "the",
                "plum",
                "tree",
                "blossomed",
                "in",
                "2031"
            ]
        );
        assert_eq!(texts("Café naïve ÉCOLE"), ["café", "naïve", "école"]);
        assert_eq!(texts("Straße Ωmega"), ["straße", "ωmega"]);
        // Lowercasing never leaves a combining mark behind.
        assert_eq!(texts("İstanbul"), ["istanbul"]);
        assert!(terms("hello").iter().all(|t| !t.cjk));
    }

    #[test]
    fn punctuation_symbols_and_emoji_only_separate() {
        assert_eq!(
            texts("e-mail: ann@example.com; don't (x_y) a/b 3.14 🙂ok"),
            [
                "e", "mail", "ann", "example", "com", "don", "t", "x", "y", "a", "b", "3", "14",
                "ok"
            ]
        );
        assert!(
            texts("  \" OR 1=1 -- * NEAR( ^ : ' ")
                .iter()
                .all(|t| t.chars().all(char::is_alphanumeric))
        );
        assert!(terms("!!! … —— 🙂🙂").is_empty());
        assert!(terms("").is_empty());
    }

    #[test]
    fn chinese_runs_become_overlapping_pairs_and_a_lone_character_stays() {
        assert_eq!(texts("今天很好"), ["今天", "天很", "很好"]);
        assert_eq!(texts("好"), ["好"]);
        assert_eq!(texts("我，爱。你"), ["我", "爱", "你"]);
        assert_eq!(texts("春天。夏天"), ["春天", "夏天"]);
        let t = terms("今天");
        assert!(t.iter().all(|t| t.cjk));
        // Kana too; Hangul is written with spaces and stays words.
        assert_eq!(texts("さくら"), ["さく", "くら"]);
        assert_eq!(texts("안녕 하세요"), ["안녕", "하세요"]);
    }

    #[test]
    fn mixed_text_splits_between_scripts() {
        assert_eq!(
            texts("我用iPhone拍了2024年的樱花 Sakura!"),
            [
                "我用", "iphone", "拍了", "2024", "年的", "的樱", "樱花", "sakura"
            ]
        );
        // Full-width ASCII is read as ASCII (no NFKC otherwise).
        assert_eq!(texts("ＡＢＣ１２３，Ｈｅｌｌｏ"), ["abc123", "hello"]);
    }

    #[test]
    fn overlong_runs_are_not_terms() {
        let long = "a".repeat(MAX_TERM_CHARS + 1);
        assert_eq!(texts(&format!("short {long} end")), ["short", "end"]);
        let longest = "b".repeat(MAX_TERM_CHARS);
        assert_eq!(texts(&longest), [longest]);
    }

    #[test]
    fn documents_keep_each_term_once_in_order() {
        assert_eq!(
            document(&["Plum tree", "The plum TREE, 今天今天"]),
            "plum tree the 今天 天今"
        );
        assert_eq!(document(&["", "!!"]), "");
    }

    #[test]
    fn queries_and_their_terms_and_prefix_the_last_word_while_typed() {
        let q = Query::parse("Plum blos").unwrap();
        assert_eq!(q.terms(), ["plum", "blos"]);
        assert!(q.prefix());
        assert_eq!(q.fts5(), "\"plum\" AND \"blos\"*");
        assert_eq!(q.tsquery(), "'plum' & 'blos':*");

        // A trailing space or punctuation ends the word.
        let q = Query::parse("plum ").unwrap();
        assert!(!q.prefix());
        assert_eq!(q.fts5(), "\"plum\"");
        assert_eq!(q.tsquery(), "'plum'");

        // A Chinese pair is matched whole, a lone character as the start of a pair.
        let q = Query::parse("樱花").unwrap();
        assert_eq!((q.terms(), q.prefix()), (&["樱花".to_owned()][..], false));
        let q = Query::parse("樱").unwrap();
        assert_eq!(q.tsquery(), "'樱':*");
        let q = Query::parse("今天很好").unwrap();
        assert_eq!(q.fts5(), "\"今天\" AND \"天很\" AND \"很好\"");

        // Repeats are asked once.
        assert_eq!(Query::parse("a A a").unwrap().terms(), ["a"]);
    }

    #[test]
    fn queries_of_nothing_are_none_and_hostile_text_is_only_words() {
        for blank in ["", "   ", "\"*\"", "-- ; '", "🙂", "()"] {
            assert_eq!(Query::parse(blank), None, "{blank:?}");
        }
        let q = Query::parse("\" OR 1=1 -- *").unwrap();
        assert_eq!(q.terms(), ["or", "1"]);
        assert_eq!(q.fts5(), "\"or\" AND \"1\"");
        assert_eq!(q.tsquery(), "'or' & '1'");
        let q = Query::parse("NEAR(").unwrap();
        assert_eq!(q.fts5(), "\"near\"");
        let q = Query::parse("x'); DROP TABLE letter; --").unwrap();
        assert_eq!(q.terms(), ["x", "drop", "table", "letter"]);
    }

    #[test]
    fn long_queries_are_cut() {
        let q = Query::parse(&"word ".repeat(100)).unwrap();
        assert_eq!(q.terms(), ["word"]);
        let many: String = (0..40).map(|i| format!("w{i} ")).collect();
        assert_eq!(Query::parse(&many).unwrap().terms().len(), MAX_QUERY_TERMS);
        let huge = "长".repeat(10_000);
        assert!(Query::parse(&huge).unwrap().terms().len() <= MAX_QUERY_TERMS);
    }
}

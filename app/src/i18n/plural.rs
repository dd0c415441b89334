//! Texts that name a count, in the forms each language's plural rule asks for.
//!
//! English tells one from many ("1 focus session", "2 focus sessions"); Chinese has no plural
//! forms ("专注 1 次", "专注 2 次"). These are the two languages' CLDR cardinal rules for whole
//! numbers: English has the categories `one` (exactly 1) and `other`, Chinese only `other`.
//! A catalogue value that names a count is a [`Plural`] built with its language's rule, and a
//! view asks it for the text of a count — `t().diary.records.count(n)` — instead of testing
//! `n == 1` itself. `i18n::tests` checks that every English plural has both forms and every
//! Chinese one a single form.

use std::fmt::Display;

use serde::{Serialize, Serializer, ser::SerializeMap};

use super::fill;

/// A text naming a count `{n}` (the `one` form may spell it out: "its recipient").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Plural {
    /// A language that tells one from many (English): `one` for exactly 1, `other` for
    /// every other count, 0 included.
    OneOther {
        one: &'static str,
        other: &'static str,
    },
    /// A language without plural forms (Chinese): one text for every count.
    Invariant(&'static str),
}

impl Plural {
    pub const fn one_other(one: &'static str, other: &'static str) -> Self {
        Self::OneOther { one, other }
    }

    pub const fn invariant(text: &'static str) -> Self {
        Self::Invariant(text)
    }

    /// The form `n` takes, placeholders unfilled (for texts with more placeholders than
    /// `{n}`, or a label shown beside a number drawn on its own).
    pub fn form(&self, n: impl Count) -> &'static str {
        match *self {
            Self::OneOther { one, other } => {
                if n.is_one() {
                    one
                } else {
                    other
                }
            }
            Self::Invariant(text) => text,
        }
    }

    /// The form `n` takes with `{n}` filled: "3 focus sessions".
    pub fn count(&self, n: impl Count) -> String {
        fill(self.form(n), &[("n", &n)])
    }
}

/// A number a [`Plural`] can count: whole numbers, and the values of charts (which are
/// whole minutes or counts, but travel as `f64`).
pub trait Count: Copy + Display {
    /// Whether the number is exactly one (English's `one` category: 1, not 1.5 or -1).
    fn is_one(self) -> bool;
}

macro_rules! whole_counts {
    ($($t:ty),*) => {$(
        impl Count for $t {
            fn is_one(self) -> bool {
                self == 1
            }
        }
    )*};
}
whole_counts!(u8, u16, u32, u64, usize, i8, i16, i32, i64);

impl Count for f64 {
    fn is_one(self) -> bool {
        self == 1.0
    }
}

/// For translators (`ripen catalogue`): `{"one": …, "other": …}` in English,
/// `{"other": …}` in Chinese.
impl Serialize for Plural {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match *self {
            Self::OneOther { one, other } => {
                let mut map = s.serialize_map(Some(2))?;
                map.serialize_entry("one", one)?;
                map.serialize_entry("other", other)?;
                map.end()
            }
            Self::Invariant(text) => {
                let mut map = s.serialize_map(Some(1))?;
                map.serialize_entry("other", text)?;
                map.end()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn english_tells_exactly_one_from_every_other_count() {
        let p = Plural::one_other("{n} record", "{n} records");
        assert_eq!(p.count(0), "0 records");
        assert_eq!(p.count(1), "1 record");
        assert_eq!(p.count(2), "2 records");
        assert_eq!(p.count(21_u64), "21 records");
        assert_eq!(p.count(usize::MAX), format!("{} records", usize::MAX));
        assert_eq!(p.count(-1_i64), "-1 records");
        assert_eq!(p.form(1.0), "{n} record");
        assert_eq!(p.form(1.5), "{n} records");
    }

    #[test]
    fn chinese_has_one_form() {
        let p = Plural::invariant("{n} 条记录");
        for n in [0, 1, 2, 11] {
            assert_eq!(p.count(n), format!("{n} 条记录"));
        }
    }

    #[test]
    fn other_placeholders_are_left_for_the_caller() {
        let p = Plural::one_other("{n} session, {min} min", "{n} sessions, {min} min");
        assert_eq!(
            fill(p.form(1), &[("n", &1), ("min", &25)]),
            "1 session, 25 min"
        );
    }

    #[test]
    fn serialises_its_forms_for_translators() {
        let en = serde_json::to_value(Plural::one_other("a", "b")).unwrap();
        assert_eq!(en, serde_json::json!({"one": "a", "other": "b"}));
        let zh = serde_json::to_value(Plural::invariant("c")).unwrap();
        assert_eq!(zh, serde_json::json!({"other": "c"}));
    }
}

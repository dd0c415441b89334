//! Validated account fields. Each type has a private field and `parse` as its only
//! constructor, so an invalid value cannot exist past the boundary; errors name the field.

use serde::{Deserialize, Serialize};

use crate::AppError;

/// 3–32 characters: letters, digits, `_`, `-`, `.`; starts with a letter or digit.
/// Kept as typed; compare with [`Username::canonical`] (lower case) for uniqueness.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Username(String);

impl Username {
    pub const FIELD: &'static str = "username";

    pub fn parse(raw: &str) -> Result<Self, AppError> {
        let s = raw.trim();
        let len = s.chars().count();
        if !(3..=32).contains(&len) {
            return Err(AppError::validation(
                Self::FIELD,
                crate::i18n::t().auth.username_length,
            ));
        }
        if !s
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '.'))
        {
            return Err(AppError::validation(
                Self::FIELD,
                crate::i18n::t().auth.username_chars,
            ));
        }
        if !s.chars().next().is_some_and(char::is_alphanumeric) {
            return Err(AppError::validation(
                Self::FIELD,
                crate::i18n::t().auth.username_start,
            ));
        }
        Ok(Self(s.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The case-insensitive form used for uniqueness (`Ada` and `ada` are the same user).
    pub fn canonical(&self) -> String {
        self.0.to_lowercase()
    }
}

/// An email address, trimmed, with the domain in lower case (the local part is kept: some
/// servers treat it case-sensitively). Deliberately simple: one `@`, a non-empty local part,
/// a dotted domain, no spaces; the verification email proves the rest.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Email(String);

impl Email {
    pub const FIELD: &'static str = "email";

    pub fn parse(raw: &str) -> Result<Self, AppError> {
        let invalid = || AppError::validation(Self::FIELD, crate::i18n::t().auth.email_invalid);
        let s = raw.trim();
        if s.len() > 254 || s.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(invalid());
        }
        let (local, domain) = s.rsplit_once('@').ok_or_else(invalid)?;
        let labels_ok = domain
            .split('.')
            .all(|l| !l.is_empty() && !l.starts_with('-') && !l.ends_with('-'));
        if local.is_empty()
            || local.len() > 64
            || local.contains('@')
            || !domain.contains('.')
            || !labels_ok
        {
            return Err(invalid());
        }
        Ok(Self(format!("{local}@{}", domain.to_lowercase())))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The form used for uniqueness: entirely lower case, so `Ada@x.org` and `ada@x.org`
    /// cannot hold two accounts (the address as typed is still where mail goes).
    pub fn canonical(&self) -> String {
        self.0.to_lowercase()
    }
}

/// A phone number in E.164 form: `+`, then 8 to 15 digits, the first not 0. Spaces,
/// dashes, dots and parentheses typed for readability are removed.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Phone(String);

impl Phone {
    pub const FIELD: &'static str = "phone";

    pub fn parse(raw: &str) -> Result<Self, AppError> {
        let s: String = raw
            .chars()
            .filter(|c| !matches!(c, ' ' | '-' | '.' | '(' | ')'))
            .collect();
        let digits = s.strip_prefix('+').unwrap_or("");
        let ok = (8..=15).contains(&digits.len())
            && digits.chars().all(|c| c.is_ascii_digit())
            && !digits.starts_with('0');
        if !ok {
            return Err(AppError::validation(
                Self::FIELD,
                crate::i18n::t().auth.phone_invalid,
            ));
        }
        Ok(Self(s))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// What a person types to sign in: a username or an email address, trimmed, at most
/// [`LoginName::MAX_BYTES`] (the longest email address), so nothing longer is looked up,
/// hashed or counted.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct LoginName(String);

impl LoginName {
    pub const FIELD: &'static str = "identifier";
    /// An email address has at most 254 bytes (RFC 5321); a username far fewer.
    pub const MAX_BYTES: usize = 254;

    pub fn parse(raw: &str) -> Result<Self, AppError> {
        let s = raw.trim();
        if s.is_empty() {
            return Err(AppError::validation(
                Self::FIELD,
                crate::i18n::t().auth.identifier_required,
            ));
        }
        if s.len() > Self::MAX_BYTES {
            return Err(AppError::validation(
                Self::FIELD,
                crate::i18n::t().auth.identifier_too_long,
            ));
        }
        Ok(Self(s.to_owned()))
    }

    /// The lower-case form accounts are found by (`Ada` and `ada` are the same user).
    pub fn canonical(&self) -> String {
        self.0.to_lowercase()
    }

    /// Whether it names an email address rather than a username.
    pub fn is_email(&self) -> bool {
        self.0.contains('@')
    }
}

/// A new password: 8 to 128 characters, no composition rules (NIST SP 800-63B).
/// Never serialised, never printed.
#[derive(Clone, PartialEq, Eq)]
pub struct NewPassword(String);

impl NewPassword {
    pub const FIELD: &'static str = "password";

    pub fn parse(raw: &str) -> Result<Self, AppError> {
        let len = raw.chars().count();
        if len < 8 {
            return Err(AppError::validation(
                Self::FIELD,
                crate::i18n::t().auth.password_too_short,
            ));
        }
        if len > 128 {
            return Err(AppError::validation(
                Self::FIELD,
                crate::i18n::t().auth.password_too_long_new,
            ));
        }
        Ok(Self(raw.to_owned()))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for NewPassword {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("NewPassword([REDACTED])")
    }
}

macro_rules! string_conversions {
    ($($t:ty),*) => {$(
        impl TryFrom<String> for $t {
            type Error = AppError;
            fn try_from(value: String) -> Result<Self, Self::Error> {
                Self::parse(&value)
            }
        }
        impl From<$t> for String {
            fn from(value: $t) -> String {
                value.0
            }
        }
        impl std::fmt::Display for $t {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }
    )*};
}
string_conversions!(Username, Email, Phone);

#[cfg(test)]
mod tests {
    use super::*;

    fn field_of(e: AppError) -> String {
        match e {
            AppError::Validation { fields } => fields[0].field.clone(),
            other => panic!("not a validation error: {other:?}"),
        }
    }

    #[test]
    fn usernames() {
        assert_eq!(Username::parse("  Ada_L  ").unwrap().as_str(), "Ada_L");
        assert_eq!(Username::parse("Ada").unwrap().canonical(), "ada");
        assert!(Username::parse("李小龙").is_ok(), "letters of any script");
        for bad in [
            "ab",
            &"a".repeat(33),
            "ada lovelace",
            "_ada",
            "ada<script>",
            "",
        ] {
            assert_eq!(
                field_of(Username::parse(bad).unwrap_err()),
                "username",
                "{bad:?}"
            );
        }
    }

    #[test]
    fn emails() {
        assert_eq!(
            Email::parse(" Ada@Example.COM ").unwrap().as_str(),
            "Ada@example.com"
        );
        for bad in [
            "ada",
            "ada@",
            "@example.com",
            "ada@example",
            "a da@example.com",
            "ada@-x.com",
            "ada@x..com",
        ] {
            assert_eq!(field_of(Email::parse(bad).unwrap_err()), "email", "{bad:?}");
        }
    }

    #[test]
    fn phones() {
        assert_eq!(
            Phone::parse("+44 (20) 7946-0958").unwrap().as_str(),
            "+442079460958"
        );
        assert_eq!(
            Phone::parse("+8613800138000").unwrap().as_str(),
            "+8613800138000"
        );
        for bad in [
            "02079460958",
            "+0123456789",
            "+1234",
            "+1234567890123456",
            "+44 20 79x6 0958",
        ] {
            assert_eq!(field_of(Phone::parse(bad).unwrap_err()), "phone", "{bad:?}");
        }
    }

    #[test]
    fn login_names_are_bounded_and_compared_in_lower_case() {
        let n = LoginName::parse("  Ada@Example.com ").unwrap();
        assert_eq!(n.canonical(), "ada@example.com");
        assert!(n.is_email());
        assert!(!LoginName::parse("ada").unwrap().is_email());
        assert!(LoginName::parse(&"a".repeat(254)).is_ok());
        for bad in ["", "   ", &"a".repeat(255), &"a".repeat(2 * 1024 * 1024)] {
            assert_eq!(
                field_of(LoginName::parse(bad).unwrap_err()),
                "identifier",
                "{} bytes",
                bad.len()
            );
        }
    }

    #[test]
    fn passwords_need_length_only_and_never_print() {
        assert!(NewPassword::parse("correct horse").is_ok());
        assert!(
            NewPassword::parse("ääääääää").is_ok(),
            "counted in characters"
        );
        assert_eq!(
            field_of(NewPassword::parse("short").unwrap_err()),
            "password"
        );
        assert_eq!(
            field_of(NewPassword::parse(&"x".repeat(129)).unwrap_err()),
            "password"
        );
        let p = NewPassword::parse("hunter2hunter2").unwrap();
        assert!(!format!("{p:?}").contains("hunter2"));
    }

    #[test]
    fn deserialising_validates_too() {
        assert!(serde_json::from_str::<Email>("\"not an email\"").is_err());
        let e: Email = serde_json::from_str("\"a@B.org\"").unwrap();
        assert_eq!(e.as_str(), "a@b.org");
    }
}

//! The limits of a letter and the checks of its fields, shared by the compose page (to say
//! so before sending) and the server (which decides). Errors name the field.

use crate::{
    AppError, FieldErrors,
    account::fields::{Email, Phone},
    i18n::{fill, t},
};

use super::RecipientInput;

pub const MAX_TITLE_CHARS: usize = 200;
/// About 25 printed pages; more is refused with a field error, never truncated.
pub const MAX_BODY_CHARS: usize = 50_000;
pub const MAX_RECIPIENTS: usize = 10;
pub const MAX_IMAGES: usize = 5;
pub const MAX_PEN_NAME_CHARS: usize = 60;
pub const MAX_NAME_CHARS: usize = 100;
pub const MAX_THANKS_CHARS: usize = 500;
/// The latest delivery, in years from now (FutureMe's horizon).
pub const MAX_YEARS_AHEAD: u32 = 50;

fn too_long(max: usize) -> String {
    fill(t().letters.use_at_most, &[("max", &max)])
}

/// Title: required to schedule, at most 200 characters. Returned trimmed.
pub fn title(raw: &str, required: bool) -> Result<String, AppError> {
    let t = raw.trim();
    if t.chars().count() > MAX_TITLE_CHARS {
        return Err(AppError::validation("title", too_long(MAX_TITLE_CHARS)));
    }
    if required && t.is_empty() {
        return Err(AppError::validation(
            "title",
            crate::i18n::t().letters.title_required,
        ));
    }
    Ok(t.to_owned())
}

/// Body: required to schedule, at most [`MAX_BODY_CHARS`].
pub fn body(raw: &str, required: bool) -> Result<String, AppError> {
    let n = raw.chars().count();
    if n > MAX_BODY_CHARS {
        return Err(AppError::validation(
            "body",
            fill(
                t().letters.body_too_long,
                &[("n", &n), ("max", &MAX_BODY_CHARS)],
            ),
        ));
    }
    if required && raw.trim().is_empty() {
        return Err(AppError::validation("body", t().letters.body_required));
    }
    Ok(raw.to_owned())
}

/// Pen name for the public wall: optional, at most 60 characters, no line breaks.
pub fn pen_name(raw: &str) -> Result<Option<String>, AppError> {
    let p = raw.trim();
    if p.chars().count() > MAX_PEN_NAME_CHARS {
        return Err(AppError::validation(
            "pen_name",
            too_long(MAX_PEN_NAME_CHARS),
        ));
    }
    if p.chars().any(char::is_control) {
        return Err(AppError::validation(
            "pen_name",
            t().letters.pen_name_single_line,
        ));
    }
    Ok((!p.is_empty()).then(|| p.to_owned()))
}

/// A checked recipient.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recipient {
    pub name: Option<String>,
    pub email: String,
    pub phone: Option<String>,
}

/// Checks every recipient; `strict` (scheduling) requires name and email, a draft keeps
/// half-filled rows but still refuses over-long or malformed values.
pub fn recipients(list: &[RecipientInput], strict: bool) -> Result<Vec<Recipient>, AppError> {
    if list.len() > MAX_RECIPIENTS {
        return Err(AppError::validation(
            "recipients",
            fill(t().letters.too_many_recipients, &[("max", &MAX_RECIPIENTS)]),
        ));
    }
    let mut problems = FieldErrors::default();
    let mut out = Vec::with_capacity(list.len());
    let mut seen = std::collections::HashSet::new();
    for (i, r) in list.iter().enumerate() {
        let field = |f: &str| format!("recipients.{i}.{f}");
        let name = r.name.trim();
        let email = r.email.trim();
        let phone = r.phone.trim();
        if !strict && name.is_empty() && email.is_empty() && phone.is_empty() {
            continue;
        }
        if name.chars().count() > MAX_NAME_CHARS || name.chars().any(char::is_control) {
            problems.add(field("name"), too_long(MAX_NAME_CHARS));
        } else if strict && name.is_empty() {
            problems.add(field("name"), t().letters.recipient_name_required);
        }
        let email = if email.is_empty() && !strict {
            Some(String::new())
        } else {
            match Email::parse(email) {
                Ok(e) => {
                    if !seen.insert(e.as_str().to_lowercase()) {
                        problems.add(field("email"), t().letters.recipient_duplicate);
                    }
                    Some(e.as_str().to_owned())
                }
                Err(_) => {
                    problems.add(field("email"), t().letters.recipient_email_invalid);
                    None
                }
            }
        };
        let phone = if phone.is_empty() {
            Some(None)
        } else {
            match Phone::parse(phone) {
                Ok(p) => Some(Some(p.as_str().to_owned())),
                Err(_) => {
                    problems.add(field("phone"), t().letters.recipient_phone_invalid);
                    None
                }
            }
        };
        if let (Some(email), Some(phone)) = (email, phone) {
            out.push(Recipient {
                name: (!name.is_empty()).then(|| name.to_owned()),
                email,
                phone,
            });
        }
    }
    problems.into_result().map(|()| out)
}

/// The recipient's thank-you note: optional, at most 500 characters.
pub fn thanks_note(raw: &str) -> Result<Option<String>, AppError> {
    let n = raw.trim();
    if n.chars().count() > MAX_THANKS_CHARS {
        return Err(AppError::validation("note", too_long(MAX_THANKS_CHARS)));
    }
    Ok((!n.is_empty()).then(|| n.to_owned()))
}

/// "1 hour", "3 days", "2 years and 4 months": the rough size of a span, in the current
/// language.
pub fn duration_words(ms: i64) -> String {
    let t = &t().letters;
    let mins = ms / 60_000;
    let days = mins / 1440;
    if ms < 60_000 {
        t.span_second.count((ms / 1000).max(1))
    } else if mins < 60 {
        t.span_minute.count(mins)
    } else if mins < 1440 {
        t.span_hour.count(mins / 60)
    } else if days < 60 {
        t.span_day.count(days)
    } else if days < 730 {
        t.span_month.count(days / 30)
    } else {
        let years = t.span_year.count(days / 365);
        let months = (days % 365) / 30;
        if months == 0 {
            years
        } else {
            let months = t.span_month.count(months);
            fill(t.span_and, &[("years", &years), ("months", &months)])
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(name: &str, email: &str, phone: &str) -> RecipientInput {
        RecipientInput {
            name: name.into(),
            email: email.into(),
            phone: phone.into(),
        }
    }

    #[test]
    fn title_and_body_limits_name_their_field() {
        assert_eq!(title("  Hi  ", true).unwrap(), "Hi");
        let e = title(&"x".repeat(201), false).unwrap_err();
        assert!(e.field_message("title").is_some());
        assert!(
            title("", true)
                .unwrap_err()
                .field_message("title")
                .is_some()
        );
        assert!(title("", false).is_ok(), "a draft may lack a title");
        let e = body(&"a".repeat(MAX_BODY_CHARS + 1), false).unwrap_err();
        assert!(e.field_message("body").unwrap().contains("50000"));
        assert!(
            body(" \n", true)
                .unwrap_err()
                .field_message("body")
                .is_some()
        );
    }

    #[test]
    fn recipients_are_checked_one_by_one() {
        let list = [
            r("Ann", "ann@example.com", "+44 20 7946 0958"),
            r("Bob", "not-an-email", ""),
            r("Cy", "cy@example.com", "12345"),
            r("", "dee@example.com", ""),
        ];
        let e = recipients(&list, true).unwrap_err();
        assert!(e.field_message("recipients.1.email").is_some());
        assert!(e.field_message("recipients.2.phone").is_some());
        assert!(e.field_message("recipients.3.name").is_some());
        assert!(e.field_message("recipients.0.email").is_none());
        let ok = recipients(&list[..1], true).unwrap();
        assert_eq!(ok[0].phone.as_deref(), Some("+442079460958"));
    }

    #[test]
    fn too_many_or_repeated_recipients_are_refused() {
        let many: Vec<_> = (0..=MAX_RECIPIENTS)
            .map(|i| r("N", &format!("n{i}@example.com"), ""))
            .collect();
        assert!(
            recipients(&many, true)
                .unwrap_err()
                .field_message("recipients")
                .is_some()
        );
        let twice = [r("A", "a@example.com", ""), r("B", "A@EXAMPLE.com", "")];
        assert!(
            recipients(&twice, true)
                .unwrap_err()
                .field_message("recipients.1.email")
                .is_some()
        );
    }

    #[test]
    fn drafts_keep_half_filled_rows_but_not_bad_values() {
        let list = [r("Ann", "", ""), r("", "", "")];
        let kept = recipients(&list, false).unwrap();
        assert_eq!(kept.len(), 1, "an empty row is dropped, a named one kept");
        assert!(recipients(&[r("A", "bad", "")], false).is_err());
    }

    #[test]
    fn pen_names_are_single_short_lines() {
        assert_eq!(pen_name("  Owl ").unwrap().as_deref(), Some("Owl"));
        assert_eq!(pen_name("").unwrap(), None);
        assert!(pen_name("a\nb").is_err());
        assert!(pen_name(&"p".repeat(61)).is_err());
    }

    #[test]
    fn spans_read_naturally() {
        assert_eq!(duration_words(3_600_000), "1 hour");
        assert_eq!(duration_words(3 * 86_400_000), "3 days");
        assert_eq!(
            duration_words((2 * 365 + 125) * 86_400_000),
            "2 years and 4 months"
        );
    }
}

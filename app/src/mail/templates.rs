//! Ripen's account emails, each in plain text and HTML. Everything interpolated into the
//! HTML is escaped; links are built from the configured site URL, never from the request.

use super::Email;
use crate::i18n::{Lang, fill, mail::Mail};

use crate::markdown::escape;

/// A paragraph list and at most one button, in a simple, widely supported layout.
struct Body<'a> {
    /// The language it is written in, for `<html lang>`.
    lang: Lang,
    greeting: String,
    paragraphs: Vec<String>,
    action: Option<(&'a str, &'a str)>,
    footer: &'a str,
}

impl Body<'_> {
    fn text(&self) -> String {
        let mut out = format!("{}\n\n", self.greeting);
        for p in &self.paragraphs {
            out.push_str(p);
            out.push_str("\n\n");
        }
        if let Some((label, url)) = self.action {
            out.push_str(&format!("{label}:\n{url}\n\n"));
        }
        out.push_str("— Ripen\n\n");
        out.push_str(self.footer);
        out.push('\n');
        out
    }

    fn html(&self) -> String {
        let mut out = format!(
            "<!doctype html><html lang=\"{}\"><body style=\"margin:0;padding:24px;background:#faf7f2;\
             font-family:-apple-system,Segoe UI,Helvetica,Arial,sans-serif;color:#1f1b16;\">\
             <div style=\"max-width:520px;margin:0 auto;background:#ffffff;border-radius:12px;\
             padding:32px;\"><p style=\"font-size:20px;font-weight:600;color:#c2410c;margin:0 0 24px;\">\
             Ripen</p>",
            self.lang.tag()
        );
        out.push_str(&format!(
            "<p style=\"font-size:16px;line-height:1.5;\">{}</p>",
            escape(&self.greeting)
        ));
        for p in &self.paragraphs {
            out.push_str(&format!(
                "<p style=\"font-size:16px;line-height:1.5;\">{}</p>",
                escape(p)
            ));
        }
        if let Some((label, url)) = self.action {
            let url = escape(url);
            out.push_str(&format!(
                "<p style=\"margin:28px 0;\"><a href=\"{url}\" style=\"background:#c2410c;\
                 color:#ffffff;text-decoration:none;padding:12px 20px;border-radius:8px;\
                 font-weight:600;display:inline-block;\">{}</a></p>\
                 <p style=\"font-size:13px;color:#6b6259;word-break:break-all;\">{url}</p>",
                escape(label)
            ));
        }
        out.push_str(&format!(
            "<p style=\"font-size:13px;color:#6b6259;margin-top:32px;\">{}</p></div></body></html>",
            escape(self.footer)
        ));
        out
    }

    fn into_email(self, to_name: Option<&str>, to_address: &str, subject: &str) -> Email {
        Email {
            to_name: to_name.map(str::to_owned),
            to_address: to_address.to_owned(),
            subject: subject.to_owned(),
            text: self.text(),
            html: self.html(),
        }
    }
}

/// "Hello {name}," in `t`'s language.
fn hello(t: &Mail, name: &str) -> String {
    fill(t.hello_name, &[("name", &name)])
}

/// The language of the request being answered, and its texts.
fn request_lang() -> (Lang, &'static Mail) {
    let lang = crate::i18n::lang();
    (lang, &lang.texts().mail)
}

pub fn verify_email(username: &str, to: &str, link: &str, hours: i64) -> Email {
    let (lang, t) = request_lang();
    Body {
        lang,
        greeting: hello(t, username),
        paragraphs: vec![t.verify_body.into(), t.verify_expiry.count(hours)],
        action: Some((t.verify_action, link)),
        footer: t.not_you,
    }
    .into_email(Some(username), to, t.verify_subject)
}

pub fn already_registered(to: &str, login_link: &str, reset_link: &str) -> Email {
    let (lang, t) = request_lang();
    Body {
        lang,
        greeting: t.hello.into(),
        paragraphs: vec![
            t.already_body.into(),
            fill(t.already_sign_in, &[("link", &login_link)]),
        ],
        action: Some((t.reset_my_password, reset_link)),
        footer: t.not_you,
    }
    .into_email(None, to, t.already_subject)
}

pub fn username_taken(username: &str, to: &str, signup_link: &str) -> Email {
    let (lang, t) = request_lang();
    Body {
        lang,
        greeting: t.hello.into(),
        paragraphs: vec![fill(t.taken_body, &[("username", &username)])],
        action: Some((t.taken_action, signup_link)),
        footer: t.not_you,
    }
    .into_email(None, to, t.taken_subject)
}

pub fn reset_password(username: &str, to: &str, link: &str, minutes: i64) -> Email {
    let (lang, t) = request_lang();
    Body {
        lang,
        greeting: hello(t, username),
        paragraphs: vec![t.reset_body.into(), t.reset_expiry.count(minutes)],
        action: Some((t.reset_action, link)),
        footer: t.not_you,
    }
    .into_email(Some(username), to, t.reset_subject)
}

/// A security alert: what happened to the account's sign-in (`title`, `body`, already
/// worded in `lang`), what to do if it was not the owner, and a link to the activity list.
#[derive(Debug, Clone, Copy)]
pub struct SecurityAlert<'a> {
    pub username: &'a str,
    pub to: &'a str,
    pub title: &'a str,
    pub body: &'a str,
    pub link: &'a str,
}

pub fn security_alert(lang: Lang, a: &SecurityAlert<'_>) -> Email {
    let t = &lang.texts().security;
    Body {
        lang,
        greeting: hello(&lang.texts().mail, a.username),
        paragraphs: vec![a.body.into(), t.not_you.into()],
        action: Some((t.review, a.link)),
        footer: t.footer,
    }
    .into_email(Some(a.username), a.to, a.title)
}

/// To the address an account had before its owner (or someone) changed it: the new
/// address, and a link that gives the account this one back (`report_link`).
pub fn email_changed_old_address(
    lang: Lang,
    username: &str,
    to: &str,
    new: &str,
    report_link: &str,
) -> Email {
    let t = &lang.texts().security;
    Body {
        lang,
        greeting: hello(&lang.texts().mail, username),
        paragraphs: vec![
            fill(t.old_address_body, &[("new", &new)]),
            t.old_address_not_you.into(),
        ],
        action: Some((t.old_address_action, report_link)),
        footer: t.footer,
    }
    .into_email(Some(username), to, t.email_changed)
}

/// The account was closed: what happened, the date everything is erased (`erase_on`, already
/// written in the request's language), and how to undo it.
pub fn account_closed(username: &str, to: &str, erase_on: &str, login_link: &str) -> Email {
    let (lang, t) = request_lang();
    Body {
        lang,
        greeting: hello(t, username),
        paragraphs: vec![
            t.closed_body.into(),
            fill(t.closed_erase, &[("date", &erase_on)]),
            t.closed_undo.into(),
        ],
        action: Some((t.closed_action, login_link)),
        footer: t.account_footer,
    }
    .into_email(Some(username), to, t.closed_subject)
}

/// What the email that carries a letter says.
#[derive(Debug, Clone, Copy)]
pub struct DeliveredLetter<'a> {
    pub to_name: Option<&'a str>,
    pub to: &'a str,
    /// Who wrote it, as the recipient should read it.
    pub from: &'a str,
    /// A letter to its own author reads differently.
    pub is_self: bool,
    /// When it was written, already in the recipient's language.
    pub written_on: &'a str,
    pub title: &'a str,
    pub excerpt: &'a str,
    /// The link that opens it (and its images) without an account.
    pub link: &'a str,
}

/// The letter itself arriving, in the recipient's language `lang`: who it is from, when it
/// was written (`written_on`, already written in `lang`), an excerpt and the link that opens
/// it (and its images) without an account.
pub fn letter_delivered(lang: Lang, letter: &DeliveredLetter<'_>) -> Email {
    let DeliveredLetter {
        to_name,
        to,
        from,
        is_self,
        written_on,
        title,
        excerpt,
        link,
    } = *letter;
    let t = &lang.texts().mail;
    let (greeting, intro, subject) = if is_self {
        (
            t.hello.to_owned(),
            fill(t.delivered_self_intro, &[("date", &written_on)]),
            fill(t.delivered_self_subject, &[("title", &title)]),
        )
    } else {
        (
            to_name.map_or_else(|| t.hello.to_owned(), |n| hello(t, n)),
            fill(t.delivered_intro, &[("from", &from), ("date", &written_on)]),
            fill(t.delivered_subject, &[("from", &from), ("title", &title)]),
        )
    };
    let mut paragraphs = vec![intro, format!("“{title}”")];
    if !excerpt.is_empty() {
        paragraphs.push(excerpt.to_owned());
    }
    paragraphs.push(t.delivered_link.into());
    Body {
        lang,
        greeting,
        paragraphs,
        action: Some((t.delivered_action, link)),
        footer: t.delivered_footer,
    }
    .into_email(to_name, to, &subject)
}

/// The author's delivery confirmation, in the author's language `lang`.
pub fn delivery_confirmation(
    lang: Lang,
    username: &str,
    to: &str,
    title: &str,
    delivered: usize,
    failed: usize,
    link: &str,
) -> Email {
    let t = &lang.texts().mail;
    let mut paragraphs = vec![fill(
        t.confirm_delivered.form(delivered),
        &[("title", &title), ("n", &delivered)],
    )];
    if failed > 0 {
        paragraphs.push(t.confirm_failed.count(failed));
    }
    Body {
        lang,
        greeting: hello(t, username),
        paragraphs,
        action: Some((t.confirm_action, link)),
        footer: t.confirm_footer,
    }
    .into_email(
        Some(username),
        to,
        &fill(t.confirm_subject, &[("title", &title)]),
    )
}

/// What a breach notice says beyond Ripen's own words.
#[derive(Debug, Clone, Copy)]
pub struct BreachNotice<'a> {
    pub username: &'a str,
    pub to: &'a str,
    /// The operator's reference for the incident.
    pub incident: &'a str,
    /// The operator's account of what happened, in `lang` if they wrote one in it.
    pub summary: &'a str,
    /// Whether `summary` is in English although `lang` is not.
    pub summary_in_english: bool,
    /// Where to write with questions.
    pub contact: &'a str,
    /// The settings page, where the password is changed and devices signed out.
    pub settings_link: &'a str,
}

/// A breach notice, in the account's language `lang`: Ripen's fixed words (what happened,
/// which data, what we did, what you can do, how to reach us) around the operator's own
/// account of the incident, one paragraph per blank-line-separated block.
pub fn breach_notice(lang: Lang, notice: &BreachNotice<'_>) -> Email {
    let t = &lang.texts().breach;
    let mut paragraphs = vec![t.intro.to_owned()];
    paragraphs.push(if notice.summary_in_english {
        format!("{} {}", t.what_happened, t.summary_in_english)
    } else {
        t.what_happened.to_owned()
    });
    paragraphs.extend(
        notice
            .summary
            .split("\n\n")
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .map(str::to_owned),
    );
    paragraphs.push(t.what_data.into());
    paragraphs.push(t.what_we_did.into());
    paragraphs.push(t.what_you_can_do.into());
    paragraphs.push(fill(
        t.contact,
        &[("contact", &notice.contact), ("incident", &notice.incident)],
    ));
    Body {
        lang,
        greeting: hello(&lang.texts().mail, notice.username),
        paragraphs,
        action: Some((t.action, notice.settings_link)),
        footer: t.footer,
    }
    .into_email(Some(notice.username), notice.to, t.subject)
}

/// An announcement's parts, for its email.
pub struct Announcement<'a> {
    pub username: &'a str,
    pub to: &'a str,
    pub title: &'a str,
    /// Paragraphs separated by blank lines.
    pub body: &'a str,
    /// Where to read more (absolute).
    pub link: Option<&'a str>,
}

/// An announcement an administrator chose to email (or a material policy change).
pub fn announcement(lang: Lang, a: &Announcement<'_>) -> Email {
    let t = &lang.texts().announcements;
    Body {
        lang,
        greeting: hello(&lang.texts().mail, a.username),
        paragraphs: a
            .body
            .split("\n\n")
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .map(str::to_owned)
            .collect(),
        action: a.link.map(|l| (t.read_more, l)),
        footer: t.footer,
    }
    .into_email(
        Some(a.username),
        a.to,
        &fill(t.subject, &[("title", &a.title)]),
    )
}

/// A Ripen Plus receipt, in the account's language `lang`: the order, what it bought for
/// how much, and the span of Plus (already written in `lang`).
#[allow(clippy::too_many_arguments, reason = "each is one line of the receipt")]
pub fn plus_receipt(
    lang: Lang,
    username: &str,
    to: &str,
    order_no: &str,
    product: &str,
    amount: &str,
    period: &str,
    link: &str,
) -> Email {
    let t = &lang.texts().mail;
    Body {
        lang,
        greeting: hello(t, username),
        paragraphs: vec![
            fill(
                t.receipt_body,
                &[
                    ("order", &order_no),
                    ("product", &product),
                    ("amount", &amount),
                ],
            ),
            fill(t.receipt_period, &[("period", &period)]),
        ],
        action: Some((t.receipt_action, link)),
        footer: t.account_footer,
    }
    .into_email(Some(username), to, t.receipt_subject)
}

/// A refund was made, in the account's language `lang`.
pub fn plus_refund(
    lang: Lang,
    username: &str,
    to: &str,
    order_no: &str,
    amount: &str,
    link: &str,
) -> Email {
    let t = &lang.texts().mail;
    Body {
        lang,
        greeting: hello(t, username),
        paragraphs: vec![fill(
            t.refund_body,
            &[("amount", &amount), ("order", &order_no)],
        )],
        action: Some((t.receipt_action, link)),
        footer: t.account_footer,
    }
    .into_email(Some(username), to, t.refund_subject)
}

/// Plus ends on `date` (already written in `lang`).
pub fn plus_reminder(lang: Lang, username: &str, to: &str, date: &str, link: &str) -> Email {
    let t = &lang.texts().mail;
    Body {
        lang,
        greeting: hello(t, username),
        paragraphs: vec![fill(t.reminder_body, &[("date", &date)])],
        action: Some((t.reminder_action, link)),
        footer: t.account_footer,
    }
    .into_email(
        Some(username),
        to,
        &fill(t.reminder_subject, &[("date", &date)]),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interpolated_values_are_escaped_in_html_and_kept_in_text() {
        let e = verify_email(
            "<b>ada</b>",
            "ada@example.com",
            "https://ripen.example/verify-email?token=a\"b",
            48,
        );
        assert!(e.html.contains("&lt;b&gt;ada&lt;/b&gt;"));
        assert!(!e.html.contains("<b>ada"));
        assert!(e.html.contains("token=a&quot;b"));
        assert!(
            e.text
                .contains("https://ripen.example/verify-email?token=a\"b")
        );
        assert!(e.text.contains("Hello <b>ada</b>,"));
    }

    #[test]
    fn link_lifetimes_are_counted_in_the_right_form() {
        let one = verify_email("ada", "ada@example.com", "https://x/verify", 1);
        assert!(one.text.contains("expires in 1 hour."), "{}", one.text);
        let many = verify_email("ada", "ada@example.com", "https://x/verify", 48);
        assert!(many.text.contains("expires in 48 hours."));
        let reset = reset_password("ada", "ada@example.com", "https://x/reset", 1);
        assert!(
            reset.text.contains("expires in 1 minute."),
            "{}",
            reset.text
        );
    }

    #[test]
    fn letters_escape_everything_the_author_wrote() {
        let e = letter_delivered(
            Lang::En,
            &DeliveredLetter {
                to_name: Some("<i>Bo</i>"),
                to: "bo@example.com",
                from: "ada",
                is_self: false,
                written_on: "1 May 2026",
                title: "<script>alert(1)</script>",
                excerpt: "a & b",
                link: "https://ripen.example/l/tok",
            },
        );
        assert!(!e.html.contains("<script>"));
        assert!(e.html.contains("&lt;script&gt;"));
        assert!(e.html.contains("a &amp; b"));
        assert!(e.subject.contains("ada"));
        assert!(e.text.contains("https://ripen.example/l/tok"));
    }

    #[test]
    fn background_emails_speak_the_language_they_are_given() {
        let e = delivery_confirmation(
            Lang::ZhHans,
            "ada",
            "ada@example.com",
            "花园",
            2,
            1,
            "https://ripen.example/letters/1",
        );
        assert_eq!(e.subject, "已送达：花园");
        assert!(e.html.starts_with("<!doctype html><html lang=\"zh-Hans\">"));
        assert!(e.text.starts_with("ada，你好："));
        assert!(e.text.contains("已送达 2 位收件人"));
        let e = delivery_confirmation(Lang::En, "ada", "ada@example.com", "Garden", 1, 0, "x");
        assert_eq!(e.subject, "Delivered: Garden");
        assert!(e.html.starts_with("<!doctype html><html lang=\"en\">"));
        assert!(e.text.contains("was delivered to 1 recipient."));
    }

    #[test]
    fn a_breach_notice_wraps_the_operators_words_in_the_persons_language() {
        let notice = BreachNotice {
            username: "ada",
            to: "ada@example.com",
            incident: "INC-7",
            summary: "A backup <copy> was exposed.\n\nIt held email addresses.",
            summary_in_english: false,
            contact: "privacy@ripen.example",
            settings_link: "https://ripen.example/account",
        };
        let e = breach_notice(Lang::En, &notice);
        assert_eq!(e.subject, Lang::En.texts().breach.subject);
        assert!(
            e.text
                .contains("A backup <copy> was exposed.\n\nIt held email addresses.")
        );
        assert!(e.html.contains("A backup &lt;copy&gt; was exposed."));
        assert!(e.text.contains("privacy@ripen.example"));
        assert!(e.text.contains("INC-7"));
        assert!(e.text.contains("https://ripen.example/account"));
        let e = breach_notice(
            Lang::ZhHans,
            &BreachNotice {
                summary_in_english: true,
                ..notice
            },
        );
        assert!(e.text.starts_with("ada，你好："));
        assert!(e.text.contains("只有英文版本"));
        assert!(e.html.starts_with("<!doctype html><html lang=\"zh-Hans\">"));
    }
}

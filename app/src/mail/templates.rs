//! Ripen's account emails, each in plain text and HTML. Everything interpolated into the
//! HTML is escaped; links are built from the configured site URL, never from the request.

use super::Email;

/// Escapes text for HTML element content and attribute values.
pub fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A paragraph list and at most one button, in a simple, widely supported layout.
struct Body<'a> {
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
        let mut out = String::from(
            "<!doctype html><html><body style=\"margin:0;padding:24px;background:#faf7f2;\
             font-family:-apple-system,Segoe UI,Helvetica,Arial,sans-serif;color:#1f1b16;\">\
             <div style=\"max-width:520px;margin:0 auto;background:#ffffff;border-radius:12px;\
             padding:32px;\"><p style=\"font-size:20px;font-weight:600;color:#c2410c;margin:0 0 24px;\">\
             Ripen</p>",
        );
        out.push_str(&format!(
            "<p style=\"font-size:16px;line-height:1.5;\">{}</p>",
            escape_html(&self.greeting)
        ));
        for p in &self.paragraphs {
            out.push_str(&format!(
                "<p style=\"font-size:16px;line-height:1.5;\">{}</p>",
                escape_html(p)
            ));
        }
        if let Some((label, url)) = self.action {
            let url = escape_html(url);
            out.push_str(&format!(
                "<p style=\"margin:28px 0;\"><a href=\"{url}\" style=\"background:#c2410c;\
                 color:#ffffff;text-decoration:none;padding:12px 20px;border-radius:8px;\
                 font-weight:600;display:inline-block;\">{}</a></p>\
                 <p style=\"font-size:13px;color:#6b6259;word-break:break-all;\">{url}</p>",
                escape_html(label)
            ));
        }
        out.push_str(&format!(
            "<p style=\"font-size:13px;color:#6b6259;margin-top:32px;\">{}</p></div></body></html>",
            escape_html(self.footer)
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

const NOT_YOU: &str = "If you did not ask for this, you can ignore this email; nothing changes \
                       unless the link is used.";

pub fn verify_email(username: &str, to: &str, link: &str, hours: i64) -> Email {
    Body {
        greeting: format!("Hello {username},"),
        paragraphs: vec![
            "Please confirm that this is your email address, so that Ripen can send you your \
             letters and help you back into your account if you ever lose your password."
                .into(),
            format!("The link works once and expires in {hours} hours."),
        ],
        action: Some(("Confirm my email", link)),
        footer: NOT_YOU,
    }
    .into_email(Some(username), to, "Confirm your email for Ripen")
}

pub fn already_registered(to: &str, login_link: &str, reset_link: &str) -> Email {
    Body {
        greeting: "Hello,".into(),
        paragraphs: vec![
            "Someone, perhaps you, tried to create a Ripen account with this email address. \
             It already has an account, so no new one was made."
                .into(),
            format!("To sign in, go to {login_link}. If you have forgotten your password, you can choose a new one."),
        ],
        action: Some(("Reset my password", reset_link)),
        footer: NOT_YOU,
    }
    .into_email(None, to, "You already have a Ripen account")
}

pub fn username_taken(username: &str, to: &str, signup_link: &str) -> Email {
    Body {
        greeting: "Hello,".into(),
        paragraphs: vec![format!(
            "Someone, perhaps you, tried to create a Ripen account with this email address and \
             the username “{username}”. That username is already taken, so no account was \
             made. Please sign up again with another username."
        )],
        action: Some(("Sign up again", signup_link)),
        footer: NOT_YOU,
    }
    .into_email(None, to, "Choose another username for Ripen")
}

pub fn reset_password(username: &str, to: &str, link: &str, minutes: i64) -> Email {
    Body {
        greeting: format!("Hello {username},"),
        paragraphs: vec![
            "We received a request to reset the password of your Ripen account.".into(),
            format!(
                "The link works once and expires in {minutes} minutes. Choosing a new password \
                 signs you out on every device."
            ),
        ],
        action: Some(("Choose a new password", link)),
        footer: NOT_YOU,
    }
    .into_email(Some(username), to, "Reset your Ripen password")
}

pub fn password_changed(username: &str, to: &str, reset_link: &str) -> Email {
    Body {
        greeting: format!("Hello {username},"),
        paragraphs: vec![
            "The password of your Ripen account was just changed, and your other devices were \
             signed out."
                .into(),
            "If this was not you, reset your password now.".into(),
        ],
        action: Some(("Reset my password", reset_link)),
        footer: "You receive this email because it concerns the security of your account.",
    }
    .into_email(Some(username), to, "Your Ripen password was changed")
}

/// The account was closed: what happened, the date everything is erased, and how to undo it.
pub fn account_closed(username: &str, to: &str, erase_on: &str, login_link: &str) -> Email {
    Body {
        greeting: format!("Hello {username},"),
        paragraphs: vec![
            "Your Ripen account is closed. You were signed out on every device, and letters \
             that were waiting to be delivered were cancelled."
                .into(),
            format!(
                "On {erase_on} we erase the account and everything in it for good. Letters you \
                 shared on the public wall stay there, signed only with their pen name."
            ),
            "Changed your mind? Log in before then and your account comes back as it was \
             (cancelled letters can be scheduled again)."
                .into(),
        ],
        action: Some(("Log in to keep my account", login_link)),
        footer: "You receive this email because it concerns your account.",
    }
    .into_email(Some(username), to, "Your Ripen account is closed")
}

/// The letter itself arriving: who it is from, when it was written, an excerpt and the
/// link that opens it (and its images) without an account.
#[allow(clippy::too_many_arguments)]
pub fn letter_delivered(
    to_name: Option<&str>,
    to: &str,
    from: &str,
    is_self: bool,
    written_on: &str,
    title: &str,
    excerpt: &str,
    link: &str,
) -> Email {
    let (greeting, intro, subject) = if is_self {
        (
            "Hello,".to_owned(),
            format!(
                "On {written_on} you wrote a letter to your future self. Today is the day it was meant for."
            ),
            format!("A letter from your past self: {title}"),
        )
    } else {
        (
            to_name.map_or_else(|| "Hello,".to_owned(), |n| format!("Hello {n},")),
            format!(
                "{from} wrote you a letter on {written_on} and asked Ripen to deliver it today."
            ),
            format!("A letter from {from}: {title}"),
        )
    };
    let mut paragraphs = vec![intro, format!("“{title}”")];
    if !excerpt.is_empty() {
        paragraphs.push(excerpt.to_owned());
    }
    paragraphs.push("The whole letter, with its pictures, is behind the link below. Keep this email: the link is yours alone.".into());
    Body {
        greeting,
        paragraphs,
        action: Some(("Read the letter", link)),
        footer: "You receive this email because someone asked Ripen to deliver a letter to this address.",
    }
    .into_email(to_name, to, &subject)
}

/// The author's delivery confirmation.
pub fn delivery_confirmation(
    username: &str,
    to: &str,
    title: &str,
    delivered: usize,
    failed: usize,
    link: &str,
) -> Email {
    let mut paragraphs = vec![format!(
        "Your letter “{title}” was delivered to {delivered} recipient{}.",
        if delivered == 1 { "" } else { "s" }
    )];
    if failed > 0 {
        paragraphs.push(format!(
            "{failed} recipient{} could not be reached; the letter page shows which.",
            if failed == 1 { "" } else { "s" }
        ));
    }
    Body {
        greeting: format!("Hello {username},"),
        paragraphs,
        action: Some(("See the letter", link)),
        footer: "You receive this email because you scheduled this letter on Ripen.",
    }
    .into_email(Some(username), to, &format!("Delivered: {title}"))
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
    fn letters_escape_everything_the_author_wrote() {
        let e = letter_delivered(
            Some("<i>Bo</i>"),
            "bo@example.com",
            "ada",
            false,
            "1 May 2026",
            "<script>alert(1)</script>",
            "a & b",
            "https://ripen.example/l/tok",
        );
        assert!(!e.html.contains("<script>"));
        assert!(e.html.contains("&lt;script&gt;"));
        assert!(e.html.contains("a &amp; b"));
        assert!(e.subject.contains("ada"));
        assert!(e.text.contains("https://ripen.example/l/tok"));
    }
}

//! Text messages for letters whose recipient has a phone number and whose author asked
//! for one. No SMS gateway is reachable from Ripen's test machines, so the provider is a
//! trait; the default provider writes the message to the log (number masked).

/// Sends one text message to an E.164 number.
#[async_trait::async_trait]
pub trait SmsProvider: Send + Sync {
    async fn send(&self, to_e164: &str, text: &str) -> Result<(), String>;
    fn name(&self) -> &'static str;
}

/// The default: logs that a message would be sent, without its text (it holds a link).
pub struct LogSms;

/// `+442…58`: enough to recognise a number in the log, not enough to dial it.
pub fn mask(number: &str) -> String {
    let n = number.chars().count();
    if n <= 6 {
        return "…".into();
    }
    let head: String = number.chars().take(4).collect();
    let tail: String = number.chars().skip(n - 2).collect();
    format!("{head}…{tail}")
}

#[async_trait::async_trait]
impl SmsProvider for LogSms {
    async fn send(&self, to_e164: &str, text: &str) -> Result<(), String> {
        tracing::info!(
            to = %mask(to_e164),
            chars = text.chars().count(),
            "SMS (log provider: no gateway configured)"
        );
        Ok(())
    }

    fn name(&self) -> &'static str {
        "log"
    }
}

/// The text of a letter's SMS in `lang`: who it is from and the link (160 GSM characters
/// or fewer for typical site URLs).
pub fn letter_text(lang: crate::i18n::Lang, from: &str, link: &str) -> String {
    let from: String = from.chars().take(40).collect();
    crate::i18n::fill(
        lang.texts().letters.sms_text,
        &[("from", &from), ("link", &link)],
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_masked_in_logs() {
        assert_eq!(mask("+442079460958"), "+442…58");
        assert!(!mask("+442079460958").contains("7946"));
    }

    #[test]
    fn the_text_carries_the_link() {
        let t = letter_text(crate::i18n::Lang::En, "Ada", "https://ripen.example/l/abc");
        assert!(t.ends_with("https://ripen.example/l/abc"));
    }
}

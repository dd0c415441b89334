//! What a notification says: its parameters as stored, and its words in a language.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{Kind, SecurityKind};
use crate::i18n::{Lang, fill};

/// A notification's parameters: everything needed to put it into words later, in any
/// language. Stored sealed (it may name a letter or a person).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Notice {
    /// A letter's deliveries ended: `sent` recipients reached, `failed` not.
    LetterDelivered {
        letter: Uuid,
        title: String,
        sent: u64,
        failed: u64,
    },
    /// A recipient thanked the author; `who` is the name the author gave them, if any.
    LetterThanks {
        letter: Uuid,
        title: String,
        who: Option<String>,
        note: Option<String>,
    },
    /// A data export is ready, and can be downloaded for `days` days.
    ExportReady { days: u64 },
    /// A security incident (`ripen notify-breach`): the operator's account of it in
    /// English and, if given, in Chinese.
    Breach { en: String, zh: Option<String> },
    /// A sign-in from a new browser, or a change to how the account is signed in to.
    SecurityAlert {
        event: SecurityKind,
        browser: Option<String>,
        network: Option<String>,
    },
}

/// A notification in words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    pub title: String,
    pub body: String,
    pub link: Option<String>,
}

/// How long a notice's body may be when shown.
const BODY_MAX: usize = 500;

impl Notice {
    pub fn kind(&self) -> Kind {
        match self {
            Self::LetterDelivered { .. } => Kind::LetterDelivered,
            Self::LetterThanks { .. } => Kind::LetterThanks,
            Self::ExportReady { .. } => Kind::Export,
            Self::Breach { .. } => Kind::Security,
            Self::SecurityAlert { .. } => Kind::SecurityAlert,
        }
    }

    /// The notice in `lang`.
    pub fn render(&self, lang: Lang) -> Rendered {
        let t = lang.texts();
        let (title, body, link) = match self {
            Self::LetterDelivered {
                letter,
                title,
                sent,
                failed,
            } => {
                let l = &t.letters;
                let (head, body) = if *sent > 0 {
                    (
                        fill(l.delivered_title, &[("title", title)]),
                        if *failed > 0 {
                            fill(
                                l.delivered_partial.form(*sent),
                                &[("n", sent), ("failed", failed)],
                            )
                        } else {
                            l.delivered_all.count(*sent)
                        },
                    )
                } else {
                    (
                        fill(l.failed_title, &[("title", title)]),
                        l.failed_body.to_owned(),
                    )
                };
                (head, body, Some(format!("/letters/{letter}")))
            }
            Self::LetterThanks {
                letter,
                title,
                who,
                note,
            } => {
                let l = &t.letters;
                let who = who.as_deref().unwrap_or(l.a_recipient);
                let body = match note {
                    Some(n) => fill(
                        l.thanks_body_note,
                        &[("who", &who), ("title", title), ("note", n)],
                    ),
                    None => fill(l.thanks_body, &[("who", &who), ("title", title)]),
                };
                (
                    l.thanks_title.to_owned(),
                    body,
                    Some(format!("/letters/{letter}")),
                )
            }
            Self::ExportReady { days } => (
                t.account.export_ready_title.to_owned(),
                fill(t.account.export_ready_body, &[("days", days)]),
                Some("/account#export-h".to_owned()),
            ),
            Self::Breach { en, zh } => {
                let summary = match (lang, zh) {
                    (Lang::ZhHans, Some(zh)) => zh,
                    _ => en,
                };
                (
                    t.breach.notice_title.to_owned(),
                    breach_body(summary, t.breach.notice_advice),
                    Some("/account#password-h".to_owned()),
                )
            }
            Self::SecurityAlert {
                event,
                browser,
                network,
            } => {
                let s = &t.security;
                let unknown = s.unknown;
                let body = match event {
                    SecurityKind::NewBrowser => fill(
                        s.new_browser_body,
                        &[
                            ("browser", &browser.as_deref().unwrap_or(unknown)),
                            ("network", &network.as_deref().unwrap_or(unknown)),
                        ],
                    ),
                    SecurityKind::PasswordChanged => s.password_changed_body.to_owned(),
                    SecurityKind::EmailChanged => s.email_changed_body.to_owned(),
                    SecurityKind::AccountClosed => s.account_closed_body.to_owned(),
                    SecurityKind::AccountRestored => s.account_restored_body.to_owned(),
                    SecurityKind::TwoStepOn => s.two_step_on_body.to_owned(),
                    SecurityKind::TwoStepOff => s.two_step_off_body.to_owned(),
                    SecurityKind::ProviderLinked => s.provider_linked_body.to_owned(),
                    SecurityKind::ProviderUnlinked => s.provider_unlinked_body.to_owned(),
                    SecurityKind::PasskeyAdded => s.passkey_added_body.to_owned(),
                    SecurityKind::PasskeyRemoved => s.passkey_removed_body.to_owned(),
                };
                (
                    event.title(s).to_owned(),
                    body,
                    Some("/account#security-h".to_owned()),
                )
            }
        };
        Rendered {
            title: title.chars().take(200).collect(),
            body: body.chars().take(BODY_MAX).collect(),
            link,
        }
    }
}

/// A breach notice's body: the operator's account of what happened on one line, cut to
/// leave room for the advice, then the advice.
fn breach_body(summary: &str, advice: &str) -> String {
    let room = BODY_MAX.saturating_sub(advice.chars().count() + 2);
    let summary = summary.split_whitespace().collect::<Vec<_>>().join(" ");
    let summary = if summary.chars().count() > room {
        let cut: String = summary.chars().take(room.saturating_sub(1)).collect();
        format!("{}…", cut.trim_end())
    } else {
        summary
    };
    format!("{summary} {advice}")
}

/// The operator's account of an incident inside a breach notice written as text before
/// notices were stored as parameters: the body without its advice (in either language).
pub fn breach_summary_of(body: &str) -> &str {
    [Lang::En, Lang::ZhHans]
        .into_iter()
        .find_map(|l| body.strip_suffix(l.texts().breach.notice_advice))
        .map_or(body, str::trim_end)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn delivered(sent: u64, failed: u64) -> Notice {
        Notice::LetterDelivered {
            letter: Uuid::nil(),
            title: "Dear me".into(),
            sent,
            failed,
        }
    }

    #[test]
    fn a_notice_is_worded_in_the_readers_language_when_shown() {
        let n = delivered(1, 0);
        let en = n.render(Lang::En);
        let zh = n.render(Lang::ZhHans);
        assert_eq!(en.title, "Delivered: Dear me");
        assert_eq!(en.body, "Your letter reached its recipient.");
        assert!(zh.title.contains("Dear me") && !zh.title.contains("Delivered"));
        assert_ne!(zh.body, en.body);
        assert_eq!(
            en.link.as_deref(),
            Some("/letters/00000000-0000-0000-0000-000000000000")
        );
        assert_eq!(
            delivered(3, 0).render(Lang::En).body,
            "Your letter reached all 3 recipients."
        );
        assert!(
            delivered(0, 2)
                .render(Lang::En)
                .title
                .starts_with("Not delivered")
        );
        assert!(
            delivered(1, 2)
                .render(Lang::En)
                .body
                .contains("reached 1 recipient;")
        );
    }

    #[test]
    fn parameters_survive_storage_as_json() {
        let all = [
            delivered(2, 1),
            Notice::LetterThanks {
                letter: Uuid::new_v4(),
                title: "t".into(),
                who: None,
                note: Some("thank you".into()),
            },
            Notice::ExportReady { days: 7 },
            Notice::Breach {
                en: "We lost a disk.".into(),
                zh: None,
            },
            Notice::SecurityAlert {
                event: SecurityKind::NewBrowser,
                browser: Some("Firefox".into()),
                network: Some("203.0.113.0/24".into()),
            },
        ];
        for n in all {
            let json = serde_json::to_string(&n).unwrap();
            assert_eq!(serde_json::from_str::<Notice>(&json).unwrap(), n, "{json}");
        }
    }

    #[test]
    fn a_breach_notice_reads_the_chinese_summary_only_where_there_is_one() {
        let both = Notice::Breach {
            en: "We lost a disk.".into(),
            zh: Some("我们丢失了一块硬盘。".into()),
        };
        assert!(
            both.render(Lang::ZhHans)
                .body
                .starts_with("我们丢失了一块硬盘。")
        );
        assert!(both.render(Lang::En).body.starts_with("We lost a disk."));
        let en_only = Notice::Breach {
            en: "We lost a disk.".into(),
            zh: None,
        };
        assert!(
            en_only
                .render(Lang::ZhHans)
                .body
                .starts_with("We lost a disk.")
        );
    }

    #[test]
    fn a_breach_notice_keeps_its_advice_however_long_the_summary() {
        let long = "word ".repeat(400);
        for lang in Lang::ALL {
            let advice = lang.texts().breach.notice_advice;
            let body = breach_body(&long, advice);
            assert!(body.chars().count() <= BODY_MAX, "{}", body.chars().count());
            assert!(body.ends_with(advice) && body.contains('…'));
        }
        let advice = Lang::En.texts().breach.notice_advice;
        assert_eq!(
            breach_body("A backup\n\nwas exposed.", advice),
            format!("A backup was exposed. {advice}")
        );
    }

    #[test]
    fn the_summary_of_an_old_breach_notice_is_found_in_either_language() {
        for lang in [Lang::En, Lang::ZhHans] {
            let body = breach_body("Something   happened.", lang.texts().breach.notice_advice);
            assert_eq!(breach_summary_of(&body), "Something happened.");
        }
        assert_eq!(breach_summary_of("no advice here"), "no advice here");
    }

    #[test]
    fn a_new_browser_alert_names_the_browser_and_network_or_says_unknown() {
        let known = Notice::SecurityAlert {
            event: SecurityKind::NewBrowser,
            browser: Some("Firefox".into()),
            network: Some("203.0.113.0/24".into()),
        }
        .render(Lang::En);
        assert!(known.body.contains("Firefox") && known.body.contains("203.0.113.0/24"));
        let unknown = Notice::SecurityAlert {
            event: SecurityKind::NewBrowser,
            browser: None,
            network: None,
        }
        .render(Lang::ZhHans);
        assert!(unknown.body.contains("未知"));
        assert_eq!(unknown.link.as_deref(), Some("/account#security-h"));
    }
}

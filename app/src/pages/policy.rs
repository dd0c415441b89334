//! Ripen's privacy policy: what is collected, why, who sees it, how long it is kept, and the
//! rights that come with it. Versioned ([`POLICY_VERSION`]); an account records the version
//! it accepted. Every promise here is listed in `docs/privacy.md` with the test that keeps it.

use chrono::NaiveDate;
use leptos::prelude::*;
use leptos_meta::{Meta, Title};
use leptos_router::components::A;

use crate::{
    i18n::{DateStyle, Lang, date_in, fill, lang, policy::Policy, t},
    privacy::{DELETION_GRACE_DAYS, POLICY_DATE, POLICY_VERSION},
};

/// What is kept, why, and for how long: the policy's retention table.
fn retention(t: &'static Policy) -> [(&'static str, &'static str, String); 7] {
    let days = |s: &str| fill(s, &[("days", &DELETION_GRACE_DAYS)]);
    [
        (
            t.kept_account_what,
            t.kept_account_why,
            days(t.kept_account_how_long),
        ),
        (
            t.kept_content_what,
            t.kept_content_why,
            days(t.kept_content_how_long),
        ),
        (
            t.kept_letters_what,
            t.kept_letters_why,
            days(t.kept_letters_how_long),
        ),
        (
            t.kept_devices_what,
            t.kept_devices_why,
            days(t.kept_devices_how_long),
        ),
        (
            t.kept_choices_what,
            t.kept_choices_why,
            days(t.kept_choices_how_long),
        ),
        (
            t.kept_stats_what,
            t.kept_stats_why,
            days(t.kept_stats_how_long),
        ),
        (
            t.kept_links_what,
            t.kept_links_why,
            days(t.kept_links_how_long),
        ),
    ]
}

/// [`POLICY_DATE`] in the page's language ("24 November 2026" · "2026年11月24日").
fn policy_date(lang: Lang) -> String {
    match lang {
        Lang::En => POLICY_DATE.to_owned(),
        lang => NaiveDate::parse_from_str(POLICY_DATE, "%d %B %Y").map_or_else(
            |_| POLICY_DATE.to_owned(),
            |d| date_in(lang, &d, DateStyle::Long),
        ),
    }
}

/// The head of a legal page: its title, description, lede and version (shared by the
/// policy and the terms, which are versioned together).
#[component]
fn LegalHeader(
    title: &'static str,
    description: &'static str,
    lede: &'static str,
) -> impl IntoView {
    view! {
        <Title text=title />
        <Meta name="description" content=description />
        <header class="page-head">
            <p class="eyebrow">{t().shell.brand}</p>
            <h1 id="page-title">{title}</h1>
            <p class="lede">{lede}</p>
            <p class="muted policy-version">{fill(
                t().policy.version,
                &[("version", &POLICY_VERSION), ("date", &policy_date(lang()))],
            )}</p>
        </header>
    }
}

#[component]
pub fn PrivacyPage() -> impl IntoView {
    let t = &t().policy;
    let days = |s: &str| fill(s, &[("days", &DELETION_GRACE_DAYS)]);
    view! {
        <article class="container policy" aria-labelledby="page-title">
            <LegalHeader title=t.privacy_title
                description=t.privacy_description
                lede=t.privacy_lede />

            <section aria-labelledby="p-short">
                <h2 id="p-short">{t.short_heading}</h2>
                <ul>
                    <li>{t.short_collect}</li>
                    <li>{t.short_visibility}</li>
                    <li>{t.short_wall}</li>
                    <li>{days(t.short_control)}</li>
                </ul>
            </section>

            <section aria-labelledby="p-collect">
                <h2 id="p-collect">{t.collect_heading}</h2>
                <div class="table-scroll">
                    <table class="policy-table">
                        <thead><tr><th scope="col">{t.col_what}</th><th scope="col">{t.col_why}</th><th scope="col">{t.col_how_long}</th></tr></thead>
                        <tbody>
                            {retention(t).into_iter().map(|(what, why, how_long)| view! {
                                <tr><th scope="row">{what}</th><td>{why}</td><td>{how_long}</td></tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                </div>
                <p>{t.no_birth_date}</p>
                <p>{t.pictures}</p>
            </section>

            <section aria-labelledby="p-who">
                <h2 id="p-who">{t.who_heading}</h2>
                <ul>
                    <li>{t.who_you}</li>
                    <li>{t.who_recipients}</li>
                    <li>{t.who_anyone}</li>
                    <li>{t.who_moderators}</li>
                    <li>{t.who_services}</li>
                </ul>
                <p>{t.who_no_sale}</p>
            </section>

            <section aria-labelledby="p-cookies">
                <h2 id="p-cookies">{t.cookies_heading}</h2>
                <p>{t.cookies_essential}</p>
                <p>{t.cookies_optional}</p>
            </section>

            <section aria-labelledby="p-rights">
                <h2 id="p-rights">{t.rights_heading}</h2>
                <ul>
                    <li><strong>{t.rights_see_label}</strong>{t.rights_see_before}<A href="/account">{t.rights_see_link}</A>{t.rights_see_after}</li>
                    <li><strong>{t.rights_delete_label}</strong>{t.rights_delete}</li>
                    <li><strong>{t.rights_devices_label}</strong>{t.rights_devices}</li>
                    <li><strong>{t.rights_close_label}</strong>{days(t.rights_close)}</li>
                    <li><strong>{t.rights_withdraw_label}</strong>{t.rights_withdraw}</li>
                </ul>
            </section>

            <section aria-labelledby="p-security">
                <h2 id="p-security">{t.security_heading}</h2>
                <ul>
                    <li>{t.security_hashes}</li>
                    <li>{t.security_https}</li>
                    <li>{t.security_guessing}</li>
                    <li>{t.security_logs}</li>
                </ul>
            </section>

            <section aria-labelledby="p-changes">
                <h2 id="p-changes">{t.changes_heading}</h2>
                <p>{t.changes_body}</p>
            </section>
        </article>
    }
}

/// Ripen's terms of use, versioned with the privacy policy (one version is accepted at
/// sign-up for both).
#[component]
pub fn TermsPage() -> impl IntoView {
    let t = &t().policy;
    view! {
        <article class="container policy" aria-labelledby="page-title">
            <LegalHeader title=t.terms_title description=t.terms_lede lede=t.terms_lede />

            <section aria-labelledby="t-account">
                <h2 id="t-account">{t.terms_account_heading}</h2>
                <ul>
                    <li>{t.terms_account_age}</li>
                    <li>{t.terms_account_email}</li>
                    <li>{t.terms_account_one_person}</li>
                </ul>
            </section>

            <section aria-labelledby="t-content">
                <h2 id="t-content">{t.terms_content_heading}</h2>
                <ul>
                    <li>{t.terms_content_yours}</li>
                    <li>{t.terms_content_wall}</li>
                    <li>{t.terms_content_conduct}</li>
                </ul>
            </section>

            <section aria-labelledby="t-letters">
                <h2 id="t-letters">{t.terms_letters_heading}</h2>
                <p>{t.terms_letters_body}</p>
            </section>

            <section aria-labelledby="t-wall">
                <h2 id="t-wall">{t.terms_wall_heading}</h2>
                <p>{t.terms_wall_body}</p>
            </section>

            <section aria-labelledby="t-leave">
                <h2 id="t-leave">{t.terms_leave_heading}</h2>
                <p>{fill(t.terms_leave_before, &[("days", &DELETION_GRACE_DAYS)])}<A href="/privacy">{t.terms_leave_link}</A>{t.terms_leave_after}</p>
            </section>

            <section aria-labelledby="t-service">
                <h2 id="t-service">{t.terms_service_heading}</h2>
                <ul>
                    <li>{t.terms_service_free}</li>
                    <li>{t.terms_service_as_is}</li>
                    <li>{t.terms_service_changes}</li>
                </ul>
            </section>
        </article>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_policy_date_is_shown_in_each_language() {
        assert_eq!(policy_date(Lang::En), POLICY_DATE);
        // Parsed, not passed through: "2026年11月24日".
        let zh = policy_date(Lang::ZhHans);
        assert!(zh.contains('年') && zh.ends_with('日'), "{zh}");
    }
}

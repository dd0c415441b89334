//! Ripen's privacy policy: what is collected, why, who sees it, how long it is kept, and the
//! rights that come with it. Versioned ([`POLICY_VERSION`]); an account records the version
//! it accepted. Every promise here is listed in `docs/privacy.md` with the test that keeps it.

use leptos::prelude::*;
use leptos_meta::{Meta, Title};
use leptos_router::components::A;

use crate::privacy::{DELETION_GRACE_DAYS, POLICY_DATE, POLICY_VERSION};

/// What is kept, why, and for how long: the policy's retention table.
const RETENTION: &[(&str, &str, &str)] = &[
    (
        "Your account: username, email, phone (optional), password hash",
        "To let you sign in and to reach you about your account and letters",
        "Until you close your account, then 30 more days (you can change your mind), then erased",
    ),
    (
        "Tasks, tags, focus sessions, check-ins, notes and diary entries",
        "To show you your timer, diary, history and statistics on all your devices",
        "Until you delete them, or as your account",
    ),
    (
        "Letters: title, body, pictures, recipients' names, emails and phones",
        "To deliver each letter at the time you chose and show it to its recipients",
        "Until you delete the letter, or as your account; letters on the wall stay there without your name or recipients",
    ),
    (
        "Signed-in devices: a browser summary, sign-in and last-use times, the last IP address",
        "To keep your account safe and let you sign devices out",
        "With the session: at most 14 days after its last use",
    ),
    (
        "Your privacy choices: a random browser id, the policy version, your answers, when",
        "To respect them and to be able to show what you agreed to",
        "With your account; without an account, 13 months",
    ),
    (
        "Anonymous statistics, only if you allow them: a count of views per day and page",
        "To learn which parts of Ripen are used",
        "2 years; they contain nothing about you (no IP address, no identifier)",
    ),
    (
        "Email links (confirm address, reset password)",
        "To confirm it is you",
        "Stored only hashed; deleted 7 days after use or expiry",
    ),
];

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
            <p class="eyebrow">"Ripen"</p>
            <h1 id="page-title">{title}</h1>
            <p class="lede">{lede}</p>
            <p class="muted policy-version">{format!("Version {POLICY_VERSION}, in effect from {POLICY_DATE}.")}</p>
        </header>
    }
}

#[component]
pub fn PrivacyPage() -> impl IntoView {
    view! {
        <article class="container policy" aria-labelledby="page-title">
            <LegalHeader title="Privacy policy"
                description="What Ripen collects, why, for how long, and how you stay in control of it."
                lede="Your diary and your letters are yours. This is what we keep, why, for how long, and what you can do about it." />

            <section aria-labelledby="p-short">
                <h2 id="p-short">"In short"</h2>
                <ul>
                    <li>"We collect what Ripen needs to work, and nothing to sell: no advertising, no trackers, no third-party scripts."</li>
                    <li>"Only you see your tasks, diary and private letters. Recipients see the letters sent to them."</li>
                    <li>"A letter goes on the public wall only if you choose so, and it never names your account."</li>
                    <li>{format!("You can correct or delete anything, sign devices out, and close your account; after {DELETION_GRACE_DAYS} days it is erased.")}</li>
                </ul>
            </section>

            <section aria-labelledby="p-collect">
                <h2 id="p-collect">"What we collect, why, and for how long"</h2>
                <div class="table-scroll">
                    <table class="policy-table">
                        <thead><tr><th scope="col">"What"</th><th scope="col">"Why"</th><th scope="col">"How long"</th></tr></thead>
                        <tbody>
                            {RETENTION.iter().map(|(what, why, how_long)| view! {
                                <tr><th scope="row">{*what}</th><td>{*why}</td><td>{*how_long}</td></tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                </div>
                <p>"We do not ask for your birth date: at sign-up you only confirm that you are 13 or older. Ripen is not meant for younger children, and we keep nothing from a sign-up we refuse."</p>
                <p>"Pictures you attach to letters are re-encoded on upload, which removes their hidden data (camera, location)."</p>
            </section>

            <section aria-labelledby="p-who">
                <h2 id="p-who">"Who sees your data"</h2>
                <ul>
                    <li>"You, on every device you sign in to."</li>
                    <li>"The recipients of a letter, through a private link sent to them at delivery."</li>
                    <li>"Anyone, for letters you share on the wall: the title, text, pictures and the pen name you chose — never your username, email or recipients."</li>
                    <li>"Moderators, for wall letters that someone reported."</li>
                    <li>"The email service that carries our messages, and a text-message service if one is set up for letters that ask for it. They receive only what they need to deliver."</li>
                </ul>
                <p>"We do not sell or rent your data, and we share it with no one else unless the law requires us to."</p>
            </section>

            <section aria-labelledby="p-cookies">
                <h2 id="p-cookies">"Cookies and storage"</h2>
                <p>"Ripen sets two essential cookies: your session, so you stay signed in, and your privacy choices, so we do not ask again. Both are HttpOnly (unreadable by scripts) and, over HTTPS, Secure. There are no advertising or tracking cookies."</p>
                <p>"On your first visit we ask what else you allow: remembering your language and theme, anonymous statistics, and using anonymised data to improve Ripen's features. Nothing is ticked in advance, and until you answer we store nothing optional. You can change your answer at any time in Settings, where you also see every choice you made."</p>
            </section>

            <section aria-labelledby="p-rights">
                <h2 id="p-rights">"Your rights and controls"</h2>
                <ul>
                    <li><strong>"See and correct: "</strong>"your profile, email and password in "<A href="/account">"Settings"</A>"; every record in your diary and history."</li>
                    <li><strong>"Delete: "</strong>"any single focus session, check-in, diary entry or letter, at any time."</li>
                    <li><strong>"Devices: "</strong>"see where you are signed in, sign any device out, or sign out everywhere."</li>
                    <li><strong>"Close your account: "</strong>{format!(
                        "you are signed out everywhere at once and letters waiting to be delivered are cancelled. \
                         For {DELETION_GRACE_DAYS} days, logging in brings the account back; after that we erase it with \
                         everything in it. Letters you shared on the wall stay, signed with their pen name only."
                    )}</li>
                    <li><strong>"Withdraw consent: "</strong>"change your privacy choices in Settings at any time, and take any letter off the wall."</li>
                </ul>
            </section>

            <section aria-labelledby="p-security">
                <h2 id="p-security">"How we protect it"</h2>
                <ul>
                    <li>"Passwords are stored only as argon2id hashes; session cookies and email links are stored only as hashes, so a copy of the database cannot be used to sign in."</li>
                    <li>"Everything travels over HTTPS; pages forbid scripts from anywhere else."</li>
                    <li>"Attempts to guess passwords are limited, and answers never reveal whether an account exists."</li>
                    <li>"Our logs never contain passwords, link tokens or letter text."</li>
                </ul>
            </section>

            <section aria-labelledby="p-changes">
                <h2 id="p-changes">"Changes to this policy"</h2>
                <p>"Each version has a number and a date, shown at the top. Your account records the version you accepted. If we change something that matters, we tell you in Ripen and ask again before it applies to you."</p>
            </section>
        </article>
    }
}

/// Ripen's terms of use, versioned with the privacy policy (one version is accepted at
/// sign-up for both).
#[component]
pub fn TermsPage() -> impl IntoView {
    view! {
        <article class="container policy" aria-labelledby="page-title">
            <LegalHeader title="Terms of use"
                description="The agreement between you and Ripen, in plain words."
                lede="The agreement between you and Ripen, in plain words." />

            <section aria-labelledby="t-account">
                <h2 id="t-account">"Your account"</h2>
                <ul>
                    <li>"You must be 13 or older to have an account."</li>
                    <li>"Give a real email address: it is how your letters and account messages reach you."</li>
                    <li>"An account is for one person. Keep your password to yourself; tell us if you think someone else used it, and sign your devices out in Settings."</li>
                </ul>
            </section>

            <section aria-labelledby="t-content">
                <h2 id="t-content">"What you write"</h2>
                <ul>
                    <li>"Your tasks, notes, diary and letters remain yours. You allow Ripen to store them, show them to you, and deliver letters to the people you address them to — nothing more."</li>
                    <li>"When you share a letter on the public wall, you allow Ripen to show it publicly under your pen name until you take it down."</li>
                    <li>"Do not use Ripen to harass anyone, to send anything unlawful, or to publish other people's personal information. Write to others only if they would expect to hear from you."</li>
                </ul>
            </section>

            <section aria-labelledby="t-letters">
                <h2 id="t-letters">"Letters to the future"</h2>
                <p>"We deliver each letter at the time you choose, from one hour to 50 years ahead, and tell you when it has arrived. Email can fail for reasons outside our control (a full mailbox, an address that no longer exists): we try again, and if a letter cannot be delivered we show it as not delivered. Please do not rely on Ripen for messages with legal or urgent consequences."</p>
            </section>

            <section aria-labelledby="t-wall">
                <h2 id="t-wall">"The public wall"</h2>
                <p>"Anyone can report a wall letter. Moderators may hide a letter that breaks these terms; hiding removes it from the wall, not from your account. We may close accounts that abuse Ripen or its readers."</p>
            </section>

            <section aria-labelledby="t-leave">
                <h2 id="t-leave">"Leaving"</h2>
                <p>{format!(
                    "You can close your account at any time in Settings. For {DELETION_GRACE_DAYS} days a login brings it back; \
                     after that it is erased, as the "
                )}<A href="/privacy">"privacy policy"</A>" explains."</p>
            </section>

            <section aria-labelledby="t-service">
                <h2 id="t-service">"The service"</h2>
                <ul>
                    <li>"Ripen is free to use today. If we ever offer paid plans, you will see the price and the terms before you pay, and nothing you already have will be taken away without notice."</li>
                    <li>"We work to keep Ripen running and your data safe, but we provide it as it is, to the extent the law allows."</li>
                    <li>"When these terms change in a way that matters, we tell you in Ripen and ask you to accept them again."</li>
                </ul>
            </section>
        </article>
    }
}

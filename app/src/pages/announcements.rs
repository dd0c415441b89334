//! `/admin/announcements` (administrators): compose an announcement in both languages,
//! and the list of what was announced, with its reach and a way to withdraw it. Someone
//! whose roles do not reach it sees a short sentence and nothing else.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::{
    announcements::{
        AnnouncementSummary, Audience, PublishAnnouncement, Source, WithdrawAnnouncement,
        staff_announcements,
    },
    components::form::{
        Checkbox, Field, FormAlert, Submit, TextArea, field_error, form_error, succeeded,
    },
    i18n::{announcements::Announcements, fill},
    pages::staff::refusal,
};

fn audience_label(t: &Announcements, a: Audience) -> &'static str {
    match a {
        Audience::Everyone => t.everyone,
        Audience::LetterWriters => t.letter_writers,
        Audience::Staff => t.staff,
    }
}

#[component]
pub fn AnnouncementsPage() -> impl IntoView {
    let t = &crate::i18n::t().announcements;
    let publish = ServerAction::<PublishAnnouncement>::new();
    let withdraw = ServerAction::<WithdrawAnnouncement>::new();
    let auth = crate::account::state::use_auth();
    let list = Resource::new(
        move || (publish.version().get(), withdraw.version().get()),
        move |_| async move {
            auth.require().await?;
            staff_announcements().await
        },
    );
    view! {
        <Title text=t.title />
        <section class="container staff-page">
            <header class="page-head"><h1>{t.title}</h1><p class="muted">{t.lede}</p></header>
            <Transition>
                {move || Suspend::new(async move {
                    match list.await {
                        Ok(rows) => view! {
                            <Compose publish />
                            <section class="card" aria-labelledby="announcements-list-h" data-staff="announcements">
                                <h2 id="announcements-list-h">{t.list}</h2>
                                {if rows.is_empty() {
                                    view! { <p class="muted">{t.empty}</p> }.into_any()
                                } else {
                                    view! { <List rows withdraw /> }.into_any()
                                }}
                            </section>
                        }.into_any(),
                        Err(e) => refusal(e),
                    }
                })}
            </Transition>
        </section>
    }
}

#[component]
fn Compose(publish: ServerAction<PublishAnnouncement>) -> impl IntoView {
    let t = &crate::i18n::t().announcements;
    let v = publish.value();
    const FIELDS: &[&str] = &[
        "title_en", "body_en", "title_zh", "body_zh", "audience", "link", "days",
    ];
    let audience_error = field_error(v, "audience");
    view! {
        <section class="card" aria-labelledby="compose-h">
            <h2 id="compose-h">{t.compose}</h2>
            <ActionForm action=publish attr:class="form announcement-compose" attr:novalidate="">
                <FormAlert error=form_error(v, FIELDS) />
                <div class="form-columns">
                    <div>
                        <Field label=t.title_en name="title_en" required=true error=field_error(v, "title_en") />
                        <TextArea label=t.body_en name="body_en" required=true error=field_error(v, "body_en") />
                    </div>
                    <div lang="zh-Hans">
                        <Field label=t.title_zh name="title_zh" required=true error=field_error(v, "title_zh") />
                        <TextArea label=t.body_zh name="body_zh" required=true error=field_error(v, "body_zh") />
                    </div>
                </div>
                <div class="field" class:has-error=move || audience_error.with(Option::is_some)>
                    <label for="field-audience">{t.audience}</label>
                    <select id="field-audience" name="audience" aria-describedby="field-audience-error"
                        aria-invalid=move || audience_error.with(Option::is_some).then_some("true")>
                        {Audience::ALL
                            .into_iter()
                            .map(|a| view! { <option value=a.as_str()>{audience_label(t, a)}</option> })
                            .collect_view()}
                    </select>
                    <p class="field-error" id="field-audience-error">{move || audience_error.get()}</p>
                </div>
                <Field label=t.link name="link" hint=t.link_hint error=field_error(v, "link") />
                <Field label=t.days name="days" kind="number" hint=t.days_hint error=field_error(v, "days") />
                <Checkbox name="email" error=field_error(v, "email")>
                    {t.email}
                    <span class="hint">{t.email_hint}</span>
                </Checkbox>
                <p class="success" role="status" hidden=move || !succeeded(v).get()>{t.published_note}</p>
                <Submit label=t.publish busy_label=t.publishing pending=publish.pending()
                    class="button button-primary" />
            </ActionForm>
        </section>
    }
}

#[component]
fn List(
    rows: Vec<AnnouncementSummary>,
    withdraw: ServerAction<WithdrawAnnouncement>,
) -> impl IntoView {
    let t = &crate::i18n::t().announcements;
    view! {
        <div class="table-wrap">
            <table class="data-table">
                <thead><tr>
                    <th scope="col">{t.published}</th>
                    <th scope="col">{crate::i18n::t().staff.what}</th>
                    <th scope="col">{t.audience}</th>
                    <th scope="col">{t.ends}</th>
                    <th scope="col">{t.state}</th>
                    <th scope="col"><span class="visually-hidden">{t.withdraw}</span></th>
                </tr></thead>
                <tbody>
                    {rows.into_iter().map(|r| {
                        let state = if r.withdrawn { t.withdrawn } else if r.live { t.live } else { t.ended };
                        let dismissed = r.dismissed.to_string();
                        let reach = if r.email {
                            fill(t.reach, &[("sent", &r.emailed), ("dismissed", &dismissed)])
                        } else {
                            fill(t.not_emailed, &[("dismissed", &dismissed)])
                        };
                        let id = r.id.clone();
                        view! {
                            <tr data-announcement=r.id.clone()>
                                <td>{r.published}</td>
                                <td>
                                    <strong>{r.title_en}</strong><br />
                                    <span lang="zh-Hans">{r.title_zh}</span>
                                    {(r.source == Source::Policy).then(|| view! { " " <span class="badge">{t.by_policy}</span> })}
                                </td>
                                <td>{audience_label(t, r.audience)}</td>
                                <td>{r.ends}</td>
                                <td>{state}<br /><span class="muted">{reach}</span></td>
                                <td>
                                    {r.live.then(|| view! {
                                        <ActionForm action=withdraw attr:class="form-inline">
                                            <input type="hidden" name="id" value=id />
                                            <button type="submit" class="button button-small">{t.withdraw}</button>
                                        </ActionForm>
                                    })}
                                </td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
}

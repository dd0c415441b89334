//! The staff pages beside the moderation queue (`pages::wall`): `/admin/audit` (the audit
//! log, administrators) and `/admin/accounts` (account lookup, support and administrators).
//! Both render in full on the server; someone whose roles do not reach a page sees a short
//! sentence and nothing of its data (the server functions refuse them).

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::{
    AppError,
    i18n::staff::Staff,
    staff::{AccountFacts, AuditAction, AuditEntry, StaffRole, audit_log, look_up_account},
};

/// A role's name in the reader's language.
pub fn role_label(t: &Staff, role: StaffRole) -> &'static str {
    match role {
        StaffRole::Administrator => t.administrator,
        StaffRole::Moderator => t.moderator,
        StaffRole::Support => t.support,
    }
}

fn action_label(t: &Staff, action: AuditAction) -> &'static str {
    match action {
        AuditAction::WallHide => t.wall_hide,
        AuditAction::WallShow => t.wall_show,
        AuditAction::AccountLookup => t.account_lookup,
        AuditAction::RoleGrant => t.role_grant,
        AuditAction::RoleRevoke => t.role_revoke,
        AuditAction::AnnouncementPublish => t.announcement_publish,
        AuditAction::AnnouncementWithdraw => t.announcement_withdraw,
        AuditAction::PaymentRefund => t.payment_refund,
    }
}

/// What a refused reader sees instead of the page's data.
pub(crate) fn refusal(e: AppError) -> AnyView {
    let t = &crate::i18n::t().staff;
    match e {
        AppError::Unauthorized => view! {
            <div class="card empty-state"><p><a href="/login">{crate::i18n::t().shell.log_in}</a></p></div>
        }
        .into_any(),
        AppError::Forbidden => view! {
            <div class="card empty-state"><p>{t.not_for_you}</p></div>
        }
        .into_any(),
        e => view! { <div class="alert alert-error" role="alert">{e.to_string()}</div> }.into_any(),
    }
}

/// `/admin/audit`: every staff action, newest first, 200 at a time (`?before=<cursor>`).
#[component]
pub fn AuditPage() -> impl IntoView {
    let t = &crate::i18n::t().staff;
    let query = use_query_map();
    let before = move || query.with(|q| q.get("before"));
    let auth = crate::account::state::use_auth();
    let data = Resource::new(before, move |before| async move {
        auth.require().await?;
        audit_log(before).await
    });
    view! {
        <Title text=t.audit_title />
        <section class="container staff-page">
            <header class="page-head"><h1>{t.audit_title}</h1><p class="muted">{t.audit_lede}</p></header>
            <Suspense>
                {move || Suspend::new(async move {
                    match data.await {
                        Ok(rows) if rows.is_empty() => view! {
                            <div class="card empty-state"><p>{t.audit_empty}</p></div>
                        }.into_any(),
                        Ok(rows) => {
                            let next = rows.last().map(|r| format!("/admin/audit?before={}", r.cursor));
                            view! {
                                <div class="card table-wrap" data-staff="audit">
                                    <table class="data-table">
                                        <thead><tr>
                                            <th scope="col">{t.when}</th>
                                            <th scope="col">{t.who}</th>
                                            <th scope="col">{t.role}</th>
                                            <th scope="col">{t.what}</th>
                                            <th scope="col">{t.object}</th>
                                        </tr></thead>
                                        <tbody>{rows.into_iter().map(|r| view! { <AuditRow r /> }).collect_view()}</tbody>
                                    </table>
                                </div>
                                {next.map(|href| view! { <p><a href=href>{t.older}</a></p> })}
                            }.into_any()
                        }
                        Err(e) => refusal(e),
                    }
                })}
            </Suspense>
        </section>
    }
}

#[component]
fn AuditRow(r: AuditEntry) -> impl IntoView {
    let t = &crate::i18n::t().staff;
    let object = match (r.object, r.detail) {
        (Some(o), Some(d)) => format!("{o} ({d})"),
        (Some(o), None) => o,
        (None, Some(d)) => d,
        (None, None) => String::new(),
    };
    view! {
        <tr>
            <td>{r.when}</td>
            <td>{r.actor}</td>
            <td>{r.role.map_or("", |role| role_label(t, role))}</td>
            <td>{action_label(t, r.action)}</td>
            <td>{object}</td>
        </tr>
    }
}

/// `/admin/accounts?q=<username or email>`: one account's facts.
#[component]
pub fn AccountsPage() -> impl IntoView {
    let t = &crate::i18n::t().staff;
    let query = use_query_map();
    let q = move || query.with(|q| q.get("q").unwrap_or_default());
    let auth = crate::account::state::use_auth();
    let data = Resource::new(q, move |q| async move {
        auth.require().await?;
        if q.trim().is_empty() {
            // Nothing asked yet: still checks the reader may use the page.
            look_up_account(String::new())
                .await
                .map(|_| None)
                .or_else(|e| match e {
                    AppError::Validation { .. } => Ok(None),
                    e => Err(e),
                })
                .map(|f: Option<AccountFacts>| (false, f))
        } else {
            look_up_account(q).await.map(|f| (true, f))
        }
    });
    view! {
        <Title text=t.accounts_title />
        <section class="container staff-page">
            <header class="page-head"><h1>{t.accounts_title}</h1><p class="muted">{t.accounts_lede}</p></header>
            <Suspense>
                {move || Suspend::new(async move {
                    match data.await {
                        Ok((asked, facts)) => view! {
                            <form class="card staff-search" method="get" action="/admin/accounts" data-staff="accounts">
                                <label for="staff-q">{t.query_label}</label>
                                <input id="staff-q" name="q" type="search" autocomplete="off" prop:value=q() />
                                <button class="btn" type="submit">{t.look_up}</button>
                            </form>
                            {match (asked, facts) {
                                (true, None) => view! { <p class="card empty-state">{t.no_account}</p> }.into_any(),
                                (_, Some(f)) => view! { <Facts f /> }.into_any(),
                                (false, None) => ().into_any(),
                            }}
                        }.into_any(),
                        Err(e) => refusal(e),
                    }
                })}
            </Suspense>
        </section>
    }
}

#[component]
fn Facts(f: AccountFacts) -> impl IntoView {
    let t = &crate::i18n::t().staff;
    let roles = if f.roles.is_empty() {
        t.none.to_owned()
    } else {
        f.roles
            .iter()
            .map(|r| role_label(t, *r))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let name = f.username.clone();
    view! {
        <dl class="card staff-facts" data-account=name>
            <dt>{crate::i18n::t().auth.username}</dt><dd>{f.username}</dd>
            <dt>{t.email}</dt><dd>{if f.email_verified { t.verified } else { t.not_verified }}</dd>
            <dt>{t.created}</dt><dd>{f.created}</dd>
            <dt>{t.last_seen}</dt><dd>{f.last_seen.unwrap_or_else(|| t.none.to_owned())}</dd>
            <dt>{t.devices}</dt><dd>{f.devices}</dd>
            <dt>{t.state}</dt><dd>{if f.closed { t.closed } else { t.open }}</dd>
            <dt>{t.language}</dt><dd>{f.language.unwrap_or_else(|| t.none.to_owned())}</dd>
            <dt>{t.roles}</dt><dd>{roles}</dd>
        </dl>
    }
}

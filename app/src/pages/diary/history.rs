//! `/diary/history`: every record, filtered.

use super::*;

#[component]
pub fn HistoryPage() -> impl IntoView {
    let q = use_query_map();
    let epoch = RwSignal::new(0u32);
    let param = move |k: &str| q.with(|q| q.get(k));
    let auth = crate::account::state::use_auth();
    let items = Resource::new(
        move || {
            (
                [
                    param("from"),
                    param("to"),
                    param("tag"),
                    param("habit"),
                    param("q"),
                    param("kind"),
                ],
                epoch.get(),
            )
        },
        move |([from, to, tag, habit, q, kind], _)| async move {
            auth.require().await?;
            search_history(from, to, tag, habit, q, kind).await
        },
    );
    // The filter form's choices (tags and habits) come with today's diary data.
    let day = Resource::new(
        || (),
        move |_| async move {
            auth.require().await?;
            get_diary_day(None).await
        },
    );
    let value = move |k: &'static str| param(k).unwrap_or_default();
    let t = &crate::i18n::t().diary;
    view! {
        <Title text=t.history_title />
        <section class="container history-page">
            <header class="page-head">
                <h1>{t.history_title}</h1>
                <DiaryNav current="history" />
            </header>
            <Transition fallback=move || view! { <p class="muted" role="status">{t.searching}</p> }>
                {move || Suspend::new(async move {
                    let (items, day) = (items.await, day.await);
                    let (items, day) = match (items, day) {
                        (Ok(i), Ok(d)) => (i, d),
                        (Err(e), _) | (_, Err(e)) => return failure(e),
                    };
                    let habits: Vec<_> = day.habits.iter().map(|h| h.habit.clone()).chain(day.archived.iter().cloned()).collect();
                    view! {
                        <GetForm action="/diary/history" class="card form history-filter">
                            <div class="filter-grid">
                                <div class="field"><label for="f-from">{t.from}</label><input id="f-from" type="date" name="from" value=value("from") /></div>
                                <div class="field"><label for="f-to">{t.to}</label><input id="f-to" type="date" name="to" value=value("to") /></div>
                                <div class="field">
                                    <label for="f-kind">{t.kind}</label>
                                    <select id="f-kind" name="kind">
                                        {[("", t.kind_all), ("focus", t.kind_focus), ("checkin", t.checkins), ("entry", t.kind_entries)].into_iter().map(|(k, label)| view! {
                                            <option value=k selected=value("kind") == k>{label}</option>
                                        }).collect_view()}
                                    </select>
                                </div>
                                <div class="field">
                                    <label for="f-tag">{t.tag}</label>
                                    <select id="f-tag" name="tag">
                                        <option value="">{t.any_tag}</option>
                                        {day.tags.iter().map(|t| view! { <option value=t.id.to_string() selected=value("tag") == t.id.to_string()>{t.name.clone()}</option> }).collect_view()}
                                    </select>
                                </div>
                                <div class="field">
                                    <label for="f-habit">{t.col_habit}</label>
                                    <select id="f-habit" name="habit">
                                        <option value="">{t.any_habit}</option>
                                        {habits.iter().map(|h| view! { <option value=h.id.to_string() selected=value("habit") == h.id.to_string()>{h.name.clone()}</option> }).collect_view()}
                                    </select>
                                </div>
                                <div class="field"><label for="f-q">{t.text}</label><input id="f-q" type="search" name="q" value=value("q") /></div>
                            </div>
                            <div class="button-row">
                                <button type="submit" class="button button-primary">{t.filter}</button>
                                <A href="/diary/history" attr:class="button button-quiet">{t.clear}</A>
                            </div>
                        </GetForm>
                        <HistoryList items epoch />
                    }.into_any()
                })}
            </Transition>
        </section>
    }
}
#[component]
pub(super) fn HistoryList(items: Vec<HistoryItem>, epoch: RwSignal<u32>) -> impl IntoView {
    let error = RwSignal::new(None::<String>);
    let t = &crate::i18n::t().diary;
    if items.is_empty() {
        return view! { <p class="muted" role="status">{t.no_matches}</p> }.into_any();
    }
    let count = items.len();
    view! {
        <p class="muted" role="status">{t.records.count(count)}</p>
        <FormAlert error=Signal::derive(move || error.get()) />
        <ol class="history-records" data-testid="records">
            {items.into_iter().map(|item| view! { <Record item epoch error /> }).collect_view()}
        </ol>
    }
    .into_any()
}
#[component]
pub(super) fn Record(
    item: HistoryItem,
    epoch: RwSignal<u32>,
    error: RwSignal<Option<String>>,
) -> impl IntoView {
    let editing = RwSignal::new(false);
    let draft = RwSignal::new(item.note.clone().unwrap_or_default());
    let kind = item.kind.clone();
    let id = item.id.to_string();
    let tt = crate::i18n::t();
    let t = &tt.diary;
    let label = match kind.as_str() {
        "focus" => t.focus,
        "checkin" => t.badge_checkin,
        _ => t.title,
    };
    let save = {
        let (kind, id) = (kind.clone(), id.clone());
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            let (kind, id, note) = (kind.clone(), id.clone(), draft.get_untracked());
            spawn_local(async move {
                match edit_note(kind, id, note).await {
                    Ok(()) => {
                        editing.set(false);
                        epoch.update(|e| *e += 1);
                    }
                    Err(e) => error.set(Some(e.to_string())),
                }
            });
        }
    };
    let remove = {
        let (kind, id) = (kind.clone(), id.clone());
        move |_| {
            if !confirm(t.confirm_delete_record) {
                return;
            }
            let (kind, id) = (kind.clone(), id.clone());
            spawn_local(async move {
                let r = match kind.as_str() {
                    "focus" => delete_session(id).await,
                    "checkin" => delete_checkin(id).await,
                    _ => delete_entry(id).await,
                };
                match r {
                    Ok(()) => epoch.update(|e| *e += 1),
                    Err(e) => error.set(Some(e.to_string())),
                }
            });
        }
    };
    let field_id = format!("edit-{id}");
    view! {
        <li class="record" data-kind=kind.clone()>
            <div class="record-head">
                <span class="badge">{label}</span>
                <A href=format!("/diary?day={}", item.day)>{crate::i18n::date(&item.day, DateStyle::Medium)}</A>
                <span class="record-title">{item.title.clone()}</span>
                {item.minutes.map(|m| view! { <span class="muted">{t.minutes.count(m)}</span> })}
                {(!item.counts).then(|| view! { <span class="badge badge-quiet">{t.not_counted}</span> })}
            </div>
            {item.tags.iter().map(|t| view! { <span class="chip">{t.name.clone()}</span> }).collect_view()}
            <p class="record-note" hidden=move || editing.get()>{item.excerpt.clone()}</p>
            <form class="form record-edit" hidden=move || !editing.get() on:submit=save>
                <label for=field_id.clone()>{if kind == "entry" { t.entry_text } else { t.note }}</label>
                <textarea id=field_id rows="3" prop:value=move || draft.get() on:input=move |e| draft.set(event_target_value(&e))></textarea>
                <div class="button-row">
                    <button type="submit" class="button button-primary">{tt.shell.save}</button>
                    <button type="button" class="button button-quiet" on:click=move |_| editing.set(false)>{tt.shell.cancel}</button>
                </div>
            </form>
            <div class="button-row record-actions" hidden=move || editing.get()>
                <button type="button" class="link-button" on:click=move |_| editing.set(true)>{t.edit}</button>
                <button type="button" class="link-button danger" on:click=remove>{tt.shell.delete}</button>
            </div>
        </li>
    }
}

//! The side lists: tasks, tags and today's sessions.

use super::*;

/// A form ref that is cleared, and the page's data refetched, whenever `value` becomes a
/// success (the "add another" forms).
pub(super) fn refresh_and_clear_on_success<T: 'static>(
    t: Timer,
    value: impl ActionResult<T>,
) -> NodeRef<leptos::html::Form> {
    let form = NodeRef::<leptos::html::Form>::new();
    Effect::new(move |_| {
        if value.with(|v| matches!(v, Some(Ok(_)))) {
            t.reload();
            if let Some(f) = form.get_untracked() {
                f.reset();
            }
        }
    });
    form
}
#[component]
pub(super) fn Tasks() -> impl IntoView {
    let t = use_timer();
    let tr = &crate::i18n::t().timer;
    let create = ServerAction::<CreateTask>::new();
    let cv = create.value();
    let form = refresh_and_clear_on_success(t, cv);
    let act =
        move |f: std::pin::Pin<Box<dyn std::future::Future<Output = Result<(), AppError>>>>| {
            spawn_local(async move {
                match f.await {
                    Ok(()) => t.reload(),
                    Err(e) => t.error.set(Some(e.to_string())),
                }
            });
        };
    view! {
        <section class="card" aria-labelledby="tasks-h">
            <h2 id="tasks-h">{tr.tasks}</h2>
                <ul class="task-list">
                    {move || t.tasks.get().into_iter().map(|task| {
                        let id = task.id.to_string();
                        let done = task.completed_at.is_some();
                        let (i1, i2, i3, i4) = (id.clone(), id.clone(), id.clone(), id);
                        view! {
                            <li class="task" class:done=done>
                                <label class="task-title">
                                    <input type="checkbox" checked=done on:change=move |e| {
                                        let (id, on) = (i1.clone(), event_target_checked(&e));
                                        act(Box::pin(async move { complete_task(id, on.to_string()).await.map(|_| ()) }));
                                    } />
                                    <span>{task.title.clone()}</span>
                                </label>
                                <span class="task-count" title=tr.pomodoros_title>
                                    {format!("{} / {}", task.actual, task.estimate)}
                                </span>
                                <span class="task-actions">
                                    <button type="button" class="icon-button" aria-label=fill(tr.move_up, &[("title", &task.title)])
                                        hidden=done on:click=move |_| {
                                            let id = i2.clone();
                                            act(Box::pin(async move { move_task(id, "up".into()).await.map(|_| ()) }));
                                        }>"↑"</button>
                                    <button type="button" class="icon-button" aria-label=fill(tr.move_down, &[("title", &task.title)])
                                        hidden=done on:click=move |_| {
                                            let id = i3.clone();
                                            act(Box::pin(async move { move_task(id, "down".into()).await.map(|_| ()) }));
                                        }>"↓"</button>
                                    <button type="button" class="icon-button" aria-label=fill(tr.delete_task, &[("title", &task.title)])
                                        on:click=move |_| {
                                            let id = i4.clone();
                                            act(Box::pin(async move { delete_task(id).await }));
                                        }>"×"</button>
                                </span>
                            </li>
                        }
                    }).collect_view()}
                </ul>
            <ActionForm action=create node_ref=form attr:class="form form-inline">
                <FormAlert error=form_error(cv, &["title", "estimate"]) />
                <Field label=tr.new_task name="title" required=true error=field_error(cv, "title") />
                <Field label=tr.pomodoros name="estimate" kind="number" value="1".to_string() error=field_error(cv, "estimate") />
                <Submit label=tr.add_task busy_label=tr.adding pending=create.pending() class="button button-quiet" />
            </ActionForm>
        </section>
    }
}
#[component]
pub(super) fn Tags() -> impl IntoView {
    let t = use_timer();
    let tr = &crate::i18n::t().timer;
    let create = ServerAction::<CreateTag>::new();
    let cv = create.value();
    let form = refresh_and_clear_on_success(t, cv);
    view! {
        <section class="card" aria-labelledby="tags-h">
            <h2 id="tags-h">{tr.tags}</h2>
                <ul class="tag-list">
                    {move || t.tags.get().into_iter().map(|tag| {
                        let id = tag.id.to_string();
                        view! {
                            <li class="tag">
                                <TagDot colour=tag.colour.clone() />
                                <span>{tag.name.clone()}</span>
                                <button type="button" class="icon-button" aria-label=fill(tr.delete_tag, &[("name", &tag.name)])
                                    on:click=move |_| {
                                        let id = id.clone();
                                        spawn_local(async move {
                                            match delete_tag(id).await {
                                                Ok(()) => t.reload(),
                                                Err(e) => t.error.set(Some(e.to_string())),
                                            }
                                        });
                                    }>"×"</button>
                            </li>
                        }
                    }).collect_view()}
                </ul>
            <ActionForm action=create node_ref=form attr:class="form form-inline">
                <FormAlert error=form_error(cv, &["name", "colour"]) />
                <Field label=tr.new_tag name="name" required=true error=field_error(cv, "name") />
                <Field label=tr.colour name="colour" kind="color" value="#2f6b4f".to_string() error=field_error(cv, "colour") />
                <Submit label=tr.add_tag busy_label=tr.adding pending=create.pending() class="button button-quiet" />
            </ActionForm>
        </section>
    }
}
#[component]
pub(super) fn History() -> impl IntoView {
    let t = use_timer();
    let tr = &crate::i18n::t().timer;
    view! {
        <section class="card" aria-labelledby="history-h">
            <h2 id="history-h">{tr.history}</h2>
                {move || {
                    let list = t.sessions.get();
                    if list.is_empty() {
                        return view! { <p class="muted">{tr.history_empty}</p> }.into_any();
                    }
                    view! {
                        <ol class="history" data-testid="history">
                            {list.into_iter().take(10).map(|s| view! {
                                <li class="history-item">
                                    <span class="history-time"><span class="date-local">{clock_time(s.started_at)}</span>"–"{clock_time(s.ended_at)}</span>
                                    <span class="history-minutes">{fill(tr.minutes_short, &[("n", &((s.focused_seconds + 30) / 60))])}</span>
                                    {(!s.completed).then(|| view! { <span class="badge">{tr.stopped_early}</span> })}
                                    {(!s.counts()).then(|| view! { <span class="badge badge-quiet">{crate::i18n::t().diary.not_counted}</span> })}
                                    {t.waiting.get().contains(&s.id).then(|| view! { <span class="badge badge-warn">{crate::i18n::t().offline.not_saved_yet}</span> })}
                                    {s.task_title.clone().map(|title| view! { <span class="history-task">{title}</span> })}
                                    {s.tags.clone().into_iter().map(|tag| view! { <span class="chip"><TagDot colour=tag.colour />{tag.name}</span> }).collect_view()}
                                    {s.note.clone().map(|n| view! { <p class="history-note">{n}</p> })}
                                    {(!t.waiting.get().contains(&s.id)).then(|| view! { <SessionTags s=s.clone() /> })}
                                </li>
                            }).collect_view()}
                        </ol>
                    }.into_any()
                }}
        </section>
    }
}
/// A finished session's tags, changed from the history (a form that works before the
/// WebAssembly loads too). The statistics by tag follow on the server.
#[component]
fn SessionTags(s: SessionView) -> impl IntoView {
    let t = use_timer();
    let tr = &crate::i18n::t().timer;
    let save = ServerAction::<SetSessionTags>::new();
    let v = save.value();
    Effect::new(move |_| {
        if v.with(|v| matches!(v, Some(Ok(_)))) {
            t.reload();
        }
    });
    let label = fill(tr.edit_tags_for, &[("time", &clock_time(s.started_at))]);
    view! {
        <details class="history-edit">
            <summary aria-label=label>{tr.edit_tags}</summary>
            <ActionForm action=save attr:class="form">
                <FormAlert error=form_error(v, &[]) />
                <input type="hidden" name="id" value=s.id.to_string() />
                <TagPicker initial=s.tags.iter().map(|tag| tag.id).collect() />
                <Submit label=tr.save_tags busy_label=crate::i18n::t().shell.saving pending=save.pending() class="button button-quiet" />
            </ActionForm>
        </details>
    }
}

//! The pieces around the ring: the offline notice, the current task, the daily goal,
//! the end-of-session note and its tags.

use super::*;

/// "Offline: the timer runs here", what waits to be sent, and what the last upload did.
#[component]
pub(super) fn OfflineStatus() -> impl IntoView {
    let t = use_timer();
    let tr = &crate::i18n::t().offline;
    let waiting = move || t.waiting.get().len() as i64;
    let shown = move || t.local.get().is_some() || waiting() > 0;
    view! {
        <div class="offline-status" role="status" aria-live="polite" data-testid="offline-status">
            <Show when=shown>
                <p class="notice">
                    {move || t.local.get().is_some().then_some(tr.running_here)}
                    " "
                    {move || (waiting() > 0).then(|| tr.waiting.count(waiting()))}
                </p>
            </Show>
            <SyncNotice report=t.sync_report />
        </div>
    }
}
#[component]
pub(super) fn CurrentTask() -> impl IntoView {
    let t = use_timer();
    let tr = &crate::i18n::t().timer;
    view! {
        <div class="field current-task">
            <label for="current-task">{tr.working_on}</label>
                <select id="current-task" on:change=move |e| {
                    let v = event_target_value(&e);
                    if t.local.get_untracked().is_some() {
                        return t.task_here(&v);
                    }
                    spawn_local(async move {
                        match set_current_task(Some(v.clone())).await {
                            Ok(s) => t.accept(s),
                            Err(AppError::Network) => t.task_here(&v),
                            Err(e) => t.error.set(Some(e.to_string())),
                        }
                    });
                }>
                    <option value="" selected=move || t.snap.get().task_id.is_none()>{tr.no_task}</option>
                    {move || t.tasks.get().into_iter()
                        .filter(|task| task.completed_at.is_none())
                        .map(|task| {
                            let id = task.id;
                            view! {
                                <option value=id.to_string() selected=move || t.snap.get().task_id == Some(id)>
                                    {task.title}
                                </option>
                            }
                        })
                        .collect_view()}
                </select>
        </div>
    }
}
#[component]
pub(super) fn DailyGoal() -> impl IntoView {
    let t = use_timer();
    let tr = &crate::i18n::t().timer;
    // Sessions count for the day the server assigned them (the user's time zone and day
    // boundary), the same rule the diary and its statistics use.
    let done = move || {
        let today = t.today.get();
        t.sessions
            .get()
            .iter()
            .filter(|s| s.completed && s.counts() && s.day == today)
            .count() as i64
    };
    let goal = move || t.snap.get().settings.daily_goal;
    view! {
            <div class="daily-goal">
                <label for="goal">{move || fill(tr.daily_goal.form(goal()), &[("done", &done()), ("n", &goal())])}</label>
                <progress id="goal" max=move || goal().to_string() value=move || done().min(goal()).to_string()></progress>
            </div>
    }
}
#[component]
pub(super) fn SessionNote() -> impl IntoView {
    let t = use_timer();
    let tr = &crate::i18n::t().timer;
    let shell = &crate::i18n::t().shell;
    let save = ServerAction::<AnnotateSession>::new();
    let v = save.value();
    Effect::new(move |_| {
        if v.with(|v| matches!(v, Some(Ok(_)))) {
            t.to_annotate.set(Vec::new());
            t.reload();
        }
    });
    view! {
        <Show when=move || !t.to_annotate.get().is_empty()>
            <section class="card session-note" aria-labelledby="note-h">
                <h2 id="note-h">{tr.session_recorded}</h2>
                <p class="muted">{tr.session_note_lede}</p>
                <ActionForm action=save attr:class="form">
                    <FormAlert error=form_error(v, &["note"]) />
                    <input type="hidden" name="id" prop:value=move || t.to_annotate.get().last().map(Uuid::to_string).unwrap_or_default() />
                    <div class="field">
                        <label for="session-note">{tr.note}</label>
                        <textarea id="session-note" name="note" rows="3" maxlength="2000"></textarea>
                        <p class="field-error">{move || field_error(v, "note").get()}</p>
                    </div>
                    <div class="field">
                        <label for="session-task">{tr.task}</label>
                            <select id="session-task" name="task_id">
                                <option value="">{tr.unchanged}</option>
                                {move || t.tasks.get().into_iter()
                                    .map(|task| view! { <option value=task.id.to_string() selected=move || t.snap.get().task_id == Some(task.id)>{task.title}</option> })
                                    .collect_view()}
                            </select>
                    </div>
                    <TagPicker />
                    <Submit label=tr.save_note busy_label=shell.saving pending=save.pending() class="button button-primary" />
                </ActionForm>
            </section>
        </Show>
    }
}
/// Tag checkboxes whose ticked ids travel as one comma-separated `tag_ids` field.
#[component]
pub(super) fn TagPicker(
    /// The tags ticked at first (a session's own, when editing it).
    #[prop(optional)]
    initial: Vec<Uuid>,
) -> impl IntoView {
    let t = use_timer();
    let tr = &crate::i18n::t().timer;
    let chosen = RwSignal::new(initial);
    let joined = move || {
        chosen
            .get()
            .iter()
            .map(Uuid::to_string)
            .collect::<Vec<String>>()
            .join(",")
    };
    view! {
        <fieldset class="tag-picker">
            <legend>{tr.tags}</legend>
            <input type="hidden" name="tag_ids" prop:value=joined />
                {move || {
                    let list = t.tags.get();
                    if list.is_empty() {
                        return view! { <p class="muted">{tr.no_tags}</p> }.into_any();
                    }
                    list.into_iter().map(|tag| {
                        let id = tag.id;
                        view! {
                            <label class="tag-check">
                                <input type="checkbox" checked=chosen.with_untracked(|c| c.contains(&id)) on:change=move |e| {
                                    let on = event_target_checked(&e);
                                    chosen.update(|c| {
                                        c.retain(|x| *x != id);
                                        if on { c.push(id); }
                                    });
                                } />
                                <TagDot colour=tag.colour.clone() />
                                {tag.name}
                            </label>
                        }
                    }).collect_view().into_any()
                }}
        </fieldset>
    }
}
#[component]
pub(super) fn TagDot(colour: String) -> impl IntoView {
    view! {
        <svg class="tag-dot" viewBox="0 0 10 10" aria-hidden="true"><circle cx="5" cy="5" r="5" fill=colour /></svg>
    }
}

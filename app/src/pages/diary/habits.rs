//! Habits on the day page: a row per habit with its check-in, tags, and the new-habit form.

use super::*;

#[component]
pub(super) fn HabitRow(
    h: HabitDay,
    day: NaiveDate,
    error: RwSignal<Option<String>>,
    refresh: impl Fn() + Copy + Send + Sync + 'static,
    offline: OfflineDay,
    tags: Vec<TagView>,
    /// First or last among the habits shown: it cannot move further that way.
    first: bool,
    last: bool,
) -> impl IntoView {
    let id = h.habit.id.to_string();
    let habit = h.habit.id;
    let on_server = h.checkin.is_some();
    // Checked here without a network, not yet sent.
    let checked = move || on_server || offline.waiting(habit).is_some();
    let name = h.habit.name.clone();
    let toggle = {
        let id = id.clone();
        move |_| {
            let (id, d) = (id.clone(), day.to_string());
            spawn_local(async move {
                let result = if let Some(record) = offline.waiting(habit) {
                    offline
                        .undo(habit, record)
                        .await
                        .map_err(|_| AppError::Network)
                } else if on_server {
                    undo_check_in(id, d).await.inspect(|()| refresh())
                } else {
                    match check_in(id, d, None, None).await {
                        Ok(_) => {
                            refresh();
                            Ok(())
                        }
                        // No network: checked in here, sent when the connection returns.
                        Err(AppError::Network) => offline
                            .check_in(habit, day)
                            .await
                            .map_err(|_| AppError::Network),
                        Err(e) => Err(e),
                    }
                };
                error.set(result.err().map(|e| e.to_string()));
            });
        }
    };
    let archive = {
        let id = id.clone();
        move |_| {
            let id = id.clone();
            spawn_local(async move {
                match archive_habit(id, "true".into()).await {
                    Ok(()) => refresh(),
                    Err(e) => error.set(Some(e.to_string())),
                }
            });
        }
    };
    let shift = {
        let id = id.clone();
        move |direction: &'static str| {
            let id = id.clone();
            move |_| {
                let id = id.clone();
                spawn_local(async move {
                    match move_habit(id, direction.to_owned()).await {
                        Ok(()) => refresh(),
                        Err(e) => error.set(Some(e.to_string())),
                    }
                });
            }
        }
    };
    let (move_up, move_down) = (shift("up"), shift("down"));
    let rename = ServerAction::<RenameHabit>::new();
    let rv = rename.value();
    Effect::new(move |_| {
        if rv.with(|v| matches!(v, Some(Ok(_)))) {
            refresh();
        }
    });
    let name_error = field_error(rv, "name");
    let (rename_for, rename_id, rename_error) = (
        id.clone(),
        format!("rename-{id}"),
        format!("rename-{id}-error"),
    );
    let note = ServerAction::<CheckIn>::new();
    let nv = note.value();
    Effect::new(move |_| {
        if nv.with(|v| matches!(v, Some(Ok(_)))) {
            refresh();
        }
    });
    let s = h.stats;
    let streak = s.unit.count(s.current);
    let best = s.unit.count(s.best);
    let rate = (s.completion_rate * 100.0).round() as i64;
    let current_note = h
        .checkin
        .as_ref()
        .and_then(|c| c.note.clone())
        .unwrap_or_default();
    let tt = crate::i18n::t();
    let t = &tt.diary;
    view! {
        <li class="habit" class:done=checked data-testid="habit">
            <button type="button" class="habit-check" aria-pressed=move || checked().to_string()
                aria-label=move || fill(if checked() { t.undo_check_in_named } else { t.check_in_named }, &[("name", &name)])
                on:click=toggle>
                <svg viewBox="0 0 24 24" aria-hidden="true" class="habit-tick">
                    <circle cx="12" cy="12" r="10" fill={
                        let colour = h.habit.colour.clone();
                        move || if checked() { colour.clone() } else { "none".to_owned() }
                    } stroke=h.habit.colour.clone() stroke-width="2" />
                    {move || checked().then(|| view! { <path d="M7 12.5l3 3 7-7" fill="none" stroke="white" stroke-width="2.5" stroke-linecap="round" stroke-linejoin="round" /> })}
                </svg>
            </button>
            <div class="habit-body">
                <p class="habit-name">{h.habit.name.clone()}</p>
                <p class="muted habit-meta">
                    {h.habit.schedule.describe()}
                    " · "<span data-testid="streak">{fill(t.streak_label, &[("streak", &streak)])}</span>
                    {fill(t.habit_meta, &[("best", &best), ("rate", &rate)])}
                </p>
                {h.checkin.as_ref().and_then(|c| c.note.clone()).map(|n| view! { <p class="habit-note">{n}</p> })}
                {h.checkin.as_ref().map(|c| c.tags.iter().map(|t| view! { <span class="chip">{t.name.clone()}</span> }).collect_view())}
            </div>
            <details class="habit-more">
                <summary aria-label=fill(t.more_for, &[("name", &h.habit.name)])>"⋯"</summary>
                <ActionForm action=note attr:class="form">
                    <FormAlert error=form_error(nv, &["note", "day"]) />
                    <input type="hidden" name="habit_id" value=id.clone() />
                    <input type="hidden" name="day" value=day.to_string() />
                    <div class="field">
                        <label for=format!("note-{id}")>{t.note_for_day}</label>
                        <textarea id=format!("note-{id}") name="note" rows="2" maxlength="2000">{raw_text(&current_note)}</textarea>
                        <p class="field-error">{move || field_error(nv, "note").get()}</p>
                    </div>
                    <TagChecks tags=tags.clone() chosen=h.checkin.as_ref().map(|c| c.tags.iter().map(|t| t.id).collect()).unwrap_or_default() />
                    <Submit label=t.check_in_with_note busy_label=tt.shell.saving pending=note.pending() class="button button-quiet" />
                </ActionForm>
                <ActionForm action=rename attr:class="form habit-rename">
                    <FormAlert error=form_error(rv, &["name"]) />
                    <input type="hidden" name="id" value=rename_for />
                    <div class="field">
                        <label for=rename_id.clone()>{t.habit_name_label}</label>
                        <input id=rename_id name="name" type="text" required maxlength="60"
                            value=h.habit.name.clone()
                            aria-invalid=move || name_error.get().is_some().then_some("true")
                            aria-describedby=rename_error.clone() />
                        <p class="field-error" id=rename_error>{move || name_error.get()}</p>
                    </div>
                    <Submit label=t.rename_habit busy_label=t.renaming pending=rename.pending() class="button button-quiet" />
                </ActionForm>
                <div class="habit-actions">
                    <button type="button" class="link-button" disabled=first on:click=move_up>{t.move_up}</button>
                    <button type="button" class="link-button" disabled=last on:click=move_down>{t.move_down}</button>
                    <button type="button" class="link-button" on:click=archive>{t.archive_habit}</button>
                </div>
            </details>
        </li>
    }
}
/// Tag checkboxes whose ticked ids travel as one comma-separated `tag_ids` field.
#[component]
pub(super) fn TagChecks(tags: Vec<TagView>, chosen: Vec<Uuid>) -> impl IntoView {
    let t = &crate::i18n::t().diary;
    if tags.is_empty() {
        return view! { <p class="muted">{t.tags_hint}</p> }.into_any();
    }
    let chosen = RwSignal::new(chosen);
    let joined = move || {
        chosen
            .get()
            .iter()
            .map(Uuid::to_string)
            .collect::<Vec<_>>()
            .join(",")
    };
    view! {
        <fieldset class="tag-picker">
            <legend>{t.tags}</legend>
            <input type="hidden" name="tag_ids" prop:value=joined value=joined />
            {tags.into_iter().map(|tag| {
                let id = tag.id;
                view! {
                    <label class="tag-check">
                        <input type="checkbox" checked=move || chosen.with(|c| c.contains(&id)) on:change=move |e| {
                            let on = event_target_checked(&e);
                            chosen.update(|c| {
                                c.retain(|x| *x != id);
                                if on { c.push(id); }
                            });
                        } />
                        {tag.name}
                    </label>
                }
            }).collect_view()}
        </fieldset>
    }.into_any()
}
#[component]
pub(super) fn NewHabit(refresh: impl Fn() + Copy + Send + Sync + 'static) -> impl IntoView {
    let create = ServerAction::<CreateHabit>::new();
    let v = create.value();
    let form = NodeRef::<leptos::html::Form>::new();
    Effect::new(move |_| {
        if v.with(|v| matches!(v, Some(Ok(_)))) {
            refresh();
            if let Some(f) = form.get_untracked() {
                f.reset();
            }
        }
    });
    let kind = RwSignal::new("daily".to_owned());
    let lang = crate::i18n::lang();
    let t = &lang.texts().diary;
    let days = [
        ("mon", Weekday::Mon),
        ("tue", Weekday::Tue),
        ("wed", Weekday::Wed),
        ("thu", Weekday::Thu),
        ("fri", Weekday::Fri),
        ("sat", Weekday::Sat),
        ("sun", Weekday::Sun),
    ]
    .map(|(name, day)| (name, crate::i18n::weekday(lang, day, true)));
    view! {
        <details class="new-habit">
            <summary>{t.new_habit}</summary>
            <ActionForm action=create node_ref=form attr:class="form">
                <FormAlert error=form_error(v, &["name", "colour", "schedule", "times", "days"]) />
                <Field label=t.name name="name" required=true error=field_error(v, "name") />
                <Field label=t.colour name="colour" kind="color" value="#2f6b4f".to_string() error=field_error(v, "colour") />
                <fieldset class="schedule">
                    <legend>{t.how_often}</legend>
                    {[("daily", t.every_day), ("times_per_week", t.times_a_week), ("weekdays", t.on_chosen_days)].into_iter().map(|(value, label)| view! {
                        <label class="check">
                            <input type="radio" name="schedule" value=value checked=value == "daily"
                                on:change=move |_| kind.set(value.to_owned()) />
                            " "{label}
                        </label>
                    }).collect_view()}
                    <div class="field schedule-times">
                        <label for="habit-times">{t.times_a_week_label}</label>
                        <input id="habit-times" name="times" type="number" min="1" max="7" value="3" />
                        <p class="field-error">{move || field_error(v, "times").get()}</p>
                    </div>
                    <div class="weekday-picks" role="group" aria-label=t.days>
                        {days.into_iter().map(|(name, label)| view! {
                            <label class="tag-check"><input type="checkbox" name=name />{label}</label>
                        }).collect_view()}
                    </div>
                    <p class="field-error">{move || field_error(v, "days").get()}</p>
                    <p class="hint">{move || match kind.get().as_str() {
                        "times_per_week" => t.hint_times,
                        "weekdays" => t.hint_weekdays,
                        _ => t.hint_daily,
                    }}</p>
                </fieldset>
                <Submit label=t.add_habit busy_label=t.adding pending=create.pending() class="button button-primary" />
            </ActionForm>
        </details>
    }
}

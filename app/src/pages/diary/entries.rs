//! The day's diary entry: write, edit, delete.

use super::*;

#[component]
pub(super) fn EntryCard(
    day: NaiveDate,
    entry: Option<EntryView>,
    tags: Vec<TagView>,
    refresh: impl Fn() + Copy + Send + Sync + 'static,
    error: RwSignal<Option<String>>,
) -> impl IntoView {
    let save = ServerAction::<SaveEntry>::new();
    let v = save.value();
    let editing = RwSignal::new(entry.is_none());
    Effect::new(move |_| {
        if v.with(|v| matches!(v, Some(Ok(_)))) {
            refresh();
        }
    });
    let body = entry.as_ref().map(|e| e.body.clone()).unwrap_or_default();
    let mood = entry.as_ref().and_then(|e| e.mood);
    let chosen: Vec<Uuid> = entry
        .as_ref()
        .map(|e| e.tags.iter().map(|t| t.id).collect())
        .unwrap_or_default();
    let shown = entry.clone();
    let entry_id = entry.as_ref().map(|e| e.id.to_string());
    let tt = crate::i18n::t();
    let t = &tt.diary;
    view! {
        <section class="card entry-card" aria-labelledby="entry-h">
            <h2 id="entry-h">{t.diary_entry}</h2>
            {shown.map(|e| view! {
                <div class="entry" hidden=move || editing.get() data-testid="entry">
                    {e.mood.map(|m| view! { <p class="mood-shown">{fill(t.mood_shown, &[("mood", &mood_label(m))])}</p> })}
                    <div class="prose" inner_html=e.html></div>
                    <p>{e.tags.into_iter().map(|t| view! { <span class="chip">{t.name}</span> }).collect_view()}</p>
                    <div class="button-row">
                        <button type="button" class="button button-quiet" on:click=move |_| editing.set(true)>{t.edit}</button>
                        <button type="button" class="button button-danger" on:click=move |_| {
                            let Some(id) = entry_id.clone() else { return };
                            if !confirm(t.confirm_delete_entry) { return; }
                            spawn_local(async move {
                                match delete_entry(id).await {
                                    Ok(()) => refresh(),
                                    Err(e) => error.set(Some(e.to_string())),
                                }
                            });
                        }>{tt.shell.delete}</button>
                    </div>
                </div>
            })}
            <ActionForm action=save attr:class="form" attr:hidden=move || (!editing.get()).then_some("")>
                <FormAlert error=form_error(v, &["body", "mood", "day"]) />
                <input type="hidden" name="day" value=day.to_string() />
                <fieldset class="mood-picker">
                    <legend>{t.mood}</legend>
                    <label class="mood-option"><input type="radio" name="mood" value="" checked=mood.is_none() />{t.mood_none}</label>
                    {MOODS.iter().map(|m| view! {
                        <label class="mood-option"><input type="radio" name="mood" value=m.to_string() checked=mood == Some(*m) />{mood_label(*m)}</label>
                    }).collect_view()}
                    <p class="field-error">{move || field_error(v, "mood").get()}</p>
                </fieldset>
                <div class="field">
                    <label for="entry-body">{t.what_happened}</label>
                    <textarea id="entry-body" name="body" rows="8" maxlength="20000"
                        aria-describedby="entry-hint">{raw_text(&body)}</textarea>
                    <p class="hint" id="entry-hint">{t.entry_hint}</p>
                    <p class="field-error">{move || field_error(v, "body").get()}</p>
                </div>
                <TagChecks tags chosen />
                <Submit label=t.save_entry busy_label=tt.shell.saving pending=save.pending() class="button button-primary" />
            </ActionForm>
        </section>
    }
}

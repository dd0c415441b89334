//! The timer's settings form (a plain form: it works before the WebAssembly loads).

use super::*;

#[component]
pub(super) fn Settings() -> impl IntoView {
    let t = use_timer();
    let tr = &crate::i18n::t().timer;
    let shell = &crate::i18n::t().shell;
    let save = ServerAction::<SaveSettings>::new();
    let v = save.value();
    Effect::new(move |_| {
        if let Some(Ok(s)) = v.get() {
            t.accept(s);
        }
    });
    let s = t.snap.get_untracked().settings;
    let num = move |label: &'static str, name: &'static str, value: i64| {
        view! { <Field label name kind="number" value=value.to_string() error=field_error(v, name) /> }
    };
    view! {
        <details class="card settings">
            <summary><h2>{tr.settings}</h2></summary>
            <ActionForm action=save attr:class="form" attr:novalidate="">
                <FormAlert error=form_error(v, &["focus_min", "short_break_min", "long_break_min", "long_break_every", "volume", "daily_goal", "sound"]) />
                <div class="form-grid">
                    {num(tr.focus_minutes, "focus_min", s.focus_min)}
                    {num(tr.short_break_minutes, "short_break_min", s.short_break_min)}
                    {num(tr.long_break_minutes, "long_break_min", s.long_break_min)}
                    {num(tr.long_break_every, "long_break_every", s.long_break_every)}
                    {num(tr.daily_goal_sessions, "daily_goal", s.daily_goal)}
                    {num(tr.volume, "volume", s.volume)}
                </div>
                <div class="field">
                    <label for="sound">{tr.end_sound}</label>
                    <select id="sound" name="sound">
                        {SOUNDS.iter().map(|id| view! {
                            <option value=*id selected=s.sound == *id>{sound_label(id)}</option>
                        }).collect_view()}
                    </select>
                </div>
                <label class="check"><input type="checkbox" name="auto_start_breaks" checked=s.auto_start_breaks />" "{tr.auto_start_breaks}</label>
                <label class="check"><input type="checkbox" name="auto_start_focus" checked=s.auto_start_focus />" "{tr.auto_start_focus}</label>
                <label class="check"><input type="checkbox" name="notify" checked=s.notify
                    on:change=move |e| if event_target_checked(&e) { browser::request_notification_permission() } />
                    " "{tr.notify}</label>
                <div class="button-row">
                    <Submit label=tr.save_settings busy_label=shell.saving pending=save.pending() class="button button-primary" />
                    <button type="button" class="button button-quiet" on:click=move |_| {
                        let s = t.snap.get_untracked().settings;
                        browser::play_sound(&s.sound, s.volume.max(30));
                    }>{tr.test_sound}</button>
                </div>
            </ActionForm>
        </details>
    }
}

//! Writing a letter: the editor (title, body, when, who, pictures, the wall) with autosave.

use super::*;

#[derive(Clone)]
pub(super) struct Row {
    pub(super) key: u32,
    pub(super) name: RwSignal<String>,
    pub(super) email: RwSignal<String>,
    pub(super) phone: RwSignal<String>,
}
impl Row {
    pub(super) fn new(key: u32, r: Option<&RecipientView>) -> Self {
        Self {
            key,
            name: RwSignal::new(r.and_then(|r| r.name.clone()).unwrap_or_default()),
            email: RwSignal::new(r.map(|r| r.email.clone()).unwrap_or_default()),
            phone: RwSignal::new(r.and_then(|r| r.phone.clone()).unwrap_or_default()),
        }
    }
}
/// The letter as the editor holds it: one signal per field, so each card of the form
/// reads and writes its own part and the editor saves the whole.
#[derive(Clone, Copy)]
pub(super) struct Draft {
    pub(super) title: RwSignal<String>,
    pub(super) body: RwSignal<String>,
    pub(super) date: RwSignal<String>,
    pub(super) time: RwSignal<String>,
    pub(super) to_self: RwSignal<bool>,
    pub(super) send_sms: RwSignal<bool>,
    pub(super) public: RwSignal<bool>,
    pub(super) pen_name: RwSignal<String>,
    pub(super) topics: RwSignal<Vec<String>>,
    pub(super) rows: RwSignal<Vec<Row>>,
    /// The key the next added recipient row gets (rows keep their key while others go).
    pub(super) next_key: StoredValue<u32>,
    pub(super) images: RwSignal<Vec<ImageView>>,
    /// The goal's kind (its stored word; empty: the letter opens on its date), target and
    /// the tag or habit it is on (an id, or empty).
    pub(super) goal_kind: RwSignal<String>,
    pub(super) goal_target: RwSignal<String>,
    pub(super) goal_on: RwSignal<String>,
    /// The last answer's error, whose field messages the cards show.
    pub(super) errors: RwSignal<Option<AppError>>,
}

impl Draft {
    pub(super) fn new(l: Option<&LetterView>) -> Self {
        let goal = l.and_then(|l| l.goal.as_ref());
        let others: Vec<Row> = l
            .map(|l| {
                l.recipients
                    .iter()
                    .filter(|r| !r.is_self)
                    .enumerate()
                    .map(|(i, r)| Row::new(u32::try_from(i).unwrap_or(0), Some(r)))
                    .collect()
            })
            .unwrap_or_default();
        Self {
            title: RwSignal::new(l.map(|l| l.title.clone()).unwrap_or_default()),
            body: RwSignal::new(l.map(|l| l.body.clone()).unwrap_or_default()),
            date: RwSignal::new(l.map(|l| l.deliver_date.clone()).unwrap_or_default()),
            time: RwSignal::new(
                l.map(|l| l.deliver_time.clone())
                    .filter(|t| !t.is_empty())
                    .unwrap_or_else(|| "09:00".to_owned()),
            ),
            to_self: RwSignal::new(l.is_none_or(|l| l.to_self)),
            send_sms: RwSignal::new(l.is_some_and(|l| l.send_sms)),
            public: RwSignal::new(l.is_some_and(|l| l.public)),
            pen_name: RwSignal::new(l.and_then(|l| l.pen_name.clone()).unwrap_or_default()),
            topics: RwSignal::new(l.map(|l| l.topics.clone()).unwrap_or_default()),
            next_key: StoredValue::new(u32::try_from(others.len()).unwrap_or(0)),
            rows: RwSignal::new(others),
            images: RwSignal::new(l.map(|l| l.images.clone()).unwrap_or_default()),
            goal_kind: RwSignal::new(goal.map(|g| g.kind.as_str().to_owned()).unwrap_or_default()),
            goal_target: RwSignal::new(
                goal.map_or_else(|| "1".to_owned(), |g| g.target.to_string()),
            ),
            goal_on: RwSignal::new(
                goal.and_then(|g| g.tag.or(g.habit))
                    .map(|id| id.to_string())
                    .unwrap_or_default(),
            ),
            errors: RwSignal::new(None),
        }
    }

    /// The letter as the form holds it now.
    pub(super) fn form(&self) -> LetterForm {
        LetterForm {
            title: self.title.get_untracked(),
            body: self.body.get_untracked(),
            deliver_date: self.date.get_untracked(),
            deliver_time: self.time.get_untracked(),
            to_self: self.to_self.get_untracked(),
            recipients: self
                .rows
                .get_untracked()
                .iter()
                .map(|r| RecipientInput {
                    name: r.name.get_untracked(),
                    email: r.email.get_untracked(),
                    phone: r.phone.get_untracked(),
                })
                .collect(),
            send_sms: self.send_sms.get_untracked(),
            public: self.public.get_untracked(),
            pen_name: self.pen_name.get_untracked(),
            topics: self.topics.get_untracked(),
            goal: self.goal(),
        }
    }

    /// The goal as the form holds it (a number that is not one is sent as 0, which the
    /// server refuses on its field).
    fn goal(&self) -> Option<GoalForm> {
        let kind = GoalKind::parse(&self.goal_kind.get_untracked())?;
        let on = uuid::Uuid::parse_str(self.goal_on.get_untracked().trim()).ok();
        Some(GoalForm {
            kind,
            target: self.goal_target.get_untracked().trim().parse().unwrap_or(0),
            tag: on.filter(|_| kind.takes_tag()),
            habit: on.filter(|_| kind == GoalKind::HabitStreak),
        })
    }

    /// Subscribes the running effect to every field (autosave runs on any change).
    pub(super) fn track(&self) {
        let _ = (
            self.title.get(),
            self.body.get(),
            self.date.get(),
            self.time.get(),
            self.to_self.get(),
            self.send_sms.get(),
            self.public.get(),
            self.pen_name.get(),
            self.topics.get(),
            self.goal_kind.get(),
            self.goal_target.get(),
            self.goal_on.get(),
        );
        self.rows.with(|rs| {
            for r in rs {
                let _ = (r.name.get(), r.email.get(), r.phone.get());
            }
        });
    }

    /// The message the last answer gave for `field`.
    pub(super) fn error(&self, field: &str) -> Signal<Option<String>> {
        message_for(self.errors, field.to_owned())
    }
}

/// The letter editor: autosave, schedule, save, cancel and delete around the cards.
///
/// Longer than most components (about 190 lines) on purpose: its five actions share the
/// letter's id, status and busy signals and one `save`, and reading them together is
/// clearer than threading them through more components; every card of the form is a
/// component of its own below.
#[component]
pub(super) fn Editor(
    ov: LettersHome,
    l: Option<LetterView>,
    #[prop(optional)] seed: Option<LetterForm>,
) -> impl IntoView {
    let t = &crate::i18n::t().letters;
    let id = RwSignal::new(l.as_ref().map(|l| l.id.to_string()));
    let status = RwSignal::new(l.as_ref().map_or(LetterStatus::Draft, |l| l.status));
    let draft = Draft::new(l.as_ref());
    // A new letter may start from a seed (the year in review's letter to next year).
    if let (None, Some(seed)) = (&l, seed) {
        draft.title.set(seed.title);
        draft.body.set(seed.body);
        draft.date.set(seed.deliver_date);
        draft.time.set(seed.deliver_time);
    }
    let errors = draft.errors;
    let notice = RwSignal::new(None::<String>);
    let saved_at = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let navigate = use_navigate();

    // Saves (a draft, or scheduling); resolves with the saved letter.
    let save = move |schedule: bool| async move {
        let result = save_letter(id.get_untracked(), draft.form(), schedule).await;
        match &result {
            Ok(v) => {
                errors.set(None);
                id.set(Some(v.id.to_string()));
                status.set(v.status);
                saved_at.set(Some(if schedule {
                    t.saved_scheduled.to_owned()
                } else {
                    t.draft_saved.to_owned()
                }));
            }
            Err(e) => errors.set(Some(e.clone())),
        }
        result
    };

    // Autosave drafts 1.5 s after the last change (never a scheduled letter: its changes
    // are saved only when the author schedules them again).
    let generation = StoredValue::new(0u64);
    let first = StoredValue::new(true);
    Effect::new(move |_| {
        draft.track();
        if first.get_value() {
            first.set_value(false);
            return;
        }
        if status.get_untracked() == LetterStatus::Scheduled {
            saved_at.set(Some(t.unsaved.to_owned()));
            return;
        }
        generation.update_value(|g| *g += 1);
        let mine = generation.get_value();
        saved_at.set(Some(t.editing.to_owned()));
        set_timeout(
            move || {
                // The editor may be gone by now (the author navigated away).
                if generation.try_get_value() == Some(mine)
                    && busy.try_get_untracked() == Some(false)
                {
                    spawn_local(async move {
                        let _ = save(false).await;
                    });
                }
            },
            std::time::Duration::from_millis(1500),
        );
    });

    let schedule_now = {
        let navigate = navigate.clone();
        move |_| {
            let navigate = navigate.clone();
            busy.set(true);
            notice.set(None);
            spawn_local(async move {
                if let Ok(v) = save(true).await {
                    notice.set(Some(fill(
                        t.scheduled_notice,
                        &[("when", &v.deliver_local.unwrap_or_default())],
                    )));
                    navigate(&format!("/letters/{}", v.id), Default::default());
                }
                busy.set(false);
            });
        }
    };
    let save_draft = move |_| {
        busy.set(true);
        spawn_local(async move {
            let _ = save(false).await;
            busy.set(false);
        });
    };
    let cancel = move |_| {
        let Some(letter) = id.get_untracked() else {
            return;
        };
        busy.set(true);
        spawn_local(async move {
            match cancel_letter(letter).await {
                Ok(v) => {
                    status.set(v.status);
                    notice.set(Some(t.cancelled_notice.into()));
                    errors.set(None);
                }
                Err(e) => errors.set(Some(e)),
            }
            busy.set(false);
        });
    };
    let remove = {
        let navigate = navigate.clone();
        move |_| {
            let navigate = navigate.clone();
            let Some(letter) = id.get_untracked() else {
                navigate("/letters", Default::default());
                return;
            };
            busy.set(true);
            spawn_local(async move {
                match delete_letter(letter).await {
                    Ok(()) => navigate("/letters", Default::default()),
                    Err(e) => errors.set(Some(e)),
                }
                busy.set(false);
            });
        }
    };
    // Pictures belong to a saved letter: the first one saves the draft.
    let saved_id = move || async move {
        if id.get_untracked().is_none() && save(false).await.is_err() {
            return None;
        }
        id.get_untracked()
    };

    let general = Signal::derive(move || {
        errors.with(|e| match e {
            Some(AppError::Validation { fields }) => fields
                .iter()
                .find(|f| matches!(f.field.as_str(), "letter" | "recipients"))
                .map(|f| f.message.clone()),
            Some(e) => Some(e.to_string()),
            None => None,
        })
    });
    let scheduled = move || status.get() == LetterStatus::Scheduled;
    let err = move |f: &str| draft.error(f);
    let progress = l
        .as_ref()
        .filter(|l| l.status == LetterStatus::Scheduled)
        .and_then(|l| l.goal.clone());

    view! {
        <header class="page-head">
            <h1>{move || if id.get().is_none() { t.new_letter } else if scheduled() { t.scheduled_letter } else { t.your_letter }}</h1>
            <p class="save-state" role="status" aria-live="polite">{move || saved_at.get()}</p>
        </header>
        <div class="alert alert-success" role="status" hidden=move || notice.with(Option::is_none)>{move || notice.get()}</div>
        <div class="alert alert-error" role="alert" hidden=move || general.with(Option::is_none)>{move || general.get()}</div>
        {progress.map(|goal| view! { <section class="card"><GoalProgress goal /></section> })}
        <form class="letter-form" on:submit=|ev| ev.prevent_default() novalidate>
            <div class="letter-columns">
                <div class="letter-paper card">
                    <div class="field" class:has-error=move || err("title").with(Option::is_some)>
                        <label for="letter-title">{t.field_title}</label>
                        <input id="letter-title" name="title" type="text" maxlength="200" placeholder=t.title_placeholder
                            prop:value=move || draft.title.get() on:input=move |ev| draft.title.set(event_target_value(&ev))
                            aria-describedby="letter-title-error" aria-invalid=move || err("title").with(Option::is_some).then_some("true") />
                        <FieldMessage id="letter-title-error" message=err("title") />
                    </div>
                    <div class="field" class:has-error=move || err("body").with(Option::is_some)>
                        <label for="letter-body">{t.field_body}</label>
                        <textarea id="letter-body" name="body" rows="14" class="letter-body"
                            placeholder=t.body_placeholder
                            on:input=move |ev| draft.body.set(event_target_value(&ev))
                            aria-describedby="letter-body-hint letter-body-error"
                            aria-invalid=move || err("body").with(Option::is_some).then_some("true")
                        >{raw_text(&draft.body.get_untracked())}</textarea>
                        <p class="hint" id="letter-body-hint">{move || fill(t.body_hint, &[("count", &draft.body.with(|b| b.chars().count())), ("max", &rules::MAX_BODY_CHARS)])}</p>
                        <FieldMessage id="letter-body-error" message=err("body") />
                    </div>
                    <Pictures draft saved_id />
                </div>

                <div class="letter-side">
                    <GoalCard draft tags=ov.goal_tags.clone() habits=ov.goal_habits.clone() />
                    <DeliveryTime draft timezone=ov.timezone.clone() min_lead_secs=ov.min_lead_secs />
                    <Recipients draft own_email=ov.own_email.clone() verified=ov.email_verified />
                    <WallChoice draft />
                </div>
            </div>
            // Under both columns, so the three actions fit one row on a desktop; it stays at
            // the bottom of the window while the form is longer than it (the form, a block,
            // is what it sticks within).
            <div class="button-row letter-actions">
                <button type="button" class="button button-primary" on:click=schedule_now disabled=move || busy.get()>
                    {move || if scheduled() { t.save_keep_scheduled } else { t.schedule }}
                </button>
                <button type="button" class="button button-quiet" on:click=save_draft hidden=scheduled disabled=move || busy.get()>{t.save_draft}</button>
                <button type="button" class="button button-quiet" on:click=cancel hidden=move || !scheduled() disabled=move || busy.get()>{t.cancel_delivery}</button>
                <button type="button" class="button button-danger" on:click=remove disabled=move || busy.get()>{crate::i18n::t().shell.delete}</button>
            </div>
        </form>
    }
}

/// The letter's pictures: thumbnails with a remove button, and the upload button.
/// `saved_id` answers the letter's id, saving the draft first if it has none yet.
#[component]
fn Pictures<F, Fut>(draft: Draft, saved_id: F) -> impl IntoView
where
    F: Fn() -> Fut + Copy + Send + Sync + 'static,
    Fut: std::future::Future<Output = Option<String>> + 'static,
{
    let t = &crate::i18n::t().letters;
    let Draft { images, errors, .. } = draft;
    let uploading = RwSignal::new(0u32);
    let on_files = move |ev: leptos::ev::Event| {
        #[cfg(feature = "hydrate")]
        {
            use wasm_bindgen::JsCast;
            let Some(input) = ev
                .target()
                .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
            else {
                return;
            };
            let Some(files) = input.files() else { return };
            let list: Vec<web_sys::File> =
                (0..files.length()).filter_map(|i| files.get(i)).collect();
            input.set_value("");
            spawn_local(async move {
                let Some(letter) = saved_id().await else {
                    return;
                };
                for file in list {
                    uploading.update(|n| *n += 1);
                    match crate::letters::browser::upload_image(&letter, file).await {
                        Ok(img) => {
                            images.update(|v| v.push(img));
                            errors.set(None);
                        }
                        Err(e) => errors.set(Some(e)),
                    }
                    uploading.update(|n| *n -= 1);
                }
            });
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = (ev, saved_id);
    };
    let err = move |f: &str| draft.error(f);
    view! {
        <div class="field" class:has-error=move || err("image").with(Option::is_some)>
            <span class="label">{t.pictures}</span>
            <ul class="image-grid" aria-label=t.attached_pictures>
                <For each=move || images.get() key=|i: &ImageView| i.id let:img>
                    <li class="image-tile">
                        <img src=img.url.clone() alt=img.alt.clone() width=img.width height=img.height loading="lazy" />
                        <button type="button" class="image-remove" aria-label=fill(t.remove_image, &[("name", &img.alt)])
                            on:click=move |_| {
                                let image = img.id;
                                spawn_local(async move {
                                    match delete_image(image.to_string()).await {
                                        Ok(()) => images.update(|v| v.retain(|i| i.id != image)),
                                        Err(e) => errors.set(Some(e)),
                                    }
                                });
                            }>"×"</button>
                    </li>
                </For>
            </ul>
            <label class="button button-quiet file-button" class:disabled=move || images.with(|i| i.len() >= MAX_IMAGES)>
                <input type="file" name="image" accept="image/jpeg,image/png,image/webp" multiple
                    class="visually-hidden" on:change=on_files
                    disabled=move || images.with(|i| i.len() >= MAX_IMAGES)
                    aria-describedby="letter-image-hint letter-image-error" />
                {t.add_pictures}
            </label>
            <p class="hint" id="letter-image-hint">
                {move || if uploading.get() > 0 { t.uploading.to_owned() } else { fill(t.images_hint, &[("max", &MAX_IMAGES)]) }}
            </p>
            <FieldMessage id="letter-image-error" message=err("image") />
        </div>
    }
}

/// When the letter arrives: date and time in the author's zone, spelled out as they type;
/// a time scheduling would refuse (passed, too soon, too far) is said at once, as the
/// field's error.
#[component]
fn DeliveryTime(draft: Draft, timezone: String, min_lead_secs: i64) -> impl IntoView {
    let t = &crate::i18n::t().letters;
    let Draft { date, time, .. } = draft;
    let preview = RwSignal::new(None::<Result<String, AppError>>);
    // Only the answer to the latest date and time is shown (answers can cross).
    let asked = StoredValue::new(0u64);
    let lead = rules::duration_words(min_lead_secs * 1000);
    // The delivery instant spelled out in the author's zone and in UTC.
    Effect::new(move |_| {
        let (d, t) = (date.get(), time.get());
        asked.update_value(|n| *n += 1);
        let mine = asked.get_value();
        if d.is_empty() || t.is_empty() {
            preview.set(None);
            return;
        }
        spawn_local(async move {
            let p = preview_delivery(d, t).await;
            if asked.try_get_value() == Some(mine) {
                preview.set(Some(
                    p.map(|p| format!("{} · {} · {}", p.local, p.utc, p.in_words)),
                ));
            }
        });
    });
    let err = move |f: &str| draft.error(f);
    // A field is wrong when the last save said so, or the preview does now.
    let refused = move |f: &'static str| {
        Signal::derive(move || {
            err(f).get().or_else(|| {
                preview.with(|p| match p {
                    Some(Err(e)) => e.field_message(f).map(str::to_owned),
                    _ => None,
                })
            })
        })
    };
    let (date_refused, time_refused) = (refused("deliver_date"), refused("deliver_time"));
    let message = move || {
        date_refused
            .get()
            .or_else(|| time_refused.get())
            .or_else(|| {
                preview.with(|p| match p {
                    Some(Err(e)) => Some(e.to_string()),
                    _ => None,
                })
            })
    };
    let spelled_out = move || preview.with(|p| p.as_ref().and_then(|r| r.as_ref().ok().cloned()));
    view! {
        <fieldset class="card">
            <legend>{move || if draft.goal_kind.with(String::is_empty) { t.when } else { crate::i18n::t().progress.latest_legend }}</legend>
            <div class="field-row">
                <div class="field" class:has-error=move || date_refused.with(Option::is_some)>
                    <label for="letter-date">{t.date}</label>
                    <input id="letter-date" name="deliver_date" type="date" prop:value=move || date.get()
                        on:input=move |ev| date.set(event_target_value(&ev))
                        aria-invalid=move || date_refused.with(Option::is_some).then_some("true")
                        aria-describedby="letter-date-error" />
                </div>
                <div class="field" class:has-error=move || time_refused.with(Option::is_some)>
                    <label for="letter-time">{t.time}</label>
                    <input id="letter-time" name="deliver_time" type="time" prop:value=move || time.get()
                        on:input=move |ev| time.set(event_target_value(&ev))
                        aria-invalid=move || time_refused.with(Option::is_some).then_some("true")
                        aria-describedby="letter-date-error" />
                </div>
            </div>
            <p class="hint">{fill(t.when_hint, &[("zone", &timezone), ("lead", &lead), ("years", &rules::MAX_YEARS_AHEAD)])}</p>
            <p class="delivery-preview" aria-live="polite">{spelled_out}</p>
            <p class="field-error" id="letter-date-error" aria-live="polite">{message}</p>
        </fieldset>
    }
}

/// Who the letter goes to: the author, and up to `MAX_RECIPIENTS` others.
#[component]
fn Recipients(draft: Draft, own_email: String, verified: bool) -> impl IntoView {
    let t = &crate::i18n::t().letters;
    let Draft {
        to_self,
        send_sms,
        rows,
        next_key,
        errors,
        ..
    } = draft;
    let err = move |f: &str| draft.error(f);
    view! {
        <fieldset class="card">
            <legend>{t.to}</legend>
            <div class="field field-check" class:has-error=move || err("to_self").with(Option::is_some)>
                <input id="letter-to-self" type="checkbox" prop:checked=move || to_self.get()
                    on:change=move |ev| to_self.set(event_target_checked(&ev)) />
                <label for="letter-to-self">{fill(t.me, &[("email", &own_email)])}</label>
                <FieldMessage id="letter-to-self-error" message=err("to_self") />
            </div>
            {(!verified).then(|| view! { <p class="hint">{t.confirm_email_hint}</p> })}
            <For each=move || rows.get() key=|r: &Row| r.key let:row>
                {
                    let index = move || rows.with(|rs| rs.iter().position(|r| r.key == row.key).unwrap_or(0));
                    let f = move |name: &'static str| Signal::derive(move || {
                        let field = format!("recipients.{}.{name}", index());
                        errors.with(|e| e.as_ref().and_then(|e| e.field_message(&field).map(str::to_owned)))
                    });
                    let key = row.key;
                    view! {
                        <div class="recipient" role="group" aria-label=move || fill(t.recipient_n, &[("n", &(index() + 1))])>
                            <div class="field" class:has-error=move || f("name").with(Option::is_some)>
                                <label for=format!("r{key}-name")>{t.name}</label>
                                <input id=format!("r{key}-name") type="text" maxlength="100" prop:value=move || row.name.get()
                                    on:input=move |ev| row.name.set(event_target_value(&ev)) />
                                <p class="field-error">{move || f("name").get()}</p>
                            </div>
                            <div class="field" class:has-error=move || f("email").with(Option::is_some)>
                                <label for=format!("r{key}-email")>{t.email}</label>
                                <input id=format!("r{key}-email") type="email" prop:value=move || row.email.get()
                                    on:input=move |ev| row.email.set(event_target_value(&ev)) />
                                <p class="field-error">{move || f("email").get()}</p>
                            </div>
                            <div class="field" class:has-error=move || f("phone").with(Option::is_some)>
                                <label for=format!("r{key}-phone")>{t.phone_optional}</label>
                                <input id=format!("r{key}-phone") type="tel" placeholder="+44 20 7946 0958" prop:value=move || row.phone.get()
                                    on:input=move |ev| row.phone.set(event_target_value(&ev)) />
                                <p class="field-error">{move || f("phone").get()}</p>
                            </div>
                            <button type="button" class="link-button" on:click=move |_| rows.update(|rs| rs.retain(|r| r.key != key))>{t.remove}</button>
                        </div>
                    }
                }
            </For>
            <button type="button" class="button button-quiet" disabled=move || rows.with(|r| r.len() >= MAX_RECIPIENTS)
                on:click=move |_| {
                    let key = next_key.get_value();
                    next_key.set_value(key + 1);
                    rows.update(|rs| rs.push(Row::new(key, None)));
                }>{t.add_someone}</button>
            <div class="field field-check" class:has-error=move || err("send_sms").with(Option::is_some)>
                <input id="letter-sms" type="checkbox" prop:checked=move || send_sms.get()
                    on:change=move |ev| send_sms.set(event_target_checked(&ev)) />
                <label for="letter-sms">{t.also_sms}</label>
                <FieldMessage id="letter-sms-error" message=err("send_sms") />
            </div>
        </fieldset>
    }
}

/// Who else may read it: the wall, with a pen name and topics.
#[component]
fn WallChoice(draft: Draft) -> impl IntoView {
    let t = &crate::i18n::t().letters;
    let Draft {
        public,
        pen_name,
        topics,
        ..
    } = draft;
    let err = move |f: &str| draft.error(f);
    view! {
        <fieldset class="card">
            <legend>{t.who_can_read}</legend>
            <div class="field field-check">
                <input id="letter-public" type="checkbox" prop:checked=move || public.get()
                    on:change=move |ev| public.set(event_target_checked(&ev)) />
                <label for="letter-public">{t.public_label}</label>
            </div>
            <div class="field" hidden=move || !public.get() class:has-error=move || err("pen_name").with(Option::is_some)>
                <label for="letter-pen">{t.pen_name_optional}</label>
                <input id="letter-pen" type="text" maxlength="60" placeholder=crate::i18n::t().wall.anonymous prop:value=move || pen_name.get()
                    on:input=move |ev| pen_name.set(event_target_value(&ev)) />
                <FieldMessage id="letter-pen-error" message=err("pen_name") />
            </div>
            <fieldset class="tag-picker topic-picker" hidden=move || !public.get()>
                <legend>{fill(t.topics_legend, &[("max", &MAX_TOPICS)])}</legend>
                {TOPICS.iter().map(|key| {
                    let label = topic_label(key);
                    let key = (*key).to_owned();
                    let id = format!("topic-{key}");
                    let k1 = key.clone();
                    view! {
                        <span class="tag-check">
                            <input type="checkbox" id=id.clone()
                                prop:checked=move || topics.with(|t| t.contains(&k1))
                                on:change=move |ev| {
                                    let on = event_target_checked(&ev);
                                    topics.update(|t| {
                                        t.retain(|x| x != &key);
                                        if on { t.push(key.clone()); }
                                    });
                                } />
                            <label for=id>{label}</label>
                        </span>
                    }
                }).collect_view()}
                <FieldMessage id="letter-topics-error" message=err("topics") />
            </fieldset>
        </fieldset>
    }
}

//! Writing a letter: saving drafts, scheduling, cancelling, deleting, sharing on the wall.

use super::*;

/// Saves a draft, or schedules (`schedule`), the letter `id` (or a new one).
pub async fn save(
    db: &DatabaseConnection,
    user: Uuid,
    id: Option<Uuid>,
    form: LetterForm,
    schedule: bool,
) -> Result<LetterView, AppError> {
    let letters = service()?;
    let account = user_row(db, user).await?;
    let existing = match id {
        Some(id) => Some(own_letter(db, user, id).await?),
        None => None,
    };
    let tz_name = existing
        .as_ref()
        .map_or_else(|| account.timezone.clone(), |l| l.timezone.clone());
    let tz = zone(&tz_name);
    if let Some(l) = &existing {
        ensure_editable(l, "letter")?;
        if l.status == LetterStatus::Scheduled && !schedule {
            return Err(AppError::validation(
                "letter",
                t().letters.scheduled_save_first,
            ));
        }
    }

    // Every check first; nothing is written unless all pass.
    let mut problems = FieldErrors::default();
    let title = problems.take(rules::title(&form.title, schedule));
    let body = problems.take(rules::body(&form.body, schedule));
    let pen_name = problems.take(rules::pen_name(&form.pen_name));
    let recipients = problems.take(rules::recipients(&form.recipients, schedule));
    let topics = problems.take(crate::letters::topics::check(&form.topics));
    let now = now_ms();
    // A draft may have a time but no date yet (the form suggests 09:00).
    let has_date = !form.deliver_date.trim().is_empty();
    let deliver_at = if schedule || has_date {
        problems
            .take(local_instant(tz, &form.deliver_date, &form.deliver_time))
            .and_then(|at| {
                if schedule {
                    problems.take(check_window(at, now, letters.config.min_lead_secs))?;
                }
                Some(at)
            })
    } else {
        None
    };
    if schedule {
        let others = recipients.as_ref().map_or(0, Vec::len);
        if !form.to_self && others == 0 {
            problems.add("recipients", t().letters.choose_recipients);
        }
        if form.to_self && account.email_verified_at.is_none() {
            problems.add("to_self", t().letters.verify_email_first);
        }
        // An unverified address may be anyone's: without this, an account made in a
        // minute could send letters (and texts) to strangers in its name.
        if others > 0 && account.email_verified_at.is_none() {
            problems.add("recipients", t().letters.verify_to_send_others);
        }
        if form.send_sms
            && !recipients
                .as_ref()
                .is_some_and(|r| r.iter().any(|r| r.phone.is_some()))
        {
            problems.add("send_sms", t().letters.sms_needs_phone);
        }
    }
    // What the author's plan allows (a lapsed Plus never touches letters already
    // scheduled: these are checked only when scheduling).
    let allowed = if schedule {
        let allowed = crate::billing::ssr::limits(db, user).await?;
        check_plan(
            &mut problems,
            &allowed,
            &form,
            recipients.as_deref(),
            deliver_at,
            now,
        );
        Some(allowed)
    } else {
        None
    };
    if schedule && let Some(goal) = &form.goal {
        let others = recipients.as_ref().map_or(0, Vec::len);
        goals::check_goal(db, &mut problems, user, goal, form.to_self, others).await?;
    }
    problems.into_result()?;
    let (Some(title), Some(body), Some(pen_name), Some(recipients), Some(topics)) =
        (title, body, pen_name, recipients, topics)
    else {
        return Err(AppError::internal_while(
            "saving a letter",
            "a validated field is missing",
        ));
    };
    // Scheduling a public letter publishes it (on delivery): limited per account.
    let was_public = existing
        .as_ref()
        .is_some_and(|l| l.visibility.is_public() && l.status == LetterStatus::Scheduled);
    if schedule && form.public && !was_public {
        crate::letters::public::take_publish(user).await?;
    }

    let txn = db.begin().await?;
    crate::account::ssr::lock_account(&txn, user).await?;
    if let Some(allowed) = &allowed {
        let letter = existing.as_ref().map(|l| l.id);
        let charged = match refuse_if_too_many_waiting(&txn, allowed, user, letter).await {
            Ok(()) => take_allowance(&txn, &letters, user, letter, &recipients, now).await,
            Err(e) => Err(e),
        };
        if let Err(e) = charged {
            txn.rollback().await?;
            return Err(e);
        }
    }
    let letter_id = match &existing {
        Some(l) => l.id,
        None => Uuid::new_v4(),
    };
    let status = if schedule {
        LetterStatus::Scheduled
    } else {
        existing.as_ref().map_or(LetterStatus::Draft, |l| l.status)
    };
    let mut row = match &existing {
        Some(l) => letter::ActiveModel::from(l.clone()),
        None => letter::ActiveModel::new_draft(letter_id, user, public_id()?, &tz_name, now),
    };
    row.title = Set(letters.keys.seal(Field::LetterTitle, letter_id, &title));
    row.body = Set(letters.keys.seal(Field::LetterBody, letter_id, &body));
    row.status = Set(status);
    row.deliver_at_ms = Set(deliver_at);
    row.to_self = Set(form.to_self);
    row.send_sms = Set(form.send_sms);
    row.visibility = Set(Visibility::of(form.public));
    row.pen_name = Set(pen_name);
    row.updated_ms = Set(now);
    if existing.is_some() {
        row.update(&txn).await?;
    } else {
        row.insert(&txn).await?;
    }
    crate::letters::topics::set_topics(&txn, letter_id, &topics).await?;

    let own_address = form.to_self.then(|| account.email.clone());
    let txn = replace_deliveries(
        txn,
        &letters,
        letter_id,
        own_address,
        recipients,
        schedule,
        deliver_at,
    )
    .await?;
    goals::store_goal(&txn, letter_id, form.goal.as_ref(), now, deliver_at).await?;
    if schedule {
        goals::seal_figures(&txn, &letters.keys, letter_id, user, form.to_self, now).await?;
    }
    txn.commit().await?;
    if schedule {
        letters.wake.notify_waiters();
        tracing::info!(letter = %letter_id, "letter scheduled");
    }
    letter_view(db, user, letter_id).await
}

/// The limits of the author's plan that a letter being scheduled can meet on its own
/// (each said on its field, and what Plus would change).
fn check_plan(
    problems: &mut FieldErrors,
    allowed: &crate::billing::Limits,
    form: &LetterForm,
    recipients: Option<&[rules::Recipient]>,
    deliver_at: Option<i64>,
    now: i64,
) {
    let plan = &t().billing;
    if allowed.years_ahead < rules::MAX_YEARS_AHEAD
        && let Some(at) = deliver_at
    {
        let latest = DateTime::<Utc>::from_timestamp_millis(now)
            .and_then(|n| n.checked_add_months(chrono::Months::new(12 * allowed.years_ahead)))
            .map_or(i64::MAX, |t| t.timestamp_millis());
        if at > latest {
            problems.add("deliver_date", plan.limit_years.count(allowed.years_ahead));
        }
    }
    let others = recipients.map_or(0, <[_]>::len);
    if others > allowed.recipients_per_letter as usize {
        problems.add(
            "recipients",
            plan.limit_recipients.count(allowed.recipients_per_letter),
        );
    }
    if form.send_sms && !allowed.sms {
        problems.add("send_sms", plan.limit_sms);
    }
}

/// How many of `user`'s letters wait to be delivered.
pub async fn waiting(db: &impl ConnectionTrait, user: Uuid) -> Result<u64, AppError> {
    Ok(letter::Entity::find()
        .filter(letter::Column::UserId.eq(user))
        .filter(letter::Column::Status.eq(LetterStatus::Scheduled))
        .count(db)
        .await?)
}

/// Refuses to schedule one more letter (other than `letter` itself, being scheduled again)
/// when the plan's letters waiting at once are all in use. Run under the account's lock.
async fn refuse_if_too_many_waiting(
    txn: &DatabaseTransaction,
    allowed: &crate::billing::Limits,
    user: Uuid,
    letter: Option<Uuid>,
) -> Result<(), AppError> {
    let mut waiting = letter::Entity::find()
        .filter(letter::Column::UserId.eq(user))
        .filter(letter::Column::Status.eq(LetterStatus::Scheduled));
    if let Some(id) = letter {
        waiting = waiting.filter(letter::Column::Id.ne(id));
    }
    let waiting = waiting.count(txn).await?;
    if waiting >= u64::from(allowed.letters_waiting) {
        return Err(AppError::validation(
            "letter",
            t().billing.limit_letters.count(allowed.letters_waiting),
        ));
    }
    Ok(())
}

/// The span over which `letters.recipients_per_day` is counted: any 24 hours.
pub const RECIPIENTS_WINDOW_MS: i64 = 24 * 60 * 60 * 1000;

/// Charges a scheduling's recipients to the author's allowance of
/// `letters.recipients_per_day` people in any 24 hours, or refuses it (on `recipients`).
/// People the letter is already scheduled to are not charged again, so changing the words
/// or the time of a scheduled letter costs nothing. Called under the account's lock
/// ([`crate::account::ssr::lock_account`]), so requests at once cannot spend the same allowance twice.
async fn take_allowance(
    txn: &DatabaseTransaction,
    letters: &Letters,
    user: Uuid,
    letter: Option<Uuid>,
    recipients: &[rules::Recipient],
    now: i64,
) -> Result<(), AppError> {
    let already: HashSet<String> = match letter {
        Some(id) => letter_recipient::Entity::find()
            .filter(letter_recipient::Column::LetterId.eq(id))
            .filter(letter_recipient::Column::IsSelf.eq(false))
            .filter(letter_recipient::Column::Status.eq(RecipientStatus::Pending))
            .all(txn)
            .await?
            .iter()
            .map(|r| Ok(letters.opened_contact(r)?.email.to_lowercase()))
            .collect::<Result<_, AppError>>()?,
        None => HashSet::new(),
    };
    let added = recipients
        .iter()
        .filter(|r| !already.contains(&r.email.to_lowercase()))
        .count();
    if added == 0 {
        return Ok(());
    }
    let since = now - RECIPIENTS_WINDOW_MS;
    // Rows that no longer count go now (the retention job takes those of idle accounts).
    letter_send::Entity::delete_many()
        .filter(letter_send::Column::UserId.eq(user))
        .filter(letter_send::Column::SentMs.lte(since))
        .exec(txn)
        .await?;
    let used: i64 = letter_send::Entity::find()
        .select_only()
        .column(letter_send::Column::Recipients)
        .filter(letter_send::Column::UserId.eq(user))
        .into_tuple::<i32>()
        .all(txn)
        .await?
        .into_iter()
        .map(i64::from)
        .sum();
    let max = i64::from(letters.config.recipients_per_day);
    let added = i32::try_from(added).unwrap_or(i32::MAX);
    if used + i64::from(added) > max {
        let left = (max - used).max(0);
        return Err(AppError::validation(
            "recipients",
            fill(
                t().letters.recipients_per_day.form(max),
                &[("n", &max), ("left", &left)],
            ),
        ));
    }
    letter_send::ActiveModel {
        id: Set(Uuid::new_v4()),
        user_id: Set(user),
        sent_ms: Set(now),
        recipients: Set(added),
    }
    .insert(txn)
    .await?;
    Ok(())
}

/// Replaces the deliveries of `letter_id` that have not begun with one to `own_address`
/// (the author, when the letter goes to them) and one per recipient, due at `due_ms`:
/// pending when `scheduled`, else draft rows. If any delivery has begun, the letter is on
/// its way: the change is rolled back and refused.
async fn replace_deliveries(
    txn: DatabaseTransaction,
    letters: &Letters,
    letter_id: Uuid,
    own_address: Option<String>,
    recipients: Vec<rules::Recipient>,
    scheduled: bool,
    due_ms: Option<i64>,
) -> Result<DatabaseTransaction, AppError> {
    letter_recipient::Entity::delete_many()
        .filter(letter_recipient::Column::LetterId.eq(letter_id))
        .filter(letter_recipient::Column::Status.is_not_in(IN_FLIGHT))
        .exec(&txn)
        .await?;
    let txn = refuse_if_begun(
        txn,
        letter_id,
        &IN_FLIGHT,
        t().letters.delivery_begun_change,
    )
    .await?;
    let domain = letters.mail_domain();
    let status = if scheduled {
        RecipientStatus::Pending
    } else {
        RecipientStatus::Draft
    };
    let own = own_address.map(|email| (true, None, email, None));
    let others = recipients
        .into_iter()
        .map(|r| (false, r.name, r.email, r.phone));
    for (position, (is_self, name, email, phone)) in own.into_iter().chain(others).enumerate() {
        let id = Uuid::new_v4();
        letter_recipient::ActiveModel::new_delivery(
            NewDelivery {
                id,
                letter_id,
                position: i32::try_from(position).unwrap_or(i32::MAX),
                is_self,
                name,
                email,
                phone,
                status,
                due_ms,
                mail_domain: domain.clone(),
                token_hash: scheduled.then(|| digest(&letters.link_token(id))),
            },
            &letters.keys,
        )
        .insert(&txn)
        .await?;
    }
    Ok(txn)
}

/// Cancels a scheduled letter whose delivery has not begun.
pub async fn cancel(db: &DatabaseConnection, user: Uuid, id: Uuid) -> Result<LetterView, AppError> {
    let l = own_letter(db, user, id).await?;
    if l.status != LetterStatus::Scheduled {
        return Err(AppError::validation(
            "letter",
            t().letters.only_scheduled_cancel,
        ));
    }
    let txn = db.begin().await?;
    letter_recipient::Entity::update_many()
        .col_expr(
            letter_recipient::Column::Status,
            RecipientStatus::Cancelled.as_str().into(),
        )
        .filter(letter_recipient::Column::LetterId.eq(id))
        .filter(letter_recipient::Column::Status.eq(RecipientStatus::Pending))
        .exec(&txn)
        .await?;
    let txn = refuse_if_begun(txn, id, &IN_FLIGHT, t().letters.delivery_begun_cancel).await?;
    letter::Entity::update_many()
        .col_expr(
            letter::Column::Status,
            LetterStatus::Cancelled.as_str().into(),
        )
        .col_expr(letter::Column::UpdatedMs, now_ms().into())
        .filter(letter::Column::Id.eq(id))
        .exec(&txn)
        .await?;
    txn.commit().await?;
    letter_view(db, user, id).await
}
/// Deletes a letter, its recipients and its images (not while a delivery is in flight).
pub async fn delete(db: &DatabaseConnection, user: Uuid, id: Uuid) -> Result<(), AppError> {
    let letters = service()?;
    own_letter(db, user, id).await?;
    let images = images_of(db, id).await?;
    let txn = db.begin().await?;
    letter_recipient::Entity::delete_many()
        .filter(letter_recipient::Column::LetterId.eq(id))
        .filter(letter_recipient::Column::Status.ne(RecipientStatus::Sending))
        .exec(&txn)
        .await?;
    let txn = refuse_if_begun(
        txn,
        id,
        &[RecipientStatus::Sending],
        t().letters.being_delivered,
    )
    .await?;
    letter::Entity::delete_by_id(id).exec(&txn).await?;
    txn.commit().await?;
    for image in images {
        if let Err(e) = letters.store.delete(&image.storage_key).await {
            tracing::warn!(error = %e, "deleting an image file failed; the retention job retries");
        }
    }
    Ok(())
}

/// Shares a letter on the wall or takes it down, at any time; sharing is limited per
/// account (taking down never is). A delivered letter appears on (or leaves) the wall at
/// once; a scheduled one when it is delivered.
pub async fn set_public(
    db: &DatabaseConnection,
    user: Uuid,
    id: Uuid,
    public: bool,
) -> Result<LetterView, AppError> {
    let l = own_letter(db, user, id).await?;
    if public && !l.visibility.is_public() {
        crate::letters::public::take_publish(user).await?;
    }
    letter::Entity::update_many()
        .col_expr(
            letter::Column::Visibility,
            Visibility::of(public).as_str().into(),
        )
        .filter(letter::Column::Id.eq(l.id))
        .exec(db)
        .await?;
    // Read after the change: a delivery finishing meanwhile indexes it if this does not.
    let letters = service()?;
    super::search::sync(db, &letters, &[l.id]).await;
    crate::letters::public::changed(db).await;
    letter_view(db, user, id).await
}

/// The end of every change that must not touch a letter already on its way: after the
/// change, counts the letter's deliveries in one of the `begun` states and, if there is
/// one, rolls the whole change back and answers `message` (on the field `letter`).
async fn refuse_if_begun(
    txn: DatabaseTransaction,
    letter_id: Uuid,
    begun: &[RecipientStatus],
    message: &'static str,
) -> Result<DatabaseTransaction, AppError> {
    let started = letter_recipient::Entity::find()
        .filter(letter_recipient::Column::LetterId.eq(letter_id))
        .filter(letter_recipient::Column::Status.is_in(begun.iter().copied()))
        .count(&txn)
        .await?;
    if started > 0 {
        txn.rollback().await?;
        return Err(AppError::validation("letter", message));
    }
    Ok(txn)
}

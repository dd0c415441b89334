//! Letters at rest: their titles, bodies and recipients are sealed (`crate::seal`), and
//! opened here for whoever may read them. Also the pass that seals what an older version
//! stored plainly, and re-seals everything under the newest key after a rotation.

use super::*;
use crate::notifications::ssr::notification;
use crate::seal::Sealed;

/// What a letter says, opened.
#[derive(Debug, Clone)]
pub struct LetterText {
    pub title: String,
    pub body: String,
}

/// Who a delivery goes to, opened.
#[derive(Debug, Clone)]
pub struct Contact {
    pub name: Option<String>,
    pub email: String,
    pub phone: Option<String>,
}

impl Letters {
    /// The title and body of `l`.
    pub fn text(&self, l: &letter::Model) -> Result<LetterText, SealError> {
        Ok(LetterText {
            title: self.keys.open(Field::LetterTitle, l.id, &l.title)?,
            body: self.keys.open(Field::LetterBody, l.id, &l.body)?,
        })
    }

    /// The name and addresses of the delivery `r`.
    pub fn contact(&self, r: &letter_recipient::Model) -> Result<Contact, SealError> {
        Ok(Contact {
            name: self
                .keys
                .open_opt(Field::RecipientName, r.id, r.name.as_ref())?,
            email: self.keys.open(Field::RecipientEmail, r.id, &r.email)?,
            phone: self
                .keys
                .open_opt(Field::RecipientPhone, r.id, r.phone.as_ref())?,
        })
    }

    /// [`Letters::text`] for a request or a job: a letter that does not open is an internal error.
    pub fn opened(&self, l: &letter::Model) -> Result<LetterText, AppError> {
        self.text(l).or_internal("opening a sealed letter")
    }

    /// [`Letters::contact`] for a request.
    pub fn opened_contact(&self, r: &letter_recipient::Model) -> Result<Contact, AppError> {
        self.contact(r).or_internal("opening a sealed recipient")
    }
}

/// The setting that records the key every letter, recipient and picture is sealed with
/// (after a complete pass of [`reseal`]).
const SEALED_WITH: &str = "sealed_with_key";

/// How many rows one step of [`reseal`] reads.
const PAGE: u64 = 200;

/// What [`reseal`] changed.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Resealed {
    pub letters: u64,
    pub recipients: u64,
    pub pictures: u64,
    pub notifications: u64,
    /// Figures sealed with letters to oneself.
    pub figures: u64,
}

fn stale(keys: &Keyring, s: &Sealed) -> bool {
    s.key() != Some(keys.current())
}

/// Seals every letter, recipient, picture, notification and letter's figures not yet sealed with the newest key: what an
/// older version stored plainly, and what older keys sealed. Each row is written only if
/// it still holds what was read (a letter edited meanwhile keeps its edit, sealed anew by
/// its writer). Runs at start-up when the keys changed since the last complete pass, and
/// after `ripen keys rotate`; `progress` hears after each page.
pub async fn reseal(
    db: &DatabaseConnection,
    letters: &Letters,
    progress: impl Fn(Resealed),
) -> Result<Resealed, AppError> {
    let keys = &letters.keys;
    let mut done = Resealed::default();
    let mut after = Uuid::nil();
    loop {
        let page = letter::Entity::find()
            .filter(letter::Column::Id.gt(after))
            .order_by_asc(letter::Column::Id)
            .limit(PAGE)
            .all(db)
            .await?;
        let Some(last) = page.last() else { break };
        after = last.id;
        for l in page {
            if !stale(keys, &l.title) && !stale(keys, &l.body) {
                continue;
            }
            let text = letters.opened(&l)?;
            let n = letter::Entity::update_many()
                .col_expr(
                    letter::Column::Title,
                    keys.seal(Field::LetterTitle, l.id, &text.title).into(),
                )
                .col_expr(
                    letter::Column::Body,
                    keys.seal(Field::LetterBody, l.id, &text.body).into(),
                )
                .filter(letter::Column::Id.eq(l.id))
                .filter(letter::Column::Title.eq(l.title.clone()))
                .filter(letter::Column::Body.eq(l.body.clone()))
                .exec(db)
                .await?
                .rows_affected;
            done.letters += n;
        }
        progress(done);
    }
    let mut after = Uuid::nil();
    loop {
        let page = letter_recipient::Entity::find()
            .filter(letter_recipient::Column::Id.gt(after))
            .order_by_asc(letter_recipient::Column::Id)
            .limit(PAGE)
            .all(db)
            .await?;
        let Some(last) = page.last() else { break };
        after = last.id;
        for r in page {
            let all = [Some(&r.email), r.name.as_ref(), r.phone.as_ref()];
            if !all.into_iter().flatten().any(|s| stale(keys, s)) {
                continue;
            }
            let c = letters.opened_contact(&r)?;
            let mut update = letter_recipient::Entity::update_many()
                .col_expr(
                    letter_recipient::Column::Name,
                    keys.seal_opt(Field::RecipientName, r.id, c.name.as_deref())
                        .into(),
                )
                .col_expr(
                    letter_recipient::Column::Email,
                    keys.seal(Field::RecipientEmail, r.id, &c.email).into(),
                )
                .col_expr(
                    letter_recipient::Column::Phone,
                    keys.seal_opt(Field::RecipientPhone, r.id, c.phone.as_deref())
                        .into(),
                )
                .filter(letter_recipient::Column::Id.eq(r.id))
                .filter(letter_recipient::Column::Email.eq(r.email.clone()));
            update = match &r.name {
                Some(n) => update.filter(letter_recipient::Column::Name.eq(n.clone())),
                None => update.filter(letter_recipient::Column::Name.is_null()),
            };
            update = match &r.phone {
                Some(p) => update.filter(letter_recipient::Column::Phone.eq(p.clone())),
                None => update.filter(letter_recipient::Column::Phone.is_null()),
            };
            done.recipients += update.exec(db).await?.rows_affected;
        }
        progress(done);
    }
    let mut after = Uuid::nil();
    loop {
        let page = letter_image::Entity::find()
            .filter(letter_image::Column::Id.gt(after))
            .order_by_asc(letter_image::Column::Id)
            .limit(PAGE)
            .all(db)
            .await?;
        let Some(last) = page.last() else { break };
        after = last.id;
        for img in page {
            match letters.store.get(&img.storage_key).await {
                // `get` opens; `put` seals with the newest key.
                Ok(bytes) => {
                    letters
                        .store
                        .put(&img.storage_key, bytes)
                        .await
                        .map_err(|e| AppError::internal_while("re-sealing a picture", e))?;
                    done.pictures += 1;
                }
                // Deleted meanwhile.
                Err(crate::letters::storage::StoreError::NotFound) => {}
                Err(e) => return Err(AppError::internal_while("reading a picture to re-seal", e)),
            }
        }
        progress(done);
    }
    let mut after = Uuid::nil();
    loop {
        let page = notification::Entity::find()
            .filter(notification::Column::Id.gt(after))
            .order_by_asc(notification::Column::Id)
            .limit(PAGE)
            .all(db)
            .await?;
        let Some(last) = page.last() else { break };
        after = last.id;
        for n in page {
            if !stale(keys, &n.params) {
                continue;
            }
            let params = crate::notifications::ssr::reseal(keys, &n)
                .or_internal("opening a sealed notification")?;
            done.notifications += notification::Entity::update_many()
                .col_expr(notification::Column::Params, params.into())
                .filter(notification::Column::Id.eq(n.id))
                .filter(notification::Column::Params.eq(n.params.clone()))
                .exec(db)
                .await?
                .rows_affected;
        }
        progress(done);
    }
    let mut after = Uuid::nil();
    loop {
        use crate::letters::entities::letter_snapshot;
        let page = letter_snapshot::Entity::find()
            .filter(letter_snapshot::Column::LetterId.gt(after))
            .order_by_asc(letter_snapshot::Column::LetterId)
            .limit(PAGE)
            .all(db)
            .await?;
        let Some(last) = page.last() else { break };
        after = last.letter_id;
        for f in page {
            if !stale(keys, &f.figures) {
                continue;
            }
            let json = keys
                .open(Field::LetterFigures, f.letter_id, &f.figures)
                .or_internal("opening a letter's sealed figures")?;
            done.figures += letter_snapshot::Entity::update_many()
                .col_expr(
                    letter_snapshot::Column::Figures,
                    keys.seal(Field::LetterFigures, f.letter_id, &json).into(),
                )
                .filter(letter_snapshot::Column::LetterId.eq(f.letter_id))
                .filter(letter_snapshot::Column::Figures.eq(f.figures.clone()))
                .exec(db)
                .await?
                .rows_affected;
        }
        progress(done);
    }
    crate::system::ssr::set_setting(db, SEALED_WITH, &keys.current().to_string()).await?;
    Ok(done)
}

/// Runs [`reseal`] if the newest key is not the one the last complete pass sealed with.
pub async fn reseal_if_keys_changed(
    db: &DatabaseConnection,
    letters: &Letters,
) -> Result<Option<Resealed>, AppError> {
    let sealed_with = crate::system::ssr::setting(db, SEALED_WITH).await?;
    if sealed_with.as_deref() == Some(letters.keys.current().to_string().as_str()) {
        return Ok(None);
    }
    let done = reseal(db, letters, |_| {}).await?;
    tracing::info!(
        letters = done.letters,
        recipients = done.recipients,
        pictures = done.pictures,
        notifications = done.notifications,
        figures = done.figures,
        key = letters.keys.current(),
        "sealed letters with the newest key"
    );
    Ok(Some(done))
}

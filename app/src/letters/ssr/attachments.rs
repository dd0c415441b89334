//! Pictures attached to letters: intake, reading by author, recipient or wall visitor, deletion.

use super::*;

/// Refuses file names that try to name a path: the name is only shown to the author (as
/// the alt text in the editor; recipients and the wall get [`public_alt`]); the stored
/// file gets a name of the server's own.
pub fn check_file_name(name: &str) -> Result<String, AppError> {
    let n = name.trim();
    if n.contains('/')
        || n.contains('\\')
        || n.contains("..")
        || n.chars().any(char::is_control)
        || n.chars().count() > 200
    {
        return Err(AppError::validation("image", t().letters.bad_file_name));
    }
    Ok(n.to_owned())
}
/// Adds an uploaded image to one of the caller's editable letters.
///
/// The header is judged first ([`inspect`]: size, type, dimensions, decoded bytes), so a
/// small file that would decode to a huge buffer is refused before any pixel exists; the
/// decode then runs on the blocking pool under [`ImageGates`]. The picture count and the
/// quota are checked again, and the row written, in one transaction under the account's
/// lock, so pictures sent at the same time cannot pass the limits together. `allowed` is
/// what the author's plan allows (`crate::billing::ssr::limits_of`).
pub async fn add_image(
    db: &DatabaseConnection,
    letters: &Letters,
    allowed: &crate::billing::Limits,
    user: Uuid,
    letter_id: Uuid,
    file_name: &str,
    bytes: Vec<u8>,
) -> Result<ImageView, AppError> {
    let most = PictureLimit::of(allowed);
    let alt = check_file_name(file_name)?;
    let l = own_letter(db, user, letter_id).await?;
    ensure_editable(&l, "image")?;
    ensure_no_delivery_begun(db, letter_id, "image").await?;
    // Answers a full letter before the work; the count that decides is the one below.
    most.refuse_if_full(images_on(db, letter_id).await?)?;

    let limits = letters.image_limits();
    let slot = letters.gates.slot().await?;
    let (bytes, info) = tokio::task::spawn_blocking(move || {
        let info = inspect(&bytes, &limits);
        (bytes, info)
    })
    .await
    .or_internal("reading an uploaded image's header")?;
    let info = info.map_err(|e| AppError::validation("image", e.to_string()))?;
    let permit = letters.gates.reserve(slot, &info).await?;
    let processed = tokio::task::spawn_blocking(move || {
        let _permit = permit;
        decode_inspected(&bytes, &info, &limits)
    })
    .await
    .or_internal("decoding an uploaded image")?
    .map_err(|e| AppError::validation("image", e.to_string()))?;

    // The file first, outside the lock; it is deleted again if the row is refused.
    let id = Uuid::new_v4();
    let key = format!("{}.{}", id.simple(), processed.kind.extension());
    let size = i64::try_from(processed.bytes.len()).unwrap_or(i64::MAX);
    let row = letter_image::ActiveModel {
        id: Set(id),
        letter_id: Set(letter_id),
        user_id: Set(Some(user)),
        position: Set(0),
        storage_key: Set(key.clone()),
        mime: Set(processed.kind.mime().to_owned()),
        bytes: Set(size),
        width: Set(i32::try_from(processed.width).unwrap_or(i32::MAX)),
        height: Set(i32::try_from(processed.height).unwrap_or(i32::MAX)),
        alt: Set(alt.chars().take(200).collect()),
        created_ms: Set(now_ms()),
    };
    letters
        .store
        .put(&key, processed.bytes)
        .await
        .map_err(|e| AppError::internal_while("storing an uploaded image", e))?;
    match record_image(db, letters, most, user, (letter_id, size), row).await {
        Ok(m) => Ok(image_view(m, format!("/api/letters/images/{id}"))),
        Err(e) => {
            letters.store.delete(&key).await.ok();
            Err(e)
        }
    }
}

/// Writes an image's row (`size` bytes, on `letter_id`) if its letter is still editable,
/// has room and the author's quota allows it: all decided under the account's lock.
async fn record_image(
    db: &DatabaseConnection,
    letters: &Letters,
    most: PictureLimit,
    user: Uuid,
    (letter_id, size): (Uuid, i64),
    mut row: letter_image::ActiveModel,
) -> Result<letter_image::Model, AppError> {
    let txn = db.begin().await?;
    crate::account::ssr::lock_account(&txn, user).await?;
    let checked = async {
        ensure_editable(&own_letter(&txn, user, letter_id).await?, "image")?;
        let count = images_on(&txn, letter_id).await?;
        most.refuse_if_full(count)?;
        // Summed here rather than with SUM(), whose type differs between engines (NUMERIC
        // on PostgreSQL); a user has at most a few hundred images.
        let used: i64 = letter_image::Entity::find()
            .select_only()
            .column(letter_image::Column::Bytes)
            .filter(letter_image::Column::UserId.eq(user))
            .into_tuple::<i64>()
            .all(&txn)
            .await?
            .into_iter()
            .sum();
        let quota = i64::try_from(letters.config.quota_bytes).unwrap_or(i64::MAX);
        if used.saturating_add(size) > quota {
            return Err(AppError::validation(
                "image",
                fill(
                    t().letters.quota,
                    &[("mb", &(letters.config.quota_bytes / (1024 * 1024)))],
                ),
            ));
        }
        Ok(count)
    }
    .await;
    let count = match checked {
        Ok(count) => count,
        Err(e) => {
            txn.rollback().await?;
            return Err(e);
        }
    };
    row.position = Set(i32::try_from(count).unwrap_or(0));
    let model = row.insert(&txn).await?;
    txn.commit().await?;
    Ok(model)
}

async fn images_on(db: &impl ConnectionTrait, letter_id: Uuid) -> Result<u64, AppError> {
    Ok(letter_image::Entity::find()
        .filter(letter_image::Column::LetterId.eq(letter_id))
        .count(db)
        .await?)
}

/// The most pictures a letter may have: a letter's own limit, or less on the author's plan.
#[derive(Debug, Clone, Copy)]
struct PictureLimit {
    most: u64,
    /// The plan allows fewer than a letter may have (so Plus would allow more).
    by_plan: bool,
}

impl PictureLimit {
    fn of(allowed: &crate::billing::Limits) -> Self {
        let letter = rules::MAX_IMAGES as u64;
        let plan = u64::from(allowed.pictures_per_letter);
        Self {
            most: plan.min(letter),
            by_plan: plan < letter,
        }
    }

    fn refuse_if_full(self, count: u64) -> Result<(), AppError> {
        if count < self.most {
            return Ok(());
        }
        let message = if self.by_plan {
            crate::i18n::t().billing.limit_pictures.count(self.most)
        } else {
            fill(t().letters.too_many_images, &[("max", &rules::MAX_IMAGES)])
        };
        Err(AppError::validation("image", message))
    }
}
/// An image's bytes and type, for the letter's author.
pub async fn image_for_author(
    db: &DatabaseConnection,
    letters: &Letters,
    user: Uuid,
    image: Uuid,
) -> Result<(String, Vec<u8>), AppError> {
    let (img, _) = own_image(db, user, image).await?;
    blob(letters, img).await
}
/// An image's bytes and type, for the holder of a delivered letter's link.
pub async fn image_for_token(
    db: &DatabaseConnection,
    letters: &Letters,
    token: &str,
    image: Uuid,
) -> Result<(String, Vec<u8>), AppError> {
    let recipient = delivered_recipient(db, token).await?;
    let img = letter_image::Entity::find_by_id(image)
        .filter(letter_image::Column::LetterId.eq(recipient.letter_id))
        .one(db)
        .await?
        .ok_or(AppError::NotFound)?;
    blob(letters, img).await
}
pub async fn blob(
    letters: &Letters,
    img: letter_image::Model,
) -> Result<(String, Vec<u8>), AppError> {
    let bytes = letters
        .store
        .get(&img.storage_key)
        .await
        .map_err(|e| match e {
            crate::letters::storage::StoreError::NotFound => AppError::NotFound,
            e => AppError::internal_while("reading a letter's image", e),
        })?;
    Ok((img.mime, bytes))
}
pub async fn delete_image(db: &DatabaseConnection, user: Uuid, id: Uuid) -> Result<(), AppError> {
    let letters = service()?;
    let (img, l) = own_image(db, user, id).await?;
    ensure_editable(&l, "image")?;
    ensure_no_delivery_begun(db, l.id, "image").await?;
    letter_image::Entity::delete_by_id(id).exec(db).await?;
    if let Err(e) = letters.store.delete(&img.storage_key).await {
        tracing::warn!(error = %e, "deleting an image file failed");
    }
    Ok(())
}

/// Refuses (on `field`) to change the pictures of a letter once any of its deliveries has
/// begun (one is being sent or has been): every reader opens the same letter. Its text and
/// recipients are guarded the same way (`compose::replace_deliveries`).
async fn ensure_no_delivery_begun(
    db: &impl ConnectionTrait,
    letter_id: Uuid,
    field: &str,
) -> Result<(), AppError> {
    let begun = letter_recipient::Entity::find()
        .filter(letter_recipient::Column::LetterId.eq(letter_id))
        .filter(letter_recipient::Column::Status.is_in(IN_FLIGHT))
        .count(db)
        .await?;
    if begun > 0 {
        Err(AppError::validation(
            field,
            t().letters.delivery_begun_change,
        ))
    } else {
        Ok(())
    }
}

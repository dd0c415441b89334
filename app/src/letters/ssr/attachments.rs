//! Pictures attached to letters: intake, reading by author, recipient or wall visitor, deletion.

use super::*;

/// Refuses file names that try to name a path: the name is only shown to the author (as
/// the default alt text); the stored file gets a name of the server's own.
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
pub async fn add_image(
    db: &DatabaseConnection,
    letters: &Letters,
    user: Uuid,
    letter_id: Uuid,
    file_name: &str,
    bytes: Vec<u8>,
) -> Result<ImageView, AppError> {
    let alt = check_file_name(file_name)?;
    let l = own_letter(db, user, letter_id).await?;
    ensure_editable(&l, "image")?;
    ensure_no_delivery_begun(db, letter_id, "image").await?;
    let count = letter_image::Entity::find()
        .filter(letter_image::Column::LetterId.eq(letter_id))
        .count(db)
        .await?;
    if count >= rules::MAX_IMAGES as u64 {
        return Err(AppError::validation(
            "image",
            fill(t().letters.too_many_images, &[("max", &rules::MAX_IMAGES)]),
        ));
    }
    let limits = letters.image_limits();
    let processed = tokio::task::spawn_blocking(move || process(&bytes, &limits))
        .await
        .or_internal("decoding an uploaded image")?
        .map_err(|e| AppError::validation("image", e.to_string()))?;
    // Summed here rather than with SUM(), whose type differs between engines (NUMERIC on
    // PostgreSQL); a user has at most a few hundred images.
    let used: i64 = letter_image::Entity::find()
        .select_only()
        .column(letter_image::Column::Bytes)
        .filter(letter_image::Column::UserId.eq(user))
        .into_tuple::<i64>()
        .all(db)
        .await?
        .into_iter()
        .sum();
    let size = i64::try_from(processed.bytes.len()).unwrap_or(i64::MAX);
    let quota = i64::try_from(letters.config.quota_bytes).unwrap_or(i64::MAX);
    if used + size > quota {
        return Err(AppError::validation(
            "image",
            fill(
                t().letters.quota,
                &[("mb", &(letters.config.quota_bytes / (1024 * 1024)))],
            ),
        ));
    }
    let id = Uuid::new_v4();
    let key = format!("{}.{}", id.simple(), processed.kind.extension());
    letters
        .store
        .put(&key, processed.bytes)
        .await
        .map_err(|e| AppError::internal_while("storing an uploaded image", e))?;
    let model = letter_image::ActiveModel {
        id: Set(id),
        letter_id: Set(letter_id),
        user_id: Set(Some(user)),
        position: Set(i32::try_from(count).unwrap_or(0)),
        storage_key: Set(key.clone()),
        mime: Set(processed.kind.mime().to_owned()),
        bytes: Set(size),
        width: Set(i32::try_from(processed.width).unwrap_or(i32::MAX)),
        height: Set(i32::try_from(processed.height).unwrap_or(i32::MAX)),
        alt: Set(alt.chars().take(200).collect()),
        created_ms: Set(now_ms()),
    };
    match model.insert(db).await {
        Ok(m) => Ok(image_view(m, format!("/api/letters/images/{id}"))),
        Err(e) => {
            letters.store.delete(&key).await.ok();
            Err(e.into())
        }
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

//! Topics an author may give a public letter, and their storage. The wall filters by
//! them; the letters area owns them, since an author sets them while writing.

use crate::AppError;

/// Topics an author may give a public letter (at most [`MAX_TOPICS`]); [`topic_label`]
/// names them.
/// Topics an author may give a public letter (at most [`MAX_TOPICS`]); [`topic_label`]
/// names them.
pub const TOPICS: &[&str] = &[
    "hope",
    "love",
    "family",
    "friendship",
    "work",
    "growth",
    "health",
    "gratitude",
    "advice",
    "loss",
];
pub const MAX_TOPICS: usize = 3;

/// A topic's name in the current language, if `key` is a topic.
pub fn topic_label(key: &str) -> Option<&'static str> {
    let t = &crate::i18n::t().wall;
    Some(match key {
        "hope" => t.topic_hope,
        "love" => t.topic_love,
        "family" => t.topic_family,
        "friendship" => t.topic_friendship,
        "work" => t.topic_work,
        "growth" => t.topic_growth,
        "health" => t.topic_health,
        "gratitude" => t.topic_gratitude,
        "advice" => t.topic_advice,
        "loss" => t.topic_loss,
        _ => return None,
    })
}

/// Parses a comma-separated topic list (the wall's filter); see [`check`].
pub fn parse_topics(raw: &str) -> Result<Vec<String>, AppError> {
    check(raw.split(','))
}

/// Checks a topic list: known keys only, no repeats, at most [`MAX_TOPICS`]; blanks are
/// ignored. The error names the field `topics`.
pub fn check<S: AsRef<str>>(keys: impl IntoIterator<Item = S>) -> Result<Vec<String>, AppError> {
    let mut out: Vec<String> = Vec::new();
    for key in keys {
        let key = key.as_ref().trim();
        if key.is_empty() {
            continue;
        }
        if topic_label(key).is_none() {
            return Err(AppError::validation(
                "topics",
                crate::i18n::t().wall.topics_unknown,
            ));
        }
        if !out.iter().any(|t| t == key) {
            out.push(key.to_owned());
        }
    }
    if out.len() > MAX_TOPICS {
        return Err(AppError::validation(
            "topics",
            crate::i18n::fill(
                crate::i18n::t().wall.topics_too_many,
                &[("max", &MAX_TOPICS)],
            ),
        ));
    }
    Ok(out)
}

#[cfg(feature = "ssr")]
mod ssr {
    use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set};
    use uuid::Uuid;

    use crate::{AppError, letters::entities::letter_topic};

    /// Replaces a letter's topics (when its author saves it).
    pub async fn set_topics(
        db: &impl ConnectionTrait,
        letter: Uuid,
        topics: &[String],
    ) -> Result<(), AppError> {
        letter_topic::Entity::delete_many()
            .filter(letter_topic::Column::LetterId.eq(letter))
            .exec(db)
            .await?;
        if !topics.is_empty() {
            letter_topic::Entity::insert_many(topics.iter().map(|t| letter_topic::ActiveModel {
                letter_id: Set(letter),
                topic: Set(t.clone()),
            }))
            .exec_without_returning(db)
            .await?;
        }
        Ok(())
    }

    pub async fn topics_of(
        db: &impl ConnectionTrait,
        letter: Uuid,
    ) -> Result<Vec<String>, AppError> {
        Ok(letter_topic::Entity::find()
            .filter(letter_topic::Column::LetterId.eq(letter))
            .order_by_asc(letter_topic::Column::Topic)
            .all(db)
            .await?
            .into_iter()
            .map(|t| t.topic)
            .collect())
    }
}
#[cfg(feature = "ssr")]
pub use ssr::{set_topics, topics_of};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn topics_are_known_unique_and_few() {
        assert_eq!(parse_topics(" hope, love ,hope").unwrap(), ["hope", "love"]);
        assert_eq!(parse_topics("").unwrap(), Vec::<String>::new());
        let e = parse_topics("hope,<script>").unwrap_err();
        assert_eq!(
            e.field_message("topics"),
            Some("Choose topics from the list.")
        );
        assert!(parse_topics("hope,love,work,health").is_err());
    }
}

//! Rows the integration tests and the benchmarks both make directly, through the app's
//! own row constructors: an author who cannot sign in, and letters to themselves that are
//! due. Included by `tests/it` and by `benches/` (`#[path]`), so neither spells a row out.

use app::seal::{Field, Keyring};
use app::{
    account::ssr::entities::user_account,
    letters::{
        LetterStatus, RecipientStatus,
        entities::{
            letter,
            letter_recipient::{self, NewDelivery},
        },
    },
};
use chrono::Utc;
use sea_orm::{ActiveValue::Set, DatabaseConnection, EntityTrait};
use uuid::Uuid;

/// A verified author named `name` (`<name>@<domain>`).
pub async fn author(db: &DatabaseConnection, name: &str, domain: &str) -> Uuid {
    let id = Uuid::new_v4();
    user_account::Entity::insert(user_account::ActiveModel::verified_fixture(
        id,
        name,
        domain,
        Utc::now().fixed_offset(),
    ))
    .exec_without_returning(db)
    .await
    .expect("inserting an author");
    id
}

/// One scheduled letter from `user` to themselves per instant of `due` (written a day
/// before it), each delivered to its own address at `domain`, sealed with `keys` as the
/// server seals; answers the Message-IDs, in the order of `due`.
pub async fn letters_to_self(
    db: &DatabaseConnection,
    keys: &Keyring,
    user: Uuid,
    due: &[i64],
    domain: &str,
) -> Vec<String> {
    let mut ids = Vec::with_capacity(due.len());
    for chunk in due.chunks(500) {
        let mut letters = Vec::new();
        let mut recipients = Vec::new();
        for &at in chunk {
            let (l, r) = (Uuid::new_v4(), Uuid::new_v4());
            ids.push(letter_recipient::message_id(l, r, domain));
            let public_id = l.simple().to_string()[..16].to_owned();
            letters.push(letter::ActiveModel {
                title: Set(keys.seal(Field::LetterTitle, l, "A letter from the past")),
                body: Set(keys.seal(
                    Field::LetterBody,
                    l,
                    &"Dear future me,\n\nI hope the work went well. ".repeat(8),
                )),
                status: Set(LetterStatus::Scheduled),
                deliver_at_ms: Set(Some(at)),
                to_self: Set(true),
                ..letter::ActiveModel::new_draft(l, user, public_id, "UTC", at - 86_400_000)
            });
            recipients.push(letter_recipient::ActiveModel::new_delivery(
                NewDelivery {
                    id: r,
                    letter_id: l,
                    position: 0,
                    is_self: true,
                    name: None,
                    email: format!("reader.{}@{domain}", r.simple()),
                    phone: None,
                    status: RecipientStatus::Pending,
                    due_ms: Some(at),
                    mail_domain: domain.into(),
                    token_hash: None,
                },
                keys,
            ));
        }
        letter::Entity::insert_many(letters)
            .exec_without_returning(db)
            .await
            .expect("inserting letters");
        letter_recipient::Entity::insert_many(recipients)
            .exec_without_returning(db)
            .await
            .expect("inserting deliveries");
    }
    ids
}

/// The keys of the servers a test or benchmark starts as processes sharing `path`
/// (`RIPEN_KEYS_FILE`): made and recorded now if the database has none, as the first
/// server would.
pub async fn shared_keys(db: &DatabaseConnection, path: &std::path::Path) -> Keyring {
    let set = app::system::keys::load(db, path)
        .await
        .expect("loading or making the key file");
    Keyring::new(&set, Some(path.to_owned())).expect("usable keys")
}

//! SeaORM entities of the letter tables (see the `create_letters` migration).

pub mod letter {
    use sea_orm::entity::prelude::*;

    pub use crate::letters::{LetterStatus, Visibility};
    pub use crate::seal::Sealed;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "letter")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub user_id: Option<Uuid>,
        pub public_id: String,
        /// Sealed ([`crate::seal::Field::LetterTitle`]).
        pub title: Sealed,
        /// Sealed ([`crate::seal::Field::LetterBody`]).
        pub body: Sealed,
        pub status: LetterStatus,
        pub deliver_at_ms: Option<i64>,
        pub timezone: String,
        pub to_self: bool,
        pub send_sms: bool,
        pub visibility: Visibility,
        pub pen_name: Option<String>,
        pub created_ms: i64,
        pub updated_ms: i64,
        pub delivered_ms: Option<i64>,
        /// Set while a moderator keeps the letter off the wall.
        pub hidden_ms: Option<i64>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}

    impl ActiveModel {
        /// A new, empty, private draft of `user`'s, made at `now_ms`: where every letter
        /// row starts (the compose service, and the tests and benchmarks that make
        /// letters in bulk). Callers set what it says and when it goes.
        pub fn new_draft(
            id: Uuid,
            user: Uuid,
            public_id: String,
            timezone: &str,
            now_ms: i64,
        ) -> Self {
            use sea_orm::ActiveValue::Set;
            Self {
                id: Set(id),
                user_id: Set(Some(user)),
                public_id: Set(public_id),
                title: Set(Sealed(String::new())),
                body: Set(Sealed(String::new())),
                status: Set(LetterStatus::Draft),
                deliver_at_ms: Set(None),
                timezone: Set(timezone.to_owned()),
                to_self: Set(false),
                send_sms: Set(false),
                visibility: Set(Visibility::Private),
                pen_name: Set(None),
                created_ms: Set(now_ms),
                updated_ms: Set(now_ms),
                delivered_ms: Set(None),
                hidden_ms: Set(None),
            }
        }
    }
}

pub mod letter_recipient {
    use sea_orm::entity::prelude::*;

    pub use crate::letters::RecipientStatus;
    use crate::seal::{Field, Keyring, Sealed};

    /// One delivery.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "letter_recipient")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub letter_id: Uuid,
        pub position: i32,
        pub is_self: bool,
        /// Sealed, as are `email` and `phone` ([`Field`]).
        pub name: Option<Sealed>,
        pub email: Sealed,
        pub phone: Option<Sealed>,
        pub status: RecipientStatus,
        pub next_attempt_ms: Option<i64>,
        pub attempts: i32,
        pub lease_owner: Option<String>,
        pub lease_until_ms: Option<i64>,
        pub message_id: String,
        pub token_hash: Option<String>,
        pub sent_ms: Option<i64>,
        pub sms_sent_ms: Option<i64>,
        pub last_error: Option<String>,
        pub thanked_ms: Option<i64>,
        pub thanks_note: Option<String>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}

    /// Who a new delivery goes to, and when.
    #[derive(Debug, Clone)]
    pub struct NewDelivery {
        pub id: Uuid,
        pub letter_id: Uuid,
        pub position: i32,
        pub is_self: bool,
        pub name: Option<String>,
        pub email: String,
        pub phone: Option<String>,
        /// `Pending` (due at `due_ms`) or `Draft`.
        pub status: RecipientStatus,
        pub due_ms: Option<i64>,
        /// The mail domain of the Message-ID ([`message_id`]).
        pub mail_domain: String,
        /// The SHA-256 of the recipient's link token, once the letter is scheduled.
        pub token_hash: Option<String>,
    }

    impl ActiveModel {
        /// A delivery not yet attempted, its name and addresses sealed with `keys`: the
        /// one place a recipient row is made (the compose service, the tests and the
        /// benchmarks).
        pub fn new_delivery(d: NewDelivery, keys: &Keyring) -> Self {
            use sea_orm::ActiveValue::Set;
            Self {
                id: Set(d.id),
                letter_id: Set(d.letter_id),
                position: Set(d.position),
                is_self: Set(d.is_self),
                name: Set(keys.seal_opt(Field::RecipientName, d.id, d.name.as_deref())),
                email: Set(keys.seal(Field::RecipientEmail, d.id, &d.email)),
                phone: Set(keys.seal_opt(Field::RecipientPhone, d.id, d.phone.as_deref())),
                status: Set(d.status),
                next_attempt_ms: Set(d.due_ms),
                attempts: Set(0),
                lease_owner: Set(None),
                lease_until_ms: Set(None),
                message_id: Set(message_id(d.letter_id, d.id, &d.mail_domain)),
                token_hash: Set(d.token_hash),
                sent_ms: Set(None),
                sms_sent_ms: Set(None),
                last_error: Set(None),
                thanked_ms: Set(None),
                thanks_note: Set(None),
            }
        }
    }

    /// The Message-ID of every email of one delivery, `<letter.<letter>.<recipient>@domain>`:
    /// the same on a repeat, so a repeat is recognisable.
    pub fn message_id(letter: Uuid, recipient: Uuid, domain: &str) -> String {
        format!(
            "<letter.{}.{}@{domain}>",
            letter.simple(),
            recipient.simple()
        )
    }
}

pub mod letter_image {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "letter_image")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub letter_id: Uuid,
        pub user_id: Option<Uuid>,
        pub position: i32,
        pub storage_key: String,
        pub mime: String,
        pub bytes: i64,
        pub width: i32,
        pub height: i32,
        pub alt: String,
        pub created_ms: i64,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// A topic of a public letter (see `letters::topics`).
pub mod letter_topic {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "letter_topic")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub letter_id: Uuid,
        #[sea_orm(primary_key, auto_increment = false)]
        pub topic: String,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// The words of a letter on the wall, for searching it (`letters::ssr::search`): its
/// title and body as `crate::search::document` splits them, space-joined. On SQLite the
/// table also has an integer `id`, the rowid of its FTS5 index (`letter_search_fts`),
/// which nothing here reads.
pub mod letter_search {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "letter_search")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub letter_id: Uuid,
        pub doc: String,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// One scheduling of a letter to other people: when, and how many recipients it added
/// (see `letters::ssr::take_allowance`). Counts only, no addresses; kept a day.
pub mod letter_send {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "letter_send")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub user_id: Uuid,
        pub sent_ms: i64,
        pub recipients: i32,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod letter_goal {
    use sea_orm::entity::prelude::*;

    pub use crate::letters::goals::GoalKind;

    /// What a letter to oneself waits for besides its date (see `letters::goals`).
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "letter_goal")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub letter_id: Uuid,
        pub kind: GoalKind,
        pub target: i32,
        pub tag_id: Option<Uuid>,
        pub habit_id: Option<Uuid>,
        /// Records made from this instant on count (when the letter was sealed).
        pub since_ms: i64,
        /// The latest delivery (the letter's own date until the goal moves it earlier).
        pub latest_ms: i64,
        pub reached_ms: Option<i64>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod letter_snapshot {
    use sea_orm::entity::prelude::*;

    pub use crate::seal::Sealed;

    /// The author's figures when a letter to oneself was sealed.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "letter_snapshot")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub letter_id: Uuid,
        pub taken_ms: i64,
        /// Sealed ([`crate::seal::Field::LetterFigures`]): `diary::Figures` as JSON.
        pub figures: Sealed,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

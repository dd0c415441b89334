//! SeaORM entities of the account tables (see the `create_accounts` migration).

pub mod user_account {
    use sea_orm::entity::prelude::*;

    /// One account. `password_hash` is an argon2id PHC string; this model is never
    /// serialised and never sent to the browser (see [`crate::account::UserView`]).
    #[derive(Clone, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "user_account")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub username: String,
        #[sea_orm(unique)]
        pub username_canonical: String,
        pub email: String,
        #[sea_orm(unique)]
        pub email_canonical: String,
        pub email_verified_at: Option<DateTimeWithTimeZone>,
        pub phone: Option<String>,
        #[sea_orm(column_type = "Text")]
        pub password_hash: String,
        pub age_confirmed_at: DateTimeWithTimeZone,
        pub terms_version: String,
        pub terms_accepted_at: DateTimeWithTimeZone,
        pub created_at: DateTimeWithTimeZone,
        pub updated_at: DateTimeWithTimeZone,
        /// IANA time zone name, e.g. `Europe/Berlin`.
        pub timezone: String,
        /// Minutes after local midnight at which the user's day starts (0..=720).
        pub day_boundary_min: i32,
        /// When the owner closed the account (epoch ms); erased after the grace period.
        pub deleted_ms: Option<i64>,
        /// `system`, `light` or `dark`.
        pub theme: String,
        /// A language Ripen speaks (`en`, `zh-Hans`), or `None` to follow the browser.
        pub language: Option<String>,
        /// `false` for an account made through a sign-in provider until a password is
        /// set (by a reset link): its `password_hash` is then of a random password no one
        /// knows, and the provider is its only way in.
        pub has_password: bool,
    }

    impl std::fmt::Debug for Model {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            // Deliberately partial: no password hash, email or phone in logs.
            f.debug_struct("UserAccount")
                .field("id", &self.id)
                .field("username", &self.username)
                .finish_non_exhaustive()
        }
    }

    impl Model {
        /// The language the account reads Ripen in, for what is sent without a request
        /// (emails, notifications): its setting, else English.
        pub fn lang(&self) -> crate::i18n::Lang {
            self.language
                .as_deref()
                .and_then(crate::i18n::Lang::parse)
                .unwrap_or_default()
        }
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}

    /// Who a new account is.
    #[derive(Debug, Clone)]
    pub struct NewAccount {
        pub id: Uuid,
        /// As typed, and as compared (`Username::canonical`).
        pub username: (String, String),
        /// As typed, and as compared (`Email::canonical`).
        pub email: (String, String),
        pub phone: Option<String>,
        pub password_hash: String,
        /// The terms version accepted.
        pub terms_version: String,
        pub timezone: String,
        pub theme: String,
        pub language: Option<String>,
        pub now: DateTimeWithTimeZone,
    }

    impl ActiveModel {
        /// An account as sign-up makes it (unverified, day starting at midnight, no
        /// moderator rights): the one place an account row starts (sign-up, and the tests
        /// and benchmarks that make accounts directly).
        pub fn new_account(a: NewAccount) -> Self {
            use sea_orm::ActiveValue::Set;
            Self {
                id: Set(a.id),
                username: Set(a.username.0),
                username_canonical: Set(a.username.1),
                email: Set(a.email.0),
                email_canonical: Set(a.email.1),
                email_verified_at: Set(None),
                phone: Set(a.phone),
                password_hash: Set(a.password_hash),
                age_confirmed_at: Set(a.now),
                terms_version: Set(a.terms_version),
                terms_accepted_at: Set(a.now),
                created_at: Set(a.now),
                updated_at: Set(a.now),
                timezone: Set(a.timezone),
                day_boundary_min: Set(0),
                deleted_ms: Set(None),
                theme: Set(a.theme),
                language: Set(a.language),
                has_password: Set(true),
            }
        }

        /// A verified account named `name` (`<name>@<domain>`), for tests and benchmarks
        /// that need an author without signing one up; it cannot sign in.
        pub fn verified_fixture(
            id: Uuid,
            name: &str,
            domain: &str,
            now: DateTimeWithTimeZone,
        ) -> Self {
            let email = format!("{name}@{domain}");
            let mut a = Self::new_account(NewAccount {
                id,
                username: (name.to_owned(), name.to_lowercase()),
                email: (email.clone(), email.to_lowercase()),
                phone: None,
                password_hash: "x".into(),
                terms_version: "fixture".into(),
                timezone: "UTC".into(),
                theme: "system".into(),
                language: None,
                now,
            });
            a.email_verified_at = sea_orm::ActiveValue::Set(Some(now));
            a
        }
    }
}

pub mod auth_session {
    use sea_orm::entity::prelude::*;

    /// A signed-in browser. The cookie holds a random token; only its SHA-256 is stored.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "auth_session")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id_hash: String,
        pub user_id: Uuid,
        pub created_at: DateTimeWithTimeZone,
        pub last_seen_at: DateTimeWithTimeZone,
        /// The absolute end of the session, whatever the activity.
        pub expires_at: DateTimeWithTimeZone,
        pub user_agent: Option<String>,
        /// The address the session was last used from; shown to its owner only, and gone
        /// with the session.
        pub ip: Option<String>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {
        #[sea_orm(
            belongs_to = "super::user_account::Entity",
            from = "Column::UserId",
            to = "super::user_account::Column::Id",
            on_delete = "Cascade"
        )]
        User,
    }

    impl Related<super::user_account::Entity> for Entity {
        fn to() -> RelationDef {
            Relation::User.def()
        }
    }

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod account_token {
    use sea_orm::entity::prelude::*;

    /// A single-use link token (verify email, reset password), stored as its SHA-256.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "account_token")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub user_id: Uuid,
        pub purpose: String,
        #[sea_orm(unique)]
        pub token_hash: String,
        /// For email verification: the address being verified (a new one when changing it).
        pub email: Option<String>,
        pub created_at: DateTimeWithTimeZone,
        pub expires_at: DateTimeWithTimeZone,
        pub used_at: Option<DateTimeWithTimeZone>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod consent_record {
    use sea_orm::entity::prelude::*;

    /// One privacy choice, as made: by which browser (`anon_id`, a random id in its consent
    /// cookie), by which account if signed in, under which policy version, and when.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "consent_record")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub user_id: Option<Uuid>,
        pub anon_id: String,
        pub policy_version: String,
        pub functional: bool,
        pub statistics: bool,
        pub improvement: bool,
        /// `dialog` or `settings`.
        pub source: String,
        pub created_ms: i64,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod security_event {
    use sea_orm::entity::prelude::*;

    /// Something that happened to the account's sign-in (`SecurityKind`), kept a year: the
    /// browser family and the network (an address prefix), never the full address.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "security_event")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub user_id: Uuid,
        pub kind: String,
        pub created_ms: i64,
        pub browser: Option<String>,
        pub network: Option<String>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod known_browser {
    use sea_orm::entity::prelude::*;

    /// A browser the account signed in from: the SHA-256 of its random browser cookie.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "known_browser")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub user_id: Uuid,
        #[sea_orm(primary_key, auto_increment = false)]
        pub digest: String,
        pub first_ms: i64,
        pub last_ms: i64,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod two_step {
    use sea_orm::entity::prelude::*;

    /// An account's authenticator secret (sealed, bound to the account's id), in effect once
    /// `confirmed_ms` is set; `last_step` is the last time step a code was accepted for.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "two_step")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub user_id: Uuid,
        pub secret: crate::seal::Sealed,
        pub created_ms: i64,
        pub confirmed_ms: Option<i64>,
        pub last_step: Option<i64>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod recovery_code {
    use sea_orm::entity::prelude::*;

    /// One single-use recovery code, as its SHA-256.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "recovery_code")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub user_id: Uuid,
        pub code_hash: String,
        pub created_ms: i64,
        pub used_ms: Option<i64>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod sign_in_challenge {
    use sea_orm::entity::prelude::*;

    /// A sign-in waiting for its second step: the SHA-256 of the browser's challenge cookie.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "sign_in_challenge")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id_hash: String,
        pub user_id: Uuid,
        pub created_ms: i64,
        pub expires_ms: i64,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

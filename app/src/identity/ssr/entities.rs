//! SeaORM entities of the sign-in tables (see the `identities` migration).

pub mod auth_identity {
    use sea_orm::entity::prelude::*;

    /// An identity at another service linked to an account: the provider's issuer and its
    /// subject for the person, and nothing else it said.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "auth_identity")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub user_id: Uuid,
        /// The configured provider's id (`acme`), for its name on the settings page.
        pub provider: String,
        pub issuer: String,
        pub subject: String,
        pub created_ms: i64,
        pub last_used_ms: Option<i64>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod auth_flow {
    use sea_orm::entity::prelude::*;

    use crate::seal::Sealed;

    /// A sign-in in flight: found by the digest of the browser's cookie, used once.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "auth_flow")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id_hash: String,
        pub provider: String,
        /// `sign_in`, `link` or `sign_up` (see `flow::Purpose`).
        pub purpose: String,
        /// The account being linked to (`link`).
        pub user_id: Option<Uuid>,
        /// Sealed JSON: the values the callback checks, or the identity a sign-up waits
        /// to be finished for.
        #[sea_orm(column_type = "Text")]
        pub state: Sealed,
        pub created_ms: i64,
        pub expires_ms: i64,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod passkey {
    use sea_orm::entity::prelude::*;

    /// A passkey of an account: the authenticator's credential (public key, counter) as
    /// `webauthn-rs` keeps it, and the name the person gave it.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "passkey")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub user_id: Uuid,
        /// The credential's id, base64url (unique: one authenticator key, one account).
        pub credential_id: String,
        pub label: String,
        /// JSON of `webauthn_rs::prelude::Passkey` (public parts only: there is no secret).
        #[sea_orm(column_type = "Text")]
        pub credential: String,
        pub created_ms: i64,
        pub last_used_ms: Option<i64>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod passkey_ceremony {
    use sea_orm::entity::prelude::*;

    /// A passkey ceremony in flight: the challenge and what its answer is checked against,
    /// found by the digest of the token the page holds, used once.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "passkey_ceremony")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id_hash: String,
        /// `register` or `sign_in`.
        pub kind: String,
        /// The account adding a passkey (`register`).
        pub user_id: Option<Uuid>,
        #[sea_orm(column_type = "Text")]
        pub state: String,
        pub expires_ms: i64,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

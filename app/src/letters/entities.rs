//! SeaORM entities of the letter tables (see the `create_letters` migration).

pub mod letter {
    use sea_orm::entity::prelude::*;

    /// `status`: draft | scheduled | delivered | failed | cancelled.
    /// `visibility`: private | public.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "letter")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub user_id: Option<Uuid>,
        pub public_id: String,
        pub title: String,
        pub body: String,
        pub status: String,
        pub deliver_at_ms: Option<i64>,
        pub timezone: String,
        pub to_self: bool,
        pub send_sms: bool,
        pub visibility: String,
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
}

pub mod letter_recipient {
    use sea_orm::entity::prelude::*;

    /// One delivery. `status`: draft | pending | sending | sent | failed | cancelled.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "letter_recipient")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub letter_id: Uuid,
        pub position: i32,
        pub is_self: bool,
        pub name: Option<String>,
        pub email: String,
        pub phone: Option<String>,
        pub status: String,
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

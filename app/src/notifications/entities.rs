//! The `notification` table, and `notification_text`, where the rows written as text
//! before notices were stored as parameters wait to be turned into parameters at start-up.

pub mod notification {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "notification")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub user_id: Uuid,
        pub kind: String,
        /// The [`crate::notifications::Notice`] as JSON, sealed (it may name a letter).
        pub params: crate::seal::Sealed,
        pub created_ms: i64,
        pub read_ms: Option<i64>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod notification_text {
    use sea_orm::entity::prelude::*;

    /// A notification as it was stored before: its words, sealed, in the language of the
    /// moment it was written.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "notification_text")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub user_id: Uuid,
        pub kind: String,
        pub title: crate::seal::Sealed,
        pub body: crate::seal::Sealed,
        pub link: Option<String>,
        pub created_ms: i64,
        pub read_ms: Option<i64>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

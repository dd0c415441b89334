//! The `notification` table.

pub mod notification {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "notification")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub user_id: Uuid,
        pub kind: String,
        /// Sealed, as is `body` (they may name a letter): see `notifications::ssr`.
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

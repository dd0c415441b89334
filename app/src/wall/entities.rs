//! SeaORM entities of the wall tables (see the `create_wall` migration).

pub mod letter_like {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "letter_like")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub letter_id: Uuid,
        #[sea_orm(primary_key, auto_increment = false)]
        pub user_id: Uuid,
        pub created_ms: i64,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod letter_report {
    use sea_orm::entity::prelude::*;

    /// One person's report of one letter; `resolved_ms` is set when a moderator acts.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "letter_report")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub letter_id: Uuid,
        #[sea_orm(primary_key, auto_increment = false)]
        pub user_id: Uuid,
        pub reason: String,
        pub note: String,
        pub created_ms: i64,
        pub resolved_ms: Option<i64>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

//! The announcement tables (see the `announcements` migration).

pub mod announcement {
    use sea_orm::entity::prelude::*;

    pub use crate::announcements::{Audience, Source};

    /// One announcement, its text in both languages. Not sealed: it is written for
    /// everyone it is shown to.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "announcement")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        /// When it was published (and began to be shown).
        pub created_ms: i64,
        pub source: Source,
        /// The policy version it announces (unique), for [`Source::Policy`].
        pub policy_version: Option<String>,
        pub audience: Audience,
        pub title_en: String,
        #[sea_orm(column_type = "Text")]
        pub body_en: String,
        pub title_zh: String,
        #[sea_orm(column_type = "Text")]
        pub body_zh: String,
        /// A path on this site.
        pub link: Option<String>,
        /// Emailed as well as shown.
        pub email: bool,
        /// Shown until then.
        pub ends_ms: i64,
        pub withdrawn_ms: Option<i64>,
        /// When every email it was to send had been sent (so the sender passes it by).
        pub emails_done_ms: Option<i64>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod announcement_dismissal {
    use sea_orm::entity::prelude::*;

    /// An account dismissed an announcement: not shown to it again, on any device.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "announcement_dismissal")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub announcement_id: Uuid,
        #[sea_orm(primary_key, auto_increment = false)]
        pub user_id: Uuid,
        pub dismissed_ms: i64,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod announcement_email {
    use sea_orm::entity::prelude::*;

    pub use crate::mail::EmailState;

    /// An announcement's email to one account; one row per (announcement, account), so no
    /// one gets it twice.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "announcement_email")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub announcement_id: Uuid,
        #[sea_orm(primary_key, auto_increment = false)]
        pub user_id: Uuid,
        pub state: EmailState,
        pub emailed_ms: Option<i64>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

//! Ripen's database schema, as ordered SeaORM migrations.
//!
//! The server applies pending migrations at start-up; `ripen-migrate` (this crate's binary)
//! runs them by hand: `cargo run -p migrations -- status|up|down|fresh`.
//! Each migration is written once against SeaQuery's builders so that the same schema is
//! created on SQLite and PostgreSQL.

// `#[async_trait]` migrations cannot name `SchemaManager<'_>` (the trait binds it early).
#![allow(elided_lifetimes_in_paths)]

pub use sea_orm_migration::prelude::*;

mod m20261123_000001_create_system_setting;
mod m20261123_000002_create_accounts;
mod m20261123_000003_create_focus;
mod m20261123_000004_create_diary;
mod m20261123_000005_create_letters;
mod m20261123_000006_create_wall;
mod m20261124_000007_privacy;
mod m20261124_000008_data_export;
mod m20261124_000009_preferences;
mod m20261204_000010_letter_send;
mod m20261204_000011_sealed_columns;
mod m20261204_000012_breach_notice;
mod m20261204_000013_staff;
mod m20261204_000014_announcements;
mod m20261204_000015_notification_params;
mod m20261204_000016_security_activity;
mod m20261204_000017_two_step;
mod m20261204_000030_short_focus;
mod m20261205_000018_identities;
mod m20261205_000019_passkeys;
mod m20261205_000020_attempt_windows;
mod m20261205_000021_billing;
mod m20261205_000022_letter_goals;
mod m20261205_000023_wall_search;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261123_000001_create_system_setting::Migration),
            Box::new(m20261123_000002_create_accounts::Migration),
            Box::new(m20261123_000003_create_focus::Migration),
            Box::new(m20261123_000004_create_diary::Migration),
            Box::new(m20261123_000005_create_letters::Migration),
            Box::new(m20261123_000006_create_wall::Migration),
            Box::new(m20261124_000007_privacy::Migration),
            Box::new(m20261124_000008_data_export::Migration),
            Box::new(m20261124_000009_preferences::Migration),
            Box::new(m20261204_000010_letter_send::Migration),
            Box::new(m20261204_000011_sealed_columns::Migration),
            Box::new(m20261204_000012_breach_notice::Migration),
            Box::new(m20261204_000013_staff::Migration),
            Box::new(m20261204_000014_announcements::Migration),
            Box::new(m20261204_000015_notification_params::Migration),
            Box::new(m20261204_000016_security_activity::Migration),
            Box::new(m20261204_000017_two_step::Migration),
            Box::new(m20261204_000030_short_focus::Migration),
            Box::new(m20261205_000018_identities::Migration),
            Box::new(m20261205_000019_passkeys::Migration),
            Box::new(m20261205_000020_attempt_windows::Migration),
            Box::new(m20261205_000021_billing::Migration),
            Box::new(m20261205_000022_letter_goals::Migration),
            Box::new(m20261205_000023_wall_search::Migration),
        ]
    }
}

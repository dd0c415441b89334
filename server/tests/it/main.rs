//! Ripen's integration tests: the real server, on a free port, against a fresh database.
//!
//! One test binary (faster to link than one per file). The backend comes from
//! `TEST_DB` (`sqlite`, the default, or `postgres`); `scripts/test` runs this binary
//! once for each.

// Failing loudly is what a test should do.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod fake_alipay;
mod fake_wechat;
#[path = "../fixtures.rs"]
mod fixtures;
mod harness;
mod mail;
mod memory;
mod s3_server;

/// Counts live heap bytes for the memory tests (`memory::HeapMeter`).
#[global_allocator]
static ALLOCATOR: memory::CountingAllocator = cap::Cap::new(std::alloc::System, usize::MAX);

mod accounts;
mod announcements;
mod backups;
mod billing;
mod billing_alipay;
mod billing_wechat;
mod breach;
mod conformance;
mod csrf;
mod delivery_crash;
mod diary;
mod errors;
mod exports;
mod focus;
mod goals;
mod hardening;
mod health;
mod identity;
mod identity_oauth;
mod instances;
mod letters;
mod letters_sending;
mod letters_uploads;
mod limits;
mod login_burst;
mod notifications;
mod object_storage;
mod offline;
mod passkeys;
mod prefs;
mod privacy;
mod process;
mod rough_edges;
mod scale_out;
mod sealing;
mod security;
mod shell;
mod short_sessions;
mod staff;
mod wall;
mod wall_search;
mod year;

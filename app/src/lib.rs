//! Ripen's application crate: the UI, the types shared by browser and server, and the
//! server functions. Built with `ssr` for the server and with `hydrate` for the browser;
//! server-only code sits in `ssr` modules so SeaORM and friends never reach wasm32.

#![recursion_limit = "256"]

mod app;

pub mod account;
pub mod announcements;
pub mod billing;
#[cfg(feature = "ssr")]
pub mod broadcast;
pub mod clock;
pub mod components;
pub mod consent;
pub mod diary;
pub mod error;
pub mod focus;
pub mod format;
pub mod i18n;
pub mod identity;
pub mod letters;
#[cfg(feature = "ssr")]
pub mod mail;
#[cfg(feature = "ssr")]
pub mod markdown;
pub mod notifications;
pub mod offline;
pub mod pages;
pub mod policy;
pub mod prefs;
pub mod privacy;
#[cfg(feature = "ssr")]
pub mod progress;
#[cfg(feature = "ssr")]
pub mod request;
pub mod review;
pub mod routes;
#[cfg(feature = "ssr")]
pub mod seal;
pub mod search;
pub mod staff;
mod stored;
pub mod system;
#[cfg(feature = "ssr")]
pub mod time;
pub mod wall;

pub use app::{App, mark_hydrated, shell};
pub use error::{AppError, FieldError, FieldErrors, ResultExt};

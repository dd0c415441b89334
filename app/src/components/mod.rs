//! Building blocks shared by pages.
pub mod announcements;
pub mod charts;
pub mod consent;
pub mod focus_demo;
pub mod form;
pub mod get_form;
pub mod icons;
pub mod layout;
pub mod notices;
pub mod pwa;

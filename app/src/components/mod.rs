//! Building blocks shared by pages.
pub mod focus_demo;
pub mod icons;
pub mod layout;

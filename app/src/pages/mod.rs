//! One module per page.
pub mod account;
pub mod announcements;
pub mod auth;
pub mod diary;
pub mod landing;
pub mod letters;
pub mod not_found;
pub mod passkeys;
pub mod plus;
pub mod policy;
pub mod security;
pub mod sign_in;
pub mod staff;
pub mod status;
pub mod timer;
pub mod wall;

//! One module per page.
pub mod coming_soon;
pub mod landing;
pub mod not_found;
pub mod status;

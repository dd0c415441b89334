//! The mail area's texts. Each field: the English and the Chinese value below.

use serde::Serialize;

#[derive(Debug, Serialize)]
pub struct Mail {
    pub title: &'static str,
}

pub const EN: Mail = Mail { title: "Mail" };

pub const ZH: Mail = Mail {
    title: "Mail（待译）",
};

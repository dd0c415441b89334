//! The auth area's texts. Each field: the English and the Chinese value below.

use serde::Serialize;

#[derive(Debug, Serialize)]
pub struct Auth {
    pub title: &'static str,
}

pub const EN: Auth = Auth { title: "Auth" };

pub const ZH: Auth = Auth {
    title: "Auth（待译）",
};

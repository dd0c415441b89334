//! The letters area's texts. Each field: the English and the Chinese value below.

use serde::Serialize;

#[derive(Debug, Serialize)]
pub struct Letters {
    pub title: &'static str,
}

pub const EN: Letters = Letters { title: "Letters" };

pub const ZH: Letters = Letters {
    title: "Letters（待译）",
};

//! The landing area's texts. Each field: the English and the Chinese value below.

use serde::Serialize;

#[derive(Debug, Serialize)]
pub struct Landing {
    pub title: &'static str,
}

pub const EN: Landing = Landing { title: "Landing" };

pub const ZH: Landing = Landing {
    title: "Landing（待译）",
};

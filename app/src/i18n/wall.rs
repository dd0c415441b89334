//! The wall area's texts. Each field: the English and the Chinese value below.

use serde::Serialize;

#[derive(Debug, Serialize)]
pub struct Wall {
    pub title: &'static str,
}

pub const EN: Wall = Wall { title: "Wall" };

pub const ZH: Wall = Wall {
    title: "Wall（待译）",
};

//! `stored_enum!`: an enum kept in the database as a word. One list of variants with their
//! stored words gives the enum, its serde names (what the browser sees), its SeaORM
//! active-enum mapping (on the server: an unknown stored word is an error when the row is
//! read, never a silent default) and `as_str`, so each word is written once.

/// `stored_enum! { /// doc  pub enum Name { /// doc  Variant = "word", … } }`
macro_rules! stored_enum {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident = $word:literal ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
        #[cfg_attr(feature = "ssr", derive(sea_orm::EnumIter, sea_orm::DeriveActiveEnum))]
        #[cfg_attr(feature = "ssr", sea_orm(rs_type = "String", db_type = "Text"))]
        $vis enum $name {
            $(
                $(#[$vmeta])*
                #[serde(rename = $word)]
                #[cfg_attr(feature = "ssr", sea_orm(string_value = $word))]
                $variant,
            )+
        }

        impl $name {
            /// The stored word.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Self::$variant => $word,)+
                }
            }
        }
    };
}

pub(crate) use stored_enum;

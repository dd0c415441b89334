//! Turns the export and breach notifications stored as text (before notices had
//! parameters) into parameters: run at start-up, before the server takes requests.

use sea_orm::{DatabaseConnection, EntityTrait};
use uuid::Uuid;

use super::export::EXPORT_KEPT_DAYS;
use crate::{
    AppError, ResultExt,
    account::ssr::entities::user_account,
    i18n::Lang,
    notifications::{Kind, Notice, ssr as notices},
    seal::Keyring,
};

const PAGE: u64 = 200;

/// How many notifications were turned into parameters.
pub async fn upgrade_stored_text(db: &DatabaseConnection, keys: &Keyring) -> Result<u64, AppError> {
    let mut done = 0;
    for kind in [Kind::Export, Kind::Security] {
        let mut after = Uuid::nil();
        loop {
            let page = notices::stored_as_text(db, kind, after, PAGE).await?;
            let Some(last) = page.last() else { break };
            after = last.id;
            for old in page {
                let notice = match kind {
                    Kind::Export => Notice::ExportReady {
                        days: u64::try_from(EXPORT_KEPT_DAYS).unwrap_or(0),
                    },
                    _ => {
                        // The operator's account of the incident, in the language the
                        // account read it in; the advice around it is worded anew.
                        let (_, body) = notices::open_text(keys, &old)
                            .or_internal("opening a notification stored as text")?;
                        let summary = crate::notifications::breach_summary_of(&body).to_owned();
                        let lang = user_account::Entity::find_by_id(old.user_id)
                            .one(db)
                            .await?
                            .map_or(Lang::En, |a| a.lang());
                        match lang {
                            Lang::ZhHans => Notice::Breach {
                                en: summary.clone(),
                                zh: Some(summary),
                            },
                            Lang::En => Notice::Breach {
                                en: summary,
                                zh: None,
                            },
                        }
                    }
                };
                notices::replace_text(db, keys, &old, Some(&notice)).await?;
                done += 1;
            }
        }
    }
    Ok(done)
}

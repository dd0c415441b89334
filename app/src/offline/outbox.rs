//! The browser's outbox: an IndexedDB store (`ripen` database, `outbox` store) holding, per
//! account (its opaque viewer key), the timer as it ran offline and the records waiting to be
//! sent. Values are JSON text; keys are `t/{viewer}` for the timer and `r/{viewer}/{id}` for
//! records, so one key range reads one account's records and nobody else's.
//!
//! The database is created by the first write (something made offline), never by a read:
//! a browser that never worked offline holds none. On the server (and in browsers without
//! IndexedDB) every operation does nothing, and [`load`] finds nothing.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{LocalTimer, OfflineRecord};

/// The timer as it runs offline, and the clock correction it runs with.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SavedTimer {
    pub timer: LocalTimer,
    /// Server clock minus browser clock (ms) when the connection was lost.
    pub offset_ms: f64,
}

/// What this browser keeps for one account.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Saved {
    pub timer: Option<SavedTimer>,
    pub records: Vec<OfflineRecord>,
}

// Used by the browser build and the tests.
#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
fn timer_key(viewer: &str) -> String {
    format!("t/{viewer}")
}

// Used by the browser build and the tests.
#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
fn record_prefix(viewer: &str) -> String {
    format!("r/{viewer}/")
}

// Used by the browser build and the tests.
#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
fn record_key(viewer: &str, id: Uuid) -> String {
    format!("{}{id}", record_prefix(viewer))
}

/// Everything kept for `viewer` (nothing if IndexedDB cannot be read).
pub async fn load(viewer: &str) -> Saved {
    #[cfg(feature = "hydrate")]
    {
        idb::load(viewer).await.unwrap_or_default()
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = viewer;
        Saved::default()
    }
}

/// Writes the timer (when given) and adds `records`, in one transaction.
pub async fn put(
    viewer: &str,
    timer: Option<&SavedTimer>,
    records: &[OfflineRecord],
) -> Result<(), String> {
    #[cfg(feature = "hydrate")]
    {
        idb::put(viewer, timer, records)
            .await
            .map_err(|e| format!("{e:?}"))
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = (viewer, timer, records);
        Ok(())
    }
}

/// Forgets the records the server has answered for and, with `timer`, the offline timer.
pub async fn settle(viewer: &str, timer: bool, ids: &[Uuid]) -> Result<(), String> {
    #[cfg(feature = "hydrate")]
    {
        idb::settle(viewer, timer, ids)
            .await
            .map_err(|e| format!("{e:?}"))
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = (viewer, timer, ids);
        Ok(())
    }
}

#[cfg(feature = "hydrate")]
mod idb {
    use js_sys::{Array, Promise};
    use wasm_bindgen::{JsCast, JsValue, closure::Closure};
    use wasm_bindgen_futures::JsFuture;
    use web_sys::{IdbDatabase, IdbKeyRange, IdbRequest, IdbTransaction, IdbTransactionMode};

    use super::*;

    const DB: &str = "ripen";
    const STORE: &str = "outbox";

    /// Resolves with the request's result once it succeeds.
    async fn done(req: &IdbRequest) -> Result<JsValue, JsValue> {
        let req2 = req.clone();
        let promise = Promise::new(&mut |resolve, reject| {
            let r = req2.clone();
            let ok = Closure::once_into_js(move || {
                let _ = resolve.call1(&JsValue::NULL, &r.result().unwrap_or(JsValue::UNDEFINED));
            });
            let fail = Closure::once_into_js(move || {
                let _ = reject.call1(
                    &JsValue::NULL,
                    &JsValue::from_str("IndexedDB request failed"),
                );
            });
            req2.set_onsuccess(Some(ok.unchecked_ref()));
            req2.set_onerror(Some(fail.unchecked_ref()));
        });
        JsFuture::from(promise).await
    }

    /// Resolves once the transaction is committed.
    async fn committed(tx: &IdbTransaction) -> Result<(), JsValue> {
        let tx2 = tx.clone();
        let promise = Promise::new(&mut |resolve, reject| {
            let ok = Closure::once_into_js(move || {
                let _ = resolve.call0(&JsValue::NULL);
            });
            let reject2 = reject.clone();
            let fail = Closure::once_into_js(move || {
                let _ = reject.call1(&JsValue::NULL, &JsValue::from_str("IndexedDB write failed"));
            });
            let abort = Closure::once_into_js(move || {
                let _ = reject2.call1(
                    &JsValue::NULL,
                    &JsValue::from_str("IndexedDB write aborted"),
                );
            });
            tx2.set_oncomplete(Some(ok.unchecked_ref()));
            tx2.set_onerror(Some(fail.unchecked_ref()));
            tx2.set_onabort(Some(abort.unchecked_ref()));
        });
        JsFuture::from(promise).await.map(|_| ())
    }

    async fn open() -> Result<IdbDatabase, JsValue> {
        let factory = web_sys::window()
            .ok_or("no window")?
            .indexed_db()?
            .ok_or("no IndexedDB")?;
        let req = factory.open_with_u32(DB, 1)?;
        let r = req.clone();
        let upgrade = Closure::once_into_js(move || {
            if let Ok(db) = r.result().and_then(|v| v.dyn_into::<IdbDatabase>()) {
                let _ = db.create_object_store(STORE);
            }
        });
        req.set_onupgradeneeded(Some(upgrade.unchecked_ref()));
        done(&req).await?.dyn_into::<IdbDatabase>()
    }

    fn text(value: &JsValue) -> Option<String> {
        value.as_string()
    }

    fn json<T: Serialize>(value: &T) -> Result<JsValue, JsValue> {
        serde_json::to_string(value)
            .map(|t| JsValue::from_str(&t))
            .map_err(|e| JsValue::from_str(&e.to_string()))
    }

    /// Whether the database exists: reading never creates it, so a browser that never
    /// worked offline holds no IndexedDB at all. Browsers without `indexedDB.databases()`
    /// are assumed to have it.
    async fn exists() -> bool {
        let Some(factory) = web_sys::window().and_then(|w| w.indexed_db().ok().flatten()) else {
            return false;
        };
        let Some(list) = js_sys::Reflect::get(&factory, &"databases".into())
            .ok()
            .and_then(|f| f.dyn_into::<js_sys::Function>().ok())
        else {
            return true;
        };
        let Ok(found) = list
            .call0(&factory)
            .and_then(|p| p.dyn_into::<Promise>())
            .map(JsFuture::from)
        else {
            return true;
        };
        match found.await.and_then(|a| a.dyn_into::<Array>()) {
            Ok(all) => all.iter().any(|d| {
                js_sys::Reflect::get(&d, &"name".into())
                    .ok()
                    .and_then(|n| n.as_string())
                    .is_some_and(|n| n == DB)
            }),
            Err(_) => true,
        }
    }

    pub async fn load(viewer: &str) -> Result<Saved, JsValue> {
        if !exists().await {
            return Ok(Saved::default());
        }
        let db = open().await?;
        let tx = db.transaction_with_str(STORE)?;
        let store = tx.object_store(STORE)?;
        let timer = done(&store.get(&JsValue::from_str(&timer_key(viewer)))?).await?;
        let prefix = record_prefix(viewer);
        let range = IdbKeyRange::bound(
            &JsValue::from_str(&prefix),
            &JsValue::from_str(&format!("{prefix}\u{ffff}")),
        )?;
        let values: Array = done(&store.get_all_with_key(&range)?).await?.dyn_into()?;
        db.close();
        Ok(Saved {
            timer: text(&timer).and_then(|t| serde_json::from_str(&t).ok()),
            records: values
                .iter()
                .filter_map(|v| text(&v))
                .filter_map(|t| serde_json::from_str(&t).ok())
                .collect(),
        })
    }

    pub async fn put(
        viewer: &str,
        timer: Option<&SavedTimer>,
        records: &[OfflineRecord],
    ) -> Result<(), JsValue> {
        let db = open().await?;
        let tx = db.transaction_with_str_and_mode(STORE, IdbTransactionMode::Readwrite)?;
        let store = tx.object_store(STORE)?;
        if let Some(t) = timer {
            store.put_with_key(&json(t)?, &JsValue::from_str(&timer_key(viewer)))?;
        }
        for r in records {
            store.put_with_key(&json(r)?, &JsValue::from_str(&record_key(viewer, r.id())))?;
        }
        committed(&tx).await?;
        db.close();
        Ok(())
    }

    pub async fn settle(viewer: &str, timer: bool, ids: &[Uuid]) -> Result<(), JsValue> {
        if !exists().await {
            return Ok(());
        }
        let db = open().await?;
        let tx = db.transaction_with_str_and_mode(STORE, IdbTransactionMode::Readwrite)?;
        let store = tx.object_store(STORE)?;
        if timer {
            store.delete(&JsValue::from_str(&timer_key(viewer)))?;
        }
        for id in ids {
            store.delete(&JsValue::from_str(&record_key(viewer, *id)))?;
        }
        committed(&tx).await?;
        db.close();
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_accounts_keys_never_fall_in_anothers_range() {
        let (a, b) = ("aaaa", "aaaab");
        let id = Uuid::from_u128(7);
        assert!(record_key(a, id).starts_with(&record_prefix(a)));
        assert!(!record_key(b, id).starts_with(&record_prefix(a)));
        assert_ne!(timer_key(a), timer_key(b));
    }
}

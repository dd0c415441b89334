//! A large data export (issue 28, item 5): the archive is written to the store as it is
//! built and sent as it is read, so neither the build nor the download holds it in memory,
//! and what lies on disk is sealed.

use std::io::{Read, Write};
use std::sync::Arc;

use app::{
    account::ssr::entities::user_account,
    letters::{
        entities::letter_image,
        storage::{BlobStore, LocalDir, SealedStore},
    },
    privacy::{ExportState, ExportStatus, RequestExport},
};
use chrono::Utc;
use reqwest::StatusCode;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use crate::{
    accounts::verified_user,
    harness::TestApp,
    letters::letter,
    memory::{HeapMeter, MEASURING},
};

/// Pictures in the account, and the size of each: 160 MiB of pictures that do not compress.
const PICTURES: usize = 40;
const PICTURE_BYTES: usize = 4 * 1024 * 1024;
/// How much more heap the process may hold at once while the export is built and
/// downloaded. Built in memory, the archive alone was 160 MiB, and the download read it
/// whole again. (The heap, not the resident size: glibc keeps freed memory in per-thread
/// arenas, so on a busy machine the resident size grew by up to 132 MiB with nothing held.)
const HEAP_GROWTH_BOUND_MIB: u64 = 64;

/// The bytes of picture `n`: pseudo-random (xorshift), so nothing can compress them.
fn picture(n: usize) -> Vec<u8> {
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15 ^ (n as u64 + 1);
    let mut out = Vec::with_capacity(PICTURE_BYTES);
    while out.len() < PICTURE_BYTES {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        out.extend_from_slice(&x.to_le_bytes());
    }
    out
}

#[tokio::test]
async fn a_large_export_is_built_and_sent_without_being_held_in_memory_and_is_sealed_on_disk() {
    // For the whole test: the memory tests' setups must not fall in each other's window.
    let _turn = MEASURING.lock().await;
    let app = TestApp::spawn().await;
    verified_user(&app, "ann", "ann@example.com").await;
    // Eight letters of five pictures each, the most a letter takes. The pictures go
    // straight to the store and the table (uploading 160 MiB would test the uploads).
    let store = SealedStore::new(
        Arc::new(LocalDir::new(app.data_dir().join("uploads")).unwrap()),
        app.keys(),
    );
    let mut letters = Vec::new();
    for i in 0..PICTURES / 5 {
        let mut draft = letter(
            &format!("A letter with many pictures {i}"),
            Utc::now() + chrono::Duration::days(2),
        );
        draft.schedule = false;
        letters.push(app.call(draft).await.unwrap().id);
    }
    let user = user_account::Entity::find()
        .filter(user_account::Column::Username.eq("ann"))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap()
        .id;
    for n in 0..PICTURES {
        let key = format!("{}.png", Uuid::new_v4());
        store.put(&key, picture(n)).await.unwrap();
        letter_image::ActiveModel {
            id: Set(Uuid::new_v4()),
            letter_id: Set(letters[n / 5]),
            user_id: Set(Some(user)),
            position: Set((n % 5) as i32),
            storage_key: Set(key),
            mime: Set("image/png".into()),
            bytes: Set(PICTURE_BYTES as i64),
            width: Set(1024),
            height: Set(1024),
            alt: Set(format!("picture {n}")),
            created_ms: Set(Utc::now().timestamp_millis()),
        }
        .insert(&app.db)
        .await
        .unwrap();
    }

    let meter = HeapMeter::start();
    app.call(RequestExport {}).await.unwrap();
    // A hang guard, not a deadline: the build reads 160 MiB and writes as much.
    let mut ready = None;
    for _ in 0..1800 {
        let now = app.call(ExportStatus {}).await.unwrap().unwrap();
        match now.status {
            ExportState::Ready => {
                ready = Some(now);
                break;
            }
            ExportState::Building => {
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            }
            _ => panic!("the export failed: {now:?}"),
        }
    }
    let export = ready.expect("the export was built within three minutes");
    let link = export.download.clone().unwrap();
    // The download, piece by piece into a file: the test holds no more of it than the
    // server should.
    let res = app.get(&link).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(
        res.headers()["content-length"].to_str().unwrap(),
        export.bytes.unwrap().to_string()
    );
    let saved = app.data_dir().join("downloaded.zip");
    let mut file = std::io::BufWriter::new(std::fs::File::create(&saved).unwrap());
    let mut res = res;
    let mut received = 0u64;
    while let Some(piece) = res.chunk().await.unwrap() {
        received += piece.len() as u64;
        file.write_all(&piece).unwrap();
    }
    file.flush().unwrap();
    drop(file);
    let (before, peak, growth_mib) = meter.stop();
    eprintln!(
        "{:?}: export of {received} bytes; heap before {before} MiB, peak {peak} MiB, growth {growth_mib} MiB (bound {HEAP_GROWTH_BOUND_MIB} MiB)",
        app.backend
    );
    assert_eq!(Some(received), export.bytes);
    assert!(
        received > (PICTURES * PICTURE_BYTES) as u64,
        "every picture is in it"
    );
    assert!(
        growth_mib < HEAP_GROWTH_BOUND_MIB,
        "the server's memory grew by {growth_mib} MiB for a {} MiB export (bound {HEAP_GROWTH_BOUND_MIB} MiB)",
        received / (1024 * 1024)
    );

    // The archive is whole: every picture, byte for byte, under its letter.
    let mut zip = zip::ZipArchive::new(std::fs::File::open(&saved).unwrap()).unwrap();
    for n in 0..PICTURES {
        let name = format!("letters/{}/picture-{}.png", letters[n / 5], n % 5 + 1);
        let mut entry = zip.by_name(&name).unwrap_or_else(|e| panic!("{name}: {e}"));
        let mut bytes = Vec::new();
        entry.read_to_end(&mut bytes).unwrap();
        assert!(bytes == picture(n), "{name} is picture {n}");
    }
    let mut readme = String::new();
    zip.by_name("README.txt")
        .unwrap()
        .read_to_string(&mut readme)
        .unwrap();
    assert!(!readme.is_empty());

    // On disk it is sealed: none of the letters' titles, and no ZIP.
    let id = link.rsplit('/').next().unwrap();
    let stored = std::fs::read(app.data_dir().join("uploads").join(format!("{id}.zip"))).unwrap();
    assert!(
        !stored.starts_with(b"PK"),
        "the stored export is not a plain ZIP"
    );
    assert!(
        !stored
            .windows(26)
            .any(|w| w == b"A letter with many picture"),
        "no title in the stored export"
    );
    let start = &picture(0)[..64];
    assert!(
        !stored.windows(64).any(|w| w == start),
        "no picture in the stored export"
    );
    // Nothing half-written is left beside it.
    let leftovers: Vec<String> = std::fs::read_dir(app.data_dir().join("uploads"))
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| n.starts_with('.'))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

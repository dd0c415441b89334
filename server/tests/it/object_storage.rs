//! Pictures and exports in S3-compatible storage (issue 24, item 4), against a real S3
//! server that checks signatures (`s3_server`): stored sealed in the bucket and nowhere
//! else, served by Ripen with today's access checks (by another instance too, on
//! PostgreSQL), a bucket that refuses the keys keeps `/readyz` at 503 and says why, and
//! `ripen blobs migrate` moves an uploads directory into the bucket.

use std::time::{Duration, SystemTime};

use app::{
    letters::{ImageView, storage::BlobStore},
    privacy::{ExportState, ExportStatus, RequestExport},
};
use chrono::Utc;
use reqwest::StatusCode;
use serde_json::json;

use crate::{
    accounts::verified_user,
    focus::second_user,
    harness::{Backend, TestApp, TestOptions},
    letters::{letter, png, stored_files, upload},
    process::Ripen,
    s3_server,
};

fn prefix() -> String {
    format!("t{}", uuid::Uuid::new_v4().simple())
}

/// The keys under `prefix`, and the stored bytes of each.
async fn objects(prefix: &str) -> Vec<(String, Vec<u8>)> {
    let store = s3_server::server().await.store(prefix);
    let later = SystemTime::now() + Duration::from_secs(3600);
    let mut keys = store.written_before(later).await.unwrap();
    keys.sort();
    let mut out = Vec::new();
    for key in keys {
        let bytes = store.get(&key).await.unwrap();
        out.push((key, bytes));
    }
    out
}

async fn a_picture(app: &TestApp, width: u32) -> (ImageView, Vec<u8>) {
    let mut draft = letter("With a picture", Utc::now() + chrono::Duration::days(2));
    draft.schedule = false;
    let l = app.call(draft).await.unwrap();
    let (status, body) = upload(
        app,
        &app.client,
        &l.id.to_string(),
        "plum.png",
        png(width, 12),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let img: ImageView = serde_json::from_str(&body).unwrap();
    let res = app.client.get(app.url(&img.url)).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let served = res.bytes().await.unwrap().to_vec();
    assert!(image::load_from_memory(&served).is_ok());
    (img, served)
}

#[tokio::test]
async fn pictures_and_exports_live_sealed_in_the_bucket_and_are_served_with_the_same_checks() {
    let s3 = s3_server::server().await;
    let prefix = prefix();
    let app = TestApp::spawn_with(TestOptions {
        config: json!({ "s3": s3.config(&prefix) }),
        ..TestOptions::default()
    })
    .await;
    let ready = app.get("/readyz").await;
    assert_eq!(ready.status(), StatusCode::OK);
    assert_eq!(
        ready.json::<serde_json::Value>().await.unwrap()["storage"],
        "ok"
    );
    verified_user(&app, "ada", "ada@example.com").await;
    let (img, served) = a_picture(&app, 16).await;

    // In the bucket, sealed; not on the local disk.
    assert_eq!(stored_files(&app), 0, "nothing in the uploads directory");
    let stored = objects(&prefix).await;
    assert_eq!(
        stored.len(),
        1,
        "{:?}",
        stored.iter().map(|o| &o.0).collect::<Vec<_>>()
    );
    let (key, bytes) = &stored[0];
    assert!(key.ends_with(".png"), "{key}");
    assert!(
        !bytes.starts_with(b"\x89PNG"),
        "sealed: no picture without the key file"
    );
    assert!(bytes.len() > served.len());

    // Only its author sees it.
    let bob = second_user(&app).await;
    assert_eq!(
        bob.get(app.url(&img.url)).send().await.unwrap().status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.new_client()
            .get(app.url(&img.url))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::UNAUTHORIZED
    );

    // An export is spooled, sent to the bucket in parts, and streamed back whole.
    app.call(RequestExport {}).await.unwrap();
    let mut ready = None;
    // A hang guard, not a deadline.
    for _ in 0..1200 {
        let now = app.call(ExportStatus {}).await.unwrap().unwrap();
        match now.status {
            ExportState::Ready => {
                ready = Some(now);
                break;
            }
            ExportState::Building => tokio::time::sleep(Duration::from_millis(100)).await,
            _ => panic!("the export failed: {now:?}"),
        }
    }
    let export = ready.expect("the export was built");
    let res = app.get(&export.download.unwrap()).await;
    assert_eq!(res.status(), StatusCode::OK);
    let zip = res.bytes().await.unwrap();
    assert!(zip.starts_with(b"PK"), "a ZIP archive");
    assert_eq!(Some(zip.len() as u64), export.bytes);
    let stored = objects(&prefix).await;
    assert_eq!(stored.len(), 2, "the picture and the export");
    let (_, archive) = stored.iter().find(|(k, _)| k.ends_with(".zip")).unwrap();
    assert!(
        !archive.starts_with(b"PK"),
        "the export is sealed in the bucket"
    );
    assert!(
        std::fs::read_dir(app.data_dir().join("spool"))
            .unwrap()
            .next()
            .is_none(),
        "no spool file left behind"
    );

    // On PostgreSQL a second instance (no uploads of its own) serves the same picture.
    if app.backend == Backend::Postgres {
        let second = TestApp::spawn_with(TestOptions {
            config: json!({
                "database_url": app.database_url,
                "data_dir": app.data_dir(),
                "uploads_dir": tempfile::tempdir().unwrap().keep(),
                "s3": s3.config(&prefix),
            }),
            ..TestOptions::default()
        })
        .await;
        let res = app.client.get(second.url(&img.url)).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        assert_eq!(res.bytes().await.unwrap().to_vec(), served);
        assert_eq!(
            bob.get(second.url(&img.url)).send().await.unwrap().status(),
            StatusCode::NOT_FOUND
        );
    }
}

#[tokio::test]
async fn a_bucket_that_refuses_the_keys_keeps_readyz_at_503_and_the_log_says_why() {
    let s3 = s3_server::server().await;
    let prefix = prefix();
    // The server checks signatures: a wrong secret cannot write.
    let store = s3.store_with_secret(&prefix, "not-the-secret");
    assert!(store.put("a.png", b"x".to_vec()).await.is_err());
    assert!(store.check().await.is_err());
    assert!(objects(&prefix).await.is_empty());

    let dir = tempfile::tempdir().unwrap();
    let endpoint = s3.endpoint.clone();
    let (mut ripen, url) = Ripen::start(
        dir.path(),
        &[
            ("RIPEN_LISTEN", "127.0.0.1:0"),
            ("RIPEN_S3__ENDPOINT", &endpoint),
            ("RIPEN_S3__BUCKET", s3_server::BUCKET),
            ("RIPEN_S3__ACCESS_KEY_ID", s3_server::ACCESS_KEY),
            ("RIPEN_S3__SECRET_ACCESS_KEY", "not-the-secret"),
            ("RIPEN_S3__PREFIX", &prefix),
        ],
    );
    assert!(
        ripen.wait_for_line(
            "the object storage in [s3] cannot be used",
            Duration::from_secs(30)
        ),
        "a clear line at start-up"
    );
    let res = reqwest::get(format!("{url}/readyz")).await.unwrap();
    assert_eq!(res.status(), StatusCode::SERVICE_UNAVAILABLE);
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["storage"], "unusable");
    // The process serves on (it did not panic): the health check still answers.
    let res = reqwest::get(format!("{url}/healthz")).await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let (exit, logs) = ripen.stop();
    assert!(exit.success(), "{exit} {logs:?}");
    assert!(
        !logs.iter().any(|l| l.contains("not-the-secret")),
        "the secret is never logged"
    );
}

#[tokio::test]
async fn blobs_migrate_copies_an_uploads_directory_into_the_bucket_and_checks_each_file() {
    let s3 = s3_server::server().await;
    let prefix = prefix();
    let mut app = TestApp::spawn().await;
    verified_user(&app, "ada", "ada@example.com").await;
    let (img, served) = a_picture(&app, 16).await;
    let (_, second_served) = a_picture(&app, 24).await;
    assert_eq!(stored_files(&app), 2);
    // One process serves a SQLite file: the command runs with the server stopped.
    app.stop_server().await;

    let mut cmd = app.ripen(&["blobs", "migrate"]);
    cmd.env("RIPEN_S3__ENDPOINT", &s3.endpoint)
        .env("RIPEN_S3__BUCKET", s3_server::BUCKET)
        .env("RIPEN_S3__ACCESS_KEY_ID", s3_server::ACCESS_KEY)
        .env("RIPEN_S3__SECRET_ACCESS_KEY", s3_server::SECRET_KEY)
        .env("RIPEN_S3__PREFIX", &prefix);
    let out = cmd.output().unwrap();
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{said}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(said.contains("copied and checked 2 of 2 files"), "{said}");
    assert!(said.contains("2 files"), "{said}");

    // Byte for byte what the directory held.
    let stored = objects(&prefix).await;
    assert_eq!(stored.len(), 2);
    for (key, bytes) in &stored {
        let file = std::fs::read(app.data_dir().join("uploads").join(key)).unwrap();
        assert!(&file == bytes, "{key} is the same in the bucket");
    }

    // Started with [s3] and no uploads directory, Ripen serves the pictures from the bucket.
    let moved = app.data_dir().join("uploads-old");
    std::fs::rename(app.data_dir().join("uploads"), &moved).unwrap();
    let again = TestApp::spawn_with(TestOptions {
        config: json!({
            "database_url": app.database_url,
            "data_dir": app.data_dir(),
            "s3": s3.config(&prefix),
        }),
        ..TestOptions::default()
    })
    .await;
    let res = app.client.get(again.url(&img.url)).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.bytes().await.unwrap().to_vec(), served);
    assert_ne!(served, second_served);

    // Without a bucket configured, the command says what is missing.
    let out = app.ripen(&["blobs", "migrate"]).output().unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("no [s3] bucket is configured"));
}

#[tokio::test]
async fn a_large_blob_is_sent_in_parts_and_streams_back_whole_and_an_abandoned_one_leaves_nothing()
{
    use futures::TryStreamExt;
    use std::io::Write;
    let s3 = s3_server::server().await;
    let prefix = prefix();
    let store = s3.store(&prefix);
    // 12 MiB and a bit: three parts of 5 MiB at most.
    let mut x = 0x9e37_79b9_7f4a_7c15u64;
    let blob: Vec<u8> = (0..(12 * 1024 * 1024 + 123) / 8)
        .flat_map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x.to_le_bytes()
        })
        .collect();
    let mut spool = store.spool("big.zip").await.unwrap();
    for piece in blob.chunks(100_000) {
        spool.write_all(piece).unwrap();
    }
    spool.commit().await.unwrap();
    let pieces: Vec<Vec<u8>> = store
        .stream("big.zip")
        .await
        .unwrap()
        .try_collect()
        .await
        .unwrap();
    assert!(pieces.len() > 1, "read back a piece at a time");
    assert!(pieces.concat() == blob, "whole and in order");

    // A spool dropped before its commit: nothing in the bucket, no file left.
    let mut spool = store.spool("gone.zip").await.unwrap();
    spool.write_all(&blob[..1024]).unwrap();
    drop(spool);
    assert!(matches!(
        store.get("gone.zip").await,
        Err(app::letters::storage::StoreError::NotFound)
    ));
    let later = SystemTime::now() + Duration::from_secs(3600);
    assert_eq!(store.written_before(later).await.unwrap(), ["big.zip"]);
    store.delete("big.zip").await.unwrap();
    store.delete("big.zip").await.unwrap();
    assert!(store.written_before(later).await.unwrap().is_empty());
}

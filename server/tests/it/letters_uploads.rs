//! Pictures under load (issue 28, item 2): a small file that decodes to a huge pixel
//! buffer is refused from its header, however many arrive at once, so the server's memory
//! stays flat; and a letter's picture limit holds when the last pictures arrive together.

use std::time::Duration;

use app::{AppError, letters::ImageView};
use chrono::Utc;
use reqwest::StatusCode;
use sea_orm::{ConnectionTrait, Statement};
use serde_json::json;

use crate::{
    accounts::{PASSWORD, verified_user},
    harness::{TestApp, TestOptions},
    letters::{letter, png, stored_files, upload},
    memory::{MEASURING, PeakMeter},
};

/// How much the server's resident memory may grow while 30 zero-filled PNGs are uploaded
/// at once. Each would decode to 160 MB (6,400 × 6,250 RGBA); decoded together that was
/// 6.5 GB. Refused from their headers, what remains is 30 request bodies of ~160 KB, the
/// parsing of them and the test's own client.
const RSS_GROWTH_BOUND_MIB: u64 = 300;

/// Pixels of the zero-filled PNG: 40 megapixels, the most the pixel limit allows, so only
/// the bound on decoded bytes (RGBA: 160 MB) refuses it.
const ZERO_PNG: (u32, u32) = (6_400, 6_250);

async fn spawn() -> TestApp {
    TestApp::spawn_with(TestOptions {
        config: json!({ "letters": { "min_lead_secs": 0 } }),
        ..TestOptions::default()
    })
    .await
}

/// A draft of the signed-in user's; answers its id.
async fn draft(app: &TestApp, title: &str) -> String {
    let mut d = letter(title, Utc::now() + chrono::Duration::days(2));
    d.schedule = false;
    app.call(d).await.unwrap().id.to_string()
}

async fn images_of(app: &TestApp, letter: &str) -> i64 {
    let backend = app.db.get_database_backend();
    let sql = match backend {
        sea_orm::DbBackend::Postgres => {
            format!("SELECT COUNT(*) AS n FROM letter_image WHERE letter_id = '{letter}'")
        }
        // SQLite keeps UUIDs as 16-byte blobs.
        _ => format!(
            "SELECT COUNT(*) AS n FROM letter_image WHERE hex(letter_id) = '{}'",
            letter.replace('-', "").to_uppercase()
        ),
    };
    let row = app
        .db
        .query_one_raw(Statement::from_string(backend, sql))
        .await
        .unwrap()
        .unwrap();
    row.try_get::<i64>("", "n").unwrap()
}

/// A PNG of `width` × `height` whose every byte is zero, compressed as well as deflate
/// can (about 1,000 : 1).
fn zero_png(width: u32, height: u32, color: image::ExtendedColorType) -> Vec<u8> {
    use image::{
        ImageEncoder,
        codecs::png::{CompressionType, FilterType, PngEncoder},
    };
    // The encoder takes the whole buffer; a zeroed allocation is mapped lazily by the OS
    // and only read, so it costs address space, not resident memory.
    let size = u64::from(width) * u64::from(height) * u64::from(color.bits_per_pixel() / 8);
    let pixels = vec![0u8; usize::try_from(size).unwrap()];
    let mut out = Vec::new();
    PngEncoder::new_with_quality(&mut out, CompressionType::Best, FilterType::NoFilter)
        .write_image(&pixels, width, height, color)
        .unwrap();
    out
}

/// A browser signed in as `ada` that waits up to ten minutes for an answer.
async fn patient_client(app: &TestApp) -> reqwest::Client {
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert(
        reqwest::header::ORIGIN,
        reqwest::header::HeaderValue::from_str(&app.site_url).unwrap(),
    );
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .default_headers(headers)
        .timeout(Duration::from_secs(600))
        .build()
        .unwrap();
    let login = app::account::Login {
        identifier: "ada".into(),
        password: PASSWORD.into(),
    };
    let (status, _, body) = app.call_as(&client, login, &[]).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    client
}

#[tokio::test]
async fn thirty_parallel_zero_filled_pngs_are_refused_by_their_decoded_size_and_memory_stays_flat()
{
    if !std::path::Path::new("/proc/self/status").exists() {
        eprintln!("skipped: needs Linux /proc to measure memory");
        return;
    }
    // For the whole test: the memory tests' setups must not fall in each other's window.
    let _turn = MEASURING.lock().await;
    let app = spawn().await;
    verified_user(&app, "ada", "ada@example.com").await;
    // Five pictures a letter at most: six letters take the thirty uploads, so every
    // refusal below is about the picture itself.
    let mut letters = Vec::new();
    for i in 0..6 {
        letters.push(draft(&app, &format!("Letter {i}")).await);
    }
    let (width, height) = ZERO_PNG;
    let bomb = zero_png(width, height, image::ExtendedColorType::Rgba8);
    assert!(
        bomb.len() < 400 * 1024,
        "the PNG is small on the wire: {} bytes",
        bomb.len()
    );
    // A session of its own, patient: thirty decodes in a debug build take minutes without
    // the fix.
    let client = patient_client(&app).await;

    let meter = PeakMeter::start();
    let uploads = (0..30).map(|i| {
        let (app, client) = (&app, &client);
        let letter = letters[i / 5].clone();
        let bytes = bomb.clone();
        async move { upload(app, client, &letter, &format!("zeros{i}.png"), bytes).await }
    });
    let answers = futures::future::join_all(uploads).await;
    let (before, peak, growth_mib) = meter.stop();
    eprintln!(
        "{:?}: RSS before {before} MiB, peak {peak} MiB, growth {growth_mib} MiB (bound {RSS_GROWTH_BOUND_MIB} MiB; png {} bytes)",
        app.backend,
        bomb.len()
    );

    let expected = format!("{width} × {height}");
    for (i, (status, body)) in answers.iter().enumerate() {
        assert_eq!(
            *status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "upload {i}: {body}"
        );
        let e: AppError = serde_json::from_str(body).unwrap();
        let message = e
            .field_message("image")
            .unwrap_or_else(|| panic!("upload {i} names the image field: {body}"));
        assert!(message.contains(&expected), "upload {i}: {message}");
    }
    for l in &letters {
        assert_eq!(images_of(&app, l).await, 0);
    }
    assert_eq!(stored_files(&app), 0);
    assert!(
        growth_mib < RSS_GROWTH_BOUND_MIB,
        "the server's memory grew by {growth_mib} MiB (bound {RSS_GROWTH_BOUND_MIB} MiB)"
    );
}

/// Decoded size of the pictures [`decodes_take_turns_within_their_memory_budget`]
/// sends: 3,000 × 3,000 RGB, 27 MB (25.7 MiB), 54 MB at the peak.
const TURN_PNG: (u32, u32) = (3_000, 3_000);

#[tokio::test]
async fn decodes_take_turns_within_their_memory_budget_and_the_rest_are_told_to_retry() {
    if !std::path::Path::new("/proc/self/status").exists() {
        eprintln!("skipped: needs Linux /proc to measure memory");
        return;
    }
    // For the whole test: the memory tests' setups must not fall in each other's window.
    let _turn = MEASURING.lock().await;
    // Room for two such decodes at once (2 × 52 MiB of 128 MiB), and no waiting: an
    // upload that finds no room is answered at once.
    let budget_mib = 128;
    let app = TestApp::spawn_with(TestOptions {
        config: json!({ "letters": {
            "min_lead_secs": 0,
            "image_decode_memory_bytes": budget_mib * 1024 * 1024,
            "image_wait_secs": 0,
        } }),
        ..TestOptions::default()
    })
    .await;
    verified_user(&app, "ada", "ada@example.com").await;
    crate::billing::plus(&app, "ada").await;
    let mut letters = Vec::new();
    for i in 0..6 {
        letters.push(draft(&app, &format!("Letter {i}")).await);
    }
    let (width, height) = TURN_PNG;
    let picture = zero_png(width, height, image::ExtendedColorType::Rgb8);
    let client = patient_client(&app).await;

    let meter = PeakMeter::start();
    let uploads = (0..30).map(|i| {
        let (app, client) = (&app, &client);
        let url = app.url(&format!("/api/letters/{}/images", letters[i / 5]));
        let part = reqwest::multipart::Part::bytes(picture.clone())
            .file_name(format!("zeros{i}.png"))
            .mime_str("image/png")
            .unwrap();
        async move {
            let res = client
                .post(url)
                .multipart(reqwest::multipart::Form::new().part("image", part))
                .send()
                .await
                .unwrap();
            let retry_after = res.headers().get("retry-after").cloned();
            (res.status(), retry_after, res.text().await.unwrap())
        }
    });
    let answers = futures::future::join_all(uploads).await;
    let (before, peak, growth_mib) = meter.stop();
    let stored = answers
        .iter()
        .filter(|(s, _, _)| *s == StatusCode::OK)
        .count();
    eprintln!(
        "{:?}: RSS before {before} MiB, peak {peak} MiB, growth {growth_mib} MiB \
         (budget {budget_mib} MiB); {stored} of 30 stored, the rest busy",
        app.backend
    );
    for (status, retry_after, body) in &answers {
        match *status {
            StatusCode::OK => {
                let _: ImageView = serde_json::from_str(body).unwrap();
            }
            StatusCode::SERVICE_UNAVAILABLE => {
                let e: AppError = serde_json::from_str(body).unwrap();
                assert_eq!(
                    e,
                    AppError::Busy {
                        retry_after_secs: 1
                    }
                );
                assert!(e.to_string().contains("try again"), "{e}");
                assert_eq!(retry_after.as_ref().unwrap(), "1");
            }
            other => panic!("only stored or busy, not {other}: {body}"),
        }
    }
    assert!(stored >= 1, "the first uploads get their turn");
    assert!(
        stored < 30,
        "thirty at once do not all fit: {stored} stored"
    );
    assert_eq!(stored_files(&app), stored);
    // The decodes held at most the budget; the rest is bodies, parsing and the client.
    assert!(
        growth_mib < budget_mib + 100,
        "the server's memory grew by {growth_mib} MiB (budget {budget_mib} MiB)"
    );
}

#[tokio::test]
async fn the_sixth_picture_is_refused_even_when_sent_together_with_the_fifth() {
    let app = spawn().await;
    verified_user(&app, "ada", "ada@example.com").await;
    crate::billing::plus(&app, "ada").await;
    // Pictures big enough that decoding them takes a while: the window a racing check
    // would lose in.
    let picture = png(640, 480);
    for round in 0..4 {
        let letter = draft(&app, &format!("Round {round}")).await;
        for i in 0..4 {
            let (status, body) = upload(
                &app,
                &app.client,
                &letter,
                &format!("p{i}.png"),
                picture.clone(),
            )
            .await;
            assert_eq!(status, StatusCode::OK, "{body}");
        }
        let (fifth, sixth) = tokio::join!(
            upload(&app, &app.client, &letter, "fifth.png", picture.clone()),
            upload(&app, &app.client, &letter, "sixth.png", picture.clone()),
        );
        let mut answers = [fifth, sixth];
        answers.sort_by_key(|(status, _)| *status);
        let [(won, view), (lost, refusal)] = answers;
        assert_eq!(won, StatusCode::OK, "round {round}: {view}");
        let _: ImageView = serde_json::from_str(&view).unwrap();
        assert_eq!(
            lost,
            StatusCode::UNPROCESSABLE_ENTITY,
            "round {round}: exactly one of the two is refused: {refusal}"
        );
        let e: AppError = serde_json::from_str(&refusal).unwrap();
        assert!(
            e.field_message("image")
                .is_some_and(|m| m.contains("at most 5")),
            "{refusal}"
        );
        assert_eq!(images_of(&app, &letter).await, 5, "round {round}");
        assert_eq!(stored_files(&app), 5 * (round + 1), "round {round}");
    }
}

//! Letters over HTTP: every bad input refused with its field named and nothing stored;
//! images checked by content and stripped of metadata; delivery over a real SMTP server,
//! once, with a working link; privacy of letters, images and links; cancel, retry and
//! failure.

use std::time::Duration;

use app::{
    AppError,
    letters::{
        CancelLetter, GetLetter, ImageView, LetterForm, LetterStatus, LetterView, LettersOverview,
        PreviewDelivery, ReadLetter, RecipientInput, RecipientStatus, SaveLetter, ThankLetter,
    },
};
use chrono::Utc;
use reqwest::{StatusCode, multipart};
use sea_orm::{ConnectionTrait, Statement};
use serde_json::json;

use crate::{
    accounts::verified_user,
    focus::second_user,
    harness::{MailMode, TestApp, TestOptions},
    mail,
};

/// A server whose letters may be due at any future instant and whose scheduler polls
/// often. (No minimum lead: a letter made due two seconds ahead must not be refused as
/// too soon because a busy machine took a second to carry the request.)
async fn spawn(mail: MailMode, extra: serde_json::Value) -> TestApp {
    let mut letters = json!({ "min_lead_secs": 0, "poll_ms": 100, "workers": 2 });
    if let (Some(m), Some(e)) = (letters.as_object_mut(), extra.as_object()) {
        for (k, v) in e {
            m.insert(k.clone(), v.clone());
        }
    }
    TestApp::spawn_with(TestOptions {
        config: json!({ "letters": letters }),
        mail,
        ..TestOptions::default()
    })
    .await
}

pub(crate) fn letter(title: &str, at: chrono::DateTime<Utc>) -> SaveLetter {
    SaveLetter {
        id: None,
        letter: LetterForm {
            title: title.into(),
            body: "Dear future me,\n\nI hope the **plum tree** is still there.".into(),
            deliver_date: at.format("%Y-%m-%d").to_string(),
            deliver_time: at.format("%H:%M:%S").to_string(),
            to_self: true,
            ..LetterForm::default()
        },
        schedule: true,
    }
}

fn others(list: &[(&str, &str, &str)]) -> Vec<RecipientInput> {
    list.iter()
        .map(|(n, e, p)| RecipientInput {
            name: (*n).into(),
            email: (*e).into(),
            phone: (*p).into(),
        })
        .collect()
}

async fn count(app: &TestApp, table: &str) -> i64 {
    let row = app
        .db
        .query_one_raw(Statement::from_string(
            app.db.get_database_backend(),
            format!("SELECT COUNT(*) AS n FROM {table}"),
        ))
        .await
        .unwrap()
        .unwrap();
    row.try_get::<i64>("", "n").unwrap()
}

fn field(e: &AppError, name: &str) -> String {
    e.field_message(name)
        .unwrap_or_else(|| panic!("no error for field {name}: {e:?}"))
        .to_owned()
}

/// Issue 26, item 4: the editor's preview refuses what scheduling would refuse, on the same
/// field with the same words, so the page says at once that a time has passed (in the
/// error colour: end2end/tests/rough_edges.spec.ts) instead of spelling it out as valid.
#[tokio::test]
async fn the_delivery_preview_refuses_a_time_scheduling_would_refuse_on_its_field() {
    let app = spawn(MailMode::Outbox, json!({ "min_lead_secs": 3600 })).await;
    verified_user(&app, "ada", "ada@example.com").await;
    let preview = |at: chrono::DateTime<Utc>| PreviewDelivery {
        deliver_date: at.format("%Y-%m-%d").to_string(),
        deliver_time: at.format("%H:%M").to_string(),
    };
    let past = Utc::now() - chrono::Duration::days(2);
    let refused = app.call(preview(past)).await.unwrap_err();
    assert_eq!(
        field(&refused, "deliver_date"),
        "That moment has already passed. Pick a time in the future."
    );
    let scheduled = app.call(letter("Past", past)).await.unwrap_err();
    assert_eq!(
        field(&scheduled, "deliver_date"),
        field(&refused, "deliver_date")
    );
    let (status, _, _) = app.call_raw(preview(past)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);

    let soon = app
        .call(preview(Utc::now() + chrono::Duration::minutes(30)))
        .await
        .unwrap_err();
    assert!(field(&soon, "deliver_date").contains("1 hour"));

    let fine = app
        .call(preview(Utc::now() + chrono::Duration::days(3)))
        .await
        .unwrap();
    assert!(fine.utc.ends_with(" UTC"), "{fine:?}");
    assert!(fine.in_words.starts_with("in "), "{fine:?}");
}

#[tokio::test]
async fn bad_letters_are_refused_field_by_field_and_nothing_is_stored() {
    let app = spawn(MailMode::Outbox, json!({ "min_lead_secs": 3600 })).await;
    verified_user(&app, "ada", "ada@example.com").await;
    let soon = Utc::now() + chrono::Duration::hours(2);

    let past = app
        .call(letter("Past", Utc::now() - chrono::Duration::minutes(5)))
        .await
        .unwrap_err();
    assert!(field(&past, "deliver_date").contains("passed"));
    let too_soon = app
        .call(letter("Soon", Utc::now() + chrono::Duration::minutes(30)))
        .await
        .unwrap_err();
    assert!(field(&too_soon, "deliver_date").contains("1 hour"));
    let far = app
        .call(letter(
            "Far",
            Utc::now() + chrono::Duration::days(365 * 50 + 20),
        ))
        .await
        .unwrap_err();
    assert!(field(&far, "deliver_date").contains("50 years"));

    let mut bad = letter("Bad people", soon);
    bad.letter.recipients = others(&[
        ("Bob", "bob@", ""),
        ("Cy", "cy@example.com", "0044 12"),
        ("", "dee@example.com", ""),
    ]);
    let e = app.call(bad).await.unwrap_err();
    assert!(field(&e, "recipients.0.email").contains("email address"));
    assert!(field(&e, "recipients.1.phone").contains("country code"));
    assert!(field(&e, "recipients.2.name").contains("name"));

    let mut crowd = letter("Crowd", soon);
    let many: Vec<(String, String)> = (0..11)
        .map(|i| (format!("P{i}"), format!("p{i}@example.com")))
        .collect();
    let many: Vec<(&str, &str, &str)> = many
        .iter()
        .map(|(n, e)| (n.as_str(), e.as_str(), ""))
        .collect();
    crowd.letter.recipients = others(&many);
    assert!(field(&app.call(crowd).await.unwrap_err(), "recipients").contains("at most 10"));

    let mut long = letter("Long", soon);
    long.letter.body = "x".repeat(50_001);
    assert!(field(&app.call(long).await.unwrap_err(), "body").contains("50000"));

    let mut nobody = letter("Nobody", soon);
    nobody.letter.to_self = false;
    assert!(field(&app.call(nobody).await.unwrap_err(), "recipients").contains("Choose who"));

    let mut bad_time = letter("Time", soon);
    bad_time.letter.deliver_time = "25:61".into();
    assert!(
        app.call(bad_time)
            .await
            .unwrap_err()
            .field_message("deliver_time")
            .is_some()
    );

    assert_eq!(
        count(&app, "letter").await,
        0,
        "no failed letter was stored"
    );
    assert_eq!(count(&app, "letter_recipient").await, 0);

    // A draft keeps half-written work; scheduling it later checks everything.
    let mut draft = letter("", soon);
    draft.schedule = false;
    draft.letter.deliver_date = String::new();
    draft.letter.deliver_time = String::new();
    let saved = app.call(draft).await.unwrap();
    assert_eq!(saved.status, LetterStatus::Draft);
    let mut schedule = letter("", soon);
    schedule.id = Some(saved.id.to_string());
    assert!(field(&app.call(schedule).await.unwrap_err(), "title").contains("title"));
    let stored = app
        .call(GetLetter {
            id: saved.id.to_string(),
        })
        .await
        .unwrap();
    assert_eq!(
        stored.status,
        LetterStatus::Draft,
        "a refused schedule leaves the draft as it was"
    );
}

pub(crate) fn png(width: u32, height: u32) -> Vec<u8> {
    let img = image::RgbImage::from_fn(width, height, |x, y| image::Rgb([x as u8, y as u8, 90]));
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &b in bytes {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// A small PNG whose header claims 60000 × 60000 pixels.
fn png_bomb() -> Vec<u8> {
    let mut bytes = png(4, 4);
    bytes[16..20].copy_from_slice(&60_000u32.to_be_bytes());
    bytes[20..24].copy_from_slice(&60_000u32.to_be_bytes());
    let crc = crc32(&bytes[12..29]);
    bytes[29..33].copy_from_slice(&crc.to_be_bytes());
    bytes
}

pub(crate) async fn upload(
    app: &TestApp,
    client: &reqwest::Client,
    letter: &str,
    name: &str,
    bytes: Vec<u8>,
) -> (StatusCode, String) {
    let part = multipart::Part::bytes(bytes)
        .file_name(name.to_owned())
        .mime_str("image/png")
        .unwrap();
    let res = client
        .post(app.url(&format!("/api/letters/{letter}/images")))
        .multipart(multipart::Form::new().part("image", part))
        .send()
        .await
        .unwrap();
    (res.status(), res.text().await.unwrap())
}

pub(crate) fn stored_files(app: &TestApp) -> usize {
    std::fs::read_dir(app.data_dir().join("uploads")).map_or(0, |d| d.count())
}

#[tokio::test]
async fn images_are_judged_by_content_stripped_of_metadata_and_private() {
    let app = spawn(MailMode::Outbox, json!({})).await;
    verified_user(&app, "ada", "ada@example.com").await;
    crate::billing::plus(&app, "ada").await;
    let mut draft = letter("With pictures", Utc::now() + chrono::Duration::days(2));
    draft.schedule = false;
    let l = app.call(draft).await.unwrap();
    let id = l.id.to_string();

    let svg = b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>".to_vec();
    let html = b"<!doctype html><html><body><script>alert(1)</script>".to_vec();
    let mut polyglot = png(8, 8);
    polyglot.extend_from_slice(b"<script>alert(document.cookie)</script>");
    let cases: [(&str, Vec<u8>, &str); 5] = [
        ("cat.png", svg, "Only JPEG, PNG and WebP"),
        ("page.png", html, "Only JPEG, PNG and WebP"),
        ("poly.png", polyglot, "not a plain image"),
        ("bomb.png", png_bomb(), "60000 × 60000"),
        ("../../etc/passwd.png", png(8, 8), "without folders"),
    ];
    for (name, bytes, expected) in cases {
        let (status, body) = upload(&app, &app.client, &id, name, bytes).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{name}: {body}");
        let e: AppError = serde_json::from_str(&body).unwrap();
        assert!(field(&e, "image").contains(expected), "{name}: {body}");
    }
    assert_eq!(count(&app, "letter_image").await, 0);
    assert_eq!(stored_files(&app), 0, "nothing refused reached the disk");

    let photo = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/photo-with-gps.jpg"
    ))
    .unwrap();
    assert!(
        photo.windows(6).any(|w| w == b"Exif\0\0"),
        "the fixture carries EXIF"
    );
    let (status, body) = upload(&app, &app.client, &id, "holiday.jpg", photo).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let img: ImageView = serde_json::from_str(&body).unwrap();
    assert_eq!(
        (img.width, img.height),
        (48, 64),
        "turned upright by its EXIF orientation"
    );

    let res = app.client.get(app.url(&img.url)).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let h = res.headers().clone();
    assert_eq!(h["content-type"], "image/jpeg");
    assert_eq!(h["x-content-type-options"], "nosniff");
    assert!(
        h["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("inline; filename=\"letter-image.jpg\"")
    );
    let served = res.bytes().await.unwrap();
    assert!(!served.windows(4).any(|w| w == b"Exif"), "no EXIF left");
    assert!(image::load_from_memory(&served).is_ok());
    let on_disk: Vec<_> = std::fs::read_dir(app.data_dir().join("uploads"))
        .unwrap()
        .filter_map(Result::ok)
        .collect();
    assert_eq!(on_disk.len(), 1);
    let stored_name = on_disk[0].file_name().to_string_lossy().into_owned();
    assert!(
        !stored_name.contains("holiday"),
        "stored under a name of the server's own"
    );

    // Only the author: another account and a visitor get nothing.
    let bob = second_user(&app).await;
    assert_eq!(
        bob.get(app.url(&img.url)).send().await.unwrap().status(),
        StatusCode::NOT_FOUND
    );
    let (status, _) = upload(&app, &bob, &id, "x.png", png(4, 4)).await;
    assert_eq!(
        status,
        StatusCode::NOT_FOUND,
        "no uploads into another's letter"
    );
    let visitor = app.new_client();
    assert_eq!(
        visitor
            .get(app.url(&img.url))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::UNAUTHORIZED
    );
    let (status, _, _) = app.call_as(&bob, GetLetter { id: id.clone() }, &[]).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // At most five images.
    for i in 0..4 {
        let (status, body) =
            upload(&app, &app.client, &id, &format!("p{i}.png"), png(16, 16)).await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }
    let (status, body) = upload(&app, &app.client, &id, "sixth.png", png(16, 16)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("at most 5"));
    assert_eq!(stored_files(&app), 5);
}

#[tokio::test]
async fn a_due_letter_arrives_once_by_smtp_and_its_link_opens_it() {
    let app = spawn(MailMode::Smtp, json!({})).await;
    verified_user(&app, "ada", "ada@example.com").await;
    crate::billing::plus(&app, "ada").await;
    let mut l = letter(
        "<b>To the orchard</b>",
        Utc::now() + chrono::Duration::seconds(2),
    );
    l.letter.recipients = others(&[("Bob Plum", "bob@example.com", "+44 20 7946 0958")]);
    l.letter.send_sms = true;
    let saved = app.call(l).await.unwrap();
    assert_eq!(saved.status, LetterStatus::Scheduled);
    assert!(saved.deliver_utc.as_deref().unwrap().ends_with("UTC"));
    let id = saved.id.to_string();

    let to_bob = app.emails_to("bob@example.com", 1).await;
    let to_ada = app.emails_to("ada@example.com", 3).await; // verification, the letter, the confirmation
    let letter_mail = to_ada
        .iter()
        .find(|m| m.subject.starts_with("A letter from your past self"))
        .unwrap();
    assert!(to_ada.iter().any(|m| m.subject.starts_with("Delivered:")));
    let bob_mail = &to_bob[0];
    assert_eq!(bob_mail.subject, "A letter from ada: <b>To the orchard</b>");
    assert!(
        bob_mail.text.contains("plum tree"),
        "an excerpt of the body"
    );
    assert!(
        !bob_mail.html.contains("<b>To the orchard"),
        "the title is escaped in HTML"
    );
    let message_id = |m: &mail::Received| {
        m.raw
            .lines()
            .find_map(|l| {
                l.strip_prefix("Message-ID: ")
                    .or_else(|| l.strip_prefix("Message-Id: "))
            })
            .unwrap()
            .trim()
            .to_owned()
    };
    assert!(message_id(bob_mail).starts_with(&format!("<letter.{}.", saved.id.simple())));
    assert_ne!(message_id(bob_mail), message_id(letter_mail));

    // Delivered once: a little later there is still exactly one copy each.
    tokio::time::sleep(Duration::from_millis(600)).await;
    let all = mail::all_in(&app.mail_dir);
    assert_eq!(all.iter().filter(|m| m.to == "bob@example.com").count(), 1);
    assert_eq!(
        all.iter()
            .filter(|m| m.subject.starts_with("A letter from your past self"))
            .count(),
        1
    );

    let view = app.call(GetLetter { id: id.clone() }).await.unwrap();
    assert_eq!(view.status, LetterStatus::Delivered);
    assert!(
        view.recipients
            .iter()
            .all(|r| r.status == RecipientStatus::Sent && r.attempts == 1)
    );
    let overview = app.call(LettersOverview {}).await.unwrap();
    assert!(
        overview
            .notifications
            .iter()
            .any(|n| n.title.starts_with("Delivered:"))
    );
    let sms: i64 = app
        .db
        .query_one_raw(Statement::from_string(
            app.db.get_database_backend(),
            "SELECT COUNT(*) AS n FROM letter_recipient WHERE sms_sent_ms IS NOT NULL",
        ))
        .await
        .unwrap()
        .unwrap()
        .try_get("", "n")
        .unwrap();
    assert_eq!(sms, 1, "a text only to the recipient with a phone");

    // The link opens the letter for anyone holding it, without an account.
    let link = bob_mail.link("/l/");
    let token = link.rsplit('/').next().unwrap().to_owned();
    let visitor = app.new_client();
    let page = visitor.get(&link).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let html = crate::harness::without_markers(&page.text().await.unwrap());
    assert!(
        html.contains("&lt;b&gt;To the orchard&lt;/b&gt;"),
        "title shown, escaped"
    );
    assert!(html.contains("<strong>plum tree</strong>"));
    let (status, _, body) = app
        .call_as(
            &visitor,
            ReadLetter {
                token: token.clone(),
            },
            &[],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");

    // Wrong tokens find nothing; so does a letter's id or the token with a character changed.
    let mut wrong = token.clone();
    wrong.replace_range(0..1, if token.starts_with('A') { "B" } else { "A" });
    for t in [wrong, id.clone(), String::new(), "x".repeat(500)] {
        let (status, _, _) = app.call_as(&visitor, ReadLetter { token: t }, &[]).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
    }
    // The letter itself stays private: not to visitors, not to other accounts.
    let (status, _, _) = app
        .call_as(&visitor, GetLetter { id: id.clone() }, &[])
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    // Bob says thank you, once; Ada hears of it.
    app.call_as(
        &visitor,
        ThankLetter {
            token: token.clone(),
            note: Some("It made my day".into()),
        },
        &[],
    )
    .await;
    app.call_as(
        &visitor,
        ThankLetter {
            token,
            note: Some("again".into()),
        },
        &[],
    )
    .await;
    let view = app.call(GetLetter { id }).await.unwrap();
    let bob_row = view.recipients.iter().find(|r| !r.is_self).unwrap();
    assert!(bob_row.thanked);
    assert_eq!(bob_row.thanks_note.as_deref(), Some("It made my day"));
}

#[tokio::test]
async fn a_link_opens_only_its_own_letters_images() {
    let app = spawn(MailMode::Outbox, json!({})).await;
    verified_user(&app, "ada", "ada@example.com").await;
    let mut ids = Vec::new();
    for title in ["One", "Two"] {
        let mut l = letter(title, Utc::now() + chrono::Duration::seconds(2));
        l.schedule = false;
        let draft = app.call(l).await.unwrap();
        let (status, body) =
            upload(&app, &app.client, &draft.id.to_string(), "a.png", png(8, 8)).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let mut l = letter(title, Utc::now() + chrono::Duration::seconds(2));
        l.id = Some(draft.id.to_string());
        let v: LetterView = app.call(l).await.unwrap();
        ids.push(v);
    }
    let mails = app.emails_to("ada@example.com", 3).await;
    let link_of = |title: &str| {
        mails
            .iter()
            .find(|m| m.subject.ends_with(title))
            .unwrap()
            .link("/l/")
    };
    let (one, two) = (link_of("One"), link_of("Two"));
    let visitor = app.new_client();
    let image_two = ids[1].images[0].id;
    let image_one = ids[0].images[0].id;
    let get = |url: String| {
        let visitor = visitor.clone();
        async move { visitor.get(url).send().await.unwrap().status() }
    };
    assert_eq!(
        get(format!("{one}/images/{image_one}")).await,
        StatusCode::OK
    );
    assert_eq!(
        get(format!("{one}/images/{image_two}")).await,
        StatusCode::NOT_FOUND,
        "another letter's image"
    );
    assert_eq!(
        get(format!("{two}/images/{image_two}")).await,
        StatusCode::OK
    );
    assert_eq!(
        get(app.url(&format!("/l/nope/images/{image_two}"))).await,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn a_cancelled_letter_is_never_sent_and_can_be_rescheduled() {
    let app = spawn(MailMode::Outbox, json!({})).await;
    verified_user(&app, "ada", "ada@example.com").await;
    let saved = app
        .call(letter(
            "Second thoughts",
            Utc::now() + chrono::Duration::hours(1),
        ))
        .await
        .unwrap();
    let cancelled = app
        .call(CancelLetter {
            id: saved.id.to_string(),
        })
        .await
        .unwrap();
    assert_eq!(cancelled.status, LetterStatus::Cancelled);
    // Its time comes (and goes) while it is cancelled: the scheduler polls every 100 ms
    // and must leave it alone. (Made due by hand, so no race between the cancel and the
    // scheduler decides the test on a busy machine.)
    app.db
        .execute_unprepared("UPDATE letter_recipient SET next_attempt_ms = 0")
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(
        mail::all_in(&app.mail_dir).len(),
        1,
        "only the verification email"
    );

    let mut again = letter("Second thoughts", Utc::now() + chrono::Duration::seconds(2));
    again.id = Some(saved.id.to_string());
    app.call(again).await.unwrap();
    app.emails_to("ada@example.com", 2).await;
}

#[tokio::test]
async fn unreachable_mail_servers_are_retried_then_the_letter_is_marked_failed() {
    // Nothing listens on this port.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let app = TestApp::spawn_with(TestOptions {
        config: json!({
            "smtp": { "host": "127.0.0.1", "port": port, "tls": "none" },
            "letters": { "min_lead_secs": 0, "poll_ms": 50, "workers": 1, "max_attempts": 3, "backoff_base_secs": 0 },
        }),
        ..TestOptions::default()
    })
    .await;
    // The account exists and is verified without email (the mail server is down).
    app.call(crate::accounts::signup("ada", "ada@example.com"))
        .await
        .unwrap();
    app.db
        .execute_unprepared("UPDATE user_account SET email_verified_at = created_at")
        .await
        .unwrap();
    app.call(app::account::Login {
        identifier: "ada".into(),
        password: crate::accounts::PASSWORD.into(),
    })
    .await
    .unwrap();
    let saved = app
        .call(letter(
            "Lost at sea",
            Utc::now() + chrono::Duration::seconds(2),
        ))
        .await
        .unwrap();
    let id = saved.id.to_string();
    // A guard against a hang, not a time limit: alone this takes a few seconds, but with the
    // whole suite, a browser run and a build sharing two cores it once took over 20 s.
    let deadline = std::time::Instant::now() + Duration::from_secs(180);
    let view = loop {
        let v = app.call(GetLetter { id: id.clone() }).await.unwrap();
        if v.status != LetterStatus::Scheduled {
            break v;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "still scheduled: {v:?}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert_eq!(view.status, LetterStatus::Failed);
    let r = &view.recipients[0];
    assert_eq!(r.status, RecipientStatus::Failed);
    assert_eq!(r.attempts, 3);
    assert!(
        r.last_error
            .as_deref()
            .unwrap()
            .contains("after 3 attempts")
    );
    let overview = app.call(LettersOverview {}).await.unwrap();
    assert!(
        overview
            .notifications
            .iter()
            .any(|n| n.title.starts_with("Not delivered"))
    );
}

/// A claim the scheduler could not send within its lease (a slow mail server, a busy
/// machine) goes back at once and does not count as an attempt; a give-back never touches
/// a claim that is no longer the giver's (another instance's, or one taken afresh).
#[tokio::test]
async fn unsent_claims_go_back_uncounted_and_only_by_their_holder() {
    use std::sync::Arc;

    use app::letters::{
        delivery::Scheduler,
        entities::letter_recipient,
        sms::LogSms,
        ssr::{LetterConfig, Letters},
        storage::LocalDir,
    };
    use sea_orm::EntityTrait;

    // The server's own scheduler stays off: this test claims by hand.
    let app = spawn(MailMode::Outbox, json!({ "deliver": false })).await;
    verified_user(&app, "ada", "ada@example.com").await;
    app.call(letter("Soon", Utc::now() + chrono::Duration::hours(1)))
        .await
        .unwrap();
    app.db
        .execute_unprepared("UPDATE letter_recipient SET next_attempt_ms = 0")
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let letters = Arc::new(Letters::new(
        LetterConfig::default(),
        Arc::new(LocalDir::new(dir.path().join("uploads")).unwrap()),
        Arc::new(LogSms),
        app.keys(),
        &app.site_url,
    ));
    let mailer = app::mail::Mailer::outbox(dir.path().join("outbox"), "Ripen <r@x.test>").unwrap();
    let a = Scheduler::new(app.db.clone(), mailer.clone(), letters.clone());
    let b = Scheduler::new(app.db.clone(), mailer, letters);
    let row = |app: &TestApp, id| {
        let db = app.db.clone();
        async move {
            letter_recipient::Entity::find_by_id(id)
                .one(&db)
                .await
                .unwrap()
                .unwrap()
        }
    };

    let claimed = a.claim(Utc::now().timestamp_millis()).await.unwrap();
    assert_eq!(claimed.len(), 1);
    let (id, lease) = (claimed[0].r.id, claimed[0].r.lease_until_ms.unwrap());
    assert_eq!(row(&app, id).await.attempts, 1);
    assert_eq!(b.unclaim(&[id], lease).await.unwrap(), 0, "not b's claim");
    assert_eq!(a.unclaim(&[id], lease).await.unwrap(), 1);
    let back = row(&app, id).await;
    assert_eq!(back.status, RecipientStatus::Pending);
    assert_eq!(back.attempts, 0, "a claim never sent is no attempt");
    assert!(back.lease_owner.is_none() && back.lease_until_ms.is_none());

    // Taken again (by b): a's late give-back of its old claim changes nothing.
    let again = b.claim(Utc::now().timestamp_millis()).await.unwrap();
    assert_eq!(again.len(), 1);
    assert_eq!(a.unclaim(&[id], lease).await.unwrap(), 0);
    let held = row(&app, id).await;
    assert_eq!(held.status, RecipientStatus::Sending);
    assert_eq!(held.lease_owner.as_deref(), Some(b.instance.as_str()));
}

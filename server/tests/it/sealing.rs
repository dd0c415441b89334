//! Letters sealed at rest (issue 28, item 1): what a database dump or a copy of the data
//! directory shows of letters, recipients, pictures and notifications (nothing readable);
//! `ripen keys rotate` re-seals everything while old letters keep opening and delivering
//! and old links keep working; and a missing or wrong key file stops start-up with a
//! message that says what to do, not a panic.

use std::{path::PathBuf, process::Stdio, time::Duration};

use app::{
    letters::{GetLetter, ImageView, LetterStatus, LettersOverview, RecipientInput, SaveLetter},
    seal::{KeySet, blob_key},
};
use chrono::Utc;
use reqwest::StatusCode;
use sea_orm::{ConnectionTrait, Statement};
use serde_json::json;

use crate::{
    accounts::verified_user,
    harness::{Backend, TestApp, TestOptions, without_markers},
    letters::{letter, png, upload},
};

async fn spawn() -> TestApp {
    TestApp::spawn_with(TestOptions {
        config: json!({ "letters": { "min_lead_secs": 0, "poll_ms": 100, "workers": 2 } }),
        ..TestOptions::default()
    })
    .await
}

fn to(name: &str, email: &str, phone: &str) -> RecipientInput {
    RecipientInput {
        name: name.into(),
        email: email.into(),
        phone: phone.into(),
    }
}

/// A letter of the signed-in user's to `recipients` (and to themself), due in two days,
/// with one picture; answers its id and the picture as the author is served it.
async fn letter_with_picture(
    app: &TestApp,
    title: &str,
    body: &str,
    recipients: Vec<RecipientInput>,
) -> (String, Vec<u8>) {
    let mut draft = letter(title, Utc::now() + chrono::Duration::days(2));
    draft.schedule = false;
    draft.letter.body = body.into();
    draft.letter.recipients = recipients;
    draft.letter.send_sms = recipients_have_phones(&draft);
    let id = app.call(draft.clone()).await.unwrap().id;
    let (status, answer) =
        upload(app, &app.client, &id.to_string(), "garden.png", png(96, 64)).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    let img: ImageView = serde_json::from_str(&answer).unwrap();
    let served = app.client.get(app.url(&img.url)).send().await.unwrap();
    assert_eq!(served.status(), StatusCode::OK);
    let picture = served.bytes().await.unwrap().to_vec();
    let scheduled = app
        .call(SaveLetter {
            id: Some(id.to_string()),
            schedule: true,
            ..draft
        })
        .await
        .unwrap();
    assert_eq!(scheduled.status, LetterStatus::Scheduled);
    (id.to_string(), picture)
}

fn recipients_have_phones(l: &SaveLetter) -> bool {
    l.letter.recipients.iter().any(|r| !r.phone.is_empty())
}

/// Makes every waiting delivery due now.
async fn make_due(app: &TestApp) {
    app.db
        .execute_unprepared("UPDATE letter_recipient SET next_attempt_ms = 0 WHERE sent_ms IS NULL")
        .await
        .unwrap();
}

/// Everything the database holds, as a thief with a copy would have it: the SQLite file
/// with its write-ahead log, or a `pg_dump` of the PostgreSQL database.
fn database_dump(app: &TestApp) -> Vec<u8> {
    match app.backend {
        Backend::Sqlite => {
            let path = app
                .database_url
                .strip_prefix("sqlite://")
                .and_then(|rest| rest.split('?').next())
                .unwrap();
            let mut all = Vec::new();
            for suffix in ["", "-wal", "-shm"] {
                if let Ok(bytes) = std::fs::read(format!("{path}{suffix}")) {
                    all.extend(bytes);
                }
            }
            all
        }
        Backend::Postgres => {
            let out = std::process::Command::new("pg_dump")
                .arg("--data-only")
                .arg(&app.database_url)
                .output()
                .expect("pg_dump runs");
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
            out.stdout
        }
    }
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// 48 bytes from the middle of a picture, raw and as PostgreSQL's dump writes bytea.
fn picture_probes(picture: &[u8]) -> Vec<Vec<u8>> {
    let mid = picture.len() / 2;
    let window = &picture[mid..mid + 48];
    let hex: String = window.iter().map(|b| format!("{b:02x}")).collect();
    vec![window.to_vec(), hex.into_bytes()]
}

fn upload_files(app: &TestApp) -> Vec<(PathBuf, Vec<u8>)> {
    std::fs::read_dir(app.data_dir().join("uploads"))
        .unwrap()
        .map(|e| {
            let path = e.unwrap().path();
            let bytes = std::fs::read(&path).unwrap();
            (path, bytes)
        })
        .collect()
}

#[tokio::test]
async fn a_database_dump_and_the_picture_files_reveal_no_letter() {
    let app = spawn().await;
    verified_user(&app, "ada", "ada@example.com").await;
    crate::billing::plus(&app, "ada").await;
    let (_, picture) = letter_with_picture(
        &app,
        "Marmalade orchard pact",
        "Quincewater lanterns glow above the ferry.",
        vec![to(
            "Bartholomew Zephyrine",
            "zephyrine.b@example.com",
            "+44 20 7946 0958",
        )],
    )
    .await;
    // The longest title and name allowed, in Chinese (three bytes a character): sealed
    // they are far longer than the plain limits, and still stored.
    let longest_title = "橘".repeat(app::letters::rules::MAX_TITLE_CHARS);
    let longest_name = "梅".repeat(app::letters::rules::MAX_NAME_CHARS);
    letter_with_picture(
        &app,
        &longest_title,
        "长信。",
        vec![to(&longest_name, "mei@example.com", "")],
    )
    .await;
    // A second letter delivered, so that its notification ("Delivered: …") is stored too.
    let (delivered, _) = letter_with_picture(
        &app,
        "Saffron kite festival",
        "Cobalt dragonflies over the millpond.",
        vec![to("Philomena Quargle", "quargle.p@example.com", "")],
    )
    .await;
    app.db
        .execute_unprepared(&format!(
            "UPDATE letter_recipient SET next_attempt_ms = 0 WHERE {}",
            letter_is(&app, &delivered)
        ))
        .await
        .unwrap();
    let mail = app.emails_to("quargle.p@example.com", 1).await;
    assert!(
        mail[0].subject.contains("Saffron kite festival"),
        "delivered as written"
    );
    app.wait_until_delivered(&delivered).await;
    let overview = app.call(LettersOverview {}).await.unwrap();
    assert!(
        overview
            .notifications
            .iter()
            .any(|n| n.title.contains("Saffron kite festival")),
        "the author was told, in a notification that names the letter"
    );

    let dump = database_dump(&app);
    assert!(
        contains(&dump, b"ada@example.com"),
        "the dump is readable: the account's own address (not a letter's) is in it"
    );
    for secret in [
        "Marmalade orchard pact",
        "Quincewater lanterns",
        "Bartholomew Zephyrine",
        "zephyrine.b@example.com",
        "7946 0958",
        "2079460958",
        "Saffron kite festival",
        "Cobalt dragonflies",
        "Philomena Quargle",
        "quargle.p@example.com",
        "橘橘橘橘",
        "梅梅梅梅",
    ] {
        assert!(
            !contains(&dump, secret.as_bytes()),
            "{secret:?} is readable in the database ({:?})",
            app.backend
        );
    }
    let files = upload_files(&app);
    assert_eq!(files.len(), 3);
    for probe in picture_probes(&picture) {
        assert!(!contains(&dump, &probe), "picture bytes in the database");
        for (path, bytes) in &files {
            assert!(
                !contains(bytes, &probe),
                "picture bytes readable in {path:?}"
            );
        }
    }
    for (path, bytes) in &files {
        assert_eq!(blob_key(bytes), Some(1), "{path:?} is sealed with key 1");
        assert!(
            image::load_from_memory(bytes).is_err(),
            "{path:?} is not an image"
        );
    }
}

fn letter_is(app: &TestApp, id: &str) -> String {
    match app.backend {
        Backend::Postgres => format!("letter_id = '{id}'"),
        Backend::Sqlite => format!("hex(letter_id) = '{}'", id.replace('-', "").to_uppercase()),
    }
}

async fn column_values(app: &TestApp, sql: &str) -> Vec<String> {
    app.db
        .query_all_raw(Statement::from_string(app.db.get_database_backend(), sql))
        .await
        .unwrap()
        .iter()
        .map(|r| r.try_get::<String>("", "v").unwrap())
        .collect()
}

#[tokio::test]
async fn after_a_key_rotation_old_letters_open_and_deliver_and_old_links_work() {
    let app = spawn().await;
    verified_user(&app, "ada", "ada@example.com").await;
    let (first, _) = letter_with_picture(
        &app,
        "Before the rotation",
        "Written under the first key.",
        vec![to("Bob Plum", "bob@example.com", "")],
    )
    .await;
    make_due(&app).await;
    let old_mail = app.emails_to("bob@example.com", 1).await.pop().unwrap();
    let old_link = old_mail.link("/l/");
    app.wait_until_delivered(&first).await;
    let (second, picture) = letter_with_picture(
        &app,
        "Waiting through it",
        "Scheduled before the rotation, delivered after.",
        vec![to("Bob Plum", "bob@example.com", "")],
    )
    .await;

    let out = app.ripen(&["keys", "rotate"]).output().unwrap();
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{said}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(said.contains("sealed with key 2"), "{said}");

    // Everything was sealed anew with the new key: text, recipients, pictures.
    let titles = column_values(&app, "SELECT title AS v FROM letter").await;
    assert_eq!(titles.len(), 2);
    assert!(
        titles.iter().all(|t| t.starts_with("sealed:2:")),
        "{titles:?}"
    );
    let emails = column_values(&app, "SELECT email AS v FROM letter_recipient").await;
    assert!(
        emails.iter().all(|e| e.starts_with("sealed:2:")),
        "{emails:?}"
    );
    // And the figures sealed with each letter to oneself.
    let figures = column_values(&app, "SELECT figures AS v FROM letter_snapshot").await;
    assert_eq!(figures.len(), 2);
    assert!(
        figures.iter().all(|f| f.starts_with("sealed:2:")),
        "{figures:?}"
    );
    assert!(said.contains("2 letters' figures"), "{said}");
    for (path, bytes) in upload_files(&app) {
        assert_eq!(blob_key(&bytes), Some(2), "{path:?}");
    }
    let key_file = std::fs::read_to_string(app.data_dir().join("ripen.keys")).unwrap();
    assert_eq!(
        KeySet::parse(&key_file, &app.data_dir().join("ripen.keys"))
            .unwrap()
            .fingerprints()
            .len(),
        4,
        "sealing and link keys 1 and 2 are all kept"
    );

    // The running server opens what was re-sealed under its feet.
    let view = app.call(GetLetter { id: first.clone() }).await.unwrap();
    assert_eq!(view.title, "Before the rotation");
    assert_eq!(
        view.recipients.iter().find(|r| !r.is_self).unwrap().email,
        "bob@example.com"
    );
    let view = app.call(GetLetter { id: second.clone() }).await.unwrap();
    assert_eq!(view.body, "Scheduled before the rotation, delivered after.");
    let served = app
        .client
        .get(app.url(&view.images[0].url))
        .send()
        .await
        .unwrap();
    assert_eq!(served.status(), StatusCode::OK);
    assert_eq!(
        served.bytes().await.unwrap().to_vec(),
        picture,
        "the same picture"
    );

    // The link sent before the rotation still opens its letter, for anyone holding it.
    let page = app.new_client().get(&old_link).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let html = without_markers(&page.text().await.unwrap());
    assert!(html.contains("Before the rotation"));
    assert!(html.contains("Written under the first key."));

    // The letter scheduled before the rotation is delivered after it, with a working link.
    make_due(&app).await;
    let mails = app.emails_to("bob@example.com", 2).await;
    let new_mail = mails
        .iter()
        .find(|m| m.subject.contains("Waiting through it"))
        .expect("the second letter arrives");
    app.wait_until_delivered(&second).await;
    let page = app
        .new_client()
        .get(new_mail.link("/l/"))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    assert!(without_markers(&page.text().await.unwrap()).contains("delivered after."));
}

/// Starts `ripen` (the server) and answers its exit status and everything it printed;
/// a server that keeps running fails the test.
async fn start_ripen(app: &TestApp) -> (std::process::ExitStatus, String) {
    let child = app
        .ripen(&[])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id();
    let waited = tokio::time::timeout(
        Duration::from_secs(120),
        tokio::task::spawn_blocking(move || child.wait_with_output()),
    )
    .await;
    let Ok(out) = waited else {
        let _ = std::process::Command::new("kill")
            .arg(pid.to_string())
            .status();
        panic!("ripen started without its keys");
    };
    let out = out.unwrap().unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status, text)
}

#[tokio::test]
async fn a_missing_or_wrong_key_file_stops_start_up_with_a_clear_message() {
    let mut app = spawn().await;
    verified_user(&app, "ada", "ada@example.com").await;
    letter_with_picture(&app, "Kept safe", "Sealed.", vec![]).await;
    // The binary starts on the same database (on SQLite only one process may serve it).
    app.stop_server().await;
    let path = app.data_dir().join("ripen.keys");
    let original = std::fs::read(&path).unwrap();

    std::fs::remove_file(&path).unwrap();
    let (status, said) = start_ripen(&app).await;
    assert!(!status.success(), "{said}");
    assert!(said.contains("ripen.keys is missing"), "{said}");
    assert!(said.contains("Put the file back"), "{said}");
    assert!(!said.contains("panicked"), "{said}");
    assert!(!path.exists(), "no new key file made in its place");

    // A key file from another installation is refused, not used to seal new letters.
    let other = KeySet::generate(None).unwrap().to_text();
    std::fs::write(&path, other).unwrap();
    let (status, said) = start_ripen(&app).await;
    assert!(!status.success(), "{said}");
    assert!(said.contains("is the wrong file, or an old copy"), "{said}");
    assert!(!said.contains("panicked"), "{said}");

    // Its own file is accepted again.
    std::fs::write(&path, original).unwrap();
    let out = app.ripen(&["keys", "rotate"]).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

//! The small findings of the security review (issue 28, item 6): one module per finding,
//! each with the test that failed before its fix.

// ---- Pictures change only while no delivery has begun ----------------------------------

mod pictures {
    use app::letters::{DeleteImage, ImageView, RecipientInput};
    use chrono::Utc;
    use reqwest::StatusCode;
    use sea_orm::ConnectionTrait;
    use serde_json::json;

    use crate::{
        accounts::verified_user,
        harness::{TestApp, TestOptions},
        letters::{letter, png, stored_files, upload},
    };

    #[tokio::test]
    async fn pictures_cannot_change_once_any_delivery_of_the_letter_has_begun() {
        // No scheduler: the test moves the deliveries itself.
        let app = TestApp::spawn_with(TestOptions {
            config: json!({ "letters": { "min_lead_secs": 0, "deliver": false } }),
            ..TestOptions::default()
        })
        .await;
        verified_user(&app, "ada", "ada@example.com").await;
        crate::billing::plus(&app, "ada").await;
        let mut save = letter("Two readers", Utc::now() + chrono::Duration::days(1));
        save.letter.recipients = vec![RecipientInput {
            name: "Bob".into(),
            email: "bob@example.com".into(),
            phone: String::new(),
        }];
        let saved = app.call(save).await.unwrap();
        let id = saved.id.to_string();

        // Scheduled, nothing begun: pictures come and go freely.
        let (status, body) = upload(&app, &app.client, &id, "a.png", png(8, 8)).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let (status, body) = upload(&app, &app.client, &id, "b.png", png(8, 8)).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let second: ImageView = serde_json::from_str(&body).unwrap();
        app.call(DeleteImage {
            id: second.id.to_string(),
        })
        .await
        .unwrap();
        let (_, body) = upload(&app, &app.client, &id, "c.png", png(8, 8)).await;
        let kept: ImageView = serde_json::from_str(&body).unwrap();

        // One of the two deliveries is under way, then done: the letter its reader gets
        // (or got) is the letter the other reader gets.
        for begun in ["sending", "sent"] {
            // The letter's first delivery (its only letter: no id to spell per engine).
            app.db
                .execute_unprepared(&format!(
                    "UPDATE letter_recipient SET status = '{begun}' WHERE position = 0"
                ))
                .await
                .unwrap();
            let (status, body) = upload(&app, &app.client, &id, "late.png", png(8, 8)).await;
            assert_eq!(
                status,
                StatusCode::UNPROCESSABLE_ENTITY,
                "added while {begun}: {body}"
            );
            assert!(body.contains("Delivery of this letter has begun"), "{body}");
            let removed = app
                .call(DeleteImage {
                    id: kept.id.to_string(),
                })
                .await
                .unwrap_err();
            assert!(
                removed
                    .field_message("image")
                    .is_some_and(|m| m.contains("Delivery of this letter has begun")),
                "removed while {begun}: {removed:?}"
            );
        }
        assert_eq!(
            stored_files(&app),
            2,
            "a.png and c.png, nothing more or less"
        );
    }
}

// ---- The lease is checked again once the mail server is ready ---------------------------

mod lease {
    use std::{
        sync::{Arc, Mutex},
        time::Duration,
    };

    use app::{
        letters::{
            RecipientStatus,
            delivery::Scheduler,
            entities::letter_recipient,
            sms::LogSms,
            ssr::{LetterConfig, Letters},
            storage::LocalDir,
        },
        mail::{Mailer, SmtpConfig, TlsMode},
    };
    use chrono::Utc;
    use sea_orm::{ConnectionTrait, EntityTrait};
    use serde_json::json;
    use tokio::{
        io::{AsyncBufReadExt, AsyncWriteExt, BufReader},
        net::TcpListener,
        sync::{mpsc, watch},
    };

    use crate::{
        accounts::verified_user,
        harness::{TestApp, TestOptions},
        letters::letter,
    };

    /// Every command each connection sent, by connection.
    type Sessions = Arc<Mutex<Vec<Vec<String>>>>;

    /// A plain SMTP server on loopback that greets its first connection only when told
    /// (a slow connect), and every later one at once.
    async fn slow_first_greeting() -> (u16, mpsc::Receiver<()>, mpsc::Sender<()>, Sessions) {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let (accepted_tx, accepted) = mpsc::channel(1);
        let (greet, mut greet_rx) = mpsc::channel::<()>(1);
        let sessions: Sessions = Arc::default();
        let shared = sessions.clone();
        tokio::spawn(async move {
            let mut first = true;
            while let Ok((stream, _)) = listener.accept().await {
                let index = {
                    let mut s = shared.lock().unwrap();
                    s.push(Vec::new());
                    s.len() - 1
                };
                if std::mem::take(&mut first) {
                    accepted_tx.send(()).await.unwrap();
                    greet_rx.recv().await;
                }
                let seen = shared.clone();
                tokio::spawn(async move {
                    let (read, mut write) = stream.into_split();
                    let mut lines = BufReader::new(read);
                    write.write_all(b"220 slow ESMTP\r\n").await.ok();
                    let mut line = String::new();
                    let mut in_data = false;
                    loop {
                        line.clear();
                        if lines.read_line(&mut line).await.unwrap_or(0) == 0 {
                            return;
                        }
                        if in_data {
                            if line == ".\r\n" {
                                in_data = false;
                                write.write_all(b"250 queued\r\n").await.ok();
                            }
                            continue;
                        }
                        let command = line.trim_end().to_owned();
                        seen.lock().unwrap()[index].push(command.clone());
                        let answer: &[u8] = match command.get(..4).unwrap_or("") {
                            "EHLO" => b"250-slow\r\n250 8BITMIME\r\n",
                            "DATA" => {
                                in_data = true;
                                b"354 go ahead\r\n"
                            }
                            "QUIT" => b"221 bye\r\n",
                            _ => b"250 ok\r\n",
                        };
                        write.write_all(answer).await.ok();
                    }
                });
            }
        });
        (port, accepted, greet, sessions)
    }

    /// A delivery claimed with a short lease whose connect outlasts the time the lease
    /// leaves to start a send: nothing is sent on that connection, the claim goes back
    /// uncounted, and the delivery goes out once, under a fresh lease.
    #[tokio::test]
    async fn a_delivery_whose_lease_runs_short_while_connecting_goes_back_unsent() {
        let app = TestApp::spawn_with(TestOptions {
            config: json!({ "letters": { "min_lead_secs": 0, "deliver": false } }),
            ..TestOptions::default()
        })
        .await;
        verified_user(&app, "ada", "ada@example.com").await;
        app.call(letter("Patience", Utc::now() + chrono::Duration::hours(1)))
            .await
            .unwrap();
        app.db
            .execute_unprepared("UPDATE letter_recipient SET next_attempt_ms = 0")
            .await
            .unwrap();

        let (port, mut accepted, greet, sessions) = slow_first_greeting().await;
        // A 2 s lease leaves 1 s to start a send (half the lease, as it is shorter than
        // twice the SMTP timeout).
        let config = LetterConfig {
            lease_secs: 2,
            poll_ms: 50,
            workers: 1,
            ..LetterConfig::default()
        };
        let dir = tempfile::tempdir().unwrap();
        let letters = Arc::new(Letters::new(
            config,
            Arc::new(LocalDir::new(dir.path().join("uploads")).unwrap()),
            Arc::new(LogSms),
            app.keys(),
            &app.site_url,
        ));
        let mailer = Mailer::smtp(
            &SmtpConfig {
                host: "127.0.0.1".into(),
                port: Some(port),
                tls: TlsMode::None,
                username: None,
                password: None,
            },
            "Ripen <letters@ripen.test>",
        )
        .unwrap();
        let (stop, stopped) = watch::channel(false);
        let mut workers = Scheduler::new(app.db.clone(), mailer, letters).spawn(stopped);

        // The worker claimed the delivery and is connecting; hold the greeting until the
        // time to start a send under this lease has passed.
        tokio::time::timeout(Duration::from_secs(20), accepted.recv())
            .await
            .expect("the worker connects")
            .unwrap();
        let claimed = letter_recipient::Entity::find()
            .one(&app.db)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(claimed.status, RecipientStatus::Sending);
        let send_by = claimed.lease_until_ms.unwrap() - 1_000;
        while Utc::now().timestamp_millis() <= send_by {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        greet.send(()).await.unwrap();

        let deadline = std::time::Instant::now() + Duration::from_secs(20);
        let sent = loop {
            let r = letter_recipient::Entity::find()
                .one(&app.db)
                .await
                .unwrap()
                .unwrap();
            if r.status == RecipientStatus::Sent {
                break r;
            }
            assert!(std::time::Instant::now() < deadline, "never sent: {r:?}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        };
        let _ = stop.send(true);
        let _ = tokio::time::timeout(Duration::from_secs(10), async {
            while workers.join_next().await.is_some() {}
        })
        .await;

        let sessions = sessions.lock().unwrap().clone();
        assert!(
            !sessions[0].iter().any(|c| c.starts_with("MAIL")),
            "a send began on the connection that opened too late: {sessions:?}"
        );
        let messages = sessions
            .iter()
            .flatten()
            .filter(|c| c.starts_with("RCPT TO:<ada@example.com>"))
            .count();
        assert_eq!(messages, 1, "delivered once: {sessions:?}");
        assert_eq!(sent.attempts, 1, "the claim given back is no attempt");
    }
}

// ---- Private answers are not stored by browsers or proxies ------------------------------

mod caching {
    use app::{letters::GetLetter, system::SystemStatus};
    use reqwest::{StatusCode, header};

    use crate::{accounts::verified_user, harness::TestApp};

    #[tokio::test]
    async fn signed_in_pages_and_server_function_answers_are_never_stored() {
        let app = TestApp::spawn().await;
        verified_user(&app, "ada", "ada@example.com").await;

        for page in ["/timer", "/letters", "/account"] {
            let (status, headers, _) = app.get_text(page).await;
            assert_eq!(status, StatusCode::OK, "{page}");
            assert_eq!(headers[header::CACHE_CONTROL], "no-store", "{page}");
        }
        let (status, headers, _) = app.call_raw(SystemStatus {}).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(headers[header::CACHE_CONTROL], "no-store");
        let (status, headers, _) = app
            .call_raw(GetLetter {
                id: uuid::Uuid::new_v4().to_string(),
            })
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        assert_eq!(headers[header::CACHE_CONTROL], "no-store", "errors too");

        // Static files keep their own caching (a year when their names are hashed).
        std::fs::write(app.site_root.join("pkg/ripen.css"), "body{}").unwrap();
        let (status, headers, _) = app.get_text("/pkg/ripen.css").await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(headers[header::CACHE_CONTROL], "no-cache");
    }
}

// ---- Request ids from clients are screened ----------------------------------------------

mod request_ids {
    use reqwest::header::HeaderValue;

    use crate::harness::TestApp;

    async fn echoed(app: &TestApp, sent: HeaderValue) -> String {
        let res = app
            .client
            .get(app.url("/healthz"))
            .header("x-request-id", sent)
            .send()
            .await
            .unwrap();
        res.headers()["x-request-id"].to_str().unwrap().to_owned()
    }

    #[tokio::test]
    async fn a_client_request_id_is_kept_only_when_it_is_plainly_an_id() {
        let app = TestApp::spawn().await;
        assert_eq!(
            echoed(&app, HeaderValue::from_static("trace-42_a.b")).await,
            "trace-42_a.b"
        );
        // What a header may carry but a log line must not get from a client: a forged
        // field after a tab or a space, quotes, bytes beyond ASCII, an endless id.
        let long = "a".repeat(65);
        let forged: [HeaderValue; 5] = [
            HeaderValue::from_static("ok\tmethod=DELETE path=/admin"),
            HeaderValue::from_static("ok request_id=other"),
            HeaderValue::from_static("\"quoted\""),
            HeaderValue::from_bytes(b"caf\xc3\xa9").unwrap(),
            HeaderValue::from_str(&long).unwrap(),
        ];
        for sent in forged {
            let got = echoed(&app, sent.clone()).await;
            assert!(
                uuid::Uuid::parse_str(&got).is_ok() && got.len() == 36,
                "{sent:?} came back as {got:?}"
            );
        }
    }
}

// ---- `/status` tells the public only that the server is well ----------------------------

mod status {
    use app::system::SystemStatus;
    use reqwest::{StatusCode, header};
    use serde_json::{Value, json};

    use crate::harness::{TestApp, TestOptions};

    const TOKEN: &str = "status-token-for-the-tests-0123456789";

    fn newest_migration() -> String {
        use migrations::MigratorTrait as _;
        migrations::Migrator::migrations()
            .last()
            .map(|m| m.name().to_owned())
            .unwrap()
    }

    async fn status(app: &TestApp, authorization: Option<&str>) -> (Value, String) {
        let headers: Vec<(&str, &str)> = authorization
            .map(|a| vec![(header::AUTHORIZATION.as_str(), a)])
            .unwrap_or_default();
        let (code, _, body) = app.call_as(&app.client, SystemStatus {}, &headers).await;
        assert_eq!(code, StatusCode::OK, "{body}");
        (serde_json::from_str(&body).unwrap(), body)
    }

    #[tokio::test]
    async fn details_only_for_the_bearer_of_the_status_token() {
        let app = TestApp::spawn_with(TestOptions {
            config: json!({ "status_token": TOKEN }),
            ..TestOptions::default()
        })
        .await;
        let version = env!("CARGO_PKG_VERSION");
        let schema = newest_migration();

        let wrong = format!("Bearer {TOKEN}x");
        for authorization in [None, Some("Bearer nope"), Some(wrong.as_str()), Some(TOKEN)] {
            let (json, body) = status(&app, authorization).await;
            assert!(
                !body.contains("\"version\"") && !body.contains(&schema),
                "{authorization:?}: {body}"
            );
            assert!(json["server_time"].is_string(), "{body}");
            assert!(json["details"].is_null(), "{body}");
        }
        let (_, _, page) = app.get_text("/status").await;
        assert!(!page.contains(&schema), "the page shows no schema");

        let bearer = format!("Bearer {TOKEN}");
        let (json, body) = status(&app, Some(&bearer)).await;
        let details = &json["details"];
        assert_eq!(details["version"], version, "{body}");
        assert_eq!(details["schema_version"], schema.as_str(), "{body}");
        assert!(details["database"].is_string(), "{body}");
        let page = app
            .client
            .get(app.url("/status"))
            .header(header::AUTHORIZATION, &bearer)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(
            page.contains(&schema),
            "the operator's page has the details"
        );
    }

    #[tokio::test]
    async fn without_a_configured_token_nobody_gets_details() {
        let app = TestApp::spawn().await;
        for authorization in [None, Some("Bearer "), Some("Bearer")] {
            let (json, body) = status(&app, authorization).await;
            assert!(json["details"].is_null(), "{authorization:?}: {body}");
            assert!(!body.contains(&newest_migration()), "{body}");
        }
    }
}

// ---- Data files are readable by the server's account only -------------------------------

#[cfg(unix)]
mod files {
    use std::{os::unix::fs::PermissionsExt, path::Path};

    use crate::{
        accounts::verified_user,
        harness::{Backend, TestApp},
        letters::{letter, png, upload},
    };

    fn mode(path: &Path) -> u32 {
        std::fs::metadata(path)
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
            .permissions()
            .mode()
            & 0o777
    }

    #[tokio::test]
    async fn database_mail_and_uploads_are_private_to_the_server_account() {
        let app = TestApp::spawn().await;
        verified_user(&app, "ada", "ada@example.com").await;
        let mut draft = letter("Private", chrono::Utc::now() + chrono::Duration::days(1));
        draft.schedule = false;
        let id = app.call(draft).await.unwrap().id.to_string();
        let (status, body) = upload(&app, &app.client, &id, "a.png", png(8, 8)).await;
        assert_eq!(status, reqwest::StatusCode::OK, "{body}");

        let data = app.data_dir();
        let mut checked = 0;
        for dir in [data.clone(), data.join("outbox"), data.join("uploads")] {
            assert_eq!(mode(&dir), 0o700, "{}", dir.display());
            for entry in std::fs::read_dir(&dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_file() {
                    assert_eq!(mode(&path), 0o600, "{}", path.display());
                    checked += 1;
                }
            }
        }
        assert!(checked >= 2, "an email and a picture were checked");
        if app.backend == Backend::Sqlite {
            // The harness keeps the database beside the data directory.
            let db = data.parent().unwrap().join("ripen.db");
            assert_eq!(mode(&db), 0o600, "{}", db.display());
            for side in ["ripen.db-wal", "ripen.db-shm"] {
                let path = data.parent().unwrap().join(side);
                if path.exists() {
                    assert_eq!(mode(&path), 0o600, "{}", path.display());
                }
            }
        }
    }
}

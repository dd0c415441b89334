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

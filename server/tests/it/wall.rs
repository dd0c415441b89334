//! The public letter wall over HTTP: only delivered, public, unhidden letters, never a
//! trace of the author's account; inert HTML whatever a letter contains; keyset pages
//! that neither repeat nor skip; likes, reports, moderation and their limits; sitemap,
//! robots, ETags and the page cache.

use std::collections::HashSet;

use app::{
    AppError,
    account::ssr::entities::user_account,
    letters::{LetterStatus, SetLetterPublic, Visibility, entities::letter},
    seal::Field,
    wall::{GetWallLetter, GetWallPage, Moderate, ModerationQueue, ReportLetter, ToggleLike},
};
use chrono::Utc;
use reqwest::StatusCode;
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use serde_json::json;
use uuid::Uuid;

use crate::{
    accounts::verified_user,
    focus::second_user,
    harness::{TestApp, TestOptions, without_markers},
};

/// What a seeded letter is like.
pub(crate) struct Seed<'a> {
    pub title: &'a str,
    pub body: &'a str,
    pub pen_name: Option<&'a str>,
    pub public: bool,
    pub status: LetterStatus,
    pub delivered_ms: i64,
    pub hidden: bool,
}

impl Default for Seed<'_> {
    fn default() -> Self {
        Self {
            title: "A letter",
            body: "Dear future me, the plum tree blossomed.",
            pen_name: None,
            public: true,
            status: LetterStatus::Delivered,
            delivered_ms: Utc::now().timestamp_millis(),
            hidden: false,
        }
    }
}

/// Inserts a letter by `author` as it would be after delivery; returns (id, public id).
pub(crate) async fn seed(app: &TestApp, author: Uuid, s: Seed<'_>) -> (Uuid, String) {
    let id = Uuid::new_v4();
    let public_id = id.simple().to_string()[..16].to_owned();
    let written = s.delivered_ms - 3 * 365 * 86_400_000;
    let keys = app.keys();
    letter::Entity::insert(letter::ActiveModel {
        title: Set(keys.seal(Field::LetterTitle, id, s.title)),
        body: Set(keys.seal(Field::LetterBody, id, s.body)),
        status: Set(s.status),
        deliver_at_ms: Set(Some(s.delivered_ms)),
        to_self: Set(true),
        visibility: Set(Visibility::of(s.public)),
        pen_name: Set(s.pen_name.map(str::to_owned)),
        updated_ms: Set(s.delivered_ms),
        delivered_ms: Set((s.status == LetterStatus::Delivered).then_some(s.delivered_ms)),
        hidden_ms: Set(s.hidden.then_some(s.delivered_ms)),
        ..letter::ActiveModel::new_draft(id, author, public_id.clone(), "UTC", written)
    })
    .exec_without_returning(&app.db)
    .await
    .unwrap();
    (id, public_id)
}

/// `ripen admin grant --role moderator <username>` against the test server's database.
pub(crate) fn ripen_admin(app: &TestApp, username: &str) -> std::process::Output {
    app.ripen(&["admin", "grant", "--role", "moderator", username])
        .output()
        .unwrap()
}

async fn page(app: &TestApp, after: Option<String>) -> app::wall::WallPage {
    app.call(GetWallPage {
        topic: None,
        after,
        q: None,
    })
    .await
    .unwrap()
}

async fn anonymous_html(
    app: &TestApp,
    path: &str,
) -> (StatusCode, reqwest::header::HeaderMap, String) {
    let res = app.new_client().get(app.url(path)).send().await.unwrap();
    let (status, headers) = (res.status(), res.headers().clone());
    (status, headers, without_markers(&res.text().await.unwrap()))
}

#[tokio::test]
async fn only_delivered_public_unhidden_letters_are_on_the_wall_and_nothing_names_the_author() {
    let app = TestApp::spawn().await;
    verified_user(&app, "ann", "ann@example.com").await;
    let ann = app.user_id("ann").await;
    let (_, shown) = seed(
        &app,
        ann,
        Seed {
            title: "Shown letter",
            pen_name: Some("Plum"),
            ..Seed::default()
        },
    )
    .await;
    let (_, private) = seed(
        &app,
        ann,
        Seed {
            title: "Private letter",
            public: false,
            ..Seed::default()
        },
    )
    .await;
    let (_, scheduled) = seed(
        &app,
        ann,
        Seed {
            title: "Scheduled letter",
            status: LetterStatus::Scheduled,
            ..Seed::default()
        },
    )
    .await;
    let (_, hidden) = seed(
        &app,
        ann,
        Seed {
            title: "Hidden letter",
            hidden: true,
            ..Seed::default()
        },
    )
    .await;

    let (status, headers, html) = anonymous_html(&app, "/wall").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Shown letter"), "{html}");
    assert!(html.contains("Plum"));
    for title in ["Private letter", "Scheduled letter", "Hidden letter"] {
        assert!(!html.contains(title), "{title} must not be on the wall");
    }
    assert!(headers.contains_key("content-security-policy"));

    let (status, _, html) = anonymous_html(&app, &format!("/wall/{shown}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains("<title>Shown letter · Ripen</title>"),
        "{html}"
    );
    let canonical = format!("{}/wall/{shown}", app.site_url);
    assert!(
        html.contains(&format!("<link href=\"{canonical}\" rel=\"canonical\">")),
        "{html}"
    );
    assert!(
        html.contains(&format!("property=\"og:url\" content=\"{canonical}\"")),
        "{html}"
    );
    assert_eq!(
        html.matches("name=\"description\"").count(),
        1,
        "one description"
    );
    assert!(
        html.contains("property=\"og:title\" content=\"Shown letter\""),
        "{html}"
    );
    assert!(
        html.contains("name=\"description\" content=\"Dear future me, the plum tree blossomed.\""),
        "{html}"
    );
    assert!(html.contains("Written 3 years before it arrived"), "{html}");
    for trace in [
        "ann@example.com",
        ">ann<",
        ann.to_string().as_str(),
        "/letters/",
    ] {
        assert!(!html.contains(trace), "the page shows {trace}");
    }

    for id in [&private, &scheduled, &hidden] {
        let (status, _, html) = anonymous_html(&app, &format!("/wall/{id}")).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{id}");
        assert!(html.contains("This letter is not on the wall"));
        let e = app
            .call(GetWallLetter { id: id.clone() })
            .await
            .unwrap_err();
        assert_eq!(e, AppError::NotFound);
    }
    // Guessing: random ids of the same shape, and junk, find nothing.
    for _ in 0..20 {
        let guess = Uuid::new_v4().simple().to_string()[..16].to_owned();
        let (status, _, _) = anonymous_html(&app, &format!("/wall/{guess}")).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
    }
    for junk in ["%27%20OR%201%3D1", "..%2F..%2Fetc", "a"] {
        let (status, _, _) = anonymous_html(&app, &format!("/wall/{junk}")).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{junk}");
    }

    let (status, headers, xml) = anonymous_html(&app, "/sitemap.xml").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/xml")
    );
    assert!(
        xml.contains(&format!("{}/wall/{shown}</loc>", app.site_url)),
        "{xml}"
    );
    for id in [&private, &scheduled, &hidden] {
        assert!(!xml.contains(id.as_str()), "{id} is in the sitemap");
    }
    let (_, _, robots) = anonymous_html(&app, "/robots.txt").await;
    assert!(robots.contains("Allow: /wall"));
    assert!(robots.contains("Disallow: /l/"));
    assert!(robots.contains(&format!("Sitemap: {}/sitemap.xml", app.site_url)));

    // The author's account goes away: the letter stays, linked to nothing.
    user_account::Entity::delete_by_id(ann)
        .exec(&app.db)
        .await
        .unwrap();
    let row = letter::Entity::find()
        .filter(letter::Column::PublicId.eq(shown.clone()))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.user_id, None, "no link to any account");
    let (status, _, html) = anonymous_html(&app, &format!("/wall/{shown}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Shown letter"));
}

#[tokio::test]
async fn hostile_letters_render_inert_on_the_wall_and_their_pages() {
    let app = TestApp::spawn().await;
    verified_user(&app, "ann", "ann@example.com").await;
    let ann = app.user_id("ann").await;
    let (_, id) = seed(
        &app,
        ann,
        Seed {
            title: "</title><script>alert('t')</script> & <img src=x onerror=alert(1)>",
            body: "<script>alert('b')</script>\n\n<img src=x onerror=alert(2)>\n\n\
                   [click](javascript:alert(3)) &lt;b&gt; &amp;amp; <a href=\"javascript:alert(4)\">x</a>",
            pen_name: Some("<svg onload=alert(5)>"),
            ..Seed::default()
        },
    )
    .await;
    for path in ["/wall".to_owned(), format!("/wall/{id}")] {
        let (status, headers, html) = anonymous_html(&app, &path).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        let csp = headers["content-security-policy"].to_str().unwrap();
        assert!(csp.contains("script-src 'self' 'nonce-"), "{csp}");
        assert!(!html.contains("<script>alert"), "{path}: live script");
        assert!(
            !html.contains("</title><script>"),
            "{path}: the title broke out"
        );
        assert!(!html.contains("<img src=x"), "{path}: live img");
        assert!(!html.contains("<svg onload"), "{path}: live svg");
        let live_js_link =
            regex_lite::Regex::new(r#"(?i)<a\s[^>]*href\s*=\s*["']?\s*javascript:"#).unwrap();
        assert!(!live_js_link.is_match(&html), "{path}: a javascript: link");
        assert!(
            html.contains("&lt;script&gt;alert("),
            "{path}: the title is shown, escaped"
        );
        assert!(
            html.contains("&lt;svg onload=alert(5)&gt;"),
            "{path}: pen name escaped"
        );
        // Every inline script is the nonce'd hydration script.
        let nonce = csp
            .split("'nonce-")
            .nth(1)
            .unwrap()
            .split('\'')
            .next()
            .unwrap();
        for tag in html
            .match_indices("<script")
            .map(|(i, _)| &html[i..html.len().min(i + 200)])
        {
            assert!(
                tag.contains(&format!("nonce=\"{nonce}\"")) || tag.contains(" src="),
                "{path}: a script without the nonce: {tag}"
            );
        }
    }
}

#[tokio::test]
async fn keyset_pages_neither_repeat_nor_skip_when_letters_arrive_between_requests() {
    let app = TestApp::spawn().await;
    verified_user(&app, "ann", "ann@example.com").await;
    let ann = app.user_id("ann").await;
    let base = Utc::now().timestamp_millis() - 1_000_000;
    let mut original = HashSet::new();
    for i in 0..45 {
        // Pairs share a delivery instant, so the tie-break matters.
        let (_, id) = seed(
            &app,
            ann,
            Seed {
                delivered_ms: base + (i / 2) * 1000,
                ..Seed::default()
            },
        )
        .await;
        original.insert(id);
    }
    let mut seen: Vec<String> = Vec::new();
    let mut after = None;
    let mut arrivals = 0;
    loop {
        let p = page(&app, after.clone()).await;
        assert!(p.cards.len() <= app::wall::PAGE_SIZE);
        seen.extend(p.cards.iter().map(|c| c.public_id.clone()));
        // New letters arrive (newest of all) between page loads.
        for _ in 0..3 {
            arrivals += 1;
            seed(
                &app,
                ann,
                Seed {
                    delivered_ms: base + 100_000 + arrivals * 1000,
                    ..Seed::default()
                },
            )
            .await;
        }
        match p.next {
            Some(next) => after = Some(next),
            None => break,
        }
    }
    let unique: HashSet<_> = seen.iter().cloned().collect();
    assert_eq!(unique.len(), seen.len(), "a letter appeared twice");
    assert_eq!(
        unique, original,
        "every original letter, and only those, in order of pages"
    );
    // And newest first.
    let first = page(&app, None).await;
    assert_eq!(first.cards.len(), app::wall::PAGE_SIZE);
    let bad = app
        .call(GetWallPage {
            topic: None,
            after: Some("12-'; DROP TABLE letter".into()),
            q: None,
        })
        .await
        .unwrap_err();
    assert!(bad.field_message("after").is_some(), "{bad:?}");
    let bad = app
        .call(GetWallPage {
            topic: Some("nope".into()),
            after: None,
            q: None,
        })
        .await
        .unwrap_err();
    assert!(bad.field_message("topic").is_some(), "{bad:?}");
}

#[tokio::test]
async fn likes_reports_and_moderation_work_once_per_person_and_hiding_is_immediate() {
    let app = TestApp::spawn_with(TestOptions {
        config: json!({ "limits": { "likes_per_account": { "max": 4, "window_secs": 3600 } } }),
        ..TestOptions::default()
    })
    .await;
    verified_user(&app, "ann", "ann@example.com").await;
    let ann = app.user_id("ann").await;
    let (letter_id, id) = seed(
        &app,
        ann,
        Seed {
            title: "Touching letter",
            ..Seed::default()
        },
    )
    .await;
    let bob = second_user(&app).await;

    // Visitors cannot like or report.
    let anon = app.new_client();
    let (status, _, _) = app.call_as(&anon, ToggleLike { id: id.clone() }, &[]).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    // A like counts once per person and toggles.
    let like = |c: reqwest::Client| {
        let app = &app;
        let id = id.clone();
        async move {
            let (status, _, body) = app.call_as(&c, ToggleLike { id }, &[]).await;
            assert_eq!(status, StatusCode::OK, "{body}");
            serde_json::from_str::<(bool, i64)>(&body).unwrap()
        }
    };
    assert_eq!(like(bob.clone()).await, (true, 1));
    assert_eq!(
        app.call(ToggleLike { id: id.clone() }).await.unwrap(),
        (true, 2)
    );
    assert_eq!(like(bob.clone()).await, (false, 1));
    assert_eq!(like(bob.clone()).await, (true, 2));
    // Bob's fifth like action in the window is refused.
    like(bob.clone()).await;
    let (status, _, _) = app.call_as(&bob, ToggleLike { id: id.clone() }, &[]).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    let (_, _, html) = anonymous_html(&app, &format!("/wall/{id}")).await;
    assert!(html.contains("1 person was touched"), "{html}");

    // Reports: a reason is required; a repeat counts once.
    let report = |reason: &str| ReportLetter {
        id: id.clone(),
        reason: reason.into(),
        note: Some("It names my neighbour.".into()),
    };
    let (status, _, body) = app.call_as(&bob, report("bogus"), &[]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(body.contains("reason"));
    for _ in 0..3 {
        let (status, _, body) = app.call_as(&bob, report("personal"), &[]).await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }
    let n = app
        .db
        .query_one_raw(sea_orm::Statement::from_string(
            app.db.get_database_backend(),
            "SELECT COUNT(*) AS n FROM letter_report",
        ))
        .await
        .unwrap()
        .unwrap()
        .try_get::<i64>("", "n")
        .unwrap();
    assert_eq!(n, 1, "repeated reports by one person count once");

    // Only admins see the queue; the role is granted from the command line.
    assert_eq!(
        app.call(ModerationQueue {}).await.unwrap_err(),
        AppError::Forbidden
    );
    let out = ripen_admin(&app, "ann");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("ann is now a moderator"));
    let out = ripen_admin(&app, "nobody");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("no account with this username"));

    let queue = app.call(ModerationQueue {}).await.unwrap();
    assert_eq!(queue.len(), 1);
    assert_eq!(queue[0].public_id, id);
    assert_eq!(queue[0].open_reports, 1);
    assert_eq!(queue[0].reports[0].reporter, "bob");
    assert_eq!(queue[0].reports[0].note, "It names my neighbour.");

    // Warm the visitors' cache, then hide: gone at once, page and letter.
    let (_, _, html) = anonymous_html(&app, "/wall").await;
    assert!(html.contains("Touching letter"));
    let (status, _, _) = app
        .call_as(
            &bob,
            Moderate {
                id: id.clone(),
                hide: true,
            },
            &[],
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "bob is no moderator");
    app.call(Moderate {
        id: id.clone(),
        hide: true,
    })
    .await
    .unwrap();
    let (_, _, html) = anonymous_html(&app, "/wall").await;
    assert!(
        !html.contains("Touching letter"),
        "hidden letters vanish at once"
    );
    let (status, _, _) = anonymous_html(&app, &format!("/wall/{id}")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (_, _, xml) = anonymous_html(&app, "/sitemap.xml").await;
    assert!(!xml.contains(&id));
    let queue = app.call(ModerationQueue {}).await.unwrap();
    assert!(queue[0].hidden);
    assert_eq!(queue[0].open_reports, 0, "hiding resolves the reports");
    assert!(
        queue[0]
            .last_action
            .as_deref()
            .unwrap()
            .starts_with("Hidden by ann")
    );
    app.call(Moderate {
        id: id.clone(),
        hide: false,
    })
    .await
    .unwrap();
    let (_, _, html) = anonymous_html(&app, "/wall").await;
    assert!(html.contains("Touching letter"));

    // The author takes it down: gone at once; sharing again is possible.
    app.call(SetLetterPublic {
        id: letter_id.to_string(),
        public: false,
    })
    .await
    .unwrap();
    let (_, _, html) = anonymous_html(&app, "/wall").await;
    assert!(!html.contains("Touching letter"));
    let (status, _, _) = app
        .call_as(
            &bob,
            SetLetterPublic {
                id: letter_id.to_string(),
                public: true,
            },
            &[],
        )
        .await;
    assert_eq!(
        status,
        StatusCode::NOT_FOUND,
        "only the author may share it"
    );
    let v = app
        .call(SetLetterPublic {
            id: letter_id.to_string(),
            public: true,
        })
        .await
        .unwrap();
    assert_eq!(v.wall_url, Some(format!("/wall/{id}")));
}

#[tokio::test]
async fn repeat_views_revalidate_with_an_etag_and_each_gets_its_own_nonce() {
    let app = TestApp::spawn().await;
    verified_user(&app, "ann", "ann@example.com").await;
    let ann = app.user_id("ann").await;
    let (_, id) = seed(&app, ann, Seed::default()).await;
    let visitor = app.new_client();
    let first = visitor.get(app.url("/wall")).send().await.unwrap();
    assert_eq!(first.status(), StatusCode::OK);
    let etag = first.headers()["etag"].clone();
    assert_eq!(first.headers()["cache-control"], "no-cache");
    let csp1 = first.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    let body1 = first.text().await.unwrap();
    let second = visitor.get(app.url("/wall")).send().await.unwrap();
    let csp2 = second.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert_eq!(second.headers()["etag"], etag, "same page, same ETag");
    let body2 = second.text().await.unwrap();
    assert_ne!(csp1, csp2, "a fresh nonce per response");
    let nonce2 = csp2
        .split("'nonce-")
        .nth(1)
        .unwrap()
        .split('\'')
        .next()
        .unwrap();
    assert!(
        body2.contains(&format!("nonce=\"{nonce2}\"")),
        "the page carries the new nonce"
    );
    assert_eq!(
        body1.matches("nonce=").count(),
        body2.matches("nonce=").count()
    );

    let revalidated = visitor
        .get(app.url("/wall"))
        .header("if-none-match", etag.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(revalidated.status(), StatusCode::NOT_MODIFIED);

    // A like changes the page: a new ETag, a full answer.
    app.call(ToggleLike { id }).await.unwrap();
    let changed = visitor
        .get(app.url("/wall"))
        .header("if-none-match", etag.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(changed.status(), StatusCode::OK);
    assert_ne!(changed.headers()["etag"], etag);
    assert!(
        changed
            .text()
            .await
            .unwrap()
            .contains("1 person was touched")
    );

    // Signed-in readers get their own render (their likes), never the shared one.
    let mine = app.get("/wall").await;
    assert!(!mine.headers().contains_key("etag"));
    assert!(mine.text().await.unwrap().contains("This touched me"));
}

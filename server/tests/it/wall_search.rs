//! Searching the letter wall (`/wall?q=`), on both engines: English words and Chinese
//! pairs found inside sentences; only letters on the wall, ever; pages and topics that
//! keep the search; hostile query text answered like any other; the index following
//! letters as they are delivered, shared, taken down, hidden and deleted.

use std::collections::HashSet;

use app::{
    letters::{DeleteLetter, LetterStatus, SetLetterPublic, entities::letter_topic},
    wall::{GetWallPage, Moderate, WallPage},
};
use chrono::Utc;
use reqwest::StatusCode;
use sea_orm::{ActiveValue::Set, ConnectionTrait, EntityTrait, Statement};
use serde_json::json;
use uuid::Uuid;

use crate::{
    accounts::verified_user,
    harness::{Backend, TestApp, TestOptions, without_markers},
    wall::{Seed, ripen_admin, seed},
};

async fn search(app: &TestApp, q: &str) -> WallPage {
    search_in(app, None, q, None).await
}

async fn search_in(app: &TestApp, topic: Option<&str>, q: &str, after: Option<String>) -> WallPage {
    app.call(GetWallPage {
        topic: topic.map(str::to_owned),
        after,
        q: Some(q.to_owned()),
    })
    .await
    .unwrap_or_else(|e| panic!("searching {q:?}: {e:?}"))
}

fn titles(p: &WallPage) -> Vec<String> {
    p.cards.iter().map(|c| c.title.clone()).collect()
}

async fn count(app: &TestApp, sql: &str) -> i64 {
    app.db
        .query_one_raw(Statement::from_string(
            app.db.get_database_backend(),
            sql.to_owned(),
        ))
        .await
        .unwrap()
        .unwrap()
        .try_get::<i64>("", "n")
        .unwrap()
}

async fn anonymous_html(app: &TestApp, path: &str) -> (StatusCode, String) {
    let res = app.new_client().get(app.url(path)).send().await.unwrap();
    let status = res.status();
    (status, without_markers(&res.text().await.unwrap()))
}

/// Letters delivered before the index existed are indexed at start-up; a search finds an
/// English word (or the start of one) and a Chinese two-character word inside a longer
/// sentence, in only the letters that hold it, and never a private, hidden or
/// undelivered letter, which the index does not even hold.
#[tokio::test]
async fn wall_search_finds_english_and_chinese_words_only_in_letters_on_the_wall() {
    let mut app = TestApp::spawn().await;
    verified_user(&app, "ann", "ann@example.com").await;
    let ann = app.user_id("ann").await;
    let now = Utc::now().timestamp_millis();
    let plum = |title: &'static str| Seed {
        title,
        body: "The **plum** tree by the gate blossomed again.",
        ..Seed::default()
    };
    seed(&app, ann, plum("Under the blossom")).await;
    seed(
        &app,
        ann,
        Seed {
            title: "Apple orchard",
            body: "We picked apples until dark.",
            delivered_ms: now - 1000,
            ..Seed::default()
        },
    )
    .await;
    seed(
        &app,
        ann,
        Seed {
            title: "春天的信",
            body: "今天我们在公园里看到了美丽的樱花，大家都很开心。",
            delivered_ms: now - 2000,
            ..Seed::default()
        },
    )
    .await;
    for s in [
        Seed {
            public: false,
            ..plum("Private plum")
        },
        Seed {
            hidden: true,
            ..plum("Hidden plum")
        },
        Seed {
            status: LetterStatus::Scheduled,
            ..plum("Scheduled plum")
        },
    ] {
        seed(&app, ann, s).await;
    }
    // The letters were written straight into the database, as if delivered before the
    // search index existed: the next start indexes the three on the wall, and only them.
    assert_eq!(
        count(&app, "SELECT COUNT(*) AS n FROM letter_search").await,
        0
    );
    app.restart().await;
    assert_eq!(
        count(&app, "SELECT COUNT(*) AS n FROM letter_search").await,
        3
    );

    assert_eq!(titles(&search(&app, "plum").await), ["Under the blossom"]);
    assert_eq!(
        titles(&search(&app, "PLUM Gate").await),
        ["Under the blossom"]
    );
    assert_eq!(
        titles(&search(&app, "blos").await),
        ["Under the blossom"],
        "a prefix"
    );
    assert!(search(&app, "blos ").await.cards.is_empty(), "a whole word");
    assert_eq!(titles(&search(&app, "apples").await), ["Apple orchard"]);
    assert!(
        search(&app, "plum apples").await.cards.is_empty(),
        "every word"
    );
    for q in ["樱花", "公园", "春天", "美丽的樱花", "樱"] {
        assert_eq!(titles(&search(&app, q).await), ["春天的信"], "{q}");
    }
    assert!(search(&app, "花公").await.cards.is_empty());
    for q in ["private", "hidden", "scheduled"] {
        assert!(search(&app, q).await.cards.is_empty(), "{q}");
    }
    let found = search(&app, "plum").await;
    assert_eq!(found.q.as_deref(), Some("plum"));

    // Nothing to look for: the whole wall, as without a search.
    for q in ["", "   ", "!!! …", "\"*\""] {
        let p = search(&app, q).await;
        assert_eq!(p.cards.len(), 3, "{q:?}");
        assert_eq!(p.q, None);
    }

    // The page: a labelled search landmark keeping what was asked, results, and a
    // message with a way back when nothing matches.
    let (status, html) = anonymous_html(&app, "/wall?q=%E6%A8%B1%E8%8A%B1").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("春天的信"), "{html}");
    assert!(!html.contains("Under the blossom"));
    assert!(html.contains("role=\"search\""), "{html}");
    assert!(html.contains("<label for=\"wall-q\""), "{html}");
    assert!(html.contains("value=\"樱花\""), "{html}");
    assert!(
        html.contains("name=\"robots\" content=\"noindex\""),
        "{html}"
    );
    let (status, html) = anonymous_html(&app, "/wall?q=zebra").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("No letters match “zebra”"), "{html}");
    assert!(html.contains("Clear search"), "{html}");
    // The wall itself is not a search page.
    let (_, html) = anonymous_html(&app, "/wall").await;
    assert!(html.contains("Under the blossom") && html.contains("春天的信"));
    assert!(!html.contains("noindex"));
}

/// A search pages newest first like the wall (no letter twice, none skipped), its "older"
/// link keeps the search, and a topic narrows it.
#[tokio::test]
async fn wall_search_pages_and_topics_keep_the_search() {
    let mut app = TestApp::spawn().await;
    verified_user(&app, "ann", "ann@example.com").await;
    let ann = app.user_id("ann").await;
    let base = Utc::now().timestamp_millis() - 1_000_000;
    let mut lanterns = HashSet::new();
    let mut hopeful = HashSet::new();
    for i in 0..30_i64 {
        let lantern = i % 6 != 0; // 25 of 30
        let (id, public_id) = seed(
            &app,
            ann,
            Seed {
                title: "Evening",
                body: if lantern {
                    "We lit a paper lantern by the river."
                } else {
                    "We sat by the river."
                },
                // Pairs share a delivery instant, so the tie-break matters.
                delivered_ms: base + (i / 2) * 1000,
                ..Seed::default()
            },
        )
        .await;
        if lantern {
            lanterns.insert(public_id.clone());
        }
        if i % 5 == 0 {
            letter_topic::Entity::insert(letter_topic::ActiveModel {
                letter_id: Set(id),
                topic: Set("hope".into()),
            })
            .exec_without_returning(&app.db)
            .await
            .unwrap();
            if lantern {
                hopeful.insert(public_id);
            }
        }
    }
    app.restart().await;

    let first = search(&app, "lantern").await;
    assert_eq!(first.cards.len(), app::wall::PAGE_SIZE);
    let next = first.next.clone().expect("a second page");
    let second = search_in(&app, None, "lantern", Some(next.clone())).await;
    assert_eq!(second.cards.len(), 25 - app::wall::PAGE_SIZE);
    assert_eq!(second.next, None);
    let seen: Vec<String> = first
        .cards
        .iter()
        .chain(&second.cards)
        .map(|c| c.public_id.clone())
        .collect();
    assert_eq!(seen.iter().cloned().collect::<HashSet<_>>(), lanterns);
    assert_eq!(seen.len(), lanterns.len(), "no letter twice");
    let (status, html) = anonymous_html(&app, "/wall?q=lantern").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains(&format!("href=\"/wall?q=lantern&amp;after={next}\"")),
        "the older-letters link keeps the search: {html}"
    );
    assert!(
        html.contains("href=\"/wall?topic=hope&amp;q=lantern\""),
        "{html}"
    );

    let narrowed = search_in(&app, Some("hope"), "lantern", None).await;
    assert_eq!(narrowed.topic.as_deref(), Some("hope"));
    assert_eq!(
        narrowed
            .cards
            .iter()
            .map(|c| c.public_id.clone())
            .collect::<HashSet<_>>(),
        hopeful
    );
    assert!(narrowed.cards.iter().all(|c| c.topics == ["hope"]));
    let (_, html) = anonymous_html(&app, "/wall?topic=hope&q=lantern").await;
    assert!(
        html.contains("<input type=\"hidden\" name=\"topic\" value=\"hope\""),
        "searching again keeps the topic: {html}"
    );
}

/// Whatever someone types is only words to look for: SQL, FTS5 and tsquery syntax give an
/// ordinary answer (here: nothing found, or the whole wall), never an error, and the
/// letters are all still there.
#[tokio::test]
async fn wall_search_answers_hostile_query_text_like_any_other() {
    let mut app = TestApp::spawn().await;
    verified_user(&app, "ann", "ann@example.com").await;
    let ann = app.user_id("ann").await;
    seed(&app, ann, Seed::default()).await;
    app.restart().await;
    let long = "plum ".repeat(2_000);
    let hostile = [
        "\" OR 1=1 -- *",
        "NEAR(",
        "NEAR(plum tree, 2)",
        "plum OR tree",
        "plum NOT tree",
        "-plum",
        "^plum",
        "plum*",
        "*",
        "\"",
        "'",
        "\\",
        "''",
        "doc:plum",
        "letter_search_fts:plum",
        "{doc}: plum",
        "plum:*",
        "plum & !tree | x",
        "'); DROP TABLE letter; --",
        "%",
        "_",
        "\u{0}",
        "🙂",
        long.as_str(),
    ];
    for q in hostile {
        let p = search(&app, q).await;
        assert!(p.cards.len() <= 1, "{q:?}");
        let path = format!("/wall?q={}", urlencoding(q));
        let (status, _) = anonymous_html(&app, &path).await;
        assert_eq!(status, StatusCode::OK, "{q:?}");
    }
    assert_eq!(
        search(&app, "plum*").await.cards.len(),
        1,
        "plum, as a prefix"
    );
    assert_eq!(search(&app, "\" OR 1=1 -- *").await.cards.len(), 0);
    assert_eq!(count(&app, "SELECT COUNT(*) AS n FROM letter").await, 1);
}

/// Whether searching `q` finds the kumquat letter (and only it).
async fn found(app: &TestApp, q: &str) -> bool {
    titles(&search(app, q).await) == ["Kumquat season"]
}

/// Percent-encodes every byte but ASCII letters and digits.
fn urlencoding(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// The index follows a letter through its life: delivered by the scheduler as a public
/// letter, it is found; taken down by its author, not; shared again, found; hidden by a
/// moderator, not; shown, found; deleted, gone from the index (on SQLite, from the FTS5
/// table too, through its trigger).
#[tokio::test]
async fn a_letter_is_found_while_on_the_wall_and_never_after_it_leaves() {
    let app = TestApp::spawn_with(TestOptions {
        config: json!({ "letters": { "min_lead_secs": 0, "poll_ms": 100, "workers": 2 } }),
        ..TestOptions::default()
    })
    .await;
    verified_user(&app, "ann", "ann@example.com").await;
    let mut save =
        crate::letters::letter("Kumquat season", Utc::now() + chrono::Duration::seconds(2));
    save.letter.body = "金桔熟了的时候，我想起了外婆。Marmalade on Sundays.".into();
    save.letter.public = true;
    let id: Uuid = app.call(save).await.unwrap().id;
    app.wait_until_delivered(id).await;
    // The scheduler indexes the letter just after marking it delivered.
    for _ in 0..50 {
        if found(&app, "金桔").await {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(found(&app, "金桔").await, "indexed on delivery");
    assert!(found(&app, "外婆").await);
    assert!(found(&app, "marmalade").await);

    let share = |public: bool| SetLetterPublic {
        id: id.to_string(),
        public,
    };
    app.call(share(false)).await.unwrap();
    assert!(!found(&app, "marmalade").await, "taken down by its author");
    assert_eq!(
        count(&app, "SELECT COUNT(*) AS n FROM letter_search").await,
        0
    );
    app.call(share(true)).await.unwrap();
    assert!(found(&app, "marmalade").await, "shared again");

    let out = ripen_admin(&app, "ann");
    assert!(out.status.success(), "{out:?}");
    let public_id = search(&app, "marmalade").await.cards[0].public_id.clone();
    let moderate = |hide: bool| Moderate {
        id: public_id.clone(),
        hide,
    };
    app.call(moderate(true)).await.unwrap();
    assert!(!found(&app, "金桔").await, "hidden by a moderator");
    assert_eq!(
        count(&app, "SELECT COUNT(*) AS n FROM letter_search").await,
        0
    );
    app.call(moderate(false)).await.unwrap();
    assert!(found(&app, "金桔").await, "shown again");

    app.call(DeleteLetter { id: id.to_string() }).await.unwrap();
    assert!(!found(&app, "金桔").await);
    assert_eq!(
        count(&app, "SELECT COUNT(*) AS n FROM letter_search").await,
        0
    );
    if app.backend == Backend::Sqlite {
        assert_eq!(
            count(
                &app,
                "SELECT COUNT(*) AS n FROM letter_search_fts WHERE letter_search_fts MATCH '\"金桔\"'"
            )
            .await,
            0,
            "the FTS5 table follows its rows"
        );
    }
}

/// The schema each engine searches with: an FTS5 table on SQLite, a GIN index on
/// PostgreSQL (used for a search, not a scan of every row).
#[tokio::test]
async fn wall_search_uses_each_engines_full_text_index() {
    let app = TestApp::spawn().await;
    match app.backend {
        Backend::Sqlite => {
            let n = count(
                &app,
                "SELECT COUNT(*) AS n FROM sqlite_master WHERE name = 'letter_search_fts' \
                 AND sql LIKE '%fts5%'",
            )
            .await;
            assert_eq!(n, 1, "the bundled SQLite has FTS5");
        }
        Backend::Postgres => {
            let n = count(
                &app,
                "SELECT COUNT(*) AS n FROM pg_indexes WHERE indexname = 'ix_letter_search_doc' \
                 AND indexdef LIKE '%gin%to_tsvector%'",
            )
            .await;
            assert_eq!(n, 1);
            // With scans priced out, a search goes through the index: the query's
            // expression is the index's.
            use sea_orm::TransactionTrait;
            let txn = app.db.begin().await.unwrap();
            txn.execute_unprepared("SET LOCAL enable_seqscan = off")
                .await
                .unwrap();
            let plan: Vec<String> = txn
                .query_all_raw(Statement::from_string(
                    app.db.get_database_backend(),
                    "EXPLAIN SELECT letter_id FROM letter_search \
                     WHERE to_tsvector('simple', doc) @@ to_tsquery('simple', '''plum'':*')"
                        .to_owned(),
                ))
                .await
                .unwrap()
                .iter()
                .map(|r| r.try_get::<String>("", "QUERY PLAN").unwrap())
                .collect();
            txn.rollback().await.unwrap();
            assert!(
                plan.iter().any(|l| l.contains("ix_letter_search_doc")),
                "{plan:#?}"
            );
        }
    }
}

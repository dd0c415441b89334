//! Issue 26's rough edges that the server decides (the consent that follows a visitor into
//! the account is in `privacy.rs`, beside the other consent tests).

use app::prefs::SetLanguage;

use crate::{
    accounts::verified_user,
    harness::{TestApp, without_markers},
};

#[tokio::test]
async fn the_timer_page_has_one_h1_in_both_languages() {
    let app = TestApp::spawn().await;
    verified_user(&app, "ada", "ada@example.com").await;
    for (lang, heading) in [("en", "Focus timer"), ("zh-Hans", "专注计时器")] {
        // The account's language decides its pages.
        app.call(SetLanguage { lang: lang.into() }).await.unwrap();
        let (_, _, html) = app.get_text("/timer").await;
        let html = without_markers(&html);
        assert_eq!(html.matches("<h1").count(), 1, "{lang}: one h1");
        assert!(
            html.contains(&format!("<h1 class=\"visually-hidden\">{heading}</h1>")),
            "{lang}: the heading is {heading}"
        );
        // The page itself is the timer, not the visitor's sign-in prompt.
        assert!(html.contains("data-testid=\"timer-time\""), "{lang}");
    }
}

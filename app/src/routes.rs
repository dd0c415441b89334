//! Every route of the app, in one table.
//!
//! Every page but "not found" is a lazy route. Built with `cargo leptos build --split` (every
//! build: `scripts/run`, `scripts/test`), each page's code is a WebAssembly chunk of its own
//! that the browser loads with the route, so a first visit downloads the shell and that page
//! rather than the whole app; code several pages use goes into chunks they share. The server
//! names the chunks the page it renders needs in `<link rel="preload">` tags, so they load
//! beside the main module, not after it. Every build splits: the loader's imports are resolved
//! only by the split tool, so a build without `--split` is neither used nor tested. See
//! docs/operations.md, "The browser bundle".

use leptos::prelude::*;
use leptos_router::{
    Lazy, SsrMode,
    components::{Route, Routes},
    path,
};

use crate::pages::not_found::NotFound;
use lazy::*;

#[component]
pub fn AppRoutes() -> impl IntoView {
    view! {
        <Routes fallback=NotFound>
            <Route path=path!("/") view={Lazy::<LandingRoute>::new()} />
            <Route path=path!("/timer") view={Lazy::<TimerRoute>::new()} />
            <Route path=path!("/diary") view={Lazy::<DiaryRoute>::new()} />
            <Route path=path!("/diary/stats") view={Lazy::<StatsRoute>::new()} />
            <Route path=path!("/diary/history") view={Lazy::<HistoryRoute>::new()} />
            <Route path=path!("/diary/year") view={Lazy::<YearRoute>::new()} />
            <Route path=path!("/diary/year/:year") view={Lazy::<YearRoute>::new()} />
            <Route path=path!("/y/:token") view={Lazy::<SharedYearRoute>::new()} ssr=SsrMode::Async />
            <Route path=path!("/letters") view={Lazy::<LettersRoute>::new()} />
            <Route path=path!("/letters/:id") view={Lazy::<LetterRoute>::new()} />
            <Route path=path!("/l/:token") view={Lazy::<ReadLetterRoute>::new()} />
            <Route path=path!("/wall") view={Lazy::<WallIndexRoute>::new()} ssr=SsrMode::Async />
            <Route path=path!("/wall/:id") view={Lazy::<WallLetterRoute>::new()} ssr=SsrMode::Async />
            <Route path=path!("/admin/moderation") view={Lazy::<ModerationRoute>::new()} />
            <Route path=path!("/admin/audit") view={Lazy::<AuditRoute>::new()} ssr=SsrMode::Async />
            <Route path=path!("/admin/accounts") view={Lazy::<AccountsRoute>::new()} ssr=SsrMode::Async />
            <Route path=path!("/admin/announcements") view={Lazy::<AnnouncementsRoute>::new()} ssr=SsrMode::Async />
            <Route path=path!("/admin/payments") view={Lazy::<PaymentsRoute>::new()} ssr=SsrMode::Async />
            <Route path=path!("/plus") view={Lazy::<PlusRoute>::new()} />
            <Route path=path!("/plus/orders/:id") view={Lazy::<OrderRoute>::new()} />
            <Route path=path!("/plus/sandbox/:id") view={Lazy::<SandboxRoute>::new()} />
            <Route path=path!("/account") view={Lazy::<AccountRoute>::new()} />
            <Route path=path!("/account/not-me") view={Lazy::<ReportEmailChangeRoute>::new()} />
            <Route path=path!("/login/code") view={Lazy::<LoginCodeRoute>::new()} />
            <Route path=path!("/signup") view={Lazy::<SignupRoute>::new()} />
            <Route path=path!("/signup/provider") view={Lazy::<FinishSignUpRoute>::new()} />
            <Route path=path!("/login") view={Lazy::<LoginRoute>::new()} />
            <Route path=path!("/check-email") view={Lazy::<CheckEmailRoute>::new()} />
            <Route path=path!("/forgot-password") view={Lazy::<ForgotPasswordRoute>::new()} />
            <Route path=path!("/reset-password") view={Lazy::<ResetPasswordRoute>::new()} />
            <Route path=path!("/verify-email") view={Lazy::<VerifyEmailRoute>::new()} />
            <Route path=path!("/privacy") view={Lazy::<PrivacyRoute>::new()} />
            <Route path=path!("/terms") view={Lazy::<TermsRoute>::new()} />
            <Route path=path!("/status") view={Lazy::<StatusRoute>::new()} />
        </Routes>
    }
}

/// The split points. `#[lazy_route]` makes each `view` a function the split build moves
/// into a chunk of its own, and generates the loader's glue (`wasm_split`), which is the
/// only `unsafe` code the app allows. `data` is empty: each page starts its own resources,
/// and on a first visit the server has already sent their values.
#[allow(unsafe_code)]
mod lazy {
    use leptos::prelude::*;
    use leptos_router::{LazyRoute, lazy_route};

    use crate::pages::{
        account::AccountPage,
        announcements::AnnouncementsPage,
        auth::{
            CheckEmail, ForgotPassword, LoginCodePage, LoginPage, ReportEmailChangePage,
            ResetPasswordPage, Signup, VerifyEmailPage,
        },
        diary::{DiaryPage, HistoryPage, SharedYearPage, StatsPage, YearPage},
        landing::Landing,
        letters::{LetterPage, LettersPage, ReadLetterPage},
        plus::{OrderPage, PaymentsPage, PlusPage, SandboxPage},
        policy::{PrivacyPage, TermsPage},
        sign_in::FinishSignUpPage,
        staff::{AccountsPage, AuditPage},
        status::Status,
        timer::TimerPage,
        wall::{ModerationPage, WallIndexPage, WallLetterPage},
    };

    /// A unit struct and its `LazyRoute` for each page.
    macro_rules! lazy_pages {
        ($($route:ident => $page:ident,)*) => {
            $(
                #[doc = concat!("`", stringify!($page), "`, loaded with its route.")]
                pub struct $route;

                #[lazy_route]
                impl LazyRoute for $route {
                    fn data() -> Self {
                        $route
                    }

                    fn view(_this: Self) -> AnyView {
                        view! { <$page /> }.into_any()
                    }
                }
            )*
        };
    }

    lazy_pages! {
        LandingRoute => Landing,
        TimerRoute => TimerPage,
        DiaryRoute => DiaryPage,
        StatsRoute => StatsPage,
        HistoryRoute => HistoryPage,
        YearRoute => YearPage,
        SharedYearRoute => SharedYearPage,
        LettersRoute => LettersPage,
        LetterRoute => LetterPage,
        ReadLetterRoute => ReadLetterPage,
        WallIndexRoute => WallIndexPage,
        WallLetterRoute => WallLetterPage,
        ModerationRoute => ModerationPage,
        AuditRoute => AuditPage,
        AccountsRoute => AccountsPage,
        AnnouncementsRoute => AnnouncementsPage,
        PaymentsRoute => PaymentsPage,
        PlusRoute => PlusPage,
        OrderRoute => OrderPage,
        SandboxRoute => SandboxPage,
        AccountRoute => AccountPage,
        ReportEmailChangeRoute => ReportEmailChangePage,
        LoginCodeRoute => LoginCodePage,
        SignupRoute => Signup,
        FinishSignUpRoute => FinishSignUpPage,
        LoginRoute => LoginPage,
        CheckEmailRoute => CheckEmail,
        ForgotPasswordRoute => ForgotPassword,
        ResetPasswordRoute => ResetPasswordPage,
        VerifyEmailRoute => VerifyEmailPage,
        PrivacyRoute => PrivacyPage,
        TermsRoute => TermsPage,
        StatusRoute => Status,
    }
}

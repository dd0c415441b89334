//! Every route of the app, in one table.

use leptos::prelude::*;
use leptos_router::{
    SsrMode,
    components::{Route, Routes},
    path,
};

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
    not_found::NotFound,
    policy::{PrivacyPage, TermsPage},
    staff::{AccountsPage, AuditPage},
    status::Status,
    timer::TimerPage,
    wall::{ModerationPage, WallIndexPage, WallLetterPage},
};

#[component]
pub fn AppRoutes() -> impl IntoView {
    view! {
        <Routes fallback=NotFound>
            <Route path=path!("/") view=Landing />
            <Route path=path!("/timer") view=TimerPage />
            <Route path=path!("/diary") view=DiaryPage />
            <Route path=path!("/diary/stats") view=StatsPage />
            <Route path=path!("/diary/history") view=HistoryPage />
            <Route path=path!("/diary/year") view=YearPage />
            <Route path=path!("/diary/year/:year") view=YearPage />
            <Route path=path!("/y/:token") view=SharedYearPage ssr=SsrMode::Async />
            <Route path=path!("/letters") view=LettersPage />
            <Route path=path!("/letters/:id") view=LetterPage />
            <Route path=path!("/l/:token") view=ReadLetterPage />
            <Route path=path!("/wall") view=WallIndexPage ssr=SsrMode::Async />
            <Route path=path!("/wall/:id") view=WallLetterPage ssr=SsrMode::Async />
            <Route path=path!("/admin/moderation") view=ModerationPage />
            <Route path=path!("/admin/audit") view=AuditPage ssr=SsrMode::Async />
            <Route path=path!("/admin/accounts") view=AccountsPage ssr=SsrMode::Async />
            <Route path=path!("/admin/announcements") view=AnnouncementsPage ssr=SsrMode::Async />
            <Route path=path!("/admin/payments") view=crate::pages::plus::PaymentsPage ssr=SsrMode::Async />
            <Route path=path!("/plus") view=crate::pages::plus::PlusPage />
            <Route path=path!("/plus/orders/:id") view=crate::pages::plus::OrderPage />
            <Route path=path!("/plus/sandbox/:id") view=crate::pages::plus::SandboxPage />
            <Route path=path!("/account") view=AccountPage />
            <Route path=path!("/account/not-me") view=ReportEmailChangePage />
            <Route path=path!("/login/code") view=LoginCodePage />
            <Route path=path!("/signup") view=Signup />
            <Route path=path!("/signup/provider") view=crate::pages::sign_in::FinishSignUpPage />
            <Route path=path!("/login") view=LoginPage />
            <Route path=path!("/check-email") view=CheckEmail />
            <Route path=path!("/forgot-password") view=ForgotPassword />
            <Route path=path!("/reset-password") view=ResetPasswordPage />
            <Route path=path!("/verify-email") view=VerifyEmailPage />
            <Route path=path!("/privacy") view=PrivacyPage />
            <Route path=path!("/terms") view=TermsPage />
            <Route path=path!("/status") view=Status />
        </Routes>
    }
}

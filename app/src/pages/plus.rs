//! Ripen Plus: `/plus` (the plans, where the account stands, buying, and the orders),
//! `/plus/orders/{id}` (one order: paying it, or its receipt) and `/plus/sandbox/{id}`
//! (the sandbox provider's checkout, where it runs).

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{components::A, hooks::use_params_map};

use crate::{
    AppError,
    billing::{
        AccountPlan, AskRefund, Checkout, Limits, OrderForStaff, OrderStatus, OrderSummary,
        OrderView, PlanState, PlansView, Product, Provider, RefundStatus, SandboxFinish,
        StaffRefund, money, my_plan, order, plans, sandbox_order, staff_order,
    },
    components::form::{FormAlert, Submit, field_error, form_error},
    i18n::{billing::Billing, fill},
};

fn provider_label(t: &Billing, p: Provider) -> &'static str {
    match p {
        Provider::Sandbox => t.sandbox,
        Provider::Alipay => t.alipay,
        Provider::Wechat => t.wechat,
    }
}

fn product_label(t: &Billing, p: Product) -> &'static str {
    match p {
        Product::PlusMonth => t.month,
        Product::PlusYear => t.year,
    }
}

fn status_label(t: &Billing, s: OrderStatus) -> &'static str {
    match s {
        OrderStatus::Created => t.st_created,
        OrderStatus::Pending => t.st_pending,
        OrderStatus::Paid => t.st_paid,
        OrderStatus::Closed => t.st_closed,
        OrderStatus::Refunding => t.st_refunding,
        OrderStatus::Refunded => t.st_refunded,
        OrderStatus::PartiallyRefunded => t.st_partially_refunded,
    }
}

fn refund_label(t: &Billing, s: RefundStatus) -> &'static str {
    match s {
        RefundStatus::Pending => t.rf_pending,
        RefundStatus::Succeeded => t.rf_succeeded,
        RefundStatus::Failed => t.rf_failed,
    }
}

fn failure(e: AppError) -> AnyView {
    view! { <div class="alert alert-error" role="alert">{e.to_string()}</div> }.into_any()
}

/// `/plus`.
#[component]
pub fn PlusPage() -> impl IntoView {
    let t = &crate::i18n::t().billing;
    let auth = crate::account::state::use_auth();
    let data = Resource::new(
        || (),
        move |_| async move {
            let plans = plans().await?;
            // A visitor sees the plans only: no call that is bound to fail.
            let mine = match auth.require().await {
                Ok(_) => Some((my_plan().await?, crate::letters::letters_waiting().await?)),
                Err(AppError::Unauthorized) => None,
                Err(e) => return Err(e),
            };
            Ok::<_, AppError>((plans, mine))
        },
    );
    view! {
        <Title text=t.title />
        <section class="container plus-page">
            <header class="page-head"><h1>{t.title}</h1><p class="muted">{t.lede}</p></header>
            <Transition>
                {move || Suspend::new(async move {
                    match data.await {
                        Ok((plans, mine)) => view! {
                            <Compare plans=plans.clone() />
                            {match mine {
                                Some((mine, waiting)) => view! {
                                    <Standing mine=mine.clone() waiting />
                                    <Buy plans=plans.clone() state=mine.state />
                                    <Orders orders=mine.orders />
                                }.into_any(),
                                None => view! {
                                    <p class="button-row">
                                        <A href="/signup" attr:class="button button-primary">{t.sign_up_for_plus}</A>
                                    </p>
                                }.into_any(),
                            }}
                        }.into_any(),
                        Err(e) => failure(e),
                    }
                })}
            </Transition>
        </section>
    }
}

/// What a plan allows, as a list.
fn allowances(t: &'static Billing, l: Limits) -> impl IntoView {
    view! {
        <ul class="plan-list">
            <li>{t.letters_waiting.count(l.letters_waiting)}</li>
            <li>{t.pictures_per_letter.count(l.pictures_per_letter)}</li>
            <li>{t.years_ahead.count(l.years_ahead)}</li>
            <li>{t.recipients_per_letter.count(l.recipients_per_letter)}</li>
            {l.sms.then(|| view! { <li>{t.sms}</li> })}
        </ul>
    }
}

/// The two plans side by side.
#[component]
fn Compare(plans: PlansView) -> impl IntoView {
    let t = &crate::i18n::t().billing;
    view! {
        <div class="plan-grid">
            <section class="card plan" aria-labelledby="plan-free-h">
                <h2 id="plan-free-h">{t.free}</h2>
                <p class="plan-price">{money(0, "CNY")}</p>
                {allowances(t, plans.free)}
            </section>
            <section class="card plan plan-plus" aria-labelledby="plan-plus-h">
                <h2 id="plan-plus-h">{t.plus}</h2>
                <p class="plan-price">
                    {fill(t.per_month, &[("price", &money(plans.prices.month_fen, "CNY"))])}
                    <br />
                    <span class="muted">{fill(t.per_year, &[("price", &money(plans.prices.year_fen, "CNY"))])}</span>
                </p>
                {allowances(t, plans.plus)}
            </section>
        </div>
        <p class="muted plan-always">{t.never_limited}</p>
    }
}

/// Where the account stands.
#[component]
fn Standing(mine: AccountPlan, waiting: u64) -> impl IntoView {
    let t = &crate::i18n::t().billing;
    let text = match mine.state {
        PlanState::Free => t.on_free.to_owned(),
        PlanState::Active => fill(
            t.on_plus_until,
            &[("date", &mine.plus_until.unwrap_or_default())],
        ),
        PlanState::Grace => fill(
            t.in_grace,
            &[("date", &mine.grace_until.unwrap_or_default())],
        ),
    };
    view! {
        <section class="card" aria-labelledby="plus-standing-h" data-plan=move || format!("{:?}", mine.state).to_lowercase()>
            <h2 id="plus-standing-h">{t.your_plan}</h2>
            <p class="plan-standing">{text}</p>
            <p class="muted">{fill(t.waiting_now, &[("n", &waiting), ("max", &mine.limits.letters_waiting)])}</p>
        </section>
    }
}

/// Buying (or adding to) Plus.
#[component]
fn Buy(plans: PlansView, state: PlanState) -> impl IntoView {
    let t = &crate::i18n::t().billing;
    let checkout = ServerAction::<Checkout>::new();
    let v = checkout.value();
    if plans.providers.is_empty() {
        return view! { <section class="card"><p class="muted">{t.no_provider}</p></section> }
            .into_any();
    }
    let only_sandbox = plans.providers == [Provider::Sandbox];
    let prices = plans.prices;
    view! {
        <section class="card" aria-labelledby="plus-buy-h">
            <h2 id="plus-buy-h">{if state.is_plus() { t.renew } else { t.buy }}</h2>
            <ActionForm action=checkout attr:class="form plus-checkout" attr:novalidate="">
                <FormAlert error=form_error(v, &["product", "provider"]) />
                <fieldset class="choice-group">
                    <legend>{t.product}</legend>
                    {Product::ALL.into_iter().enumerate().map(|(i, p)| {
                        let id = format!("plus-product-{}", p.as_str());
                        view! {
                            <label class="choice">
                                <input type="radio" id=id name="product" value=p.as_str() checked=i == 0 />
                                <span>{product_label(t, p)}</span>
                                <span class="muted">{money(prices.of(p), "CNY")}</span>
                            </label>
                        }
                    }).collect_view()}
                    <p class="field-error">{move || field_error(v, "product").get()}</p>
                </fieldset>
                <fieldset class="choice-group">
                    <legend>{t.pay_with}</legend>
                    {plans.providers.iter().enumerate().map(|(i, p)| {
                        let id = format!("plus-provider-{}", p.as_str());
                        view! {
                            <label class="choice">
                                <input type="radio" id=id name="provider" value=p.as_str() checked=i == 0 />
                                <span>{provider_label(t, *p)}</span>
                            </label>
                        }
                    }).collect_view()}
                    <p class="field-error">{move || field_error(v, "provider").get()}</p>
                </fieldset>
                {only_sandbox.then(|| view! { <p class="muted">{t.sandbox_note}</p> })}
                <Submit label=t.continue_to_pay busy_label=t.continuing pending=checkout.pending()
                    class="button button-primary" />
            </ActionForm>
        </section>
    }
    .into_any()
}

/// The account's orders, newest first.
#[component]
fn Orders(orders: Vec<OrderSummary>) -> impl IntoView {
    let t = &crate::i18n::t().billing;
    view! {
        <section class="card" aria-labelledby="plus-orders-h">
            <h2 id="plus-orders-h">{t.orders}</h2>
            {if orders.is_empty() {
                view! { <p class="muted">{t.no_orders}</p> }.into_any()
            } else {
                view! {
                    <div class="table-wrap">
                        <table class="data-table orders">
                            <thead><tr>
                                <th scope="col">{t.date}</th>
                                <th scope="col">{t.product}</th>
                                <th scope="col">{t.amount}</th>
                                <th scope="col">{t.status}</th>
                            </tr></thead>
                            <tbody>
                                {orders.into_iter().map(|o| view! {
                                    <tr data-order=o.order_no.clone()>
                                        <td><A href=format!("/plus/orders/{}", o.id)>{o.created.clone()}</A></td>
                                        <td>{product_label(t, o.product)}</td>
                                        <td>{money(o.amount_fen, &o.currency)}</td>
                                        <td>{status_label(t, o.status)}</td>
                                    </tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                    </div>
                }.into_any()
            }}
        </section>
    }
}

/// `/plus/orders/{id}`: paying an order, or its receipt.
#[component]
pub fn OrderPage() -> impl IntoView {
    let t = &crate::i18n::t().billing;
    let params = use_params_map();
    let id = move || params.with(|p| p.get("id").unwrap_or_default());
    let auth = crate::account::state::use_auth();
    let refund = ServerAction::<AskRefund>::new();
    let data = Resource::new(
        move || (id(), refund.version().get()),
        move |(id, _)| async move {
            auth.require().await?;
            order(id).await
        },
    );
    // While the order waits for its provider, ask again every few seconds: the page
    // changes by itself when the payment arrives.
    #[cfg(feature = "hydrate")]
    {
        let waiting = move || {
            data.get_untracked()
                .and_then(Result::ok)
                .is_some_and(|v| v.order.status == OrderStatus::Pending)
        };
        let handle = set_interval_with_handle(
            move || {
                if waiting() {
                    data.refetch();
                }
            },
            std::time::Duration::from_secs(4),
        )
        .ok();
        on_cleanup(move || {
            if let Some(h) = handle {
                h.clear();
            }
        });
    }
    view! {
        <Title text=t.order />
        <section class="container plus-page">
            <p class="back"><A href="/plus" attr:class="link">{t.back_to_plan}</A></p>
            <Transition>
                {move || Suspend::new(async move {
                    match data.await {
                        Ok(view) => view! { <Order view refund /> }.into_any(),
                        Err(e) => failure(e),
                    }
                })}
            </Transition>
        </section>
    }
}

#[component]
fn Order(view: OrderView, refund: ServerAction<AskRefund>) -> impl IntoView {
    let t = &crate::i18n::t().billing;
    let o = view.order;
    let paid = matches!(
        o.status,
        OrderStatus::Paid
            | OrderStatus::Refunding
            | OrderStatus::Refunded
            | OrderStatus::PartiallyRefunded
    );
    let amount = money(o.amount_fen, &o.currency);
    view! {
        <article class="card order" data-status=o.status.as_str()>
            <h1>{if paid { t.receipt } else { t.order }}</h1>
            <dl class="facts">
                <dt>{t.order_no}</dt><dd><code>{o.order_no.clone()}</code></dd>
                <dt>{t.date}</dt><dd>{o.created.clone()}</dd>
                <dt>{t.product}</dt><dd>{format!("{} · {}", t.plus, product_label(t, o.product))}</dd>
                <dt>{t.amount}</dt><dd>{amount.clone()}</dd>
                <dt>{t.provider}</dt><dd>{provider_label(t, o.provider)}</dd>
                <dt>{t.status}</dt><dd class="order-status">{status_label(t, o.status)}</dd>
                {o.paid.clone().map(|d| view! { <dt>{t.paid_on}</dt><dd>{d}</dd> })}
                {o.period.clone().map(|p| view! { <dt>{t.period}</dt><dd>{p}</dd> })}
                {(o.refunded_fen > 0).then(|| view! { <dt>{t.refunded}</dt><dd>{money(o.refunded_fen, &o.currency)}</dd> })}
            </dl>
            {view.qr_svg.clone().map(|svg| view! {
                <div class="qr" role="img" aria-label=t.scan_label inner_html=svg></div>
                <p class="muted">{t.scan_hint}</p>
            })}
            {view.pay_link.filter(|_| view.qr_svg.is_none()).map(|link| view! {
                <p class="button-row">
                    <a href=link rel="external" class="button button-primary">
                        {fill(t.pay_now, &[("amount", &amount), ("provider", &provider_label(t, o.provider))])}
                    </a>
                </p>
                <p class="muted">{t.pay_hint}</p>
            })}
            {(o.status == OrderStatus::Refunding).then(|| view! { <p class="notice" role="status">{t.refund_asked}</p> })}
            {(view.refundable_fen > 0).then(|| {
                let offer = fill(t.refund_offer, &[
                    ("days", &view.refund_days),
                    ("amount", &money(view.refundable_fen, &o.currency)),
                ]);
                view! {
                    <section class="refund-offer" aria-labelledby="refund-h">
                        <h2 id="refund-h">{t.ask_refund}</h2>
                        <p>{offer}</p>
                        <ActionForm action=refund>
                            <input type="hidden" name="id" value=o.id.clone() />
                            <FormAlert error=form_error(refund.value(), &[]) />
                            <Submit label=t.ask_refund busy_label=t.asking_refund pending=refund.pending()
                                class="button button-quiet" />
                        </ActionForm>
                    </section>
                }
            })}
            {(!view.refunds.is_empty()).then(|| view! {
                <h2>{t.refunds}</h2>
                <ul class="plain-list">
                    {view.refunds.into_iter().map(|r| view! {
                        <li>{format!("{} · {} · {}", r.created, money(r.amount_fen, &o.currency), refund_label(t, r.status))}</li>
                    }).collect_view()}
                </ul>
            })}
        </article>
    }
}

/// `/plus/sandbox/{id}`: the sandbox provider's checkout.
#[component]
pub fn SandboxPage() -> impl IntoView {
    let t = &crate::i18n::t().billing;
    let params = use_params_map();
    let id = move || params.with(|p| p.get("id").unwrap_or_default());
    let auth = crate::account::state::use_auth();
    let data = Resource::new(id, move |id| async move {
        auth.require().await?;
        sandbox_order(id).await
    });
    view! {
        <Title text=t.sandbox_title />
        <section class="container plus-page">
            <Transition>
                {move || Suspend::new(async move {
                    match data.await {
                        Ok(o) => view! { <SandboxCheckout o /> }.into_any(),
                        Err(e) => failure(e),
                    }
                })}
            </Transition>
        </section>
    }
}

#[component]
fn SandboxCheckout(o: OrderSummary) -> impl IntoView {
    let t = &crate::i18n::t().billing;
    let pay = ServerAction::<SandboxFinish>::new();
    let fail = ServerAction::<SandboxFinish>::new();
    let open = o.status.is_open();
    let (id_pay, id_fail, id_done) = (o.id.clone(), o.id.clone(), o.id.clone());
    view! {
        <article class="card sandbox-checkout">
            <h1>{t.sandbox_title}</h1>
            <p class="muted">{t.sandbox_lede}</p>
            <p class="plan-price">{money(o.amount_fen, &o.currency)}</p>
            <p><code>{o.order_no.clone()}</code></p>
            {if open {
                view! {
                    <FormAlert error=form_error(pay.value(), &[]) />
                    <div class="button-row">
                        <ActionForm action=pay>
                            <input type="hidden" name="id" value=id_pay />
                            <input type="hidden" name="pay" value="true" />
                            <Submit label=t.sandbox_pay busy_label=t.working pending=pay.pending() class="button button-primary" />
                        </ActionForm>
                        <ActionForm action=fail>
                            <input type="hidden" name="id" value=id_fail />
                            <input type="hidden" name="pay" value="false" />
                            <Submit label=t.sandbox_fail busy_label=t.working pending=fail.pending() class="button button-quiet" />
                        </ActionForm>
                    </div>
                }.into_any()
            } else {
                view! {
                    <p>{t.sandbox_done}</p>
                    <p><A href=format!("/plus/orders/{id_done}") attr:class="link">{t.order}</A></p>
                }.into_any()
            }}
        </article>
    }
}

/// `/admin/payments` (administrators): an order by its number, and giving money back.
#[component]
pub fn PaymentsPage() -> impl IntoView {
    let t = &crate::i18n::t().billing;
    let query = leptos_router::hooks::use_query_map();
    let number = move || query.with(|q| q.get("order").unwrap_or_default());
    let refund = ServerAction::<StaffRefund>::new();
    let auth = crate::account::state::use_auth();
    let found = Resource::new(
        move || (number(), refund.version().get()),
        move |(no, _)| async move {
            auth.require().await?;
            if no.trim().is_empty() {
                // The check a staff page makes, with nothing to look up yet.
                let roles = crate::staff::my_roles().await?;
                if roles.contains(&crate::staff::StaffRole::Administrator) {
                    Ok(None)
                } else {
                    Err(AppError::Forbidden)
                }
            } else {
                staff_order(no).await.map(Some)
            }
        },
    );
    view! {
        <Title text=t.admin_title />
        <section class="container staff-page plus-page">
            <header class="page-head"><h1>{t.admin_title}</h1><p class="muted">{t.admin_lede}</p></header>
            <form method="get" action="/admin/payments" class="card staff-search">
                <label for="field-order">{t.order_no}</label>
                <input id="field-order" name="order" type="search" autocomplete="off" prop:value=number />
                <button type="submit" class="button button-primary">{t.find}</button>
            </form>
            <Transition>
                {move || Suspend::new(async move {
                    match found.await {
                        Ok(Some(o)) => view! { <StaffOrderCard o refund /> }.into_any(),
                        Ok(None) => ().into_any(),
                        Err(e) => crate::pages::staff::refusal(e),
                    }
                })}
            </Transition>
        </section>
    }
}

#[component]
fn StaffOrderCard(o: OrderForStaff, refund: ServerAction<StaffRefund>) -> impl IntoView {
    let t = &crate::i18n::t().billing;
    let s = o.order;
    let v = refund.value();
    view! {
        <article class="card order" data-status=s.status.as_str()>
            <h2>{t.order}" "<code>{s.order_no.clone()}</code></h2>
            <dl class="facts">
                <dt>{t.date}</dt><dd>{s.created.clone()}</dd>
                <dt>{t.product}</dt><dd>{product_label(t, s.product)}</dd>
                <dt>{t.amount}</dt><dd>{money(s.amount_fen, &s.currency)}</dd>
                <dt>{t.provider}</dt><dd>{provider_label(t, s.provider)}</dd>
                {o.provider_trade_no.clone().map(|n| view! { <dt>{t.provider_no}</dt><dd><code>{n}</code></dd> })}
                <dt>{t.status}</dt><dd class="order-status">{status_label(t, s.status)}</dd>
                {s.period.clone().map(|p| view! { <dt>{t.period}</dt><dd>{p}</dd> })}
                <dt>{t.refunded}</dt><dd>{money(s.refunded_fen, &s.currency)}</dd>
                <dt>{t.refundable}</dt><dd>{money(o.refundable_fen, &s.currency)}</dd>
            </dl>
            {(!o.has_account).then(|| view! { <p class="muted">{t.account_gone}</p> })}
            {(o.refundable_fen > 0).then(|| view! {
                <ActionForm action=refund attr:class="form" attr:novalidate="">
                    <input type="hidden" name="order_no" value=s.order_no.clone() />
                    <FormAlert error=form_error(v, &["amount"]) />
                    <crate::components::form::Field label=t.refund_amount name="amount"
                        hint=t.refund_amount_hint error=field_error(v, "amount") />
                    <p class="success" role="status" hidden=move || !crate::components::form::succeeded(v).get()>{t.refund_done}</p>
                    <Submit label=t.refund busy_label=t.working pending=refund.pending()
                        class="button button-primary" />
                </ActionForm>
            })}
            {(!o.refunds.is_empty()).then(|| view! {
                <h3>{t.refunds}</h3>
                <ul class="plain-list">
                    {o.refunds.into_iter().map(|r| view! {
                        <li>{format!("{} · {} · {} · {}", r.created, r.refund_no, money(r.amount_fen, &s.currency), refund_label(t, r.status))}</li>
                    }).collect_view()}
                </ul>
            })}
        </article>
    }
}

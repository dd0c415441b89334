//! Decides each request's client address once, for rate limits: the TCP peer, or — only
//! when `trust_proxy` is set because Ripen sits behind a reverse proxy — the left-most
//! `X-Forwarded-For` entry. Without `trust_proxy` the header is ignored, so a client cannot
//! dodge a limit by inventing addresses.

use std::net::{IpAddr, SocketAddr};

use app::request::ClientIp;
use axum::{
    extract::{ConnectInfo, Request, State},
    middleware::Next,
    response::Response,
};

#[derive(Clone, Copy)]
pub struct TrustProxy(pub bool);

pub async fn resolve(State(trust): State<TrustProxy>, mut req: Request, next: Next) -> Response {
    let ip = client_ip(&req, trust.0);
    if let Some(ip) = ip {
        req.extensions_mut().insert(ClientIp(ip));
    }
    next.run(req).await
}

fn client_ip(req: &Request, trust_proxy: bool) -> Option<IpAddr> {
    if trust_proxy {
        let forwarded = req
            .headers()
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(',').next())
            .and_then(|first| first.trim().parse::<IpAddr>().ok());
        if forwarded.is_some() {
            return forwarded;
        }
    }
    req.extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(addr)| addr.ip())
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Body;

    fn request(xff: Option<&str>) -> Request {
        let mut req = Request::builder().uri("/");
        if let Some(v) = xff {
            req = req.header("x-forwarded-for", v);
        }
        let mut req = req.body(Body::empty()).unwrap();
        req.extensions_mut()
            .insert(ConnectInfo(SocketAddr::from(([10, 0, 0, 7], 5555))));
        req
    }

    #[test]
    fn forwarded_for_is_ignored_unless_the_proxy_is_trusted() {
        let peer: IpAddr = [10, 0, 0, 7].into();
        assert_eq!(client_ip(&request(Some("203.0.113.9")), false), Some(peer));
        assert_eq!(
            client_ip(&request(Some("203.0.113.9, 10.0.0.1")), true),
            Some([203, 0, 113, 9].into())
        );
        assert_eq!(client_ip(&request(Some("garbage")), true), Some(peer));
        assert_eq!(client_ip(&request(None), true), Some(peer));
    }
}

//! Decides each request's client address once, for rate limits and the devices list: the
//! TCP peer, or — only when `trust_proxy` names how many reverse proxies stand in front of
//! Ripen — the address the outermost of them saw, read from `X-Forwarded-For`.
//!
//! Each proxy appends the address it received the request from, so the header's entries
//! are, from the right: what the last proxy saw, what the one before it saw, and so on;
//! whatever a client put there itself sits to the left of them. With `n` trusted hops the
//! client is therefore the `n`-th entry from the right, and nothing to its left is read.
//! (Taking the left-most entry, as Ripen once did, let a client choose its own address and
//! dodge every per-client limit.) Without `trust_proxy` the header is ignored.

use std::net::{IpAddr, SocketAddr};

use app::request::ClientIp;
use axum::{
    extract::{ConnectInfo, Request, State},
    middleware::Next,
    response::Response,
};
use serde::{Deserialize, Deserializer};

/// How many reverse proxies in front of Ripen append to `X-Forwarded-For` (`trust_proxy`):
/// `false` or 0 for none (the header is ignored), `true` for one, or a number.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TrustProxy(pub u8);

impl<'de> Deserialize<'de> for TrustProxy {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Hops {
            Flag(bool),
            Count(u8),
        }
        Ok(
            match Hops::deserialize(d).map_err(|_| {
                serde::de::Error::custom("expected false, true or a number of proxy hops (0–255)")
            })? {
                Hops::Flag(on) => Self(u8::from(on)),
                Hops::Count(n) => Self(n),
            },
        )
    }
}

pub async fn resolve(State(trust): State<TrustProxy>, mut req: Request, next: Next) -> Response {
    let ip = client_ip(&req, trust);
    if let Some(ip) = ip {
        req.extensions_mut().insert(ClientIp(ip));
    }
    next.run(req).await
}

fn client_ip(req: &Request, trust: TrustProxy) -> Option<IpAddr> {
    let peer = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(addr)| addr.ip());
    if trust.0 == 0 {
        return peer;
    }
    forwarded_client(req.headers(), trust.0).or(peer)
}

/// The entry `hops` from the right of all `X-Forwarded-For` lines taken together (or the
/// left-most, when there are fewer: every entry was then written by a trusted proxy).
/// `None` if there is no header or that entry is not an address.
fn forwarded_client(headers: &http::HeaderMap, hops: u8) -> Option<IpAddr> {
    let entries: Vec<&str> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .collect();
    let at = entries.len().saturating_sub(usize::from(hops));
    parse_entry(entries.get(at)?)
}

/// An address, with or without a port (`203.0.113.9`, `203.0.113.9:4711`, `[2001:db8::1]:443`).
fn parse_entry(entry: &str) -> Option<IpAddr> {
    entry
        .parse::<IpAddr>()
        .ok()
        .or_else(|| entry.parse::<SocketAddr>().ok().map(|s| s.ip()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Body;

    fn request(xff: &[&str]) -> Request {
        let mut req = Request::builder().uri("/");
        for v in xff {
            req = req.header("x-forwarded-for", *v);
        }
        let mut req = req.body(Body::empty()).unwrap();
        req.extensions_mut()
            .insert(ConnectInfo(SocketAddr::from(([10, 0, 0, 7], 5555))));
        req
    }

    fn ip(s: &str) -> Option<IpAddr> {
        Some(s.parse().unwrap())
    }

    #[test]
    fn forwarded_for_is_ignored_unless_a_proxy_is_trusted() {
        assert_eq!(
            client_ip(&request(&["203.0.113.9"]), TrustProxy(0)),
            ip("10.0.0.7")
        );
        assert_eq!(client_ip(&request(&[]), TrustProxy(1)), ip("10.0.0.7"));
        assert_eq!(
            client_ip(&request(&["garbage"]), TrustProxy(1)),
            ip("10.0.0.7")
        );
    }

    #[test]
    fn only_the_trusted_hops_from_the_right_are_believed() {
        // One proxy: it appended the address it saw; the client wrote the rest.
        let spoofed = request(&["198.51.100.1, 203.0.113.9"]);
        assert_eq!(client_ip(&spoofed, TrustProxy(1)), ip("203.0.113.9"));
        // Two proxies: the outer one saw the client, the inner one saw the outer one.
        let two = request(&["198.51.100.1, 203.0.113.9, 10.0.0.2"]);
        assert_eq!(client_ip(&two, TrustProxy(2)), ip("203.0.113.9"));
        assert_eq!(client_ip(&two, TrustProxy(1)), ip("10.0.0.2"));
        // Several header lines count as one list, in order.
        let lines = request(&["198.51.100.1", "203.0.113.9, 10.0.0.2"]);
        assert_eq!(client_ip(&lines, TrustProxy(2)), ip("203.0.113.9"));
        // Fewer entries than hops: the left-most, which a trusted proxy wrote.
        assert_eq!(
            client_ip(&request(&["203.0.113.9"]), TrustProxy(3)),
            ip("203.0.113.9")
        );
        // Whatever a client puts on the left, the trusted entry stays the same.
        for forged in ["1.1.1.1", "garbage", "2001:db8::1, 8.8.8.8"] {
            let req = request(&[&format!("{forged}, 203.0.113.9")]);
            assert_eq!(
                client_ip(&req, TrustProxy(1)),
                ip("203.0.113.9"),
                "{forged}"
            );
        }
    }

    #[test]
    fn entries_may_carry_ports_and_be_ipv6() {
        assert_eq!(
            client_ip(&request(&["203.0.113.9:4711"]), TrustProxy(1)),
            ip("203.0.113.9")
        );
        assert_eq!(
            client_ip(&request(&["[2001:db8::5]:443"]), TrustProxy(1)),
            ip("2001:db8::5")
        );
        assert_eq!(
            client_ip(&request(&["2001:db8::5"]), TrustProxy(1)),
            ip("2001:db8::5")
        );
    }

    #[test]
    fn trust_proxy_reads_as_a_flag_or_a_number_of_hops() {
        let read = |v: serde_json::Value| serde_json::from_value::<TrustProxy>(v);
        assert_eq!(read(serde_json::json!(false)).unwrap(), TrustProxy(0));
        assert_eq!(read(serde_json::json!(true)).unwrap(), TrustProxy(1));
        assert_eq!(read(serde_json::json!(2)).unwrap(), TrustProxy(2));
        assert!(read(serde_json::json!(-1)).is_err());
        assert!(read(serde_json::json!("yes")).is_err());
    }
}

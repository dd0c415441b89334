//! Alipay open platform (开放平台), RSA2 in public-key mode (公钥模式): what is signed in a
//! request, the two rules for checking notifications, the signed part of a synchronous
//! response, and yuan ↔ fen.
//!
//! The rules follow the official Java SDK, alipay/alipay-sdk-java-all
//! `com/alipay/api/internal/util/AlipaySignature.java`, and are pinned by real
//! Alipay-signed notifications from alipay/alipay-sdk-nodejs-all `test/alipay.test.ts`
//! (`app/testdata/payments/alipay_notify.json`):
//!
//! | what                          | SDK function              | dropped             | empty values |
//! |-------------------------------|---------------------------|---------------------|--------------|
//! | request ([`sign_content`])    | `getSignContent`          | `sign`              | dropped      |
//! | trade notification            | `getSignCheckContentV1`   | `sign`, `sign_type` | kept         |
//! | other (gateway) notification  | `getSignCheckContentV2`   | `sign`              | kept         |
//!
//! In every case the remaining `key=value` pairs are sorted by key and joined with `&`,
//! values raw (URL-decoded, never re-encoded), and signed with RSASSA-PKCS1-v1_5 SHA-256
//! over the UTF-8 bytes (`rsa256Sign` / `rsa256CheckContent`). Ripen always sends
//! `charset=utf-8`, so notifications arrive in UTF-8.

use std::collections::BTreeSet;

use super::{
    ProtocolError,
    rsa::{PrivateKey, PublicKey},
};

/// The production gateway (`alipay.trade.*` requests and the page-pay links).
pub const GATEWAY: &str = "https://openapi.alipay.com/gateway.do";
/// The sandbox gateway (沙箱环境).
pub const SANDBOX_GATEWAY: &str = "https://openapi-sandbox.dl.alipaydev.com/gateway.do";
/// The exact body to answer a notification with once it is verified and handled; anything
/// else makes Alipay send it again (about 8 times over 25 hours).
pub const NOTIFY_ACK: &str = "success";
/// `notify_type` of trade notifications (payment, refund, close), checked with the V1 rule.
pub const TRADE_NOTIFY_TYPE: &str = "trade_status_sync";
/// The only `sign_type` Ripen signs with and accepts.
pub const SIGN_TYPE: &str = "RSA2";

/// The text a request's `sign` covers (`AlipaySignature.getSignContent`): every parameter
/// but `sign` whose name and value are not empty, sorted by name (byte order), joined as
/// `name=value` with `&`. Values are raw, not URL-encoded; `sign_type` is included.
/// "Empty" is Alipay's `StringUtils.isEmpty`: no characters, or only Java whitespace.
pub fn sign_content<K: AsRef<str>, V: AsRef<str>>(params: &[(K, V)]) -> String {
    join_sorted(
        params
            .iter()
            .map(|(k, v)| (k.as_ref(), v.as_ref()))
            .filter(|(k, v)| *k != "sign" && !java_blank(k) && !java_blank(v)),
    )
}

/// Which rule a notification's signature follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotifyRule {
    /// Trade notifications (`notify_type=trade_status_sync`, sent to the order's
    /// `notify_url`): `rsaCheckV1` / `getSignCheckContentV1` — drop `sign` and
    /// `sign_type`, keep empty values.
    Trade,
    /// Other notifications from the gateway (e.g. `alipay.open.servicemarket.order.notify`):
    /// `rsaCheckV2` / `getSignCheckContentV2` — drop only `sign`, keep empty values.
    Gateway,
}

impl NotifyRule {
    /// The rule for a notification: [`NotifyRule::Trade`] when `notify_type` is
    /// `trade_status_sync`, otherwise [`NotifyRule::Gateway`].
    pub fn for_params<K: AsRef<str>, V: AsRef<str>>(params: &[(K, V)]) -> Self {
        let trade = params
            .iter()
            .any(|(k, v)| k.as_ref() == "notify_type" && v.as_ref() == TRADE_NOTIFY_TYPE);
        if trade { Self::Trade } else { Self::Gateway }
    }
}

/// The text a notification's `sign` covers under `rule`: the URL-decoded parameters without
/// `sign` (and `sign_type` for [`NotifyRule::Trade`]), sorted by name, joined as
/// `name=value` with `&`.
///
/// Empty values are **kept**, under both rules: the Java SDK's `getSignCheckContentV1` and
/// `getSignCheckContentV2` append every remaining entry with no emptiness check (unlike
/// `getSignContent` for requests).
pub fn notify_content<K: AsRef<str>, V: AsRef<str>>(params: &[(K, V)], rule: NotifyRule) -> String {
    join_sorted(
        params
            .iter()
            .map(|(k, v)| (k.as_ref(), v.as_ref()))
            .filter(|(k, _)| *k != "sign" && !(rule == NotifyRule::Trade && *k == "sign_type")),
    )
}

/// Checks an asynchronous notification (the form POSTed to `notify_url`) with the Alipay
/// public key, choosing the rule by `notify_type` ([`NotifyRule::for_params`]).
///
/// `params` are the decoded form fields as [`parse_form`] gives them, `sign` included.
/// Refused: a missing or repeated `sign`, any repeated name, a `sign_type` other than
/// `RSA2`, or a signature that does not verify. A verified notification still has to be
/// matched with the order (`app_id`, `seller_id`, `out_trade_no`, `total_amount`) before
/// its `trade_status` is trusted.
pub fn verify_notification(
    params: &[(String, String)],
    alipay_public_key: &PublicKey,
) -> Result<(), ProtocolError> {
    verify_notification_with_rule(params, alipay_public_key, NotifyRule::for_params(params))
}

/// [`verify_notification`] under a given rule.
pub fn verify_notification_with_rule(
    params: &[(String, String)],
    alipay_public_key: &PublicKey,
    rule: NotifyRule,
) -> Result<(), ProtocolError> {
    let mut names = BTreeSet::new();
    if !params.iter().all(|(k, _)| names.insert(k.as_str())) {
        return Err(ProtocolError::Malformed("repeated notification parameter"));
    }
    let sign = params
        .iter()
        .find(|(k, _)| k == "sign")
        .map(|(_, v)| v.as_str())
        .ok_or(ProtocolError::Malformed("notification has no sign"))?;
    if params
        .iter()
        .any(|(k, v)| k == "sign_type" && v != SIGN_TYPE)
    {
        return Err(ProtocolError::Malformed("sign_type is not RSA2"));
    }
    let content = notify_content(params, rule);
    if alipay_public_key.verify_base64(content.as_bytes(), sign) {
        Ok(())
    } else {
        Err(ProtocolError::BadSignature)
    }
}

/// Decodes an `application/x-www-form-urlencoded` body (a notification): `&`-separated
/// `name=value` pairs, `+` as a space, `%XX` escapes, UTF-8. Strict where a lenient parser
/// would silently change the signed text: a bad `%` escape, bytes that are not UTF-8, an
/// empty name, or a repeated name are errors. Empty pieces (`a=1&&b=2`) are skipped and a
/// piece without `=` is a name with an empty value, as in the WHATWG URL standard.
pub fn parse_form(body: &[u8]) -> Result<Vec<(String, String)>, ProtocolError> {
    let mut out = Vec::new();
    let mut names = BTreeSet::new();
    for piece in body.split(|&b| b == b'&').filter(|p| !p.is_empty()) {
        let (name, value) = match piece.iter().position(|&b| b == b'=') {
            Some(i) => (&piece[..i], &piece[i + 1..]),
            None => (piece, &[][..]),
        };
        let name = form_decode(name)?;
        if name.is_empty() {
            return Err(ProtocolError::Malformed("form field without a name"));
        }
        if !names.insert(name.clone()) {
            return Err(ProtocolError::Malformed("repeated form field"));
        }
        out.push((name, form_decode(value)?));
    }
    Ok(out)
}

/// The signed part of a synchronous API response, and its `sign`.
///
/// Alipay signs the exact JSON text of the `<method with . as _>_response` member (e.g.
/// `alipay_trade_query_response`) as it appears in the body, so it is cut out of the body
/// rather than re-serialised (the SDK's `AlipaySignature.extractSignContent` /
/// `JsonConverter.getSignSourceData`). When the gateway answers with `error_response`
/// instead (e.g. a bad `app_id`), that member is returned, as the SDK does; its `code` is
/// then not `10000`. The body must be valid JSON; members are found by walking the top
/// level, so names inside string values (or nested objects) are never mistaken for them,
/// and a repeated top-level name is refused.
pub fn response_content<'a>(
    body: &'a str,
    method: &str,
) -> Result<(&'a str, Option<String>), ProtocolError> {
    serde_json::from_str::<serde::de::IgnoredAny>(body)
        .map_err(|_| ProtocolError::Malformed("response is not JSON"))?;
    let members = top_level_members(body)?;
    let mut names = BTreeSet::new();
    if !members.iter().all(|(k, _)| names.insert(k.as_str())) {
        return Err(ProtocolError::Malformed("repeated member in response"));
    }
    let root = format!("{}_response", method.replace('.', "_"));
    let member = |name: &str| members.iter().find(|(k, _)| k == name).map(|(_, v)| *v);
    let content =
        member(&root)
            .or_else(|| member("error_response"))
            .ok_or(ProtocolError::Malformed(
                "response has no <method>_response member",
            ))?;
    if !content.starts_with('{') {
        return Err(ProtocolError::Malformed("response member is not an object"));
    }
    let sign = member("sign")
        .map(serde_json::from_str::<String>)
        .transpose()
        .map_err(|_| ProtocolError::Malformed("response sign is not a string"))?;
    Ok((content, sign))
}

/// Checks a synchronous response's `sign` over its `<method>_response` text
/// ([`response_content`]) with the Alipay public key, and returns that text to be parsed.
/// A response without `sign` is refused.
pub fn verify_response<'a>(
    body: &'a str,
    method: &str,
    alipay_public_key: &PublicKey,
) -> Result<&'a str, ProtocolError> {
    let (content, sign) = response_content(body, method)?;
    let sign = sign.ok_or(ProtocolError::Malformed("response has no sign"))?;
    if alipay_public_key.verify_base64(content.as_bytes(), &sign) {
        Ok(content)
    } else {
        Err(ProtocolError::BadSignature)
    }
}

/// The public parameters of a request (公共请求参数) plus `biz_content`, unsigned:
/// `app_id`, `method`, `charset=utf-8`, `format=JSON`, `sign_type=RSA2`, `timestamp`
/// (`yyyy-MM-dd HH:mm:ss`, Beijing time), `version=1.0`, `biz_content` (the exact JSON
/// text that is sent), and `notify_url` / `return_url` when given.
pub fn request_params(
    app_id: &str,
    method: &str,
    biz_content_json: &str,
    timestamp: &str,
    notify_url: Option<&str>,
    return_url: Option<&str>,
) -> Vec<(String, String)> {
    let mut params: Vec<(String, String)> = [
        ("app_id", app_id),
        ("method", method),
        ("charset", "utf-8"),
        ("format", "JSON"),
        ("sign_type", SIGN_TYPE),
        ("timestamp", timestamp),
        ("version", "1.0"),
        ("biz_content", biz_content_json),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect();
    for (name, value) in [("notify_url", notify_url), ("return_url", return_url)] {
        if let Some(value) = value {
            params.push((name.to_owned(), value.to_owned()));
        }
    }
    params
}

/// Signs request parameters (`AlipaySignature.rsaSign` over [`sign_content`]) with our
/// application private key and appends `sign`; a `sign` already present is replaced.
pub fn sign_request(
    mut params: Vec<(String, String)>,
    app_private_key: &PrivateKey,
) -> Result<Vec<(String, String)>, ProtocolError> {
    let sign = app_private_key.sign_base64(sign_content(&params).as_bytes())?;
    params.retain(|(k, _)| k != "sign");
    params.push(("sign".to_owned(), sign));
    Ok(params)
}

/// The GET link to the gateway for signed parameters (for `alipay.trade.page.pay` /
/// `alipay.trade.wap.pay`): [`form_encode`]d, appended to `gateway_base` after `?` (or `&`
/// if it already has a query).
pub fn gateway_url(gateway_base: &str, signed_params: &[(String, String)]) -> String {
    let sep = if gateway_base.contains('?') { '&' } else { '?' };
    format!("{gateway_base}{sep}{}", form_encode(signed_params))
}

/// Parameters as an `application/x-www-form-urlencoded` string (a query or a POST body for
/// the gateway): `name=value` joined with `&`, each name and value encoded as Java's
/// `URLEncoder.encode(_, "UTF-8")` (the SDK's `WebUtils.buildQuery`): ASCII letters,
/// digits and `*-._` kept, space as `+`, every other UTF-8 byte as `%XX`.
pub fn form_encode<K: AsRef<str>, V: AsRef<str>>(params: &[(K, V)]) -> String {
    let mut out = String::new();
    for (i, (name, value)) in params.iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        form_encode_into(&mut out, name.as_ref());
        out.push('=');
        form_encode_into(&mut out, value.as_ref());
    }
    out
}

/// Appends `text` form-URL-encoded (see [`form_encode`]).
fn form_encode_into(out: &mut String, text: &str) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    for b in text.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'*' | b'-' | b'.' | b'_' => {
                out.push(char::from(b));
            }
            b' ' => out.push('+'),
            _ => {
                out.push('%');
                out.push(char::from(HEX[usize::from(b >> 4)]));
                out.push(char::from(HEX[usize::from(b & 0x0f)]));
            }
        }
    }
}

/// Alipay's yuan amount (`total_amount`, `refund_amount`: a string such as `"0.10"`) in fen.
/// Strict: ASCII digits, optionally `.` and one or two digits; no sign, spaces, exponent
/// or thousands separators. `"0.10"` → 10, `"12"` → 1200, `"1.5"` → 150.
pub fn yuan_to_fen(yuan: &str) -> Result<i64, ProtocolError> {
    let (whole, fraction) = match yuan.split_once('.') {
        Some((w, f)) => (w, Some(f)),
        None => (yuan, None),
    };
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !digits(whole) {
        return Err(ProtocolError::Amount);
    }
    let cents = match fraction {
        None => 0,
        Some(f) if f.len() <= 2 && digits(f) => {
            let n: i64 = f.parse().map_err(|_| ProtocolError::Amount)?;
            if f.len() == 1 { n * 10 } else { n }
        }
        Some(_) => return Err(ProtocolError::Amount),
    };
    whole
        .parse::<i64>()
        .ok()
        .and_then(|w| w.checked_mul(100))
        .and_then(|w| w.checked_add(cents))
        .ok_or(ProtocolError::Amount)
}

/// Fen as Alipay's yuan string with exactly two decimals: 10 → `"0.10"`, 1200 → `"12.00"`.
/// (A negative amount gets a `-`; Alipay takes none.)
pub fn fen_to_yuan(fen: i64) -> String {
    let sign = if fen < 0 { "-" } else { "" };
    let abs = fen.unsigned_abs();
    format!("{sign}{}.{:02}", abs / 100, abs % 100)
}

/// Sorts `name=value` pairs by name (byte order; stable for equal names) and joins them
/// with `&`.
fn join_sorted<'a>(pairs: impl Iterator<Item = (&'a str, &'a str)>) -> String {
    let mut pairs: Vec<_> = pairs.collect();
    pairs.sort_by(|a, b| a.0.cmp(b.0));
    let mut out = String::new();
    for (i, (k, v)) in pairs.into_iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        out.push_str(k);
        out.push('=');
        out.push_str(v);
    }
    out
}

/// Alipay's `StringUtils.isEmpty`: empty or only characters Java's
/// `Character.isWhitespace` accepts (Unicode spaces except the no-break ones, and the
/// ASCII controls `\t \n \x0B \x0C \r \x1C-\x1F`).
fn java_blank(s: &str) -> bool {
    s.chars().all(|c| {
        matches!(c, '\u{1C}'..='\u{1F}')
            || (c.is_whitespace() && !matches!(c, '\u{85}' | '\u{A0}' | '\u{2007}' | '\u{202F}'))
    })
}

/// One form-urlencoded name or value: `+` → space, `%XX` → byte, then strict UTF-8.
fn form_decode(raw: &[u8]) -> Result<String, ProtocolError> {
    let mut bytes = Vec::with_capacity(raw.len());
    let mut iter = raw.iter();
    while let Some(&b) = iter.next() {
        match b {
            b'+' => bytes.push(b' '),
            b'%' => {
                let hi = iter.next().and_then(|&h| hex_value(h));
                let lo = iter.next().and_then(|&l| hex_value(l));
                match (hi, lo) {
                    (Some(hi), Some(lo)) => bytes.push(hi << 4 | lo),
                    _ => return Err(ProtocolError::Malformed("bad %-escape in form")),
                }
            }
            _ => bytes.push(b),
        }
    }
    String::from_utf8(bytes).map_err(|_| ProtocolError::Malformed("form is not UTF-8"))
}

fn hex_value(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// The top-level members of a JSON object text (already checked to be valid JSON): each
/// name, decoded, with the exact text of its value.
fn top_level_members(body: &str) -> Result<Vec<(String, &str)>, ProtocolError> {
    const NOT_OBJECT: ProtocolError = ProtocolError::Malformed("response is not a JSON object");
    let bytes = body.as_bytes();
    let slice = |from: usize, to: usize| body.get(from..to).ok_or(NOT_OBJECT);
    let mut i = skip_ws(bytes, 0);
    if bytes.get(i) != Some(&b'{') {
        return Err(NOT_OBJECT);
    }
    i = skip_ws(bytes, i + 1);
    let mut members = Vec::new();
    if bytes.get(i) == Some(&b'}') {
        return Ok(members);
    }
    loop {
        if bytes.get(i) != Some(&b'"') {
            return Err(NOT_OBJECT);
        }
        let name_end = string_end(bytes, i).ok_or(NOT_OBJECT)?;
        let name: String = serde_json::from_str(slice(i, name_end)?).map_err(|_| NOT_OBJECT)?;
        i = skip_ws(bytes, name_end);
        if bytes.get(i) != Some(&b':') {
            return Err(NOT_OBJECT);
        }
        let value_start = skip_ws(bytes, i + 1);
        let value_end = value_end(bytes, value_start).ok_or(NOT_OBJECT)?;
        members.push((name, slice(value_start, value_end)?));
        i = skip_ws(bytes, value_end);
        match bytes.get(i) {
            Some(b',') => i = skip_ws(bytes, i + 1),
            Some(b'}') => return Ok(members),
            _ => return Err(NOT_OBJECT),
        }
    }
}

/// The index after JSON whitespace from `i`.
fn skip_ws(bytes: &[u8], mut i: usize) -> usize {
    while matches!(bytes.get(i), Some(b' ' | b'\t' | b'\n' | b'\r')) {
        i += 1;
    }
    i
}

/// The index after the JSON string starting at `start` (its opening quote), skipping
/// escapes (`\"`, `\\`, …).
fn string_end(bytes: &[u8], start: usize) -> Option<usize> {
    let mut i = start + 1;
    loop {
        match bytes.get(i)? {
            b'\\' => i += 2,
            b'"' => return Some(i + 1),
            _ => i += 1,
        }
    }
}

/// The index after the JSON value starting at `start`: an object or array by counting
/// brackets outside strings, a string, or a literal up to the next delimiter.
fn value_end(bytes: &[u8], start: usize) -> Option<usize> {
    match bytes.get(start)? {
        b'"' => string_end(bytes, start),
        b'{' | b'[' => {
            let mut depth = 0usize;
            let mut i = start;
            loop {
                match bytes.get(i)? {
                    b'"' => {
                        i = string_end(bytes, i)?;
                        continue;
                    }
                    b'{' | b'[' => depth += 1,
                    b'}' | b']' => {
                        depth = depth.checked_sub(1)?;
                        if depth == 0 {
                            return Some(i + 1);
                        }
                    }
                    _ => {}
                }
                i += 1;
            }
        }
        _ => {
            let mut i = start;
            while !matches!(
                bytes.get(i),
                None | Some(b',' | b'}' | b']' | b' ' | b'\t' | b'\n' | b'\r')
            ) {
                i += 1;
            }
            Some(i)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FIXTURE: &str = include_str!("../../../../testdata/payments/alipay_notify.json");
    const PKCS8: &str = include_str!("../../../../testdata/payments/test_rsa_2048_pkcs8.pem");
    const SPKI: &str = include_str!("../../../../testdata/payments/test_rsa_2048_spki.pem");

    struct Vector {
        name: String,
        params: Vec<(String, String)>,
        key: PublicKey,
        rule: NotifyRule,
        expect: bool,
        canonical: Option<String>,
    }

    fn vectors() -> Vec<Vector> {
        let fixture: serde_json::Value = serde_json::from_str(FIXTURE).unwrap();
        fixture["vectors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| {
                let drop: Vec<&str> = v["drop"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|d| d.as_str().unwrap())
                    .collect();
                let rule = match drop.as_slice() {
                    ["sign", "sign_type"] => NotifyRule::Trade,
                    ["sign"] => NotifyRule::Gateway,
                    other => panic!("unknown rule {other:?}"),
                };
                let key_text = v["public_key_spki_b64"]
                    .as_str()
                    .or(v["public_key_spki_pem"].as_str())
                    .unwrap();
                Vector {
                    name: v["name"].as_str().unwrap().to_owned(),
                    params: v["params"]
                        .as_object()
                        .unwrap()
                        .iter()
                        .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_owned()))
                        .collect(),
                    key: PublicKey::from_spki_pem_or_base64(key_text).unwrap(),
                    rule,
                    expect: v["expect"].as_bool().unwrap(),
                    canonical: v["canonical"].as_str().map(str::to_owned),
                }
            })
            .collect()
    }

    fn other(rule: NotifyRule) -> NotifyRule {
        match rule {
            NotifyRule::Trade => NotifyRule::Gateway,
            NotifyRule::Gateway => NotifyRule::Trade,
        }
    }

    /// One-character changes of `value`: its first character replaced, and one appended.
    fn one_char_changes(value: &str) -> Vec<String> {
        let mut changes = vec![format!("{value}x")];
        if let Some(first) = value.chars().next() {
            let swap = if first == 'a' { 'b' } else { 'a' };
            changes.push(format!("{swap}{}", &value[first.len_utf8()..]));
        }
        changes
    }

    #[test]
    fn canonical_strings_match_the_fixture() {
        let mut checked = 0;
        for v in vectors() {
            if let Some(canonical) = &v.canonical {
                assert_eq!(&notify_content(&v.params, v.rule), canonical, "{}", v.name);
                checked += 1;
            }
        }
        assert_eq!(checked, 2);
    }

    #[test]
    fn real_notifications_verify_under_their_rule_only() {
        let vectors = vectors();
        assert_eq!(vectors.len(), 4);
        let mut valid = 0;
        for v in &vectors {
            let under_rule = verify_notification_with_rule(&v.params, &v.key, v.rule);
            if v.expect {
                valid += 1;
                assert_eq!(under_rule, Ok(()), "{}", v.name);
                assert_eq!(NotifyRule::for_params(&v.params), v.rule, "{}", v.name);
                assert_eq!(verify_notification(&v.params, &v.key), Ok(()), "{}", v.name);
                assert_eq!(
                    verify_notification_with_rule(&v.params, &v.key, other(v.rule)),
                    Err(ProtocolError::BadSignature),
                    "{}",
                    v.name
                );
            } else {
                // The tampered amount, or a gateway notification checked with the trade
                // rule (which `verify_notification` would not pick for it).
                assert_eq!(under_rule, Err(ProtocolError::BadSignature), "{}", v.name);
            }
        }
        assert_eq!(valid, 2);
    }

    #[test]
    fn any_one_character_change_fails() {
        for v in vectors().into_iter().filter(|v| v.expect) {
            let mut tried = 0;
            for (i, (name, value)) in v.params.iter().enumerate() {
                for changed in one_char_changes(value) {
                    let mut params = v.params.clone();
                    params[i].1 = changed.clone();
                    assert!(
                        verify_notification(&params, &v.key).is_err(),
                        "{}: {name}={changed:?} still verifies",
                        v.name
                    );
                    tried += 1;
                }
            }
            assert_eq!(tried, v.params.len() * 2);
            // A parameter added or removed fails too.
            let mut params = v.params.clone();
            params.push(("extra".to_owned(), "1".to_owned()));
            assert!(verify_notification(&params, &v.key).is_err());
            let params: Vec<_> = v.params.iter().skip(1).cloned().collect();
            assert!(verify_notification(&params, &v.key).is_err());
        }
    }

    #[test]
    fn tampered_amount_fails() {
        let v = vectors()
            .into_iter()
            .find(|v| v.name == "trade_status_sync_tampered_amount")
            .unwrap();
        assert_eq!(
            verify_notification(&v.params, &v.key),
            Err(ProtocolError::BadSignature)
        );
    }

    #[test]
    fn notification_refusals() {
        let v = vectors().into_iter().find(|v| v.expect).unwrap();
        let without_sign: Vec<_> = v
            .params
            .iter()
            .filter(|(k, _)| k != "sign")
            .cloned()
            .collect();
        assert_eq!(
            verify_notification(&without_sign, &v.key),
            Err(ProtocolError::Malformed("notification has no sign"))
        );
        let mut repeated = v.params.clone();
        repeated.push(v.params[0].clone());
        assert_eq!(
            verify_notification(&repeated, &v.key),
            Err(ProtocolError::Malformed("repeated notification parameter"))
        );
        let mut rsa1 = v.params.clone();
        for (k, value) in &mut rsa1 {
            if k == "sign_type" {
                *value = "RSA".to_owned();
            }
        }
        assert_eq!(
            verify_notification(&rsa1, &v.key),
            Err(ProtocolError::Malformed("sign_type is not RSA2"))
        );
    }

    #[test]
    fn notify_content_keeps_empty_values() {
        let params = [("b", ""), ("a", "1"), ("sign", "s"), ("sign_type", "RSA2")];
        assert_eq!(notify_content(&params, NotifyRule::Trade), "a=1&b=");
        assert_eq!(
            notify_content(&params, NotifyRule::Gateway),
            "a=1&b=&sign_type=RSA2"
        );
        assert_eq!(NotifyRule::for_params(&params), NotifyRule::Gateway);
        let trade = [("notify_type", "trade_status_sync")];
        assert_eq!(NotifyRule::for_params(&trade), NotifyRule::Trade);
    }

    #[test]
    fn form_body_round_trip_verifies() {
        for v in vectors().into_iter().filter(|v| v.expect) {
            let body = form_encode(&v.params);
            let parsed = parse_form(body.as_bytes()).unwrap();
            assert_eq!(parsed, v.params);
            assert_eq!(verify_notification(&parsed, &v.key), Ok(()), "{}", v.name);
        }
    }

    #[test]
    fn form_encode_is_java_url_encoder() {
        // `URLEncoder.encode(v, "UTF-8")` of each value.
        assert_eq!(
            form_encode(&[
                ("a b", "x*y-z._~'!"),
                ("s", "语雀 500人"),
                ("j", "{\"k\":\"&=+/\"}")
            ]),
            "a+b=x*y-z._%7E%27%21&s=%E8%AF%AD%E9%9B%80+500%E4%BA%BA&j=%7B%22k%22%3A%22%26%3D%2B%2F%22%7D"
        );
        assert_eq!(form_encode::<&str, &str>(&[]), "");
    }

    #[test]
    fn parse_form_is_strict() {
        assert_eq!(
            parse_form(b"a=1+2&b=%E8%AF%AD%E9%9B%80&c=&d&&e=x%3Dy%26z").unwrap(),
            [
                ("a", "1 2"),
                ("b", "语雀"),
                ("c", ""),
                ("d", ""),
                ("e", "x=y&z")
            ]
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
        );
        assert_eq!(parse_form(b"").unwrap(), []);
        assert_eq!(
            parse_form(b"a=1&a=2"),
            Err(ProtocolError::Malformed("repeated form field"))
        );
        assert_eq!(
            parse_form(b"a=%FF"),
            Err(ProtocolError::Malformed("form is not UTF-8"))
        );
        assert_eq!(
            parse_form(b"a=\xff"),
            Err(ProtocolError::Malformed("form is not UTF-8"))
        );
        for bad in [&b"a=%"[..], b"a=%4", b"a=%zz", b"a=%%41"] {
            assert_eq!(
                parse_form(bad),
                Err(ProtocolError::Malformed("bad %-escape in form"))
            );
        }
        assert_eq!(
            parse_form(b"=1"),
            Err(ProtocolError::Malformed("form field without a name"))
        );
    }

    #[test]
    fn sign_content_rules() {
        let params = [
            ("timestamp", "2014-07-24 03:07:50"),
            ("sign", "ignored"),
            ("app_id", "2014072300007148"),
            ("empty", ""),
            ("blank", " \t"),
            ("biz_content", "{\"a\":\"b c&d\"}"),
            ("sign_type", "RSA2"),
        ];
        assert_eq!(
            sign_content(&params),
            "app_id=2014072300007148&biz_content={\"a\":\"b c&d\"}&sign_type=RSA2&timestamp=2014-07-24 03:07:50"
        );
        // Sorting is by bytes: `_` (0x5F) before lowercase letters.
        assert_eq!(
            sign_content(&[("ab", "1"), ("a_b", "2"), ("a", "3")]),
            "a=3&a_b=2&ab=1"
        );
        assert!(java_blank("\u{3000}\u{1F}") && !java_blank("\u{A0}") && !java_blank("x "));
    }

    #[test]
    fn request_signing_round_trip() {
        let key = PrivateKey::from_pem_or_base64(PKCS8).unwrap();
        let public = PublicKey::from_spki_pem_or_base64(SPKI).unwrap();
        let biz = r#"{"out_trade_no":"R20261205-0001","total_amount":"12.00","subject":"Ripen Plus 一个月","product_code":"FAST_INSTANT_TRADE_PAY"}"#;
        let params = request_params(
            "2021000000000000",
            "alipay.trade.page.pay",
            biz,
            "2026-12-05 10:00:00",
            Some("https://ripen.example/api/billing/notify/alipay"),
            Some("https://ripen.example/plus?paid=1"),
        );
        assert_eq!(params.len(), 10);
        let signed = sign_request(params.clone(), &key).unwrap();
        assert_eq!(signed.len(), 11);
        let (name, sign) = signed.last().unwrap();
        assert_eq!(name, "sign");
        assert!(public.verify_base64(sign_content(&params).as_bytes(), sign));
        assert_eq!(sign_content(&signed), sign_content(&params));
        // Signing again replaces `sign` (the signature is deterministic).
        assert_eq!(sign_request(signed.clone(), &key).unwrap(), signed);

        let url = gateway_url(SANDBOX_GATEWAY, &signed);
        let (base, query) = url.split_once('?').unwrap();
        assert_eq!(base, SANDBOX_GATEWAY);
        assert!(!query.contains(' ') && !query.contains('"') && query.contains("+"));
        let back = parse_form(query.as_bytes()).unwrap();
        assert_eq!(back, signed);
        assert!(public.verify_base64(sign_content(&back).as_bytes(), sign));
        assert!(
            gateway_url("https://x.example/g?a=1", &signed)
                .starts_with("https://x.example/g?a=1&app_id=")
        );
    }

    #[test]
    fn response_content_cuts_the_exact_text() {
        let inner = r#"{"code":"10000","msg":"Success","out_trade_no":"a\"}{b"}"#;
        let body = format!(r#"{{"alipay_trade_query_response":{inner},"sign":"XYZ"}}"#);
        assert_eq!(
            response_content(&body, "alipay.trade.query").unwrap(),
            (inner, Some("XYZ".to_owned()))
        );
        // `sign` first, whitespace, nested objects and arrays, other members.
        let inner2 = r#"{ "code" : "10000", "fund_bill_list": [{"amount":"0.10"}], "x": {"y": [1, {"z": "]}"}]}, "n": -1.5e3 }"#;
        let body2 = format!(
            "{{ \"sign\" : \"A\\/B\", \"alipay_cert_sn\": null,\n \"alipay_trade_query_response\" : {inner2} }}"
        );
        assert_eq!(
            response_content(&body2, "alipay.trade.query").unwrap(),
            (inner2, Some("A/B".to_owned()))
        );
        // A member name inside a string value is not a member.
        let body3 = r#"{"other":"\"alipay_trade_query_response\":{}","alipay_trade_query_response":{"code":"10000"}}"#;
        assert_eq!(
            response_content(body3, "alipay.trade.query").unwrap(),
            (r#"{"code":"10000"}"#, None)
        );
        // error_response stands in for the method's member, as in the SDK.
        let body4 = r#"{"error_response":{"code":"40002","msg":"Invalid Arguments"},"sign":"S"}"#;
        assert_eq!(
            response_content(body4, "alipay.trade.query").unwrap().0,
            r#"{"code":"40002","msg":"Invalid Arguments"}"#
        );
        for bad in [
            "",
            "[]",
            "{\"alipay_trade_query_response\":{}",
            "{\"sign\":\"x\"}",
            "{\"alipay_trade_query_response\":\"text\"}",
            "{\"alipay_trade_query_response\":{},\"alipay_trade_query_response\":{}}",
            "{\"alipay_trade_query_response\":{},\"sign\":1}",
        ] {
            assert!(
                response_content(bad, "alipay.trade.query").is_err(),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn signed_response_verifies_and_fails_after_a_change() {
        let key = PrivateKey::from_pem_or_base64(PKCS8).unwrap();
        let public = key.public_key();
        let inner = r#"{"code":"10000","msg":"Success","trade_no":"2026120522001400000000000001","out_trade_no":"R1","total_amount":"12.00","trade_status":"TRADE_SUCCESS","buyer_logon_id":"ab***@example.com"}"#;
        let sign = key.sign_base64(inner.as_bytes()).unwrap();
        let body = format!(r#"{{"alipay_trade_query_response":{inner},"sign":"{sign}"}}"#);
        assert_eq!(
            verify_response(&body, "alipay.trade.query", &public),
            Ok(inner)
        );
        let tampered = body.replace("12.00", "13.00");
        assert_eq!(
            verify_response(&tampered, "alipay.trade.query", &public),
            Err(ProtocolError::BadSignature)
        );
        assert_eq!(
            verify_response(&body, "alipay.trade.query", &vectors()[0].key),
            Err(ProtocolError::BadSignature)
        );
        let unsigned = format!(r#"{{"alipay_trade_query_response":{inner}}}"#);
        assert_eq!(
            verify_response(&unsigned, "alipay.trade.query", &public),
            Err(ProtocolError::Malformed("response has no sign"))
        );
    }

    #[test]
    fn yuan_and_fen() {
        for (yuan, fen) in [
            ("0.10", 10),
            ("12", 1200),
            ("1.5", 150),
            ("0.01", 1),
            ("0", 0),
            ("12.00", 1200),
            ("98.00", 9800),
            ("007.5", 750),
        ] {
            assert_eq!(yuan_to_fen(yuan), Ok(fen), "{yuan}");
        }
        for bad in [
            "-1",
            "1.234",
            "",
            "1e3",
            " 1",
            "1 ",
            "+1",
            "1.",
            ".5",
            "1,000.00",
            "0x10",
            "1.-5",
            "１",
            "92233720368547758.08",
        ] {
            assert_eq!(yuan_to_fen(bad), Err(ProtocolError::Amount), "{bad:?}");
        }
        assert_eq!(yuan_to_fen("92233720368547758.07"), Ok(i64::MAX));
        assert_eq!(fen_to_yuan(10), "0.10");
        assert_eq!(fen_to_yuan(1200), "12.00");
        assert_eq!(fen_to_yuan(0), "0.00");
        assert_eq!(fen_to_yuan(150), "1.50");
        assert_eq!(fen_to_yuan(-5), "-0.05");
        assert_eq!(fen_to_yuan(i64::MIN), "-92233720368547758.08");
        for fen in [0, 1, 9, 10, 99, 100, 1234, 9800, i64::MAX] {
            assert_eq!(yuan_to_fen(&fen_to_yuan(fen)), Ok(fen));
        }
    }
}

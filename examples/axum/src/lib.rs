//! The client identity Portcullis verified, as an axum extractor.
//!
//! Portcullis terminates mutual TLS, removes every identity header the client sent (in any case,
//! with `_` read as `-`) and sets its own on every request it forwards. A handler that takes a
//! [`ClientIdentity`] argument only runs for a request that came through Portcullis with a
//! verified client certificate; anything else is answered 403 before the handler runs.
//!
//! That check is a tripwire, not the trust boundary: bind the service to `127.0.0.1` (or the
//! pod-local address) so that only Portcullis can reach it.

use axum::{
    async_trait,
    extract::FromRequestParts,
    http::{request::Parts, HeaderMap, StatusCode},
    response::{IntoResponse, Response},
    Json,
};
use serde::Serialize;

/// Header names Portcullis sets by default (`identity.headers` in `portcullis.yaml`).
pub mod header {
    pub const VERIFY: &str = "x-client-verify";
    pub const SUBJECT: &str = "x-client-dn";
    pub const ISSUER: &str = "x-client-issuer-dn";
    pub const FINGERPRINT: &str = "x-client-fingerprint";
    pub const SERIAL: &str = "x-client-serial";
    pub const SAN: &str = "x-client-san";
    pub const NOT_AFTER: &str = "x-client-not-after";
}

/// A verified client certificate, as Portcullis described it (`X-Client-Verify: SUCCESS`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ClientIdentity {
    /// Subject DN, RFC 2253, e.g. `CN=billing,OU=payments,O=Example`.
    pub subject: String,
    /// Issuer DN, RFC 2253.
    pub issuer: Option<String>,
    /// Lowercase hex SHA-256 of the leaf certificate (DER), 64 characters.
    pub fingerprint: String,
    /// Lowercase hex serial number, no leading zeros.
    pub serial: Option<String>,
    /// SAN entries in certificate order: `DNS:a.example`, `URI:spiffe://td/x`, `email:...`, `IP:...`.
    pub san: Vec<String>,
    /// Expiry, RFC 3339 UTC.
    pub not_after: Option<String>,
}

impl ClientIdentity {
    /// The URI SANs, e.g. SPIFFE IDs.
    pub fn san_uris(&self) -> impl Iterator<Item = &str> {
        self.san.iter().filter_map(|entry| entry.strip_prefix("URI:"))
    }

    /// The DNS SANs.
    pub fn san_dns(&self) -> impl Iterator<Item = &str> {
        self.san.iter().filter_map(|entry| entry.strip_prefix("DNS:"))
    }
}

/// Why a request has no [`ClientIdentity`]; answered as 403 with a small JSON body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdentityRejection {
    /// No `X-Client-Verify`: Portcullis sets it on every request, so this one came another way.
    NotThroughPortcullis,
    /// `X-Client-Verify: NONE` (`client_auth: optional` and no certificate), or a header missing.
    NoVerifiedCertificate,
}

impl IntoResponse for IdentityRejection {
    fn into_response(self) -> Response {
        let (error, message) = match self {
            Self::NotThroughPortcullis => ("not_through_portcullis", "the request did not come through Portcullis"),
            Self::NoVerifiedCertificate => ("no_verified_certificate", "a verified client certificate is required"),
        };
        let body = Json(serde_json::json!({ "error": error, "message": message }));
        (StatusCode::FORBIDDEN, body).into_response()
    }
}

#[async_trait]
impl<S> FromRequestParts<S> for ClientIdentity
where
    S: Send + Sync,
{
    type Rejection = IdentityRejection;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        from_headers(&parts.headers)
    }
}

/// The identity in `headers`; usable outside axum (e.g. in a tower layer).
pub fn from_headers(headers: &HeaderMap) -> Result<ClientIdentity, IdentityRejection> {
    match text(headers, header::VERIFY) {
        None => return Err(IdentityRejection::NotThroughPortcullis),
        Some("SUCCESS") => {}
        Some(_) => return Err(IdentityRejection::NoVerifiedCertificate),
    }
    let required = |name| text(headers, name).map(str::to_owned).ok_or(IdentityRejection::NoVerifiedCertificate);
    let optional = |name| text(headers, name).map(str::to_owned);
    Ok(ClientIdentity {
        subject: required(header::SUBJECT)?,
        issuer: optional(header::ISSUER),
        fingerprint: required(header::FINGERPRINT)?,
        serial: optional(header::SERIAL),
        // Entries are joined with ", "; use identity.format: xfcc if a SAN value may contain one.
        san: text(headers, header::SAN)
            .map(|san| san.split(", ").filter(|s| !s.is_empty()).map(str::to_owned).collect())
            .unwrap_or_default(),
        not_after: optional(header::NOT_AFTER),
    })
}

/// Portcullis sends exactly one copy of each identity header; a second copy means something else set it.
fn text<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    let mut values = headers.get_all(name).iter();
    let first = values.next()?;
    if values.next().is_some() {
        return None;
    }
    first.to_str().ok()
}

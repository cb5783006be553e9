//! GitHub failures classified for one status line (offline, 401, rate limits, 5xx, GraphQL errors), and the REST headers of conditional requests.
use super::*;

/// Why a request gave no data. Messages are one line and never contain the token.
#[derive(Debug, Clone, PartialEq)]
pub enum FetchError {
    /// No HTTP response: DNS, connection refused, TLS, timeout.
    Offline(String),
    /// 401: the token is wrong, expired or revoked.
    Unauthorized(String),
    /// 403 that is not a rate limit (SSO not authorized, no access).
    Forbidden(String),
    /// 403/429 rate limit, primary (`x-ratelimit-remaining: 0`) or secondary (`retry-after`).
    RateLimited {
        until: DateTime<Utc>,
        secondary: bool,
    },
    /// 5xx.
    Server(u16),
    /// Another HTTP status.
    Http(u16, String),
    /// A GraphQL response with errors and no data.
    GraphQl(String),
    /// A body that is not what GitHub documents.
    Decode(String),
}

impl FetchError {
    /// The status-line text.
    pub fn summary(&self) -> String {
        match self {
            FetchError::Offline(e) => format!("offline: {e}"),
            FetchError::Unauthorized(m) => {
                format!("401 {m}: check GH_TOKEN / `gh auth login`")
            }
            FetchError::Forbidden(m) => format!("403 {m}"),
            FetchError::RateLimited {
                secondary: false, ..
            } => "rate limited (hourly limit used up)".into(),
            FetchError::RateLimited {
                secondary: true, ..
            } => "rate limited (secondary limit)".into(),
            FetchError::Server(code) => format!("HTTP {code} from GitHub"),
            FetchError::Http(code, m) => format!("HTTP {code}: {m}"),
            FetchError::GraphQl(m) => format!("GraphQL error: {m}"),
            FetchError::Decode(m) => format!("unexpected response: {m}"),
        }
    }
}

/// Classifies a non-success response. `now` anchors `retry-after`.
pub fn classify(
    status: StatusCode,
    headers: &HeaderMap,
    body: &str,
    now: DateTime<Utc>,
) -> FetchError {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
    };
    let message = error_message(body).unwrap_or_else(|| {
        status
            .canonical_reason()
            .unwrap_or("unknown status")
            .to_owned()
    });
    let code = status.as_u16();
    if code == 403 || code == 429 {
        if let Some(secs) = header("retry-after").and_then(|v| v.parse::<i64>().ok()) {
            return FetchError::RateLimited {
                until: now + chrono::Duration::seconds(secs.clamp(1, 24 * 3600)),
                secondary: true,
            };
        }
        if header("x-ratelimit-remaining") == Some("0") {
            let reset = header("x-ratelimit-reset")
                .and_then(|v| v.parse::<i64>().ok())
                .and_then(|t| DateTime::<Utc>::from_timestamp(t, 0))
                .filter(|t| *t > now)
                .unwrap_or(now + chrono::Duration::seconds(SECONDARY_WAIT_SECONDS));
            return FetchError::RateLimited {
                until: reset,
                secondary: false,
            };
        }
        if code == 429 || message.to_ascii_lowercase().contains("rate limit") {
            return FetchError::RateLimited {
                until: now + chrono::Duration::seconds(SECONDARY_WAIT_SECONDS),
                secondary: true,
            };
        }
        return FetchError::Forbidden(message);
    }
    match code {
        401 => FetchError::Unauthorized(message),
        500..=599 => FetchError::Server(code),
        _ => FetchError::Http(code, message),
    }
}

pub(super) fn error_message(body: &str) -> Option<String> {
    let v: Value = serde_json::from_str(body).ok()?;
    let m = v.get("message")?.as_str()?;
    Some(short(m, 100))
}

pub(super) fn short(s: &str, max: usize) -> String {
    sanitize::one_line(&sanitize::truncate_chars(s.trim(), max))
}

/// The most useful line of a transport error: its innermost cause.
pub(super) fn transport_message(e: &octocrab::Error) -> String {
    short(&innermost_message(e), 80)
}

/// The innermost cause of an octocrab error (the part that says what went wrong: "connection
/// refused", not "error sending request").
pub fn innermost_message(e: &octocrab::Error) -> String {
    let mut source: &dyn std::error::Error = e;
    while let Some(inner) = source.source() {
        source = inner;
    }
    source.to_string()
}

/// The headers of a REST GET as GitHub documents them, conditional on `etag` when one is cached
/// (a 304 then costs nothing against the rate limit).
pub fn rest_headers(etag: Option<&str>) -> HeaderMap {
    let mut headers = HeaderMap::new();
    headers.insert(
        http::header::ACCEPT,
        HeaderValue::from_static("application/vnd.github+json"),
    );
    headers.insert(
        "x-github-api-version",
        HeaderValue::from_static("2022-11-28"),
    );
    if let Some(v) = etag.and_then(|e| HeaderValue::from_str(e).ok()) {
        headers.insert(http::header::IF_NONE_MATCH, v);
    }
    headers
}

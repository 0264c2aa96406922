//! Time and size limits on a request: the whole request within the request
//! timeout (503 + `Retry-After` beyond it), the body within the body read
//! timeout (408) and `maxPayloadSize` (413). The header read timeout is the
//! server's (see [`crate::server`]).

use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use http_body_util::LengthLimitError;
use lanyard_scim::ScimError;

use crate::response::ApiError;
use crate::state::AppState;

/// Answers 503 with `Retry-After: 1` when the request is not answered in
/// time. Its work is dropped: a write that has not committed rolls back.
pub async fn request_timeout(State(state): State<AppState>, req: Request, next: Next) -> Response {
    answer_in_time(&state, next.run(req)).await
}

/// [`request_timeout`] for a middleware that runs the rest itself.
pub async fn answer_in_time(state: &AppState, answer: impl Future<Output = Response>) -> Response {
    let limit = state.web.settings.request_timeout;
    match tokio::time::timeout(limit, answer).await {
        Ok(res) => res,
        Err(_) => {
            tracing::warn!(timeout_ms = limit.as_millis() as u64, "request timed out");
            let detail = format!("The request was not answered within {}; retry it", humanize(limit));
            ApiError::retry_later(503, &detail, Duration::from_secs(1)).into_response()
        }
    }
}

/// The body, at most `limit` bytes, received within `timeout`.
pub async fn read_body(body: Body, limit: usize, timeout: Duration) -> Result<Bytes, ApiError> {
    match tokio::time::timeout(timeout, axum::body::to_bytes(body, limit)).await {
        Ok(Ok(bytes)) => Ok(bytes),
        Ok(Err(e)) if is_length_limit(&e) => Err(ScimError::payload_too_large(limit).into()),
        Ok(Err(e)) => {
            tracing::debug!(error = %e, "request body could not be read");
            Err(ScimError::invalid_syntax("The request body could not be read").into())
        }
        Err(_) => Err(ScimError::new(408, None, format!("The request body was not received within {}", humanize(timeout))).into()),
    }
}

fn is_length_limit(e: &axum::Error) -> bool {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = source {
        if err.is::<LengthLimitError>() {
            return true;
        }
        source = err.source();
    }
    false
}

fn humanize(d: Duration) -> String {
    if d.subsec_millis() == 0 { format!("{} s", d.as_secs()) } else { format!("{} ms", d.as_millis()) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn bodies_over_the_limit_are_413_and_within_it_are_read() {
        let big = Body::from(vec![b'x'; 11]);
        let err = read_body(big, 10, Duration::from_secs(5)).await.err().unwrap();
        assert_eq!(err.error.status, 413);
        let ok = read_body(Body::from("0123456789"), 10, Duration::from_secs(5)).await.ok().unwrap();
        assert_eq!(ok.len(), 10);
    }

    #[tokio::test]
    async fn a_body_that_does_not_arrive_in_time_is_408() {
        let stalled = Body::from_stream(futures_util::stream::pending::<Result<Bytes, std::io::Error>>());
        let err = read_body(stalled, 10, Duration::from_millis(50)).await.err().unwrap();
        assert_eq!(err.error.status, 408);
    }

    #[test]
    fn durations_read_naturally() {
        assert_eq!(humanize(Duration::from_secs(30)), "30 s");
        assert_eq!(humanize(Duration::from_millis(250)), "250 ms");
    }
}

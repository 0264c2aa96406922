//! Prometheus metrics: request counts and latencies, SCIM errors, and the
//! seats of every tenant (read from the database at scrape time).
//!
//! Labels never carry ids or raw paths: `route` is the matched route
//! template (`/scim/v2/{tenant}/Users/{id}`), `tenant` is the slug of an
//! *authenticated* caller (empty otherwise, so strangers cannot invent
//! label values), `method` is one of the standard methods or `OTHER`.

use axum::http::{Method, StatusCode};
use lanyard_domain::Lanyard;
use prometheus::{Encoder, HistogramOpts, HistogramVec, IntCounterVec, IntGauge, IntGaugeVec, Opts, Registry, TextEncoder};

pub use prometheus::Error as MetricsError;

/// Content type of the text exposition format.
pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

const LATENCY_BUCKETS: &[f64] = &[0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0];

pub struct Metrics {
    registry: Registry,
    requests: IntCounterVec,
    latency: HistogramVec,
    scim_errors: IntCounterVec,
}

/// One finished request, as the request middleware saw it.
pub struct Observation<'a> {
    pub tenant: &'a str,
    pub route: &'a str,
    pub method: &'a Method,
    pub status: StatusCode,
    pub seconds: f64,
    /// The `scimType` of a SCIM error response (`""` when it has none);
    /// `None` when the response is not a SCIM error.
    pub scim_type: Option<&'a str>,
}

impl Metrics {
    pub fn new() -> Result<Self, MetricsError> {
        let registry = Registry::new();
        let requests = IntCounterVec::new(
            Opts::new("lanyard_http_requests_total", "HTTP requests answered, by tenant, route template, method and status."),
            &["tenant", "route", "method", "status"],
        )?;
        let latency = HistogramVec::new(
            HistogramOpts::new("lanyard_http_request_duration_seconds", "Time to answer an HTTP request, by route template and method.")
                .buckets(LATENCY_BUCKETS.to_vec()),
            &["route", "method"],
        )?;
        let scim_errors = IntCounterVec::new(
            Opts::new("lanyard_scim_errors_total", "SCIM error responses (4xx and 5xx), by tenant, route template, status and scimType."),
            &["tenant", "route", "status", "scim_type"],
        )?;
        registry.register(Box::new(requests.clone()))?;
        registry.register(Box::new(latency.clone()))?;
        registry.register(Box::new(scim_errors.clone()))?;
        Ok(Self { registry, requests, latency, scim_errors })
    }

    pub fn observe(&self, o: &Observation<'_>) {
        let method = method_label(o.method);
        let status = o.status.as_str();
        self.requests.with_label_values(&[o.tenant, o.route, method, status]).inc();
        self.latency.with_label_values(&[o.route, method]).observe(o.seconds);
        if let Some(scim_type) = o.scim_type {
            self.scim_errors.with_label_values(&[o.tenant, o.route, status, scim_type]).inc();
        }
    }

    /// The text exposition: the counters above plus seat gauges read now.
    pub async fn render(&self, app: &Lanyard) -> Result<String, MetricsError> {
        let mut families = self.registry.gather();
        families.extend(seat_gauges(app).await?.gather());
        let mut out = Vec::new();
        TextEncoder::new().encode(&families, &mut out)?;
        Ok(String::from_utf8_lossy(&out).into_owned())
    }
}

/// A registry made for one scrape, so a deleted tenant's gauges vanish.
async fn seat_gauges(app: &Lanyard) -> Result<Registry, MetricsError> {
    let registry = Registry::new();
    let up = IntGauge::new("lanyard_database_up", "1 when the last scrape could read the database, 0 otherwise.")?;
    let assigned = IntGaugeVec::new(Opts::new("lanyard_seats_assigned", "Users holding a seat, per tenant."), &["tenant"])?;
    let pending = IntGaugeVec::new(Opts::new("lanyard_seats_pending", "Active users waiting for a seat, per tenant."), &["tenant"])?;
    let limit = IntGaugeVec::new(Opts::new("lanyard_seats_limit", "Seat limit, per tenant (absent: unlimited)."), &["tenant"])?;
    match app.list_tenants().await {
        Ok(tenants) => {
            up.set(1);
            for t in &tenants {
                assigned.with_label_values(&[&t.slug]).set(t.seats_assigned);
                pending.with_label_values(&[&t.slug]).set(t.seats_pending);
                if let Some(n) = t.seat_limit {
                    limit.with_label_values(&[&t.slug]).set(n);
                }
            }
        }
        Err(e) => {
            tracing::error!(error = %e, "metrics: cannot read the tenants' seats");
            up.set(0);
        }
    }
    for c in [Box::new(up) as Box<dyn prometheus::core::Collector>, Box::new(assigned), Box::new(pending), Box::new(limit)] {
        registry.register(c)?;
    }
    Ok(registry)
}

fn method_label(m: &Method) -> &'static str {
    match *m {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::HEAD => "HEAD",
        Method::OPTIONS => "OPTIONS",
        _ => "OTHER",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn observations_are_counted_under_bounded_labels() {
        let m = Metrics::new().unwrap();
        let custom = Method::from_bytes(b"BREW").unwrap();
        for method in [&Method::GET, &custom] {
            m.observe(&Observation {
                tenant: "acme",
                route: "/scim/v2/{tenant}/Users/{id}",
                method,
                status: StatusCode::NOT_FOUND,
                seconds: 0.002,
                scim_type: Some(""),
            });
        }
        let mut out = Vec::new();
        TextEncoder::new().encode(&m.registry.gather(), &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(
            text.contains(
                r#"lanyard_http_requests_total{method="OTHER",route="/scim/v2/{tenant}/Users/{id}",status="404",tenant="acme"} 1"#
            ),
            "{text}"
        );
        assert!(
            text.contains(r#"lanyard_scim_errors_total{route="/scim/v2/{tenant}/Users/{id}",scim_type="",status="404",tenant="acme"} 2"#),
            "{text}"
        );
        assert!(text.contains("lanyard_http_request_duration_seconds_bucket"), "{text}");
    }
}

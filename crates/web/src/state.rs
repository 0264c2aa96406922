//! What every handler and middleware can reach: the domain, the HTTP
//! settings, the throttles and the metrics.

use std::sync::Arc;

use axum::extract::FromRef;
use lanyard_domain::Lanyard;

use crate::auth_throttle::AuthFailureThrottle;
use crate::metrics::{Metrics, MetricsError};
use crate::rate_limit::TokenRateLimiter;
use crate::settings::HttpSettings;

#[derive(Clone)]
pub struct AppState {
    pub lanyard: Lanyard,
    pub web: Arc<Web>,
}

pub struct Web {
    pub settings: HttpSettings,
    pub rate_limit: Option<TokenRateLimiter>,
    pub auth_failures: Option<AuthFailureThrottle>,
    /// Failed admin sign-ins per client address (separate from SCIM's, so
    /// one cannot lock the other out).
    pub admin_sign_in_failures: Option<AuthFailureThrottle>,
    pub metrics: Metrics,
}

impl AppState {
    pub fn new(lanyard: Lanyard, settings: HttpSettings) -> Result<Self, MetricsError> {
        let web = Web {
            rate_limit: settings.rate_limit.map(TokenRateLimiter::new),
            auth_failures: settings.auth_failures.map(AuthFailureThrottle::new),
            admin_sign_in_failures: settings.auth_failures.map(AuthFailureThrottle::new),
            metrics: Metrics::new()?,
            settings,
        };
        Ok(Self { lanyard, web: Arc::new(web) })
    }
}

impl FromRef<AppState> for Lanyard {
    fn from_ref(state: &AppState) -> Lanyard {
        state.lanyard.clone()
    }
}

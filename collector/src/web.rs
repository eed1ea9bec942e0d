//! The SRE dashboard.

use std::sync::Arc;

use axum::Router;

use crate::hub::Hub;

pub fn router(_hub: Arc<Hub>) -> Router {
    Router::new()
}

//! `cargo run`, then put Portcullis in front with `upstream.url: "http://127.0.0.1:8000"`.
use axum::{routing::get, Json, Router};
use portcullis_axum_example::ClientIdentity;

/// Only runs for a request with a verified client certificate; others get 403 from the extractor.
async fn whoami(identity: ClientIdentity) -> Json<ClientIdentity> {
    Json(identity)
}

#[tokio::main]
async fn main() {
    let app = Router::new().route("/whoami", get(whoami));
    // Loopback only: the identity headers are trustworthy because only Portcullis can reach this port.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:8000").await.expect("bind 127.0.0.1:8000");
    axum::serve(listener, app).await.expect("server");
}

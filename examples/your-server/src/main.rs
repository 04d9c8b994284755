//! `cargo run -p your-server` serves the example on 127.0.0.1:8000 (or the
//! address in `ADDR`); any non-empty `X-API-Key` is a tenant.

use your_server::{Store, spawn};

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let addr = std::env::var("ADDR").unwrap_or_else(|_| "127.0.0.1:8000".to_owned());
    let addr = addr
        .parse()
        .map_err(|e| std::io::Error::other(format!("ADDR {addr:?}: {e}")))?;
    let local = spawn(Store::default(), addr).await?;
    println!("serving the TAM Builder API on http://{local}");
    tokio::signal::ctrl_c().await
}

//! Runs the CLI binary with every `OPENFUNNEL_*` variable (and `NO_COLOR`)
//! removed, in the temp dir, from sync or async tests.
#![allow(dead_code)]

use std::process::{Command, Output};

/// Runs `openfunnel-contract args…` with `env` and waits for it.
pub fn cli(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_openfunnel-contract"));
    for var in openfunnel_contract::config::ALL {
        command.env_remove(var);
    }
    command
        .env_remove("NO_COLOR")
        .current_dir(std::env::temp_dir())
        .args(args)
        .envs(env.iter().copied());
    command.output().expect("the CLI runs")
}

/// [`cli`] from an async test, on a blocking thread.
pub async fn cli_async(args: Vec<String>, env: Vec<(String, String)>) -> Output {
    tokio::task::spawn_blocking(move || {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        cli(&args, &env)
    })
    .await
    .unwrap()
}

pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

//! The `lanyard` binary: `serve` and the operator CLI.

mod admin_commands;
mod cli;
mod commands;
mod oidc_commands;
mod serve;
mod sso_commands;
mod webhook_commands;

use clap::Parser;

/// Most of a request's allocations are small and short-lived (parsed JSON,
/// rendered resources); mimalloc serves them with fewer instructions than
/// the system allocator (bench/README.md "Session 7").
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    let args = cli::Args::parse();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    match runtime.block_on(commands::run(args)) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

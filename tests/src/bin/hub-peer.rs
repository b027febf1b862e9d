//! The `provider-hub` command line under another name, so the black-box tests can start
//! real server processes (`CARGO_BIN_EXE_hub-peer`) built from the same code as the tests.

fn main() -> std::process::ExitCode {
    provider_hub_server::cli::main()
}

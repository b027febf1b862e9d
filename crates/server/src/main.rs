//! `provider-hub`: serve the hub, migrate its database, mint local tokens, write the
//! OpenAPI document. The command line itself lives in the library (`cli`).

fn main() -> std::process::ExitCode {
    provider_hub_server::cli::main()
}

//! `provider-hub`: serve the hub, migrate its database, mint local tokens, write the
//! OpenAPI document. The command line itself lives in the library (`cli`).

/// mimalloc rather than the system's: a request makes many small allocations on one
/// worker thread and frees them there, which mimalloc's per-thread pages serve without
/// the system allocator's locks and consolidation (`bench/RESULTS.md`: listing search).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    provider_hub_server::cli::main()
}

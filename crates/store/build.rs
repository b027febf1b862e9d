//! `embed_migrations!` reads the migration directories at compile time, and cargo does
//! not know it: without this a new migration is left out of the next build.
fn main() {
    println!("cargo:rerun-if-changed=../../migrations");
}

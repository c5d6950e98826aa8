//! Ids and bearer secrets from the host's secure random source, and how secrets are stored.

use crate::exports::crm::records::types::Error;
use sha2::{Digest, Sha256};

fn random_hex(bytes: usize) -> Result<String, Error> {
    let mut buf = vec![0u8; bytes];
    getrandom::fill(&mut buf).map_err(|e| crate::db::internal("draw random bytes", e))?;
    Ok(hex::encode(buf))
}

/// A new opaque id such as `stf_4f1c…`: a type prefix and 96 random bits, so URLs leak no counts.
pub fn new_id(prefix: &str) -> Result<String, Error> {
    Ok(format!("{prefix}_{}", random_hex(12)?))
}

/// A new bearer secret with 256 random bits.
pub fn new_secret() -> Result<String, Error> {
    Ok(format!("crm_{}", random_hex(32)?))
}

/// How a secret is stored and looked up. A plain SHA-256 suffices: the secrets are 256-bit
/// random values, so there is nothing for a slow hash to protect against guessing.
pub fn hash(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// Compares two hashes in time independent of where they differ.
pub fn same_hash(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

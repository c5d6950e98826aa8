//! Ids, bearer secrets and tokens from the host's secure random source, and how secrets are
//! stored.

use crate::exports::crm::records::types::Error;
use sha2::{Digest, Sha256};

fn random_hex(bytes: usize) -> Result<String, Error> {
    Ok(hex::encode(random_bytes(bytes)?))
}

/// A new opaque id such as `stf_4f1c…`: a type prefix and 96 random bits, so URLs leak no counts.
pub fn new_id(prefix: &str) -> Result<String, Error> {
    Ok(format!("{prefix}_{}", random_hex(12)?))
}

/// A new bearer secret with 256 random bits.
pub fn new_secret() -> Result<String, Error> {
    Ok(format!("crm_{}", random_hex(32)?))
}

/// A new 256-bit secret as 64 lower-case hex digits, without a prefix: a portal session id, a
/// session's CSRF token, an invitation code (`crm_domain::account::is_secret_token`).
pub fn new_token() -> Result<String, Error> {
    random_hex(32)
}

/// `count` bytes from the host's secure random source, e.g. a password hash's salt.
pub fn random_bytes(count: usize) -> Result<Vec<u8>, Error> {
    let mut buf = vec![0u8; count];
    getrandom::fill(&mut buf).map_err(|e| crate::db::internal("draw random bytes", e))?;
    Ok(buf)
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

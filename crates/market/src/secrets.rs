//! Secrets the hub must keep readable (providers' webhook signing secrets: it signs every
//! delivery with them) are sealed before they reach the database, with a key the operator
//! holds outside it: XChaCha20-Poly1305, a random nonce per secret stored with its
//! ciphertext, and what the secret is for and whose it is as associated data, so a
//! sealed value copied onto another provider's row does not open.

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use rand::Rng;

/// What a sealed value starts with (the format's version: a later key or cipher gets
/// another prefix).
pub const SEALED_PREFIX: &str = "sealed:v1:";
const NONCE_LEN: usize = 24;

/// The key secrets are sealed with: 32 bytes, written in base64 where it is configured.
pub struct SecretKey(XChaCha20Poly1305);

impl std::fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretKey(…)")
    }
}

/// Why a stored value did not open.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OpenError {
    /// Written before secrets were sealed (kept in clear).
    #[error("the secret is stored in clear, not sealed")]
    NotSealed,
    #[error("the sealed secret is damaged")]
    Malformed,
    /// Sealed with another key, or for another owner, or altered.
    #[error("the secret was sealed with another key")]
    WrongKey,
}

impl SecretKey {
    pub fn from_bytes(bytes: &[u8; 32]) -> Self {
        SecretKey(XChaCha20Poly1305::new(bytes.into()))
    }

    /// A key written as base64 (standard or URL-safe, padded or not) of 32 bytes.
    pub fn from_base64(text: &str) -> Result<Self, String> {
        let text = text.trim();
        let bytes = STANDARD
            .decode(text)
            .or_else(|_| URL_SAFE_NO_PAD.decode(text.trim_end_matches('=')))
            .map_err(|_| "is not base64".to_owned())?;
        let bytes: [u8; 32] = bytes.try_into().map_err(|b: Vec<u8>| {
            format!("must be 32 bytes written in base64, not {} bytes", b.len())
        })?;
        Ok(Self::from_bytes(&bytes))
    }

    /// A new random key and its base64 text.
    pub fn generate() -> (Self, String) {
        let bytes: [u8; 32] = rand::rng().random();
        (Self::from_bytes(&bytes), STANDARD.encode(bytes))
    }

    /// Seals `secret`, for `purpose` of `owner`.
    pub fn seal(&self, purpose: &str, owner: &str, secret: &str) -> String {
        let nonce: [u8; NONCE_LEN] = rand::rng().random();
        let aad = associated(purpose, owner);
        let sealed = match self.0.encrypt(
            &XNonce::from(nonce),
            Payload {
                msg: secret.as_bytes(),
                aad: aad.as_bytes(),
            },
        ) {
            Ok(c) => c,
            // Encryption fails only for messages beyond 256 GiB.
            Err(_) => unreachable!("a secret is small enough to seal"),
        };
        let mut bytes = nonce.to_vec();
        bytes.extend_from_slice(&sealed);
        format!("{SEALED_PREFIX}{}", URL_SAFE_NO_PAD.encode(bytes))
    }

    /// Opens what [`SecretKey::seal`] made for the same `purpose` and `owner`.
    pub fn open(&self, purpose: &str, owner: &str, stored: &str) -> Result<String, OpenError> {
        let encoded = stored
            .strip_prefix(SEALED_PREFIX)
            .ok_or(OpenError::NotSealed)?;
        let bytes = URL_SAFE_NO_PAD
            .decode(encoded)
            .map_err(|_| OpenError::Malformed)?;
        if bytes.len() <= NONCE_LEN {
            return Err(OpenError::Malformed);
        }
        let (nonce, sealed) = bytes.split_at(NONCE_LEN);
        let nonce: [u8; NONCE_LEN] = nonce.try_into().map_err(|_| OpenError::Malformed)?;
        let aad = associated(purpose, owner);
        let plain = self
            .0
            .decrypt(
                &XNonce::from(nonce),
                Payload {
                    msg: sealed,
                    aad: aad.as_bytes(),
                },
            )
            .map_err(|_| OpenError::WrongKey)?;
        String::from_utf8(plain).map_err(|_| OpenError::Malformed)
    }
}

/// True when a stored value is sealed (rather than a clear secret from before sealing).
pub fn is_sealed(stored: &str) -> bool {
    stored.starts_with(SEALED_PREFIX)
}

fn associated(purpose: &str, owner: &str) -> String {
    format!("provider-hub/{purpose}/{owner}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sealed_secret_opens_only_with_its_key_purpose_and_owner() {
        let (key, text) = SecretKey::generate();
        let sealed = key.seal("webhook", "prv_a", "whsec_abc");
        assert!(is_sealed(&sealed));
        assert!(!sealed.contains("whsec_abc"));
        assert_eq!(
            key.open("webhook", "prv_a", &sealed).as_deref(),
            Ok("whsec_abc")
        );
        // The same key read back from its text.
        let again = SecretKey::from_base64(&text).expect("its own text");
        assert_eq!(
            again.open("webhook", "prv_a", &sealed).as_deref(),
            Ok("whsec_abc")
        );
        // Another owner, purpose or key: refused.
        assert_eq!(
            key.open("webhook", "prv_b", &sealed),
            Err(OpenError::WrongKey)
        );
        assert_eq!(
            key.open("other", "prv_a", &sealed),
            Err(OpenError::WrongKey)
        );
        let (other, _) = SecretKey::generate();
        assert_eq!(
            other.open("webhook", "prv_a", &sealed),
            Err(OpenError::WrongKey)
        );
        // A fresh nonce each time: the same secret seals differently.
        assert_ne!(sealed, key.seal("webhook", "prv_a", "whsec_abc"));
    }

    #[test]
    fn damaged_or_clear_values_do_not_open() {
        let (key, _) = SecretKey::generate();
        assert_eq!(key.open("w", "p", "whsec_abc"), Err(OpenError::NotSealed));
        assert_eq!(
            key.open("w", "p", "sealed:v1:!!"),
            Err(OpenError::Malformed)
        );
        assert_eq!(
            key.open("w", "p", "sealed:v1:AAAA"),
            Err(OpenError::Malformed)
        );
        let mut sealed = key.seal("w", "p", "s");
        let last = sealed
            .pop()
            .map_or('A', |c| if c == 'A' { 'B' } else { 'A' });
        sealed.push(last);
        assert!(key.open("w", "p", &sealed).is_err());
    }

    #[test]
    fn keys_must_be_32_bytes_of_base64() {
        assert!(SecretKey::from_base64(&STANDARD.encode([7u8; 32])).is_ok());
        assert!(SecretKey::from_base64(&URL_SAFE_NO_PAD.encode([7u8; 32])).is_ok());
        assert!(SecretKey::from_base64(&STANDARD.encode([7u8; 16])).is_err());
        assert!(SecretKey::from_base64("not base64 at all!").is_err());
    }
}

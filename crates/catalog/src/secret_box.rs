//! Forge tokens at rest: sealed with AES-256-GCM under a key derived from the instance secret, so a
//! copy of the database alone (a backup, a dump) does not give away access to the forges.
//! Sealed text is `v1:` + base64(nonce ‖ ciphertext). Opened tokens are only ever handed to the
//! forge clients; they are never logged or returned by the API.

use aes_gcm::aead::{Aead, KeyInit};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use rand::RngCore;
use sha2::{Digest, Sha256};

use crate::error::CatalogError;

const VERSION_PREFIX: &str = "v1:";
const NONCE_LEN: usize = 12;

#[derive(Clone)]
pub struct SecretBox {
    cipher: Aes256Gcm,
}

impl std::fmt::Debug for SecretBox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretBox(..)")
    }
}

impl SecretBox {
    /// Derives the sealing key from the instance secret, separated by purpose from the token
    /// signing key (which uses the secret directly).
    pub fn from_instance_secret(secret: &[u8]) -> Self {
        let mut hasher = Sha256::new();
        hasher.update(b"agora/forge-token-encryption/v1\0");
        hasher.update(secret);
        let key = hasher.finalize();
        Self {
            cipher: Aes256Gcm::new(&key),
        }
    }

    pub fn seal(&self, plaintext: &str) -> Result<String, CatalogError> {
        let mut nonce = [0u8; NONCE_LEN];
        rand::rng().fill_bytes(&mut nonce);
        let ciphertext = self
            .cipher
            .encrypt(Nonce::from_slice(&nonce), plaintext.as_bytes())
            .map_err(|_| CatalogError::invalid("forge token", "could not be encrypted"))?;
        let mut sealed = nonce.to_vec();
        sealed.extend_from_slice(&ciphertext);
        Ok(format!("{VERSION_PREFIX}{}", STANDARD.encode(sealed)))
    }

    /// Opens a sealed token. A token sealed under another instance secret fails here, with a
    /// message that says so rather than handing a forge garbage.
    pub fn open(&self, sealed: &str) -> Result<String, CatalogError> {
        let undecryptable = || {
            CatalogError::invalid(
                "forge token",
                "cannot be decrypted: it was sealed with another instance secret (re-add the forge's token)",
            )
        };
        let encoded = sealed
            .strip_prefix(VERSION_PREFIX)
            .ok_or_else(undecryptable)?;
        let bytes = STANDARD.decode(encoded).map_err(|_| undecryptable())?;
        if bytes.len() <= NONCE_LEN {
            return Err(undecryptable());
        }
        let (nonce, ciphertext) = bytes.split_at(NONCE_LEN);
        let plaintext = self
            .cipher
            .decrypt(Nonce::from_slice(nonce), ciphertext)
            .map_err(|_| undecryptable())?;
        String::from_utf8(plaintext).map_err(|_| undecryptable())
    }
}

#[cfg(test)]
mod tests {
    use super::SecretBox;

    #[test]
    fn sealed_tokens_open_with_the_same_secret_only() {
        let sealer = SecretBox::from_instance_secret(b"instance-secret-one-of-32-bytes-or-more");
        let sealed = sealer.seal("ghp_verysecret").unwrap();
        assert!(!sealed.contains("ghp_verysecret"));
        assert_ne!(
            sealed,
            sealer.seal("ghp_verysecret").unwrap(),
            "a fresh nonce every time"
        );
        assert_eq!(sealer.open(&sealed).unwrap(), "ghp_verysecret");
        let other = SecretBox::from_instance_secret(b"instance-secret-two-of-32-bytes-or-more");
        let error = other.open(&sealed).unwrap_err().to_string();
        assert!(error.contains("another instance secret"), "{error}");
        assert!(!error.contains("ghp_"));
        assert!(sealer.open("v1:not-base64!").is_err());
        assert!(sealer.open("plain").is_err());
    }
}

//! Signing keys: an OpenSSH Ed25519 private key file (a passphrase-protected one is decrypted
//! in memory), or a key held by ssh-agent, selected by naming its `.pub` file. Signatures are
//! SSHSIG, as `ssh-keygen -Y sign` makes them. No key material is ever printed or stored: only
//! the public key and its fingerprint.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, anyhow, bail};
use ssh_agent_lib::secrecy::ExposeSecret;
use ssh_key::{Algorithm, HashAlg, LineEnding, PrivateKey, PublicKey, SshSig};

/// The hash SSHSIG signatures use (as `ssh-keygen -Y sign` does).
const HASH: HashAlg = HashAlg::Sha512;

/// A key that signs.
pub enum Signer {
    /// A private key read from a file (decrypted).
    File(Box<PrivateKey>),
    /// A key held by ssh-agent.
    Agent {
        /// The agent's socket.
        socket: PathBuf,
        /// The key, as named by its `.pub` file.
        public: PublicKey,
    },
}

impl std::fmt::Debug for Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the private key.
        write!(f, "Signer({})", self.fingerprint())
    }
}

/// `SHA256:…` of a public key, as `ssh-keygen -l` prints it.
pub fn fingerprint(key: &ssh_key::public::KeyData) -> String {
    key.fingerprint(HashAlg::Sha256).to_string()
}

fn require_ed25519(algorithm: &Algorithm, path: &Path) -> Result<()> {
    if *algorithm != Algorithm::Ed25519 {
        bail!(
            "'{}' is a {} key: evidence is signed with Ed25519 keys only (make one with 'ssh-keygen -t ed25519')",
            path.display(),
            algorithm.as_str()
        );
    }
    Ok(())
}

impl Signer {
    /// Open the key `--key` names: a private key file, or a `.pub` file whose key ssh-agent
    /// holds. `passphrase` is asked only for an encrypted private key.
    pub fn open(
        path: &Path,
        passphrase: impl FnOnce(&Path) -> Result<ssh_agent_lib::secrecy::SecretString>,
    ) -> Result<Signer> {
        let text = std::fs::read_to_string(path).with_context(|| {
            format!(
                "reading the key '{}' (--key names an OpenSSH Ed25519 private key file, such as ~/.ssh/id_ed25519, or the .pub file of a key held by ssh-agent)",
                path.display()
            )
        })?;
        if text
            .trim_start()
            .starts_with("-----BEGIN OPENSSH PRIVATE KEY-----")
        {
            tracing::info!(
                "signing with the private key file '{}' (it starts as an OpenSSH private key)",
                crate::text::inert(&path.display().to_string())
            );
            return Signer::from_private(path, &text, passphrase);
        }
        if text.trim_start().starts_with("-----BEGIN") {
            bail!(
                "'{}' is not an OpenSSH private key: convert it with 'ssh-keygen -p -f FILE' or make an Ed25519 key with 'ssh-keygen -t ed25519'",
                path.display()
            );
        }
        let public = PublicKey::from_openssh(text.trim()).map_err(|_| {
            anyhow!(
                "'{}' is neither an OpenSSH private key nor a public key (.pub) of a key in ssh-agent",
                path.display()
            )
        })?;
        require_ed25519(&public.algorithm(), path)?;
        tracing::info!(
            "'{}' is a public key: signing through ssh-agent with the key it names",
            crate::text::inert(&path.display().to_string())
        );
        Signer::from_agent(path, public)
    }

    fn from_private(
        path: &Path,
        text: &str,
        passphrase: impl FnOnce(&Path) -> Result<ssh_agent_lib::secrecy::SecretString>,
    ) -> Result<Signer> {
        let key = PrivateKey::from_openssh(text).map_err(|e| {
            anyhow!(
                "'{}' does not read as an OpenSSH private key: {e}",
                path.display()
            )
        })?;
        require_ed25519(&key.algorithm(), path)?;
        let key = if key.is_encrypted() {
            tracing::debug!("the key is encrypted: its passphrase is needed");
            let secret = passphrase(path)?;
            key.decrypt(secret.expose_secret().as_bytes())
                .map_err(|_| {
                    anyhow!(
                        "the passphrase does not open '{}': nothing was signed",
                        path.display()
                    )
                })?
        } else {
            key
        };
        Ok(Signer::File(Box::new(key)))
    }

    #[cfg(unix)]
    fn from_agent(path: &Path, public: PublicKey) -> Result<Signer> {
        let socket = std::env::var_os("SSH_AUTH_SOCK")
            .filter(|s| !s.is_empty())
            .map(PathBuf::from)
            .with_context(|| {
                format!(
                    "'{}' is a public key, so its private key must be in ssh-agent, but SSH_AUTH_SOCK is not set: start an agent and 'ssh-add' the key, or pass the private key file",
                    path.display()
                )
            })?;
        tracing::debug!(
            "ssh-agent at '{}' (from SSH_AUTH_SOCK)",
            crate::text::inert(&socket.display().to_string())
        );
        let signer = Signer::Agent { socket, public };
        signer.agent_identity()?;
        Ok(signer)
    }

    #[cfg(not(unix))]
    fn from_agent(path: &Path, _public: PublicKey) -> Result<Signer> {
        bail!(
            "'{}' is a public key; signing through ssh-agent needs a Unix socket: pass the private key file",
            path.display()
        )
    }

    /// The public key.
    pub fn public_key(&self) -> &PublicKey {
        match self {
            Signer::File(key) => key.public_key(),
            Signer::Agent { public, .. } => public,
        }
    }

    /// The public key as one OpenSSH line, without its comment.
    pub fn public_key_line(&self) -> Result<String> {
        let key = PublicKey::new(self.public_key().key_data().clone(), "");
        Ok(key.to_openssh()?)
    }

    /// `SHA256:…` of the key.
    pub fn fingerprint(&self) -> String {
        fingerprint(self.public_key().key_data())
    }

    /// Sign `msg` for `namespace`; the signature is checked before it is returned.
    pub fn sign(&self, namespace: &str, msg: &[u8]) -> Result<SshSig> {
        let sig = match self {
            Signer::File(key) => key.sign(namespace, HASH, msg)?,
            Signer::Agent { .. } => self.agent_sign(namespace, msg)?,
        };
        self.public_key()
            .verify(namespace, msg, &sig)
            .context("the signature just made does not verify: nothing was written")?;
        Ok(sig)
    }

    /// Sign and armor (`-----BEGIN SSH SIGNATURE-----`, as `ssh-keygen -Y sign` writes).
    pub fn sign_armored(&self, namespace: &str, msg: &[u8]) -> Result<String> {
        Ok(self.sign(namespace, msg)?.to_pem(LineEnding::LF)?)
    }

    #[cfg(unix)]
    fn agent_client(
        &self,
    ) -> Result<ssh_agent_lib::blocking::Client<std::os::unix::net::UnixStream>> {
        let Signer::Agent { socket, .. } = self else {
            bail!("not an agent key");
        };
        let stream = std::os::unix::net::UnixStream::connect(socket).with_context(|| {
            format!(
                "connecting to ssh-agent at '{}' (SSH_AUTH_SOCK)",
                socket.display()
            )
        })?;
        Ok(ssh_agent_lib::blocking::Client::new(stream))
    }

    /// The agent's identity for this key.
    #[cfg(unix)]
    fn agent_identity(&self) -> Result<ssh_agent_lib::proto::Identity> {
        let want = self.public_key().key_data();
        self.agent_client()?
            .request_identities()
            .map_err(|e| anyhow!("asking ssh-agent for its keys: {e}"))?
            .into_iter()
            .find(|id| id.credential.key_data() == want)
            .with_context(|| {
                format!(
                    "ssh-agent does not hold the key {}: add it with 'ssh-add PRIVATE_KEY_FILE'",
                    self.fingerprint()
                )
            })
    }

    #[cfg(unix)]
    fn agent_sign(&self, namespace: &str, msg: &[u8]) -> Result<SshSig> {
        let identity = self.agent_identity()?;
        let data = SshSig::signed_data(namespace, HASH, msg)?;
        let signature = self
            .agent_client()?
            .sign(ssh_agent_lib::proto::SignRequest {
                credential: identity.credential,
                data,
                flags: 0,
            })
            .map_err(|e| anyhow!("ssh-agent refused to sign with {}: {e}", self.fingerprint()))?;
        Ok(SshSig::new(
            self.public_key().key_data().clone(),
            namespace,
            HASH,
            signature,
        )?)
    }

    #[cfg(not(unix))]
    fn agent_sign(&self, _namespace: &str, _msg: &[u8]) -> Result<SshSig> {
        bail!("signing through ssh-agent needs a Unix socket")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key_file(dir: &Path, key: &PrivateKey) -> PathBuf {
        let path = dir.join("id_ed25519");
        std::fs::write(
            &path,
            key.to_openssh(LineEnding::LF).expect("pem").as_bytes(),
        )
        .expect("write");
        path
    }

    #[test]
    fn a_file_key_signs_and_a_passphrase_opens_an_encrypted_one() {
        let dir = tempfile::tempdir().expect("dir");
        let key =
            PrivateKey::random(&mut ssh_key::rand_core::OsRng, Algorithm::Ed25519).expect("key");
        let plain =
            Signer::open(&key_file(dir.path(), &key), |_| panic!("not asked")).expect("opens");
        let sig = plain.sign(super::super::NAMESPACE, b"msg").expect("signs");
        assert_eq!(sig.namespace(), super::super::NAMESPACE);
        let locked = key
            .encrypt(&mut ssh_key::rand_core::OsRng, "correct horse")
            .expect("encrypt");
        let path = key_file(dir.path(), &locked);
        let opened = Signer::open(&path, |_| Ok("correct horse".to_owned().into())).expect("opens");
        assert_eq!(opened.fingerprint(), plain.fingerprint());
        let err = Signer::open(&path, |_| Ok("wrong".to_owned().into())).expect_err("refused");
        assert!(
            err.to_string().contains("passphrase does not open"),
            "{err}"
        );
        assert!(
            !format!("{opened:?}").contains("PRIVATE"),
            "no key material in Debug"
        );
    }
}

//! Signed review evidence (DESIGN §6, reference/evidence.md): the bundle of a closed campaign
//! that an auditor verifies with stock tools (`ssh-keygen -Y verify`, `sha256sum -c`), and
//! nhi-review's own, deeper check of it.
//!
//! - [`write`]: the bundle writer (a temporary folder, renamed into place when complete),
//!   with [`rows`], [`tally`], [`lists`], [`summary`], [`report`] and [`guide`] for its files and
//!   [`manifest`] for `manifest.json`;
//! - [`key`] (and [`passphrase`]): signing with an OpenSSH Ed25519 key file or an ssh-agent;
//!   [`checkpoint`]: the signed checkpoint stored in the database at sign-off;
//! - [`allowed`]: `allowed_signers` files, read as `ssh-keygen` reads them;
//! - [`check`]: verifying a bundle, each kind of tampering with its own message;
//! - [`files`]: the file names, hashing while writing, and `SHA256SUMS`.

pub mod allowed;
pub mod check;
pub mod checkpoint;
pub mod files;
pub mod guide;
pub mod key;
pub mod lists;
pub mod manifest;
pub mod passphrase;
pub mod report;
pub mod rows;
pub mod summary;
pub mod tally;
pub mod write;

pub use check::{BundleReport, VerifyOptions, verify_bundle};
pub use write::{EvidenceRequest, Written, write_bundle};

/// The SSHSIG namespace of evidence signatures. Fixed: a signature made for another namespace
/// (`file`, `git`, …) never verifies as evidence.
pub const NAMESPACE: &str = "nhi-review-evidence-v1";

/// The SSHSIG namespace of the checkpoints stored in the database (never an evidence signature).
pub const CHECKPOINT_NAMESPACE: &str = "nhi-review-checkpoint-v1";

/// The `format` of `manifest.json`.
pub const FORMAT: &str = "nhi-review-evidence";

/// The version of the bundle format this build writes and reads.
pub const FORMAT_VERSION: u32 = 1;

/// The environment variable that may hold a key's passphrase.
pub const PASSPHRASE_ENV: &str = "NHI_REVIEW_KEY_PASSPHRASE";

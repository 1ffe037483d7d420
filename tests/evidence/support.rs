//! What the evidence tests share: a closed example campaign in a review database with a
//! signing key, the binary, the stock tools, and ways to tamper with files.

use std::path::{Path, PathBuf};
use std::process::{Command as Process, Stdio};

use assert_cmd::Command;
use nhi_review::chain::sha256_hex;
use nhi_review::db::Store;
use nhi_review::model::Verdict;
use nhi_review::review::{self, CloseRequest};

use crate::common::{NOW, import_examples, now, request, start};

pub const Q4: &str = "2026-Q4";
pub const ALICE: &str = "alice@example.com";
pub const NS: &str = "nhi-review-evidence-v1";
pub const SES: &str = "arn:aws:iam::210987654321:user/svc-ses-mailer";
pub const BACKUP: &str = "arn:aws:iam::210987654321:user/svc-backup-nightly";
pub const INTERN: &str = "arn:aws:iam::210987654321:user/svc-intern-project-2021";
pub const SNOWFLAKE: &str = "arn:aws:iam::210987654321:user/vendors/svc-snowflake-loader";

/// Whether a stock tool is installed; if not, say so (the check it backs is skipped).
pub fn have(tool: &str) -> bool {
    let found = Process::new(tool)
        .arg("-?")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok();
    if !found {
        eprintln!(
            "skipped: '{tool}' is not installed, so the stock-tool half of this check cannot run"
        );
    }
    found
}

/// A review database with the example organisation's campaign decided in part and closed,
/// a signing key, and the folder everything lives in.
pub struct Env {
    pub dir: tempfile::TempDir,
    pub db: PathBuf,
    pub key: PathBuf,
}

impl Env {
    pub fn new() -> Env {
        let env = Env::open();
        env.campaign(Q4, true);
        env
    }

    pub fn open() -> Env {
        let dir = tempfile::tempdir().expect("tempdir");
        let db = dir.path().join("review.db");
        let mut store = Store::open(&db).expect("store");
        import_examples(&mut store);
        let key = make_key(dir.path(), "alice", None);
        Env { dir, db, key }
    }

    /// Start, decide in part (a keep, a reduce, a revoke and a keep against a revoke
    /// suggestion), close with the rest recorded unreviewed.
    pub fn campaign(&self, name: &str, decide: bool) {
        let mut store = Store::open(&self.db).expect("store");
        start(&mut store, name, now()).expect("start");
        if decide {
            review::decide(&mut store, &request(name, SES, Verdict::Keep)).expect("keep");
            let mut reduce = request(name, BACKUP, Verdict::Reduce);
            reduce.remove = vec!["access_key_1".into()];
            review::decide(&mut store, &reduce).expect("reduce");
            review::decide(&mut store, &request(name, INTERN, Verdict::Revoke)).expect("revoke");
            let mut keep = request(name, SNOWFLAKE, Verdict::Keep);
            keep.justification = "Loads the warehouse nightly; vendor contract runs to 2027".into();
            review::decide(&mut store, &keep).expect("override");
        }
        review::close(
            &mut store,
            &CloseRequest {
                campaign: name.into(),
                accept_undecided: true,
                reviewer: "lead@example.com".into(),
                at: now(),
            },
        )
        .expect("close");
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    pub fn cmd(&self) -> Command {
        let mut c = Command::cargo_bin("nhi-review").expect("binary");
        c.env("NHI_REVIEW_DB", &self.db)
            .env("NHI_REVIEW_NOW", NOW)
            .env_remove("NHI_REVIEW_KEY_PASSPHRASE")
            .env_remove("SSH_AUTH_SOCK")
            .current_dir(self.dir.path());
        c
    }

    /// `evidence` for `campaign` into `out`, signed by the env's key as alice.
    pub fn sign(&self, campaign: &str, out: &str) -> PathBuf {
        let done = self.try_sign(campaign, out);
        assert!(
            done.status.success(),
            "evidence failed: {}",
            String::from_utf8_lossy(&done.stderr)
        );
        self.path(out)
    }

    /// `evidence` for `campaign` into `out`, as [`Env::sign`], whether it succeeds or not.
    pub fn try_sign(&self, campaign: &str, out: &str) -> std::process::Output {
        self.cmd()
            .args([
                "evidence",
                "--campaign",
                campaign,
                "--signer",
                ALICE,
                "-o",
                out,
            ])
            .arg("--key")
            .arg(&self.key)
            .output()
            .expect("runs")
    }

    /// A trusted allowed_signers for alice, written outside the bundle.
    pub fn trusted(&self) -> PathBuf {
        let path = self.path("trusted_allowed_signers");
        let public = std::fs::read_to_string(self.key.with_extension("pub")).expect("pub");
        let key: Vec<&str> = public.split_whitespace().take(2).collect();
        std::fs::write(&path, format!("{ALICE} {}\n", key.join(" "))).expect("write");
        path
    }

    /// `nhi-review verify` of a bundle: (success, stdout + stderr).
    pub fn verify(&self, bundle: &Path, extra: &[&str]) -> (bool, String) {
        let out = self
            .cmd()
            .arg("verify")
            .arg(bundle)
            .args(extra)
            .output()
            .expect("runs");
        let text = String::from_utf8_lossy(&out.stdout).into_owned()
            + &String::from_utf8_lossy(&out.stderr);
        (out.status.success(), text)
    }

    /// Verify against the trusted allowed_signers; must fail with `expected` among the findings
    /// and exit 1.
    pub fn fails_with(&self, bundle: &Path, expected: &str) -> String {
        let trusted = self.trusted();
        let out = self
            .cmd()
            .arg("verify")
            .arg(bundle)
            .arg("--allowed-signers")
            .arg(&trusted)
            .output()
            .expect("runs");
        let text = String::from_utf8_lossy(&out.stdout).into_owned()
            + &String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{text}");
        assert!(text.contains(expected), "expected '{expected}' in:\n{text}");
        text
    }
}

/// An Ed25519 key pair `<name>` and `<name>.pub`: with ssh-keygen where installed, else made
/// by ssh-key.
pub fn make_key(dir: &Path, name: &str, passphrase: Option<&str>) -> PathBuf {
    let path = dir.join(name);
    let made = Process::new("ssh-keygen")
        .args([
            "-q",
            "-t",
            "ed25519",
            "-C",
            name,
            "-N",
            passphrase.unwrap_or(""),
            "-f",
        ])
        .arg(&path)
        .status()
        .is_ok_and(|s| s.success());
    if !made {
        let key = ssh_key::PrivateKey::random(
            &mut ssh_key::rand_core::OsRng,
            ssh_key::Algorithm::Ed25519,
        )
        .expect("key");
        let key = match passphrase {
            Some(p) => key
                .encrypt(&mut ssh_key::rand_core::OsRng, p)
                .expect("encrypt"),
            None => key,
        };
        key.write_openssh_file(&path, ssh_key::LineEnding::LF)
            .expect("write");
        key.public_key()
            .write_openssh_file(&path.with_extension("pub"))
            .expect("pub");
    }
    path
}

/// `ssh-keygen -Y verify` of a bundle: whether it says good.
pub fn keygen_verifies(bundle: &Path, allowed: &Path, identity: &str, namespace: &str) -> bool {
    let sums = std::fs::File::open(bundle.join("SHA256SUMS")).expect("sums");
    Process::new("ssh-keygen")
        .args(["-Y", "verify", "-f"])
        .arg(allowed)
        .args(["-I", identity, "-n", namespace, "-s"])
        .arg(bundle.join("SHA256SUMS.sig"))
        .stdin(sums)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("ssh-keygen")
        .success()
}

/// `sha256sum --strict -c SHA256SUMS` in the bundle: whether every line is OK.
pub fn sums_check(bundle: &Path) -> bool {
    Process::new("sha256sum")
        .args(["--strict", "-c", "SHA256SUMS"])
        .current_dir(bundle)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("sha256sum")
        .success()
}

/// Sign `SHA256SUMS` again with ssh-keygen (as an attacker or a person would).
pub fn keygen_sign(bundle: &Path, key: &Path, namespace: &str) {
    let sig = bundle.join("SHA256SUMS.sig");
    std::fs::remove_file(&sig).expect("rm sig");
    let ok = Process::new("ssh-keygen")
        .args(["-q", "-Y", "sign", "-f"])
        .arg(key)
        .args(["-n", namespace])
        .arg(bundle.join("SHA256SUMS"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("ssh-keygen")
        .success();
    assert!(ok, "ssh-keygen -Y sign");
}

/// Regenerate SHA256SUMS as `sha256sum` would, over the files it lists.
pub fn regenerate_sums(bundle: &Path) {
    let text = std::fs::read_to_string(bundle.join("SHA256SUMS")).expect("sums");
    let mut out = String::new();
    for line in text.lines() {
        let name = &line[66..];
        let bytes = std::fs::read(bundle.join(name)).expect("file");
        out.push_str(&format!("{}  {name}\n", sha256_hex(&bytes)));
    }
    std::fs::write(bundle.join("SHA256SUMS"), out).expect("write");
}

pub fn read(path: &Path) -> String {
    std::fs::read_to_string(path).expect("read")
}

/// Rewrite one file's lines.
pub fn edit_lines(path: &Path, f: impl FnOnce(&mut Vec<String>)) {
    let mut lines: Vec<String> = read(path).lines().map(str::to_owned).collect();
    f(&mut lines);
    std::fs::write(path, lines.join("\n") + "\n").expect("write");
}

/// The line number (from 0) of the first decision line naming `native_id`.
pub fn line_of(lines: &[String], native_id: &str) -> usize {
    lines
        .iter()
        .position(|l| l.contains("\"kind\":\"decision\"") && l.contains(native_id))
        .expect("decision line")
}

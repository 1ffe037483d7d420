//! `evidence` killed (SIGKILL) at varied points: there is either no bundle at the target or a
//! whole one that verifies; no folder left behind verifies unless it is the whole bundle; the
//! campaign's chain still verifies.

use std::time::{Duration, Instant};

use super::support::Env;

#[test]
fn a_killed_evidence_run_leaves_no_half_bundle_that_verifies() {
    let env = Env::open();
    env.campaign("2026-Q4", true);
    let trusted = env.trusted();
    let (mut kills, mut whole, mut absent) = (0, 0, 0);
    for (n, delay_ms) in [0u64, 5, 10, 15, 20, 30, 40, 50, 60, 80, 110, 150, 250]
        .into_iter()
        .enumerate()
    {
        let out = format!("bundle-{n}");
        let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("nhi-review"))
            .current_dir(env.path(""))
            .env("NHI_REVIEW_DB", env.path("review.db"))
            .env("NHI_REVIEW_NOW", super::common::NOW)
            .env_remove("NHI_REVIEW_KEY_PASSPHRASE")
            .env_remove("SSH_AUTH_SOCK")
            .args([
                "evidence",
                "--campaign",
                "2026-Q4",
                "--signer",
                "alice@example.com",
                "-o",
                &out,
            ])
            .arg("--key")
            .arg(&env.key)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("spawn");
        let started = Instant::now();
        while started.elapsed() < Duration::from_millis(delay_ms) {
            if child.try_wait().expect("wait").is_some() {
                break;
            }
            std::thread::sleep(Duration::from_millis(1));
        }
        let killed = child.try_wait().expect("wait").is_none();
        if killed {
            child.kill().expect("SIGKILL");
            kills += 1;
        }
        let status = child.wait().expect("reaped");
        assert!(
            killed || status.success(),
            "an evidence run that was not killed failed"
        );
        let target = env.path(&out);
        if target.exists() {
            let (ok, text) = env.verify(
                &target,
                &["--allowed-signers", trusted.to_str().expect("utf-8")],
            );
            assert!(ok, "a bundle at the target must be whole:\n{text}");
            whole += 1;
        } else {
            absent += 1;
        }
    }
    // Whatever a kill left beside the targets (a temporary folder) verifies only if the kill fell
    // between the last write and the rename: then it holds every file of a whole bundle.
    let whole_files = files_of(&env.sign("2026-Q4", "bundle-complete"));
    for entry in std::fs::read_dir(env.path("")).expect("list") {
        let path = entry.expect("entry").path();
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        if path.is_dir() && !name.starts_with("bundle-") {
            let (ok, _) = env.verify(&path, &[]);
            assert!(
                !ok || files_of(&path) == whole_files,
                "a leftover folder that is not a whole bundle verifies: {}",
                path.display()
            );
        }
    }
    let verify = env
        .cmd()
        .args(["campaign", "verify", "2026-Q4"])
        .output()
        .expect("verify");
    assert!(
        verify.status.success(),
        "{}",
        String::from_utf8_lossy(&verify.stdout)
    );
    println!(
        "evidence kills: {kills} injected, {whole} whole bundles, {absent} absent, 0 half bundles that verify"
    );
}

/// The sorted file names in a folder.
fn files_of(dir: &std::path::Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .expect("list")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

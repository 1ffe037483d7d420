//! The eleven tamper cases of reference/evidence.md, each failing with its own message through
//! `nhi-review verify` (or `campaign verify`, for the database), and through the stock tools
//! wherever they can see it.

use std::path::{Path, PathBuf};

use nhi_review::chain::{Record, sha256_hex};
use nhi_review::db::prelude::*;
use nhi_review::db::{Store, StoredRecord};

use crate::common;
use crate::support::*;

#[test]
fn case_1_an_edited_decision_field_is_named_in_the_jsonl_the_csv_and_the_database() {
    let env = Env::new();
    let bundle = env.sign(Q4, "out");
    let jsonl = bundle.join("decisions.jsonl");
    let original = read(&jsonl);
    edit_lines(&jsonl, |l| {
        let i = line_of(l, INTERN);
        l[i] = l[i].replace("\"verdict\":\"revoke\"", "\"verdict\":\"keep\"");
    });
    let text = env.fails_with(&bundle, "decisions.jsonl was edited");
    assert!(
        text.contains("'decisions.jsonl' was changed after signing"),
        "{text}"
    );
    assert!(
        text.contains("was edited: its bytes no longer hash to what record"),
        "{text}"
    );
    if have("sha256sum") {
        assert!(!sums_check(&bundle));
    }
    std::fs::write(&jsonl, original).expect("restore");
    edit_lines(&bundle.join("decisions.csv"), |l| {
        let i = l
            .iter()
            .position(|r| r.contains("svc-intern-project-2021") && r.contains(",revoke,"))
            .expect("row");
        l[i] = l[i].replace(",revoke,", ",keep,");
    });
    env.fails_with(&bundle, "does not say what record #");
    env.fails_with(&bundle, "decisions.csv was edited");
    // In the database: campaign verify names the edited record, and nothing is signed.
    let store = Store::open(&env.db).expect("store");
    store
        .connection()
        .execute_batch("DROP TRIGGER record_no_update;")
        .expect("unlock");
    store.connection().execute("UPDATE record SET record = replace(record, '\"verdict\":\"revoke\"', '\"verdict\":\"keep\"') WHERE verdict = 'revoke'", []).expect("tamper");
    let found = common::findings(&store, Q4);
    assert!(
        found
            .iter()
            .any(|f| f.contains("does not match its hash: it was edited")),
        "{found:?}"
    );
    let out = env
        .cmd()
        .args([
            "evidence",
            "--campaign",
            Q4,
            "--signer",
            ALICE,
            "-o",
            "again",
            "--key",
        ])
        .arg(&env.key)
        .assert()
        .code(1);
    assert!(String::from_utf8_lossy(&out.get_output().stderr).contains("does not verify"));
}

#[test]
fn case_2_a_deleted_middle_or_last_record_is_named() {
    let env = Env::new();
    let bundle = env.sign(Q4, "out");
    let jsonl = bundle.join("decisions.jsonl");
    let original = read(&jsonl);
    edit_lines(&jsonl, |l| {
        l.remove(4);
    });
    env.fails_with(
        &bundle,
        "record #5 was deleted: decisions.jsonl goes from #4 to #6",
    );
    if have("sha256sum") {
        assert!(!sums_check(&bundle));
    }
    std::fs::write(&jsonl, &original).expect("restore");
    edit_lines(&jsonl, |l| {
        l.pop();
    });
    env.fails_with(&bundle, "the last 1 record(s) were deleted");
}

#[test]
fn case_3_reordered_renumbered_and_inserted_records_are_named() {
    let env = Env::new();
    let bundle = env.sign(Q4, "out");
    let jsonl = bundle.join("decisions.jsonl");
    let original = read(&jsonl);
    edit_lines(&jsonl, |l| l.swap(5, 6));
    env.fails_with(&bundle, "records were reordered: #7 comes before #6");
    std::fs::write(&jsonl, &original).expect("restore");
    edit_lines(&jsonl, |l| l[5] = l[5].replace("\"seq\":6", "\"seq\":60"));
    env.fails_with(&bundle, "record #6 was renumbered #60");
    std::fs::write(&jsonl, &original).expect("restore");
    edit_lines(&jsonl, |l| {
        let forged = l[5].replace("\"justification\":\"", "\"justification\":\"Approved. ");
        l.insert(5, forged);
    });
    env.fails_with(
        &bundle,
        "a record was inserted before record #6: two records claim #6",
    );
    if have("sha256sum") {
        assert!(!sums_check(&bundle));
    }
}

#[test]
fn case_4_an_edited_manifest_is_named() {
    let env = Env::new();
    let bundle = env.sign(Q4, "out");
    let path = bundle.join("manifest.json");
    let original = read(&path);
    let mut m: serde_json::Value = serde_json::from_str(&original).expect("json");
    m["sources"][0]["sha256"] = serde_json::Value::from("0".repeat(64));
    std::fs::write(&path, serde_json::to_string_pretty(&m).expect("json")).expect("write");
    env.fails_with(
        &bundle,
        "that the manifest does not list: the manifest's sources were edited",
    );
    if have("sha256sum") {
        assert!(!sums_check(&bundle));
    }
    for (field, value) in [
        ("head", serde_json::Value::from("f".repeat(64))),
        ("length", serde_json::Value::from(3)),
    ] {
        let mut m: serde_json::Value = serde_json::from_str(&original).expect("json");
        m["chain"][field] = value;
        std::fs::write(&path, serde_json::to_string_pretty(&m).expect("json")).expect("write");
        env.fails_with(&bundle, "the manifest says the chain has");
        env.fails_with(&bundle, "the manifest was edited");
    }
}

#[test]
fn case_5_sha256sums_regenerated_without_signing_again_is_named() {
    let env = Env::new();
    let bundle = env.sign(Q4, "out");
    edit_lines(&bundle.join("decisions.csv"), |l| {
        let i = l
            .iter()
            .position(|r| r.contains("svc-intern-project-2021") && r.contains(",revoke,"))
            .expect("row");
        l[i] = l[i].replace(",revoke,", ",keep,");
    });
    regenerate_sums(&bundle);
    env.fails_with(&bundle, "SHA256SUMS does not match its signature: it was changed after signing (hashes regenerated without signing again)");
    if have("ssh-keygen") {
        assert!(sums_check(&bundle), "sha256sum cannot see this one");
        assert!(
            !keygen_verifies(&bundle, &env.trusted(), ALICE, NS),
            "ssh-keygen can"
        );
    }
}

#[test]
fn case_6_a_signature_taken_from_another_bundle_by_the_same_key_is_named() {
    let env = Env::new();
    let first = env.sign(Q4, "first");
    let second = env
        .cmd()
        .env("NHI_REVIEW_NOW", "2026-11-28T09:00:00Z")
        .args([
            "evidence",
            "--campaign",
            Q4,
            "--signer",
            ALICE,
            "-o",
            "second",
            "--key",
        ])
        .arg(&env.key)
        .assert()
        .success();
    drop(second);
    let second = env.path("second");
    std::fs::copy(first.join("SHA256SUMS.sig"), second.join("SHA256SUMS.sig")).expect("copy");
    env.fails_with(
        &second,
        "over another SHA256SUMS: it was taken from another bundle",
    );
    if have("ssh-keygen") {
        assert!(!keygen_verifies(&second, &env.trusted(), ALICE, NS));
    }
}

/// An attacker's full re-signing: their own key named everywhere (manifest, allowed_signers),
/// every hash regenerated, signed again with their key.
fn resign_as_attacker(env: &Env, bundle: &Path) -> (PathBuf, String) {
    let mallory = make_key(env.dir.path(), "mallory", None);
    let public = read(&mallory.with_extension("pub"));
    let public: Vec<&str> = public.split_whitespace().take(2).collect();
    let public = public.join(" ");
    let fp = ssh_key::PublicKey::from_openssh(&public)
        .expect("key")
        .fingerprint(ssh_key::HashAlg::Sha256)
        .to_string();
    std::fs::write(
        bundle.join("allowed_signers"),
        format!("{ALICE} namespaces=\"{NS}\" {public}\n"),
    )
    .expect("write");
    let path = bundle.join("manifest.json");
    let mut m: serde_json::Value = serde_json::from_str(&read(&path)).expect("json");
    m["signer"]["key_fingerprint"] = fp.clone().into();
    m["signer"]["public_key"] = public.into();
    let name = "allowed_signers";
    m["files"][name]["sha256"] = sha256_hex(&std::fs::read(bundle.join(name)).expect("f")).into();
    m["files"][name]["bytes"] = std::fs::metadata(bundle.join(name))
        .expect("m")
        .len()
        .into();
    std::fs::write(
        &path,
        serde_json::to_string_pretty(&m).expect("json") + "\n",
    )
    .expect("write");
    let hash = sha256_hex(&std::fs::read(&path).expect("manifest"));
    edit_lines(&bundle.join("VERIFY.md"), |l| {
        for line in l
            .iter_mut()
            .filter(|x| x.starts_with("- sha256 of manifest.json: "))
        {
            *line = format!("- sha256 of manifest.json: `{hash}`");
        }
    });
    regenerate_sums(bundle);
    keygen_sign(bundle, &mallory, NS);
    (mallory, fp)
}

#[test]
fn case_7_a_bundle_signed_again_with_an_attackers_key_is_named_and_its_key_shown() {
    let env = Env::new();
    if !have("ssh-keygen") {
        return;
    }
    let bundle = env.sign(Q4, "out");
    let (_, fp) = resign_as_attacker(&env, &bundle);
    env.fails_with(&bundle, &format!("the bundle was signed by key {fp}, but"));
    env.fails_with(&bundle, "it was signed again by someone else's key");
    assert!(
        !keygen_verifies(&bundle, &env.trusted(), ALICE, NS),
        "a trusted allowed_signers catches it"
    );
    // The auditor who wrongly trusts the bundle's own allowed_signers: ssh-keygen says good,
    // and nhi-review says which key signed and that this proves nothing.
    assert!(keygen_verifies(
        &bundle,
        &bundle.join("allowed_signers"),
        ALICE,
        NS
    ));
    let (ok, text) = env.verify(
        &bundle,
        &[
            "--allowed-signers",
            bundle.join("allowed_signers").to_str().expect("utf-8"),
        ],
    );
    assert!(ok, "{text}");
    assert!(
        text.contains(&format!("signed by: key {fp}"))
            && text.contains("bundle's own allowed_signers")
            && text.contains("NOT TRUSTED"),
        "{text}"
    );
    let verify_md = read(&bundle.join("VERIFY.md"));
    assert!(verify_md.contains("not a trust anchor"));
}

#[test]
fn case_8_a_wrong_signer_identity_or_namespace_is_named() {
    let env = Env::new();
    let bundle = env.sign(Q4, "out");
    let trusted = env.trusted();
    let (ok, text) = env.verify(
        &bundle,
        &[
            "--allowed-signers",
            trusted.to_str().expect("utf-8"),
            "--signer",
            "bob@example.com",
        ],
    );
    assert!(
        !ok && text.contains("not for 'bob@example.com': wrong signer identity"),
        "{text}"
    );
    let (ok, text) = env.verify(&bundle, &["--signer", "bob@example.com"]);
    assert!(
        !ok && text.contains(
            "but the bundle names 'alice@example.com' as its signer: wrong signer identity"
        ),
        "{text}"
    );
    // There is no way to verify for another namespace.
    env.cmd()
        .arg("verify")
        .arg(&bundle)
        .args(["--namespace", "file"])
        .assert()
        .code(2);
    if !have("ssh-keygen") {
        return;
    }
    assert!(!keygen_verifies(&bundle, &trusted, "bob@example.com", NS));
    assert!(
        !keygen_verifies(&bundle, &trusted, ALICE, "file"),
        "wrong namespace at verification"
    );
    keygen_sign(&bundle, &env.key, "file");
    env.fails_with(
        &bundle,
        "was made for namespace 'file', not 'nhi-review-evidence-v1'",
    );
    assert!(
        !keygen_verifies(&bundle, &trusted, ALICE, NS),
        "wrong namespace at signing"
    );
}

#[test]
fn case_9_a_missing_or_an_unlisted_file_is_named() {
    let env = Env::new();
    let bundle = env.sign(Q4, "out");
    std::fs::rename(bundle.join("summary.md"), env.path("summary.md")).expect("move");
    env.fails_with(
        &bundle,
        "'summary.md' is listed in SHA256SUMS but missing: a signed file was removed",
    );
    if have("sha256sum") {
        assert!(!sums_check(&bundle));
    }
    std::fs::rename(env.path("summary.md"), bundle.join("summary.md")).expect("back");
    std::fs::write(
        bundle.join("exceptions.csv"),
        "identity,approved\nsvc-intern,yes\n",
    )
    .expect("extra");
    env.fails_with(&bundle, "'exceptions.csv' is in the bundle but not listed in SHA256SUMS: it was added after signing");
    if have("sha256sum") {
        assert!(
            sums_check(&bundle),
            "sha256sum cannot see an unlisted file (VERIFY.md counts them)"
        );
    }
}

/// Drop the append-only triggers, as someone with `sqlite3` and the file would.
fn unlock(store: &Store) {
    store
        .connection()
        .execute_batch("DROP TRIGGER record_no_update; DROP TRIGGER record_no_delete;")
        .expect("unlock");
}

fn checkpoint_findings(env: &Env) -> Vec<String> {
    let store = Store::open(&env.db).expect("store");
    common::findings(&store, Q4)
        .into_iter()
        .filter(|f| f.starts_with("checkpoint:"))
        .collect()
}

#[test]
fn case_10_a_database_chain_cut_appended_to_or_recomputed_after_sign_off_is_named() {
    // Cut: the close record and the last decision deleted with everything derived.
    let env = Env::new();
    env.sign(Q4, "out");
    let store = Store::open(&env.db).expect("store");
    unlock(&store);
    store
        .connection()
        .execute_batch("DELETE FROM record WHERE seq > (SELECT MAX(seq) - 2 FROM record)")
        .expect("cut");
    drop(store);
    let found = checkpoint_findings(&env);
    assert!(
        found
            .iter()
            .any(|f| f.contains("cut tail: the chain ends at #")
                && f.contains("its last 2 record(s) were cut off")),
        "{found:?}"
    );
    env.cmd().args(["campaign", "verify", Q4]).assert().code(1);

    // Forged append: a validly hashed record after the signed head.
    let env = Env::new();
    env.sign(Q4, "out");
    let mut store = Store::open(&env.db).expect("store");
    let c = store.campaign(Q4).expect("c");
    let (seq, head) = store.chain_head(c.id).expect("head").expect("some");
    let mut forged = common::records(&store, Q4)
        .into_iter()
        .find_map(|(_, r)| matches!(r, Record::Decision(_)).then_some(r))
        .expect("decision");
    forged.set_link(seq + 1, &head);
    store
        .write(|tx| {
            tx.append_record(&StoredRecord {
                campaign: c.id,
                identity: None,
                record: forged,
            })
        })
        .expect("append");
    drop(store);
    let found = checkpoint_findings(&env);
    assert!(
        found
            .iter()
            .any(|f| f.contains("forged append: 1 record(s) follow record #")),
        "{found:?}"
    );

    // Full recompute: one justification rewritten and every hash after it recomputed.
    let env = Env::new();
    env.sign(Q4, "out");
    let mut store = Store::open(&env.db).expect("store");
    let c = store.campaign(Q4).expect("c");
    let all = common::records(&store, Q4);
    unlock(&store);
    store
        .connection()
        .execute("DELETE FROM record WHERE campaign_id = ?1", [c.id])
        .expect("wipe");
    let mut prev = nhi_review::chain::GENESIS.to_owned();
    store
        .write(|tx| {
            for (row, mut record) in all {
                if let Record::Decision(d) = &mut record
                    && d.verdict == "revoke"
                {
                    d.justification = "Kept after all: the team still needs it".into();
                }
                record.set_link(row.link.seq, &prev);
                let identity = row
                    .short_id
                    .as_deref()
                    .map(|s| tx.resolve_identity(s))
                    .transpose()?;
                prev = tx.append_record(&StoredRecord {
                    campaign: c.id,
                    identity,
                    record,
                })?;
            }
            Ok(())
        })
        .expect("recompute");
    drop(store);
    let store = Store::open(&env.db).expect("store");
    let all = common::findings(&store, Q4);
    assert!(
        all.iter().all(|f| f.starts_with("checkpoint:")),
        "only the checkpoint sees it: {all:?}"
    );
    assert!(
        all.iter().any(|f| f.contains(
            "full recompute: every record hashes and links to the one before, but record #"
        )),
        "{all:?}"
    );
    // A checkpoint row edited to match is itself caught: its signature no longer verifies.
    store
        .connection()
        .execute_batch("DROP TRIGGER checkpoint_no_update;")
        .expect("unlock");
    store
        .connection()
        .execute("UPDATE checkpoint SET head = ?1", [&prev])
        .expect("edit");
    let found = common::findings(&store, Q4);
    assert!(
        found.iter().any(|f| f
            .contains("was tampered with: its columns do not say what its signed statement says")),
        "{found:?}"
    );
}

#[test]
fn case_11_a_valid_bundle_of_another_campaign_is_refused_as_this_one() {
    let env = Env::open();
    env.campaign("2026-Q3", false);
    env.campaign(Q4, true);
    let q3 = env.sign("2026-Q3", "evidence-2026-Q3");
    let replayed = env.path("evidence-2026-Q4");
    std::fs::rename(&q3, &replayed).expect("rename");
    let trusted = env.trusted();
    let out = env
        .cmd()
        .arg("verify")
        .arg(&replayed)
        .arg("--allowed-signers")
        .arg(&trusted)
        .args(["--campaign", Q4])
        .output()
        .expect("runs");
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1));
    assert!(text.contains("this bundle is the evidence of campaign '2026-Q3', not '2026-Q4': a valid bundle of another campaign was offered in its place"), "{text}");
    let (ok, text) = env.verify(&replayed, &[]);
    assert!(ok && text.contains("the folder is named for campaign '2026-Q4' but holds the evidence of campaign '2026-Q3'"), "{text}");
}

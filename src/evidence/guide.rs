//! `VERIFY.md`, the auditor's instructions with every command filled in, and the bundle's
//! convenience copy of `allowed_signers` (which the instructions say is not a trust anchor).
//! Also what a signer identity may be: it goes on an `allowed_signers` line and into shell
//! commands, so it is kept to characters that need no quoting in either.

use anyhow::{Result, bail};

use super::NAMESPACE;
use super::files::{SIGNATURE, SIGNED, SUMS};
use super::manifest::Manifest;

/// Refuse a signer identity that an `allowed_signers` line or a shell would read differently.
pub fn check_signer(id: &str) -> Result<()> {
    let ok = !id.is_empty()
        && id.len() <= 200
        && !id.starts_with('-')
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "._@+=:/-".contains(c));
    if !ok {
        bail!(
            "signer '{id}' must be 1 to 200 letters, digits or . _ @ + = : / - (not starting with -), e.g. 'alice@example.com'"
        );
    }
    Ok(())
}

/// A word for a POSIX shell, single-quoted when it needs to be.
pub fn shell_word(s: &str) -> String {
    if !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "._@+=:/-".contains(c))
    {
        s.to_owned()
    } else {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
}

/// The `allowed_signers` line for the signer.
pub fn allowed_signers_line(identity: &str, public_key: &str) -> String {
    format!("{identity} namespaces=\"{NAMESPACE}\" {public_key}\n")
}

/// Where the manifest's own hash is written in `VERIFY.md`, for the verifier to read back.
pub const MANIFEST_HASH_LABEL: &str = "- sha256 of manifest.json: ";

/// The manifest's sha256 as `VERIFY.md` states it, if it does.
pub fn stated_manifest_hash(verify_md: &str) -> Option<&str> {
    verify_md.lines().find_map(|l| {
        l.strip_prefix(MANIFEST_HASH_LABEL)
            .map(|h| h.trim_matches('`'))
    })
}

/// `VERIFY.md`.
pub fn verify_md(m: &Manifest, manifest_sha256: &str) -> String {
    let id = &m.signer.identity;
    let campaign = shell_word(&m.campaign);
    let files = SIGNED.len() + 2;
    format!(
        "# How to verify this evidence

This folder is the signed evidence of review campaign **{name}**, made {created} by {tool} {version}.

- campaign: `{name}` (started {started}, closed {closed})
- signer: `{id}`, key `{fp}`
- signature namespace: `{NAMESPACE}`
{MANIFEST_HASH_LABEL}`{manifest_sha256}`
- chain: {length} records, head `{head}`

Run every command below inside this folder. None needs nhi-review.

## 1. Get the signer's public key from somewhere else

The file `allowed_signers` in this folder is a convenience copy and **not a trust anchor**: whoever
changes a bundle and signs it again with their own key also ships their own `allowed_signers`, and
`ssh-keygen` will then report a good signature. Obtain the signer's public key through a channel
you already trust (your organisation's key directory, the signer in person), save it as
`signer.pub` in the folder above this one (nothing may be added to this folder), and compare its
fingerprint with the one above:

    ssh-keygen -l -f ../signer.pub     # must print {fp}

Then write your own allowed_signers file from it, also outside this folder:

    printf '%s namespaces=\"%s\" %s\\n' {id} {NAMESPACE} \"$(cut -d' ' -f1,2 ../signer.pub)\" > ../TRUSTED_allowed_signers

## 2. Check the signature over SHA256SUMS

    ssh-keygen -Y verify -f ../TRUSTED_allowed_signers -I {id} -n {NAMESPACE} -s {SIGNATURE} < {SUMS}

It must print `Good \"{NAMESPACE}\" signature for {id}` with key `{fp}`. A signature made for any
other namespace (`file`, `git`) is not evidence and does not verify here.

## 3. Check every file against SHA256SUMS

    sha256sum --strict -c {SUMS}        # macOS: shasum -a 256 -c {SUMS}

Every line must end in `OK`. Then check that nothing else is here: this folder holds exactly
{files} files, `{SUMS}`, `{SIGNATURE}` and the ones `{SUMS}` lists.

    ls -A | wc -l                       # must print {files}

## 4. Read the manifest

`manifest.json` names the campaign: make sure it is `{name}`, the one you asked for (a valid bundle
of another campaign also passes steps 2 and 3). It also gives the period, the thresholds, every
imported source file with its sha256 and reconciliation, the population hash and size, and the
chain head and length, all covered by the signature.

## With nhi-review (optional, deeper)

    nhi-review verify . --allowed-signers ../TRUSTED_allowed_signers --signer {id} --campaign {campaign}

also checks the decision chain in `decisions.jsonl` record by record (every hash and link, start
first, close last), `decisions.csv` against it, the manifest's counts against the files, and
`population.csv` against the population hash. It names each kind of tampering it finds.

## What this proves

- The files are exactly those the holder of key `{fp}` signed, for this purpose (namespace).
- `decisions.jsonl` is the campaign's hash chain: who decided what, when and why, every owner and
  business-function change, and the close; any edit, deletion, insertion or reordering breaks it.
- The population reviewed is the one frozen at the start record (its hash), drawn from the listed
  exports (their sha256).

What it cannot prove on its own: that the signer is who they say (step 1), or that this is the
latest bundle of the campaign (ask for the chain head; nhi-review keeps each signed head in the
review database and `nhi-review campaign verify` compares the database with every one of them).
",
        name = m.campaign,
        created = m.created_at,
        tool = m.tool.name,
        version = m.tool.version,
        started = m.period.started_at,
        closed = m.period.closed_at,
        fp = m.signer.key_fingerprint,
        length = m.chain.length,
        head = m.chain.head,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signer_identities_need_no_quoting() {
        check_signer("alice@example.com").expect("ok");
        for bad in ["", "a b", "a\"b", "-x", "a,b", "a*", "$(x)"] {
            assert!(check_signer(bad).is_err(), "{bad}");
        }
        assert_eq!(shell_word("2026-Q4"), "2026-Q4");
        assert_eq!(shell_word("it's Q4"), "'it'\\''s Q4'");
    }
}

//! Golden vectors and tampering of the chain.

use super::record::*;
use super::verify::Verifier;
use super::*;

/// The golden schema-1 bytes: records written before the upgrade still parse, unchanged.
const LEGACY_GOLDEN: &str = r#"{"action":"decide","business_function":"Nightly backup of the «Zürich» ledger","campaign":"2026-Q4","decided_at":"2026-11-27T10:11:12Z","identity_account":"555566667777","identity_native_id":"arn:aws:iam::555566667777:user/svc-backup","identity_provider":"aws","justification":"Owner said \"still needed\"; path C:\\backup","prev_hash":"0000000000000000000000000000000000000000000000000000000000000000","removed":["credential:access_key_1"],"reviewer":"ana@example.com","seq":1,"verdict":"reduce"}"#;

fn start(seq: u64, prev: &str, legacy: u64) -> Record {
    Record::Start(StartRecord {
        at: "2026-11-27T09:00:00Z".into(),
        campaign: "2026-Q4".into(),
        default_reviewer: String::new(),
        due_date: "2026-12-31".into(),
        inactivity_days: 90,
        independent: 0,
        kind: "start".into(),
        legacy_records: legacy,
        population_hash: sha256_hex(b"population"),
        population_size: 78,
        prev_hash: prev.into(),
        rotation_days: 90,
        scope: String::new(),
        second_review: String::new(),
        seq,
        started_by: "ana@example.com".into(),
    })
}

fn decision(justification: &str) -> Record {
    Record::Decision(DecisionRecord {
        action: "decide".into(),
        at: "2026-11-27T10:11:12Z".into(),
        business_function: "Nightly backup of the «Zürich» ledger".into(),
        campaign: "2026-Q4".into(),
        identity_account: "555566667777".into(),
        identity_native_id: "arn:aws:iam::555566667777:user/svc-backup".into(),
        identity_provider: "aws".into(),
        justification: justification.into(),
        kind: "decision".into(),
        owner: "sre@example.com".into(),
        prev_hash: String::new(),
        removed: vec![
            Item::from(&crate::model::ItemRef::Credential {
                id: "access_key_1".into(),
            }),
            Item::from(&crate::model::ItemRef::Grant {
                permission: "AdministratorAccess".into(),
                resource: "*".into(),
                condition: String::new(),
                via: "group:admins".into(),
            }),
        ],
        reviewer: "ana@example.com".into(),
        second_review: String::new(),
        seq: 0,
        suggested: "revoke".into(),
        verdict: "reduce".into(),
    })
}

/// A correctly chained list: the start, then one decision per justification.
fn chain_of(justifications: &[String]) -> Vec<StoredLink> {
    let mut records = vec![start(1, GENESIS, 0)];
    records.extend(justifications.iter().map(|j| decision(j)));
    link_all(records)
}

fn link_all(records: Vec<Record>) -> Vec<StoredLink> {
    let mut prev = GENESIS.to_owned();
    records
        .into_iter()
        .enumerate()
        .map(|(i, mut r)| {
            let seq = i as u64 + 1;
            r.set_link(seq, &prev);
            let record = r.to_canonical();
            let row_hash = sha256_hex(record.as_bytes());
            let link = StoredLink {
                seq,
                prev_hash: prev.clone(),
                row_hash: row_hash.clone(),
                record,
            };
            prev = row_hash;
            link
        })
        .collect()
}

fn chain(n: usize) -> Vec<StoredLink> {
    chain_of(&vec![
        "Owner said \"still needed\"; path C:\\backup"
            .to_owned();
        n
    ])
}

/// The keys of a JSON object in the order written.
fn keys_in_order(json: &str) -> Vec<String> {
    struct Keys(Vec<String>);
    impl<'de> serde::Deserialize<'de> for Keys {
        fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            struct V;
            impl<'de> serde::de::Visitor<'de> for V {
                type Value = Keys;
                fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                    f.write_str("an object")
                }
                fn visit_map<A: serde::de::MapAccess<'de>>(
                    self,
                    mut m: A,
                ) -> Result<Keys, A::Error> {
                    let mut keys = Vec::new();
                    while let Some(k) = m.next_key::<String>()? {
                        keys.push(k);
                        m.next_value::<serde::de::IgnoredAny>()?;
                    }
                    Ok(Keys(keys))
                }
            }
            d.deserialize_map(V)
        }
    }
    serde_json::from_str::<Keys>(json).expect("object").0
}

#[test]
fn legacy_bytes_never_drift_and_still_parse() {
    assert_eq!(
        sha256_hex(LEGACY_GOLDEN.as_bytes()),
        "1e3c19baa5e06d774c55861d0ef2fe254d027c0f9a2931647858ac6436261b6a"
    );
    let record = Record::parse(LEGACY_GOLDEN).expect("parses");
    assert_eq!(record.kind(), RecordKind::Legacy);
    assert_eq!(
        record.to_canonical(),
        LEGACY_GOLDEN,
        "round-trips byte for byte"
    );
    assert_eq!(
        sha256_hex(b"abc"),
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    );
}

/// The golden vectors: these exact bytes must never change, or every evidence bundle ever
/// issued stops verifying.
#[test]
fn canonical_bytes_never_drift() {
    let mut d = decision("Owner said \"still needed\"; path C:\\backup");
    d.set_link(2, GENESIS);
    assert_eq!(
        d.to_canonical(),
        r#"{"action":"decide","at":"2026-11-27T10:11:12Z","business_function":"Nightly backup of the «Zürich» ledger","campaign":"2026-Q4","identity_account":"555566667777","identity_native_id":"arn:aws:iam::555566667777:user/svc-backup","identity_provider":"aws","justification":"Owner said \"still needed\"; path C:\\backup","kind":"decision","owner":"sre@example.com","prev_hash":"0000000000000000000000000000000000000000000000000000000000000000","removed":[{"condition":"","id":"access_key_1","kind":"credential","permission":"","resource":"","via":""},{"condition":"","id":"","kind":"grant","permission":"AdministratorAccess","resource":"*","via":"group:admins"}],"reviewer":"ana@example.com","second_review":"","seq":2,"suggested":"revoke","verdict":"reduce"}"#
    );
    assert_eq!(
        start(1, GENESIS, 0).to_canonical(),
        r#"{"at":"2026-11-27T09:00:00Z","campaign":"2026-Q4","default_reviewer":"","due_date":"2026-12-31","inactivity_days":90,"independent":0,"kind":"start","legacy_records":0,"population_hash":"4f9edc4d3ed0a0e5741a1f55b9a8f68efff6089dcc3009512eabd709c0d40bf1","population_size":78,"prev_hash":"0000000000000000000000000000000000000000000000000000000000000000","rotation_days":90,"scope":"","second_review":"","seq":1,"started_by":"ana@example.com"}"#
    );
}

#[test]
fn fields_added_later_default_when_older_records_lack_them() {
    let mut d = decision("x");
    d.set_link(2, GENESIS);
    let older = d.to_canonical().replace(",\"second_review\":\"\"", "");
    assert!(!older.contains("second_review"));
    let parsed = Record::parse(&older).expect("an older decision still reads");
    assert_eq!(
        parsed.to_canonical().len(),
        older.len() + ",\"second_review\":\"\"".len()
    );
}

#[test]
fn every_kind_writes_its_keys_in_lexicographic_order() {
    let owner = Record::Owner(OwnerRecord {
        at: "t".into(),
        business_function: "f".into(),
        campaign: "c".into(),
        identity_account: "a".into(),
        identity_native_id: "n".into(),
        identity_provider: "p".into(),
        kind: "owner".into(),
        owner: "o".into(),
        prev_hash: "h".into(),
        previous_owner: "".into(),
        reviewer: "r".into(),
        seq: 1,
    });
    let function = Record::Function(FunctionRecord {
        at: "t".into(),
        business_function: "f".into(),
        campaign: "c".into(),
        identity_account: "a".into(),
        identity_native_id: "n".into(),
        identity_provider: "p".into(),
        kind: "function".into(),
        owner: "o".into(),
        prev_hash: "h".into(),
        previous_function: "".into(),
        reviewer: "r".into(),
        seq: 1,
    });
    let close = Record::Close(CloseRecord {
        at: "t".into(),
        campaign: "c".into(),
        keep: 1,
        kind: "close".into(),
        prev_hash: "h".into(),
        reduce: 0,
        revoke: 2,
        reviewer: "r".into(),
        seq: 3,
        unreviewed: 4,
    });
    let legacy = Record::parse(LEGACY_GOLDEN).expect("legacy");
    for record in [
        start(1, GENESIS, 0),
        decision("x"),
        owner,
        function,
        close,
        legacy,
    ] {
        let bytes = record.to_canonical();
        let keys = keys_in_order(&bytes);
        let mut sorted = keys.clone();
        sorted.sort();
        assert_eq!(keys, sorted, "{:?}", record.kind());
        assert_eq!(Record::parse(&bytes).expect("reads back"), record);
        assert_eq!(Record::parse_probed(&bytes).expect("reads back"), record);
    }
    // The fast read takes the first "kind" it finds only when the record read says so itself:
    // text that looks like a kind inside a value, and a kind edited to another, read as the
    // slow read (probe, then record) reads them.
    let tricky = decision(r#"moved "kind":"close" here"#).to_canonical();
    assert_eq!(Record::parse(&tricky), Record::parse_probed(&tricky));
    assert_eq!(
        Record::parse(&tricky).expect("reads").kind(),
        RecordKind::Decision
    );
    let edited = Record::parse(&start(1, GENESIS, 0).to_canonical())
        .expect("start")
        .to_canonical()
        .replace(r#""kind":"start""#, r#""kind":"close""#);
    assert!(Record::parse(&edited).is_err());
    assert_eq!(Record::parse(&edited), Record::parse_probed(&edited));
    for item in keys_in_order(
        &serde_json::to_string(&Item::from(&crate::model::ItemRef::Credential {
            id: "k".into(),
        }))
        .expect("json"),
    )
    .windows(2)
    {
        assert!(item[0] < item[1]);
    }
}

#[test]
fn an_intact_chain_verifies_to_its_head() {
    let links = chain(3);
    let head = links[3].row_hash.clone();
    let summary = verify_links("2026-Q4", links).expect("intact");
    assert_eq!((summary.head, summary.length), (head, 4));
    assert_eq!(summary.start.population_size, 78);
}

#[test]
fn every_kind_of_tampering_is_named() {
    let mut edited = chain(3);
    edited[2].record = edited[2].record.replace("reduce", "keep");
    assert_eq!(
        verify_links("2026-Q4", edited),
        Err(ChainBreak::Hash { seq: 3 })
    );

    let mut deleted = chain(3);
    deleted.remove(2);
    assert_eq!(
        verify_links("2026-Q4", deleted),
        Err(ChainBreak::Sequence {
            expected: 3,
            found: 4
        })
    );

    let mut reordered = chain(3);
    reordered.swap(2, 3);
    reordered[2].seq = 3;
    reordered[3].seq = 4;
    assert!(matches!(
        verify_links("2026-Q4", reordered),
        Err(ChainBreak::Malformed { seq: 3, .. })
    ));

    // Re-hashed after an edit, but the next row still points at the old hash.
    let mut rehashed = chain(3);
    rehashed[1].record = rehashed[1].record.replace("reduce", "keep");
    rehashed[1].row_hash = sha256_hex(rehashed[1].record.as_bytes());
    assert_eq!(
        verify_links("2026-Q4", rehashed),
        Err(ChainBreak::Link { seq: 3 })
    );

    assert_eq!(
        verify_links("2026-Q3", chain(1)),
        Err(ChainBreak::WrongCampaign {
            seq: 1,
            named: "2026-Q4".into()
        })
    );
    assert_eq!(
        verify_links("2026-Q4", Vec::new()),
        Err(ChainBreak::NoStart { length: 0 })
    );
    let no_start = link_all(vec![decision("x")]);
    assert!(matches!(
        verify_links("2026-Q4", no_start),
        Err(ChainBreak::Order { seq: 1, .. })
    ));
}

#[test]
fn order_of_kinds_is_enforced() {
    let close = Record::Close(CloseRecord {
        at: "t".into(),
        campaign: "2026-Q4".into(),
        keep: 0,
        kind: "close".into(),
        prev_hash: String::new(),
        reduce: 1,
        revoke: 0,
        reviewer: "r".into(),
        seq: 0,
        unreviewed: 0,
    });
    let after_close = link_all(vec![start(0, "", 0), close.clone(), decision("late")]);
    let err = verify_links("2026-Q4", after_close).expect_err("late");
    assert_eq!(err.seq(), 3);
    assert!(err.to_string().contains("after a campaign closes"), "{err}");

    let twice = link_all(vec![start(0, "", 0), start(0, "", 0)]);
    assert!(
        verify_links("2026-Q4", twice)
            .expect_err("second start")
            .to_string()
            .contains("second start")
    );

    let closed = link_all(vec![start(0, "", 0), decision("x"), close]);
    let summary = verify_links("2026-Q4", closed).expect("closed chain");
    assert_eq!(summary.close.map(|(seq, c)| (seq, c.reduce)), Some((3, 1)));
}

#[test]
fn an_upgraded_chain_keeps_its_schema_one_records_before_the_start() {
    let legacy = Record::parse(LEGACY_GOLDEN).expect("legacy");
    let ok = link_all(vec![legacy.clone(), start(0, "", 1), decision("x")]);
    assert_eq!(verify_links("2026-Q4", ok).expect("upgraded").length, 3);
    let miscounted = link_all(vec![legacy.clone(), start(0, "", 0)]);
    assert!(verify_links("2026-Q4", miscounted).is_err());
    let late = link_all(vec![start(0, "", 0), legacy]);
    assert!(verify_links("2026-Q4", late).is_err());
}

#[test]
fn population_lines_cannot_be_forged_with_separators() {
    let a = population_line(("aws", "1", "x\t2"), "o", "", "s", "");
    let b = population_line(("aws", "1\tx", "2"), "o", "", "s", "");
    let marked = population_line(("aws", "1", "x\t2"), "o", "", "s", "DR only");
    assert_ne!(a, marked);
    assert!(marked.ends_with(",\"DR only\"]\n"), "{marked}");
    assert_ne!(a, b);
    assert!(a.ends_with('\n') && !a[..a.len() - 1].contains('\n'));
    let mut h = PopulationHasher::default();
    h.add(&a);
    assert_eq!(h.finish().1, 1);
}

mod properties {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// Any chain verifies to its last hash; changing any one byte of any record breaks it.
        #[test]
        fn every_single_byte_edit_is_caught(texts in prop::collection::vec(".{0,30}", 1..6), pick in any::<prop::sample::Index>(), byte in any::<u8>()) {
            let chain = chain_of(&texts);
            let head = chain.last().map(|l| l.row_hash.clone()).unwrap_or_default();
            let summary = verify_links("2026-Q4", chain.clone()).expect("intact");
            prop_assert_eq!((summary.head, summary.length), (head, chain.len() as u64));
            let mut tampered = chain;
            let row = pick.index(tampered.len());
            let mut bytes = tampered[row].record.clone().into_bytes();
            let at = pick.index(bytes.len());
            prop_assume!(bytes[at] != byte);
            bytes[at] = byte;
            tampered[row].record = String::from_utf8_lossy(&bytes).into_owned();
            let mut v = Verifier::new("2026-Q4");
            let broken = tampered.iter().try_for_each(|l| v.push(l).map(|_| ())).and_then(|()| v.finish().map(|_| ()));
            prop_assert!(broken.is_err());
        }
    }
}

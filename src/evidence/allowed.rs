//! `allowed_signers` files (ssh-keygen(1), ALLOWED SIGNERS), read as `ssh-keygen -Y verify`
//! reads them: `principals [options] keytype base64 [comment]` per line, principals and
//! `namespaces=` as comma-separated patterns (`*`, `?`, `!` negation), `valid-after=` and
//! `valid-before=` as times. Certificate authorities (`cert-authority`) are not used here:
//! evidence is signed with plain keys.

use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeZone, Utc};
use ssh_key::PublicKey;
use ssh_key::public::KeyData;

use super::key::fingerprint;

/// One usable line.
#[derive(Debug, Clone)]
struct Entry {
    line: usize,
    principals: String,
    namespaces: Option<String>,
    valid_after: Option<DateTime<Utc>>,
    valid_before: Option<DateTime<Utc>>,
    key: KeyData,
}

/// A parsed `allowed_signers` file.
#[derive(Debug, Clone, Default)]
pub struct AllowedSigners {
    entries: Vec<Entry>,
}

/// What the file says of a signature's key and the identity it claims.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Trust {
    /// A line lists this key for this identity and namespace, valid now.
    Trusted {
        /// The line.
        line: usize,
    },
    /// The identity is listed, with other keys only: someone else signed.
    OtherKey {
        /// Fingerprints listed for the identity.
        listed: Vec<String>,
    },
    /// The key is listed, for other identities only.
    OtherIdentity {
        /// The principals the key is listed for.
        principals: Vec<String>,
    },
    /// Key and identity are listed together, but not for this namespace.
    Namespace {
        /// The namespaces allowed.
        allowed: String,
    },
    /// Key and identity are listed together, but not valid at this time.
    Expired {
        /// The line.
        line: usize,
    },
    /// Neither the identity nor the key is listed.
    Unknown,
}

/// Split a line into fields at blanks outside double quotes.
fn fields(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    for c in line.chars() {
        match c {
            '"' => {
                quoted = !quoted;
                cur.push(c);
            }
            c if c.is_whitespace() && !quoted => {
                if !cur.is_empty() {
                    out.push(std::mem::take(&mut cur));
                }
            }
            c => cur.push(c),
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// Split options at commas outside double quotes.
fn options(text: &str) -> Vec<(String, Option<String>)> {
    let mut parts = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    for c in text.chars() {
        match c {
            '"' => quoted = !quoted,
            ',' if !quoted => parts.push(std::mem::take(&mut cur)),
            c => cur.push(c),
        }
    }
    parts.push(cur);
    parts
        .into_iter()
        .filter(|p| !p.is_empty())
        .map(|p| match p.split_once('=') {
            Some((k, v)) => (k.to_ascii_lowercase(), Some(v.to_owned())),
            None => (p.to_ascii_lowercase(), None),
        })
        .collect()
}

/// `YYYYMMDD[HHMM[SS]]` with an optional `Z` (local time otherwise, read here as UTC).
fn parse_time(text: &str) -> Option<DateTime<Utc>> {
    let t = text.trim_end_matches(['Z', 'z']);
    let naive = match t.len() {
        8 => NaiveDate::parse_from_str(t, "%Y%m%d")
            .ok()?
            .and_hms_opt(0, 0, 0)?,
        12 => NaiveDateTime::parse_from_str(t, "%Y%m%d%H%M").ok()?,
        14 => NaiveDateTime::parse_from_str(t, "%Y%m%d%H%M%S").ok()?,
        _ => return None,
    };
    Utc.from_local_datetime(&naive).single()
}

fn is_key_type(s: &str) -> bool {
    s.starts_with("ssh-") || s.starts_with("ecdsa-") || s.starts_with("sk-")
}

fn parse_line(n: usize, line: &str) -> Result<Option<Entry>, String> {
    let f = fields(line);
    if f.len() < 3 {
        return Err(format!(
            "line {n}: expected 'principals [options] keytype key'"
        ));
    }
    let principals = f[0].trim_matches('"').to_owned();
    let (opts, key_at) = if is_key_type(&f[1]) {
        (Vec::new(), 1)
    } else {
        (options(&f[1]), 2)
    };
    let key_text = format!(
        "{} {}",
        f.get(key_at).ok_or(format!("line {n}: no key"))?,
        f.get(key_at + 1).ok_or(format!("line {n}: no key"))?
    );
    let key = PublicKey::from_openssh(&key_text)
        .map_err(|e| format!("line {n}: the key does not read ({e})"))?;
    let mut entry = Entry {
        line: n,
        principals,
        namespaces: None,
        valid_after: None,
        valid_before: None,
        key: key.key_data().clone(),
    };
    for (name, value) in opts {
        let time = |v: &Option<String>| {
            v.as_deref().and_then(parse_time).ok_or(format!(
                "line {n}: '{name}' needs a time YYYYMMDD[HHMM[SS]][Z]"
            ))
        };
        match name.as_str() {
            "cert-authority" => return Ok(None),
            "namespaces" => entry.namespaces = value,
            "valid-after" => entry.valid_after = Some(time(&value)?),
            "valid-before" => entry.valid_before = Some(time(&value)?),
            other => return Err(format!("line {n}: unknown option '{other}'")),
        }
    }
    Ok(Some(entry))
}

/// Whether `s` matches a glob with `*` and `?`.
fn glob(s: &[char], p: &[char]) -> bool {
    match p.split_first() {
        None => s.is_empty(),
        Some(('*', rest)) => (0..=s.len()).any(|i| glob(&s[i..], rest)),
        Some(('?', rest)) => !s.is_empty() && glob(&s[1..], rest),
        Some((c, rest)) => s.first() == Some(c) && glob(&s[1..], rest),
    }
}

/// OpenSSH's pattern lists: any negated pattern that matches refuses; otherwise any match.
pub fn matches_list(s: &str, list: &str) -> bool {
    let s: Vec<char> = s.chars().collect();
    let mut any = false;
    for pattern in list.split(',') {
        let (negated, pattern) = match pattern.strip_prefix('!') {
            Some(p) => (true, p),
            None => (false, pattern),
        };
        let p: Vec<char> = pattern.chars().collect();
        if glob(&s, &p) {
            if negated {
                return false;
            }
            any = true;
        }
    }
    any
}

impl AllowedSigners {
    /// Read the file's text; a line that does not read is an error naming it.
    pub fn parse(text: &str) -> Result<AllowedSigners, String> {
        let mut entries = Vec::new();
        for (i, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            if let Some(e) = parse_line(i + 1, line)? {
                entries.push(e);
            }
        }
        Ok(AllowedSigners { entries })
    }

    /// What the file says of `key` signing as `identity` for `namespace` at `now`.
    pub fn trust(
        &self,
        identity: &str,
        key: &KeyData,
        namespace: &str,
        now: DateTime<Utc>,
    ) -> Trust {
        let for_identity: Vec<&Entry> = self
            .entries
            .iter()
            .filter(|e| matches_list(identity, &e.principals))
            .collect();
        let both: Vec<&&Entry> = for_identity.iter().filter(|e| &e.key == key).collect();
        if both.is_empty() {
            if !for_identity.is_empty() {
                return Trust::OtherKey {
                    listed: for_identity.iter().map(|e| fingerprint(&e.key)).collect(),
                };
            }
            let principals: Vec<String> = self
                .entries
                .iter()
                .filter(|e| &e.key == key)
                .map(|e| e.principals.clone())
                .collect();
            return if principals.is_empty() {
                Trust::Unknown
            } else {
                Trust::OtherIdentity { principals }
            };
        }
        let in_namespace: Vec<&&&Entry> = both
            .iter()
            .filter(|e| {
                e.namespaces
                    .as_deref()
                    .is_none_or(|ns| matches_list(namespace, ns))
            })
            .collect();
        let Some(first) = in_namespace.first() else {
            return Trust::Namespace {
                allowed: both[0].namespaces.clone().unwrap_or_default(),
            };
        };
        match in_namespace.iter().find(|e| {
            e.valid_after.is_none_or(|t| now >= t) && e.valid_before.is_none_or(|t| now <= t)
        }) {
            Some(e) => Trust::Trusted { line: e.line },
            None => Trust::Expired { line: first.line },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn random_key() -> String {
        let key = ssh_key::PrivateKey::random(
            &mut ssh_key::rand_core::OsRng,
            ssh_key::Algorithm::Ed25519,
        )
        .expect("key");
        PublicKey::new(key.public_key().key_data().clone(), "")
            .to_openssh()
            .expect("openssh")
    }

    fn key(text: &str) -> KeyData {
        PublicKey::from_openssh(text)
            .expect("key")
            .key_data()
            .clone()
    }

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 27, 12, 0, 0)
            .single()
            .expect("t")
    }

    #[test]
    fn patterns_match_as_openssh_does() {
        assert!(matches_list("alice@example.com", "*@example.com"));
        assert!(matches_list("alice@example.com", "bob@x,alice@example.com"));
        assert!(!matches_list("alice@example.com", "*@example.com,!alice@*"));
        assert!(matches_list("a1", "a?"));
        assert!(!matches_list("a12", "a?"));
    }

    #[test]
    fn trust_names_what_is_wrong() {
        let (key_a, key_b) = (random_key(), random_key());
        let text = format!(
            "# team\nalice@example.com namespaces=\"nhi-review-evidence-v1\" {key_a} alice\n\
             carol@example.com,dave@example.com {key_b}\n\
             erin@example.com namespaces=\"file\" {key_b}\n\
             old@example.com valid-before=\"20200101\" {key_a}\n"
        );
        let signers = AllowedSigners::parse(&text).expect("parses");
        let ns = "nhi-review-evidence-v1";
        let (a, b) = (key(&key_a), key(&key_b));
        assert_eq!(
            signers.trust("alice@example.com", &a, ns, now()),
            Trust::Trusted { line: 2 }
        );
        assert!(matches!(
            signers.trust("alice@example.com", &b, ns, now()),
            Trust::OtherKey { .. }
        ));
        assert!(matches!(
            signers.trust("bob@example.com", &b, ns, now()),
            Trust::OtherIdentity { .. }
        ));
        assert!(matches!(
            signers.trust("erin@example.com", &b, ns, now()),
            Trust::Namespace { .. }
        ));
        assert_eq!(
            signers.trust("old@example.com", &a, ns, now()),
            Trust::Expired { line: 5 }
        );
        assert_eq!(
            signers.trust("zed@example.com", &a, "x", now()),
            Trust::OtherIdentity {
                principals: vec!["alice@example.com".into(), "old@example.com".into()]
            }
        );
        assert!(AllowedSigners::parse("alice@example.com nonsense\n").is_err());
    }
}

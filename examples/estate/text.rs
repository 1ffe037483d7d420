//! Writing the estate's text: timestamps in each export's style, JSON strings, CSV cells,
//! URL-encoded policy documents, and the invented words names are made of.

use std::fmt;

use super::rng::Rng;

/// Days from 1970-01-01 to a civil date (Howard Hinnant's `days_from_civil`).
pub const fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The civil date of a day count (Howard Hinnant's `civil_from_days`).
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (
        if m <= 2 {
            yoe + era * 400 + 1
        } else {
            yoe + era * 400
        },
        m,
        d,
    )
}

/// One day in seconds.
pub const DAY: i64 = 86_400;

/// The estate's "now", the tests' pinned clock (`NHI_REVIEW_NOW`): 2026-11-27T12:00:00Z. Every
/// generated time is before it.
pub const NOW: i64 = days_from_civil(2026, 11, 27) * DAY + 12 * 3600;

/// The first day IAM tracked password use (the credential report's `no_information`).
pub const EPOCH_2014: i64 = days_from_civil(2014, 10, 20) * DAY;

/// How an export spells a timestamp.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    /// `2026-11-26T03:14:00+00:00` (AWS CLI v2, credential report).
    Offset,
    /// `2026-11-26T03:14:00Z` (AWS CLI v1, gcloud, kubectl).
    Z,
    /// `11/26/2026 03:14` (a SaaS console's CSV).
    UsMinutes,
}

/// A timestamp (seconds since 1970) written in a [`Style`].
#[derive(Debug, Clone, Copy)]
pub struct Ts(pub i64, pub Style);

impl fmt::Display for Ts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (y, mo, d) = civil_from_days(self.0.div_euclid(DAY));
        let s = self.0.rem_euclid(DAY);
        let (h, mi, se) = (s / 3600, s / 60 % 60, s % 60);
        match self.1 {
            Style::Offset => write!(f, "{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{se:02}+00:00"),
            Style::Z => write!(f, "{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{se:02}Z"),
            Style::UsMinutes => write!(f, "{mo:02}/{d:02}/{y:04} {h:02}:{mi:02}"),
        }
    }
}

impl Rng {
    /// A creation time between mid-2014 and a week before [`NOW`], more of them recent.
    pub fn created(&mut self) -> i64 {
        let start = days_from_civil(2014, 6, 1) * DAY;
        let span = (NOW - 7 * DAY - start) as u64;
        // The later of two draws: estates grow, so younger identities are more common.
        let t = self.below(span).max(self.below(span));
        start + t as i64
    }

    /// A time of last use after `since`: mostly in the last days, some months ago, some years
    /// ago (stale), minute-granular as AWS reports it.
    pub fn used_after(&mut self, since: i64) -> i64 {
        let back = match self.below(100) {
            0..70 => self.below(7 * DAY as u64),
            70..85 => self.range(7 * DAY as u64, 180 * DAY as u64),
            _ => self.range(180 * DAY as u64, 4 * 365 * DAY as u64),
        } as i64;
        let t = (NOW - back).max(since + 60);
        t - t.rem_euclid(60)
    }

    /// A time between `lo` and `hi` (or `lo` when `hi` is not later).
    pub fn between(&mut self, lo: i64, hi: i64) -> i64 {
        lo + self.below(hi.saturating_sub(lo).max(0) as u64) as i64
    }
}

/// A JSON string literal, quoted and escaped.
pub struct J<'a>(pub &'a str);

impl fmt::Display for J<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("\"")?;
        let s = self.0;
        let mut start = 0;
        for (i, b) in s.bytes().enumerate() {
            let esc = match b {
                b'"' => "\\\"",
                b'\\' => "\\\\",
                b'\n' => "\\n",
                b'\r' => "\\r",
                b'\t' => "\\t",
                0..0x20 => "",
                _ => continue,
            };
            f.write_str(&s[start..i])?;
            if esc.is_empty() {
                write!(f, "\\u{b:04x}")?;
            } else {
                f.write_str(esc)?;
            }
            start = i + 1;
        }
        f.write_str(&s[start..])?;
        f.write_str("\"")
    }
}

/// A CSV cell, quoted (RFC 4180) only when it must be.
pub struct C<'a>(pub &'a str);

impl fmt::Display for C<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if !self.0.contains([',', '"', '\n', '\r']) {
            return f.write_str(self.0);
        }
        f.write_str("\"")?;
        for (i, part) in self.0.split('"').enumerate() {
            if i > 0 {
                f.write_str("\"\"")?;
            }
            f.write_str(part)?;
        }
        f.write_str("\"")
    }
}

/// URL-encode a policy document as IAM's Query API returns it (`%7B%22Version%22…`).
pub fn url_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len() * 2);
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~*".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Teams, for names and owners.
pub const TEAMS: &[&str] = &[
    "payments",
    "orders",
    "billing",
    "search",
    "data",
    "ml",
    "platform",
    "security",
    "identity",
    "growth",
    "marketing",
    "finance",
    "support",
    "logistics",
    "warehouse",
    "fleet",
    "analytics",
    "observability",
    "mobile",
    "checkout",
    "catalog",
    "pricing",
    "fraud",
    "ledger",
];

/// What a machine identity does, for names.
pub const PURPOSES: &[&str] = &[
    "deploy",
    "backup",
    "etl",
    "loader",
    "exporter",
    "sync",
    "webhook",
    "reporter",
    "scanner",
    "indexer",
    "mailer",
    "uploader",
    "importer",
    "scheduler",
    "worker",
    "api",
    "gateway",
    "crawler",
    "notifier",
    "archiver",
    "replicator",
    "monitor",
    "terraform",
    "ansible",
    "jenkins",
    "gitlab-runner",
    "airflow",
    "dbt",
    "spark",
    "kafka-connect",
    "log-shipper",
    "cost-reporter",
    "cert-signer",
    "dr-restore",
    "audit",
];

/// Environments.
pub const ENVS: &[&str] = &["prod", "staging", "dev", "test", "sandbox", "shared"];

/// Regions, with `N/A` where a global service was used.
pub const REGIONS: &[&str] = &[
    "eu-west-1",
    "us-east-1",
    "eu-central-1",
    "us-west-2",
    "ap-southeast-2",
    "ap-northeast-1",
    "sa-east-1",
];

/// AWS services a key was last used with; the first ones are global (region `N/A`).
pub const SERVICES: &[&str] = &[
    "iam",
    "sts",
    "route53",
    "ce",
    "cloudfront",
    "s3",
    "ec2",
    "sqs",
    "sns",
    "dynamodb",
    "lambda",
    "logs",
    "cloudwatch",
    "ecr",
    "kms",
    "secretsmanager",
    "ses",
    "athena",
    "glue",
    "kinesis",
];

/// How many of [`SERVICES`] are global.
pub const GLOBAL_SERVICES: usize = 5;

/// Given names, some beyond ASCII (people are named in owners and among machine identities).
pub const GIVEN: &[&str] = &[
    "maria", "tom", "li", "sam", "priya", "ana", "jonas", "fatima", "kenji", "olga", "pedro",
    "amara", "noah", "ines", "yusuf", "chloe", "mateo", "sofia", "arjun", "lea", "oskar", "mei",
    "dara", "emeka",
];

/// Family names.
pub const FAMILY: &[&str] = &[
    "schmidt", "nakamura", "wei", "okoro", "raman", "silva", "berg", "haddad", "sato", "ivanova",
    "garcia", "mensah", "dubois", "rossi", "novak", "kowalski", "tanaka", "larsen", "moreau",
    "costa", "fischer", "kim", "ali", "murphy",
];

/// Owners written by people in tags, annotations and descriptions: team mailboxes, and
/// names beyond ASCII (accents, CJK, emoji) as real tags hold them.
pub const UNICODE_OWNERS: &[&str] = &[
    "Zoë Ångström",
    "José Muñoz",
    "Jürgen Weiß",
    "Ærøskøbing ops",
    "データ基盤チーム",
    "Équipe paiements 💳",
    "🚀 launch-team",
    "Łukasz Żółć",
    "Dvořák & Sons",
    "平台组",
];

/// A person's email (`first.last@example.com`), the same for the same `n`.
pub fn person_email(n: u64) -> String {
    format!(
        "{}.{}{}@example.com",
        GIVEN[(n % GIVEN.len() as u64) as usize],
        FAMILY[(n / GIVEN.len() as u64 % FAMILY.len() as u64) as usize],
        match n / (GIVEN.len() * FAMILY.len()) as u64 {
            0 => String::new(),
            k => k.to_string(),
        }
    )
}

/// A team mailbox.
pub fn team_email(rng: &mut Rng) -> String {
    format!("{}-team@example.org", rng.pick(TEAMS))
}

/// An owner as people write it: a team mailbox, a person, or (one in ten) a name beyond ASCII.
pub fn owner(rng: &mut Rng) -> String {
    match rng.below(10) {
        0 => (*rng.pick(UNICODE_OWNERS)).to_owned(),
        1..4 => person_email(rng.below(5000)),
        _ => team_email(rng),
    }
}

/// A number written in base 36, padded to `width`: compact unique suffixes for names.
pub fn base36(mut n: u64, width: usize) -> String {
    const DIGITS: &[u8; 36] = b"0123456789abcdefghijklmnopqrstuvwxyz";
    let mut out = Vec::new();
    while n > 0 || out.len() < width {
        out.push(DIGITS[(n % 36) as usize]);
        n /= 36;
    }
    out.reverse();
    String::from_utf8(out).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_in_each_style() {
        assert_eq!(Ts(NOW, Style::Z).to_string(), "2026-11-27T12:00:00Z");
        assert_eq!(
            Ts(NOW - DAY, Style::Offset).to_string(),
            "2026-11-26T12:00:00+00:00"
        );
        assert_eq!(
            Ts(days_from_civil(2024, 2, 29) * DAY + 61, Style::UsMinutes).to_string(),
            "02/29/2024 00:01"
        );
    }

    #[test]
    fn escapes() {
        assert_eq!(J("a\"b\\c\u{1}é").to_string(), "\"a\\\"b\\\\c\\u0001é\"");
        assert_eq!(C("Jira, \"Cloud\"").to_string(), "\"Jira, \"\"Cloud\"\"\"");
        assert_eq!(C("plain").to_string(), "plain");
        assert_eq!(
            url_encode("{\"A\": \"s3:*\"}+"),
            "%7B%22A%22%3A%20%22s3%3A*%22%7D%2B"
        );
        assert_eq!(base36(35, 3), "00z");
    }
}

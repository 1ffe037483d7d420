//! The rules of a decision, once, as pure functions: the command line, the review screen and
//! packets all reach them through [`super`], and the screen asks them in advance which texts a
//! step needs. Nothing here reads the database or the clock.

use crate::model::{IdentityView, ItemRef, Verdict};

/// Longest free text accepted (business function, justification, owner, reviewer).
pub const MAX_TEXT: usize = 2000;

/// Why a proposed decision or text is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RuleError {
    /// The campaign is closed.
    Closed {
        /// Campaign name.
        campaign: String,
    },
    /// Keep needs an accountable owner.
    KeepNeedsOwner {
        /// Identity name.
        name: String,
    },
    /// Keep needs the business function the identity serves.
    KeepNeedsFunction {
        /// Identity name.
        name: String,
    },
    /// A justification is required, and why.
    NeedsJustification {
        /// Verdict.
        verdict: Verdict,
        /// Why this one needs it.
        why: &'static str,
    },
    /// Reduce names nothing to remove.
    ReduceNeedsItems,
    /// Keep or revoke names items to remove.
    NothingToRemove {
        /// Verdict.
        verdict: Verdict,
    },
    /// Undo with no standing decision.
    NothingToUndo {
        /// Identity name.
        name: String,
    },
    /// Re-attest refused.
    CannotReattest {
        /// Why.
        why: String,
    },
    /// A named item is not one of the identity's.
    UnknownItem {
        /// What was named.
        asked: String,
        /// Identity name.
        name: String,
        /// Its removable items, in full.
        known: Vec<String>,
    },
    /// A named item matches several.
    AmbiguousItem {
        /// What was named.
        asked: String,
        /// The candidates, in full.
        candidates: Vec<String>,
    },
    /// An independent campaign: nobody decides an identity they own.
    NotIndependent {
        /// Identity name.
        name: String,
    },
    /// A second review cannot be recorded, and why.
    CannotConfirm {
        /// Why.
        why: String,
    },
    /// A text is not acceptable.
    BadText {
        /// Which text.
        what: &'static str,
        /// What is wrong.
        why: String,
    },
}

impl std::fmt::Display for RuleError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RuleError::Closed { campaign } => {
                write!(
                    f,
                    "campaign '{campaign}' is closed: decisions can no longer change"
                )
            }
            RuleError::KeepNeedsOwner { name } => write!(
                f,
                "keep needs an accountable owner for '{name}' (a team or a person): give one with the decision, or set it first"
            ),
            RuleError::KeepNeedsFunction { name } => {
                write!(f, "keep needs the business function '{name}' serves")
            }
            RuleError::NeedsJustification { verdict, why } => {
                write!(f, "{verdict} needs a justification here: {why}")
            }
            RuleError::ReduceNeedsItems => {
                write!(f, "reduce needs at least one credential or grant to remove")
            }
            RuleError::NothingToRemove {
                verdict: Verdict::Revoke,
            } => write!(
                f,
                "revoke removes the whole identity: do not list items to remove"
            ),
            RuleError::NothingToRemove { .. } => write!(
                f,
                "keep removes nothing: use reduce to remove credentials or grants"
            ),
            RuleError::NothingToUndo { name } => write!(f, "'{name}' has no decision to undo"),
            RuleError::CannotReattest { why } => write!(f, "cannot re-attest: {why}"),
            RuleError::UnknownItem { asked, name, known } => write!(
                f,
                "'{asked}' is not a credential or grant of '{name}'; it has: {}",
                if known.is_empty() {
                    "nothing to remove".to_owned()
                } else {
                    known.join(", ")
                }
            ),
            RuleError::AmbiguousItem { asked, candidates } => write!(
                f,
                "'{asked}' names several items; name one in full: {}",
                candidates.join(", ")
            ),
            RuleError::NotIndependent { name } => write!(
                f,
                "'{name}' is yours: this campaign is independent, so another reviewer decides it"
            ),
            RuleError::CannotConfirm { why } => write!(f, "cannot confirm: {why}"),
            RuleError::BadText { what, why } => write!(f, "{what} {why}"),
        }
    }
}

impl std::error::Error for RuleError {}

impl RuleError {
    /// The field of a decision that would satisfy the rule, as the command line and a packet
    /// name it (`owner`: `--owner`, the packet's `owner` column); the screen asks for it.
    pub fn field(&self) -> Option<&'static str> {
        match self {
            RuleError::KeepNeedsOwner { .. } => Some("owner"),
            RuleError::KeepNeedsFunction { .. } => Some("function"),
            RuleError::NeedsJustification { .. } => Some("justification"),
            RuleError::ReduceNeedsItems => Some("remove"),
            _ => None,
        }
    }

    /// `e` with the field that satisfies its rule named as `how` names it (`--owner`, the
    /// `owner` column), when it is a rule's refusal that one field answers.
    pub fn naming_field(e: anyhow::Error, how: impl Fn(&str) -> String) -> anyhow::Error {
        match e.downcast_ref::<RuleError>().and_then(RuleError::field) {
            Some(field) => anyhow::anyhow!("{e:#} ({})", how(field)),
            None => e,
        }
    }
}

/// Characters that change how text looks without being seen: bidirectional overrides and
/// isolates, zero-width characters, the byte-order mark, the soft hyphen.
pub fn is_invisible(c: char) -> bool {
    matches!(c,
        '\u{00AD}' | '\u{034F}' | '\u{061C}' | '\u{115F}' | '\u{1160}' | '\u{180E}'
        | '\u{200B}'..='\u{200F}' | '\u{2028}'..='\u{202E}' | '\u{2060}'..='\u{2064}'
        | '\u{2066}'..='\u{2069}' | '\u{3164}' | '\u{FEFF}' | '\u{FFA0}'
        | '\u{E0000}'..='\u{E007F}')
}

/// A free text as recorded: trimmed, one line of visible characters, at most [`MAX_TEXT`].
pub fn clean_text(what: &'static str, text: &str) -> Result<String, RuleError> {
    let text = text.trim();
    if let Some(c) = text.chars().find(|c| c.is_control() || is_invisible(*c)) {
        return Err(RuleError::BadText {
            what,
            why: format!(
                "contains an invisible or control character (U+{:04X}): use plain text on one line",
                c as u32
            ),
        });
    }
    if text.chars().count() > MAX_TEXT {
        return Err(RuleError::BadText {
            what,
            why: format!("is longer than {MAX_TEXT} characters"),
        });
    }
    Ok(text.to_owned())
}

/// Whether a decision of this verdict needs an accountable owner.
pub fn needs_owner(verdict: Verdict) -> bool {
    verdict == Verdict::Keep
}

/// Whether a decision of this verdict needs a business function.
pub fn needs_function(verdict: Verdict) -> bool {
    verdict == Verdict::Keep
}

/// Why a decision needs a justification, if it does: every reduce and revoke; a keep (or a
/// re-attested keep) against a revoke suggestion; any keep of admin-tier access.
pub fn justification_required(
    verdict: Verdict,
    suggested: Verdict,
    has_admin: bool,
) -> Option<&'static str> {
    match verdict {
        Verdict::Reduce => Some("every reduce says why"),
        Verdict::Revoke => Some("every revoke says why"),
        Verdict::Keep if suggested == Verdict::Revoke => Some("the suggestion is to revoke it"),
        Verdict::Keep if has_admin => Some("it holds admin-tier access"),
        Verdict::Keep => None,
    }
}

/// A decision (decide or re-attest) as proposed, with what the rules need to judge it. An
/// undo is judged by [`check_undo`].
#[derive(Debug, Clone)]
pub struct Proposal<'a> {
    /// The verdict.
    pub verdict: Verdict,
    /// What a reduce removes.
    pub removed: &'a [ItemRef],
    /// Owner in force after the decision (set with it, or already).
    pub owner: Option<&'a str>,
    /// Business function after the decision.
    pub function: &'a str,
    /// Justification.
    pub justification: &'a str,
    /// The suggested verdict.
    pub suggested: Verdict,
    /// Whether the identity holds admin-tier access.
    pub has_admin: bool,
    /// Identity name, for messages.
    pub name: &'a str,
}

/// Judge a decision.
pub fn check(p: &Proposal) -> Result<(), RuleError> {
    if needs_owner(p.verdict) && p.owner.is_none_or(|o| o.trim().is_empty()) {
        return Err(RuleError::KeepNeedsOwner {
            name: p.name.to_owned(),
        });
    }
    if needs_function(p.verdict) && p.function.trim().is_empty() {
        return Err(RuleError::KeepNeedsFunction {
            name: p.name.to_owned(),
        });
    }
    match p.verdict {
        Verdict::Reduce if p.removed.is_empty() => return Err(RuleError::ReduceNeedsItems),
        Verdict::Keep | Verdict::Revoke if !p.removed.is_empty() => {
            return Err(RuleError::NothingToRemove { verdict: p.verdict });
        }
        _ => {}
    }
    if let Some(why) = justification_required(p.verdict, p.suggested, p.has_admin)
        && p.justification.trim().is_empty()
    {
        return Err(RuleError::NeedsJustification {
            verdict: p.verdict,
            why,
        });
    }
    Ok(())
}

/// Who an identity goes to when a campaign starts: its owner, else the default reviewer (empty:
/// none). In an independent campaign nobody decides what they own, so the owner is never the
/// first reviewer there: the default reviewer is, or nobody (listed as unassigned).
pub fn first_reviewer(
    owner: Option<&str>,
    default_reviewer: &str,
    independent: bool,
) -> Option<String> {
    let default = (!default_reviewer.is_empty()).then(|| default_reviewer.to_owned());
    match owner {
        Some(o) if !independent && !o.trim().is_empty() => Some(o.to_owned()),
        Some(o) if default_reviewer.trim().eq_ignore_ascii_case(o.trim()) => None,
        _ => default,
    }
}

/// In an independent campaign, nobody decides (or confirms) an identity they own.
pub fn check_independent(
    independent: bool,
    reviewer: &str,
    owners: &[Option<&str>],
    name: &str,
) -> Result<(), RuleError> {
    let owns = owners
        .iter()
        .flatten()
        .any(|o| o.trim().eq_ignore_ascii_case(reviewer.trim()));
    if independent && owns {
        return Err(RuleError::NotIndependent {
            name: name.to_owned(),
        });
    }
    Ok(())
}

/// Whether a keep stands only once a second, different reviewer confirms it: in a campaign
/// started with `--second-review admin`, a keep of admin-tier access.
pub fn needs_second_review(second_review: &str, verdict: Verdict, has_admin: bool) -> bool {
    second_review == "admin" && verdict == Verdict::Keep && has_admin
}

/// Judge a second review: a keep waiting for one, confirmed by someone other than its decider.
pub fn check_confirm(waiting: bool, decided_by: &str, confirmer: &str) -> Result<(), RuleError> {
    if !waiting {
        return Err(RuleError::CannotConfirm {
            why: "no keep of it waits for a second review".into(),
        });
    }
    if decided_by.trim().eq_ignore_ascii_case(confirmer.trim()) {
        return Err(RuleError::CannotConfirm {
            why: format!("{decided_by} decided it; a second review is someone else's"),
        });
    }
    Ok(())
}

/// Judge an undo: something must stand.
pub fn check_undo(standing: Option<Verdict>, name: &str) -> Result<(), RuleError> {
    match standing {
        Some(_) => Ok(()),
        None => Err(RuleError::NothingToUndo {
            name: name.to_owned(),
        }),
    }
}

/// Resolve what a reviewer named for removal into the identity's items. Each name may be the
/// full reference (`grant:PERMISSION@RESOURCE;via=…;if=…`, `credential:ID`) or, when it names
/// one item only, a shorter form (the credential id, the permission, `PERMISSION@RESOURCE`).
pub fn resolve_removals(
    identity: &IdentityView,
    asked: &[String],
) -> Result<Vec<ItemRef>, RuleError> {
    let items = identity.removable();
    let mut out: Vec<ItemRef> = Vec::new();
    for asked in asked.iter().map(|a| a.trim()) {
        let exact: Vec<&ItemRef> = items.iter().filter(|i| i.reference() == asked).collect();
        let found: Vec<&ItemRef> = if exact.is_empty() {
            items
                .iter()
                .filter(|i| i.short_forms().iter().any(|s| s == asked))
                .collect()
        } else {
            exact
        };
        match found.as_slice() {
            [one] => {
                if !out.contains(one) {
                    out.push((*one).clone());
                }
            }
            [] => {
                return Err(RuleError::UnknownItem {
                    asked: asked.to_owned(),
                    name: identity.name.clone(),
                    known: items.iter().map(ItemRef::reference).collect(),
                });
            }
            many => {
                return Err(RuleError::AmbiguousItem {
                    asked: asked.to_owned(),
                    candidates: many.iter().map(|i| i.reference()).collect(),
                });
            }
        }
    }
    out.sort();
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_identity_goes_to_its_owner_unless_the_campaign_is_independent() {
        let lead = "lead@example.com";
        let first = |owner: Option<&str>, default: &str, independent: bool| {
            first_reviewer(owner, default, independent)
        };
        assert_eq!(
            first(Some("sre@example.com"), lead, false).as_deref(),
            Some("sre@example.com")
        );
        assert_eq!(first(None, lead, false).as_deref(), Some(lead));
        assert_eq!(first(None, "", false), None);
        // Independent: never the owner, who may not decide it.
        assert_eq!(
            first(Some("sre@example.com"), lead, true).as_deref(),
            Some(lead)
        );
        assert_eq!(first(Some("sre@example.com"), "", true), None);
        assert_eq!(
            first(Some("Lead@Example.com"), lead, true),
            None,
            "the lead owns it"
        );
        assert_eq!(first(None, lead, true).as_deref(), Some(lead));
    }

    fn proposal<'a>(verdict: Verdict, removed: &'a [ItemRef]) -> Proposal<'a> {
        Proposal {
            verdict,
            removed,
            owner: Some("sre@example.com"),
            function: "Nightly backups",
            justification: "",
            suggested: Verdict::Keep,
            has_admin: false,
            name: "svc-backup",
        }
    }

    #[test]
    fn keep_needs_an_owner_and_a_function() {
        let p = Proposal {
            owner: None,
            ..proposal(Verdict::Keep, &[])
        };
        assert!(matches!(check(&p), Err(RuleError::KeepNeedsOwner { .. })));
        let p = Proposal {
            owner: Some("  "),
            ..proposal(Verdict::Keep, &[])
        };
        assert!(matches!(check(&p), Err(RuleError::KeepNeedsOwner { .. })));
        let p = Proposal {
            function: "",
            ..proposal(Verdict::Keep, &[])
        };
        assert!(matches!(
            check(&p),
            Err(RuleError::KeepNeedsFunction { .. })
        ));
        assert_eq!(check(&proposal(Verdict::Keep, &[])), Ok(()));
    }

    #[test]
    fn a_keep_against_a_revoke_suggestion_or_of_admin_access_needs_a_justification() {
        let against = Proposal {
            suggested: Verdict::Revoke,
            ..proposal(Verdict::Keep, &[])
        };
        let err = check(&against).expect_err("needs a why");
        assert!(err.to_string().contains("suggestion is to revoke"), "{err}");
        let admin = Proposal {
            has_admin: true,
            ..proposal(Verdict::Keep, &[])
        };
        assert!(
            check(&admin)
                .expect_err("admin")
                .to_string()
                .contains("admin-tier")
        );
        let justified = Proposal {
            justification: "Break-glass; reviewed monthly",
            ..admin
        };
        assert_eq!(check(&justified), Ok(()));
    }

    #[test]
    fn reduce_and_revoke_need_items_and_a_justification_as_their_kind_says() {
        let key = [ItemRef::Credential {
            id: "access_key_1".into(),
        }];
        assert_eq!(
            check(&proposal(Verdict::Reduce, &[])),
            Err(RuleError::ReduceNeedsItems)
        );
        assert!(matches!(
            check(&proposal(Verdict::Reduce, &key)),
            Err(RuleError::NeedsJustification { .. })
        ));
        assert!(matches!(
            check(&proposal(Verdict::Revoke, &key)),
            Err(RuleError::NothingToRemove { .. })
        ));
        assert!(matches!(
            check(&proposal(Verdict::Keep, &key)),
            Err(RuleError::NothingToRemove { .. })
        ));
        let revoke = Proposal {
            owner: None,
            function: "",
            justification: "Intern project ended",
            ..proposal(Verdict::Revoke, &[])
        };
        assert_eq!(check(&revoke), Ok(()), "revoke needs no owner or function");
    }

    #[test]
    fn texts_refuse_controls_and_invisible_characters() {
        assert_eq!(clean_text("the owner", "  ana  "), Ok("ana".to_owned()));
        for bad in [
            "a\u{1b}[2Jb",
            "line\nbreak",
            "r\u{200b}",
            "x\u{202e}y",
            "\u{feff}z",
        ] {
            assert!(clean_text("the reviewer", bad).is_err(), "{bad:?}");
        }
        assert!(clean_text("the justification", &"x".repeat(MAX_TEXT + 1)).is_err());
        assert_eq!(clean_text("x", "Zürich «ok»"), Ok("Zürich «ok»".to_owned()));
    }

    #[test]
    fn independence_and_second_reviews() {
        assert!(
            check_independent(true, "Ana@Example.com", &[Some("ana@example.com")], "svc").is_err()
        );
        assert!(check_independent(false, "ana", &[Some("ana")], "svc").is_ok());
        assert!(check_independent(true, "bo", &[Some("ana"), None], "svc").is_ok());
        assert!(needs_second_review("admin", Verdict::Keep, true));
        assert!(!needs_second_review("admin", Verdict::Revoke, true));
        assert!(!needs_second_review("", Verdict::Keep, true));
        assert!(
            check_confirm(true, "ana", "ANA").is_err(),
            "never one's own"
        );
        assert!(check_confirm(false, "ana", "bo").is_err());
        assert!(check_confirm(true, "ana", "bo").is_ok());
    }

    #[test]
    fn undo_needs_something_standing() {
        assert!(check_undo(None, "svc").is_err());
        assert_eq!(check_undo(Some(Verdict::Keep), "svc"), Ok(()));
    }
}

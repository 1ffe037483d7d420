//! Owner and business-function changes outside a decision: each is a chained record, so the
//! record of who was accountable, and for what, is complete.

use anyhow::{Context, Result, bail};
use chrono::{DateTime, Utc};

use super::appender::Appender;
use super::context::MemberContext;
use super::rules::{self, RuleError};
use crate::chain::{FunctionRecord, OwnerRecord, Record};
use crate::db::prelude::*;
use crate::db::{MemberUpdate, Store};

/// An owner or business-function change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Annotation {
    /// Campaign name.
    pub campaign: String,
    /// The identity: short id or native id.
    pub identity: String,
    /// New owner; empty clears it.
    pub owner: Option<String>,
    /// New business function; empty clears it.
    pub function: Option<String>,
    /// Who.
    pub reviewer: String,
    /// When.
    pub at: DateTime<Utc>,
}

/// What an annotation recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Annotated {
    /// Identity name.
    pub name: String,
    /// Records appended (seq), none when nothing differed.
    pub records: Vec<u64>,
    /// Owner in force after.
    pub owner: Option<String>,
    /// Business function in force after.
    pub function: Option<String>,
}

/// Record the changes the annotation asks for (none if nothing differs); returns the identity
/// as it stands after them.
pub fn annotate(store: &mut Store, a: &Annotation) -> Result<Annotated> {
    if a.owner.is_none() && a.function.is_none() {
        bail!("nothing to change: give an owner or a business function");
    }
    let reviewer = rules::clean_text("the reviewer name", &a.reviewer)?;
    let owner = a
        .owner
        .as_deref()
        .map(|o| rules::clean_text("the owner", o))
        .transpose()?
        .map(|o| (!o.is_empty()).then_some(o));
    let function = a
        .function
        .as_deref()
        .map(|f| rules::clean_text("the business function", f))
        .transpose()?
        .map(|f| (!f.is_empty()).then_some(f));
    store.write(|tx| {
        let campaign = tx.campaign(&a.campaign)?;
        if !campaign.is_open() {
            return Err(RuleError::Closed {
                campaign: campaign.name,
            }
            .into());
        }
        let id = tx.resolve_identity(&a.identity)?;
        let ctx = MemberContext::load(tx, &campaign, id)?
            .with_context(|| format!("'{}' is not in campaign '{}'", a.identity, campaign.name))?;
        let mut chain = Appender::open(tx, campaign.id)?;
        let (p, acc, n) = (
            ctx.identity.provider.clone(),
            ctx.identity.account.clone(),
            ctx.identity.native_id.clone(),
        );
        let mut owner_now = ctx.member.owner.clone();
        let mut function_now = ctx.member.function.clone();
        let mut records = Vec::new();
        if let Some(new) = owner.filter(|o| *o != owner_now) {
            let record = Record::Owner(OwnerRecord {
                at: crate::db::ts(a.at),
                business_function: function_now.clone().unwrap_or_default(),
                campaign: campaign.name.clone(),
                identity_account: acc.clone(),
                identity_native_id: n.clone(),
                identity_provider: p.clone(),
                kind: "owner".into(),
                owner: new.clone().unwrap_or_default(),
                prev_hash: String::new(),
                previous_owner: owner_now.clone().unwrap_or_default(),
                reviewer: reviewer.clone(),
                seq: 0,
            });
            records.push(chain.push(tx, Some(id), record)?.0);
            owner_now = new;
            tx.update_member(
                campaign.id,
                id,
                &MemberUpdate {
                    owner: Some(owner_now.clone()),
                    ..Default::default()
                },
            )?;
        }
        if let Some(new) = function.filter(|f| *f != function_now) {
            let record = Record::Function(FunctionRecord {
                at: crate::db::ts(a.at),
                business_function: new.clone().unwrap_or_default(),
                campaign: campaign.name.clone(),
                identity_account: acc,
                identity_native_id: n,
                identity_provider: p,
                kind: "function".into(),
                owner: owner_now.clone().unwrap_or_default(),
                prev_hash: String::new(),
                previous_function: function_now.clone().unwrap_or_default(),
                reviewer: reviewer.clone(),
                seq: 0,
            });
            records.push(chain.push(tx, Some(id), record)?.0);
            function_now = new;
            tx.update_member(
                campaign.id,
                id,
                &MemberUpdate {
                    function: Some(function_now.clone()),
                    ..Default::default()
                },
            )?;
        }
        Ok(Annotated {
            name: ctx.identity.name.clone(),
            records,
            owner: owner_now,
            function: function_now,
        })
    })
}

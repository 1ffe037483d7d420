//! Owner, business-function and expected-unused changes outside a decision: each is a chained
//! record, so the record of who was accountable, for what, and why an identity may sit unused,
//! is complete.

use anyhow::{Context, Result, bail};
use chrono::{DateTime, Utc};

use super::appender::Appender;
use super::context::MemberContext;
use super::rules::{self, RuleError};
use crate::chain::{ExpectedUnusedRecord, FunctionRecord, OwnerRecord, Record};
use crate::db::prelude::*;
use crate::db::{CampaignInfo, MemberUpdate, Store, Tx};

/// An owner, business-function or expected-unused change.
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
    /// Why it is unused by design; empty withdraws the mark.
    pub expected_unused: Option<String>,
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
    /// Expected-unused reason in force after.
    pub expected_unused: Option<String>,
}

/// A text change as asked: `None` not asked, `Some(None)` cleared, `Some(Some(v))` set.
type Change = Option<Option<String>>;

fn change(what: &'static str, asked: Option<&str>) -> Result<Change> {
    Ok(asked
        .map(|v| rules::clean_text(what, v))
        .transpose()?
        .map(|v| (!v.is_empty()).then_some(v)))
}

/// Record the changes the annotation asks for (none if nothing differs); returns the identity
/// as it stands after them.
pub fn annotate(store: &mut Store, a: &Annotation) -> Result<Annotated> {
    if a.owner.is_none() && a.function.is_none() && a.expected_unused.is_none() {
        bail!("nothing to change: give an owner, a business function or an expected-unused reason");
    }
    let reviewer = rules::clean_text("the reviewer name", &a.reviewer)?;
    let owner = change("the owner", a.owner.as_deref())?;
    let function = change("the business function", a.function.as_deref())?;
    let expected = change("the expected-unused reason", a.expected_unused.as_deref())?;
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
        let mut w = Writer {
            chain: Appender::open(tx, campaign.id)?,
            campaign: &campaign,
            ctx: &ctx,
            reviewer: &reviewer,
            at: crate::db::ts(a.at),
            owner: ctx.member.owner.clone(),
            function: ctx.member.function.clone(),
            expected: ctx.member.expected_unused.clone(),
            records: Vec::new(),
        };
        if let Some(new) = owner.filter(|o| *o != w.owner) {
            w.owner(tx, new)?;
        }
        if let Some(new) = function.filter(|f| *f != w.function) {
            w.function(tx, new)?;
        }
        if let Some(new) = expected.filter(|e| *e != w.expected) {
            w.expected(tx, new)?;
        }
        if !w.records.is_empty() {
            MemberContext::restate_signals(tx, &campaign, id)?;
        }
        Ok(Annotated {
            name: ctx.identity.name.clone(),
            records: w.records,
            owner: w.owner,
            function: w.function,
            expected_unused: w.expected,
        })
    })
}

/// Appends the records of one annotation, keeping what is in force as it goes.
struct Writer<'a> {
    chain: Appender,
    campaign: &'a CampaignInfo,
    ctx: &'a MemberContext,
    reviewer: &'a str,
    at: String,
    owner: Option<String>,
    function: Option<String>,
    expected: Option<String>,
    records: Vec<u64>,
}

impl Writer<'_> {
    fn key(&self) -> (String, String, String) {
        let i = &self.ctx.identity;
        (i.provider.clone(), i.account.clone(), i.native_id.clone())
    }

    fn push(&mut self, tx: &mut Tx, record: Record, update: MemberUpdate) -> Result<()> {
        let id = self.ctx.identity.row_id;
        let (seq, _) = self.chain.push(tx, Some(id), record)?;
        self.records.push(seq);
        tx.update_member(self.campaign.id, id, &update)
    }

    fn owner(&mut self, tx: &mut Tx, new: Option<String>) -> Result<()> {
        let (p, a, n) = self.key();
        let record = Record::Owner(OwnerRecord {
            at: self.at.clone(),
            business_function: self.function.clone().unwrap_or_default(),
            campaign: self.campaign.name.clone(),
            identity_account: a,
            identity_native_id: n,
            identity_provider: p,
            kind: "owner".into(),
            owner: new.clone().unwrap_or_default(),
            prev_hash: String::new(),
            previous_owner: self.owner.clone().unwrap_or_default(),
            reviewer: self.reviewer.to_owned(),
            seq: 0,
        });
        self.owner = new.clone();
        let update = MemberUpdate {
            owner: Some(new),
            ..Default::default()
        };
        self.push(tx, record, update)
    }

    fn function(&mut self, tx: &mut Tx, new: Option<String>) -> Result<()> {
        let (p, a, n) = self.key();
        let record = Record::Function(FunctionRecord {
            at: self.at.clone(),
            business_function: new.clone().unwrap_or_default(),
            campaign: self.campaign.name.clone(),
            identity_account: a,
            identity_native_id: n,
            identity_provider: p,
            kind: "function".into(),
            owner: self.owner.clone().unwrap_or_default(),
            prev_hash: String::new(),
            previous_function: self.function.clone().unwrap_or_default(),
            reviewer: self.reviewer.to_owned(),
            seq: 0,
        });
        self.function = new.clone();
        let update = MemberUpdate {
            function: Some(new),
            ..Default::default()
        };
        self.push(tx, record, update)
    }

    fn expected(&mut self, tx: &mut Tx, new: Option<String>) -> Result<()> {
        let (p, a, n) = self.key();
        let record = Record::ExpectedUnused(ExpectedUnusedRecord {
            at: self.at.clone(),
            business_function: self.function.clone().unwrap_or_default(),
            campaign: self.campaign.name.clone(),
            expected_unused: new.clone().unwrap_or_default(),
            identity_account: a,
            identity_native_id: n,
            identity_provider: p,
            kind: "expected_unused".into(),
            owner: self.owner.clone().unwrap_or_default(),
            prev_hash: String::new(),
            reviewer: self.reviewer.to_owned(),
            seq: 0,
        });
        self.expected = new.clone();
        let update = MemberUpdate {
            expected_unused: Some(new),
            ..Default::default()
        };
        self.push(tx, record, update)
    }
}

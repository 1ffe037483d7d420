//! The review's domain layer: it owns every rule of a campaign — start and close, decide, bulk
//! decide, undo, re-attest, owner and business-function changes, and who the reviewer is. The
//! command line, the review screen (through its effects) and packets call these functions and
//! nothing else; [`crate::db`] only persists and queries. Each operation runs in one write
//! transaction: its checks see exactly the state it writes on, and a refused operation leaves
//! nothing behind.

mod annotate;
mod appender;
mod campaign;
pub mod context;
mod decide;
pub mod health;
pub mod packet;
pub mod reviewer;
pub mod rules;
pub mod scope;
mod team;
pub mod verify;

pub use annotate::{Annotated, Annotation, annotate};
pub use campaign::{CloseRequest, Closed, StartRequest, close, start, start_with_progress};
pub use context::{MemberContext, Previous};
pub use decide::{DecisionRequest, Recorded, decide};
pub use team::{
    AssignRequest, Assigned, ConfirmRequest, OutstandingItem, Progress, Selection, Status, assign,
    confirm, status,
};
pub use verify::{Finding, VerifyReport, verify};

//! Signed evidence, end to end through the real binary: a bundle of the example organisation's
//! campaign verified with the stock tools (`ssh-keygen -Y verify`, `sha256sum -c`) and with
//! `nhi-review verify`; keys from a file, a passphrase-protected file and ssh-agent
//! ([`signing`]); each of the eleven tamper cases of reference/evidence.md with its own message,
//! and the database chain against its signed checkpoint ([`tamper`]).

#[path = "../common/mod.rs"]
mod common;
mod crash;
mod signing;
mod support;
mod tamper;

//! Writing a remediation plan: a shell runbook that is safe to read before it runs (dry run by
//! default), Markdown for a change ticket, CSV with one ticket row per item. Every literal is
//! quoted for the shell, every text from an export made inert, every CSV cell neutralised.

use std::io::Write;

use anyhow::Result;

use super::{Action, Arg, Closure, ClosureCounts, Item, Run, Step};
use crate::output::CsvOut;
use crate::text::inert;

/// The output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// A bash runbook: dry run unless written with --execute-ready
    Sh,
    /// Markdown, for a change ticket or a wiki page
    Md,
    /// One ticket row per item (Jira, ServiceNow import)
    Csv,
}

/// What the header says.
#[derive(Debug, Clone)]
pub struct Header {
    /// Campaign name.
    pub campaign: String,
    /// `open` or `closed <time>`.
    pub state: String,
    /// When this was written.
    pub generated_at: String,
    /// Only what is left.
    pub outstanding_only: bool,
    /// Run the commands rather than print them (sh only).
    pub execute_ready: bool,
}

/// Bytes the shell takes as they are, outside quotes.
fn is_bare(c: char) -> bool {
    c.is_ascii_alphanumeric() || "-_./:=@,+%".contains(c)
}

/// One shell word that means exactly `s`: bare when that is safe, single-quoted otherwise, and
/// ANSI-C quoted (`$'…\x1b…'`) when it holds a control or invisible character, so the script
/// itself stays inert in a terminal.
pub fn quote(s: &str) -> String {
    if !s.is_empty() && s.chars().all(is_bare) {
        return s.to_owned();
    }
    let hidden = |c: char| c.is_control() || crate::review::rules::is_invisible(c);
    if s.chars().any(hidden) {
        let mut out = String::from("$'");
        for c in s.chars() {
            match c {
                '\'' => out.push_str("\\'"),
                '\\' => out.push_str("\\\\"),
                c if hidden(c) && (c as u32) < 0x100 => {
                    out.push_str(&format!("\\x{:02x}", c as u32))
                }
                c if hidden(c) => out.push_str(&format!("\\u{:04x}", c as u32)),
                c => out.push(c),
            }
        }
        out.push('\'');
        return out;
    }
    format!("'{}'", s.replace('\'', "'\\''"))
}

/// One argument as a shell word.
fn word(a: &Arg) -> String {
    match a {
        Arg::Lit(s) => quote(s),
        Arg::Var(v) => format!("\"${v}\""),
        Arg::Joined(parts) => parts.iter().map(word).collect(),
    }
}

fn words(args: &[Arg]) -> String {
    args.iter().map(word).collect::<Vec<_>>().join(" ")
}

/// A step as a person would type it (Markdown, CSV).
pub fn plain(step: &Step) -> String {
    match &step.run {
        Run::Command(args) => words(args),
        Run::Lookup {
            var,
            argv,
            jq: None,
        } => format!("{var}=$({})", words(argv)),
        Run::Lookup {
            var,
            argv,
            jq: Some(f),
        } => {
            format!("{var}=$({} | jq -cr {})", words(argv), quote(f))
        }
        Run::ByHand(how) => format!("# by hand: {}", inert(how)),
    }
}

/// A step as the runbook runs it.
fn scripted(step: &Step) -> String {
    let does = quote(&inert(&step.does));
    match &step.run {
        Run::Command(args) => format!("run {does} {}", words(args)),
        Run::Lookup { var, argv, jq } => format!(
            "lookup {var} {does} {} {}",
            quote(jq.as_deref().unwrap_or("")),
            words(argv)
        ),
        Run::ByHand(how) => format!("by_hand {does} {}", quote(&inert(how))),
    }
}

/// Comment lines, each `# `-prefixed and inert.
fn comment(out: &mut dyn Write, text: &str) -> Result<()> {
    writeln!(out, "# {}", inert(text))?;
    Ok(())
}

/// What an item is about, for people.
fn item_label(item: &Item) -> String {
    match &item.item {
        None => "the whole identity".into(),
        Some(i) => i.reference(),
    }
}

/// Where an item stands, in one line.
pub fn closure_text(c: &Closure) -> String {
    match c {
        Closure::Open => "open: no import since the campaign closed".into(),
        Closure::Verified { at, how, source } => format!(
            "verified {at}: {how}{}",
            source
                .as_ref()
                .map(|s| format!(" (import of {s})"))
                .unwrap_or_default()
        ),
        Closure::Outstanding { seen_at } => {
            format!("OUTSTANDING: an import after the close still shows it ({seen_at})")
        }
    }
}

/// The items of an action this output lists.
fn listed(a: &Action, outstanding_only: bool) -> impl Iterator<Item = &Item> {
    a.items
        .iter()
        .filter(move |i| !outstanding_only || !matches!(i.closure, Closure::Verified { .. }))
}

const SH_PRELUDE: &str = r#"set -euo pipefail

# show WORD…: a command as it would be typed (control characters escaped).
show() {
  local a q out=
  for a in "$@"; do
    if [[ $a =~ ^[A-Za-z0-9_./:=@,+%-]+$ ]]; then q=$a
    elif [[ $a == *[[:cntrl:]]* ]]; then printf -v q '%q' "$a"
    else q="'${a//\'/\'\\\'\'}'"; fi
    out+=" $q"
  done
  printf '%s' "${out# }"
}
# run DOES COMMAND…: print it (dry run), or say what it does and run it.
run() {
  local does=$1; shift
  if [ "$DRY_RUN" = 1 ]; then printf 'would run: %s\n' "$(show "$@")"
  else printf '==> %s\n' "$does"; "$@"; fi
}
# lookup VAR DOES JQ COMMAND…: set VAR to what a read-only command prints (through jq when JQ
# is not empty); stop when it finds nothing, or more than one id. A dry run sets <VAR>.
lookup() {
  local var=$1 does=$2 filter=$3; shift 3
  if [ "$DRY_RUN" = 1 ]; then
    printf 'would look up %s: %s' "$var" "$(show "$@")"
    if [ -n "$filter" ]; then printf ' | jq -cr %s' "$(show "$filter")"; fi
    printf '\n'; printf -v "$var" '<%s>' "$var"; return
  fi
  printf '==> %s\n' "$does"
  local out
  if [ -n "$filter" ]; then out=$("$@" | jq -cr "$filter"); else out=$("$@"); fi
  if [ -z "$out" ] || [ "$out" = None ] || [ "$out" = null ]; then
    printf 'nothing found for %s: stopping here\n' "$var" >&2; exit 1
  fi
  if [ -z "$filter" ] && [[ $out == *[[:space:]]* ]]; then
    printf 'more than one match for %s (%s): stopping here\n' "$var" "$out" >&2; exit 1
  fi
  printf -v "$var" '%s' "$out"
}
# by_hand DOES HOW: something no command line does.
by_hand() { printf 'BY HAND: %s: %s\n' "$1" "$2"; BY_HAND=$((BY_HAND + 1)); }
BY_HAND=0
"#;

/// Secrets a runbook needs from the environment: (variable, what it is).
const SECRETS: &[(&str, &str)] = &[
    (
        "OKTA_API_TOKEN",
        "an Okta API token (SSWS) of an admin who may manage apps and tokens",
    ),
    (
        "GOOGLE_ADMIN_TOKEN",
        "an OAuth access token with the admin.directory.user.security scope",
    ),
];

/// Writes a plan in one format, action by action.
pub struct Renderer<'w> {
    format: Format,
    header: Header,
    out: Box<dyn Write + 'w>,
    /// The runbook or page after its header, which names what only the whole plan tells
    /// (the secrets its steps need, the counts).
    body: Vec<u8>,
    csv: Option<CsvOut<Box<dyn Write + 'w>>>,
    index: usize,
    /// Text of every step written, to find which secrets the runbook needs.
    secrets: Vec<&'static str>,
}

/// Header of the CSV: one row per remediation item.
pub const CSV_COLUMNS: &[&str] = &[
    "campaign",
    "record_seq",
    "identity_id",
    "provider",
    "account",
    "kind",
    "native_id",
    "name",
    "verdict",
    "item",
    "summary",
    "commands",
    "reviewer",
    "decided_at",
    "justification",
    "state",
    "state_detail",
];

impl<'w> Renderer<'w> {
    /// Start writing.
    pub fn new(format: Format, header: Header, out: Box<dyn Write + 'w>) -> Result<Self> {
        let mut r = Renderer {
            format,
            header,
            out: Box::new(std::io::sink()),
            body: Vec::new(),
            csv: None,
            index: 0,
            secrets: Vec::new(),
        };
        match format {
            Format::Csv => {
                let mut csv = CsvOut::new(out);
                csv.row(CSV_COLUMNS.iter().copied())?;
                r.csv = Some(csv);
            }
            _ => r.out = out,
        }
        Ok(r)
    }

    /// Write one action.
    pub fn action(&mut self, a: &Action) -> Result<()> {
        if listed(a, self.header.outstanding_only).next().is_none() {
            return Ok(());
        }
        self.index += 1;
        for item in &a.items {
            for step in &item.steps {
                for (name, _) in SECRETS {
                    if plain(step).contains(&format!("${name}")) && !self.secrets.contains(name) {
                        self.secrets.push(name);
                    }
                }
            }
        }
        match self.format {
            Format::Sh => self.sh_action(a),
            Format::Md => self.md_action(a),
            Format::Csv => self.csv_action(a),
        }
    }

    /// Finish, with the counts of the whole plan.
    pub fn finish(mut self, counts: &ClosureCounts) -> Result<()> {
        match self.format {
            Format::Sh => self.sh_finish(counts)?,
            Format::Md => self.md_finish(counts)?,
            Format::Csv => {
                if let Some(csv) = self.csv.take() {
                    csv.finish()?.flush()?;
                }
                return Ok(());
            }
        }
        self.out.flush()?;
        Ok(())
    }

    fn identity_line(a: &Action) -> String {
        format!(
            "{} {} {} {} ({})",
            a.verdict.as_str(),
            a.identity.provider,
            a.identity.kind,
            a.identity.name,
            a.identity.native_id
        )
    }

    fn sh_action(&mut self, a: &Action) -> Result<()> {
        let out = &mut self.body;
        let d = &a.decision;
        writeln!(out, "\n# {}", "-".repeat(76))?;
        comment(out, &format!("[{}] {}", self.index, Self::identity_line(a)))?;
        comment(
            out,
            &format!(
                "account {}, inventory id {}",
                a.identity.account, a.identity.short_id
            ),
        )?;
        comment(
            out,
            &format!(
                "decided {} by {} at {} (record {})",
                d.verdict.map_or("", |v| v.as_str()),
                d.reviewer,
                d.decided_at,
                a.seq
            ),
        )?;
        if !d.business_function.is_empty() {
            comment(out, &format!("business function: {}", d.business_function))?;
        }
        comment(out, &format!("justification: {}", d.justification))?;
        writeln!(
            out,
            "say {}",
            quote(&inert(&format!(
                "[{}] {}",
                self.index,
                Self::identity_line(a)
            )))
        )?;
        for item in listed(a, self.header.outstanding_only) {
            comment(
                out,
                &format!("{}: {}", item_label(item), closure_text(&item.closure)),
            )?;
            if let Closure::Verified { .. } = item.closure {
                writeln!(out, "# nothing to run: a later import shows it carried out")?;
                continue;
            }
            for (n, step) in item.steps.iter().enumerate() {
                comment(out, &format!("{}. {}", n + 1, step.does))?;
                writeln!(out, "{}", scripted(step))?;
            }
        }
        Ok(())
    }

    fn sh_finish(&mut self, counts: &ClosureCounts) -> Result<()> {
        let h = &self.header;
        let out = &mut self.out;
        writeln!(out, "#!/usr/bin/env bash")?;
        comment(
            out,
            &format!(
                "nhi-review remediation runbook: campaign {} ({})",
                h.campaign, h.state
            ),
        )?;
        comment(
            out,
            &format!(
                "written {}{}",
                h.generated_at,
                if h.outstanding_only {
                    "; only what is left"
                } else {
                    ""
                }
            ),
        )?;
        writeln!(out, "# {}", self_counts(self.index, counts))?;
        writeln!(out, "#")?;
        writeln!(
            out,
            "# Nothing here has run: nhi-review holds no credentials and changes nothing."
        )?;
        if h.execute_ready {
            writeln!(
                out,
                "# EXECUTE-READY: running this script carries out every step below. Read it first."
            )?;
        } else {
            writeln!(
                out,
                "# DRY RUN: running it prints each command and runs none (lookups stand in <VAR>)."
            )?;
            writeln!(
                out,
                "# To carry it out, write it again with --execute-ready."
            )?;
        }
        writeln!(
            out,
            "# A failing command stops the script (set -e): fix the cause, then run the rest."
        )?;
        writeln!(
            out,
            "# Afterwards import fresh exports: 'nhi-review remediation --campaign C --outstanding' lists what is left."
        )?;
        writeln!(out)?;
        writeln!(out, "DRY_RUN={}", if h.execute_ready { 0 } else { 1 })?;
        writeln!(out, "say() {{ printf '\\n%s\\n' \"$1\"; }}")?;
        out.write_all(SH_PRELUDE.as_bytes())?;
        for (name, what) in SECRETS.iter().filter(|(n, _)| self.secrets.contains(n)) {
            writeln!(out, "# {name}: {what}; never written here.")?;
            if h.execute_ready {
                writeln!(out, ": \"${{{name}:?set {name} to {what}}}\"")?;
            } else {
                writeln!(
                    out,
                    "{name}='<{name}>'  # a dry run never prints the real one"
                )?;
            }
        }
        out.write_all(&self.body)?;
        writeln!(
            out,
            "\nif [ \"$BY_HAND\" -gt 0 ]; then printf '\\n%s steps above are BY HAND: do them before importing again.\\n' \"$BY_HAND\"; fi"
        )?;
        Ok(())
    }

    fn md_action(&mut self, a: &Action) -> Result<()> {
        let out = &mut self.body;
        let d = &a.decision;
        writeln!(
            out,
            "\n## {}. {}\n",
            self.index,
            md(&Self::identity_line(a))
        )?;
        writeln!(
            out,
            "- Account: {}; inventory id `{}`",
            md(&a.identity.account),
            md(&a.identity.short_id)
        )?;
        writeln!(
            out,
            "- Decision: {} by {} at {} (record {})",
            d.verdict.map_or("", |v| v.as_str()),
            md(&d.reviewer),
            md(&d.decided_at),
            a.seq
        )?;
        if !d.business_function.is_empty() {
            writeln!(out, "- Business function: {}", md(&d.business_function))?;
        }
        writeln!(out, "- Justification: {}", md(&d.justification))?;
        for item in listed(a, self.header.outstanding_only) {
            writeln!(
                out,
                "\n### {} — {}\n",
                md(&item_label(item)),
                md(&closure_text(&item.closure))
            )?;
            if let Closure::Verified { .. } = item.closure {
                continue;
            }
            for (n, step) in item.steps.iter().enumerate() {
                writeln!(
                    out,
                    "{}. {}\n\n   ```sh\n   {}\n   ```\n",
                    n + 1,
                    md(&step.does),
                    plain(step)
                )?;
            }
        }
        Ok(())
    }

    fn md_finish(&mut self, counts: &ClosureCounts) -> Result<()> {
        let h = &self.header;
        let out = &mut self.out;
        writeln!(out, "# Remediation: campaign {}\n", md(&h.campaign))?;
        writeln!(
            out,
            "Campaign {}; written {}{}. {}.\n",
            md(&h.state),
            md(&h.generated_at),
            if h.outstanding_only {
                "; only what is left"
            } else {
                ""
            },
            self_counts(self.index, counts)
        )?;
        writeln!(
            out,
            "Nothing here has run: nhi-review holds no credentials and changes nothing. Each item is verified when a later import of the same export no longer shows it."
        )?;
        for (name, what) in SECRETS.iter().filter(|(n, _)| self.secrets.contains(n)) {
            writeln!(out, "\n`${name}`: {what}.")?;
        }
        out.write_all(&self.body)?;
        Ok(())
    }

    fn csv_action(&mut self, a: &Action) -> Result<()> {
        let Some(csv) = self.csv.as_mut() else {
            return Ok(());
        };
        let d = &a.decision;
        for item in listed(a, self.header.outstanding_only) {
            let commands = item
                .steps
                .iter()
                .enumerate()
                .map(|(n, s)| format!("{}. {}: {}", n + 1, inert(&s.does), plain(s)))
                .collect::<Vec<_>>()
                .join("\n");
            let summary = match &item.item {
                None => format!(
                    "{} {} ({})",
                    a.verdict.as_str(),
                    a.identity.name,
                    a.identity.provider
                ),
                Some(i) => format!(
                    "remove {} from {} ({})",
                    i.reference(),
                    a.identity.name,
                    a.identity.provider
                ),
            };
            let state_detail = closure_text(&item.closure);
            csv.row([
                self.header.campaign.as_str(),
                &a.seq.to_string(),
                &a.identity.short_id,
                &a.identity.provider,
                &a.identity.account,
                &a.identity.kind,
                &a.identity.native_id,
                &a.identity.name,
                a.verdict.as_str(),
                &item_label(item),
                &summary,
                &commands,
                &d.reviewer,
                &d.decided_at,
                &d.justification,
                item.closure.word(),
                &state_detail,
            ])?;
        }
        Ok(())
    }
}

/// The plan in one line.
fn self_counts(listed: usize, c: &ClosureCounts) -> String {
    format!(
        "{listed} identities listed; items: {} open, {} verified, {} outstanding",
        c.open, c.verified, c.outstanding
    )
}

/// Text from an export made inert and unable to become Markdown (no links, images, HTML or
/// emphasis).
fn md(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in inert(s).chars() {
        if "\\`[]<>!|*".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

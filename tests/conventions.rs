//! The conventions of a well-made command-line tool: completions, a man page, examples in every
//! `--help`, one machine-readable output convention.

mod common;

use assert_cmd::Command;
use clap::CommandFactory;
use nhi_review::cli::Cli;

fn bin() -> Command {
    let mut cmd = Command::cargo_bin("nhi-review").expect("binary");
    cmd.env_remove("NHI_REVIEW_DB");
    cmd
}

/// Words of one example line as a shell would split them (quotes, no expansion), up to a
/// redirection or a pipe.
fn shell_words(line: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut quote: Option<char> = None;
    for c in line.chars() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), c) => word.push(c),
            (None, '"' | '\'') => {
                quote = Some(c);
                in_word = true;
            }
            (None, c) if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            (None, '>' | '|') if !in_word => break,
            (None, c) => {
                word.push(c);
                in_word = true;
            }
        }
    }
    if in_word {
        words.push(word);
    }
    words
}

/// Every subcommand, nested ones included, with its full name.
fn subcommands(cmd: &clap::Command, prefix: &str, out: &mut Vec<(String, clap::Command)>) {
    for sub in cmd.get_subcommands() {
        if sub.get_name() == "help" {
            continue;
        }
        let name = format!("{prefix} {}", sub.get_name()).trim().to_owned();
        out.push((name.clone(), sub.clone()));
        subcommands(sub, &name, out);
    }
}

#[test]
fn every_help_ends_with_examples_that_parse() {
    let mut all = Vec::new();
    subcommands(&Cli::command(), "", &mut all);
    assert!(all.len() > 15, "{}", all.len());
    for (name, sub) in &all {
        let after = sub
            .get_after_help()
            .unwrap_or_else(|| panic!("'{name} --help' has no examples"))
            .to_string();
        assert!(after.starts_with("Examples:\n"), "{name}: {after}");
        let lines: Vec<&str> = after.lines().skip(1).map(str::trim).collect();
        assert!((1..=2).contains(&lines.len()), "{name}: {after}");
        for line in lines {
            let words = shell_words(line);
            assert_eq!(words[0], "nhi-review", "{name}: {line}");
            assert!(
                line.starts_with(&format!("nhi-review {name}")),
                "an example of '{name}' runs another command: {line}"
            );
            if let Err(e) = Cli::try_parse_from_words(&words) {
                panic!("the example '{line}' of '{name}' does not parse: {e}");
            }
        }
    }
}

/// Parse without exiting.
trait TryParseWords {
    fn try_parse_from_words(words: &[String]) -> Result<(), clap::Error>;
}

impl TryParseWords for Cli {
    fn try_parse_from_words(words: &[String]) -> Result<(), clap::Error> {
        Cli::command().try_get_matches_from(words).map(|_| ())
    }
}

#[test]
fn readme_command_examples_parse() {
    let readme = std::fs::read_to_string(common::repo("README.md")).expect("README");
    let section = readme
        .split("## Commands")
        .nth(1)
        .and_then(|s| s.split("\n## ").next())
        .expect("Commands section");
    let mut n = 0;
    for row in section.lines().filter(|l| l.starts_with("| `")) {
        let example = row
            .trim_end_matches('|')
            .rsplit(" | ")
            .next()
            .expect("cells")
            .trim()
            .trim_matches('`');
        if !example.starts_with("nhi-review ") {
            continue;
        }
        let words = shell_words(example);
        if let Err(e) = Cli::try_parse_from_words(&words) {
            panic!("the README example '{example}' does not parse: {e}");
        }
        n += 1;
    }
    assert!(n > 15, "{n} examples found");
}

#[test]
fn completions_generate_for_every_shell() {
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let out = bin().args(["completions", shell]).output().expect("run");
        assert!(out.status.success(), "{shell}: {out:?}");
        let text = String::from_utf8(out.stdout).expect("utf-8");
        for word in [
            "nhi-review",
            "import",
            "inventory",
            "campaign",
            "export",
            "completions",
        ] {
            assert!(text.contains(word), "{shell} completions lack '{word}'");
        }
    }
    bin().args(["completions", "tcsh"]).assert().code(2);
}

#[test]
fn man_page_renders() {
    let dir = tempfile::tempdir().expect("tempdir");
    let page = dir.path().join("nhi-review.1");
    bin().arg("man").arg("-o").arg(&page).assert().success();
    let roff = std::fs::read_to_string(&page).expect("page");
    assert!(
        roff.starts_with(".ie") || roff.contains(".TH nhi-review 1"),
        "{roff}"
    );
    for sub in ["import", "campaign", "export", "completions", "man"] {
        assert!(roff.contains(sub), "the man page lacks '{sub}'");
    }
    // Standard output gives the same page.
    let stdout = bin().arg("man").output().expect("run").stdout;
    assert_eq!(String::from_utf8(stdout).expect("utf-8"), roff);

    // Rendered by man itself where it is installed (it is not on every CI image).
    let has_man = std::process::Command::new("man")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !has_man {
        eprintln!("man is not installed: the page was generated but not rendered");
        return;
    }
    let out = std::process::Command::new("man")
        .arg("-l")
        .arg(&page)
        .env("MANPAGER", "cat")
        .env("PAGER", "cat")
        .env("MANWIDTH", "80")
        .output()
        .expect("man");
    assert!(out.status.success(), "{out:?}");
    let text = String::from_utf8_lossy(&out.stdout);
    for heading in ["NAME", "SYNOPSIS", "OPTIONS", "SUBCOMMANDS"] {
        assert!(
            text.contains(heading),
            "rendered page lacks {heading}: {text}"
        );
    }
    assert!(
        String::from_utf8_lossy(&out.stderr).trim().is_empty(),
        "man warned: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

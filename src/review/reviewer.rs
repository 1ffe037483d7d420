//! Who the reviewer is: `--reviewer`, else `NHI_REVIEW_REVIEWER`, else `reviewer` in the config
//! file, else the login name from the user database. With none of these, nothing is recorded and
//! the error says how to set one. The name is free text under the same rules as any other.

use anyhow::{Result, bail};

/// Where a reviewer name may come from, in order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReviewerSources {
    /// `--reviewer`.
    pub flag: Option<String>,
    /// `NHI_REVIEW_REVIEWER`.
    pub env: Option<String>,
    /// `reviewer` in the config file.
    pub config: Option<String>,
    /// The login name from the user database.
    pub login: Option<String>,
}

impl ReviewerSources {
    /// The sources of this process, each read only if the ones before it name nobody (so a
    /// broken config file does not stand in the way of `--reviewer`).
    pub fn from_environment(flag: Option<&str>) -> Result<ReviewerSources> {
        let mut sources = ReviewerSources {
            flag: flag.map(str::to_owned),
            env: std::env::var("NHI_REVIEW_REVIEWER").ok(),
            ..Default::default()
        };
        if sources.first().is_none() {
            sources.config = crate::config()?.reviewer;
        }
        if sources.first().is_none() {
            sources.login = whoami::username().ok();
        }
        Ok(sources)
    }

    /// The first non-empty source and where it came from.
    fn first(&self) -> Option<(&str, &'static str)> {
        [
            (&self.flag, "--reviewer"),
            (&self.env, "NHI_REVIEW_REVIEWER"),
            (&self.config, "the config file's 'reviewer'"),
            (&self.login, "your login name"),
        ]
        .into_iter()
        .find_map(|(v, from)| {
            v.as_deref()
                .filter(|v| !v.trim().is_empty())
                .map(|v| (v, from))
        })
    }

    /// The first non-empty source, checked as free text.
    pub fn pick(&self) -> Result<String> {
        let Some((name, from)) = self.first() else {
            bail!(
                "no reviewer name: pass --reviewer NAME, set NHI_REVIEW_REVIEWER, or put reviewer = \"NAME\" in {}; nothing was recorded",
                crate::config_path()
                    .map(|p| format!("'{}'", p.display()))
                    .unwrap_or_else(|| "the config file".into())
            )
        };
        super::rules::clean_text("the reviewer name", name)
            .map_err(|e| anyhow::anyhow!("{e} (from {from})"))
    }
}

/// The reviewer: given, else the environment, else the config file, else the login name.
pub fn resolve(flag: Option<&str>) -> Result<String> {
    ReviewerSources::from_environment(flag)?.pick()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sources_are_taken_in_order_and_blank_ones_skipped() {
        let all = ReviewerSources {
            flag: Some("flag".into()),
            env: Some("env".into()),
            config: Some("config".into()),
            login: Some("login".into()),
        };
        assert_eq!(all.pick().expect("flag"), "flag");
        let no_flag = ReviewerSources {
            flag: Some("  ".into()),
            ..all.clone()
        };
        assert_eq!(no_flag.pick().expect("env"), "env");
        let only_login = ReviewerSources {
            login: Some("ana".into()),
            ..Default::default()
        };
        assert_eq!(only_login.pick().expect("login"), "ana");
    }

    #[test]
    fn without_any_source_nothing_is_recorded_and_the_error_says_how() {
        let err = ReviewerSources::default().pick().expect_err("none");
        let text = err.to_string();
        assert!(
            text.contains("--reviewer") && text.contains("NHI_REVIEW_REVIEWER"),
            "{text}"
        );
    }

    #[test]
    fn an_invisible_character_in_a_name_is_refused() {
        let sneaky = ReviewerSources {
            env: Some("r\u{200b}".into()),
            ..Default::default()
        };
        let err = sneaky.pick().expect_err("refused");
        assert!(err.to_string().contains("NHI_REVIEW_REVIEWER"), "{err}");
    }
}

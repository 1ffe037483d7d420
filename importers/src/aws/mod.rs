//! Amazon Web Services exports.

pub mod authorization;
pub mod credential_report;

/// The account id inside an IAM ARN (`arn:aws:iam::555566667777:user/x` → `555566667777`).
pub fn account_of_arn(arn: &str) -> Option<&str> {
    let mut parts = arn.splitn(6, ':');
    let (arn_word, _partition, service, _region, account) = (
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
    );
    let valid = arn_word == "arn"
        && service == "iam"
        && account.len() == 12
        && account.bytes().all(|b| b.is_ascii_digit())
        && parts.next().is_some_and(|rest| !rest.is_empty());
    valid.then_some(account)
}

#[cfg(test)]
mod tests {
    use super::account_of_arn;

    #[test]
    fn account_comes_from_the_arn() {
        assert_eq!(
            account_of_arn("arn:aws:iam::555566667777:user/ci/deploy"),
            Some("555566667777")
        );
        assert_eq!(
            account_of_arn("arn:aws-us-gov:iam::555566667777:root"),
            Some("555566667777")
        );
        assert_eq!(account_of_arn("arn:aws:iam::5555:user/x"), None);
        assert_eq!(account_of_arn("arn:aws:s3:::bucket"), None);
        assert_eq!(account_of_arn("svc-example"), None);
    }
}

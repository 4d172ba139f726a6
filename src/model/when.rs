//! Parsing the times users write (`--expires 2026-12-31`, `--expires 90d`), printing them, and
//! classifying an expiry (`ExpiryState`).

use crate::model::error::Error;
use time::format_description::well_known::Rfc3339;
use time::{Date, OffsetDateTime, Time};

/// Parses an RFC 3339 time, a date (midnight UTC), or a duration from `now` (`90d`, `12h`).
pub fn parse(text: &str, now: OffsetDateTime) -> Result<OffsetDateTime, Error> {
    let text = text.trim();
    if let Ok(t) = OffsetDateTime::parse(text, &Rfc3339) {
        return Ok(t);
    }
    let date_fmt = time::macros::format_description!("[year]-[month]-[day]");
    if let Ok(d) = Date::parse(text, &date_fmt) {
        return Ok(d.with_time(Time::MIDNIGHT).assume_utc());
    }
    if let Ok(d) = humantime::parse_duration(text)
        && let Ok(d) = time::Duration::try_from(d)
        && let Some(t) = now.checked_add(d)
    {
        return Ok(t);
    }
    Err(Error::Usage(format!(
        "invalid time '{}': use an RFC 3339 time (2026-12-31T23:59:00Z), a date (2026-12-31) or a duration from now (90d, 12h)",
        text.escape_debug()
    )))
}

/// Whether `at` falls within `window` from `now` (or before). Checked: a window too large to
/// add to `now` (a config value such as `refresh_skew = "9999999y"`) takes in every time.
pub fn within(at: OffsetDateTime, window: std::time::Duration, now: OffsetDateTime) -> bool {
    time::Duration::try_from(window)
        .ok()
        .and_then(|w| now.checked_add(w))
        .is_none_or(|limit| at <= limit)
}

/// Prints a time as RFC 3339 in UTC, to the second.
pub fn format(t: OffsetDateTime) -> String {
    t.to_offset(time::UtcOffset::UTC)
        .replace_nanosecond(0)
        .unwrap_or(t)
        .format(&Rfc3339)
        .unwrap_or_default()
}

/// Whether a credential still works, by its recorded expiry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExpiryState {
    /// No expiry, or not soon.
    Ok,
    /// Expires within the warning window.
    Expiring,
    /// Already expired.
    Expired,
}

impl ExpiryState {
    /// Classifies an expiry time.
    pub fn of(
        expires_at: Option<OffsetDateTime>,
        now: OffsetDateTime,
        warn: std::time::Duration,
    ) -> Self {
        match expires_at {
            Some(at) if at <= now => ExpiryState::Expired,
            Some(at) if within(at, warn, now) => ExpiryState::Expiring,
            _ => ExpiryState::Ok,
        }
    }

    /// `ok`, `expiring` or `expired`.
    pub fn as_str(self) -> &'static str {
        match self {
            ExpiryState::Ok => "ok",
            ExpiryState::Expiring => "expiring",
            ExpiryState::Expired => "expired",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn within_never_overflows() {
        let now = OffsetDateTime::now_utc();
        let hour = std::time::Duration::from_secs(3600);
        assert!(within(now, hour, now));
        assert!(within(now + time::Duration::minutes(30), hour, now));
        assert!(!within(now + time::Duration::hours(2), hour, now));
        assert!(within(now, std::time::Duration::MAX, now));
    }
    use time::macros::datetime;

    #[test]
    fn forms() {
        let now = datetime!(2026-11-23 10:00 UTC);
        assert_eq!(
            parse("2026-12-31", now).unwrap(),
            datetime!(2026-12-31 0:00 UTC)
        );
        assert_eq!(
            parse("2026-12-31T10:00:00+02:00", now).unwrap(),
            datetime!(2026-12-31 8:00 UTC)
        );
        assert_eq!(parse("90d", now).unwrap(), datetime!(2027-02-21 10:00 UTC));
        assert_eq!(parse("12h", now).unwrap(), datetime!(2026-11-23 22:00 UTC));
        assert!(parse("tomorrow-ish", now).is_err());
        assert!(parse("2026-13-01", now).is_err());
        assert_eq!(
            format(datetime!(2026-12-31 8:00:00.5 +2)),
            "2026-12-31T06:00:00Z"
        );
    }
}

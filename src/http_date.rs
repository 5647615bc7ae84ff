//! HTTP dates (RFC 9110 §5.6.7): the preferred IMF-fixdate and, as recipients must accept,
//! the obsolete RFC 850 and ANSI C `asctime()` formats. Used for `Retry-After` (RFC 9110
//! §10.2.3) and `Date` (§6.6.1).

/// Seconds since the Unix epoch of an HTTP date, or `None` when `text` is not one (or names a
/// day that does not exist, a weekday that is not that day's, or a time before 1970).
pub fn parse(text: &str) -> Option<u64> {
    let (weekday, secs) = parse_parts(text)?;
    // 1970-01-01 was a Thursday (index 3, counting from Monday).
    ((secs / 86_400 + 3) % 7 == weekday).then_some(secs)
}

/// The weekday named in `text` (0 = Monday) and the instant it gives.
fn parse_parts(text: &str) -> Option<(u64, u64)> {
    let b = text.as_bytes();
    // IMF-fixdate: "Sun, 06 Nov 1994 08:49:37 GMT" (29 bytes).
    if b.len() == 29 && b[3] == b',' && b[4] == b' ' && &b[26..] == b"GMT" {
        let day = weekday(&b[..3])?;
        return at(
            number(&b[12..16])?,
            month(&b[8..11])?,
            number(&b[5..7])?,
            time(&b[17..25])?,
        )
        .filter(|_| b[7] == b' ' && b[11] == b' ' && b[16] == b' ' && b[25] == b' ')
        .map(|secs| (day, secs));
    }
    // asctime: "Sun Nov  6 08:49:37 1994" (24 bytes; the day may be space-padded).
    if b.len() == 24 && b[3] == b' ' && b[7] == b' ' && b[10] == b' ' && b[19] == b' ' {
        let name = weekday(&b[..3])?;
        let day = if b[8] == b' ' {
            number(&b[9..10])?
        } else {
            number(&b[8..10])?
        };
        return at(
            number(&b[20..24])?,
            month(&b[4..7])?,
            day,
            time(&b[11..19])?,
        )
        .map(|secs| (name, secs));
    }
    // RFC 850: "Sunday, 06-Nov-94 08:49:37 GMT" (two-digit year: RFC 9110 §5.6.7 says to read
    // a year more than 50 years in the future as the past century; rotor reads 70-99 as 19xx).
    let (day_name, rest) = crate::text::split_once(text, ", ")?;
    const LONG: [&str; 7] = [
        "Monday",
        "Tuesday",
        "Wednesday",
        "Thursday",
        "Friday",
        "Saturday",
        "Sunday",
    ];
    let name = LONG.iter().position(|d| *d == day_name)? as u64;
    let r = rest.as_bytes();
    if r.len() != 22 || r[2] != b'-' || r[6] != b'-' || r[9] != b' ' || &r[19..] != b"GMT" {
        return None;
    }
    let yy = number(&r[7..9])?;
    let year = if yy >= 70 { 1900 + yy } else { 2000 + yy };
    at(year, month(&r[3..6])?, number(&r[0..2])?, time(&r[10..18])?)
        .filter(|_| r[18] == b' ')
        .map(|secs| (name, secs))
}

fn number(digits: &[u8]) -> Option<u64> {
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(digits.iter().fold(0, |n, d| n * 10 + u64::from(d - b'0')))
}

/// The index of a three-letter weekday name, 0 = Monday.
fn weekday(name: &[u8]) -> Option<u64> {
    const DAYS: [&[u8]; 7] = [b"Mon", b"Tue", b"Wed", b"Thu", b"Fri", b"Sat", b"Sun"];
    DAYS.iter().position(|d| *d == name).map(|i| i as u64)
}

fn month(name: &[u8]) -> Option<u64> {
    const MONTHS: [&[u8]; 12] = [
        b"Jan", b"Feb", b"Mar", b"Apr", b"May", b"Jun", b"Jul", b"Aug", b"Sep", b"Oct", b"Nov",
        b"Dec",
    ];
    MONTHS.iter().position(|m| *m == name).map(|i| i as u64 + 1)
}

/// "HH:MM:SS" as seconds of the day (a leap second 60 is accepted, as RFC 5322 allows).
fn time(t: &[u8]) -> Option<u64> {
    if t[2] != b':' || t[5] != b':' {
        return None;
    }
    let (h, m, s) = (number(&t[0..2])?, number(&t[3..5])?, number(&t[6..8])?);
    (h < 24 && m < 60 && s <= 60).then_some(h * 3600 + m * 60 + s)
}

/// Seconds since the epoch of a civil date and a time of day; `None` for invalid dates.
fn at(year: u64, month: u64, day: u64, seconds: u64) -> Option<u64> {
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let days_in = [
        31,
        if leap { 29 } else { 28 },
        31,
        30,
        31,
        30,
        31,
        31,
        30,
        31,
        30,
        31,
    ];
    if !(1970..=9999).contains(&year) || day == 0 || day > days_in[(month - 1) as usize] {
        return None;
    }
    // Days from the civil date (H. Hinnant's algorithm, proleptic Gregorian).
    let (y, m) = if month <= 2 {
        (year - 1, month + 9)
    } else {
        (year, month - 3)
    };
    let era = y / 400;
    let yoe = y - era * 400;
    let doy = (153 * m + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some(days * 86_400 + seconds)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_three_formats_of_rfc_9110() {
        // RFC 9110 §5.6.7's example, 1994-11-06T08:49:37Z.
        for text in [
            "Sun, 06 Nov 1994 08:49:37 GMT",
            "Sunday, 06-Nov-94 08:49:37 GMT",
            "Sun Nov  6 08:49:37 1994",
        ] {
            assert_eq!(parse(text), Some(784_111_777), "{text}");
        }
        assert_eq!(parse("Thu, 01 Jan 1970 00:00:00 GMT"), Some(0));
        assert_eq!(parse("Tue, 29 Feb 2028 23:59:59 GMT"), Some(1_835_481_599));
    }

    #[test]
    fn refuses_what_is_not_a_date() {
        for text in [
            "",
            "Sun, 06 Nov 1994 08:49:37 UTC",
            "Sun, 31 Feb 1994 08:49:37 GMT",
            "Sun, 29 Feb 2100 08:49:37 GMT",
            "Xyz, 06 Nov 1994 08:49:37 GMT",
            "Sun, 06 Foo 1994 08:49:37 GMT",
            "Sun, 06 Nov 1994 24:00:00 GMT",
            "Sun, 06 Nov 1969 08:49:37 GMT",
            "Sun,06 Nov 1994 08:49:37 GMT ",
            "Sun, 0x Nov 1994 08:49:37 GMT",
            "Mon, 06 Nov 1994 08:49:37 GMT",
            "Sun, 07 Nov 1994 08:49:37 GMT",
            "Monday, 06-Nov-94 08:49:37 GMT",
            "Mon Nov  6 08:49:37 1994",
            "Someday, 06-Nov-94 08:49:37 GMT",
            "Sun Nov 6 08:49:37 1994",
            "120",
        ] {
            assert_eq!(parse(text), None, "{text:?}");
        }
    }
}

//! Showing numbers the way the report prints them. Rounding is 四舍五入 (half away from
//! zero) on the decimal digits a reader sees, applied only here, when a value is shown.

/// Rounds half away from zero to `digits` decimals, on the shortest decimal form of `v`
/// (so 1.005 rounds to 1.01, as a person would, not 1.00 as binary arithmetic gives).
pub fn round_half_away(v: f64, digits: usize) -> f64 {
    if !v.is_finite() {
        return v;
    }
    let text = format!("{}", v.abs());
    let (int, frac) = text.split_once('.').unwrap_or((&text, ""));
    if frac.len() <= digits {
        return v;
    }
    let keep = format!("{int}{}", &frac[..digits]);
    let mut n: u128 = keep.parse().unwrap_or(0);
    if frac.as_bytes()[digits] >= b'5' {
        n += 1;
    }
    let r = n as f64 / 10f64.powi(digits as i32);
    if v < 0.0 { -r } else { r }
}

/// A number with at most `digits` decimals, trailing zeros dropped: 60, 34.3, 19835.
pub fn number(v: f64, digits: usize) -> String {
    let r = round_half_away(v, digits);
    let s = format!("{r:.digits$}");
    let s = if s.contains('.') { s.trim_end_matches('0').trim_end_matches('.').to_string() } else { s };
    if s == "-0" { "0".to_string() } else { s }
}

/// A number with exactly `digits` decimals: 14.89, 7.80.
pub fn fixed(v: f64, digits: usize) -> String {
    let r = round_half_away(v, digits);
    format!("{r:.digits$}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounds_half_away_from_zero() {
        assert_eq!(round_half_away(2.5, 0), 3.0);
        assert_eq!(round_half_away(-2.5, 0), -3.0);
        assert_eq!(round_half_away(1.005, 2), 1.01);
        assert_eq!(round_half_away(7.6923, 1), 7.7);
        assert_eq!(round_half_away(0.125, 2), 0.13);
    }

    #[test]
    fn prints_like_the_report() {
        assert_eq!(number(60.0, 1), "60");
        assert_eq!(number(34.3, 1), "34.3");
        assert_eq!(number(67.95016987542469, 2), "67.95");
        assert_eq!(fixed(82.142857, 0), "82");
        assert_eq!(number(-0.04, 1), "0");
    }

    /// `chinese_number` (the `cn` filter) lives in src/render.rs, beside the filters; its
    /// cases are here, with the other ways the report shows numbers. The report's: 十三批
    /// (filing_batches), 零 (parks_enterprise_led_share_sw_nw_ne).
    #[test]
    fn chinese_numerals() {
        use crate::text::chinese_number as cn;
        let cases = [
            (0, "零"),
            (1, "一"),
            (9, "九"),
            (10, "十"),
            (13, "十三"),
            (19, "十九"),
            (20, "二十"),
            (21, "二十一"),
            (99, "九十九"),
            (100, "一百"),
            (101, "一百零一"),
            (110, "一百一十"),
            (111, "一百一十一"),
            (205, "二百零五"),
            (1000, "一千"),
            (1001, "一千零一"),
            (1010, "一千零一十"),
            (1100, "一千一百"),
            (2023, "二千零二十三"),
            (9999, "九千九百九十九"),
            (-3, "负三"),
            (-13, "负十三"),
        ];
        for (n, text) in cases {
            assert_eq!(cn(n), text, "{n}");
        }
        // From 一万 on the text writes digits.
        assert_eq!(cn(10000), "10000");
        assert_eq!(cn(123456), "123456");
    }
}

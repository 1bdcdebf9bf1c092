//! Text helpers every writer and the audit share: escaping for Markdown and HTML, and
//! Chinese numerals as the report prints them.

/// Escapes a data value for Markdown, so that no value can become markup or raw HTML.
pub fn md_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '|' | '~' | '#' => {
                out.push('\\');
                out.push(c);
            }
            '&' => out.push_str("&amp;"),
            '\n' | '\r' => out.push(' '),
            _ => out.push(c),
        }
    }
    out
}

/// Escapes text for an HTML attribute or element.
pub fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('"', "&quot;").replace('<', "&lt;").replace('>', "&gt;")
}

/// 2024-05 → 二零二四年五月, as the cover prints it.
pub fn chinese_month(year: i32, month: u32) -> String {
    const DIGITS: [&str; 10] = ["零", "一", "二", "三", "四", "五", "六", "七", "八", "九"];
    let y: String = year.to_string().chars().map(|c| DIGITS[c.to_digit(10).unwrap_or(0) as usize]).collect();
    format!("{y}年{}月", chinese_number(month as i64))
}

/// A whole number in Chinese numerals, as the text writes small counts: 13 → 十三.
pub fn chinese_number(n: i64) -> String {
    const DIGITS: [&str; 10] = ["零", "一", "二", "三", "四", "五", "六", "七", "八", "九"];
    const UNITS: [&str; 4] = ["", "十", "百", "千"];
    if n < 0 {
        return format!("负{}", chinese_number(-n));
    }
    if n < 10 {
        return DIGITS[n as usize].to_string();
    }
    if (10..20).contains(&n) {
        return format!("十{}", if n % 10 == 0 { "" } else { DIGITS[(n % 10) as usize] });
    }
    if n >= 10000 {
        return n.to_string();
    }
    let digits: Vec<usize> = n.to_string().chars().map(|c| c.to_digit(10).unwrap_or(0) as usize).collect();
    let mut out = String::new();
    let mut zero = false;
    for (i, d) in digits.iter().enumerate() {
        let unit = UNITS[digits.len() - 1 - i];
        if *d == 0 {
            zero = true;
        } else {
            if zero {
                out.push('零');
                zero = false;
            }
            out.push_str(DIGITS[*d]);
            out.push_str(unit);
        }
    }
    out
}

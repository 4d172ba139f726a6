//! Tests of the generators: uniformity (a chi-square test), the rules and the word list.

use super::*;
use rand::rngs::OsRng;

/// The chi-square statistic of `counts` against a uniform distribution over them.
fn chi_square(counts: &[u64]) -> f64 {
    let total: u64 = counts.iter().sum();
    let expected = total as f64 / counts.len() as f64;
    counts
        .iter()
        .map(|&c| (c as f64 - expected).powi(2) / expected)
        .sum()
}

/// 94,000 characters of the default set, 1,000 expected of each, are uniform. The bound,
/// 173.0, is the chi-square quantile at 93 degrees of freedom for a significance of 10⁻⁶
/// (Wilson–Hilferty), so a fair generator fails once in a million runs. Reducing a random
/// byte modulo 94, the usual mistake, makes 68 characters half again as likely as the other
/// 26; over this sample its statistic is about 2,500, far beyond the bound.
#[test]
fn characters_are_uniform_by_chi_square() {
    let charset = Charset::default();
    assert_eq!(charset.len(), 94);
    let mut counts = vec![0u64; 256];
    for _ in 0..94 {
        let p = password(&mut OsRng, &charset, 1000, &[]).unwrap();
        for &b in p.expose() {
            counts[b as usize] += 1;
        }
    }
    let counts: Vec<u64> = charset.0.iter().map(|&b| counts[b as usize]).collect();
    let stat = chi_square(&counts);
    assert!(
        stat < 173.0,
        "chi-square {stat:.1} over 93 degrees of freedom"
    );
}

/// Word choices go through the same sampler: 20 buckets of the list's indices, as chosen by
/// whole words, are uniform (chi-square bound 45.3 at 19 degrees of freedom, 10⁻⁶).
#[test]
fn words_are_uniform_by_chi_square() {
    let list = word_list();
    let index: std::collections::HashMap<&str, usize> =
        list.iter().enumerate().map(|(i, w)| (*w, i)).collect();
    let mut counts = vec![0u64; 16];
    for _ in 0..400 {
        let p = passphrase(&mut OsRng, 40, " ").unwrap();
        for w in p.expose_str().unwrap().split(' ') {
            counts[index[w] * 16 / list.len()] += 1;
        }
    }
    let stat = chi_square(&counts);
    assert!(
        stat < 45.0,
        "chi-square {stat:.1} over 15 degrees of freedom"
    );
}

#[test]
fn the_word_list_is_the_eff_large_list() {
    let lines: Vec<&str> = EFF_LARGE_WORDLIST.lines().collect();
    assert_eq!(lines.len(), 7776);
    // The dice digits run through every roll of five dice in order.
    let mut i = 0;
    for a in '1'..='6' {
        for b in '1'..='6' {
            for c in '1'..='6' {
                for d in '1'..='6' {
                    for e in '1'..='6' {
                        let code: String = [a, b, c, d, e].iter().collect();
                        assert!(lines[i].starts_with(&format!("{code}\t")), "{}", lines[i]);
                        i += 1;
                    }
                }
            }
        }
    }
    let words = word_list();
    assert_eq!((words[0], words[7775]), ("abacus", "zoom"));
    let unique: std::collections::HashSet<&&str> = words.iter().collect();
    assert_eq!(unique.len(), 7776);
    assert!((bits_per_word() - 12.925).abs() < 0.001);
}

#[test]
fn passwords_have_the_length_and_only_the_set() {
    let hex = Charset::parse("hex").unwrap();
    let p = password(&mut OsRng, &hex, 40, &[]).unwrap();
    assert_eq!(p.len(), 40);
    assert!(p.expose().iter().all(|b| b"0123456789abcdef".contains(b)));
    let own = Charset::parse("digits,chars:xy,z").unwrap();
    assert_eq!(own.0, b",0123456789xyz");
    let alnum = Charset::default().without_symbols().unwrap();
    assert_eq!(alnum, Charset::parse("alnum").unwrap());
}

#[test]
fn required_classes_are_always_there() {
    let all = [Class::Upper, Class::Lower, Class::Digit, Class::Symbol];
    for _ in 0..200 {
        let p = password(&mut OsRng, &Charset::default(), 4, &all).unwrap();
        for c in all {
            assert!(p.expose().iter().any(|&b| c.contains(b)), "{c:?}");
        }
    }
}

#[test]
fn rules_that_cannot_be_met_are_errors() {
    let digits = Charset::parse("digits").unwrap();
    assert_eq!(
        password(&mut OsRng, &digits, 8, &[Class::Upper]).unwrap_err(),
        GenerateError::AbsentClass("upper")
    );
    assert_eq!(
        password(
            &mut OsRng,
            &Charset::default(),
            2,
            &[Class::Upper, Class::Digit, Class::Lower]
        )
        .unwrap_err(),
        GenerateError::TooShort {
            length: 2,
            classes: 3
        }
    );
    assert!(matches!(
        password(&mut OsRng, &digits, 0, &[]),
        Err(GenerateError::OutOfRange { .. })
    ));
    assert!(matches!(
        Charset::parse("emoji"),
        Err(GenerateError::UnknownClass(_))
    ));
    assert!(matches!(
        Charset::parse("chars:é1"),
        Err(GenerateError::BadChar('é'))
    ));
    assert!(matches!(
        Charset::parse("chars:aa"),
        Err(GenerateError::TooSmall(_))
    ));
    assert!(matches!(
        Class::parse_list("upper,emoji"),
        Err(GenerateError::UnknownRequired(_))
    ));
}

//! Russian regions (federal subjects) and MSK-offset names mapped to IANA time zones.
//!
//! The table lives in `data/ru_regions.csv` so it can be reviewed and corrected without touching code.

use std::collections::HashMap;
use std::sync::OnceLock;

use chrono_tz::Tz;

const REGIONS_CSV: &str = include_str!("data/ru_regions.csv");

/// One federal subject of Russia with its time zone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Region {
    /// Two-digit subject code (as on car plates and in official lists).
    pub code: String,
    /// Official Russian name.
    pub name: String,
    /// English name.
    pub english: String,
    /// IANA time zone of the capital.
    pub zone: Tz,
}

struct Table {
    regions: Vec<Region>,
    by_key: HashMap<String, usize>,
}

fn table() -> &'static Table {
    static TABLE: OnceLock<Table> = OnceLock::new();
    TABLE.get_or_init(|| {
        let mut regions = Vec::new();
        let mut by_key = HashMap::new();
        for line in REGIONS_CSV.lines() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let cols: Vec<&str> = line.split(';').collect();
            // The data file is part of the source tree and checked by a unit test; a broken line is a bug.
            assert_eq!(cols.len(), 5, "data/ru_regions.csv: bad line {line}");
            let zone: Tz = cols[4]
                .parse()
                .unwrap_or_else(|_| panic!("data/ru_regions.csv: unknown zone {}", cols[4]));
            let idx = regions.len();
            regions.push(Region {
                code: cols[0].to_string(),
                name: cols[1].to_string(),
                english: cols[2].to_string(),
                zone,
            });
            by_key.insert(cols[0].to_string(), idx);
            if let Ok(n) = cols[0].parse::<u32>() {
                by_key.insert(n.to_string(), idx);
            }
            for name in [cols[1], cols[2]].into_iter().chain(cols[3].split('|')) {
                let key = normalize(name);
                if !key.is_empty() {
                    by_key.insert(key, idx);
                }
            }
        }
        Table { regions, by_key }
    })
}

/// Every federal subject in the table.
pub fn all() -> &'static [Region] {
    &table().regions
}

/// Finds a region by code, official name, common short name or English name (case and punctuation ignored).
pub fn find(text: &str) -> Option<&'static Region> {
    let t = table();
    let trimmed = text.trim();
    if let Some(&i) = t.by_key.get(trimmed) {
        return Some(&t.regions[i]);
    }
    t.by_key.get(&normalize(trimmed)).map(|&i| &t.regions[i])
}

/// Parses a time zone cell: an IANA name (`Asia/Yekaterinburg`), `UTC`, or a Moscow offset (`MSK+2`, `МСК-1`).
pub fn parse_zone(text: &str) -> Option<Tz> {
    let t = text.trim();
    if let Ok(tz) = t.parse::<Tz>() {
        return Some(tz);
    }
    let upper = t.to_uppercase().replace(' ', "");
    let rest = upper
        .strip_prefix("MSK")
        .or_else(|| upper.strip_prefix("МСК"))?;
    let offset: i32 = if rest.is_empty() {
        0
    } else {
        rest.trim_start_matches('+').parse().ok()?
    };
    let name = match offset {
        -1 => "Europe/Kaliningrad",
        0 => "Europe/Moscow",
        1 => "Europe/Samara",
        2 => "Asia/Yekaterinburg",
        3 => "Asia/Omsk",
        4 => "Asia/Krasnoyarsk",
        5 => "Asia/Irkutsk",
        6 => "Asia/Yakutsk",
        7 => "Asia/Vladivostok",
        8 => "Asia/Magadan",
        9 => "Asia/Kamchatka",
        _ => return None,
    };
    name.parse().ok()
}

/// Lower-cases, folds ё, and drops generic words ("область", "республика", "oblast"…) and punctuation.
fn normalize(text: &str) -> String {
    const GENERIC: &[&str] = &[
        "республика",
        "область",
        "обл",
        "край",
        "автономный",
        "автономная",
        "округ",
        "ао",
        "г",
        "город",
        "народная",
        "republic",
        "oblast",
        "krai",
        "autonomous",
        "okrug",
        "city",
        "the",
    ];
    let lowered: String = text
        .to_lowercase()
        .replace('ё', "е")
        .chars()
        .map(|c| if c.is_alphanumeric() { c } else { ' ' })
        .collect();
    lowered
        .split_whitespace()
        .filter(|w| !GENERIC.contains(w))
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_has_every_subject_with_a_valid_zone() {
        assert_eq!(all().len(), 89);
    }

    #[test]
    fn finds_by_code_name_and_alias() {
        assert_eq!(find("66").unwrap().zone, chrono_tz::Asia::Yekaterinburg);
        assert_eq!(find("Свердловская обл.").unwrap().code, "66");
        assert_eq!(find("ХМАО").unwrap().code, "86");
        assert_eq!(find("г. Москва").unwrap().code, "77");
        assert_eq!(find("Московская область").unwrap().code, "50");
        assert_eq!(
            find("Primorsky Krai").unwrap().zone,
            chrono_tz::Asia::Vladivostok
        );
        assert_eq!(find("Республика Саха (Якутия)").unwrap().code, "14");
        assert_eq!(find("3").unwrap().code, "03");
        assert!(find("Атлантида").is_none());
    }

    #[test]
    fn parses_zone_names_and_msk_offsets() {
        assert_eq!(parse_zone("Europe/Samara"), Some(chrono_tz::Europe::Samara));
        assert_eq!(parse_zone("МСК+7"), Some(chrono_tz::Asia::Vladivostok));
        assert_eq!(parse_zone("MSK-1"), Some(chrono_tz::Europe::Kaliningrad));
        assert_eq!(parse_zone("Mars/Olympus"), None);
    }
}

//! Deterministic, made-up companies: the rows a mock job delivers.

use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use serde::Serialize;

/// One company row, in the field order of the documented poll example.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct Row {
    pub name: String,
    pub domain: String,
    pub linkedin_url: String,
    pub headquarters: String,
    pub match_reason: String,
    pub match_score: u32,
    pub source_band: String,
    pub source_query: String,
    pub employee_count: u32,
    pub funding_stage: String,
    pub industries: Vec<String>,
    pub hq_city: String,
    pub hq_region: String,
    pub hq_country: String,
}

/// A delivered row: its score (for ranking) and its JSON, serialised once
/// when the band is written (polls then copy bytes instead of escaping
/// strings again).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Written {
    pub match_score: u32,
    pub json: Box<[u8]>,
}

impl Written {
    pub(crate) fn of(row: &Row) -> Written {
        Written {
            match_score: row.match_score,
            json: serde_json::to_vec(row)
                .expect("a row serialises")
                .into_boxed_slice(),
        }
    }
}

/// Employee-size bands: label and inclusive employee range. Band `i` of a job
/// uses entry `i % len`.
const BANDS: [(&str, u32, u32); 7] = [
    ("1-10", 1, 10),
    ("11-50", 11, 50),
    ("51-200", 51, 200),
    ("201-1000", 201, 1000),
    ("1001-5000", 1001, 5000),
    ("5001-10000", 5001, 10000),
    ("10001+", 10001, 60000),
];

const PREFIXES: [&str; 16] = [
    "Acme",
    "Northwind",
    "Bluefin",
    "Copperleaf",
    "Driftwood",
    "Evergreen",
    "Foxglove",
    "Granite",
    "Helix",
    "Ironbark",
    "Juniper",
    "Kestrel",
    "Lumen",
    "Meridian",
    "Nimbus",
    "Orchid",
];

const SUFFIXES: [&str; 12] = [
    "Observability",
    "Analytics",
    "Cloud",
    "Systems",
    "Labs",
    "Health",
    "Logistics",
    "Finance",
    "Robotics",
    "Security",
    "Networks",
    "Software",
];

const PLACES: [(&str, &str, &str); 10] = [
    ("San Francisco", "California", "United States"),
    ("New York", "New York", "United States"),
    ("Austin", "Texas", "United States"),
    ("Toronto", "Ontario", "Canada"),
    ("London", "England", "United Kingdom"),
    ("Berlin", "Berlin", "Germany"),
    ("Paris", "Ile-de-France", "France"),
    ("Amsterdam", "North Holland", "Netherlands"),
    ("Bangalore", "Karnataka", "India"),
    ("Sydney", "New South Wales", "Australia"),
];

const FUNDING: [&str; 7] = [
    "Bootstrapped",
    "Seed",
    "Series A",
    "Series B",
    "Series C",
    "Series D+",
    "Public",
];

const INDUSTRIES: [&str; 10] = [
    "Software",
    "DevOps",
    "Healthcare",
    "Fintech",
    "Logistics",
    "Security",
    "Data Infrastructure",
    "Hardware",
    "E-commerce",
    "Artificial Intelligence",
];

/// The label of band `band` (0-based), e.g. `"51-200"`.
pub(crate) fn band_label(band: u32) -> &'static str {
    BANDS[band as usize % BANDS.len()].0
}

/// The `count` rows of band `band` of a job, numbered from `first_index`
/// (the job's row index, which keeps domains unique within a job). The same
/// `(row_seed, band)` always yields the same rows.
pub(crate) fn band_rows(
    row_seed: u64,
    band: u32,
    first_index: usize,
    count: usize,
    query: &str,
) -> Vec<Row> {
    let mut rng =
        SmallRng::seed_from_u64(row_seed ^ u64::from(band).wrapping_mul(0x9E37_79B9_7F4A_7C15));
    let (label, low, high) = BANDS[band as usize % BANDS.len()];
    (0..count)
        .map(|i| {
            let index = first_index + i;
            let prefix = PREFIXES[rng.random_range(0..PREFIXES.len())];
            let suffix = SUFFIXES[rng.random_range(0..SUFFIXES.len())];
            let (city, region, country) = PLACES[rng.random_range(0..PLACES.len())];
            let slug = format!(
                "{}-{}-{index}",
                prefix.to_lowercase(),
                suffix.to_lowercase()
            );
            let first = rng.random_range(0..INDUSTRIES.len());
            let mut industries = vec![INDUSTRIES[first].to_owned()];
            if rng.random_bool(0.5) {
                industries.push(INDUSTRIES[(first + 1) % INDUSTRIES.len()].to_owned());
            }
            Row {
                name: format!("{prefix} {suffix}"),
                domain: format!("{slug}.example"),
                linkedin_url: format!("https://www.linkedin.com/company/{slug}"),
                headquarters: format!("{city}, {region}, {country}"),
                match_reason: format!(
                    "Provides {} products matching \"{}\".",
                    suffix.to_lowercase(),
                    truncate(query, 80)
                ),
                match_score: rng.random_range(55..=99),
                source_band: label.to_owned(),
                source_query: query.to_owned(),
                employee_count: rng.random_range(low..=high),
                funding_stage: FUNDING[rng.random_range(0..FUNDING.len())].to_owned(),
                industries,
                hq_city: city.to_owned(),
                hq_region: region.to_owned(),
                hq_country: country.to_owned(),
            }
        })
        .collect()
}

fn truncate(s: &str, max_chars: usize) -> &str {
    match s.char_indices().nth(max_chars) {
        Some((at, _)) => &s[..at],
        None => s,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_are_deterministic_and_unique_per_job() {
        let a = band_rows(7, 1, 15, 15, "q");
        assert_eq!(a, band_rows(7, 1, 15, 15, "q"));
        assert_ne!(a, band_rows(8, 1, 15, 15, "q"));
        let b = band_rows(7, 2, 30, 15, "q");
        let mut domains: Vec<_> = a.iter().chain(&b).map(|r| r.domain.clone()).collect();
        domains.sort();
        domains.dedup();
        assert_eq!(domains.len(), 30);
        assert!(a.iter().all(|r| r.source_band == "11-50"));
        assert!(a.iter().all(|r| (11..=50).contains(&r.employee_count)));
    }

    #[test]
    fn truncate_counts_chars() {
        assert_eq!(truncate("héllo", 2), "hé");
        assert_eq!(truncate("hi", 5), "hi");
    }
}

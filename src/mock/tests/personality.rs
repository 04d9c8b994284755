//! The catalogue and the strategy take every switch both ways.

use std::collections::{BTreeMap, BTreeSet};

use proptest::strategy::{Strategy, ValueTree};
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};

use crate::mock::personality::{PauseReply, Personality};

/// Each switch's value, written out; sizes as "default" or "other".
fn switches(p: &Personality) -> Vec<(&'static str, String)> {
    let f = Personality::faithful();
    let size = |same: bool| if same { "default" } else { "other" }.to_owned();
    vec![
        ("pause_pending", format!("{:?}", p.pause_pending)),
        ("pause_pausing", format!("{:?}", p.pause_pausing)),
        ("pause_cancelling", format!("{:?}", p.pause_cancelling)),
        ("resume_pending", format!("{:?}", p.resume_pending)),
        ("resume_running", format!("{:?}", p.resume_running)),
        ("resume_pausing", format!("{:?}", p.resume_pausing)),
        ("resume_cancelling", format!("{:?}", p.resume_cancelling)),
        ("cancel_pausing", format!("{:?}", p.cancel_pausing)),
        ("cancel_paused", format!("{:?}", p.cancel_paused)),
        ("cancel_cancelling", format!("{:?}", p.cancel_cancelling)),
        ("submit_status", format!("{:?}", p.submit_status)),
        ("poll_status", format!("{:?}", p.poll_status)),
        ("cancel_status", format!("{:?}", p.cancel_status)),
        ("band", size(p.band == f.band)),
        ("page_size", size(p.page_size == f.page_size)),
        ("rows_per_band", size(p.rows_per_band == f.rows_per_band)),
        ("bands_total", size(p.bands_total == f.bands_total)),
        ("settle_bands", size(p.settle_bands == f.settle_bands)),
        ("settle_zero", format!("{}", p.settle_bands == 0)),
        ("routing", format!("{:?}", p.routing)),
        ("coding", format!("{:?}", p.coding)),
        ("connection", format!("{:?}", p.connection)),
        ("extra_fields", format!("{}", p.extra_fields)),
        ("extra_headers", format!("{}", p.extra_headers)),
        ("media_type_params", format!("{}", p.media_type_params)),
    ]
}

/// How many values each switch can take.
fn arity(switch: &str) -> usize {
    match switch {
        "pause_pending" | "pause_pausing" | "pause_cancelling" | "coding" => 3,
        _ => 2,
    }
}

fn coverage(ps: impl IntoIterator<Item = Personality>) -> BTreeMap<&'static str, BTreeSet<String>> {
    let mut seen: BTreeMap<&'static str, BTreeSet<String>> = BTreeMap::new();
    for p in ps {
        for (switch, value) in switches(&p) {
            seen.entry(switch).or_default().insert(value);
        }
    }
    seen
}

#[test]
fn faithful_is_the_default_and_first_in_the_catalogue() {
    assert_eq!(Personality::default(), Personality::faithful());
    let catalogue = Personality::catalogue();
    assert_eq!(catalogue[0], ("faithful", Personality::faithful()));
    let names: BTreeSet<&str> = catalogue.iter().map(|(n, _)| *n).collect();
    assert_eq!(names.len(), catalogue.len(), "names are unique");
}

#[test]
fn the_catalogue_takes_every_switch_every_way() {
    let seen = coverage(Personality::catalogue().into_iter().map(|(_, p)| p));
    for (switch, values) in seen {
        assert_eq!(values.len(), arity(switch), "{switch}: {values:?}");
    }
}

#[test]
fn the_strategy_takes_every_switch_every_way() {
    let mut runner = TestRunner::new_with_rng(
        Config::default(),
        TestRng::from_seed(RngAlgorithm::ChaCha, &[7; 32]),
    );
    let strategy = Personality::strategy();
    let drawn = (0..400).map(|_| strategy.new_tree(&mut runner).unwrap().current());
    let seen = coverage(drawn);
    for (switch, values) in seen {
        assert_eq!(values.len(), arity(switch), "{switch}: {values:?}");
    }
}

#[test]
fn silent_shorthands_set_all_ten_cells() {
    let p = Personality::faithful().accept_silent(PauseReply::Paused);
    let values: BTreeSet<String> = switches(&p)[..10].iter().map(|(_, v)| v.clone()).collect();
    assert_eq!(values, BTreeSet::from(["Accept".into(), "Paused".into()]));
    let p = Personality::faithful().refuse_silent();
    let values: BTreeSet<String> = switches(&p)[..10].iter().map(|(_, v)| v.clone()).collect();
    assert_eq!(values, BTreeSet::from(["Refuse".into()]));
}

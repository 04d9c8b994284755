//! Every job of every key, and the seeded generator of IDs.

use std::collections::BTreeMap;
use std::time::Duration;

use rand::rngs::SmallRng;
use rand::{RngCore, SeedableRng};

use super::job::Job;
use super::personality::Personality;
use crate::JobState;

/// The jobs, by id. Owners are checked on every lookup.
#[derive(Debug)]
pub(crate) struct Store {
    pub personality: Personality,
    rng: SmallRng,
    jobs: BTreeMap<String, Job>,
}

impl Store {
    /// An empty store whose IDs come from `seed`.
    pub(crate) fn new(personality: Personality, seed: u64) -> Store {
        Store {
            personality: personality.normalised(),
            rng: SmallRng::seed_from_u64(seed),
            jobs: BTreeMap::new(),
        }
    }

    /// A fresh UUID and row seed from the seeded generator.
    fn draw(&mut self) -> (String, u64) {
        loop {
            let mut bytes = [0u8; 16];
            self.rng.fill_bytes(&mut bytes);
            let id = uuid::Builder::from_random_bytes(bytes)
                .into_uuid()
                .hyphenated()
                .to_string();
            let row_seed = self.rng.next_u64();
            if !self.jobs.contains_key(&id) {
                return (id, row_seed);
            }
        }
    }

    /// Submits a job for `owner` at `now`; returns its id.
    pub(crate) fn submit(&mut self, owner: &str, query: &str, now: Duration) -> String {
        let (id, row_seed) = self.draw();
        let job = Job::submitted(
            id.clone(),
            owner.to_owned(),
            query.to_owned(),
            row_seed,
            now,
        );
        self.jobs.insert(id.clone(), job);
        id
    }

    /// Adds a fixture job in `state` for `owner` at `now`; returns its id.
    pub(crate) fn seed(&mut self, owner: &str, state: JobState, now: Duration) -> String {
        let (id, row_seed) = self.draw();
        let job = Job::fixture(
            id.clone(),
            owner.to_owned(),
            state,
            row_seed,
            now,
            &self.personality,
        );
        self.jobs.insert(id.clone(), job);
        id
    }

    /// The job `id` of `owner`, settled to `now`, with the personality;
    /// `None` for an unknown job or another key's job.
    pub(crate) fn job(
        &mut self,
        owner: &str,
        id: &str,
        now: Duration,
    ) -> Option<(&mut Job, &Personality)> {
        let job = self.jobs.get_mut(id).filter(|job| job.owner == owner)?;
        job.settle(now, &self.personality);
        Some((job, &self.personality))
    }

    /// The state of `owner`'s job `id` at `now`.
    pub(crate) fn state(&mut self, owner: &str, id: &str, now: Duration) -> Option<JobState> {
        self.job(owner, id, now).map(|(job, _)| job.state)
    }

    /// The ids and states of `owner`'s jobs, settled to `now`, sorted by id.
    pub(crate) fn jobs_of(&mut self, owner: &str, now: Duration) -> Vec<(String, JobState)> {
        let p = &self.personality;
        self.jobs
            .values_mut()
            .filter(|job| job.owner == owner)
            .map(|job| {
                job.settle(now, p);
                (job.id.clone(), job.state)
            })
            .collect()
    }
}

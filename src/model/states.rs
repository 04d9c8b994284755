//! A set of job states, small enough to copy, with the closure under the
//! moves a job makes on its own ([`crate::lifecycle::reachable`]).

use std::fmt;

use crate::JobState;
use crate::lifecycle::reachable;

/// A set of [`JobState`]s (a bit set over the eight states).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub(crate) struct StateSet(u8);

fn bit(state: JobState) -> u8 {
    1 << (state as u8)
}

impl StateSet {
    /// No state.
    pub(crate) const EMPTY: StateSet = StateSet(0);

    /// Exactly these states.
    pub(crate) fn of(states: &[JobState]) -> StateSet {
        StateSet(states.iter().fold(0, |bits, s| bits | bit(*s)))
    }

    /// The states a job seen in `state` may be in by now:
    /// [`reachable`]`(state)`.
    pub(crate) fn reachable_from(state: JobState) -> StateSet {
        StateSet::of(reachable(state))
    }

    /// True when `state` is in the set.
    pub(crate) fn contains(self, state: JobState) -> bool {
        self.0 & bit(state) != 0
    }

    /// True when the set is empty.
    #[cfg(test)]
    pub(crate) fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// Both sets together.
    #[must_use = "sets are values; the union is returned"]
    pub(crate) fn union(self, other: StateSet) -> StateSet {
        StateSet(self.0 | other.0)
    }

    /// What both sets share.
    #[must_use = "sets are values; the intersection is returned"]
    pub(crate) fn intersect(self, other: StateSet) -> StateSet {
        StateSet(self.0 & other.0)
    }

    /// True when every state of `self` is in `other`.
    pub(crate) fn is_subset(self, other: StateSet) -> bool {
        self.0 & !other.0 == 0
    }

    /// Every state reachable from a state of the set (the set included):
    /// where a job believed to be in `self` may be after any time passed.
    #[must_use = "sets are values; the closure is returned"]
    #[cfg(test)]
    pub(crate) fn closure(self) -> StateSet {
        self.iter()
            .fold(self, |acc, s| acc.union(StateSet::reachable_from(s)))
    }

    /// The terminal states of the set.
    #[must_use = "sets are values; the subset is returned"]
    pub(crate) fn terminal(self) -> StateSet {
        self.intersect(StateSet::of(&JobState::TERMINAL))
    }

    /// True when some state of the set is not terminal.
    pub(crate) fn any_unfinished(self) -> bool {
        self.0 & !self.terminal().0 != 0
    }

    /// The states, in lifecycle order.
    pub(crate) fn iter(self) -> impl Iterator<Item = JobState> {
        JobState::ALL.into_iter().filter(move |s| self.contains(*s))
    }
}

impl FromIterator<JobState> for StateSet {
    fn from_iter<I: IntoIterator<Item = JobState>>(iter: I) -> Self {
        iter.into_iter()
            .fold(StateSet::EMPTY, |acc, s| acc.union(StateSet::of(&[s])))
    }
}

impl fmt::Display for StateSet {
    /// `pending, running or failed`; `no state` when empty.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = self.iter().map(JobState::as_str).collect();
        match names.as_slice() {
            [] => f.write_str("no state"),
            [one] => f.write_str(one),
            [init @ .., last] => write!(f, "{} or {last}", init.join(", ")),
        }
    }
}

impl fmt::Debug for StateSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.iter()).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use JobState::*;

    #[test]
    fn closure_is_reachable_and_idempotent() {
        let set = StateSet::of(&[Pausing]);
        assert_eq!(
            set.closure(),
            StateSet::of(&[Pausing, Paused, Completed, Failed])
        );
        for bits in 0..=u8::MAX {
            let set = StateSet(bits);
            assert_eq!(set.closure().closure(), set.closure());
            assert!(set.is_subset(set.closure()));
        }
    }

    #[test]
    fn display_lists_in_lifecycle_order() {
        assert_eq!(
            StateSet::of(&[Failed, Pending]).to_string(),
            "pending or failed"
        );
        assert_eq!(
            StateSet::of(&[Cancelled, Running, Completed]).to_string(),
            "running, completed or cancelled"
        );
        assert_eq!(StateSet::EMPTY.to_string(), "no state");
        assert_eq!(format!("{:?}", StateSet::of(&[Paused])), "{Paused}");
    }
}

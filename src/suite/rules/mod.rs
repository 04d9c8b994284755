//! The rules, by family. Each rule's metadata stands beside its body and
//! names the documentation it rests on; where the docs are silent a rule
//! accepts every documented answer and says so in a note.

use super::Rule;

/// A [`Rule`] from its id, title, documentation and body.
macro_rules! rule {
    ($id:literal, $title:literal, $because:literal, $run:ident) => {
        crate::suite::Rule {
            id: $id,
            title: $title,
            because: $because,
            run: |session| -> crate::suite::RuleFuture<'_> { Box::pin($run(session)) },
        }
    };
}

mod control;
mod ids;
mod isolation;
mod matrix;
#[cfg(feature = "model")]
mod model;
mod pagination;
mod submit;
mod terminal;

/// Every rule, in report order.
pub(super) static ALL: &[Rule] = &[
    ids::UNKNOWN_JOB_404,
    ids::ODD_JOB_ID_4XX,
    terminal::TERMINAL_409,
    terminal::TERMINAL_STAYS_TERMINAL,
    control::RESUME_PAUSED,
    control::PAUSE_PAUSED,
    control::PAUSE_RUNNING,
    control::CANCEL_RUNNING,
    submit::SUBMIT,
    submit::SUBMIT_INVALID_422,
    submit::MISSING_KEY_422,
    isolation::ISOLATION_404,
    pagination::PAGINATION,
    matrix::CONTROL_MATRIX,
    #[cfg(feature = "model")]
    model::MODEL,
];

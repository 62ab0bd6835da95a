//! Facts probed from the live system at a failure, while the tracee is still stopped.
//! Filled by `probe`, read by `diagnose`; not part of the saved trace (the resulting
//! `Cause` with its evidence is).

/// Everything the probes found for one failing call.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Facts {}

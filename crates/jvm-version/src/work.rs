//! The work the scanners do, counted for their linearity tests (work counted, never timed):
//! a scanner calls [`count`] with the steps it takes (bytes handed to a declaration's parser,
//! open elements compared); a test reads the count with [`counted`] and compares an input of
//! size n with 8n (`fuzz_check::assert_linear`). Outside tests, [`count`] does nothing.

#[cfg(test)]
thread_local! {
    static STEPS: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
}

/// Adds `steps` to this thread's count (in tests; nothing otherwise).
#[inline]
pub(crate) fn count(steps: usize) {
    #[cfg(test)]
    STEPS.with(|counted| counted.set(counted.get() + steps as u64));
    #[cfg(not(test))]
    let _ = steps;
}

/// The steps `run` counted on this thread.
#[cfg(test)]
pub(crate) fn counted(run: impl FnOnce()) -> u64 {
    let before = STEPS.with(std::cell::Cell::get);
    run();
    STEPS.with(std::cell::Cell::get) - before
}

//! CPU clocks, so throughput per core is measured rather than inferred from wall time
//! and a thread count (idle workers and other processes blur both).

/// CPU time this thread has used, in seconds; `None` where the platform has no such clock.
pub fn thread_seconds() -> Option<f64> {
    #[cfg(unix)]
    {
        clock(libc::CLOCK_THREAD_CPUTIME_ID)
    }
    #[cfg(not(unix))]
    {
        None
    }
}

/// CPU time all threads of this process have used, in seconds.
pub fn process_seconds() -> Option<f64> {
    #[cfg(unix)]
    {
        clock(libc::CLOCK_PROCESS_CPUTIME_ID)
    }
    #[cfg(not(unix))]
    {
        None
    }
}

#[cfg(unix)]
fn clock(id: libc::clockid_t) -> Option<f64> {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime writes into the timespec we own and reads nothing else.
    let status = unsafe { libc::clock_gettime(id, &mut ts) };
    (status == 0).then_some(ts.tv_sec as f64 + ts.tv_nsec as f64 * 1e-9)
}

#[cfg(test)]
mod tests {
    #[test]
    fn thread_time_grows_with_work() {
        let Some(before) = super::thread_seconds() else {
            return;
        };
        let mut x = 0u64;
        for i in 0..20_000_000u64 {
            x = std::hint::black_box(x.wrapping_mul(31).wrapping_add(i));
        }
        let after = super::thread_seconds().unwrap();
        assert!(after > before, "{x}");
    }
}

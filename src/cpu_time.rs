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

/// CPU time of another process of ours (a model program) and of the children it has
/// waited for, in seconds, from `/proc/PID/stat`; `None` where there is no `/proc`.
pub fn process_tree_seconds(pid: u32) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    parse_proc_stat_seconds(&stat, clock_ticks_per_second()?)
}

/// utime + stime + cutime + cstime (fields 14 to 17) of a `/proc/PID/stat` line, whose
/// second field, the command name in parentheses, may itself hold spaces.
fn parse_proc_stat_seconds(stat: &str, ticks_per_s: f64) -> Option<f64> {
    let after_name = &stat[stat.rfind(')')? + 1..];
    // Field 3 (state) is the first after the name: fields 14..=17 are 11..=14 past it.
    let ticks: Option<Vec<f64>> = after_name
        .split_whitespace()
        .skip(11)
        .take(4)
        .map(|t| t.parse::<f64>().ok())
        .collect();
    let ticks = ticks.filter(|t| t.len() == 4)?;
    Some(ticks.iter().sum::<f64>() / ticks_per_s)
}

fn clock_ticks_per_second() -> Option<f64> {
    #[cfg(unix)]
    {
        // SAFETY: sysconf reads a system constant and has no other effect.
        let ticks = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
        (ticks > 0).then_some(ticks as f64)
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
    fn proc_stat_fields_are_read_past_a_name_with_spaces() {
        let line = "42 (my (odd) prog) S 1 42 42 0 -1 4194304 100 0 0 0 250 50 10 5 20 0 1 0";
        assert_eq!(super::parse_proc_stat_seconds(line, 100.0), Some(3.15));
        assert_eq!(super::parse_proc_stat_seconds("42 (x) S 1", 100.0), None);
    }

    #[test]
    fn this_process_has_a_cpu_time_in_proc() {
        if !std::path::Path::new("/proc/self/stat").exists() {
            eprintln!("skipping: no /proc on this system");
            return;
        }
        assert!(super::process_tree_seconds(std::process::id()).is_some());
    }
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

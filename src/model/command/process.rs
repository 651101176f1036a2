//! One running model program: its pipes, the threads that feed and drain them, and
//! how it is ended.

use super::{EXIT_GRACE, SHUTDOWN_GRACE, STDERR_TAIL_LINES, lock};
use std::collections::{HashSet, VecDeque};
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

/// A stderr line as a terminal would show it: progress bars redraw with `\r`, so only
/// the last segment counts, and a runaway line is cut to its end.
fn stderr_line(bytes: &[u8]) -> String {
    const KEEP: usize = 500;
    let text = String::from_utf8_lossy(bytes);
    let text = text.trim_end();
    let shown = text
        .rsplit('\r')
        .find(|s| !s.trim().is_empty())
        .unwrap_or("");
    let count = shown.chars().count();
    if count > KEEP {
        let tail: String = shown.chars().skip(count - KEEP).collect();
        format!("…{tail}")
    } else {
        shown.to_string()
    }
}

pub(super) enum Event {
    Line(Vec<u8>),
    /// A line longer than [`MAX_ANSWER_LINE`]: its bytes were dropped as they came.
    TooLong(usize),
    /// Stdout reached its end (or failed to read): the program exited or closed it.
    Closed(Option<std::io::Error>),
}

/// The longest answer line read from a program: a runaway print without a newline
/// must fail its article, not fill the harness's memory.
pub const MAX_ANSWER_LINE: usize = 64 << 20;

/// The longest stderr line kept (its end: what a terminal would show last).
const MAX_STDERR_LINE: usize = 16 << 10;

/// What one bounded line read gave.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum LineRead {
    Eof,
    /// A line (without its `\n`) in the buffer.
    Line,
    /// A line longer than the cap, of which this many bytes were read (none kept).
    TooLong(usize),
}

/// Reads one line into `line` (cleared first), holding at most `cap` bytes of it: past
/// the cap it stops at once with [`LineRead::TooLong`] (a line without end must not be
/// waited for).
pub(super) fn read_line_bounded(
    reader: &mut impl BufRead,
    line: &mut Vec<u8>,
    cap: usize,
) -> std::io::Result<LineRead> {
    line.clear();
    let mut total = 0usize;
    loop {
        let available = match reader.fill_buf() {
            Ok(buf) => buf,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if available.is_empty() {
            return Ok(match total {
                0 => LineRead::Eof,
                n if n > cap => LineRead::TooLong(n),
                _ => LineRead::Line,
            });
        }
        let (piece, done) = match memchr::memchr(b'\n', available) {
            Some(i) => (&available[..i], Some(i + 1)),
            None => (available, None),
        };
        total += piece.len();
        if total <= cap {
            line.extend_from_slice(piece);
        } else {
            line.clear();
            let consumed = done.unwrap_or(available.len());
            reader.consume(consumed);
            return Ok(LineRead::TooLong(total));
        }
        let consumed = done.unwrap_or(available.len());
        reader.consume(consumed);
        if done.is_some() {
            return Ok(LineRead::Line);
        }
    }
}

/// The last lines of a program's stderr, kept while it runs, and the pipe they come
/// from. Whoever holds the lock reads what the pipe holds: the drain thread as data
/// arrives, and [`Process::tail`] before it quotes the tail, so an error message shows
/// everything the program wrote to stderr before the answer that caused it (nothing
/// is still in flight in a reader thread).
struct StderrTail {
    lines: VecDeque<String>,
    total: usize,
    /// The end of a line not yet ended by `\n`.
    partial: Vec<u8>,
    pipe: Option<std::process::ChildStderr>,
}

impl StderrTail {
    /// Reads what the pipe holds now without blocking, up to a bound (a program
    /// flooding stderr must not keep the lock); false once the pipe has closed.
    fn drain(&mut self) -> bool {
        use std::io::Read;
        const MAX_PER_DRAIN: usize = 1 << 20;
        let mut buf = [0u8; 8192];
        let mut drained = 0;
        while drained < MAX_PER_DRAIN {
            let Some(pipe) = self.pipe.as_mut() else {
                return false;
            };
            match pipe.read(&mut buf) {
                Ok(0) => {
                    self.pipe = None;
                    if !self.partial.is_empty() {
                        let line = std::mem::take(&mut self.partial);
                        self.push(&line);
                    }
                    return false;
                }
                Ok(n) => {
                    drained += n;
                    self.take(&buf[..n]);
                }
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => return true,
                Err(_) => {
                    self.pipe = None;
                    return false;
                }
            }
        }
        true
    }

    fn take(&mut self, mut bytes: &[u8]) {
        while let Some(i) = memchr::memchr(b'\n', bytes) {
            let mut line = std::mem::take(&mut self.partial);
            line.extend_from_slice(&bytes[..i]);
            self.push(&line);
            bytes = &bytes[i + 1..];
        }
        self.partial.extend_from_slice(bytes);
        // A line without end keeps only its end, as a terminal would show it.
        if self.partial.len() > 2 * MAX_STDERR_LINE {
            self.partial.drain(..self.partial.len() - MAX_STDERR_LINE);
        }
    }

    fn push(&mut self, line: &[u8]) {
        let start = line.len().saturating_sub(MAX_STDERR_LINE);
        self.total += 1;
        self.lines.push_back(stderr_line(&line[start..]));
        if self.lines.len() > STDERR_TAIL_LINES {
            self.lines.pop_front();
        }
    }
}

/// Waits until `fd` can be read (or has closed) without consuming anything.
#[cfg(unix)]
fn wait_readable(fd: std::os::fd::RawFd) {
    let mut poll = libc::pollfd {
        fd,
        events: libc::POLLIN,
        revents: 0,
    };
    // SAFETY: poll reads and writes only the one pollfd we own; fd stays open while the
    // drain thread runs (the pipe is closed only under the lock, after which the thread
    // stops polling it).
    unsafe {
        libc::poll(&mut poll, 1, -1);
    }
}

#[cfg(unix)]
fn set_nonblocking(fd: std::os::fd::RawFd) -> std::io::Result<()> {
    // SAFETY: fcntl on a descriptor we own, changing only its status flags.
    let status = unsafe {
        let flags = libc::fcntl(fd, libc::F_GETFL);
        libc::fcntl(fd, libc::F_SETFL, flags | libc::O_NONBLOCK)
    };
    if status < 0 {
        Err(std::io::Error::last_os_error())
    } else {
        Ok(())
    }
}

/// One running program with its three pipes, each served by its own thread so that a
/// program that stops reading or writing can never block the harness.
pub(super) struct Process {
    child: Child,
    requests: Option<Sender<Vec<u8>>>,
    pub(super) events: Receiver<Event>,
    stderr: Arc<Mutex<StderrTail>>,
    stderr_closed: Receiver<()>,
    /// Every id written to this process: tells a late answer from an unknown id.
    pub(super) sent: HashSet<String>,
    /// CPU seconds of the program's process group, read when it ends.
    cpu_s: Option<f64>,
}

impl Process {
    /// Starts the program in a process group of its own, so that ending it ends what it
    /// started too (a wrapper script's children), and a Ctrl-C at the terminal reaches
    /// the harness, which ends its models itself.
    pub(super) fn spawn(argv: &[String]) -> std::io::Result<Process> {
        let (program, args) = argv
            .split_first()
            .ok_or_else(|| std::io::Error::other("empty command"))?;
        let mut command = Command::new(program);
        command
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        #[cfg(unix)]
        {
            use std::os::unix::process::CommandExt;
            command.process_group(0);
        }
        let mut child = command.spawn()?;
        let missing = || std::io::Error::other("pipe not opened");
        let stdin = child.stdin.take().ok_or_else(missing)?;
        let stdout = child.stdout.take().ok_or_else(missing)?;
        let stderr = child.stderr.take().ok_or_else(missing)?;

        let (requests, pending) = mpsc::channel::<Vec<u8>>();
        thread::Builder::new()
            .name("cmd-stdin".into())
            .spawn(move || {
                // A program that exits or closes its stdin makes the next write fail;
                // with SIGPIPE blocked in this thread that is an EPIPE error here (the
                // program's failure, seen next on its stdout), never a signal that
                // would end the harness.
                crate::signals::block_sigpipe_in_this_thread();
                let mut out = BufWriter::with_capacity(1 << 16, stdin);
                while let Ok(request) = pending.recv() {
                    if out.write_all(&request).is_err() {
                        return;
                    }
                    // One flush for all requests queued meanwhile.
                    while let Ok(request) = pending.try_recv() {
                        if out.write_all(&request).is_err() {
                            return;
                        }
                    }
                    if out.flush().is_err() {
                        return;
                    }
                }
            })?;

        let (events_tx, events) = mpsc::channel();
        thread::Builder::new()
            .name("cmd-stdout".into())
            .spawn(move || {
                let mut reader = BufReader::with_capacity(1 << 16, stdout);
                let mut line = Vec::new();
                loop {
                    let event = match read_line_bounded(&mut reader, &mut line, MAX_ANSWER_LINE) {
                        Ok(LineRead::Eof) => Event::Closed(None),
                        Ok(LineRead::Line) => {
                            while line.last().is_some_and(|b| *b == b'\r') {
                                line.pop();
                            }
                            if line.iter().all(u8::is_ascii_whitespace) {
                                continue;
                            }
                            Event::Line(std::mem::take(&mut line))
                        }
                        Ok(LineRead::TooLong(bytes)) => Event::TooLong(bytes),
                        Err(e) => Event::Closed(Some(e)),
                    };
                    let closed = matches!(event, Event::Closed(_));
                    if events_tx.send(event).is_err() || closed {
                        return;
                    }
                }
            })?;

        #[cfg(unix)]
        let fd = {
            use std::os::fd::AsRawFd;
            let fd = stderr.as_raw_fd();
            set_nonblocking(fd)?;
            fd
        };
        let tail = Arc::new(Mutex::new(StderrTail {
            lines: VecDeque::new(),
            total: 0,
            partial: Vec::new(),
            pipe: Some(stderr),
        }));
        let (closed_tx, stderr_closed) = mpsc::channel::<()>();
        let tail_writer = Arc::clone(&tail);
        thread::Builder::new()
            .name("cmd-stderr".into())
            .spawn(move || {
                loop {
                    #[cfg(unix)]
                    wait_readable(fd);
                    if !lock(&tail_writer).drain() {
                        break;
                    }
                }
                drop(closed_tx);
            })?;

        Ok(Process {
            child,
            requests: Some(requests),
            events,
            stderr: tail,
            stderr_closed,
            sent: HashSet::new(),
            cpu_s: None,
        })
    }

    /// Queues one request line (a JSON value) for the program.
    pub(super) fn send(&mut self, id: &str, request: &serde_json::Value) -> bool {
        let mut line = request.to_string().into_bytes();
        line.push(b'\n');
        self.sent.insert(id.to_string());
        self.requests
            .as_ref()
            .is_some_and(|requests| requests.send(line).is_ok())
    }

    pub(super) fn is_alive(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    /// Once stdout has closed: waits briefly for the exit, kills the program if it
    /// lingers, lets stderr drain, and says how it ended.
    pub(super) fn stop_after_eof(&mut self) -> String {
        self.requests = None;
        let started = Instant::now();
        let status = loop {
            match self.child.try_wait() {
                Ok(Some(status)) => break Some(status),
                Ok(None) if started.elapsed() < EXIT_GRACE => {
                    thread::sleep(Duration::from_millis(5))
                }
                _ => break None,
            }
        };
        let how = match status {
            Some(status) => describe_exit(status),
            None => "closed its stdout without exiting (it was killed)".to_string(),
        };
        // Even a program that exited may leave children behind holding the pipes.
        self.kill();
        how
    }

    /// Ends the program and everything in its process group, and reaps it.
    pub(super) fn kill(&mut self) {
        self.requests = None;
        self.note_cpu();
        #[cfg(unix)]
        if let Ok(pid) = i32::try_from(self.child.id()) {
            // SAFETY: killpg only sends a signal; the group is the one spawn made for
            // this child (its pid), and the child is not reaped yet, so the id has not
            // been reused by another group.
            unsafe {
                libc::killpg(pid, libc::SIGKILL);
            }
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
        self.wait_for_stderr();
    }

    /// Reads the program's CPU time while it still exists (the harness's own clock does
    /// not see it).
    fn note_cpu(&mut self) {
        if self.cpu_s.is_none() {
            self.cpu_s = crate::cpu_time::process_tree_seconds(self.child.id());
        }
    }

    /// CPU seconds the running program has used so far.
    pub(super) fn cpu_so_far(&mut self) -> Option<f64> {
        match self.cpu_s {
            Some(cpu) => Some(cpu),
            None => crate::cpu_time::process_tree_seconds(self.child.id()),
        }
    }

    /// CPU seconds the program used, once it has ended (`None` where unknown).
    pub(super) fn cpu_s(&mut self) -> Option<f64> {
        self.note_cpu();
        self.cpu_s
    }

    /// Stderr may still hold the traceback that explains a crash; a grandchild holding
    /// the pipe open must not stall the harness, hence the bound.
    fn wait_for_stderr(&self) {
        let _ = self.stderr_closed.recv_timeout(EXIT_GRACE);
    }

    pub(super) fn tail(&self) -> String {
        let mut tail = lock(&self.stderr);
        tail.drain();
        if tail.lines.is_empty() {
            return "stderr: (empty)".to_string();
        }
        let mut text = format!(
            "stderr (last {} of {} lines):",
            tail.lines.len(),
            tail.total
        );
        for line in &tail.lines {
            text.push_str("\n  | ");
            text.push_str(&crate::error::escape_controls(line));
        }
        text
    }
}

impl Drop for Process {
    /// Closes stdin, gives the program a moment to exit on its own, then ends its group;
    /// the wait reaps it, so no zombie is left.
    fn drop(&mut self) {
        self.requests = None;
        let started = Instant::now();
        while started.elapsed() < SHUTDOWN_GRACE {
            match self.child.try_wait() {
                Ok(None) => thread::sleep(Duration::from_millis(5)),
                _ => break,
            }
        }
        self.kill();
    }
}

fn describe_exit(status: ExitStatus) -> String {
    if let Some(code) = status.code() {
        return format!("exited with code {code}");
    }
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        if let Some(signal) = status.signal() {
            return format!("was killed by signal {signal}");
        }
    }
    format!("ended ({status})")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_past_the_cap_stops_the_read_at_once() {
        let input = b"short\nthis line is far too long and has no end";
        let mut reader = BufReader::with_capacity(7, &input[..]);
        let mut line = Vec::new();
        let read = |reader: &mut BufReader<&[u8]>, line: &mut Vec<u8>| {
            read_line_bounded(reader, line, 10).unwrap()
        };
        assert_eq!(read(&mut reader, &mut line), LineRead::Line);
        assert_eq!(line, b"short");
        // Stops within a buffer's length past the cap, holding nothing.
        assert!(matches!(read(&mut reader, &mut line), LineRead::TooLong(n) if n <= 10 + 7));
        assert!(line.is_empty());
        let left = reader.fill_buf().unwrap().len();
        assert!(left > 0, "the rest of the line was not read");
    }

    #[test]
    fn the_stderr_tail_keeps_the_last_lines_and_the_end_of_an_endless_one() {
        let mut tail = StderrTail {
            lines: VecDeque::new(),
            total: 0,
            partial: Vec::new(),
            pipe: None,
        };
        for i in 0..30 {
            tail.take(format!("line {i}\n").as_bytes());
        }
        tail.take(b"half a ");
        tail.take(b"line\n");
        assert_eq!(tail.total, 31);
        assert_eq!(tail.lines.len(), STDERR_TAIL_LINES);
        assert_eq!(tail.lines.back().map(String::as_str), Some("half a line"));
        for _ in 0..100 {
            tail.take(&[b'x'; 4096]);
        }
        assert!(tail.partial.len() <= 2 * MAX_STDERR_LINE);
    }

    #[test]
    fn stderr_lines_show_what_a_terminal_would() {
        assert_eq!(stderr_line(b" 10%\r 50%\r100%\n"), "100%");
        assert_eq!(
            stderr_line(b"Traceback (most recent call last):\n"),
            "Traceback (most recent call last):"
        );
        let long = stderr_line("x".repeat(2000).as_bytes());
        assert_eq!(long.chars().count(), 501);
    }
}

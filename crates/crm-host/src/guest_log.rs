//! A guest's stdout and stderr, each line prefixed with the request's id, so that what many
//! concurrent instances print can be told apart and matched with the access log.
//!
//! Spin appends component output raw (to `.spin/logs/` and the terminal); `wasmtime serve`
//! prefixes every line with the request id. This follows `wasmtime serve`, and goes further in
//! one way: lines are buffered, so two requests writing at once never interleave inside a
//! line. What is left without a newline is written when the instance ends.

use bytes::Bytes;
use std::io::Write;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use wasmtime_wasi::cli::{IsTerminal, StdoutStream};
use wasmtime_wasi::p2::{OutputStream, Pollable, StreamResult};

/// A partial line longer than this is written out rather than buffered further.
const MAX_LINE: usize = 64 * 1024;

static NEXT_REQUEST: AtomicU64 = AtomicU64::new(1);

/// A new id for a request, unique in this process.
pub fn next_request_id() -> u64 {
    NEXT_REQUEST.fetch_add(1, Ordering::Relaxed)
}

#[derive(Clone, Debug)]
pub enum Target {
    Stdout,
    Stderr,
    #[cfg(test)]
    Memory(Arc<Mutex<Vec<u8>>>),
}

/// The stdout or stderr given to one request's instance.
pub struct GuestOutput {
    lines: Arc<LineBuffer>,
}

impl GuestOutput {
    pub fn new(request: u64, target: Target) -> GuestOutput {
        GuestOutput {
            lines: Arc::new(LineBuffer {
                prefix: format!("[req {request}] "),
                target,
                pending: Mutex::new(Vec::new()),
            }),
        }
    }
}

struct LineBuffer {
    prefix: String,
    target: Target,
    pending: Mutex<Vec<u8>>,
}

impl LineBuffer {
    fn write(&self, bytes: &[u8]) {
        let mut pending = self.pending.lock().unwrap_or_else(|p| p.into_inner());
        pending.extend_from_slice(bytes);
        let complete = match pending.iter().rposition(|b| *b == b'\n') {
            Some(last) => last + 1,
            None if pending.len() > MAX_LINE => {
                pending.push(b'\n');
                pending.len()
            }
            None => return,
        };
        let mut out = Vec::with_capacity(complete + self.prefix.len() * 2);
        for line in pending[..complete].split_inclusive(|b| *b == b'\n') {
            out.extend_from_slice(self.prefix.as_bytes());
            out.extend_from_slice(line);
        }
        pending.drain(..complete);
        drop(pending);
        self.emit(&out);
    }

    fn emit(&self, out: &[u8]) {
        // One write under the stream's lock, so a line is never split by another request's.
        // A failed write of a log line is not the guest's problem.
        let _ = match &self.target {
            Target::Stdout => std::io::stdout().lock().write_all(out),
            Target::Stderr => std::io::stderr().lock().write_all(out),
            #[cfg(test)]
            Target::Memory(memory) => {
                memory
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner)
                    .extend_from_slice(out);
                Ok(())
            }
        };
    }
}

impl Drop for LineBuffer {
    fn drop(&mut self) {
        let pending = std::mem::take(self.pending.get_mut().unwrap_or_else(|p| p.into_inner()));
        if !pending.is_empty() {
            let mut out = self.prefix.as_bytes().to_vec();
            out.extend_from_slice(&pending);
            out.push(b'\n');
            self.emit(&out);
        }
    }
}

impl IsTerminal for GuestOutput {
    fn is_terminal(&self) -> bool {
        false
    }
}

impl StdoutStream for GuestOutput {
    fn p2_stream(&self) -> Box<dyn OutputStream> {
        Box::new(GuestWriter(self.lines.clone()))
    }

    fn async_stream(&self) -> Box<dyn tokio::io::AsyncWrite + Send + Sync> {
        Box::new(GuestWriter(self.lines.clone()))
    }
}

/// One stream handed to the guest; all of a request's streams share its line buffer.
struct GuestWriter(Arc<LineBuffer>);

impl OutputStream for GuestWriter {
    fn write(&mut self, bytes: Bytes) -> StreamResult<()> {
        self.0.write(&bytes);
        Ok(())
    }

    fn flush(&mut self) -> StreamResult<()> {
        // A flush does not end a line: the guest's next write may continue it.
        Ok(())
    }

    fn check_write(&mut self) -> StreamResult<usize> {
        Ok(MAX_LINE)
    }
}

#[wasmtime_wasi::async_trait]
impl Pollable for GuestWriter {
    async fn ready(&mut self) {}
}

impl tokio::io::AsyncWrite for GuestWriter {
    fn poll_write(
        self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        self.0.write(buf);
        Poll::Ready(Ok(buf.len()))
    }

    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_line_gets_the_prefix_and_partial_lines_wait_for_their_end() {
        let memory = Arc::new(Mutex::new(Vec::new()));
        let output = GuestOutput::new(7, Target::Memory(memory.clone()));
        let mut first = output.p2_stream();
        let mut second = output.p2_stream();
        first.write(Bytes::from_static(b"one\ntw")).unwrap();
        first.flush().unwrap();
        assert_eq!(*memory.lock().unwrap(), b"[req 7] one\n");
        second.write(Bytes::from_static(b"o\nthree")).unwrap();
        assert_eq!(*memory.lock().unwrap(), b"[req 7] one\n[req 7] two\n");
        drop((first, second, output));
        assert_eq!(
            *memory.lock().unwrap(),
            b"[req 7] one\n[req 7] two\n[req 7] three\n"
        );
    }

    #[test]
    fn an_endless_line_is_written_out_in_pieces() {
        let memory = Arc::new(Mutex::new(Vec::new()));
        let output = GuestOutput::new(1, Target::Memory(memory.clone()));
        let mut stream = output.p2_stream();
        stream.write(Bytes::from(vec![b'x'; MAX_LINE + 1])).unwrap();
        let written = memory.lock().unwrap().len();
        assert_eq!(written, "[req 1] ".len() + MAX_LINE + 2);
    }

    #[test]
    fn request_ids_are_unique_and_increasing() {
        let a = next_request_id();
        let b = next_request_id();
        assert!(b > a);
    }
}

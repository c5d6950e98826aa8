//! Sending responses through Spin's `ResponseOutparam`: whole, or in pieces as they are
//! produced (exports too large to hold in memory at once).

use futures::{Sink, SinkExt};
use spin_sdk::http::{Fields, OutgoingResponse, Response, ResponseOutparam};
use std::fmt::Debug;
use std::pin::Pin;

/// Sends a whole response.
pub async fn respond(out: ResponseOutparam, mut response: Response) {
    let body = std::mem::take(response.body_mut());
    match OutgoingResponse::try_from(response) {
        Ok(outgoing) => {
            if let Err(e) = out.set_with_body(outgoing, body).await {
                eprintln!("crm-guest: the response body could not be sent: {e:?}");
            }
        }
        Err(e) => eprintln!("crm-guest: the response could not be built: {e}"),
    }
}

/// A response whose body is sent piece by piece; the body ends when this is dropped.
pub struct Stream<S> {
    body: Pin<Box<S>>,
}

/// Sends the status and headers, and returns the stream for the body.
pub fn start(
    out: ResponseOutparam,
    status: u16,
    headers: &[(&str, &str)],
) -> Result<Stream<impl Sink<Vec<u8>, Error = impl Debug>>, String> {
    let list: Vec<(String, Vec<u8>)> = headers
        .iter()
        .map(|(name, value)| ((*name).to_owned(), value.as_bytes().to_vec()))
        .collect();
    let fields = Fields::from_list(&list).map_err(|e| format!("bad headers: {e:?}"))?;
    let response = OutgoingResponse::new(fields);
    response
        .set_status_code(status)
        .map_err(|()| format!("bad status {status}"))?;
    let body = Box::pin(response.take_body());
    out.set(response);
    Ok(Stream { body })
}

impl<S> Stream<S>
where
    S: Sink<Vec<u8>>,
    S::Error: Debug,
{
    /// Sends the next piece of the body.
    pub async fn send(&mut self, piece: Vec<u8>) -> Result<(), String> {
        self.body
            .send(piece)
            .await
            .map_err(|e| format!("the client went away: {e:?}"))
    }
}

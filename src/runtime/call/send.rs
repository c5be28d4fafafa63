//! A [`Call`] sent: checked, handed to the transport, its answer decoded.

use super::{Call, Encoded};
use crate::error::Error;
use crate::runtime::Core;
use crate::runtime::transport::{Done, ReadAnswer};
use bytes::Bytes;
use std::borrow::Cow;
use std::future::{Future, IntoFuture};
use std::pin::Pin;
use std::sync::Arc;

impl<'a, T> Call<'a, T> {
    /// Everything checked, nothing sent: the client, the extra headers, the
    /// path and the body.
    #[allow(clippy::type_complexity)]
    pub(in crate::runtime) fn checked(
        &mut self,
    ) -> Result<
        (
            &'a Arc<Core>,
            reqwest::header::HeaderMap,
            Cow<'static, str>,
            Option<Encoded>,
        ),
        Error,
    > {
        let extra = self.extra_headers()?;
        let (path, body) = self.prepare()?;
        Ok((self.core, extra, path, body))
    }

    /// Send what [`Call::checked`] made, with this call's options; a success
    /// answer goes to `read` first, if given.
    pub(in crate::runtime) fn execute_checked(
        &self,
        path: Cow<'static, str>,
        body: Option<Encoded>,
        extra: reqwest::header::HeaderMap,
        read: Option<ReadAnswer<'_>>,
    ) -> impl Future<Output = Result<Done, Error>> + Send {
        let options = self.options.as_ref().unwrap_or(&self.core.options);
        self.core.execute(self.op, (path, body), options, extra, read)
    }

    /// This call's answer type read from an answer's data.
    pub(in crate::runtime) fn decode_data(&self, data: Bytes) -> Result<T, String> {
        (self.decode)(data)
    }

    /// Check, send, and hand back the answer's data undecoded, with its status
    /// and the attempts it took (for a caller that decodes it otherwise: pages).
    pub(crate) fn send_done(&mut self) -> impl Future<Output = Result<Done, Error>> + Send {
        let checked = self.checked();
        async move {
            let (_, extra, path, body) = checked?;
            self.execute_checked(path, body, extra, None).await
        }
    }

    // Not an `async fn`: one of those keeps a second copy of `self` in its
    // state (rust-lang/rust#62958), and a call's future is moved whole.
    #[allow(clippy::manual_async_fn)]
    fn send(mut self) -> impl Future<Output = Result<T, Error>> + Send + 'a
    where
        T: Send + 'a,
    {
        async move {
            let (core, extra, path, body) = self.checked()?;
            // A JSON answer is read once, into `T`, where it is the common
            // success; anything else is read by the wire format and decoded below.
            let taken = std::sync::Mutex::new(None);
            let one_pass = self.one_pass;
            let read = |answer: &Bytes| {
                let (value, request_id) = one_pass?(&core.provider.success, answer)?;
                *taken.lock().unwrap_or_else(|e| e.into_inner()) = Some(value);
                Some(request_id)
            };
            let read = one_pass.map(|_| &read as ReadAnswer<'_>);
            let done = self.execute_checked(path, body, extra, read).await?;
            match taken.into_inner().unwrap_or_else(|e| e.into_inner()) {
                Some(value) => Ok(value),
                None => (self.decode)(done.data.clone()).map_err(|reason| core.decode_error_of(self.op, &done, reason)),
            }
        }
    }
}

impl<'a, T: Send + 'a> IntoFuture for Call<'a, T> {
    type Output = Result<T, Error>;
    type IntoFuture = Pin<Box<dyn Future<Output = Result<T, Error>> + Send + 'a>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.send())
    }
}

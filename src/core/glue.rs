//! What every provider module's `Client` has in common, written once.

/// Implements, for a provider module's `Client { api: generated::Client }`: the
/// transport hook of the generated client, `base_url`, `with_options`, `core`.
macro_rules! client_glue {
    () => {
        impl Client {
            /// The base URL requests go to.
            pub fn base_url(&self) -> &str {
                progenitor_client::ClientInfo::baseurl(&self.api)
            }

            /// A copy of this client with other call limits (timeouts, retries),
            /// e.g. for one call: `client.with_options(|o| o.retry = RetryPolicy::none())`.
            pub fn with_options(&self, f: impl FnOnce(&mut $crate::CallOptions)) -> Self {
                let mut core = $crate::core::Core::clone(&self.api.inner);
                f(&mut core.options);
                let http = progenitor_client::ClientInfo::client(&self.api).clone();
                <Self as $crate::core::builder::BuildClient>::from_core(
                    self.base_url(),
                    http,
                    std::sync::Arc::new(core),
                )
            }

            fn core(&self) -> &$crate::core::Core {
                &self.api.inner
            }
        }

        impl $crate::core::builder::sealed::Sealed for Client {}

        impl progenitor_client::ClientHooks<$crate::core::Inner> for generated::Client {
            async fn exec(
                &self,
                request: reqwest::Request,
                info: &progenitor_client::OperationInfo,
            ) -> reqwest::Result<reqwest::Response> {
                self.inner.exec(request, info).await
            }
        }
    };
}

pub(crate) use client_glue;

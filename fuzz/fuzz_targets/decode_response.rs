//! Any response body, under any status, through both providers' wire formats,
//! typed decoding, error building and the validator: never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let (status, body) = match data.split_first() {
        // One byte picks the status class; most inputs are 200.
        Some((b, rest)) => ([200, 201, 400, 401, 403, 404, 422, 429, 500, 502, 503][*b as usize % 11], rest),
        None => (200, data),
    };
    billing_clients::runtime::fuzzing::decode(status, body);
    billing_clients::runtime::fuzzing::validate(body);
});

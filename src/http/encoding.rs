//! Content codings for responses the server keeps (the response cache): which one a client
//! accepts, and the compressed bytes. Responses computed per request are compressed by
//! tower-http's layer instead; both skip bodies too small to gain from it.

use std::io::Write;

use axum::body::Bytes;
use axum::http::{HeaderMap, HeaderValue, header};
use tower_http::compression::{CompressionLayer, CompressionLevel};

/// Bodies below this size are sent as they are.
pub const MIN_COMPRESSED_SIZE: usize = 256;

/// Level 5 of gzip and brotli alike for what is kept and compressed once: most of the gain
/// for a small part of the top level's cost (brotli's default, 11, takes tens of
/// milliseconds on a programme-sized page).
const LEVEL: i32 = 5;

/// gzip's fastest level for what is compressed on every request (nginx's default too): on
/// a signed-in page most of the bytes saved at level 5 are saved at level 1 already, for a
/// fraction of the time.
const PER_REQUEST_LEVEL: i32 = 1;

/// Compression of the responses computed per request (pages, uncached API answers): gzip
/// only. Brotli at a useful level costs 3–5 times gzip's time on a 37 KB page (about 2 ms
/// against 0.5 ms here) for 5–8 % fewer bytes; paid on every request it was most of a
/// signed-in page's cost (issue 16, P2). What is kept (the caches) is compressed once, in
/// both codings.
pub fn layer() -> CompressionLayer {
    CompressionLayer::new()
        .gzip(true)
        .br(false)
        .quality(CompressionLevel::Precise(PER_REQUEST_LEVEL))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    Brotli,
    Gzip,
    Identity,
}

impl Encoding {
    /// The coding to answer with: the client's highest-weighted one of brotli and gzip
    /// (brotli on a tie, as it is smaller), or none.
    pub fn preferred(headers: &HeaderMap) -> Self {
        let mut best = (Self::Identity, 0.0_f32);
        for value in headers.get_all(header::ACCEPT_ENCODING) {
            let Ok(value) = value.to_str() else { continue };
            for item in value.split(',') {
                let mut parts = item.split(';');
                let coding = parts.next().unwrap_or_default().trim().to_ascii_lowercase();
                let weight = parts
                    .filter_map(|p| p.trim().strip_prefix("q="))
                    .find_map(|q| q.trim().parse::<f32>().ok())
                    .unwrap_or(1.0);
                let candidate = match coding.as_str() {
                    "br" => Self::Brotli,
                    "gzip" | "x-gzip" => Self::Gzip,
                    _ => continue,
                };
                let better = weight > best.1
                    || (weight == best.1 && weight > 0.0 && candidate == Self::Brotli);
                if weight > 0.0 && better {
                    best = (candidate, weight);
                }
            }
        }
        best.0
    }

    pub fn header_value(self) -> Option<HeaderValue> {
        match self {
            Self::Brotli => Some(HeaderValue::from_static("br")),
            Self::Gzip => Some(HeaderValue::from_static("gzip")),
            Self::Identity => None,
        }
    }

    /// The body in this coding; `None` when it cannot be compressed (then send it as it is).
    pub fn compress(self, body: &[u8]) -> Option<Bytes> {
        match self {
            Self::Identity => None,
            Self::Gzip => {
                let mut encoder = flate2::write::GzEncoder::new(
                    Vec::new(),
                    flate2::Compression::new(LEVEL.unsigned_abs()),
                );
                encoder.write_all(body).ok()?;
                encoder.finish().ok().map(Bytes::from)
            }
            Self::Brotli => {
                let mut out = Vec::new();
                let params = brotli::enc::BrotliEncoderParams {
                    quality: LEVEL,
                    ..Default::default()
                };
                brotli::BrotliCompress(&mut &body[..], &mut out, &params).ok()?;
                Some(Bytes::from(out))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn accepting(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        if let Ok(value) = HeaderValue::from_str(value) {
            headers.insert(header::ACCEPT_ENCODING, value);
        }
        headers
    }

    #[test]
    fn the_client_s_weights_choose_the_coding() {
        assert_eq!(Encoding::preferred(&HeaderMap::new()), Encoding::Identity);
        assert_eq!(
            Encoding::preferred(&accepting("gzip, deflate, br")),
            Encoding::Brotli
        );
        assert_eq!(Encoding::preferred(&accepting("gzip")), Encoding::Gzip);
        assert_eq!(
            Encoding::preferred(&accepting("br;q=0.5, gzip;q=0.9")),
            Encoding::Gzip
        );
        assert_eq!(
            Encoding::preferred(&accepting("br;q=0, gzip;q=0")),
            Encoding::Identity
        );
        assert_eq!(
            Encoding::preferred(&accepting("identity")),
            Encoding::Identity
        );
    }

    #[test]
    fn compressed_bodies_decompress_to_the_original() {
        let body = "{\"data\":{\"sessions\":[".repeat(200);
        let gzip = Encoding::Gzip.compress(body.as_bytes()).unwrap_or_default();
        assert!(gzip.len() < body.len() / 4);
        let mut decoded = String::new();
        std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(&gzip[..]), &mut decoded)
            .unwrap_or_default();
        assert_eq!(decoded, body);
        let br = Encoding::Brotli
            .compress(body.as_bytes())
            .unwrap_or_default();
        let mut decoded = Vec::new();
        brotli::BrotliDecompress(&mut &br[..], &mut decoded).unwrap_or_default();
        assert_eq!(decoded, body.as_bytes());
    }
}

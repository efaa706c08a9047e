//! Decoding of the `image` fields of request bodies.

use base64::{engine::general_purpose::STANDARD, Engine};

use super::store::ImageKind;
use crate::error::ApiError;

/// A checked upload, ready to store.
#[derive(Debug)]
pub struct DecodedImage {
    pub bytes: Vec<u8>,
    pub kind: ImageKind,
}

/// Strips an optional `data:image/<type>;base64,` prefix, decodes strict standard base64
/// and checks the content is a JPEG or PNG; anything else is `400 Bad image`.
pub fn decode(value: &str) -> Result<DecodedImage, ApiError> {
    let bad = || ApiError::BadRequest("Bad image".into());
    let data = match value.strip_prefix("data:image/") {
        Some(rest) => {
            let (kind, payload) = rest.split_once(";base64,").ok_or_else(bad)?;
            if kind.is_empty() || !kind.bytes().all(|b| b.is_ascii_lowercase()) {
                return Err(bad());
            }
            payload
        }
        None => value,
    };
    let bytes = STANDARD.decode(data).map_err(|_| bad())?;
    let kind = ImageKind::sniff(&bytes).ok_or_else(bad)?;
    Ok(DecodedImage { bytes, kind })
}

#[cfg(test)]
mod tests {
    use super::*;

    const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";

    #[test]
    fn accepts_png_and_data_urls() {
        let b64 = STANDARD.encode(PNG);
        assert_eq!(decode(&b64).unwrap().kind, ImageKind::Png);
        assert_eq!(
            decode(&format!("data:image/png;base64,{b64}"))
                .unwrap()
                .bytes,
            PNG
        );
        let jpeg = STANDARD.encode([0xFF, 0xD8, 0xFF, 0xE0, 0, 0]);
        assert_eq!(decode(&jpeg).unwrap().kind, ImageKind::Jpeg);
    }

    #[test]
    fn refuses_other_content_and_loose_base64() {
        assert!(decode(&STANDARD.encode(b"GIF89a....")).is_err());
        assert!(decode("not base64!").is_err());
        let b64 = STANDARD.encode(PNG);
        assert!(decode(&format!("{}\n{}", &b64[..4], &b64[4..])).is_err());
        assert!(decode(&b64.replace('=', "")).is_err());
        assert!(decode(&format!("data:image/PNG;base64,{b64}")).is_err());
    }
}

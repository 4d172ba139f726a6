//! Reading the QR code in a screenshot (`sigil add --totp --qr-image FILE`): PNG or JPEG,
//! decoded straight with the `png` and `zune-jpeg` crates into grey levels for `rqrr`.
//!
//! Why not the `image` crate: for these two formats it is a wrapper over the same two
//! decoders, and it brings colour management (`moxcms`, `pxfm`) that a QR reader does not
//! need: 45 s of compiler time out of a cold install's 430 (docs/build.md). The file is a
//! stranger's image as far as sigil knows: it is read up to its limit (`fsutil::Input::Image`),
//! both decoders run with a cap on what they may allocate, and the picture's size is bounded
//! before the grey buffer is made.

use crate::model::error::{Error, Result};
use std::io::Cursor;
use zeroize::Zeroizing;

/// The largest image read, in pixels per side, and in bytes of decoded pixels: a phone or
/// desktop screenshot is well inside both; a crafted file that claims more is refused before
/// anything that large is allocated.
const MAX_SIDE: usize = 1 << 14;
const MAX_DECODED: usize = 256 << 20;

/// An image as one grey level per pixel, row by row. A setup screenshot shows the TOTP
/// seed, so its pixels are wiped when dropped, as is the decoder's colour buffer.
pub(crate) struct Grey {
    pub(crate) width: usize,
    pub(crate) height: usize,
    pub(crate) pixels: Zeroizing<Vec<u8>>,
}

/// Decodes `bytes` (PNG or JPEG, told apart by their signatures) to grey levels; `shown`
/// names the image in errors.
pub(crate) fn decode(bytes: &[u8], shown: &str) -> Result<Grey> {
    let unreadable = |why: String| Error::UsageHelp {
        message: format!("cannot read '{shown}' as an image: {why}"),
        help: "give a PNG or JPEG screenshot of the QR code".into(),
    };
    let grey = if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        png_grey(bytes).map_err(unreadable)?
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        jpeg_grey(bytes).map_err(unreadable)?
    } else {
        return Err(unreadable("it is neither PNG nor JPEG".into()));
    };
    if grey.width == 0 || grey.height == 0 || grey.pixels.len() != grey.width * grey.height {
        return Err(unreadable("the image is empty".into()));
    }
    Ok(grey)
}

/// A PNG of any colour type and depth: palettes expanded, 16 bits cut to 8, alpha ignored
/// (a screenshot's QR code is opaque).
fn png_grey(bytes: &[u8]) -> std::result::Result<Grey, String> {
    let mut decoder =
        png::Decoder::new_with_limits(Cursor::new(bytes), png::Limits { bytes: MAX_DECODED });
    decoder.set_transformations(png::Transformations::normalize_to_color8());
    let mut reader = decoder.read_info().map_err(|e| e.to_string())?;
    let (width, height) = {
        let info = reader.info();
        (info.width as usize, info.height as usize)
    };
    let size = reader
        .output_buffer_size()
        .filter(|n| width <= MAX_SIDE && height <= MAX_SIDE && *n <= MAX_DECODED)
        .ok_or_else(|| format!("{width}×{height} pixels is larger than sigil reads"))?;
    let mut buf = Zeroizing::new(vec![0; size]);
    let frame = reader.next_frame(&mut buf).map_err(|e| e.to_string())?;
    let channels = match frame.color_type {
        png::ColorType::Grayscale => 1,
        png::ColorType::GrayscaleAlpha => 2,
        png::ColorType::Rgb => 3,
        png::ColorType::Rgba => 4,
        png::ColorType::Indexed => return Err("a palette that could not be expanded".into()),
    };
    let (width, height) = (frame.width as usize, frame.height as usize);
    let line = frame.line_size;
    let mut pixels = Zeroizing::new(Vec::with_capacity(width * height));
    for row in buf[..frame.buffer_size()].chunks(line).take(height) {
        for px in row[..width * channels].chunks(channels) {
            pixels.push(match channels {
                1 | 2 => px[0],
                _ => luma(px[0], px[1], px[2]),
            });
        }
    }
    Ok(Grey {
        width,
        height,
        pixels,
    })
}

/// A JPEG, which zune-jpeg converts to grey levels itself.
fn jpeg_grey(bytes: &[u8]) -> std::result::Result<Grey, String> {
    use zune_jpeg::zune_core::bytestream::ZCursor;
    use zune_jpeg::zune_core::colorspace::ColorSpace;
    use zune_jpeg::zune_core::options::DecoderOptions;
    let options = DecoderOptions::default()
        .set_max_width(MAX_SIDE)
        .set_max_height(MAX_SIDE)
        .jpeg_set_out_colorspace(ColorSpace::Luma);
    let mut decoder = zune_jpeg::JpegDecoder::new_with_options(ZCursor::new(bytes), options);
    let pixels = Zeroizing::new(decoder.decode().map_err(|e| e.to_string())?);
    let (width, height) = decoder.dimensions().ok_or("the image has no dimensions")?;
    Ok(Grey {
        width,
        height,
        pixels,
    })
}

/// The grey level of an sRGB pixel, with the Rec. 709 weights (what `image`'s `to_luma8`
/// used).
fn luma(r: u8, g: u8, b: u8) -> u8 {
    let y = 2126 * u32::from(r) + 7152 * u32::from(g) + 722 * u32::from(b);
    ((y + 5000) / 10_000) as u8
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn luma_keeps_black_white_and_weights_green_most() {
        assert_eq!(luma(0, 0, 0), 0);
        assert_eq!(luma(255, 255, 255), 255);
        assert!(luma(0, 255, 0) > luma(255, 0, 0));
        assert!(luma(255, 0, 0) > luma(0, 0, 255));
    }

    #[test]
    fn neither_png_nor_jpeg_is_refused_by_name() {
        let Err(e) = decode(b"hello", "notes.txt") else {
            panic!("text read as an image");
        };
        assert!(
            e.to_string()
                .contains("cannot read 'notes.txt' as an image"),
            "{e}"
        );
    }
}

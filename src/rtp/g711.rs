//! G.711 μ-law (PCMU) and A-law (PCMA): table-driven conversion between 16-bit linear PCM and 8-bit codes.
//!
//! The tables are computed at compile time from the ITU-T G.711 segment rules (the reference algorithm
//! published with Sun's `g711.c`), so encoding and decoding are a single lookup per sample. Samples are
//! rounded to the codec's 14-bit (μ-law) or 13-bit (A-law) grid before the segment search, rather than
//! truncated: truncating an arithmetic shift pushes negative samples a whole step away at segment edges.
//! The result is identical to sox for every 16-bit sample.

use crate::audio::frame::{Frame, FRAME_SAMPLES};

/// The audio codecs softcall speaks on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
pub enum Codec {
    /// G.711 μ-law, static payload type 0.
    #[serde(rename = "PCMU")]
    Pcmu,
    /// G.711 A-law, static payload type 8.
    #[serde(rename = "PCMA")]
    Pcma,
}

impl Codec {
    /// The static RTP payload type (RFC 3551).
    pub fn payload_type(self) -> u8 {
        match self {
            Codec::Pcmu => 0,
            Codec::Pcma => 8,
        }
    }

    /// The encoding name used in SDP `a=rtpmap` lines.
    pub fn name(self) -> &'static str {
        match self {
            Codec::Pcmu => "PCMU",
            Codec::Pcma => "PCMA",
        }
    }

    /// The codec with this static payload type, if softcall supports it.
    pub fn from_payload_type(pt: u8) -> Option<Codec> {
        match pt {
            0 => Some(Codec::Pcmu),
            8 => Some(Codec::Pcma),
            _ => None,
        }
    }

    /// The codec with this SDP encoding name (case-insensitive), if softcall supports it.
    pub fn from_name(name: &str) -> Option<Codec> {
        if name.eq_ignore_ascii_case("PCMU") {
            Some(Codec::Pcmu)
        } else if name.eq_ignore_ascii_case("PCMA") {
            Some(Codec::Pcma)
        } else {
            None
        }
    }

    /// Encodes one linear sample.
    pub fn encode_sample(self, sample: i16) -> u8 {
        match self {
            Codec::Pcmu => ulaw_encode(sample),
            Codec::Pcma => alaw_encode(sample),
        }
    }

    /// Decodes one code to a linear sample.
    pub fn decode_sample(self, code: u8) -> i16 {
        match self {
            Codec::Pcmu => ulaw_decode(code),
            Codec::Pcma => alaw_decode(code),
        }
    }

    /// Encodes a 20 ms frame into a 160-byte payload.
    pub fn encode_frame(self, frame: &Frame) -> [u8; FRAME_SAMPLES] {
        let mut out = [0u8; FRAME_SAMPLES];
        for (code, &sample) in out.iter_mut().zip(frame.iter()) {
            *code = self.encode_sample(sample);
        }
        out
    }

    /// Decodes a payload of any length, appending the samples to `out`.
    pub fn decode_into(self, payload: &[u8], out: &mut Vec<i16>) {
        out.extend(payload.iter().map(|&code| self.decode_sample(code)));
    }
}

/// Looks a sample up in an encode table indexed by the sample rounded to `16 - SHIFT` bits: the table
/// holds `2^(16 - SHIFT)` codes, the most negative value first.
#[inline(always)]
fn encode_rounded<const SHIFT: u32, const N: usize>(sample: i16, table: &[u8; N]) -> u8 {
    let half = 1 << (SHIFT - 1);
    let max = (N / 2) as i32 - 1;
    let rounded = ((sample as i32 + half) >> SHIFT).min(max);
    table[(rounded + max + 1) as usize]
}

/// Encodes one sample as μ-law.
pub fn ulaw_encode(sample: i16) -> u8 {
    encode_rounded::<2, 16384>(sample, &ULAW_ENCODE)
}

/// Decodes one μ-law code.
pub fn ulaw_decode(code: u8) -> i16 {
    ULAW_DECODE[code as usize]
}

/// Encodes one sample as A-law.
pub fn alaw_encode(sample: i16) -> u8 {
    encode_rounded::<3, 8192>(sample, &ALAW_ENCODE)
}

/// Decodes one A-law code.
pub fn alaw_decode(code: u8) -> i16 {
    ALAW_DECODE[code as usize]
}

const ULAW_BIAS: i32 = 0x84;
const ULAW_CLIP: i32 = 8159;
const SEG_UEND: [i32; 8] = [0x3F, 0x7F, 0xFF, 0x1FF, 0x3FF, 0x7FF, 0xFFF, 0x1FFF];
const SEG_AEND: [i32; 8] = [0x1F, 0x3F, 0x7F, 0xFF, 0x1FF, 0x3FF, 0x7FF, 0xFFF];

const fn segment(value: i32, ends: &[i32; 8]) -> usize {
    let mut seg = 0;
    while seg < 8 {
        if value <= ends[seg] {
            return seg;
        }
        seg += 1;
    }
    8
}

/// μ-law encoding of a 14-bit sample (the 16-bit sample divided by 4, rounded).
const fn ulaw_from_14bit(value: i32) -> u8 {
    let (mut magnitude, mask) = if value < 0 {
        (-value, 0x7F)
    } else {
        (value, 0xFF)
    };
    if magnitude > ULAW_CLIP {
        magnitude = ULAW_CLIP;
    }
    magnitude += ULAW_BIAS >> 2;
    let seg = segment(magnitude, &SEG_UEND);
    if seg >= 8 {
        return (0x7F ^ mask) as u8;
    }
    let code = ((seg as i32) << 4) | ((magnitude >> (seg + 1)) & 0xF);
    (code ^ mask) as u8
}

const fn ulaw_to_linear(code: u8) -> i16 {
    let code = !code as i32;
    let mut t = ((code & 0x0F) << 3) + ULAW_BIAS;
    t <<= (code & 0x70) >> 4;
    if code & 0x80 != 0 {
        (ULAW_BIAS - t) as i16
    } else {
        (t - ULAW_BIAS) as i16
    }
}

/// A-law encoding of a 13-bit sample (the 16-bit sample divided by 8, rounded).
const fn alaw_from_13bit(value: i32) -> u8 {
    let (magnitude, mask) = if value >= 0 {
        (value, 0xD5)
    } else {
        (-value - 1, 0x55)
    };
    let seg = segment(magnitude, &SEG_AEND);
    if seg >= 8 {
        return (0x7F ^ mask) as u8;
    }
    let mut code = (seg as i32) << 4;
    if seg < 2 {
        code |= (magnitude >> 1) & 0x0F;
    } else {
        code |= (magnitude >> seg) & 0x0F;
    }
    (code ^ mask) as u8
}

const fn alaw_to_linear(code: u8) -> i16 {
    let code = (code ^ 0x55) as i32;
    let mut t = (code & 0x0F) << 4;
    let seg = (code & 0x70) >> 4;
    match seg {
        0 => t += 8,
        1 => t += 0x108,
        _ => {
            t += 0x108;
            t <<= seg - 1;
        }
    }
    if code & 0x80 != 0 {
        t as i16
    } else {
        -t as i16
    }
}

/// A lookup table computed at compile time: `table!(u8; 256, |i| f(i))` holds `f(0)` … `f(255)`.
macro_rules! table {
    ($ty:ty; $len:expr, |$i:ident| $entry:expr) => {{
        let mut table: [$ty; $len] = [0; $len];
        let mut $i = 0;
        while $i < $len {
            table[$i] = $entry;
            $i += 1;
        }
        table
    }};
}

static ULAW_ENCODE: [u8; 16384] = table!(u8; 16384, |i| ulaw_from_14bit(i as i32 - 8192));
static ALAW_ENCODE: [u8; 8192] = table!(u8; 8192, |i| alaw_from_13bit(i as i32 - 4096));
static ULAW_DECODE: [i16; 256] = table!(i16; 256, |i| ulaw_to_linear(i as u8));
static ALAW_DECODE: [i16; 256] = table!(i16; 256, |i| alaw_to_linear(i as u8));

//! The `[tts]` section of `softcall.toml`: how many Piper synthesisers each voice keeps.

use serde::Deserialize;

/// Most synthesisers `pool_size` may ask for: each one holds the whole voice model in memory.
pub const MAX_POOL_SIZE: usize = 64;

/// Speech synthesis settings; every field has a default.
#[derive(Debug, Clone, Copy, Default, Deserialize, PartialEq, Eq)]
#[serde(default, deny_unknown_fields)]
pub struct TtsConfig {
    /// Most texts each voice synthesises at once (one synthesiser each, loaded on first concurrent need);
    /// absent: the machine's available parallelism, at most 8.
    pub pool_size: Option<usize>,
}

/// A problem in the `[tts]` section, naming the key and the fix.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TtsConfigError {
    /// `pool_size = 0`.
    #[error("tts.pool_size = 0: a voice needs at least 1 synthesiser; set 1 or more, or remove the key to use the machine's parallelism")]
    ZeroPool,
    /// More synthesisers than any machine can hold in memory.
    #[error("tts.pool_size = {0} is more than {MAX_POOL_SIZE}: each synthesiser holds the whole voice model in memory; set the number of calls that speak at once (at most {MAX_POOL_SIZE}), or remove the key")]
    PoolTooLarge(usize),
}

impl TtsConfig {
    /// Checks the values a file can give.
    pub fn validate(&self) -> Result<(), TtsConfigError> {
        match self.pool_size {
            Some(0) => Err(TtsConfigError::ZeroPool),
            Some(n) if n > MAX_POOL_SIZE => Err(TtsConfigError::PoolTooLarge(n)),
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<TtsConfig, String> {
        let c: TtsConfig = toml::from_str(text).map_err(|e| e.to_string())?;
        c.validate().map_err(|e| e.to_string())?;
        Ok(c)
    }

    #[test]
    fn an_absent_pool_size_keeps_the_default() {
        assert_eq!(parse("").unwrap(), TtsConfig { pool_size: None });
        assert_eq!(parse("pool_size = 3").unwrap().pool_size, Some(3));
        assert_eq!(
            parse(&format!("pool_size = {MAX_POOL_SIZE}"))
                .unwrap()
                .pool_size,
            Some(MAX_POOL_SIZE)
        );
    }

    #[test]
    fn zero_absurd_and_wrong_values_name_the_key_and_the_fix() {
        let e = parse("pool_size = 0").unwrap_err();
        assert!(
            e.starts_with("tts.pool_size = 0:") && e.contains("at least 1"),
            "{e}"
        );
        let e = parse("pool_size = 1000").unwrap_err();
        assert!(
            e.starts_with("tts.pool_size = 1000 is more than 64") && e.contains("memory"),
            "{e}"
        );
        let e = parse("pool_size = -2").unwrap_err();
        assert!(e.contains("pool_size"), "{e}");
        let e = parse("pool_size = \"four\"").unwrap_err();
        assert!(e.contains("pool_size"), "{e}");
        let e = parse("poolsize = 4").unwrap_err();
        assert!(e.contains("unknown field `poolsize`"), "{e}");
    }
}

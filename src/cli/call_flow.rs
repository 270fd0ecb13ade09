//! `softcall call <uri> --flow F --debtor D.json`: one real conversation over SIP and RTP, printed as JSON
//! (transcript, path, promise, latency per turn, and the records the call produced).

use super::call::{connect, CallArgs};
use crate::call::config::CallConfig;
use crate::call::io::Record;
use crate::call::live::{
    self, CollectRecords, Conversation, DialTarget, LiveOutcome, MediaSettings,
};
use crate::call::speech::CallSpeech;
use crate::config::Config;
use crate::dialog::context::DebtorFile;
use crate::dialog::flow::Flow;
use anyhow::Context;
use serde::Serialize;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

/// What `softcall call --flow` prints.
#[derive(Debug, Serialize)]
pub struct FlowCall {
    /// The call and its conversation.
    #[serde(flatten)]
    pub outcome: LiveOutcome,
    /// Records in the order the call produced them (promise, callback, context card, callback task).
    pub records: Vec<Record>,
    /// The folder where this call's report and recording were saved.
    pub saved_in: String,
}

/// Dials `args.target` and holds the conversation of `args.flow` with `args.debtor`.
pub async fn converse(config: &Config, args: CallArgs) -> anyhow::Result<FlowCall> {
    let (Some(flow_path), Some(debtor_path)) = (&args.flow, &args.debtor) else {
        anyhow::bail!("a conversation needs both --flow FLOW.yaml and --debtor DEBTOR.json");
    };
    let flow = Flow::load(flow_path)?;
    let ctx = DebtorFile::load(debtor_path)?
        .into_context(chrono::Utc::now())
        .with_context(|| format!("{}: unusable debtor record", debtor_path.display()))?;
    let speech = CallSpeech::for_language(config, flow.lang)?;
    eprintln!("recognition: {}", speech.recognition);
    let call_config = CallConfig {
        transfer_target: args.queue.clone().or_else(|| config.sip.queue_uri.clone()),
        max_length: Duration::from_secs_f64(args.max_duration.max(1.0)),
        ..CallConfig::default()
    };
    let connected = match connect(&config.sip, &args.sip, &args.target).await? {
        Ok(c) => c,
        Err(refused) => anyhow::bail!("{}", refused.reason),
    };
    let target = DialTarget {
        target: args.target.clone(),
        from: connected.from.clone(),
        display_name: args.display_name.clone(),
        dest: connected.dest,
        credentials: connected.credentials.clone(),
        ring_timeout: connected.ring_timeout,
    };
    let folder = call_folder(config)?;
    let media = MediaSettings {
        rtp_ports: connected.rtp_ports.clone(),
        media_timeout: Duration::from_secs_f64(args.media_timeout.max(0.1)),
        recording: Some(
            args.record
                .clone()
                .unwrap_or_else(|| folder.join("recording.wav")),
        ),
    };
    let conversation = Conversation {
        flow: Arc::new(flow),
        ctx,
        config: call_config,
        stop: crate::call::stop::StopWatch::never(),
    };
    let mut records = CollectRecords::default();
    let outcome = live::dial(
        &connected.sip,
        target,
        conversation,
        &speech,
        &media,
        &mut records,
    )
    .await;
    connected.close().await;
    let call = FlowCall {
        outcome: outcome?,
        records: records.0,
        saved_in: folder.display().to_string(),
    };
    let report = folder.join("report.json");
    std::fs::write(&report, serde_json::to_string_pretty(&call)?)
        .with_context(|| format!("{}: cannot save the call report", report.display()))?;
    eprintln!("saved: {}", folder.display());
    Ok(call)
}

/// A new folder for one call under `data_dir/calls/`, named by its UTC start time.
fn call_folder(config: &Config) -> anyhow::Result<PathBuf> {
    let calls = config.data_dir.join("calls");
    let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%S%.3fZ");
    let folder = calls.join(format!("{stamp}-{:04x}", fastrand::u16(..)));
    std::fs::create_dir_all(&folder).with_context(|| {
        format!(
            "{}: cannot create the call's folder (check data_dir in softcall.toml)",
            folder.display()
        )
    })?;
    Ok(folder)
}

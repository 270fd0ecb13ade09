//! SMS through a local HTTP gateway (axum) and e-mail through a local SMTP sink, both started by the test.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use axum::Router;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

use softcall::campaign::channels::{send_email, send_sms, SmsError};
use softcall::campaign::strategy::{EmailSettings, SmsGateway};

use super::block_on;

type Seen = Arc<Mutex<Vec<(String, String)>>>;

async fn gateway(
    State(seen): State<Seen>,
    headers: HeaderMap,
    body: String,
) -> (StatusCode, String) {
    let auth = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    seen.lock().unwrap().push((auth, body));
    (StatusCode::OK, r#"{"status":"queued","id":"m-1"}"#.into())
}

async fn refusing() -> (StatusCode, String) {
    (StatusCode::PAYMENT_REQUIRED, "balance exhausted".into())
}

#[test]
fn sms_goes_through_the_http_gateway() {
    block_on(async {
        let seen: Seen = Arc::default();
        let app = Router::new()
            .route("/sms/send", post(gateway))
            .route("/broke", post(refusing))
            .with_state(seen.clone());
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let server = tokio::spawn(async move { axum::serve(listener, app).await });

        let gw = SmsGateway {
            url: format!("http://{addr}/sms/send"),
            method: "POST".into(),
            content_type: "application/json".into(),
            body: r#"{"to": "{phone}", "text": "{text}"}"#.into(),
            headers: BTreeMap::from([("Authorization".to_string(), "Bearer k1".to_string())]),
        };
        let text = "Иван, долг 100.00 руб. \"срочно\"";
        let gw2 = gw.clone();
        let answer = tokio::task::spawn_blocking(move || send_sms(&gw2, "+79123456789", text))
            .await
            .unwrap()
            .unwrap();
        assert!(answer.contains("queued"));
        let got = seen.lock().unwrap().clone();
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].0, "Bearer k1");
        let json: serde_json::Value = serde_json::from_str(&got[0].1).unwrap();
        assert_eq!(json["to"], "+79123456789");
        assert_eq!(json["text"], text);

        let mut broke = gw.clone();
        broke.url = format!("http://{addr}/broke");
        let err = tokio::task::spawn_blocking(move || send_sms(&broke, "+79123456789", "x"))
            .await
            .unwrap()
            .unwrap_err();
        assert!(
            matches!(err, SmsError::Refused { status: 402, .. }),
            "{err}"
        );
        assert!(err.to_string().contains("balance exhausted"));
        server.abort();

        let mut dead = gw;
        dead.url = format!("http://{addr}/sms/send");
        let err = tokio::task::spawn_blocking(move || send_sms(&dead, "+79123456789", "x"))
            .await
            .unwrap()
            .unwrap_err();
        assert!(matches!(err, SmsError::Unreachable { .. }), "{err}");
    });
}

/// A minimal SMTP server: accepts one session and returns the DATA it received.
async fn smtp_sink(listener: TcpListener) -> (String, Vec<String>) {
    let (stream, _) = listener.accept().await.unwrap();
    let (read, mut write) = stream.into_split();
    let mut lines = BufReader::new(read).lines();
    write.write_all(b"220 sink.test ESMTP\r\n").await.unwrap();
    let mut data = String::new();
    let mut rcpt = Vec::new();
    while let Some(line) = lines.next_line().await.unwrap() {
        let upper = line.to_uppercase();
        if upper.starts_with("EHLO") {
            write
                .write_all(b"250-sink.test\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n")
                .await
                .unwrap();
        } else if upper.starts_with("HELO") || upper.starts_with("MAIL FROM") {
            write.write_all(b"250 OK\r\n").await.unwrap();
        } else if upper.starts_with("RCPT TO") {
            rcpt.push(line.clone());
            write.write_all(b"250 OK\r\n").await.unwrap();
        } else if upper == "DATA" {
            write.write_all(b"354 go ahead\r\n").await.unwrap();
            while let Some(l) = lines.next_line().await.unwrap() {
                if l == "." {
                    break;
                }
                data.push_str(&l);
                data.push('\n');
            }
            write.write_all(b"250 queued\r\n").await.unwrap();
        } else if upper.starts_with("QUIT") {
            write.write_all(b"221 bye\r\n").await.unwrap();
            break;
        } else {
            write.write_all(b"250 OK\r\n").await.unwrap();
        }
    }
    (data, rcpt)
}

#[test]
fn email_goes_through_smtp() {
    block_on(async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let sink = tokio::spawn(smtp_sink(listener));
        let settings = EmailSettings {
            host: "127.0.0.1".into(),
            port,
            security: "none".into(),
            username: None,
            password: None,
            from: "МФО Ромашка <noreply@romashka.example>".into(),
        };
        send_email(
            &settings,
            "ivan@example.com",
            "Просроченный платёж",
            "Здравствуйте, Иван!\nДолг 100 руб.",
        )
        .await
        .unwrap();
        let (data, rcpt) = tokio::time::timeout(std::time::Duration::from_secs(10), sink)
            .await
            .expect("sink finished")
            .unwrap();
        assert_eq!(rcpt.len(), 1);
        assert!(rcpt[0].contains("ivan@example.com"));
        assert!(data.contains("To: ivan@example.com"), "{data}");
        assert!(data.contains("Subject: "), "{data}");
        // The Russian body arrives intact once decoded from whatever transfer encoding lettre chose.
        let decoded = decode_body(&data);
        assert!(decoded.contains("Здравствуйте, Иван!"), "{data}");

        let closed = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let dead_port = closed.local_addr().unwrap().port();
        drop(closed);
        let err = send_email(
            &EmailSettings {
                port: dead_port,
                ..settings
            },
            "ivan@example.com",
            "s",
            "b",
        )
        .await
        .unwrap_err();
        assert!(
            err.to_string().contains(&format!("127.0.0.1:{dead_port}")),
            "{err}"
        );
    });
}

fn decode_body(data: &str) -> String {
    let (headers, body) = data.split_once("\n\n").unwrap_or(("", data));
    if headers
        .to_lowercase()
        .contains("content-transfer-encoding: base64")
    {
        let joined: String = body.lines().collect();
        String::from_utf8(base64_decode(&joined)).unwrap_or_default()
    } else if headers.to_lowercase().contains("quoted-printable") {
        let soft = body.replace("=\n", "");
        let mut out = Vec::new();
        let bytes = soft.as_bytes();
        let mut i = 0;
        while i < bytes.len() {
            if bytes[i] == b'=' && i + 2 < bytes.len() {
                if let Ok(b) = u8::from_str_radix(&soft[i + 1..i + 3], 16) {
                    out.push(b);
                    i += 3;
                    continue;
                }
            }
            out.push(bytes[i]);
            i += 1;
        }
        String::from_utf8(out).unwrap_or_default()
    } else {
        body.to_string()
    }
}

fn base64_decode(s: &str) -> Vec<u8> {
    const T: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = Vec::new();
    let mut buf = 0u32;
    let mut bits = 0;
    for c in s.bytes() {
        let Some(v) = T.iter().position(|&x| x == c) else {
            continue;
        };
        buf = (buf << 6) | v as u32;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((buf >> bits) as u8);
        }
    }
    out
}

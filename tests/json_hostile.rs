//! Hostile token responses of 1 MiB (the largest body read, `MAX_RESPONSE_BYTES`) parse or fail
//! in time linear-ish in their size: many members, long names that differ only at the end,
//! deep nesting, long escaped strings, many small values, in success and error bodies. Each
//! is timed against ordinary 1 MiB bodies (median of several runs); a ratio under 20 leaves
//! room for noise and catches any quadratic path (which on 1 MiB would cost 10^4 times more).

use rotor::client::{self, ClientConfig, ClientOptions, ParseOptions, TokenResponse};
use std::time::Instant;

const MIB: usize = client::MAX_RESPONSE_BYTES;
const NOW: f64 = 1_700_000_000_000.0;

fn config(dialect: &str) -> ClientConfig {
    ClientConfig::from_options(ClientOptions {
        token_endpoint: "https://as.example/token".into(),
        client_id: "c".into(),
        dialect: Some(dialect.into()),
        ..ClientOptions::default()
    })
    .unwrap()
}

/// `head` + `fill` repeated + `tail`, cut or padded with spaces to exactly 1 MiB.
fn body(head: &str, fill: impl Fn(usize) -> String, sep: &str, tail: &str) -> Vec<u8> {
    let mut out = head.to_owned();
    let mut i = 0;
    loop {
        let next = fill(i);
        if out.len() + next.len() + sep.len() + tail.len() > MIB {
            break;
        }
        if i > 0 {
            out.push_str(sep);
        }
        out.push_str(&next);
        i += 1;
    }
    out.push_str(tail);
    let mut bytes = out.into_bytes();
    // Whitespace after the document, so the body is exactly 1 MiB and still JSON.
    bytes.resize(MIB, b' ');
    bytes
}

fn parse(cfg: &ClientConfig, status: u16, body: &[u8]) -> bool {
    client::parse_token_response(
        cfg,
        &TokenResponse {
            status,
            headers: &[],
            body,
        },
        &ParseOptions::default(),
        NOW,
    )
    .is_ok()
}

/// Median seconds of `runs` parses.
fn median_time(cfg: &ClientConfig, status: u16, body: &[u8], runs: usize) -> f64 {
    let mut times: Vec<f64> = (0..runs)
        .map(|_| {
            let start = Instant::now();
            std::hint::black_box(parse(cfg, status, std::hint::black_box(body)));
            start.elapsed().as_secs_f64()
        })
        .collect();
    times.sort_by(f64::total_cmp);
    times[runs / 2]
}

#[test]
fn hostile_one_mib_bodies_cost_about_what_ordinary_ones_cost() {
    let rfc = config("rfc6749");
    let tokenidp = config("tokenidp");
    let ok_head = r#"{"access_token":"a","token_type":"Bearer","#;
    let long_name = |i: usize| format!("\"{}{i:08}\":0", "n".repeat(240));
    let escaped_name = |i: usize| format!("\"\\u006e{}{i:08}\":0", "\\u00e9".repeat(40));
    let deep = |_| format!("{}{}", "[".repeat(63), "]".repeat(63));
    let ordinary: Vec<(&str, Vec<u8>)> = vec![
        (
            "one long access token",
            body(
                r#"{"token_type":"Bearer","access_token":""#,
                |_| "a".repeat(64),
                "",
                r#""}"#,
            ),
        ),
        (
            "a long token and a few hundred ordinary members",
            body(
                ok_head,
                |i| {
                    if i < 300 {
                        format!(r#""member_{i}":{{"id":{i},"name":"value {i}","tags":["a","b"]}}"#)
                    } else {
                        format!(r#""pad_{i}":"{}""#, "p".repeat(4000))
                    }
                },
                ",",
                "}",
            ),
        ),
    ];
    let hostile: Vec<(&str, &ClientConfig, u16, Vec<u8>)> = vec![
        (
            "4096 long names differing only at the end, then more",
            &rfc,
            200,
            body(ok_head, long_name, ",", "}"),
        ),
        (
            "4000 long names differing only at the end, accepted",
            &rfc,
            200,
            body(
                ok_head,
                |i| {
                    if i < 4000 {
                        long_name(i)
                    } else {
                        "x".repeat(MIB)
                    }
                },
                ",",
                "}",
            ),
        ),
        (
            "long escaped names",
            &rfc,
            200,
            body(ok_head, escaped_name, ",", "}"),
        ),
        (
            "many members in an error body",
            &rfc,
            400,
            body(
                r#"{"error":"invalid_grant","#,
                |i| format!("\"k{i}\":{i}"),
                ",",
                "}",
            ),
        ),
        (
            "many nested objects of 16 members",
            &rfc,
            200,
            body(
                r#"{"access_token":"a","token_type":"Bearer","x":["#,
                |i| {
                    let m: Vec<String> = (0..16)
                        .map(|j| format!("\"{}{j:02}\":{i}", "m".repeat(20)))
                        .collect();
                    format!("{{{}}}", m.join(","))
                },
                ",",
                "]}",
            ),
        ),
        (
            "nesting 63 deep, over and over",
            &rfc,
            200,
            body(
                r#"{"access_token":"a","token_type":"Bearer","x":["#,
                deep,
                ",",
                "]}",
            ),
        ),
        (
            "nesting 1 MiB deep",
            &rfc,
            200,
            body(
                r#"{"access_token":"a","token_type":"Bearer","x":"#,
                |_| "[".to_owned(),
                "",
                "",
            ),
        ),
        (
            "many small values",
            &rfc,
            200,
            body(
                r#"{"access_token":"a","token_type":"Bearer","x":[[0"#,
                |_| "0".to_owned(),
                ",",
                "]]}",
            ),
        ),
        (
            "an access token of escapes",
            &rfc,
            200,
            body(
                r#"{"token_type":"Bearer","access_token":""#,
                |_| "\\u00e9\\ud83d\\ude00\\n".to_owned(),
                "",
                r#""}"#,
            ),
        ),
        (
            "a TokenIDP envelope with many members in data",
            &tokenidp,
            200,
            body(
                r#"{"isSuccess":true,"data":{"accessToken":"a","tokenType":"Bearer","#,
                |i| format!("\"{}{i:06}\":null", "d".repeat(100)),
                ",",
                "}}",
            ),
        ),
    ];
    // The body that is accepted must really be accepted (and the others refused or read).
    assert!(
        parse(&rfc, 200, &hostile[1].3),
        "4000 members are within the caps"
    );
    assert!(
        !parse(&rfc, 200, &hostile[0].3),
        "more than 4096 members are refused"
    );
    let runs = 9;
    let normal = ordinary
        .iter()
        .map(|(_, b)| {
            assert_eq!(b.len(), MIB);
            assert!(parse(&rfc, 200, b), "ordinary bodies parse");
            median_time(&rfc, 200, b, runs)
        })
        .fold(0.0, f64::max);
    let mut report = Vec::new();
    for (name, cfg, status, b) in &hostile {
        assert_eq!(b.len(), MIB, "{name}");
        let t = median_time(cfg, *status, b, runs);
        report.push(format!("{name}: {:.2} ms ({:.1}x)", t * 1e3, t / normal));
        assert!(
            t / normal < 20.0,
            "{name}: {:.2} ms against {:.2} ms for an ordinary 1 MiB body",
            t * 1e3,
            normal * 1e3
        );
    }
    println!("ordinary: {:.2} ms\n{}", normal * 1e3, report.join("\n"));
}

use std::time::Duration;

use softcall::rtp::pacing::PacingHistogram;

#[test]
fn quantiles_come_from_fine_and_coarse_buckets_and_merge_adds_up() {
    let mut a = PacingHistogram::new();
    assert_eq!(a.quantile(0.5), Duration::ZERO);
    for us in 0..98u64 {
        a.record(Duration::from_micros(100 + us));
    }
    a.record(Duration::from_micros(5_500));
    a.record(Duration::from_millis(250));
    assert_eq!(a.count(), 100);
    // 10 µs resolution below 2 ms: the median (50th of 100..197 µs) is 149 µs → bucket edge 150 µs.
    assert_eq!(a.quantile(0.5), Duration::from_micros(150));
    // 1 ms resolution above: the 99th value is 5.5 ms → edge 6 ms.
    assert_eq!(a.quantile(0.99), Duration::from_millis(6));
    // Beyond 100 ms only the exact maximum is known.
    assert_eq!(a.quantile(1.0), Duration::from_millis(250));
    assert_eq!(a.max(), Duration::from_millis(250));
    let mut b = PacingHistogram::new();
    b.record(Duration::from_micros(3));
    assert_eq!(
        b.quantile(0.5),
        Duration::from_micros(3),
        "never above the largest value seen"
    );
    b.merge(&a);
    assert_eq!(b.count(), 101);
    assert_eq!(
        b.quantile(0.0),
        Duration::from_micros(10),
        "upper edge of the first bucket"
    );
    assert_eq!(b.max(), Duration::from_millis(250));
}

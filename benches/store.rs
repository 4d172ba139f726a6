//! In-process cost of the file store (`put`, and `get` from a store of 1 and of 2,000
//! entries, each an age X25519 encrypt/decrypt plus file I/O), the memory store as a baseline
//! for the same calls, and `Sigil::list` over 1,000 accounts (parsing `accounts.toml`).
//! Whole-process timings against `age` and `pass` are `cargo xtask bench`'s job.

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use sigil::internal::store::{FileStore, MemoryStore, Store};
use sigil::{FieldAddress, Identity, Paths, PutOptions, Secret, Sigil};
use std::hint::black_box;
use std::os::unix::fs::DirBuilderExt;
use std::path::PathBuf;
use std::time::Duration;

const SECRET: &str = "ghp_0123456789abcdefghijklmnopqrstuvwxyzAB";

/// A private (0700) home inside a temporary directory that is removed on drop: sigil
/// refuses a home that other users can read.
struct Home {
    _tmp: tempfile::TempDir,
    dir: PathBuf,
}

impl Home {
    fn new() -> Home {
        let tmp = tempfile::tempdir().expect("create a temporary directory");
        let dir = tmp.path().join("home");
        std::fs::DirBuilder::new()
            .mode(0o700)
            .create(&dir)
            .expect("create the sigil home");
        Home { _tmp: tmp, dir }
    }
}

fn addr(s: &str) -> FieldAddress {
    s.parse().expect("a valid address")
}

/// A file store holding `n` secrets, one of which is `svc/acct/api_key`.
fn file_store(n: usize) -> (Home, FileStore) {
    let home = Home::new();
    let store = FileStore::with_identity(&Paths::in_one(&home.dir), Identity::generate());
    let secret = Secret::from(SECRET);
    store.put(&addr("svc/acct/api_key"), &secret).unwrap();
    for i in 1..n {
        store
            .put(&addr(&format!("svc{}/acct{i}/api_key", i % 50)), &secret)
            .unwrap();
    }
    (home, store)
}

fn store_ops(c: &mut Criterion) {
    let target = addr("svc/acct/api_key");
    let secret = Secret::from(SECRET);

    let mut g = c.benchmark_group("file_store");
    g.sample_size(30).measurement_time(Duration::from_secs(5));
    // Each put encrypts, writes a temp file, fsyncs and renames: disk-bound.
    let (_home, store) = file_store(1);
    g.bench_function("put", |b| {
        b.iter(|| store.put(black_box(&target), black_box(&secret)).unwrap())
    });
    for n in [1usize, 2_000] {
        // Populated on first use, so a filter that skips this benchmark skips the set-up too.
        let mut fixture = None;
        g.bench_function(BenchmarkId::new("get", format!("{n}_entries")), |b| {
            let (_, store) = fixture.get_or_insert_with(|| file_store(n));
            b.iter(|| store.get(black_box(&target)).unwrap())
        });
    }
    g.finish();

    let mut g = c.benchmark_group("memory_store");
    g.sample_size(30);
    let mem = MemoryStore::new();
    g.bench_function("put", |b| {
        b.iter(|| mem.put(black_box(&target), black_box(&secret)).unwrap())
    });
    g.bench_function("get", |b| b.iter(|| mem.get(black_box(&target)).unwrap()));
    g.finish();
}

fn list(c: &mut Criterion) {
    const ACCOUNTS: usize = 1_000;
    let mut g = c.benchmark_group("sigil");
    g.sample_size(30).measurement_time(Duration::from_secs(5));
    let mut fixture = None;
    g.bench_function(
        BenchmarkId::new("list", format!("{ACCOUNTS}_accounts")),
        |b| {
            let (_, sigil) = fixture.get_or_insert_with(|| {
                let home = Home::new();
                let sigil = Sigil::builder()
                    .home(&home.dir)
                    .identity(Identity::generate())
                    .open()
                    .unwrap();
                let secret = Secret::from(SECRET);
                for i in 0..ACCOUNTS {
                    let a = addr(&format!("svc{}/acct{i}/api_key", i % 20));
                    sigil.put(&a, &secret, &PutOptions::default()).unwrap();
                }
                assert_eq!(sigil.list(None).unwrap().len(), ACCOUNTS);
                (home, sigil)
            });
            b.iter(|| black_box(sigil.list(None).unwrap()))
        },
    );
    g.finish();
}

criterion_group!(benches, store_ops, list);
criterion_main!(benches);

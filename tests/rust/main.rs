// A tiny program for tests/rust/rust_toolchain.py: a panic path and a
// formatting call keep the standard library's source paths in .rodata.
use std::env;

fn main() {
    let args: Vec<String> = env::args().collect();
    let n: usize = args.get(1).map(|s| s.parse().unwrap()).unwrap_or(3);
    let v: Vec<u64> = (1..=n as u64).collect();
    println!("hello from rust: {} {:?}", v.iter().sum::<u64>(), v.get(n + 10));
}

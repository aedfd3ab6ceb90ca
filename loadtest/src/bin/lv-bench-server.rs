//! `lv-bench-server`: liveview serving the benchmark views (filled in once the App lands).

fn main() {
    eprintln!("lv-bench-server: the liveview App is not available on this branch yet");
    std::process::exit(1);
}

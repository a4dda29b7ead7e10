//! Parses every `.py` file named on stdin and prints the time taken (a benchmark aid):
//! `find DIR -name '*.py' | cargo run --release --example parse_all`.
use std::io::BufRead;
use std::time::Instant;

fn main() {
    let paths: Vec<String> = std::io::stdin()
        .lock()
        .lines()
        .map_while(Result::ok)
        .collect();
    let texts: Vec<String> = paths
        .iter()
        .filter_map(|p| std::fs::read_to_string(p).ok())
        .collect();
    let start = Instant::now();
    let mut slowest = (0.0_f64, String::new());
    for (text, path) in texts.iter().zip(&paths) {
        let t = Instant::now();
        let tree = regraft::lang::python::parse::parse_python(text);
        let secs = t.elapsed().as_secs_f64();
        if secs > slowest.0 {
            slowest = (secs, path.clone());
        }
        std::hint::black_box(tree);
    }
    let lines: usize = texts.iter().map(|t| t.lines().count()).sum();
    let report = format!(
        "{} files, {lines} lines parsed on one thread in {:.3} s; slowest {:.3} s {}",
        texts.len(),
        start.elapsed().as_secs_f64(),
        slowest.0,
        slowest.1
    );
    std::hint::black_box(&report);
    #[allow(clippy::print_stdout)]
    {
        println!("{report}");
    }
}

fn main() {
    println!("attr-eval");
}

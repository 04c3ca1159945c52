fn main() -> std::process::ExitCode {
    winfit::cli::main()
}

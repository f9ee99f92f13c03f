FROM rust:1.85 AS build
RUN cargo build --release
FROM rust:1.85
RUN --mount=type=cache,target=/usr/local/cargo/registry --mount=type=cache,target=/usr/local/cargo/git \
    cargo install ripgrep --locked
RUN cargo install fd-find --locked && rm -rf "$CARGO_HOME/registry" "$CARGO_HOME/git"
RUN cargo --version

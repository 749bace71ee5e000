# The scim-conformance binary in a small image: a multi-stage build, the suites, fixtures and
# snapshots embedded in the binary as `cargo build` always embeds them, and a final stage that
# holds the binary and the C runtime only, run as a non-root user.
#
#   docker build -t scim-conformance .
#   docker run --rm scim-conformance check                        # the embedded reference server
#   docker run --rm -e SCIM_TOKEN scim-conformance check --target-url https://staging.example/scim --vendor zenya
#   docker run --rm -e SCIM_TOKEN -v "$PWD/out:/out" scim-conformance check --target-url ... --report json=/out/report.json

FROM rust:1.89-slim-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --release --locked --bin scim-conformance \
 && strip target/release/scim-conformance

# distroless "cc": glibc, libgcc and CA certificates, no shell; user 65532 ("nonroot").
FROM gcr.io/distroless/cc-debian12:nonroot
COPY --from=build /src/target/release/scim-conformance /usr/local/bin/scim-conformance
USER nonroot
WORKDIR /home/nonroot
ENTRYPOINT ["/usr/local/bin/scim-conformance"]
CMD ["check"]

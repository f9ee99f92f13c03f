# a toolchain image for others to build on: the compiler is the point
FROM buildpack-deps:bookworm-scm
RUN apt-get update && apt-get install -y --no-install-recommends gcc g++ make
CMD ["bash"]

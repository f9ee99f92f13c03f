#!/bin/sh
# Assemble a distroless-like root filesystem in $1 from the toolchain image it runs in (scripts/engine-setup).
#   rootfs.sh ROOT          the static base's files: passwd/group (root, nobody, nonroot 65532), nsswitch.conf,
#                           CA certificates, time zones, os-release, /tmp, /root, /home/nonroot
#   rootfs.sh ROOT python3  only the interpreter, the shared libraries ldd lists for it and its extension
#                           modules, and the stdlib without its tests (laid over the static base)
#   rootfs.sh ROOT nodejs   only node, the shared libraries ldd lists for it and the builtins Debian's libnode
#                           loads from /usr/share/nodejs
# Programs and libraries go to their real paths under /usr with the base's merged-/usr links (so the ELF
# interpreter /lib64/ld-linux-*.so.2 resolves), and ldconfig builds an ld.so.cache for just these libraries.
set -eu
root=$1
runtime=${2:-}
mkdir -p "$root"

static_files() {
    mkdir -p "$root/etc/ssl/certs" "$root/usr/share" "$root/tmp" "$root/home/nonroot" "$root/root"
    chmod 1777 "$root/tmp"
    chmod 700 "$root/root"
    chown 65532:65532 "$root/home/nonroot"
    printf '%s\n' 'root:x:0:0:root:/root:/sbin/nologin' \
        'nobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin' \
        'nonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin' >"$root/etc/passwd"
    printf '%s\n' 'root:x:0:' 'nogroup:x:65534:' 'nonroot:x:65532:' >"$root/etc/group"
    printf 'hosts: files dns\n' >"$root/etc/nsswitch.conf"
    cp /etc/ssl/certs/ca-certificates.crt "$root/etc/ssl/certs/"
    cp -a /usr/share/zoneinfo "$root/usr/share/"
    cp /etc/os-release "$root/etc/os-release"
}

# the merged-/usr links of this image (/lib -> usr/lib...), so paths through them exist in the new root
merged_usr() {
    for dir in bin sbin lib lib32 lib64 libx32; do
        if [ -L "/$dir" ]; then
            mkdir -p "$root/usr/$dir"
            ln -sfn "usr/$dir" "$root/$dir"
        fi
    done
}

# place FILE: copied (symlinks followed) into the directory its real directory is, under the same name
place() {
    real=$(readlink -f "$(dirname "$1")")
    mkdir -p "$root$real"
    cp -L "$1" "$root$real/$(basename "$1")"
}

# libraries FILE...: every shared library ldd resolves for each file (the ELF interpreter included)
libraries() {
    for file in "$@"; do
        ldd "$file" 2>/dev/null | awk '$2 == "=>" && $3 ~ /^\// {print $3} $1 ~ /^\// {print $1}'
    done | sort -u | while read -r library; do
        place "$library"
    done
}

ld_cache() {
    mkdir -p "$root/etc"
    cp -a /etc/ld.so.conf /etc/ld.so.conf.d "$root/etc/"
    ldconfig -r "$root"
}

case "$runtime" in
    "")
        static_files
        ;;
    python3)
        merged_usr
        interpreter=$(readlink -f /usr/bin/python3)
        stdlib=$(python3 -c 'import sysconfig; print(sysconfig.get_path("stdlib"))')
        place "$interpreter"
        ln -s "$(basename "$interpreter")" "$root/usr/bin/python3"
        mkdir -p "$root$(dirname "$stdlib")"
        cp -a "$stdlib" "$root$stdlib"
        find "$root$stdlib" -depth -type d \( -name test -o -name tests -o -name idle_test \) -exec rm -rf {} +
        rm -rf "$root$stdlib/idlelib" "$root$stdlib/tkinter" "$root$stdlib/turtledemo" "$root$stdlib/ensurepip"
        libraries "$interpreter" "$stdlib"/lib-dynload/*.so
        ld_cache
        ;;
    nodejs)
        merged_usr
        node=$(readlink -f /usr/bin/node)
        place "$node"
        [ "$(basename "$node")" = node ] || ln -s "$(basename "$node")" "$root/usr/bin/node"
        libraries "$node"
        # Debian's node loads some builtins (acorn, cjs-module-lexer, undici) from /usr/share/nodejs at run
        # time: the paths are written in libnode, so copy those files (not the other 140 MB of node modules)
        grep -aho '/usr/share/nodejs/[A-Za-z0-9_./-]*[.]js' "$root"/usr/lib/*/libnode.so* 2>/dev/null | sort -u \
            | while read -r builtin; do
                if [ -f "$builtin" ]; then place "$builtin"; fi
            done
        ld_cache
        ;;
    *)
        echo "rootfs.sh: unknown runtime $runtime" >&2
        exit 2
        ;;
esac

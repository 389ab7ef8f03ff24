#!/usr/bin/env bash
# Builds the gateway's container images with podman:
#   keap-gateway:<version>       the native executable (Dockerfile.native-micro), user 1001
#   keap-gateway-jvm:<version>   the fast-jar on Java 17 (Dockerfile.jvm), user 185
#
# Usage: src/main/docker/build-images.sh [--packaged] [native] [jvm]      (no kind: both)
#   --packaged   use what target/ holds; without it the script packages first (./mvnw package -DskipTests,
#                and -Dnative for the native image: GraalVM/Mandrel on PATH or GRAALVM_HOME set)
# Environment:
#   IMAGE_BASE=auto|registry|local   where the base images come from (auto: the public bases when quay.io
#                answers within 5 s, else local bases made here). A native executable that links libraries
#                from outside the system's directories (the workplace's GraalVM stand-in) always gets a local
#                base: the public one does not hold those libraries.
#   NATIVE_BASE, JVM_BASE   a base of your own (any image with glibc; Java 17 on PATH for the JVM one)
#   IMAGE_NAME   the native image's name (keap-gateway; the JVM one gets -jvm appended)
#   IMAGE_TAG    the tag (the project's version)
#   IMAGE_SOURCE the org.opencontainers.image.source label (the git remote "origin", else this checkout)
#
# Local bases (no registry needed): a root filesystem holding only what the program needs, imported with
# `podman import` and kept in podman's storage under a name made from its content (rebuilt only when that
# changes):
#   native: the libraries `ldd` lists for the executable, at their own paths (the dynamic loader included),
#           /etc/passwd and /etc/group naming user 1001, the host's CA certificates, /tmp.
#   jvm:    a Java 17 runtime made with jlink from the host's JDK (the modules below), the libraries `ldd`
#           lists for it, its CA certificates, /etc/passwd naming user 185, /tmp.
# Neither has a shell or a package manager.
set -euo pipefail
cd "$(dirname "$0")/../../.."

packaged=false
kinds=()
for arg in "$@"; do
  case "$arg" in
    --packaged) packaged=true ;;
    native|jvm) kinds+=("$arg") ;;
    *) echo "usage: $0 [--packaged] [native] [jvm]" >&2; exit 2 ;;
  esac
done
[ ${#kinds[@]} -gt 0 ] || kinds=(native jvm)

# The Java modules of the JVM image's runtime: a known list (what Quarkus, Vert.x/Netty, Jackson, Micrometer
# and TLS use, plus jdk.crypto.ec for EC cipher suites and jdk.localedata, jdk.naming.dns, jdk.zipfs, loaded
# by name at run time). ImageIT runs the application on it.
JVM_MODULES=java.base,java.compiler,java.desktop,java.instrument,java.logging,java.management,java.naming,java.net.http,java.security.jgss,java.security.sasl,java.sql,java.transaction.xa,java.xml,jdk.crypto.ec,jdk.jfr,jdk.localedata,jdk.management,jdk.naming.dns,jdk.net,jdk.unsupported,jdk.zipfs

version=$(sed -n 's:^  <version>\(.*\)</version>$:\1:p' pom.xml | head -1)
name=${IMAGE_NAME:-keap-gateway}
tag=${IMAGE_TAG:-$version}
revision=$(git rev-parse HEAD 2>/dev/null || echo unknown)
source_url=${IMAGE_SOURCE:-$(git remote get-url origin 2>/dev/null || echo "file://$(pwd)")}

registry_answers() { curl -s -o /dev/null --max-time 5 https://quay.io/v2/; }
base_mode=${IMAGE_BASE:-auto}
if [ "$base_mode" = auto ]; then
  if registry_answers; then base_mode=registry; else base_mode=local; fi
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# The libraries ldd lists for the given programs (the dynamic loader included), as absolute paths.
libraries_of() {
  local file
  for file in "$@"; do
    ldd "$file" | awk '$2 == "=>" && $3 ~ /^\// {print $3} $1 ~ /^\// {print $1}'
  done | sort -u
}

# Copies the given files into the root $1 at their own paths, symlinks resolved.
copy_into() {
  local root=$1 file; shift
  for file in "$@"; do
    [ -e "$root$file" ] && continue
    mkdir -p "$root$(dirname "$file")"; cp -L "$file" "$root$file"
  done
}

# The files every base holds besides the program: the user, name resolution, CA certificates, /tmp.
add_system_files() {
  local root=$1 uid=$2
  mkdir -p "$root/etc/ssl/certs" "$root/tmp"
  chmod 1777 "$root/tmp"
  printf 'root:x:0:0:root:/root:/sbin/nologin\nkeap-gateway:x:%s:0:Keap Gateway:/tmp:/sbin/nologin\n' "$uid" >"$root/etc/passwd"
  printf 'root:x:0:\n' >"$root/etc/group"
  printf 'hosts: files dns\n' >"$root/etc/nsswitch.conf"
  cp -L /etc/ssl/certs/ca-certificates.crt "$root/etc/ssl/certs/ca-certificates.crt"
}

# The name of a local base made from the given inputs (a description of everything that goes into it, so a
# base is made again only when one of them changes).
base_name() {
  echo "localhost/$1:$(printf '%s\n' "$2" "$(declare -f add_system_files)" | sha256sum | cut -c1-16)"
}

# Imports the root $2 as image $1.
import_base() {
  tar -C "$2" --sort=name --numeric-owner --owner=0 --group=0 --mtime=@0 -cf "$work/base.tar" .
  podman import --quiet --change 'ENV PATH=/usr/local/bin:/usr/bin:/bin' "$work/base.tar" "$1" >/dev/null
  rm -f "$work/base.tar"
}

# A JDK 17 with jmods (jlink needs them): JAVA_HOME, the javac on the PATH, or Debian's.
jdk17() {
  local home
  for home in "${JAVA_HOME:-}" "$(dirname "$(dirname "$(readlink -f "$(command -v javac || echo /nonexistent/bin/javac)")")")" \
      /usr/lib/jvm/java-17-openjdk-*; do
    if [ -f "$home/jmods/java.base.jmod" ] && grep -q '^JAVA_VERSION="17' "$home/release" 2>/dev/null; then
      echo "$home"; return
    fi
  done
  echo "no JDK 17 with jmods found (Debian: apt-get install openjdk-17-jdk-headless)" >&2; return 1
}

native_base() {
  local root="$work/native-root" image
  mapfile -t libraries < <(libraries_of "$1")
  image=$(base_name keap-gateway-base-native "$(sha256sum "${libraries[@]}")")
  if ! podman image exists "$image"; then
    mkdir -p "$root"
    copy_into "$root" "${libraries[@]}"
    add_system_files "$root" 1001
    import_base "$image" "$root"
  fi
  echo "$image"
}

jvm_base() {
  local root="$work/jvm-root" jdk java_home image
  jdk=$(jdk17)
  image=$(base_name keap-gateway-base-jvm "$(cat "$jdk/release") $JVM_MODULES $(declare -f jvm_base)")
  podman image exists "$image" && { echo "$image"; return; }
  java_home="$root/usr/lib/jvm/java-17"
  mkdir -p "$root/usr/lib/jvm" "$root/usr/bin"
  "$jdk/bin/jlink" --add-modules "$JVM_MODULES" --strip-debug --no-header-files --no-man-pages \
    --compress=2 --output "$java_home"
  # Debian's JDK keeps its CA certificates outside the JDK; the jlink'ed copy must hold a real file.
  rm -f "$java_home/lib/security/cacerts"
  cp -L "$jdk/lib/security/cacerts" "$java_home/lib/security/cacerts"
  ln -s ../lib/jvm/java-17/bin/java "$root/usr/bin/java"
  # The runtime's own libraries resolve inside $root (through $ORIGIN); the system's are copied in.
  mapfile -t libraries < <(libraries_of "$java_home/bin/java" $(find "$java_home/lib" -name '*.so') | grep -v "^$root/")
  copy_into "$root" "${libraries[@]}"
  add_system_files "$root" 185
  import_base "$image" "$root"
  echo "$image"
}

# True when the executable links a library from outside the system's directories (the GraalVM stand-in).
links_outside_system() {
  ldd "$1" | awk '$2 == "=>" {print $3}' | grep -qvE '^/(usr/)?lib(64|32|x32)?/'
}

build() {
  local kind=$1 base=$2 image=$3
  local args=(--build-arg "VERSION=$version" --build-arg "REVISION=$revision" --build-arg "SOURCE=$source_url")
  [ -n "$base" ] && args+=(--build-arg "BASE=$base")
  podman build -q "${args[@]}" -f "src/main/docker/$kind" -t "$image" . >/dev/null
  echo "built $image${base:+ on $base}"
}

for kind in "${kinds[@]}"; do
  case "$kind" in
    native)
      if ! $packaged; then ./mvnw -B -ntp package -Dnative -DskipTests; fi
      runner=$(ls target/*-runner 2>/dev/null | head -1)
      [ -n "$runner" ] || { echo "no target/*-runner: run ./mvnw package -Dnative -DskipTests first" >&2; exit 1; }
      base=${NATIVE_BASE:-}
      if [ -z "$base" ] && { [ "$base_mode" = local ] || links_outside_system "$runner"; }; then
        base=$(native_base "$runner")
      fi
      build Dockerfile.native-micro "$base" "$name:$tag"
      ;;
    jvm)
      if ! $packaged; then ./mvnw -B -ntp package -DskipTests; fi
      [ -f target/quarkus-app/quarkus-run.jar ] || { echo "no target/quarkus-app: run ./mvnw package -DskipTests first" >&2; exit 1; }
      base=${JVM_BASE:-}
      if [ -z "$base" ] && [ "$base_mode" = local ]; then base=$(jvm_base); fi
      build Dockerfile.jvm "$base" "$name-jvm:$tag"
      ;;
  esac
done

# shellcheck shell=bash
# Sourced by scripts/kafka: what makes a broker start with fewer JVM starts, and each one faster.
#
# - The cluster id is made here (22 characters of URL-safe base64 over 16 random bytes, never
#   starting with "-", as Kafka's Uuid.randomUuid makes it) instead of by a JVM of its own.
# - A class-data-sharing archive (JDK CDS, a dynamic archive) of the classes a broker loads while it
#   starts: built once per Kafka release, JVM and jar set by a throwaway broker in the cache, then
#   mapped by every broker and storage-tool JVM on that classpath instead of loading and verifying
#   the same classes from the jars again. A broker start then takes about a third of the CPU time.
#   KAFKA_CDS=off leaves it out; when the archive cannot be built, a marker beside it says so and
#   brokers start without it (slower, nothing else changes).
# - KAFKA_OPTS: further JVM options for the broker, as Apache Kafka's own scripts take them (the test
#   suite's own brokers run with -XX:TieredStopAtLevel=1: they live for seconds, not hours).

new_cluster_id() {
  local id
  while :; do
    id=$(openssl rand 16 | base64 | tr '+/' '-_' | tr -d '=\n')
    [ "${#id}" -eq 22 ] || die "could not make a cluster id with openssl"
    [[ "$id" == -* ]] || break
  done
  echo "$id"
}

# The archive for this JVM and these jars: another JVM build or another jar set gets another name.
cds_archive() {
  local java_bin key
  java_bin=$(readlink -f "$(command -v java)")
  key=$({
    echo "$java_bin"
    stat -Lc '%s %Y' "$java_bin" "$(dirname "$java_bin")/../lib/server/libjvm.so" 2>/dev/null
    ls -l --time-style=+%s "$CACHE/lib/"
  } | cksum | cut -d' ' -f1)
  echo "$CACHE/cds/broker-$key.jsa"
}

# Starts a throwaway broker (this script, a state dir in the cache) that dumps the classes it loaded
# when it stops, checks the archive maps, and only then puts it in place. Another scripts/kafka
# building the same archive at the same time is waited for (flock), not raced.
build_cds() {
  local archive=$1 dir lock ok=0
  mkdir -p "$(dirname "$archive")"
  exec {lock}>"$archive.lock"
  if command -v flock >/dev/null 2>&1; then flock "$lock"; fi
  if [ ! -f "$archive" ] && [ ! -f "$archive.failed" ]; then
    echo "scripts/kafka: building a class-data archive of the broker's classes, once per release and JVM ($archive)" >&2
    dir=$(mktemp -d "$(dirname "$archive")/build.XXXXXX")
    # A combined node with all four listeners (the classes of each), whatever the start that needs the archive asked.
    if KAFKA_LISTENERS="" KAFKA_CONTROLLER="" KAFKA_NODE_ID="" KAFKA_CLUSTER_ID="" KAFKA_SERVER_PROPERTIES="" \
      KAFKA_STATE_DIR="$dir/state" KAFKA_CDS_DUMP="$dir/broker.jsa" bash "$SELF" start >/dev/null 2>"$dir/build.log" &&
      KAFKA_STATE_DIR="$dir/state" bash "$SELF" stop >/dev/null 2>>"$dir/build.log" &&
      java -Xshare:on -XX:SharedArchiveFile="$dir/broker.jsa" -cp "$CACHE/lib/*" kafka.tools.StorageTool random-uuid \
        >/dev/null 2>>"$dir/build.log"; then
      mv -f "$dir/broker.jsa" "$archive"
      ok=1
    else
      tail -n 20 "$dir/build.log" >&2 || true
      echo "scripts/kafka: the class-data archive could not be built; brokers start without it (delete $archive.failed to try again)" >&2
      touch "$archive.failed"
    fi
    KAFKA_STATE_DIR="$dir/state" bash "$SELF" stop >/dev/null 2>&1 || true
    rm -rf "$dir"
  fi
  exec {lock}>&-
  [ "$ok" -eq 1 ] || [ -f "$archive" ]
}

# JVM options that map the archive (building it first when missing), or none. While the archive is
# being built (KAFKA_CDS_DUMP), nothing maps one.
cds_map_opts() {
  [ "${KAFKA_CDS:-on}" != off ] && [ -z "${KAFKA_CDS_DUMP:-}" ] || return 0
  local archive
  archive=$(cds_archive)
  if [ -f "$archive" ] || { [ ! -f "$archive.failed" ] && build_cds "$archive"; }; then
    echo "-XX:SharedArchiveFile=$archive"
  fi
}

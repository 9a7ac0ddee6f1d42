# Sourced by scripts/bench (needs dep, die and CACHE_ROOT from it): the Flink peer of bench/http-sink.ts.
FLINK_VERSION="1.18.1"
FLINK_KAFKA_VERSION="3.2.0-1.18"
FLINK_HTTP_VERSION="0.25.0"
# flink_job_classpath — prints the classpath of bench/flink/FlinkHttpSinkBench.java (getindata's
# flink-http-connector on a Flink MiniCluster), fetching the jars with Maven once and compiling the job.
flink_job_classpath() {
  local dir="$CACHE_ROOT/flink-http-sink-$FLINK_HTTP_VERSION"
  command -v javac >/dev/null 2>&1 || die "javac (JDK 17) is required to compile the Flink job"
  if [ ! -f "$dir/lib/.complete" ]; then
    command -v mvn >/dev/null 2>&1 || die "Apache Maven (mvn) is required to fetch Flink"
    mkdir -p "$dir"
    {
      echo '<project xmlns="http://maven.apache.org/POM/4.0.0"><modelVersion>4.0.0</modelVersion>'
      echo '<groupId>local.edge-gateway</groupId><artifactId>flink-http-sink-peer</artifactId><version>1</version><packaging>pom</packaging><dependencies>'
      dep org.apache.flink flink-streaming-java "$FLINK_VERSION"
      dep org.apache.flink flink-clients "$FLINK_VERSION"
      dep org.apache.flink flink-connector-base "$FLINK_VERSION"
      dep org.apache.flink flink-connector-kafka "$FLINK_KAFKA_VERSION"
      dep com.getindata flink-http-connector "$FLINK_HTTP_VERSION"
      dep org.slf4j slf4j-nop 1.7.36
      echo '</dependencies></project>'
    } >"$dir/pom.xml"
    echo "scripts/bench: fetching Flink $FLINK_VERSION and flink-http-connector $FLINK_HTTP_VERSION with Maven (cached in $dir)" >&2
    rm -rf "$dir/lib"
    mvn -q -B -f "$dir/pom.xml" dependency:copy-dependencies -DoutputDirectory="$dir/lib" -DincludeScope=runtime \
      >"$dir/mvn.log" 2>&1 || { rm -rf "$dir/lib"; die "Maven could not fetch the Flink job's jars (log: $dir/mvn.log)"; }
    touch "$dir/lib/.complete"
  fi
  rm -rf "$dir/classes" && mkdir -p "$dir/classes"
  javac -nowarn -cp "$dir/lib/*" -d "$dir/classes" "$REPO/bench/flink/FlinkHttpSinkBench.java" >&2 ||
    die "compiling bench/flink/FlinkHttpSinkBench.java failed"
  echo "$dir/classes:$dir/lib/*"
}

# bench/support/castorm-plugin.sh — sourced by scripts/bench for the http-source benchmark.
# castorm_plugin prints the plugin.path directory holding castorm's kafka-connect-http 0.8.11, built
# once from its source at tag v0.8.11 (Java 17 + Maven) and cached in $CACHE_ROOT/castorm-0.8.11.
# The source comes from CASTORM_GIT (a local git repository or bare mirror of
# castorm/kafka-connect-http, for machines without internet) or is cloned. The peer's code is
# built outside this repository and never enters it.
CASTORM_TAG="v0.8.11"
# castorm_plugin — prints the plugin.path directory holding castorm's kafka-connect-http, building it once.
# The peer's code is built outside this repository and never enters it.
castorm_plugin() {
  local dir="$CACHE_ROOT/castorm-0.8.11" src
  if [ -f "$dir/plugin/.complete" ]; then echo "$dir/plugin"; return 0; fi
  command -v mvn >/dev/null 2>&1 || die "Apache Maven (mvn) is required to build castorm kafka-connect-http"
  src="$dir/src"
  rm -rf "$src" "$dir/plugin"
  mkdir -p "$src"
  if [ -n "${CASTORM_GIT:-}" ]; then
    echo "scripts/bench: castorm $CASTORM_TAG from the local copy $CASTORM_GIT" >&2
    git --git-dir="$(git -C "$CASTORM_GIT" rev-parse --absolute-git-dir 2>/dev/null || echo "$CASTORM_GIT")" \
      archive "$CASTORM_TAG" | tar -x -C "$src" || die "cannot read tag $CASTORM_TAG from $CASTORM_GIT"
  else
    echo "scripts/bench: cloning castorm/kafka-connect-http $CASTORM_TAG" >&2
    git clone -q --depth 1 --branch "$CASTORM_TAG" https://github.com/castorm/kafka-connect-http.git "$src" ||
      die "cannot clone castorm/kafka-connect-http; set CASTORM_GIT to a local copy of the repository"
  fi
  echo "scripts/bench: building castorm with Maven (log: $dir/mvn.log)" >&2
  (cd "$src" && mvn -B -q -DskipTests -Dmaven.javadoc.skip=true -Dlombok.version=1.18.34 package -pl kafka-connect-http -am) \
    >"$dir/mvn.log" 2>&1 || die "building castorm failed (log: $dir/mvn.log)"
  mkdir -p "$dir/plugin"
  tar -xzf "$src"/kafka-connect-http/target/kafka-connect-http-*-plugin.tar.gz -C "$dir/plugin"
  touch "$dir/plugin/.complete"
  echo "$dir/plugin"
}

#!/usr/bin/env bash
# A Java runtime for the Spark tests (pyspark starts a JVM), from Debian.
#
#   source .ci/java.sh
#
# Sourced like postgres.sh.  Does nothing when `java` already runs; PySpark 4
# needs Java 17 or newer, which is what Debian 12's default-jre-headless is.
_ficdex_java_main() {
    if command -v java >/dev/null 2>&1; then
        return 0
    fi
    if [ "$(id -u)" != 0 ]; then
        echo "java.sh: no java and we are not root; the Spark tests will skip" >&2
        return 0
    fi
    # Debian's JRE post-install scripts fail without this man directory in slim images.
    mkdir -p /usr/share/man/man1
    DEBIAN_FRONTEND=noninteractive apt-get update -qq &&
        { DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends default-jre-headless >/dev/null ||
          DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends openjdk-17-jre-headless >/dev/null; } ||
        { echo "java.sh: could not install a Java runtime; the Spark tests will skip" >&2; return 0; }
    echo "java.sh: $(java -version 2>&1 | head -n1)" >&2
}

_ficdex_java_main

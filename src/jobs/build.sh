#!/usr/bin/env bash
# Builds the example batch job (src/jobs/java) against the local Spark jars into target/example-jobs/pedregal-examples.jar.
# Called by `make jobs` (part of `make deps`) and by the jobs tests when the jar is missing. Needs only the JDK.
set -euo pipefail
cd "$(dirname "$0")/../.."
SPARK_JARS=${SPARK_JARS:-.local/spark-4.0.1/jars}
OUT=target/example-jobs
[[ -d $SPARK_JARS ]] || { echo "Spark jars not found in $SPARK_JARS: run make spark" >&2; exit 1; }
rm -rf "$OUT/classes" && mkdir -p "$OUT/classes"
javac -nowarn --release 17 -cp "$SPARK_JARS/*" -d "$OUT/classes" $(find src/jobs/java -name '*.java')
jar --create --file "$OUT/pedregal-examples.jar" -C "$OUT/classes" .
echo "$OUT/pedregal-examples.jar"

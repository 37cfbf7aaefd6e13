# Pedregal Spark Gateway — the two commands that matter: `make run` and `make test`.
SHELL := /bin/bash
SPARK_VERSION := 4.0.1
LOCAL := .local
SPARK_HOME := $(LOCAL)/spark-$(SPARK_VERSION)
SPARK_CLIENT := $(LOCAL)/spark-client-$(SPARK_VERSION)
VENV := $(LOCAL)/venv
MVN := ./mvnw -B -ntp
JAR := target/quarkus-app/quarkus-run.jar

CERTS := $(LOCAL)/certs
KEYCLOAK := src/local-stack/keycloak.sh

.PHONY: help deps spark python keycloak postgres redis jobs certs build run token test unit bench bench-capacity clean

help:
	@echo "make run    start the gateway with a warm pool of local Spark drivers (foreground)"
	@echo "make test   run every test (unit, component, end to end with pyspark and real Spark)"
	@echo "make deps   fetch Spark $(SPARK_VERSION) jars and the Python client into $(LOCAL)/"
	@echo "make bench  run every benchmark (gateway vs direct vs nginx) and rewrite docs/performance.md"

deps: spark python keycloak postgres redis jobs

# The example batch job (src/jobs) against the local Spark jars: target/example-jobs/pedregal-examples.jar
jobs: spark
	src/jobs/build.sh

postgres:
	src/local-stack/postgres.sh install

redis:
	src/local-stack/redis.sh install

keycloak:
	$(KEYCLOAK) fetch

certs:
	src/local-stack/certs.sh $(CERTS) >/dev/null

spark: $(SPARK_HOME)/.complete $(SPARK_CLIENT)/.complete

# Spark's jars come from Maven Central through a pom of their own (src/spark-runtime/pom.xml).
$(SPARK_HOME)/.complete: src/spark-runtime/pom.xml
	$(MVN) -q -f src/spark-runtime/pom.xml -Pserver dependency:copy-dependencies \
	  -DoutputDirectory=$(abspath $(SPARK_HOME))/jars
	touch $@

$(SPARK_CLIENT)/.complete: src/spark-runtime/pom.xml
	$(MVN) -q -f src/spark-runtime/pom.xml -Pclient dependency:copy-dependencies \
	  -DoutputDirectory=$(abspath $(SPARK_CLIENT))/jars
	touch $@

python: $(VENV)/.complete

$(VENV)/.complete: src/test/python/requirements.txt
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install -q -r src/test/python/requirements.txt
	touch $@

build: spark
	$(MVN) -q package -DskipTests

# The whole local stack, secure by default: Keycloak (OIDC) on :8180, PostgreSQL (audit, clusters, jobs, capacity) on :5432,
# Redis (capacity calendar) on :6379, the gateway with TLS on :15002 and its
# operator API on :8080, and warm local Spark drivers for the teams in application.properties.
run: deps build certs
	$(KEYCLOAK) start --port 8180
	src/local-stack/postgres.sh start --port 5432
	src/local-stack/redis.sh start --port 6379 --dir $(abspath target/redis-run)
	@echo ""
	@echo "Pedregal Spark gateway: Spark Connect (TLS) on :15002, operator API on :8080, Keycloak on :8180."
	@echo "Once a driver is warm (curl -s localhost:8080/q/health/ready), connect as alice (team analytics):"
	@echo ""
	@echo "    export GRPC_DEFAULT_SSL_ROOTS_FILE_PATH=$(abspath $(CERTS))/ca.crt"
	@echo "    TOKEN=\$$(make -s token USER=alice)"
	@echo "    $(VENV)/bin/python -c \"from pyspark.sql import SparkSession; \\"
	@echo "        spark = SparkSession.builder.remote('sc://localhost:15002/;use_ssl=true;token=' + '\$$TOKEN').getOrCreate(); \\"
	@echo "        spark.sql('select 1 as one').show()\""
	@echo ""
	java -Dquarkus.grpc.server.ssl.certificate=$(CERTS)/server.crt \
	  -Dquarkus.grpc.server.ssl.key=$(CERTS)/server.key \
	  -jar $(JAR) & gateway=$$!; \
	trap 'kill -TERM $$gateway 2>/dev/null; wait $$gateway; $(KEYCLOAK) stop --port 8180; src/local-stack/postgres.sh stop --port 5432; src/local-stack/redis.sh stop --port 6379' INT TERM EXIT; \
	wait $$gateway

# A fresh access token from the local Keycloak: make token USER=alice (users alice, bob, carol, dave, erin;
# service account ci-analytics).
token:
	@$(KEYCLOAK) token $(USER) --port 8180

unit:
	$(MVN) test -Dtest='!*IT' -Dsurefire.failIfNoSpecifiedTests=false

# The benchmarks' sources (bench/src) are a test source root: this compiles them without running them.
test: deps
	$(MVN) verify -DskipITs=false

# Every benchmark scenario, about 15 minutes (BENCH_QUICK=1: a short smoke run); installs nginx with apt if missing
# and matplotlib into bench/.venv; rewrites docs/performance.md from bench/results/*.json. See bench/README.md.
bench: spark python build
	$(MVN) -q dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=target/bench-classpath.txt
	python3 bench/run.py

# Only the capacity calendar's benchmark (CapacityBenchmark, about 3 minutes, real loopback Redis); the other
# results in bench/results are kept and docs/performance.md is re-rendered.
bench-capacity:
	$(MVN) -q test-compile
	$(MVN) -q dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=target/bench-classpath.txt
	python3 bench/run.py capacity

clean:
	$(MVN) -q clean
	rm -rf $(LOCAL)/run

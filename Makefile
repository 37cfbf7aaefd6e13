# Pedregal Spark Gateway — the two commands that matter: `make run` and `make test`.
SHELL := /bin/bash
SPARK_VERSION := 4.0.1
LOCAL := .local
SPARK_HOME := $(LOCAL)/spark-$(SPARK_VERSION)
SPARK_CLIENT := $(LOCAL)/spark-client-$(SPARK_VERSION)
VENV := $(LOCAL)/venv
MVN := ./mvnw -B -ntp
JAR := target/quarkus-app/quarkus-run.jar

.PHONY: help deps spark python build run test unit clean

help:
	@echo "make run    start the gateway with a warm pool of local Spark drivers (foreground)"
	@echo "make test   run every test (unit, component, end to end with pyspark and real Spark)"
	@echo "make deps   fetch Spark $(SPARK_VERSION) jars and the Python client into $(LOCAL)/"

deps: spark python

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

run: deps build
	@echo ""
	@echo "Starting the Pedregal Spark gateway on :15002 (Spark Connect) and :8080 (operator API)."
	@echo "Once a driver is warm (GET http://localhost:8080/q/health/ready), connect with pyspark:"
	@echo ""
	@echo "    $(VENV)/bin/python -c \"from pyspark.sql import SparkSession; \\"
	@echo "        spark = SparkSession.builder.remote('sc://localhost:15002').getOrCreate(); \\"
	@echo "        spark.sql('select 1 as one').show()\""
	@echo ""
	exec java -jar $(JAR)

unit:
	$(MVN) test -Dtest='!*IT' -Dsurefire.failIfNoSpecifiedTests=false

test: deps
	$(MVN) verify -DskipITs=false

clean:
	$(MVN) -q clean
	rm -rf $(LOCAL)/run

import java.util.List;

import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * The JVM Spark Connect client (spark-connect-client-jvm) through the gateway. Run in source-file mode
 * with the client's jars on the class path: {@code java -cp 'jars/*' JvmClientSmoke.java sc://host:port}.
 * Prints one line per check and exits non-zero on the first wrong answer.
 */
public class JvmClientSmoke {
    public static void main(String[] args) {
        SparkSession spark = SparkSession.builder().remote(args[0]).getOrCreate();
        try {
            check("version", spark.version(), "4.0.1");
            List<Row> one = spark.sql("select 40 + 2 as answer").collectAsList();
            check("sql", one.get(0).getInt(0), 42);
            long groups = spark.range(0, 10_000).selectExpr("id % 13 as k").groupBy("k").count().count();
            check("groupBy", groups, 13L);
            spark.range(0, 5).createOrReplaceTempView("jvm_view");
            check("temp view", spark.sql("select sum(id) from jvm_view").collectAsList().get(0).getLong(0), 10L);
        } finally {
            spark.stop();
        }
        System.out.println("JVM client: all checks passed");
    }

    private static void check(String what, Object actual, Object expected) {
        if (!expected.equals(actual)) {
            System.out.println("JVM client: " + what + " expected " + expected + " but got " + actual);
            System.exit(1);
        }
        System.out.println("JVM client: " + what + " ok (" + actual + ")");
    }
}

package dev.pedregal.gateway.connect;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.api.Test;

class ClusterAddressTest {

    final ClusterAddress address = new ClusterAddress("spark.example.com");

    @Test
    void theHostDialledNamesTheCluster() {
        assertEquals("analytics-dev", address.clusterOf(null, "analytics-dev.spark.example.com:15002"));
        assertEquals("analytics-dev-us-west-2", address.clusterOf(null, "Analytics-Dev-US-West-2.Spark.Example.com"));
    }

    @Test
    void theHeaderWinsOverTheHost() {
        assertEquals("analytics-nb", address.clusterOf("analytics-nb", "marketing-dev.spark.example.com:15002"));
    }

    @Test
    void otherHostsMeanTheHotPool() {
        assertNull(address.clusterOf(null, "localhost:15002"));
        assertNull(address.clusterOf(null, "spark.example.com:15002"));
        assertNull(address.clusterOf(null, "a.b.spark.example.com:15002"));
        assertNull(address.clusterOf(null, "analytics-dev.spark.example.com.evil.org:15002"));
        assertNull(address.clusterOf(null, "[::1]:15002"));
        assertNull(address.clusterOf("  ", null));
    }
}

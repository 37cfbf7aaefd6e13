package dev.pedregal.gateway.provisioning;

import java.util.Map;
import java.util.TreeMap;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * What each driver of a cluster runs with: driver and executor sizes, executor bounds, and Spark
 * configuration. Memory is in MiB.
 */
public record ClusterShape(int driverCores, int driverMemoryMib, int executorCores, int executorMemoryMib,
        int executorsMin, int executorsMax, boolean dynamicAllocation, Map<String, String> sparkConf) {

    private static final ObjectMapper JSON = new ObjectMapper();

    public ClusterShape {
        sparkConf = Map.copyOf(sparkConf);
    }

    /** vCPU of one driver at its largest: the driver and every executor it may scale to. */
    public int vcpuPerDriver() {
        return driverCores + executorsMax * executorCores;
    }

    /** Memory in MiB of one driver at its largest. */
    public long memoryMibPerDriver() {
        return driverMemoryMib + (long) executorsMax * executorMemoryMib;
    }

    /** The Spark configuration a driver of this shape starts with: the sizes, then the explicit settings. */
    public Map<String, String> driverConf() {
        Map<String, String> conf = new TreeMap<>();
        conf.put("spark.driver.cores", String.valueOf(driverCores));
        conf.put("spark.driver.memory", driverMemoryMib + "m");
        conf.put("spark.executor.cores", String.valueOf(executorCores));
        conf.put("spark.executor.memory", executorMemoryMib + "m");
        conf.put("spark.dynamicAllocation.enabled", String.valueOf(dynamicAllocation));
        if (dynamicAllocation) {
            conf.put("spark.dynamicAllocation.minExecutors", String.valueOf(executorsMin));
            conf.put("spark.dynamicAllocation.maxExecutors", String.valueOf(executorsMax));
        } else {
            conf.put("spark.executor.instances", String.valueOf(executorsMax));
        }
        conf.putAll(sparkConf);
        return conf;
    }

    static String confToJson(Map<String, String> conf) {
        try {
            return JSON.writeValueAsString(new TreeMap<>(conf));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    static Map<String, String> confFromJson(String json) {
        try {
            return json == null ? Map.of() : JSON.readValue(json, new TypeReference<Map<String, String>>() {
            });
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("stored Spark configuration is not JSON", e);
        }
    }
}

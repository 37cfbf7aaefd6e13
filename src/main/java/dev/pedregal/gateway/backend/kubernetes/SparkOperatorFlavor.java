package dev.pedregal.gateway.backend.kubernetes;

import java.util.Map;
import java.util.Optional;
import java.util.Set;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;

/**
 * Which Spark operator a Kubernetes cluster runs, and so which SparkApplication resource its drivers are.
 * Chosen per cluster in configuration.
 */
public enum SparkOperatorFlavor {

    /** The kubeflow Spark operator: {@code sparkoperator.k8s.io/v1beta2}. */
    KUBEFLOW_V1BETA2("sparkoperator.k8s.io", "v1beta2", "status.applicationState.state",
            Set.of("COMPLETED", "FAILED", "SUBMISSION_FAILED")),

    /** The Apache Spark Kubernetes operator: {@code spark.apache.org/v1}. */
    APACHE_V1("spark.apache.org", "v1", "status.currentState.currentStateSummary",
            Set.of("Succeeded", "Failed", "SchedulingFailure", "DriverStartTimedOut", "ExecutorsStartTimedOut",
                    "DriverReadyTimedOut", "DriverEvicted", "ResourceReleased", "TerminatedWithoutReleaseResources"));

    public static final String KIND = "SparkApplication";
    public static final String PLURAL = "sparkapplications";

    private final String group;
    private final String version;
    private final String[] statePath;
    private final Set<String> terminalStates;

    SparkOperatorFlavor(String group, String version, String statePath, Set<String> terminalStates) {
        this.group = group;
        this.version = version;
        this.statePath = statePath.split("\\.");
        this.terminalStates = terminalStates;
    }

    public String group() {
        return group;
    }

    public String apiVersion() {
        return group + "/" + version;
    }

    /** Name of the operator's CustomResourceDefinition; a cluster without it cannot run drivers. */
    public String crdName() {
        return PLURAL + "." + group;
    }

    /** Tells fabric8 the resource's plural and scope, so no API discovery round trip is needed. */
    public ResourceDefinitionContext context() {
        return new ResourceDefinitionContext.Builder()
                .withGroup(group).withVersion(version).withKind(KIND).withPlural(PLURAL).withNamespaced(true)
                .build();
    }

    /** The operator's state of an application, when it reported one. */
    public Optional<String> state(GenericKubernetesResource application) {
        Object node = application.getAdditionalProperties();
        for (String step : statePath) {
            if (!(node instanceof Map<?, ?> map)) {
                return Optional.empty();
            }
            node = map.get(step);
        }
        return node instanceof String s ? Optional.of(s) : Optional.empty();
    }

    /** Why the application has ended, if the operator's state says it has (the driver will not come back). */
    public Optional<String> endedReason(GenericKubernetesResource application) {
        return state(application).filter(terminalStates::contains)
                .map(s -> "SparkApplication " + application.getMetadata().getName() + " ended in state " + s);
    }
}

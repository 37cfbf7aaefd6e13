package dev.pedregal.gateway.jobs.kubernetes;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import dev.pedregal.gateway.backend.kubernetes.SparkOperatorFlavor;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;

/**
 * What the Spark operator reports about a batch application, in the gateway's terms.
 *
 * @param state the operator's own state name, empty before it reported one
 * @param message the operator's error or state message, empty when none
 * @param sparkUiUrl the driver's Spark UI, empty when the operator does not report one
 * @param driverPod the driver pod's name when the operator reports it; otherwise it is found by its labels
 * @param finishedAt when the application ended, when the operator says
 */
record ApplicationStatus(Phase phase, String state, String message, String sparkUiUrl, String driverPod,
        Optional<Instant> finishedAt) {

    enum Phase {
        /** Not running yet: new, submitted, pending. */
        PENDING,
        /** The driver runs (or ran and is finishing). */
        RUNNING,
        SUCCEEDED,
        FAILED;

        boolean terminal() {
            return this == SUCCEEDED || this == FAILED;
        }
    }

    private static final Set<String> KUBEFLOW_RUNNING = Set.of("RUNNING", "SUCCEEDING", "FAILING");
    private static final Set<String> KUBEFLOW_FAILED = Set.of("FAILED", "SUBMISSION_FAILED");
    private static final Set<String> APACHE_RUNNING = Set.of("DriverStarted", "DriverReady", "RunningHealthy",
            "InitializedBelowThresholdExecutors", "RunningWithBelowThresholdExecutors");
    private static final Set<String> APACHE_FAILED = Set.of("Failed", "SchedulingFailure", "DriverStartTimedOut",
            "ExecutorsStartTimedOut", "DriverReadyTimedOut", "DriverEvicted");
    /** Apache operator states after the resources were released: whether it succeeded is in the history. */
    private static final Set<String> APACHE_RELEASED = Set.of("ResourceReleased", "TerminatedWithoutReleaseResources");

    static ApplicationStatus of(SparkOperatorFlavor flavor, GenericKubernetesResource application) {
        String state = flavor.state(application).orElse("");
        Map<String, Object> status = map(application.getAdditionalProperties().get("status"));
        return switch (flavor) {
            case KUBEFLOW_V1BETA2 -> {
                Map<String, Object> driver = map(status.get("driverInfo"));
                Phase phase = "COMPLETED".equals(state) ? Phase.SUCCEEDED
                        : KUBEFLOW_FAILED.contains(state) ? Phase.FAILED
                        : KUBEFLOW_RUNNING.contains(state) ? Phase.RUNNING : Phase.PENDING;
                String ui = text(driver.get("webUIIngressAddress"));
                if (ui.isEmpty()) {
                    ui = text(driver.get("webUIAddress"));
                }
                yield new ApplicationStatus(phase, state, text(map(status.get("applicationState")).get("errorMessage")),
                        ui.isEmpty() || ui.contains("://") ? ui : "http://" + ui, text(driver.get("podName")),
                        instant(status.get("terminationTime")));
            }
            case APACHE_V1 -> {
                Map<String, Object> current = map(status.get("currentState"));
                Phase phase = "Succeeded".equals(state) ? Phase.SUCCEEDED
                        : APACHE_FAILED.contains(state) ? Phase.FAILED
                        : APACHE_RELEASED.contains(state) ? (succeededBefore(status) ? Phase.SUCCEEDED : Phase.FAILED)
                        : APACHE_RUNNING.contains(state) ? Phase.RUNNING : Phase.PENDING;
                yield new ApplicationStatus(phase, state, text(current.get("message")), "", "",
                        phase.terminal() ? instant(current.get("lastTransitionTime")) : Optional.empty());
            }
        };
    }

    /** The status of an application that was deleted before it ended. */
    static ApplicationStatus deleted() {
        return new ApplicationStatus(Phase.FAILED, "", "", "", "", Optional.empty());
    }

    /** The operator's state and message, as the failure classifier reads them. */
    String operatorMessage() {
        return message.isEmpty() ? state : state + ": " + message;
    }

    private static boolean succeededBefore(Map<String, Object> status) {
        return map(status.get("stateTransitionHistory")).values().stream()
                .anyMatch(entry -> "Succeeded".equals(map(entry).get("currentStateSummary")));
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object node) {
        return node instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
    }

    private static String text(Object node) {
        return node instanceof String s ? s : "";
    }

    private static Optional<Instant> instant(Object node) {
        try {
            return node instanceof String s && !s.isEmpty() ? Optional.of(Instant.parse(s)) : Optional.empty();
        } catch (DateTimeParseException e) {
            return Optional.empty();
        }
    }
}

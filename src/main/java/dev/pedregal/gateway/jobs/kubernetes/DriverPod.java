package dev.pedregal.gateway.jobs.kubernetes;

import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

import dev.pedregal.gateway.jobs.FinishedAttempt;
import dev.pedregal.gateway.jobs.RunRequest;
import io.fabric8.kubernetes.api.model.ContainerState;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;

/**
 * Reads what a run's driver pod says about how it ended: the driver container's exit code, the reason Kubernetes
 * gives (the pod's, such as {@code Evicted}, before the container's, such as {@code OOMKilled}, or a waiting
 * reason such as {@code ImagePullBackOff}), and the last lines of its log. Blocking: call it through
 * {@code ClusterCalls}.
 */
final class DriverPod {

    /** The container Spark names in the driver pod. */
    static final String DRIVER_CONTAINER = "spark-kubernetes-driver";

    private final KubernetesClient client;

    DriverPod(KubernetesClient client) {
        this.client = client;
    }

    /** The run's driver pod: the one the operator names, else the newest with the run's labels. */
    Optional<Pod> find(RunRequest run, String namedByOperator) {
        String namespace = BatchApplication.namespace(run);
        if (!namedByOperator.isEmpty()) {
            Pod pod = client.pods().inNamespace(namespace).withName(namedByOperator).get();
            if (pod != null) {
                return Optional.of(pod);
            }
        }
        return client.pods().inNamespace(namespace)
                .withLabel(BatchApplication.EXECUTION, BatchApplication.labels(run).get(BatchApplication.EXECUTION))
                .withLabel(BatchApplication.ATTEMPT, Integer.toString(run.attempt()))
                .withLabel(BatchApplication.SPARK_ROLE, "driver")
                .list().getItems().stream()
                .max(Comparator.comparing(p -> String.valueOf(p.getMetadata().getCreationTimestamp())));
    }

    /** The last {@code lines} lines of the pod's driver log; empty when the log cannot be read. */
    List<String> tail(Pod pod, int lines) {
        if (lines <= 0) {
            return List.of();
        }
        try {
            var container = client.pods().inNamespace(pod.getMetadata().getNamespace())
                    .withName(pod.getMetadata().getName());
            String log = hasContainer(pod, DRIVER_CONTAINER)
                    ? container.inContainer(DRIVER_CONTAINER).tailingLines(lines).getLog()
                    : container.tailingLines(lines).getLog();
            if (log == null || log.isEmpty()) {
                return List.of();
            }
            List<String> all = log.lines().toList();
            return all.subList(Math.max(0, all.size() - lines), all.size());
        } catch (KubernetesClientException e) {
            return List.of(); // the pod is gone or its log was rotated away: the rest of the report still helps
        }
    }

    /** How the attempt ended, from the operator's message and, when there is one, the driver pod. */
    FinishedAttempt finished(Optional<Pod> pod, String operatorMessage, int logLines) {
        if (pod.isEmpty()) {
            return new FinishedAttempt(OptionalInt.empty(), "", operatorMessage, List.of());
        }
        Pod p = pod.get();
        Optional<ContainerStatus> driver = driverContainer(p);
        OptionalInt exitCode = OptionalInt.empty();
        String containerReason = "";
        if (driver.isPresent()) {
            ContainerStatus c = driver.get();
            ContainerState ended = terminated(c.getState()) ? c.getState()
                    : terminated(c.getLastState()) ? c.getLastState() : null;
            if (ended != null) {
                exitCode = ended.getTerminated().getExitCode() == null ? OptionalInt.empty()
                        : OptionalInt.of(ended.getTerminated().getExitCode());
                containerReason = nonNull(ended.getTerminated().getReason());
            } else if (c.getState() != null && c.getState().getWaiting() != null) {
                containerReason = nonNull(c.getState().getWaiting().getReason());
            }
        }
        String podReason = p.getStatus() == null ? "" : nonNull(p.getStatus().getReason());
        String reason = !podReason.isEmpty() ? podReason : containerReason;
        return new FinishedAttempt(exitCode, reason, operatorMessage, tail(p, logLines));
    }

    private static Optional<ContainerStatus> driverContainer(Pod pod) {
        if (pod.getStatus() == null || pod.getStatus().getContainerStatuses() == null) {
            return Optional.empty();
        }
        List<ContainerStatus> statuses = pod.getStatus().getContainerStatuses();
        return statuses.stream().filter(c -> DRIVER_CONTAINER.equals(c.getName())).findFirst()
                .or(() -> statuses.stream().findFirst());
    }

    private static boolean hasContainer(Pod pod, String name) {
        return pod.getSpec() != null && pod.getSpec().getContainers() != null
                && pod.getSpec().getContainers().stream().anyMatch(c -> name.equals(c.getName()));
    }

    private static boolean terminated(ContainerState state) {
        return state != null && state.getTerminated() != null;
    }

    private static String nonNull(String s) {
        return s == null ? "" : s;
    }
}

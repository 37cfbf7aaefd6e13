package dev.pedregal.gateway.provisioning;

/**
 * REQUESTED → PROVISIONING → READY ⇄ SCALING → DELETING → DELETED, or FAILED with a reason.
 */
public enum ClusterState {
    REQUESTED, PROVISIONING, READY, SCALING, DELETING, DELETED, FAILED;

    /** The cluster holds (or is getting) drivers and counts against its team's quota. */
    public boolean live() {
        return this == REQUESTED || this == PROVISIONING || this == READY || this == SCALING;
    }
}

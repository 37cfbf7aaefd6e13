package dev.pedregal.gateway.placement;

/** Life of a pooled driver. */
public enum DriverState {
    /** Launched; not yet answering RPCs. */
    STARTING,
    /** Healthy; takes new sessions while it has free slots. */
    READY,
    /** Failing; serves its bound sessions but takes no new ones until its ejection ends. */
    EJECTED,
    /** Being stopped (idle surplus or shutdown). */
    STOPPING,
    /** Ended; its sessions are lost. */
    GONE
}

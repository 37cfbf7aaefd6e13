package dev.pedregal.gateway.connect;

import java.util.HashMap;
import java.util.Map;

import io.grpc.MethodDescriptor.MethodType;

/**
 * The RPCs of {@code spark.connect.SparkConnectService} and what routing needs to know of each: where its
 * operation id sits, and whether it may be the first RPC of a session (and so place it on a driver).
 */
public enum ConnectMethod {
    EXECUTE_PLAN("ExecutePlan", MethodType.SERVER_STREAMING, 6, true),
    ANALYZE_PLAN("AnalyzePlan", MethodType.UNARY, 0, true),
    CONFIG("Config", MethodType.UNARY, 0, true),
    ADD_ARTIFACTS("AddArtifacts", MethodType.CLIENT_STREAMING, 0, true),
    ARTIFACT_STATUS("ArtifactStatus", MethodType.UNARY, 0, true),
    INTERRUPT("Interrupt", MethodType.UNARY, 6, false),
    REATTACH_EXECUTE("ReattachExecute", MethodType.SERVER_STREAMING, 3, false),
    RELEASE_EXECUTE("ReleaseExecute", MethodType.UNARY, 3, false),
    RELEASE_SESSION("ReleaseSession", MethodType.UNARY, 0, false),
    FETCH_ERROR_DETAILS("FetchErrorDetails", MethodType.UNARY, 0, false),
    CLONE_SESSION("CloneSession", MethodType.UNARY, 0, false);

    public static final String SERVICE = "spark.connect.SparkConnectService";

    private static final Map<String, ConnectMethod> BY_NAME = new HashMap<>();
    static {
        for (ConnectMethod m : values()) {
            BY_NAME.put(m.rpcName, m);
        }
    }

    private final String rpcName;
    private final MethodType type;
    private final int operationIdField;
    private final boolean opensSession;

    ConnectMethod(String rpcName, MethodType type, int operationIdField, boolean opensSession) {
        this.rpcName = rpcName;
        this.type = type;
        this.operationIdField = operationIdField;
        this.opensSession = opensSession;
    }

    /** The method name as on the wire, e.g. {@code ExecutePlan}. */
    public String rpcName() {
        return rpcName;
    }

    public String fullName() {
        return SERVICE + "/" + rpcName;
    }

    public MethodType type() {
        return type;
    }

    /** Field number of the request's operation id, 0 when the request has none. */
    public int operationIdField() {
        return operationIdField;
    }

    /** True when this RPC may start a session; the others need a session that is already bound. */
    public boolean opensSession() {
        return opensSession;
    }

    /** The method for a wire name, or null for one this gateway does not know. */
    public static ConnectMethod byRpcName(String name) {
        return BY_NAME.get(name);
    }
}

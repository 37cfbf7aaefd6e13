package dev.pedregal.gateway.connect;

import io.grpc.Metadata;

/** The request metadata the gateway reads or sets, named once. */
public final class ConnectHeaders {

    /** The caller's bearer token downstream; the pool's driver secret upstream. */
    public static final Metadata.Key<String> AUTHORIZATION = Metadata.Key.of("authorization",
            Metadata.ASCII_STRING_MARSHALLER);
    /** The team a call asks for ({@code ;x-spark-team=…} in the connection string). */
    public static final Metadata.Key<String> TEAM = Metadata.Key.of("x-spark-team", Metadata.ASCII_STRING_MARSHALLER);
    /** The environment a call asks for ({@code ;x-spark-env=…}). */
    public static final Metadata.Key<String> ENVIRONMENT = Metadata.Key.of("x-spark-env", Metadata.ASCII_STRING_MARSHALLER);
    /** The provisioned cluster a call is for ({@code ;x-spark-cluster=…}); else the host name it dialled says. */
    public static final Metadata.Key<String> CLUSTER = Metadata.Key.of("x-spark-cluster", Metadata.ASCII_STRING_MARSHALLER);
    /** A client-chosen id for the call, kept in logs and the audit when it looks like one. */
    public static final Metadata.Key<String> REQUEST_ID = Metadata.Key.of("x-request-id", Metadata.ASCII_STRING_MARSHALLER);

    private ConnectHeaders() {
    }
}

package dev.pedregal.gateway.jobs.endpoints;

import jakarta.enterprise.context.ApplicationScoped;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;

/** Makes a Jobs call's metadata (its bearer token, its request id) readable by the service method. */
@ApplicationScoped
public class JobCallHeaders implements ServerInterceptor {

    static final Context.Key<Metadata> HEADERS = Context.key("pedregal-jobs-headers");

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
            ServerCallHandler<Q, R> next) {
        return Contexts.interceptCall(Context.current().withValue(HEADERS, headers), call, headers, next);
    }
}

package dev.pedregal.gateway.connect;

import dev.pedregal.gateway.placement.Driver;
import dev.pedregal.gateway.session.SessionBinding;

/**
 * Where a call goes: the session's binding and its driver, plus the verified user id to stamp into the
 * request (null when identity is off) — or, for the rare RPC the gateway answers itself, the response bytes.
 */
public record Route(SessionBinding binding, Driver driver, String stampedUserId, byte[] localReply) {

    static Route forward(SessionBinding binding, Driver driver, String stampedUserId) {
        return new Route(binding, driver, stampedUserId, null);
    }

    static Route answer(byte[] reply) {
        return new Route(null, null, null, reply);
    }
}

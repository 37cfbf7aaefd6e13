package dev.pedregal.gateway.connect;

import dev.pedregal.gateway.placement.Driver;
import dev.pedregal.gateway.session.SessionBinding;

/**
 * Where a call goes: the session's binding and its driver, or — for the rare RPC the gateway answers
 * itself — the response bytes.
 */
public record Route(SessionBinding binding, Driver driver, byte[] localReply) {

    static Route forward(SessionBinding binding, Driver driver) {
        return new Route(binding, driver, null);
    }

    static Route answer(byte[] reply) {
        return new Route(null, null, reply);
    }
}

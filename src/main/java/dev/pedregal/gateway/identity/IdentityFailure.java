package dev.pedregal.gateway.identity;

import dev.pedregal.gateway.connect.GatewayFailure;

/** Why a call was refused before it reached any driver; the reason is what the audit records. */
public final class IdentityFailure {

    /** The fixed reasons recorded for refused calls. */
    public enum Reason {
        MISSING_TOKEN, INVALID_TOKEN, EXPIRED, WRONG_ISSUER, WRONG_AUDIENCE, UNKNOWN_KID, NOT_IN_TEAM;

        public String code() {
            return name().toLowerCase();
        }
    }

    private IdentityFailure() {
    }

    public static GatewayFailure.Unauthenticated unauthenticated(Reason reason, String message) {
        return new GatewayFailure.Unauthenticated(reason.code(), message);
    }

    public static GatewayFailure.PermissionDenied notInTeam(String userId, String message) {
        return new GatewayFailure.PermissionDenied(Reason.NOT_IN_TEAM.code(), userId, message);
    }
}

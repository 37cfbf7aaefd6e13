package dev.pedregal.gateway.observability;

/** Request ids chosen by clients ({@code x-request-id}) reach logs and the audit only when they look like ids. */
public final class RequestIds {

    private RequestIds() {
    }

    /** Short, of id characters, and not a token pasted in the wrong header. */
    public static boolean plausible(String id) {
        if (id == null || id.isEmpty() || id.length() > 128 || id.startsWith("eyJ")) {
            return false;
        }
        for (int i = 0; i < id.length(); i++) {
            char c = id.charAt(i);
            if (!(Character.isLetterOrDigit(c) || c == '-' || c == '_' || c == '.' || c == ':')) {
                return false;
            }
        }
        return true;
    }
}

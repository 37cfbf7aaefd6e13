package dev.pedregal.gateway.provisioning;

import java.util.regex.Pattern;

/** Names that become host names and Kubernetes object names must be DNS-1123 labels. */
public final class Names {

    private static final Pattern DNS_1123_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?");

    private Names() {
    }

    public static boolean isDns1123(String name) {
        return name != null && name.length() <= 63 && DNS_1123_LABEL.matcher(name).matches();
    }

    static void requireDns1123(String field, String name) {
        if (!isDns1123(name)) {
            throw new ProvisioningFailure.Invalid(field, notDns1123(name));
        }
    }

    /** Why {@code name} is refused, for a field error. */
    static String notDns1123(String name) {
        return "'" + name + "' is not a DNS-1123 label: lower-case letters, digits and '-', starting and ending with a "
                + "letter or digit, at most 63 characters";
    }
}

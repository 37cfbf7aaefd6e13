package dev.pedregal.gateway.connect;

import java.nio.charset.StandardCharsets;

import org.apache.spark.connect.proto.ConfigResponse;
import org.apache.spark.connect.proto.KeyValue;

import com.google.protobuf.InvalidProtocolBufferException;

/**
 * Keeps the pool's driver secret out of Config answers ({@code spark.conf.get(...)}, {@code getAll}). Only a
 * Config response that contains the secret's bytes is decoded and re-encoded, with the value redacted; the
 * attempt is recorded for audit. Other responses pass untouched.
 */
final class SecretRedaction {

    static final String REDACTED = "*********(redacted)";

    private SecretRedaction() {
    }

    /** The response with the secret redacted, or the same array when it does not contain the secret. */
    static byte[] redact(byte[] response, byte[] secret) {
        if (indexOf(response, secret) < 0) {
            return response;
        }
        try {
            ConfigResponse.Builder config = ConfigResponse.parseFrom(response).toBuilder();
            String value = new String(secret, StandardCharsets.UTF_8);
            for (int i = 0; i < config.getPairsCount(); i++) {
                KeyValue pair = config.getPairs(i);
                if (pair.getValue().contains(value)) {
                    config.setPairs(i, pair.toBuilder().setValue(pair.getValue().replace(value, REDACTED)));
                }
            }
            return config.build().toByteArray();
        } catch (InvalidProtocolBufferException e) {
            return response;
        }
    }

    static int indexOf(byte[] haystack, byte[] needle) {
        outer: for (int i = 0; i <= haystack.length - needle.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}

package dev.pedregal.gateway.connect;

import java.nio.charset.StandardCharsets;

import org.apache.spark.connect.proto.ConfigResponse;
import org.apache.spark.connect.proto.KeyValue;
import org.jboss.logging.Logger;

import com.google.protobuf.InvalidProtocolBufferException;

/**
 * Keeps the pool's driver secret out of Config answers ({@code spark.conf.get(...)}, {@code getAll}). Only a
 * Config response that contains the secret's bytes is decoded and re-encoded, with the value redacted; the
 * attempt is recorded for audit. Other responses pass untouched.
 */
final class SecretRedaction {

    static final String REDACTED = "*********(redacted)";
    private static final Logger AUDIT = Logger.getLogger("dev.pedregal.gateway.audit");

    private SecretRedaction() {
    }

    static byte[] redact(byte[] response, byte[] secret, Route route) {
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
            AUDIT.infof("event=secret_redacted outcome=denied user=%s session=%s driver=%s",
                    route.binding().key().userId(), route.binding().key().sessionId(), route.driver().id());
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

package dev.pedregal.gateway.connect;

import java.io.IOException;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.WireFormat;

/**
 * Reads the routing fields of a Spark Connect request straight from its protobuf bytes, in whatever order
 * they come, skipping (but bounds-checking) every other field. The message is never decoded as a whole
 * and never re-encoded.
 */
public final class RoutingFieldReader {

    static final int SESSION_ID = 1;
    static final int USER_CONTEXT = 2;
    static final int USER_ID = 1;
    static final int RELEASE_ALL = 5;
    static final int RELEASE_UNTIL = 6;
    static final int REQUEST_OPTIONS = 5;

    private RoutingFieldReader() {
    }

    /**
     * @throws InvalidProtocolBufferException when the bytes are not a well-formed message
     */
    public static RoutingFields read(ConnectMethod method, byte[] message) throws InvalidProtocolBufferException {
        CodedInputStream in = CodedInputStream.newInstance(message);
        String sessionId = "";
        String userId = "";
        String operationId = null;
        int userContextOffset = -1;
        int userContextLength = 0;
        boolean releaseAll = false;
        boolean reattachable = false;
        int operationField = method.operationIdField();
        try {
            while (true) {
                int tagOffset = in.getTotalBytesRead();
                int tag = in.readTag();
                if (tag == 0) {
                    break;
                }
                int field = WireFormat.getTagFieldNumber(tag);
                int wireType = WireFormat.getTagWireType(tag);
                boolean lengthDelimited = wireType == WireFormat.WIRETYPE_LENGTH_DELIMITED;
                if (field == SESSION_ID && lengthDelimited) {
                    sessionId = in.readStringRequireUtf8();
                } else if (field == USER_CONTEXT && lengthDelimited) {
                    int length = in.readRawVarint32();
                    int limit = in.pushLimit(length);
                    userId = readUserId(in, userId);
                    in.popLimit(limit);
                    userContextOffset = tagOffset;
                    userContextLength = in.getTotalBytesRead() - tagOffset;
                } else if (field == operationField && lengthDelimited) {
                    operationId = in.readStringRequireUtf8();
                } else if (method == ConnectMethod.EXECUTE_PLAN && field == REQUEST_OPTIONS && lengthDelimited) {
                    int limit = in.pushLimit(in.readRawVarint32());
                    reattachable |= readReattachable(in);
                    in.popLimit(limit);
                } else if (method == ConnectMethod.RELEASE_EXECUTE && (field == RELEASE_ALL || field == RELEASE_UNTIL)) {
                    releaseAll = field == RELEASE_ALL;
                    in.skipField(tag);
                } else if (!in.skipField(tag)) {
                    throw new InvalidProtocolBufferException("unexpected end-group tag");
                }
            }
        } catch (InvalidProtocolBufferException e) {
            throw e;
        } catch (IOException e) {
            throw new InvalidProtocolBufferException(e);
        }
        return new RoutingFields(sessionId, userId, operationId, userContextOffset, userContextLength, releaseAll,
                reattachable);
    }

    /** Reads field 12 ({@code operation_id}) of an ExecutePlanResponse; null when absent or malformed. */
    public static String operationIdOfResponse(byte[] response) {
        CodedInputStream in = CodedInputStream.newInstance(response);
        try {
            while (true) {
                int tag = in.readTag();
                if (tag == 0) {
                    return null;
                }
                if (WireFormat.getTagFieldNumber(tag) == 12
                        && WireFormat.getTagWireType(tag) == WireFormat.WIRETYPE_LENGTH_DELIMITED) {
                    return in.readStringRequireUtf8();
                }
                if (!in.skipField(tag)) {
                    return null;
                }
            }
        } catch (IOException e) {
            return null;
        }
    }

    /** RequestOption { ReattachOptions reattach_options = 1 { bool reattachable = 1 } }. */
    private static boolean readReattachable(CodedInputStream in) throws IOException {
        boolean reattachable = false;
        while (!in.isAtEnd()) {
            int tag = in.readTag();
            if (WireFormat.getTagFieldNumber(tag) == 1
                    && WireFormat.getTagWireType(tag) == WireFormat.WIRETYPE_LENGTH_DELIMITED) {
                int limit = in.pushLimit(in.readRawVarint32());
                while (!in.isAtEnd()) {
                    int inner = in.readTag();
                    if (WireFormat.getTagFieldNumber(inner) == 1 && WireFormat.getTagWireType(inner) == WireFormat.WIRETYPE_VARINT) {
                        reattachable = in.readBool();
                    } else if (!in.skipField(inner)) {
                        throw new InvalidProtocolBufferException("unexpected end-group tag");
                    }
                }
                in.popLimit(limit);
            } else if (!in.skipField(tag)) {
                throw new InvalidProtocolBufferException("unexpected end-group tag");
            }
        }
        return reattachable;
    }

    private static String readUserId(CodedInputStream in, String current) throws IOException {
        String userId = current;
        while (!in.isAtEnd()) {
            int tag = in.readTag();
            if (WireFormat.getTagFieldNumber(tag) == USER_ID
                    && WireFormat.getTagWireType(tag) == WireFormat.WIRETYPE_LENGTH_DELIMITED) {
                userId = in.readStringRequireUtf8();
            } else if (!in.skipField(tag)) {
                throw new InvalidProtocolBufferException("unexpected end-group tag");
            }
        }
        return userId;
    }
}

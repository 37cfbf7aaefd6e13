package dev.pedregal.gateway.connect;

import java.io.IOException;

import org.apache.spark.connect.proto.UserContext;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.CodedOutputStream;

/**
 * Overwrites {@code user_context} (field 2) of a request with the verified user, rewriting only that field's
 * bytes: everything before and after it is copied as is, and the user context's other fields (extensions)
 * are kept. Spark trusts the user id it is sent, so this is where tenancy becomes real.
 */
final class UserStamp {

    private UserStamp() {
    }

    static byte[] stamp(byte[] message, RoutingFields fields, String userId) throws IOException {
        UserContext original = UserContext.getDefaultInstance();
        int offset = fields.userContextOffset();
        int length = fields.userContextLength();
        if (offset >= 0) {
            CodedInputStream in = CodedInputStream.newInstance(message, offset, length);
            in.readTag();
            original = UserContext.parseFrom(in.readBytes());
        } else {
            offset = message.length;
            length = 0;
        }
        UserContext stamped = original.toBuilder().setUserId(userId).setUserName(userId).build();
        int fieldSize = CodedOutputStream.computeMessageSize(RoutingFieldReader.USER_CONTEXT, stamped);
        byte[] out = new byte[message.length - length + fieldSize];
        System.arraycopy(message, 0, out, 0, offset);
        CodedOutputStream field = CodedOutputStream.newInstance(out, offset, fieldSize);
        field.writeMessage(RoutingFieldReader.USER_CONTEXT, stamped);
        field.checkNoSpaceLeft();
        System.arraycopy(message, offset + length, out, offset + fieldSize, message.length - offset - length);
        return out;
    }
}

package dev.pedregal.gateway.capacity;

import java.nio.charset.StandardCharsets;

/**
 * The Redis Cluster hash slot of a key: CRC16 (XMODEM: polynomial 0x1021, initial value 0) of the key, or of its
 * hash tag — the part between the first {@code {} and the next {@code }}, when that part is not empty — modulo
 * 16,384. Every key of a pool shares the tag {@code {pool}}, so a pool is one slot on one primary.
 */
final class KeySlot {

    static final int SLOTS = 16_384;
    private static final int[] TABLE = table();

    private KeySlot() {
    }

    static int of(String key) {
        byte[] bytes = key.getBytes(StandardCharsets.UTF_8);
        int open = indexOf(bytes, '{', 0);
        int close = open < 0 ? -1 : indexOf(bytes, '}', open + 1);
        boolean tagged = close > open + 1;
        int crc = 0;
        for (int i = tagged ? open + 1 : 0, to = tagged ? close : bytes.length; i < to; i++) {
            crc = next(crc, bytes[i]);
        }
        return crc & (SLOTS - 1);
    }

    private static int next(int crc, int b) {
        return ((crc << 8) & 0xFFFF) ^ TABLE[((crc >>> 8) ^ b) & 0xFF];
    }

    private static int indexOf(byte[] bytes, char c, int from) {
        for (int i = from; i < bytes.length; i++) {
            if (bytes[i] == c) {
                return i;
            }
        }
        return -1;
    }

    // The CRC of each byte value, shifted through the polynomial bit by bit once, here.
    private static int[] table() {
        int[] table = new int[256];
        for (int b = 0; b < 256; b++) {
            int crc = b << 8;
            for (int bit = 0; bit < 8; bit++) {
                crc = (crc & 0x8000) != 0 ? (crc << 1) ^ 0x1021 : crc << 1;
            }
            table[b] = crc & 0xFFFF;
        }
        return table;
    }
}

package io.keapgateway.testsupport;

import java.io.IOException;
import java.security.MessageDigest;

/**
 * The deterministic byte stream behind {@code GET /crm/rest/v1/download/{bytes}}: SplitMix64 output,
 * generated chunk by chunk so any size can be served (and hashed by tests) without holding it in memory.
 * Every length is a prefix of the same infinite stream.
 */
final class FakeDownloadBytes {

    /** Chunk size; a multiple of 8 so that only the last chunk ends mid-word. */
    static final int CHUNK = 64 * 1024;

    private static final long SEED = 0x4B454150_47415445L; // "KEAPGATE"

    /** Receives one chunk; the buffer is reused, so it must be consumed before returning. */
    @FunctionalInterface
    interface Sink {
        void accept(byte[] buffer, int length) throws IOException;
    }

    private FakeDownloadBytes() {}

    static void generate(long total, Sink sink) throws IOException {
        if (total < 0) {
            throw new IllegalArgumentException("negative length: " + total);
        }
        byte[] buffer = new byte[CHUNK];
        long state = SEED;
        for (long left = total; left > 0; ) {
            int n = (int) Math.min(CHUNK, left);
            for (int i = 0; i < n; i += 8) {
                state += 0x9E3779B97F4A7C15L;
                long z = state;
                z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
                z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
                z ^= z >>> 31;
                for (int b = 0; b < 8 && i + b < n; b++) {
                    buffer[i + b] = (byte) (z >>> (8 * b));
                }
            }
            sink.accept(buffer, n);
            left -= n;
        }
    }

    static String sha256Hex(long total) {
        MessageDigest sha = FakeRecorder.sha256();
        try {
            generate(total, (buffer, length) -> sha.update(buffer, 0, length));
        } catch (IOException impossible) {
            throw new IllegalStateException(impossible);
        }
        return FakeHttp.hex(sha.digest());
    }
}

package io.keapgateway.testsupport;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;

/**
 * Sends bytes exactly as written, for requests no well-behaved client would make (duplicate
 * Content-Length, CR/LF in headers, ...), and reads whatever comes back until the server closes or goes
 * quiet.
 */
public final class RawHttp {

    /** The status code and the whole raw response. */
    public record Reply(int status, String text) {
        public String body() {
            int split = text.indexOf("\r\n\r\n");
            return split < 0 ? "" : text.substring(split + 4);
        }

        public boolean hasHeader(String name, String valuePart) {
            return text.lines().anyMatch(line -> line.regionMatches(true, 0, name + ":", 0, name.length() + 1)
                    && line.toLowerCase().contains(valuePart.toLowerCase()));
        }
    }

    private RawHttp() {
    }

    public static Reply send(int port, String request) throws IOException {
        try (Socket socket = new Socket("localhost", port)) {
            socket.setSoTimeout(2000);
            socket.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
            socket.getOutputStream().flush();
            ByteArrayOutputStream reply = new ByteArrayOutputStream();
            InputStream in = socket.getInputStream();
            byte[] buffer = new byte[8192];
            try {
                for (int read; (read = in.read(buffer)) >= 0;) {
                    reply.write(buffer, 0, read);
                }
            } catch (SocketTimeoutException quiet) {
                // the server keeps the connection open: what arrived is the answer
            } catch (IOException reset) {
                // the server reset the connection after answering
            }
            String text = reply.toString(StandardCharsets.ISO_8859_1);
            int status = text.startsWith("HTTP/1.1 ") ? Integer.parseInt(text.substring(9, 12)) : -1;
            return new Reply(status, text);
        }
    }
}

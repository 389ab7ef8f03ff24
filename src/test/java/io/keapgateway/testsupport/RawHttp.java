package io.keapgateway.testsupport;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

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
        return send(null, port, request.getBytes(StandardCharsets.ISO_8859_1));
    }

    /**
     * Sends {@code request} from the loopback address {@code from} (e.g. {@code 127.0.0.5}; null: the default),
     * so that a test can play a client of its own address.
     */
    public static Reply send(String from, int port, byte[] request) throws IOException {
        try (Socket socket = new Socket()) {
            if (from != null) {
                socket.bind(new InetSocketAddress(InetAddress.getByName(from), 0));
            }
            socket.connect(new InetSocketAddress("localhost", port), 5000);
            socket.setSoTimeout(2000);
            try {
                socket.getOutputStream().write(request);
                socket.getOutputStream().flush();
            } catch (IOException closedEarly) {
                // the server answered and closed before reading everything: read what it answered
            }
            ByteArrayOutputStream reply = new ByteArrayOutputStream();
            InputStream in = socket.getInputStream();
            byte[] buffer = new byte[8192];
            try {
                for (int read; !complete(reply) && (read = in.read(buffer)) >= 0;) {
                    reply.write(buffer, 0, read);
                }
            } catch (SocketTimeoutException quiet) {
                // the server keeps the connection open: what arrived is the answer
            } catch (IOException reset) {
                // the server reset the connection after answering
            }
            String text = reply.toString(StandardCharsets.ISO_8859_1);
            int status = text.startsWith("HTTP/1.") && text.length() >= 12 ? Integer.parseInt(text.substring(9, 12)) : -1;
            return new Reply(status, text);
        }
    }

    /**
     * Sends {@code head} and all of {@code body}, as a client that writes its whole upload before reading
     * does, failing if the server resets the connection on it; then reads the answer until the server closes.
     */
    public static Reply upload(int port, String head, byte[] body) throws IOException {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("localhost", port), 5000);
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write(head.getBytes(StandardCharsets.ISO_8859_1));
            socket.getOutputStream().write(body);
            socket.getOutputStream().flush();
            String text = new String(socket.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
            int status = text.startsWith("HTTP/1.") && text.length() >= 12 ? Integer.parseInt(text.substring(9, 12)) : -1;
            return new Reply(status, text);
        }
    }

    /** True once a whole response with a Content-Length has arrived (others are read until close or quiet). */
    private static boolean complete(ByteArrayOutputStream reply) {
        String text = reply.toString(StandardCharsets.ISO_8859_1);
        int split = text.indexOf("\r\n\r\n");
        if (split < 0) {
            return false;
        }
        Matcher length = CONTENT_LENGTH.matcher(text.substring(0, split));
        return length.find() && text.length() - split - 4 >= Integer.parseInt(length.group(1));
    }

    private static final Pattern CONTENT_LENGTH = Pattern.compile("(?im)^content-length:\\s*(\\d+)\\s*$");
}

package io.keapgateway.ratelimit;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Watches what clients send to a Redis through {@code MONITOR}, which shows client commands and the
 * commands scripts run apart ({@code [0 lua]}): how tests count round trips.
 */
final class RedisMonitor implements AutoCloseable {

    private final Socket socket;
    private final BufferedReader lines;

    RedisMonitor(int port) throws IOException {
        socket = new Socket("127.0.0.1", port);
        socket.setSoTimeout(5000); // a test fails rather than hangs if the marker never comes
        lines = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
        OutputStream out = socket.getOutputStream();
        out.write("MONITOR\r\n".getBytes(StandardCharsets.US_ASCII));
        out.flush();
        String ok = lines.readLine();
        if (!"+OK".equals(ok)) {
            throw new IOException("MONITOR refused: " + ok);
        }
    }

    /** The names of the commands clients sent, in order, until one of them was {@code ECHO marker}. */
    List<String> clientCommandsUntilEcho(String marker) throws IOException {
        List<String> commands = new ArrayList<>();
        for (String line = lines.readLine(); line != null; line = lines.readLine()) {
            int source = line.indexOf('[');
            int end = line.indexOf(']', source);
            if (source < 0 || end < 0 || line.substring(source, end).contains("lua")) {
                continue;
            }
            String rest = line.substring(end + 1).trim();
            String command = rest.substring(1, rest.indexOf('"', 1)).toLowerCase(Locale.ROOT);
            if (command.equals("echo") && rest.contains('"' + marker + '"')) {
                return commands;
            }
            commands.add(command);
        }
        throw new IOException("monitor closed before the marker");
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}

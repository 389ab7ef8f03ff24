package io.keapgateway.testsupport;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A minimal RESP client for tests that must look at (or clean) Redis from outside the gateway, including
 * integration tests where no bean can be injected.
 */
public final class RedisPeek implements AutoCloseable {

    private final Socket socket;
    private final OutputStream out;
    private final InputStream in;

    public RedisPeek(int port) throws IOException {
        socket = new Socket("localhost", port);
        out = socket.getOutputStream();
        in = new BufferedInputStream(socket.getInputStream());
    }

    public static RedisPeek local() throws IOException {
        return new RedisPeek(6379);
    }

    /**
     * Runs one command; answers a String, Long, List or null. On a Redis Cluster node, a command for a key
     * that another node owns is sent on to that node ({@code MOVED}).
     */
    public Object call(String... command) throws IOException {
        try {
            return send(command);
        } catch (IOException e) {
            String moved = "Redis error: MOVED ";
            if (e.getMessage() == null || !e.getMessage().startsWith(moved)) {
                throw e;
            }
            String address = e.getMessage().substring(e.getMessage().lastIndexOf(' ') + 1);
            try (RedisPeek owner = new RedisPeek(Integer.parseInt(address.substring(address.lastIndexOf(':') + 1)))) {
                return owner.send(command);
            }
        }
    }

    private Object send(String... command) throws IOException {
        ByteArrayOutputStream request = new ByteArrayOutputStream();
        request.writeBytes(("*" + command.length + "\r\n").getBytes(StandardCharsets.UTF_8));
        for (String part : command) {
            byte[] bytes = part.getBytes(StandardCharsets.UTF_8);
            request.writeBytes(("$" + bytes.length + "\r\n").getBytes(StandardCharsets.UTF_8));
            request.writeBytes(bytes);
            request.writeBytes("\r\n".getBytes(StandardCharsets.UTF_8));
        }
        out.write(request.toByteArray());
        out.flush();
        return read();
    }

    /** Every key under {@code prefix}. */
    public List<String> keys(String prefix) throws IOException {
        List<String> keys = new ArrayList<>();
        String cursor = "0";
        do {
            List<?> reply = (List<?>) call("SCAN", cursor, "MATCH", prefix + "*", "COUNT", "1000");
            cursor = (String) reply.get(0);
            for (Object key : (List<?>) reply.get(1)) {
                keys.add((String) key);
            }
        } while (!cursor.equals("0"));
        return keys;
    }

    /** Everything stored under {@code prefix}, as one text: for scanning it for secrets. */
    public String dump(String prefix) throws IOException {
        StringBuilder text = new StringBuilder();
        for (String key : keys(prefix)) {
            String type = (String) call("TYPE", key);
            Object value = switch (type) {
                case "string" -> call("GET", key);
                case "hash" -> call("HGETALL", key);
                case "list" -> call("LRANGE", key, "0", "-1");
                case "set" -> call("SMEMBERS", key);
                case "zset" -> call("ZRANGE", key, "0", "-1");
                default -> type;
            };
            text.append(key).append(" = ").append(value).append('\n');
        }
        return text.toString();
    }

    /** Deletes every key under {@code prefix}. */
    public void deleteAll(String prefix) throws IOException {
        for (String key : keys(prefix)) {
            call("DEL", key);
        }
    }

    private Object read() throws IOException {
        int type = in.read();
        String line = line();
        return switch (type) {
            case '+' -> line;
            case '-' -> throw new IOException("Redis error: " + line);
            case ':' -> Long.parseLong(line);
            case '$' -> {
                int length = Integer.parseInt(line);
                if (length < 0) {
                    yield null;
                }
                byte[] bytes = in.readNBytes(length);
                in.readNBytes(2);
                yield new String(bytes, StandardCharsets.UTF_8);
            }
            case '*' -> {
                int count = Integer.parseInt(line);
                List<Object> items = new ArrayList<>();
                for (int i = 0; i < count; i++) {
                    items.add(read());
                }
                yield count < 0 ? null : items;
            }
            default -> throw new IOException("unexpected RESP type " + (char) type);
        };
    }

    private String line() throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        for (int b; (b = in.read()) != '\r';) {
            if (b < 0) {
                throw new IOException("connection closed");
            }
            line.write(b);
        }
        in.read(); // '\n'
        return line.toString(StandardCharsets.UTF_8);
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}

package io.keapgateway.notify;

import io.keapgateway.testsupport.GatewayProcess;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;

/**
 * A real SMTP server: Debian's aiosmtpd ({@code python3-aiosmtpd}) as a child process, storing every message
 * it accepts in a Maildir.
 */
final class SmtpSink implements AutoCloseable {

    private final Process process;
    private final Path maildir;
    private final int port;

    SmtpSink() throws IOException, InterruptedException {
        this.port = GatewayProcess.freePort();
        this.maildir = Files.createTempDirectory("smtp-sink-");
        for (String part : new String[] {"tmp", "new", "cur"}) { // Python's Maildir creates only a missing directory
            Files.createDirectory(maildir.resolve(part));
        }
        Path log = Files.createTempFile("smtp-sink-", ".log");
        // Debian's python3, where python3-aiosmtpd installs (another python3 may come first on PATH).
        this.process = new ProcessBuilder("/usr/bin/python3", "-m", "aiosmtpd", "-n", "-l", "127.0.0.1:" + port,
                "-c", "aiosmtpd.handlers.Mailbox", maildir.toString())
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        Instant deadline = Instant.now().plus(Duration.ofSeconds(20));
        while (true) {
            try (Socket ignored = new Socket("127.0.0.1", port)) {
                return;
            } catch (IOException notYet) {
                if (!process.isAlive() || Instant.now().isAfter(deadline)) {
                    process.destroyForcibly();
                    throw new IllegalStateException("aiosmtpd did not start: " + Files.readString(log));
                }
                Thread.sleep(50); // a child process with no start-up signal
            }
        }
    }

    int port() {
        return port;
    }

    /** Every message received so far, as its raw text (headers and body). */
    List<String> messages() {
        Path fresh = maildir.resolve("new");
        if (!Files.isDirectory(fresh)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(fresh)) {
            return files.sorted().map(file -> {
                try {
                    return Files.readString(file);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Messages whose (unfolded) text contains every one of {@code parts}. */
    List<String> messagesWith(String... parts) {
        return messages().stream().map(message -> message.replaceAll("\r?\n[ \t]+", " "))
                .filter(message -> Stream.of(parts).allMatch(message::contains)).toList();
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        process.waitFor();
    }
}

import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;

/**
 * A stand-in for Keap that answers every request at once with {@code 200 {}} and no quota headers, so that the
 * benchmark measures the gateway and not its upstream. (The tests' fake Keap enforces Keap's real quotas, 240
 * requests a minute per api key, and the JDK's HTTP server behind it would itself cap the throughput.)
 *
 * <p>It runs on one Vert.x event loop, leaving the other cores to the gateway, with the Vert.x of the packaged
 * application on the class path:
 * {@code java -cp 'target/quarkus-app/lib/main/*' src/test/bench/InstantUpstream.java <port>}. It serves on
 * 127.0.0.1 until killed.
 */
public final class InstantUpstream {

    private InstantUpstream() {
    }

    public static void main(String[] args) {
        if (args.length != 1) {
            throw new IllegalArgumentException("usage: InstantUpstream <port>");
        }
        int port = Integer.parseInt(args[0]);
        Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1).setWorkerPoolSize(1));
        Buffer body = Buffer.buffer("{}");
        vertx.createHttpServer()
                .requestHandler(request -> request.response().putHeader("Content-Type", "application/json").end(body))
                .listen(port, "127.0.0.1")
                .onFailure(failure -> {
                    failure.printStackTrace(); // a benchmark tool: the script shows this and stops
                    System.exit(1);
                });
    }
}

package io.keapgateway.proxy;

import io.keapgateway.config.GatewayConfig;
import io.quarkus.runtime.ShutdownEvent;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;
import java.net.URI;

/**
 * The pooled keep-alive HTTP client to Keap. The target host, port and scheme come from
 * {@code keap-gateway.upstream-url} alone; bodies are passed through untouched (no decompression).
 */
@Singleton // no client proxy: it serves every proxied request (docs/benchmarks.md "What the profile changed")
class Upstream {

    private final HttpClient client;
    private final String host;
    private final int port;
    private final boolean ssl;
    private final String basePath;
    private final long responseTimeoutMillis;
    private final long poolWaitMillis;

    Upstream(Vertx vertx, GatewayConfig config) {
        URI url = config.upstreamUrl();
        this.ssl = "https".equalsIgnoreCase(url.getScheme());
        this.host = url.getHost();
        this.port = url.getPort() > 0 ? url.getPort() : ssl ? 443 : 80;
        String path = url.getRawPath() == null ? "" : url.getRawPath();
        this.basePath = path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
        this.responseTimeoutMillis = config.proxy().responseTimeout().toMillis();
        this.poolWaitMillis = config.proxy().poolWaitTimeout().toMillis();
        GatewayConfig.Proxy proxy = config.proxy();
        HttpClientOptions options = new HttpClientOptions()
                .setKeepAlive(true)
                .setKeepAliveTimeout((int) Math.max(1, proxy.idleTimeout().toSeconds()))
                .setConnectTimeout((int) proxy.connectTimeout().toMillis())
                .setSsl(ssl)
                .setForceSni(ssl)
                .setVerifyHost(true)
                .setDecompressionSupported(false)
                .setTryUseCompression(false);
        this.client = vertx.createHttpClient(options, new PoolOptions().setHttp1MaxSize(proxy.poolSize()));
    }

    HttpClient client() {
        return client;
    }

    /**
     * Options of a request to Keap for {@code pathAndQuery}. Its connect timeout bounds the wait for a pooled
     * connection (opening one included); past it the request fails with a {@code TimeoutException}.
     */
    RequestOptions request(String pathAndQuery) {
        return new RequestOptions()
                .setConnectTimeout(poolWaitMillis)
                .setHost(host)
                .setPort(port)
                .setSsl(ssl)
                .setURI(basePath + pathAndQuery);
    }

    /**
     * Longest silence from Keap once the request has been sent whole (milliseconds). It is armed only then,
     * so that a long upload is not mistaken for a silent Keap.
     */
    long responseTimeoutMillis() {
        return responseTimeoutMillis;
    }

    /** The Host header Keap expects. */
    String hostHeader() {
        boolean defaultPort = (ssl && port == 443) || (!ssl && port == 80);
        return defaultPort ? host : host + ":" + port;
    }

    void close(@Observes ShutdownEvent event) {
        client.close();
    }
}

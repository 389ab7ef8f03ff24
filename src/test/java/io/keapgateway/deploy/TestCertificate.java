package io.keapgateway.deploy;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * A self-signed certificate for the Ingress hosts (and 127.0.0.1), made with {@code openssl}: what the Ingress'
 * TLS Secret holds on a cluster. Clients of the test trust it and nothing else.
 */
record TestCertificate(Path certificate, Path key) {

    static TestCertificate make(Path directory, Collection<String> hosts) throws IOException, InterruptedException {
        Files.createDirectories(directory);
        TestCertificate made = new TestCertificate(directory.resolve("tls.crt"), directory.resolve("tls.key"));
        List<String> names = new ArrayList<>(hosts.stream().map(host -> "DNS:" + host).toList());
        names.add("IP:127.0.0.1");
        Process openssl = new ProcessBuilder("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                "-subj", "/CN=keap-gateway-test", "-addext", "subjectAltName=" + String.join(",", names),
                "-keyout", made.key().toString(), "-out", made.certificate().toString()).redirectErrorStream(true).start();
        String output = new String(openssl.getInputStream().readAllBytes());
        if (!openssl.waitFor(60, TimeUnit.SECONDS) || openssl.exitValue() != 0) {
            throw new AssertionError("openssl req failed:\n" + output);
        }
        return made;
    }

    /** A TLS context that trusts this certificate only. */
    SSLContext trustingIt() throws IOException, GeneralSecurityException {
        KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
        trust.load(null, null);
        try (InputStream in = Files.newInputStream(certificate)) {
            trust.setCertificateEntry("ingress", CertificateFactory.getInstance("X.509").generateCertificate(in));
        }
        TrustManagerFactory trusting = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        trusting.init(trust);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, trusting.getTrustManagers(), null);
        return context;
    }
}

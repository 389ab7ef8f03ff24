package io.keapgateway.deploy;

import io.keapgateway.testsupport.ContainerReplica;
import io.keapgateway.testsupport.GatewayProcess;
import java.time.Duration;
import java.util.Map;

/**
 * A replica of the deployed shape: in the native suite the native image itself, run by podman the way the
 * Deployment runs it (non-root, read-only root filesystem, no capabilities); otherwise the packaged application
 * as a child process. DeployedShapeIT needs no more of either than this.
 */
interface Replica extends AutoCloseable {

    int port();

    /** SIGTERM, as Kubernetes sends after the preStop pause; returns at once. */
    void terminate() throws Exception;

    /** The exit code, or -1 if the replica still runs after {@code timeout}. */
    int awaitExit(Duration timeout) throws Exception;

    static Replica start(Map<String, String> environment) throws Exception {
        if (ContainerReplica.isNative() && ContainerReplica.podmanInstalled()) {
            ContainerReplica container = ContainerReplica.start(ContainerReplica.packagedImage(), environment);
            return new Replica() {
                @Override
                public int port() {
                    return container.port();
                }

                @Override
                public void terminate() throws Exception {
                    container.terminate();
                }

                @Override
                public int awaitExit(Duration timeout) throws Exception {
                    return container.awaitExit(timeout);
                }

                @Override
                public void close() throws Exception {
                    container.close();
                }
            };
        }
        GatewayProcess process = GatewayProcess.start(environment);
        return new Replica() {
            @Override
            public int port() {
                return process.port();
            }

            @Override
            public void terminate() {
                process.terminate();
            }

            @Override
            public int awaitExit(Duration timeout) throws Exception {
                return process.awaitExit(timeout);
            }

            @Override
            public void close() throws Exception {
                process.close();
            }
        };
    }
}

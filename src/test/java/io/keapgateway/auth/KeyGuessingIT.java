package io.keapgateway.auth;

import io.quarkus.test.junit.QuarkusIntegrationTest;
import java.nio.file.Files;
import java.nio.file.Path;

/** {@link KeyGuessingTest} against the packaged application, whose log is target/quarkus.log. */
@QuarkusIntegrationTest
class KeyGuessingIT extends KeyGuessingTest {

    @Override
    long blockLogLines() throws Exception {
        return Files.readAllLines(Path.of("target", "quarkus.log")).stream()
                .filter(line -> line.contains(BLOCK_LOGGED)).count();
    }
}

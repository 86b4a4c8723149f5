package dev.starling.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.starling.examples.notes.NotesApp;
import dev.starling.testing.TestClient;
import dev.starling.testing.TestResponse;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** The notes example: a transaction per request on a real JDBC pool, committed before the client is answered. */
class NotesExampleTest {

    @Test
    void aNoteIsReadableAsSoonAsItsPostIsAnsweredThreeHundredTimesInARow() {
        try (TestClient client = TestClient.create(NotesApp.create(0, "notes-" + UUID.randomUUID()))) {
            for (int i = 0; i < 300; i++) {
                TestResponse created = client.request("POST", "/notes").json(Map.of("text", "note " + i)).send();
                assertThat(created.status()).isEqualTo(201);
                String location = created.header("location").orElseThrow();
                TestResponse read = client.get(location);
                assertThat(read.status()).as("GET %s right after its POST (try %d)", location, i).isEqualTo(200);
                assertThat(read.json().get("text").asString()).isEqualTo("note " + i);
            }
            assertThat(client.get("/notes/count").text()).isEqualTo("300");
        }
    }

    @Test
    void aHandlerThatFailsAfterItsInsertLeavesNothingBehind() {
        try (TestClient client = TestClient.create(NotesApp.create(0, "notes-" + UUID.randomUUID()), false)) {
            assertThat(client.request("POST", "/notes").json(Map.of("text", "kept")).send().status()).isEqualTo(201);
            TestResponse refused = client.request("POST", "/notes").json(Map.of("text", " ")).send();
            assertThat(refused.status()).isEqualTo(422);
            assertThat(refused.text()).contains("A note needs some text.");
            assertThat(client.get("/notes/count").text()).isEqualTo("1");
            assertThat(client.get("/notes/2").status()).isEqualTo(404);
        }
    }
}

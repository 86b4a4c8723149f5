package com.example;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.starling.testing.TestClient;
import dev.starling.testing.TestResponse;
import org.junit.jupiter.api.Test;

class AppTest {

    @Test
    void helloGreetsByName() {
        try (TestClient client = TestClient.create(App.create())) {
            TestResponse response = client.get("/hello?name=Ada");
            assertEquals(200, response.status());
            assertEquals("{\"message\":\"Hello, Ada!\"}", response.text());
        }
    }
}

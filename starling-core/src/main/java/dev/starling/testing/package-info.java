/**
 * Testing a Starling app through the real pipeline over loopback, like Starlette's {@code TestClient}.
 *
 * <pre>{@code
 * Starling app = Starling.create().get("/items/{id}", request -> new Item(1, "pen"));
 * try (TestClient client = TestClient.create(app)) {                     // starts it on a free port
 *     assertThat(client.get("/items/1").json(Item.class)).isEqualTo(new Item(1, "pen"));
 *     assertThat(client.request("POST", "/items").json(item).send().status()).isEqualTo(201);
 * }                                                                      // stops the app
 * }</pre>
 *
 * <p>A request that fails on the server with an unhandled exception rethrows that exception in the test,
 * unless the client was made with {@code TestClient.create(app, false)}.
 */
package dev.starling.testing;

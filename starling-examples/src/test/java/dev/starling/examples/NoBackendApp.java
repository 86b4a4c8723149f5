package dev.starling.examples;

import dev.starling.Starling;

/**
 * Starts and stops two apps in one JVM and exits; {@link UseInYourProjectTest} runs it with and without a
 * logging backend on the class path and reads what it printed.
 */
final class NoBackendApp {

    private NoBackendApp() {
    }

    public static void main(String[] args) {
        for (int i = 0; i < 2; i++) {
            Starling app = Starling.create().get("/", request -> "ok");
            app.start(0);
            app.stop();
        }
    }
}

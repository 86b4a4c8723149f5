package com.example;

import dev.starling.Get;
import dev.starling.Starling;
import dev.starling.params.Query;
import java.util.Optional;

public final class App {

    public record Greeting(String message) {}

    public static final class HelloApi {
        @Get("/hello")
        public Greeting hello(@Query Optional<String> name) {
            return new Greeting("Hello, " + name.orElse("World") + "!");
        }
    }

    public static Starling create() {
        Starling app = Starling.create();
        app.include(new HelloApi());
        return app;
    }

    public static void main(String[] args) {
        create().run();                 // http://127.0.0.1:8000/hello, /docs
    }
}

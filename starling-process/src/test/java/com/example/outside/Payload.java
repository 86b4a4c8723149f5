package com.example.outside;

import java.io.Serializable;

/** A result type outside the pool's default allow-list. */
public record Payload(String text) implements Serializable {
}

package dev.portcullis.testing;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Case-insensitive lookups in header lists that keep wire order and case. */
final class Headers {

    private Headers() {
    }

    static Optional<String> first(List<Map.Entry<String, String>> headers, String name) {
        return headers.stream().filter(e -> e.getKey().equalsIgnoreCase(name)).map(Map.Entry::getValue).findFirst();
    }

    static List<String> all(List<Map.Entry<String, String>> headers, String name) {
        return headers.stream().filter(e -> e.getKey().equalsIgnoreCase(name)).map(Map.Entry::getValue).toList();
    }
}

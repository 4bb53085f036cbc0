package dev.portcullis.testing;

import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;

import java.io.StringReader;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A config file as a tree of mappings, sequences and scalars that keep their YAML spelling, so
 * overrides merge by key path and the rendered text is exactly what a user could have written:
 * {@code access_log: off} stays the plain scalar {@code off} (never a YAML 1.1 boolean), and a
 * quoted {@code "4"} stays quoted. Mappings merge key by key; sequences and scalars replace.
 */
final class YamlTree {

    /** A scalar as it is written: {@code plain} is emitted verbatim, otherwise double-quoted. */
    record Scalar(String text, boolean plain) {
        static Scalar of(Object value) {
            if (value == null) {
                return new Scalar("null", true);
            }
            if (value instanceof Number || value instanceof Boolean) {
                return new Scalar(value.toString(), true);
            }
            return new Scalar(value.toString(), false);
        }

        String render() {
            if (plain) {
                return text;
            }
            StringBuilder quoted = new StringBuilder("\"");
            for (char c : text.toCharArray()) {
                switch (c) {
                    case '"' -> quoted.append("\\\"");
                    case '\\' -> quoted.append("\\\\");
                    case '\n' -> quoted.append("\\n");
                    case '\t' -> quoted.append("\\t");
                    case '\r' -> quoted.append("\\r");
                    default -> {
                        if (c < 0x20) {
                            quoted.append(String.format("\\x%02x", (int) c));
                        } else {
                            quoted.append(c);
                        }
                    }
                }
            }
            return quoted.append('"').toString();
        }
    }

    private final LinkedHashMap<String, Object> root;

    YamlTree() {
        this(new LinkedHashMap<>());
    }

    private YamlTree(LinkedHashMap<String, Object> root) {
        this.root = root;
    }

    YamlTree copy() {
        return new YamlTree(deepCopy(root));
    }

    /** Sets {@code a.b.c}; strings are quoted, numbers and booleans plain, lists and maps converted. */
    void set(String path, Object value) {
        String[] keys = path.split("\\.");
        Map<String, Object> map = parentOf(keys, true);
        map.put(keys[keys.length - 1], convert(value));
    }

    /** Sets {@code a.b.c} to a scalar written exactly as {@code yamlText} (e.g. {@code off}, {@code ~}). */
    void setPlain(String path, String yamlText) {
        set(path, new Scalar(yamlText, true));
    }

    boolean contains(String path) {
        String[] keys = path.split("\\.");
        Map<String, Object> map = parentOf(keys, false);
        return map != null && map.containsKey(keys[keys.length - 1]);
    }

    void remove(String path) {
        String[] keys = path.split("\\.");
        Map<String, Object> map = parentOf(keys, false);
        if (map != null) {
            map.remove(keys[keys.length - 1]);
        }
    }

    /** Deep-merges a YAML mapping, e.g. {@code "limits:\n  max_body_size: 1MiB"}. */
    void merge(String yaml) {
        Node node = new Yaml().compose(new StringReader(yaml));
        if (node == null) {
            return;
        }
        if (!(node instanceof MappingNode)) {
            throw new IllegalArgumentException("a YAML override must be a mapping: " + yaml);
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> overrides = (Map<String, Object>) fromNode(node);
        mergeInto(root, overrides);
    }

    String render() {
        StringBuilder out = new StringBuilder();
        renderMap(root, 0, out);
        return out.toString();
    }

    @SuppressWarnings("unchecked")
    private Map<String, Object> parentOf(String[] keys, boolean create) {
        Map<String, Object> map = root;
        for (int i = 0; i < keys.length - 1; i++) {
            Object child = map.get(keys[i]);
            if (!(child instanceof Map)) {
                if (!create) {
                    return null;
                }
                child = new LinkedHashMap<String, Object>();
                map.put(keys[i], child);
            }
            map = (Map<String, Object>) child;
        }
        return map;
    }

    @SuppressWarnings("unchecked")
    private static void mergeInto(Map<String, Object> target, Map<String, Object> overrides) {
        for (Map.Entry<String, Object> e : overrides.entrySet()) {
            Object existing = target.get(e.getKey());
            if (existing instanceof Map && e.getValue() instanceof Map) {
                mergeInto((Map<String, Object>) existing, (Map<String, Object>) e.getValue());
            } else {
                target.put(e.getKey(), e.getValue());
            }
        }
    }

    private static Object fromNode(Node node) {
        if (node instanceof ScalarNode scalar) {
            return new Scalar(scalar.getValue(), scalar.getScalarStyle() == DumperOptions.ScalarStyle.PLAIN);
        }
        if (node instanceof SequenceNode sequence) {
            List<Object> items = new ArrayList<>();
            sequence.getValue().forEach(item -> items.add(fromNode(item)));
            return items;
        }
        LinkedHashMap<String, Object> map = new LinkedHashMap<>();
        for (NodeTuple tuple : ((MappingNode) node).getValue()) {
            map.put(((ScalarNode) tuple.getKeyNode()).getValue(), fromNode(tuple.getValueNode()));
        }
        return map;
    }

    private static Object convert(Object value) {
        if (value instanceof Scalar) {
            return value;
        }
        if (value instanceof Map<?, ?> map) {
            LinkedHashMap<String, Object> converted = new LinkedHashMap<>();
            map.forEach((k, v) -> converted.put(k.toString(), convert(v)));
            return converted;
        }
        if (value instanceof List<?> list) {
            List<Object> converted = new ArrayList<>();
            list.forEach(item -> converted.add(convert(item)));
            return converted;
        }
        return Scalar.of(value);
    }

    @SuppressWarnings("unchecked")
    private static <T> T deepCopy(T value) {
        if (value instanceof Map<?, ?> map) {
            LinkedHashMap<String, Object> copy = new LinkedHashMap<>();
            map.forEach((k, v) -> copy.put((String) k, deepCopy(v)));
            return (T) copy;
        }
        if (value instanceof List<?> list) {
            List<Object> copy = new ArrayList<>();
            list.forEach(item -> copy.add(deepCopy(item)));
            return (T) copy;
        }
        return value;
    }

    private static void renderMap(Map<String, Object> map, int indent, StringBuilder out) {
        String pad = " ".repeat(indent);
        for (Map.Entry<String, Object> e : map.entrySet()) {
            out.append(pad).append(e.getKey()).append(':');
            renderValue(e.getValue(), indent, out);
        }
    }

    @SuppressWarnings("unchecked")
    private static void renderValue(Object value, int indent, StringBuilder out) {
        if (value instanceof Map<?, ?> map) {
            if (map.isEmpty()) {
                out.append(" {}\n");
            } else {
                out.append('\n');
                renderMap((Map<String, Object>) map, indent + 2, out);
            }
        } else if (value instanceof List<?> list) {
            if (list.isEmpty()) {
                out.append(" []\n");
                return;
            }
            out.append('\n');
            String pad = " ".repeat(indent + 2);
            for (Object item : list) {
                if (item instanceof Map<?, ?> itemMap && !itemMap.isEmpty()) {
                    StringBuilder nested = new StringBuilder();
                    renderMap((Map<String, Object>) itemMap, indent + 4, nested);
                    out.append(pad).append("- ").append(nested.substring(indent + 4));
                } else {
                    out.append(pad).append('-');
                    renderValue(item, indent + 2, out);
                }
            }
        } else {
            out.append(' ').append(((Scalar) value).render()).append('\n');
        }
    }
}

package dev.portcullis.config;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;

import static java.util.Objects.requireNonNull;

/**
 * One YAML mapping seen through its key path: typed getters that report errors as
 * {@code tls.client_auth (line 7): ...}. Structure is checked when the wrapper is made, in document
 * order, before any value is read: keys that are not plain strings, YAML tags, anchors and aliases,
 * duplicate keys (compose does not catch them) and unknown keys (with a did-you-mean hint). So a
 * misspelt key is reported as such, not as the required key it was meant to be.
 */
final class YamlMapping {

    private final String path;
    private final int line;
    private final Keys keys;
    private final Map<String, NodeTuple> values;
    private final Function<String, String> environment;

    private YamlMapping(String path, int line, Keys keys, Map<String, NodeTuple> values,
            Function<String, String> environment) {
        this.path = path;
        this.line = line;
        this.keys = keys;
        this.values = values;
        this.environment = environment;
    }

    /** The top-level mapping; errors that concern the whole file name {@code file}. */
    static YamlMapping root(MappingNode node, String file, Keys keys, Function<String, String> environment)
            throws ConfigException {
        checkPlain(node, file);
        return new YamlMapping("", YamlDocument.line(node), keys, entries(node, "", keys), environment);
    }

    /** Which keys a mapping may hold. */
    record Keys(List<String> known) {

        static Keys of(String... known) {
            return new Keys(List.of(known));
        }
    }

    /** This mapping's key path, empty for the top level. */
    String path() {
        return path;
    }

    /** The 1-based line where this mapping, or the key that holds it, starts. */
    int line() {
        return line;
    }

    /** Whether {@code key} is written, with any value. */
    boolean has(String key) {
        return values.containsKey(known(key));
    }

    /** The scalar at {@code key}, interpolated; {@code expected} describes a valid value for errors. */
    Optional<YamlScalar> scalar(String key, String expected) throws ConfigException {
        NodeTuple entry = values.get(known(key));
        return entry == null ? Optional.empty() : Optional.of(scalar(entry.getValueNode(), pathOf(key), expected));
    }

    /** As {@link #scalar}, an error when the key is absent. */
    YamlScalar requiredScalar(String key, String expected) throws ConfigException {
        Optional<YamlScalar> value = scalar(key, expected);
        if (value.isEmpty()) {
            throw error(pathOf(key), line, "required key is missing");
        }
        return value.get();
    }

    /** The value at {@code key} converted by {@code parser}, or {@code otherwise} when the key is absent. */
    <T> T get(String key, String expected, Function<String, T> parser, T otherwise) throws ConfigException {
        Optional<YamlScalar> value = scalar(key, expected);
        return value.isEmpty() ? otherwise : value.get().as(parser);
    }

    /**
     * The mapping at {@code key}; absent or empty ({@code key:} alone) reads as a mapping with no
     * keys. Its line is the line of {@code key}, where a reader looks for a missing child key.
     */
    YamlMapping mapping(String key, Keys childKeys) throws ConfigException {
        String childPath = pathOf(key);
        NodeTuple entry = values.get(known(key));
        if (entry == null) {
            return new YamlMapping(childPath, line, childKeys, Map.of(), environment);
        }
        Node node = entry.getValueNode();
        int keyLine = YamlDocument.line(entry.getKeyNode());
        if (YamlDocument.isNull(node)) {
            return new YamlMapping(childPath, keyLine, childKeys, Map.of(), environment);
        }
        if (!(node instanceof MappingNode mapping)) {
            throw error(childPath, YamlDocument.line(node), YamlDocument.describe(node) + " (expected: a mapping)");
        }
        return new YamlMapping(childPath, keyLine, childKeys, entries(mapping, childPath, childKeys), environment);
    }

    /** The list of scalars at {@code key}; items are named {@code key[i]}. */
    Optional<YamlList> list(String key, String expected) throws ConfigException {
        Optional<SequenceNode> found = sequence(key, expected);
        if (found.isEmpty()) {
            return Optional.empty();
        }
        String listPath = pathOf(key);
        List<YamlScalar> items = new ArrayList<>();
        for (Node item : found.get().getValue()) {
            items.add(scalar(item, listPath + "[" + items.size() + "]", "a single value"));
        }
        return Optional.of(new YamlList(listPath, YamlDocument.line(found.get()), List.copyOf(items)));
    }

    /** The sequence at {@code key}, or empty when the key is absent; anything else is an error. */
    private Optional<SequenceNode> sequence(String key, String expected) throws ConfigException {
        NodeTuple entry = values.get(known(key));
        if (entry == null) {
            return Optional.empty();
        }
        Node node = entry.getValueNode();
        if (!(node instanceof SequenceNode sequence)) {
            String found = YamlDocument.isNull(node) ? "empty value" : YamlDocument.describe(node);
            throw error(pathOf(key), YamlDocument.line(node), found + " (expected: " + expected + ")");
        }
        return Optional.of(sequence);
    }

    /**
     * The list of mappings at {@code key}, each checked against {@code itemKeys} as any mapping is
     * (unknown keys get a did-you-mean). Item {@code i} is named {@code key[i]} and its line is
     * where the item starts. {@code expected} describes the list, {@code expectedItem} one item.
     */
    Optional<List<YamlMapping>> mappings(String key, String expected, String expectedItem, Keys itemKeys)
            throws ConfigException {
        Optional<SequenceNode> sequence = sequence(key, expected);
        if (sequence.isEmpty()) {
            return Optional.empty();
        }
        String listPath = pathOf(key);
        List<YamlMapping> items = new ArrayList<>();
        for (Node item : sequence.get().getValue()) {
            String itemPath = listPath + "[" + items.size() + "]";
            int itemLine = YamlDocument.line(item);
            checkPlain(item, itemPath);
            if (!(item instanceof MappingNode mapping)) {
                String found = YamlDocument.isNull(item) ? "empty value" : YamlDocument.describe(item);
                throw error(itemPath, itemLine, found + " (expected: " + expectedItem + ")");
            }
            items.add(new YamlMapping(itemPath, itemLine, itemKeys, entries(mapping, itemPath, itemKeys),
                    environment));
        }
        return Optional.of(List.copyOf(items));
    }

    /** The keys written in this mapping, in document order. */
    List<String> written() {
        return List.copyOf(values.keySet());
    }

    /**
     * As {@link #scalar}, but an explicit null ({@code key: null}, {@code key: ~} or {@code key:})
     * reads as absent: for optional values whose documented default is null.
     */
    Optional<YamlScalar> nullableScalar(String key, String expected) throws ConfigException {
        NodeTuple entry = values.get(known(key));
        if (entry == null || YamlDocument.isNull(entry.getValueNode())) {
            return Optional.empty();
        }
        return scalar(key, expected);
    }

    /** As {@link #mapping(String, Keys)}; a value that is not a mapping is refused with {@code expected}. */
    YamlMapping mapping(String key, Keys childKeys, String expected) throws ConfigException {
        NodeTuple entry = values.get(known(key));
        if (entry != null && !YamlDocument.isNull(entry.getValueNode())
                && !(entry.getValueNode() instanceof MappingNode)) {
            Node node = entry.getValueNode();
            throw error(pathOf(key), YamlDocument.line(node), YamlDocument.describe(node) + " (expected: " + expected + ")");
        }
        return mapping(key, childKeys);
    }

    /** A list of scalars with its own position, for errors about the list as a whole. */
    record YamlList(String path, int line, List<YamlScalar> items) {

        ConfigException error(String problem) {
            return YamlMapping.error(path, line, problem);
        }
    }

    /** The one error shape: {@code path (line N): problem}. */
    static ConfigException error(String path, int line, String problem) {
        return new ConfigException(path + " (line " + line + "): " + problem);
    }

    private YamlScalar scalar(Node node, String valuePath, String expected) throws ConfigException {
        checkPlain(node, valuePath);
        int at = YamlDocument.line(node);
        if (!(node instanceof ScalarNode scalar)) {
            throw error(valuePath, at, YamlDocument.describe(node) + " (expected: " + expected + ")");
        }
        if (YamlDocument.isNull(node)) {
            throw error(valuePath, at, "empty value (expected: " + expected + ")");
        }
        try {
            return new YamlScalar(valuePath, at, Interpolation.apply(scalar.getValue(), environment));
        } catch (IllegalArgumentException e) {
            throw error(valuePath, at, e.getMessage());
        }
    }

    private String pathOf(String key) {
        return path.isEmpty() ? key : path + "." + key;
    }

    /** Guards against a binder asking for a key it did not declare: that would never be read. */
    private String known(String key) {
        if (!keys.known().contains(key)) {
            throw new IllegalStateException("undeclared key " + pathOf(key));
        }
        return key;
    }

    private static Map<String, NodeTuple> entries(MappingNode node, String path, Keys keys)
            throws ConfigException {
        Map<String, NodeTuple> entries = new LinkedHashMap<>();
        Map<String, Integer> lines = new LinkedHashMap<>();
        for (NodeTuple tuple : node.getValue()) {
            Node keyNode = tuple.getKeyNode();
            int keyLine = YamlDocument.line(keyNode);
            String where = path.isEmpty() ? "top level" : path;
            checkPlain(keyNode, where);
            if (!(keyNode instanceof ScalarNode keyScalar)) {
                throw error(where, keyLine, YamlDocument.describe(keyNode) + " as a key (expected: a plain key name)");
            }
            String key = keyScalar.getValue();
            String keyPath = (path.isEmpty() ? "" : path + ".") + ValueErrors.escape(key);
            checkPlain(tuple.getValueNode(), keyPath);
            Integer first = lines.putIfAbsent(key, keyLine);
            if (first != null) {
                throw error(keyPath, keyLine, "duplicate key (first at line " + first + ")");
            }
            if (key.equals("<<")) {
                throw error(keyPath, keyLine, "YAML merge keys are not supported");
            }
            if (!keys.known().contains(key)) {
                throw error(keyPath, keyLine, unknownKey(key, keys));
            }
            entries.put(key, tuple);
        }
        return entries;
    }

    private static String unknownKey(String key, Keys keys) {
        return Suggestions.closest(key, keys.known())
                .map(suggestion -> "unknown key (did you mean " + suggestion + "?)")
                .orElseGet(() -> "unknown key (expected one of: " + String.join(", ", keys.known()) + ")");
    }

    /** Tags change what a value means and anchors make one value stand in two places: both are refused. */
    private static void checkPlain(Node node, String nodePath) throws ConfigException {
        requireNonNull(node, "node");
        if (YamlDocument.isTagged(node)) {
            throw error(nodePath, YamlDocument.line(node),
                    "YAML tags are not supported (found " + ValueErrors.escape(YamlDocument.writtenTag(node)) + ")");
        }
        if (node.getAnchor() != null) {
            throw error(nodePath, YamlDocument.line(node),
                    "YAML anchors and aliases are not supported (found &" + ValueErrors.escape(node.getAnchor()) + ")");
        }
    }
}

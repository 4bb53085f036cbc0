package dev.portcullis.config;

import java.io.IOException;
import java.io.StringReader;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Set;

import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeId;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.Tag;
import org.yaml.snakeyaml.reader.ReaderException;
import org.yaml.snakeyaml.representer.Representer;
import org.yaml.snakeyaml.resolver.Resolver;

/**
 * Reads the config file into SnakeYAML's node tree ({@code compose}, never {@code load}): nodes keep
 * their line, so every later error can name it, and no Java object is ever built from the YAML.
 * Every failure becomes a one-line {@link ConfigException} that starts with the file name.
 */
final class YamlDocument {

    /** Far above any real config; keeps a wrong file (a log, a binary) from being parsed at all. */
    static final int MAX_BYTES = 1 << 20;

    /**
     * The tag every untagged node gets. SnakeYAML hides whether a tag was written or resolved, so
     * the resolver gives all untagged nodes this one; any other tag was written explicitly.
     */
    private static final Tag UNTAGGED = new Tag("tag:portcullis.dev,2026:untagged");

    /** The plain scalars YAML reads as null: an empty value, {@code ~} and {@code null}. */
    private static final Set<String> NULLS = Set.of("", "~", "null", "Null", "NULL");

    private YamlDocument() {
    }

    /** The top-level mapping of {@code file}, which must be absolute. */
    static MappingNode read(Path file) throws ConfigException {
        String text = readText(file);
        Node root;
        try {
            root = yaml().compose(new StringReader(text));
        } catch (MarkedYAMLException e) {
            Mark mark = e.getProblemMark() != null ? e.getProblemMark() : e.getContextMark();
            throw new ConfigException(file + lineOf(mark) + ": YAML syntax error: " + oneLine(problem(e)));
        } catch (ReaderException e) {
            throw new ConfigException(file + " (line " + lineAt(text, e.getPosition()) + "): YAML syntax error: "
                    + String.format("character U+%04X is not allowed", e.getCodePoint()));
        } catch (YAMLException e) {
            throw new ConfigException(file + ": YAML error: " + oneLine(e.getMessage()));
        }
        if (root == null) {
            throw new ConfigException(file + ": the config is empty (expected: a mapping with at least "
                    + "tls.cert, tls.key and tls.client_ca)");
        }
        if (!(root instanceof MappingNode mapping)) {
            throw new ConfigException(file + " (line " + line(root) + "): " + describe(root)
                    + " at the top level (expected: a mapping of config keys such as listen and tls)");
        }
        return mapping;
    }

    /** SafeConstructor and the limits of netty-facts §8; the resolver marks untagged nodes. */
    private static Yaml yaml() {
        LoaderOptions options = new LoaderOptions();
        options.setAllowDuplicateKeys(false);
        options.setMaxAliasesForCollections(10);
        options.setCodePointLimit(MAX_BYTES);
        options.setNestingDepthLimit(20);
        options.setAllowRecursiveKeys(false);
        options.setProcessComments(false);
        DumperOptions dumperOptions = new DumperOptions();
        return new Yaml(new SafeConstructor(options), new Representer(dumperOptions), dumperOptions, options,
                new UntaggedResolver());
    }

    private static String readText(Path file) throws ConfigException {
        byte[] bytes;
        try {
            if (Files.isDirectory(file)) {
                throw new ConfigException(file + ": the config file is a directory");
            }
            if (Files.size(file) > MAX_BYTES) {
                throw new ConfigException(file + ": the config file is larger than 1MiB");
            }
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new ConfigException(file + ": config file not found");
        } catch (AccessDeniedException e) {
            throw new ConfigException(file + ": config file not readable (permission denied)");
        } catch (IOException e) {
            throw new ConfigException(file + ": config file cannot be read (" + e.getClass().getSimpleName() + ")");
        }
        try {
            String text = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes))
                    .toString();
            return text.startsWith("\uFEFF") ? text.substring(1) : text;
        } catch (CharacterCodingException e) {
            throw new ConfigException(file + ": the config file is not valid UTF-8");
        }
    }

    /** 1-based, as editors count; SnakeYAML marks are 0-based. */
    static int line(Node node) {
        return node.getStartMark().getLine() + 1;
    }

    /** Whether the YAML gave {@code node} a tag such as {@code !!str} or {@code !foo}. */
    static boolean isTagged(Node node) {
        return !UNTAGGED.equals(node.getTag());
    }

    /** The tag as it would be written: {@code !!str} for the YAML namespace. */
    static String writtenTag(Node node) {
        String tag = node.getTag().getValue();
        return tag.startsWith(Tag.PREFIX) ? "!!" + tag.substring(Tag.PREFIX.length()) : tag;
    }

    /** Whether {@code node} is an empty value, {@code ~} or {@code null}. */
    static boolean isNull(Node node) {
        return node instanceof ScalarNode scalar && scalar.isPlain() && NULLS.contains(scalar.getValue());
    }

    /** {@code value: "x"} for a scalar, {@code found a list} or {@code found a mapping} otherwise. */
    static String describe(Node node) {
        if (node instanceof ScalarNode scalar) {
            return "value: " + ValueErrors.quote(scalar.getValue());
        }
        return node.getNodeId() == NodeId.sequence ? "found a list" : "found a mapping";
    }

    /** SnakeYAML phrases context and problem to be read together: "expected a single document in the stream; but found another document". */
    private static String problem(MarkedYAMLException e) {
        if (e.getContext() == null) {
            return e.getProblem();
        }
        return e.getProblem() == null ? e.getContext() : e.getContext() + "; " + e.getProblem();
    }

    private static String lineOf(Mark mark) {
        return mark == null ? "" : " (line " + (mark.getLine() + 1) + ")";
    }

    private static int lineAt(String text, int index) {
        int line = 1;
        for (int i = 0; i < Math.min(index, text.length()); i++) {
            if (text.charAt(i) == '\n') {
                line++;
            }
        }
        return line;
    }

    private static String oneLine(String text) {
        return text == null ? "unknown problem" : ValueErrors.escape(text.strip());
    }

    /** Resolves every untagged node to {@link #UNTAGGED}; the binder reads scalar text, not YAML types. */
    private static final class UntaggedResolver extends Resolver {
        @Override
        public Tag resolve(NodeId kind, String value, boolean implicit) {
            return UNTAGGED;
        }
    }
}

package dev.portcullis.app;

import dev.portcullis.config.Suggestions;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * Parses the arguments of {@code portcullis} into a {@link Command}, by hand: five commands and
 * four options do not need a library, and a hand-written parser keeps every usage error to the one
 * line with a did-you-mean that DESIGN.md promises. Options take {@code --name value} or
 * {@code --name=value}.
 */
final class CommandLine {

    static final String USAGE = """
            Usage:
              portcullis --config FILE            run the proxy (same as: portcullis run --config FILE)
              portcullis validate --config FILE   check the config and every file it names; print "ok" or the error
              portcullis demo [--dir DIR] [--port N]
                                                  throwaway dev PKI + built-in echo upstream + proxy on
                                                  127.0.0.1:N (default 8443); prints a curl to try.
                                                  Without --dir a temporary directory is used and
                                                  deleted on exit; files in DIR are overwritten.
              portcullis certs --out DIR [--force]
                                                  write a dev PKI: CA, server cert for localhost, a client cert
              portcullis --version
              portcullis --help

            Exit codes: 0 ok, 2 config or usage error, 1 runtime failure.
            Signals: SIGTERM and SIGINT stop the proxy and exit 0.
            """;

    private static final List<String> COMMANDS = List.of("run", "validate", "demo", "certs", "help");
    private static final String CONFIG = "--config";
    private static final String DIR = "--dir";
    private static final String PORT = "--port";
    private static final String OUT = "--out";
    private static final String FORCE = "--force";
    private static final String HELP = "--help";
    private static final String VERSION = "--version";

    private CommandLine() {
    }

    static Command parse(String... args) throws CliError {
        if (args.length == 0) {
            throw CliError.usage("portcullis: missing command or --config FILE (see: portcullis --help)");
        }
        String first = args[0];
        List<String> rest = List.of(args).subList(1, args.length);
        switch (first) {
            case VERSION:
                noArguments("portcullis " + VERSION, rest);
                return new Command.Version();
            case HELP, "-h", "help":
                return new Command.Help();
            case "run":
                return run("portcullis run", rest, Set.of());
            case "validate":
                return validate(rest);
            case "demo":
                return demo(rest);
            case "certs":
                return certs(rest);
            default:
                if (first.startsWith("-")) {
                    // Bare options mean "run"; --version and --help are offered as suggestions too.
                    return run("portcullis", List.of(args), Set.of(VERSION));
                }
                throw CliError.usage("portcullis: unknown command \"" + first + "\""
                        + Suggestions.closest(first, COMMANDS).map(s -> " (did you mean \"" + s + "\"?)")
                        .orElse(" (commands: run, validate, demo, certs; see: portcullis --help)"));
        }
    }

    private static Command run(String context, List<String> args, Set<String> alsoSuggest) throws CliError {
        Map<String, String> options = Options.parse(context, args, Set.of(CONFIG), Set.of(), alsoSuggest);
        if (options.containsKey(HELP)) {
            return new Command.Help();
        }
        return new Command.Run(Path.of(required(context, options, CONFIG, "FILE")));
    }

    private static Command validate(List<String> args) throws CliError {
        String context = "portcullis validate";
        Map<String, String> options = Options.parse(context, args, Set.of(CONFIG), Set.of(), Set.of());
        if (options.containsKey(HELP)) {
            return new Command.Help();
        }
        return new Command.Validate(Path.of(required(context, options, CONFIG, "FILE")));
    }

    private static Command demo(List<String> args) throws CliError {
        String context = "portcullis demo";
        Map<String, String> options = Options.parse(context, args, Set.of(DIR, PORT), Set.of(), Set.of());
        if (options.containsKey(HELP)) {
            return new Command.Help();
        }
        int port = Command.Demo.DEFAULT_PORT;
        if (options.containsKey(PORT)) {
            port = port(context, options.get(PORT));
        }
        return new Command.Demo(Optional.ofNullable(options.get(DIR)).map(Path::of), port);
    }

    private static Command certs(List<String> args) throws CliError {
        String context = "portcullis certs";
        Map<String, String> options = Options.parse(context, args, Set.of(OUT), Set.of(FORCE), Set.of());
        if (options.containsKey(HELP)) {
            return new Command.Help();
        }
        return new Command.Certs(Path.of(required(context, options, OUT, "DIR")), options.containsKey(FORCE));
    }

    private static String required(String context, Map<String, String> options, String name, String meta)
            throws CliError {
        String value = options.get(name);
        if (value == null) {
            throw CliError.usage(context + ": missing " + name + " " + meta + " (see: portcullis --help)");
        }
        return value;
    }

    private static int port(String context, String text) throws CliError {
        try {
            int port = Integer.parseInt(text);
            if (port >= 0 && port <= 65535) {
                return port;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw CliError.usage(context + ": " + PORT + " must be a number from 0 to 65535, not \"" + text + "\"");
    }

    private static void noArguments(String context, List<String> args) throws CliError {
        if (!args.isEmpty()) {
            throw CliError.usage(context + ": unexpected argument \"" + args.get(0) + "\"");
        }
    }

    /** The options of one command: each given at most once, nothing positional. */
    private static final class Options {

        private Options() {
        }

        /** Flags map to {@code "true"}; {@code --help} is always accepted. */
        static Map<String, String> parse(String context, List<String> args, Set<String> valued, Set<String> flags,
                                         Set<String> alsoSuggest) throws CliError {
            Map<String, String> options = new HashMap<>();
            for (int i = 0; i < args.size(); i++) {
                String arg = args.get(i);
                if (arg.equals(HELP) || arg.equals("-h")) {
                    options.put(HELP, "true");
                    continue;
                }
                int equals = arg.indexOf('=');
                String name = arg.startsWith("--") && equals > 0 ? arg.substring(0, equals) : arg;
                String value;
                if (valued.contains(name)) {
                    if (equals > 0 && name.length() < arg.length()) {
                        value = arg.substring(equals + 1);
                    } else if (i + 1 < args.size() && !args.get(i + 1).startsWith("--")) {
                        value = args.get(++i);
                    } else {
                        throw CliError.usage(context + ": " + name + " needs a value");
                    }
                    if (value.isEmpty()) {
                        throw CliError.usage(context + ": " + name + " needs a value");
                    }
                } else if (flags.contains(arg)) {
                    value = "true";
                } else if (arg.startsWith("-")) {
                    throw unknownOption(context, name, valued, flags, alsoSuggest);
                } else {
                    throw CliError.usage(context + ": unexpected argument \"" + arg + "\" (see: portcullis --help)");
                }
                if (options.put(name, value) != null) {
                    throw CliError.usage(context + ": " + name + " given more than once");
                }
            }
            return options;
        }

        private static CliError unknownOption(String context, String name, Set<String> valued, Set<String> flags,
                                              Set<String> alsoSuggest) {
            Set<String> known = new TreeSet<>(valued);
            known.addAll(flags);
            List<String> candidates = new ArrayList<>(known);
            candidates.addAll(alsoSuggest);
            candidates.add(HELP);
            candidates.remove(name); // a valid word in the wrong place is not its own suggestion
            String hint = Suggestions.closest(name, candidates)
                    .map(s -> " (did you mean \"" + s + "\"?)")
                    .orElse(known.isEmpty() ? "" : " (options: " + String.join(", ", known) + ")");
            return CliError.usage(context + ": unknown option \"" + name + "\"" + hint);
        }
    }
}

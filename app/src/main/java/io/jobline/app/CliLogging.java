package io.jobline.app;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.ConfiguratorRank;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.spi.ContextAwareBase;
import java.util.Map;

/**
 * Logging until a configuration says otherwise: warnings and errors on stderr, never stdout (where
 * {@code --json} output goes). Logback finds it (a service) the first time anything logs, so a
 * command that logs nothing pays nothing; a role's configuration replaces it when it starts.
 */
@ConfiguratorRank(ConfiguratorRank.NOMINAL)
public final class CliLogging extends ContextAwareBase implements Configurator {
  @Override
  public ExecutionStatus configure(LoggerContext context) {
    apply(context, Level.WARN, Map.of());
    return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
  }

  /** Sets the root level and these loggers' levels, everything to stderr as one line per event. */
  static void apply(LoggerContext context, Level root, Map<String, Level> loggers) {
    context.reset();
    PatternLayoutEncoder encoder = new PatternLayoutEncoder();
    encoder.setContext(context);
    encoder.setPattern("%-5level [%d{ISO8601,UTC}] %logger: %msg%n");
    encoder.start();
    ConsoleAppender<ILoggingEvent> console = new ConsoleAppender<>();
    console.setContext(context);
    console.setName("stderr");
    console.setTarget("System.err");
    console.setEncoder(encoder);
    console.start();
    ch.qos.logback.classic.Logger rootLogger = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    rootLogger.setLevel(root);
    rootLogger.addAppender(console);
    loggers.forEach((name, level) -> context.getLogger(name).setLevel(level));
  }
}

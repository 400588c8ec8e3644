package io.jobline.app;

import java.net.ConnectException;
import java.net.UnknownHostException;
import java.net.http.HttpConnectTimeoutException;
import java.nio.channels.UnresolvedAddressException;
import java.util.Locale;

/**
 * A command could not do what was asked. Its message is the one line the user sees — what was
 * tried, what failed, what to do — and {@link Main} exits with its code; the stack trace is shown
 * only with {@code --verbose}.
 */
final class CliFailure extends RuntimeException {
  private final int exitCode;

  CliFailure(int exitCode, String line, Throwable cause) {
    super(line, cause);
    this.exitCode = exitCode;
  }

  CliFailure(int exitCode, String line) {
    this(exitCode, line, null);
  }

  int exitCode() {
    return exitCode;
  }

  /** Nothing answers at {@code url}. */
  static CliFailure noApi(String url, Throwable cause) {
    return new CliFailure(
        ExitCode.UNAVAILABLE,
        "no Jobline API at "
            + url
            + " ("
            + reason(cause)
            + ") — start "
            + "`./jobline standalone`, or point --api-url or JOBLINE_API_URL at a running one",
        cause);
  }

  /** What an exception says, in a few words, for the one line. */
  static String reason(Throwable e) {
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    if (root instanceof UnresolvedAddressException || root instanceof UnknownHostException) {
      return "unknown host";
    }
    if (e instanceof HttpConnectTimeoutException) {
      return "connect timed out";
    }
    if (e instanceof ConnectException || root instanceof ConnectException) {
      String m = e.getMessage() != null ? e.getMessage() : root.getMessage();
      return m == null || m.isBlank() ? "connection refused" : m.toLowerCase(Locale.ROOT);
    }
    String m = e.getMessage() != null ? e.getMessage() : root.getMessage();
    return m == null || m.isBlank() ? e.getClass().getSimpleName() : m;
  }
}

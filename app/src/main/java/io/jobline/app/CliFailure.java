package io.jobline.app;

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
    return new CliFailure(ExitCode.UNAVAILABLE, "no Jobline API at " + url + " (" + reason(cause) + ") — start "
        + "`./jobline standalone`, or point --api-url or JOBLINE_API_URL at a running one", cause);
  }

  /** What an exception says, in a few words, for the one line. */
  static String reason(Throwable e) {
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    if (root instanceof java.nio.channels.UnresolvedAddressException || root instanceof java.net.UnknownHostException) {
      return "unknown host";
    }
    if (e instanceof java.net.http.HttpConnectTimeoutException) {
      return "connect timed out";
    }
    if (e instanceof java.net.ConnectException || root instanceof java.net.ConnectException) {
      String m = e.getMessage() != null ? e.getMessage() : root.getMessage();
      return m == null || m.isBlank() ? "connection refused" : m.toLowerCase(java.util.Locale.ROOT);
    }
    String m = e.getMessage() != null ? e.getMessage() : root.getMessage();
    return m == null || m.isBlank() ? e.getClass().getSimpleName() : m;
  }
}

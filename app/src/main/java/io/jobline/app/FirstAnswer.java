package io.jobline.app;

import java.io.IOException;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.URI;

/**
 * The figure the standalone banner gives: how long after the JVM started the API served its first
 * request. The request is a real one through Jersey and its filters ({@code GET /jobs} without a
 * token, answered 401), so the API is known to answer, not only to listen.
 */
final class FirstAnswer {
  private FirstAnswer() {}

  /**
   * Sends the first request to the API at {@code apiUrl}; returns the seconds since the JVM
   * started.
   */
  static double secondsSinceJvmStart(String apiUrl) {
    try {
      HttpURLConnection c =
          (HttpURLConnection) URI.create(apiUrl + "/jobs").toURL().openConnection();
      c.setConnectTimeout(5_000);
      c.setReadTimeout(30_000);
      c.getResponseCode();
      try (InputStream body =
          c.getErrorStream() != null ? c.getErrorStream() : c.getInputStream()) {
        body.readAllBytes();
      }
      c.disconnect();
    } catch (IOException e) {
      // the banner still says when the server came up; a real problem shows at the user's first
      // call
    }
    return StartupTimeline.secondsSinceJvmStart();
  }
}

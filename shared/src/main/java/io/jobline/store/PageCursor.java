package io.jobline.store;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;

/**
 * Where a page sorted by time then id ended: the time and id of its last item, as an opaque text.
 */
public record PageCursor(Instant at, String id) {
  public String encode() {
    String raw = (at == null ? "" : at.toEpochMilli()) + ":" + id;
    return Base64.getUrlEncoder()
        .withoutPadding()
        .encodeToString(raw.getBytes(StandardCharsets.UTF_8));
  }

  /**
   * Reads a cursor a previous page returned.
   *
   * @throws IllegalArgumentException when it was not made by {@link #encode()}
   */
  public static PageCursor decode(String text) {
    String raw = new String(Base64.getUrlDecoder().decode(text), StandardCharsets.UTF_8);
    int colon = raw.indexOf(':');
    if (colon < 0) {
      throw new IllegalArgumentException("not a cursor");
    }
    String millis = raw.substring(0, colon);
    return new PageCursor(
        millis.isEmpty() ? null : Instant.ofEpochMilli(Long.parseLong(millis)),
        raw.substring(colon + 1));
  }
}

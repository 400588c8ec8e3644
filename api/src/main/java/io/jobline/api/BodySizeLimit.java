package io.jobline.api;

import jakarta.annotation.Priority;
import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerRequestFilter;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * Refuses a body larger than {@link Bodies#MAX_BODY_BYTES} (413): at once when its declared length
 * says so, before anything reads it, and otherwise (a chunked body declares none) as soon as more
 * than twice that has been read ({@link UnreadBodyDrain#LIMIT}), so that no route reads an
 * unbounded body into memory.
 */
@Priority(Priorities.HEADER_DECORATOR)
public final class BodySizeLimit implements ContainerRequestFilter {
  @Override
  public void filter(ContainerRequestContext request) {
    if (request.getLength() > Bodies.MAX_BODY_BYTES) {
      request.abortWith(
          ProblemMappers.respond(
              tooLarge("the request body is " + request.getLength() + " bytes").toProblem()));
      return;
    }
    // (not hasEntity(): it peeks at the body, and would ask a client that waits for
    // "100 Continue" to send one the answer may not need)
    // (at the most UnreadBodyDrain reads of a body a route did not take, so that it can still
    // read such a body through; a route that reads one past MAX_BODY_BYTES refuses it itself)
    request.setEntityStream(new Capped(request.getEntityStream(), UnreadBodyDrain.LIMIT));
  }

  private static ApiException tooLarge(String what) {
    return new ApiException(
        413,
        "Body too large",
        what + "; at most " + Bodies.MAX_BODY_BYTES + " are accepted",
        "body",
        null);
  }

  /** A body stream that fails once more than {@code max} bytes have been read of it. */
  static final class Capped extends FilterInputStream {
    private final long max;
    private long read;

    Capped(InputStream in, long max) {
      super(in);
      this.max = max;
    }

    private int counted(int n) {
      if (n > 0) {
        read += n;
        if (read > max) {
          throw tooLarge("the request body is more than " + max + " bytes");
        }
      }
      return n;
    }

    @Override
    public int read() throws IOException {
      int b = super.read();
      if (b >= 0) {
        counted(1);
      }
      return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      return counted(super.read(b, off, len));
    }

    @Override
    public long skip(long n) throws IOException {
      long skipped = super.skip(n);
      if (skipped > 0) {
        counted((int) Math.min(skipped, Integer.MAX_VALUE));
      }
      return skipped;
    }
  }
}

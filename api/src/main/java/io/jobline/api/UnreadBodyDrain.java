package io.jobline.api;

import jakarta.annotation.Priority;
import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.ProcessingException;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerResponseContext;
import jakarta.ws.rs.container.ContainerResponseFilter;
import java.io.IOException;
import java.io.InputStream;

/**
 * Reads to its end a request body the answer did not need — a 413 on the declared length, a 401,
 * 403 or 429 given before the body was read, a route that takes no body — before the answer goes
 * out, up to {@link #LIMIT} bytes (not a body the client holds back for {@code Expect:
 * 100-continue}: reading it would ask for it). Jetty closes a connection whose request it has not
 * read to the end; a client still sending the body then meets TCP's reset and loses the answer
 * (measured: 10 to 15 of every 100 such answers to a 100 KB or 1.1 MB body never reached the JDK's
 * client). A body declared longer than the limit is not read: that connection is closed as before.
 * While it reads, the request holds its thread; Jetty's idle timeout bounds each read of a client
 * gone quiet.
 */
@Priority(Priorities.USER)
public final class UnreadBodyDrain implements ContainerResponseFilter {
  /** The most a refused request's body is read for: twice the largest body the api takes. */
  static final long LIMIT = 2L * Bodies.MAX_BODY_BYTES;

  @Override
  public void filter(ContainerRequestContext request, ContainerResponseContext response) {
    if (request.getLength() > LIMIT
        || "100-continue".equalsIgnoreCase(request.getHeaderString("Expect"))) {
      return; // a client waiting to be asked for its body is not asked: it is refused unsent
    }
    InputStream body;
    try {
      if (!request.hasEntity()) {
        return;
      }
      body = request.getEntityStream();
    } catch (IllegalStateException consumed) {
      return; // the route read the body and closed it
    } catch (ProcessingException gone) {
      return; // the client went away or sent nothing (Jersey's wrapping of the read's IOException)
    }
    byte[] buffer = new byte[16 * 1024];
    long left = LIMIT;
    try {
      while (left > 0) {
        int n = body.read(buffer, 0, (int) Math.min(buffer.length, left));
        if (n < 0) {
          return;
        }
        left -= n;
      }
    } catch (IOException | IllegalStateException | ProcessingException gone) {
      // the client stopped sending: there is no one to keep the answer for
    } catch (ApiException pastTheBodyLimit) {
      // (BodySizeLimit's cap on a body of no declared length): read no further; Jetty closes
    }
  }
}

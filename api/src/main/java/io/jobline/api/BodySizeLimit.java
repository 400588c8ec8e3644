package io.jobline.api;

import jakarta.annotation.Priority;
import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerRequestFilter;
import jakarta.ws.rs.core.Response;

/** Refuses a body whose declared length exceeds the cap before anything reads it (413). */
@Priority(Priorities.HEADER_DECORATOR)
public final class BodySizeLimit implements ContainerRequestFilter {
  @Override
  public void filter(ContainerRequestContext request) {
    if (request.getLength() > Bodies.MAX_BODY_BYTES) {
      request.abortWith(
          Response.status(413)
              .type(Problem.MEDIA_TYPE)
              .entity(
                  new Problem(
                      "about:blank",
                      "Body too large",
                      413,
                      "the request body is "
                          + request.getLength()
                          + " bytes; at most "
                          + Bodies.MAX_BODY_BYTES
                          + " are accepted",
                      "body",
                      null))
              .build());
    }
  }
}

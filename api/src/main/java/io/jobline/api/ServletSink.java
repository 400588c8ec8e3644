package io.jobline.api;

import jakarta.servlet.AsyncContext;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.WriteListener;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A run stream's response written with the Servlet container's non-blocking output: frames are
 * handed over only while the container says the client can take them ({@link
 * ServletOutputStream#isReady()}), and what is left waits here until it calls {@link
 * #onWritePossible()}. No write ever waits for the client, so one that stops reading holds up no
 * thread and no other stream.
 */
final class ServletSink implements RunStreams.Sink, WriteListener, AsyncListener {
  private static final Logger LOG = LoggerFactory.getLogger(ServletSink.class);

  private final AsyncContext async;
  private final ServletOutputStream out;

  /** Frames written to this sink and not yet handed to the container. */
  private byte[] pending;

  /** Handed over but not flushed yet. */
  private boolean unflushed;

  /** The container said the client cannot take more; it calls onWritePossible when it can. */
  private boolean waiting;

  private boolean closing;
  private volatile boolean closed;

  private ServletSink(AsyncContext async, ServletOutputStream out) {
    this.async = async;
    this.out = out;
  }

  /**
   * Starts the event stream on the response of {@code request}, whose async context the servlet
   * container keeps open (JAX-RS started it for the suspended request); nothing is sent yet.
   */
  static ServletSink start(HttpServletRequest request) throws IOException {
    AsyncContext async =
        request.isAsyncStarted() ? request.getAsyncContext() : request.startAsync();
    async.setTimeout(
        0); // a stream ends when its run does, its client leaves, or RunStreams cuts it off
    HttpServletResponse response = (HttpServletResponse) async.getResponse();
    response.setStatus(200);
    response.setContentType("text/event-stream");
    response.setCharacterEncoding("UTF-8");
    response.setHeader("Cache-Control", "no-cache");
    response.setHeader("X-Accel-Buffering", "no");
    ServletSink sink = new ServletSink(async, response.getOutputStream());
    async.addListener(sink);
    sink.out.setWriteListener(sink);
    return sink;
  }

  @Override
  public synchronized void write(String frames) throws IOException {
    if (closed) {
      throw new IOException("the client has gone");
    }
    byte[] bytes = frames.getBytes(StandardCharsets.UTF_8);
    if (pending == null) {
      pending = bytes;
    } else {
      byte[] both = new byte[pending.length + bytes.length];
      System.arraycopy(pending, 0, both, 0, pending.length);
      System.arraycopy(bytes, 0, both, pending.length, bytes.length);
      pending = both;
    }
    pump();
  }

  @Override
  public synchronized boolean ready() {
    return !closed && pending == null && !unflushed && !waiting;
  }

  @Override
  public boolean isClosed() {
    return closed;
  }

  /** Completes the response once what was written has gone out; at once when nothing waits. */
  @Override
  public synchronized void close() {
    closing = true;
    pump();
  }

  /** Ends the exchange now, whatever the client has not taken. */
  @Override
  public synchronized void cutOff() {
    finish();
  }

  /**
   * Hands over what waits, flushes it, and completes a closing response, while the client can take
   * it.
   */
  private void pump() {
    try {
      while (!closed) {
        if (!out.isReady()) {
          waiting = true;
          return;
        }
        waiting = false;
        if (pending != null) {
          byte[] frames = pending;
          pending = null;
          out.write(frames);
          unflushed = true;
        } else if (unflushed) {
          unflushed = false;
          out.flush(); // each event goes out as it happens
        } else {
          if (closing) {
            finish();
          }
          return;
        }
      }
    } catch (IOException | IllegalStateException e) {
      LOG.debug("A run stream's client has gone", e);
      finish();
    }
  }

  private void finish() {
    if (!closed) {
      closed = true;
      try {
        async.complete();
      } catch (IllegalStateException alreadyOver) {
        // the container ended the exchange already (the client went away)
      }
    }
  }

  @Override
  public synchronized void onWritePossible() {
    pump();
  }

  @Override
  public void onError(Throwable t) {
    LOG.debug("A run stream's write failed (its client has gone)", t);
    synchronized (this) {
      finish();
    }
  }

  @Override
  public void onComplete(AsyncEvent event) {
    closed = true;
  }

  @Override
  public void onTimeout(AsyncEvent event) {
    synchronized (this) {
      finish();
    }
  }

  @Override
  public void onError(AsyncEvent event) {
    onError(event.getThrowable());
  }

  @Override
  public void onStartAsync(AsyncEvent event) {
    // not started again
  }
}

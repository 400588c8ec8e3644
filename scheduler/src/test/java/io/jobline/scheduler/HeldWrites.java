package io.jobline.scheduler;

import com.mongodb.MongoSocketReadTimeoutException;
import com.mongodb.ServerAddress;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.MongoDatabase;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.net.SocketTimeoutException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A database whose next write of a chosen kind to a chosen collection is held until released: the
 * window between a writer taking a schedule version and the write becoming visible, made as long as
 * a test needs.
 */
final class HeldWrites {
  private volatile String collection;
  private volatile String method;
  private volatile CountDownLatch held = new CountDownLatch(1);
  private volatile CountDownLatch release = new CountDownLatch(1);

  /** Holds the next {@code method} call on {@code collection}. */
  void arm(String collection, String method) {
    this.held = new CountDownLatch(1);
    this.release = new CountDownLatch(1);
    this.method = method;
    this.collection = collection;
  }

  /** Waits until the armed write is being held. */
  void awaitHeld() throws InterruptedException {
    if (!held.await(10, TimeUnit.SECONDS)) {
      throw new AssertionError("the armed write was never attempted");
    }
  }

  void release() {
    release.countDown();
  }

  private volatile boolean unknownOutcome;
  private volatile Runnable late;

  /**
   * Fails the next {@code method} call on {@code collection} as a read that timed out, unmade;
   * {@link #landLate} makes it then, as a server that applied it after its client gave up.
   */
  void armUnknownOutcome(String collection, String method) {
    arm(collection, method);
    release.countDown();
    unknownOutcome = true;
  }

  /** Makes the write {@link #armUnknownOutcome} failed. */
  void landLate() {
    late.run();
  }

  MongoDatabase wrap(MongoDatabase db) {
    return proxy(
        MongoDatabase.class,
        (p, m, args) -> {
          Object result = invoke(db, m, args);
          if (m.getName().equals("getCollection") && result instanceof MongoCollection<?> c) {
            String name = (String) args[0];
            return proxy(
                MongoCollection.class,
                (cp, cm, cargs) -> {
                  if (cm.getName().equals(method) && name.equals(collection) && unknownOutcome) {
                    collection = null;
                    unknownOutcome = false;
                    late =
                        () -> {
                          try {
                            invoke(c, cm, cargs);
                          } catch (Throwable e) {
                            throw new IllegalStateException(e);
                          }
                        };
                    throw new MongoSocketReadTimeoutException(
                        "injected: timed out", new ServerAddress(), new SocketTimeoutException());
                  }
                  if (cm.getName().equals(method) && name.equals(collection)) {
                    collection = null;
                    held.countDown();
                    if (!release.await(30, TimeUnit.SECONDS)) {
                      throw new AssertionError("a held write was never released");
                    }
                  }
                  return invoke(c, cm, cargs);
                });
          }
          return result;
        });
  }

  private static Object invoke(Object target, Method m, Object[] args) throws Throwable {
    try {
      return m.invoke(target, args);
    } catch (InvocationTargetException e) {
      throw e.getCause();
    }
  }

  @SuppressWarnings("unchecked")
  private static <T> T proxy(Class<T> type, InvocationHandler handler) {
    return (T)
        Proxy.newProxyInstance(HeldWrites.class.getClassLoader(), new Class<?>[] {type}, handler);
  }
}

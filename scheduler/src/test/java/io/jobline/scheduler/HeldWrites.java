package io.jobline.scheduler;

import com.mongodb.client.MongoCollection;
import com.mongodb.client.MongoDatabase;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
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
